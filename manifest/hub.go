package manifest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/modelvet/modelvet/hub"
	"github.com/modelvet/modelvet/internal/limits"
)

// parseHub reads the "ORG/NAME[@REV]" of an "hf:" target for Parse, with
// the default options (HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE from the
// environment).
func parseHub(ref string) (Source, error) {
	s, err := Hub(ref, HubOptions{})
	if err != nil {
		return nil, err // not a nil *HubSource in a Source
	}
	return s, nil
}

// HubSource is a Hugging Face Hub model repository read remotely: one API
// request for the record and file listing, then HTTP range requests for the
// card, the configs, the licence texts and the headers of the weight files,
// never their tensors. Every file is read at the commit the revision
// resolved to. Its client's requests and bytes count against the caps of
// HubOptions over the source's lifetime: use one HubSource per audit.
type HubSource struct {
	ref hub.Ref
	cfg hubConfig
	c   *hub.Client
}

// Hub returns the Source for the repository ref ("ORG/NAME[@REV]"). It
// checks ref and opts (resolved against HF_ENDPOINT, HF_TOKEN and
// HF_HUB_OFFLINE) but makes no request.
func Hub(ref string, opts HubOptions) (*HubSource, error) {
	r, err := hub.ParseRef(ref)
	if err != nil {
		return nil, err
	}
	c, err := hub.NewClient(opts.Options)
	if err != nil {
		return nil, fmt.Errorf("hf:%s: %w", r, err)
	}
	return &HubSource{ref: r, cfg: opts.resolve(), c: c}, nil
}

// String returns "hf:ORG/NAME[@REV]".
func (s *HubSource) String() string { return "hf:" + s.ref.String() }

// Ref returns the repository and revision read.
func (s *HubSource) Ref() hub.Ref { return s.ref }

// Client returns the client that reads the repository: its Usage is what
// the source fetched so far, and it can fetch other models' records
// within the same caps (hub.Ancestors).
func (s *HubSource) Client() *hub.Client { return s.c }

// Open reads the repository: its API record, then what the audit needs of
// its files, then the Hub records of the models its card names as bases,
// and theirs, to HubOptions.LineageDepth (Release.Hub.Ancestors). Files
// that cannot be read (a gated repository without access, a server lying
// about sizes) are recorded as Problems; Open fails only when the
// repository itself cannot be read.
func (s *HubSource) Open(ctx context.Context) (*Release, error) {
	rel, err := s.listed(ctx)
	if err != nil {
		return nil, err
	}
	set := s.plan(rel)
	if err := s.prefetch(ctx, set); err != nil {
		return nil, err
	}
	s.readHeaders(ctx, rel, set)
	s.readGGUF(ctx, rel, set)
	for _, f := range rel.Files {
		// An HDF5 file is scanned in the first block fetched only.
		if rf := set.files[f.Path]; rf != nil && rf.headerFormat() == FormatHDF5 {
			f.prefix = rf.keepFirstBlock()
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// A file that could not be fetched is one problem, and is not opened
	// again. Files left unread once the audit's cap is reached are one
	// problem together.
	var capped []string
	var capErr error
	for _, f := range rel.Files {
		rf := set.files[f.Path]
		if rf == nil || rf.err == nil {
			continue
		}
		f.Format, f.unreadable = classify(f.Path, nil), true
		if errors.Is(rf.err, hub.ErrBudget) {
			capped, capErr = append(capped, f.Path), rf.err
			continue
		}
		rel.addProblem(&Problem{Path: f.Path, Message: "cannot be read: " + rf.err.Error(), Err: rf.err})
	}
	if len(capped) > 0 {
		names := strings.Join(capped[:min(len(capped), 5)], ", ")
		if len(capped) > 5 {
			names += fmt.Sprintf(" and %d more", len(capped)-5)
		}
		rel.addProblem(&Problem{Path: rel.Name, Message: fmt.Sprintf("%d files were not read: %v (%s)", len(capped), capErr, names), Err: capErr})
	}
	for _, f := range rel.Files {
		if rf := set.files[f.Path]; rf != nil && rf.kind == readStart && rf.err == nil {
			indexPrefix(rel, f, rf.r.Head())
		}
	}
	if err := describeWith(ctx, rel, set.open); err != nil {
		return nil, err
	}
	keepFetched(rel, set)
	headerCounts(rel)
	if s.cfg.lineage >= 0 {
		bases, relation := rel.Hub.BaseModel, rel.Hub.BaseModelRelation
		if rel.Card != nil && len(rel.Card.BaseModel) > 0 {
			bases, relation = nil, rel.Card.BaseModelRelation.Value
			for _, b := range rel.Card.BaseModel {
				bases = append(bases, b.Value)
			}
		}
		walk, err := hub.Ancestors(ctx, s.c, rel.Name, bases, relation, hub.AncestorOptions{MaxDepth: s.cfg.lineage, Concurrency: s.cfg.concurrency})
		if err != nil {
			return nil, err
		}
		rel.Hub.Ancestors, rel.Hub.AncestorsUnfollowed = walk.Ancestors, walk.Unfollowed
	}
	rel.Hub.Requests, rel.Hub.Bytes = s.c.Usage()
	return rel, nil
}

// listed fetches the repository's API record, with its file listing, at
// the revision asked for (main by default), and builds the Release from it.
func (s *HubSource) listed(ctx context.Context) (*Release, error) {
	info, err := s.c.Listing(ctx, s.ref)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	return s.release(info)
}

// release builds the Release from the API record.
func (s *HubSource) release(info *hub.ModelInfo) (*Release, error) {
	id, rev := s.ref.ID, cmp.Or(s.ref.Revision, hub.DefaultRevision)
	var problems []*Problem
	if info.ID != id {
		if hub.CheckID(info.ID) == nil {
			id = info.ID // the Hub's canonical id (a renamed or legacy repository)
		} else {
			problems = append(problems, &Problem{Path: id, Field: "id", Message: fmt.Sprintf("the Hub record gives the id %q, which is not a repository id; %s is used", info.ID, id)})
		}
	}
	rel := &Release{Name: id, Repo: id, Source: s.String(), Kind: KindHub}
	rel.Hub = &HubInfo{ModelInfo: info.Summary(), Endpoint: s.c.Endpoint(), Revision: rev}
	rel.Hub.ID = id
	if isHubHex(info.SHA, 40) {
		rel.Revision = info.SHA
	} else {
		rel.Revision, rel.Hub.SHA = rev, ""
		problems = append(problems, &Problem{Path: id, Field: "sha", Message: fmt.Sprintf("the Hub record gives no commit for revision %s, so files are read at %s, which may move during the audit", rev, rev)})
	}
	files, fp := hubFiles(info.Files)
	rel.Files = files
	rel.Problems = append(problems, fp...)
	if len(rel.Files) == 0 {
		return nil, fmt.Errorf("%s: %w: the repository lists no files", s, ErrEmpty)
	}
	return rel, nil
}

// hubFiles turns a Hub listing into release files, with the digests the
// Hub publishes, and problems for entries that cannot be trusted.
func hubFiles(list []hub.File) ([]*File, []*Problem) {
	var files []*File
	var problems []*Problem
	seen := map[string]bool{}
	noSize := 0
	for _, hf := range list {
		if err := checkHubPath(hf.Path); err != nil {
			problems = append(problems, &Problem{Path: hf.Path, Message: "the Hub lists a file with " + err.Error() + "; ignored"})
			continue
		}
		if seen[hf.Path] {
			problems = append(problems, &Problem{Path: hf.Path, Message: "the Hub lists this file twice; the first entry is used"})
			continue
		}
		seen[hf.Path] = true
		f := &File{Path: hf.Path, Size: hf.Size}
		if hf.LFS != nil {
			if hf.LFS.Size >= 0 {
				if hf.Size >= 0 && hf.Size != hf.LFS.Size {
					problems = append(problems, &Problem{Path: hf.Path, Field: "size", Message: fmt.Sprintf("the Hub lists %d bytes but the LFS pointer says %d; the LFS size is used", hf.Size, hf.LFS.Size)})
				}
				f.Size = hf.LFS.Size
			}
			if isHubHex(hf.LFS.SHA256, 64) {
				f.Expected = append(f.Expected, Expectation{Algorithm: "sha256", Digest: hf.LFS.SHA256, Size: f.Size, Source: "hf-hub"})
			} else {
				problems = append(problems, &Problem{Path: hf.Path, Field: "lfs.sha256", Message: "the Hub gives an LFS digest that is not a sha256; it is ignored"})
			}
		} else if isHubHex(hf.BlobID, 40) {
			f.Expected = append(f.Expected, Expectation{Algorithm: "git-sha1", Digest: hf.BlobID, Size: f.Size, Source: "hf-hub"})
		}
		if f.Size < 0 {
			// Unknown size: listed by name only.
			f.Size, f.SizeUnknown, f.Format, f.unreadable = 0, true, classify(f.Path, nil), true
			noSize++
		}
		files = append(files, f)
	}
	if noSize > 0 {
		problems = append(problems, &Problem{Field: "size", Message: fmt.Sprintf("the Hub listing gives no size for %d files; they are not read", noSize)})
	}
	return files, problems
}

// checkHubPath refuses listing paths that are not clean relative paths.
func checkHubPath(p string) error {
	switch {
	case p == "":
		return errors.New("an empty path")
	case len(p) > limits.MaxHubPathLen:
		return fmt.Errorf("a path longer than %d bytes", limits.MaxHubPathLen)
	case !utf8.ValidString(p):
		return errors.New("a path that is not UTF-8")
	case strings.ContainsFunc(p, func(r rune) bool { return r < ' ' || r == 0x7f || r == '\\' }):
		return errors.New("a control character or backslash in its path")
	case path.IsAbs(p) || path.Clean(p) != p || p == "." || p == ".." || strings.HasPrefix(p, "../"):
		return errors.New("a path that is not a clean relative path")
	}
	return nil
}

func isHubHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// plan decides which files to fetch. Files listed only keep the format
// their name gives and are marked so that describeWith skips them.
func (s *HubSource) plan(rel *Release) *remoteSet {
	pin := hub.Ref{ID: rel.Repo, Revision: rel.Revision}
	set := &remoteSet{files: map[string]*remoteFile{}}
	// The signature the release will locate is read whole, to be verified.
	var sig *File
	for _, f := range rel.Files {
		if !f.unreadable && classify(f.Path, nil) == FormatSignature && preferSignature(sig, f) {
			sig = f
		}
	}
	// With a signature to check, small files outside LFS are downloaded
	// too: the Hub publishes only a git blob id for them, which no
	// signature uses.
	signedFiles, signedBytes := 0, int64(0)
	for _, f := range rel.Files {
		if f.unreadable {
			rel.Hub.ListedOnly++
			continue
		}
		kind, capBytes := planFile(f)
		if f == sig {
			kind, capBytes = readWhole, limits.MaxSignatureBytes
		}
		if kind == readSkip && sig != nil && !inLFS(f) && f.Size <= limits.MaxHubSignedFileBytes &&
			signedFiles < limits.MaxHubSignedFiles && signedBytes+f.Size <= limits.MaxHubSignedBytes {
			kind, capBytes = readWhole, f.Size
			signedFiles++
			signedBytes += f.Size
		}
		if kind == readWhole && f.Format == "" && classify(f.Path, nil) == FormatSafetensorsIndex && s.cfg.indexWhole >= 0 && f.Size > s.cfg.indexWhole {
			// Too large to read whole within the audit's bounds: its first
			// bytes give metadata.total_size (indexPrefix); describeWith
			// leaves it alone.
			kind, capBytes = readStart, limits.MaxHubIndexPrefix
			f.Format, f.unreadable = FormatSafetensorsIndex, true
		}
		if kind == readSkip {
			f.Format = classify(f.Path, nil)
			f.unreadable = true
			rel.Hub.ListedOnly++
			continue
		}
		set.files[f.Path] = newRemoteFile(s.c.NewReader(pin, f.Path, f.Size), f.Path, kind, capBytes)
	}
	return set
}

// inLFS reports whether the Hub listing publishes an LFS digest for f.
func inLFS(f *File) bool {
	for _, x := range f.Expected {
		if x.Algorithm == "sha256" {
			return true
		}
	}
	return false
}

// keepFetched keeps the bytes of the files downloaded whole, for
// provenance to check against the listing and the signature.
func keepFetched(rel *Release, set *remoteSet) {
	for _, f := range rel.Files {
		if rf := set.files[f.Path]; rf != nil {
			f.Content = rf.whole()
		}
	}
}

// prefetch makes the planned first reads, with bounded concurrency: the
// small text files first, then the weight headers.
func (s *HubSource) prefetch(ctx context.Context, set *remoteSet) error {
	var texts, others []*remoteFile
	for _, rf := range set.files {
		switch {
		case rf.kind == readWhole:
			texts = append(texts, rf)
		case !rf.safetensorsByName(): // those are readHeaders'
			others = append(others, rf)
		}
	}
	for _, files := range [][]*remoteFile{texts, others} {
		s.each(ctx, len(files), func(k int) { files[k].prefetch(ctx) })
	}
	return ctx.Err()
}
