package integrity

import (
	"bytes"
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
	"github.com/modelvet/modelvet/internal/textsafe"
	"github.com/modelvet/modelvet/manifest"
)

// outcome is the verdict of a signing-method check.
type outcome int

const (
	sigValid outcome = iota
	sigInvalid
	sigUntrusted
)

// checkSignature locates, reads and verifies the signature. It returns the
// record of what was checked and, when the signature is valid, trusted and
// consistent, the signed check that drives the file comparison.
func (v *verification) checkSignature(ctx context.Context, tm *trustMaterial) (*SignatureResult, *signedCheck) {
	rel, opts := v.rel, v.opts
	sigPath, shown := opts.Signature, opts.Signature
	var data []byte // the signature, when a remote source downloaded it
	if sigPath == "" && rel.Signature != nil {
		sigPath, shown, data = rel.Signature.LocalPath, rel.Signature.Path, rel.Signature.Content
	} else if sigPath != "" {
		shown = displayPath(rel, sigPath)
	}
	sr := &SignatureResult{Path: shown}
	if sigPath == "" && data == nil && rel.Signature != nil {
		// A remote release's signature that was too large to download.
		sr.Present, sr.Err = true, "not read: the release is remote and its signature was not downloaded"
		return sr, nil
	}
	if sigPath == "" && data == nil {
		if opts.RequireSignature || v.with.signatureRequired {
			v.add(finding.Finding{
				Code:       finding.SignatureMissing,
				Message:    "No model signature: the release holds no model.sig and none was given.",
				Confidence: finding.Verified,
				Subject:    rel.Name,
			})
		}
		return sr, nil
	}
	sr.Present = true
	fail := func(code finding.Code, field, msg string) (*SignatureResult, *signedCheck) {
		sr.Err = msg
		v.add(finding.Finding{
			Code:       code,
			Message:    fmt.Sprintf("Model signature %s: %s.", shown, strings.TrimSuffix(msg, ".")),
			Confidence: finding.Verified,
			Subject:    shown,
			Evidence:   []finding.Evidence{{Path: shown, Field: field, Value: textsafe.Truncate(lastDetail(sr), 300)}},
		})
		return sr, nil
	}
	var err error
	if data == nil {
		data, err = safeio.ReadFile(sigPath, limits.MaxSignatureBytes)
	}
	if errors.Is(err, fs.ErrNotExist) {
		sr.Present = false
		sr.check("read", false, "%s does not exist", shown)
		return fail(finding.SignatureMissing, "file", "does not exist")
	}
	if err != nil {
		sr.check("read", false, "%v", err)
		return fail(finding.SignatureInvalid, "file", "cannot be read: "+err.Error())
	}
	sr.check("read", true, "%d bytes", len(data))
	b, err := ParseBundle(data)
	if err != nil {
		sr.check("bundle", false, "%v", err)
		return fail(finding.SignatureInvalid, bundleField(err), err.Error())
	}
	sr.Method, sr.MediaType = b.Method, b.MediaType
	sr.check("bundle", true, "%s, %s method, %s, %s", b.MediaType, b.Method, countOf(len(b.Certificates), "certificate", "certificates"), countOf(b.TlogEntries, "transparency-log entry", "transparency-log entries"))
	if b.PayloadType != InTotoPayloadType {
		sr.check("envelope", false, "payload type %q, want %q", b.PayloadType, InTotoPayloadType)
		return fail(finding.SignatureInvalid, "dsseEnvelope.payloadType", fmt.Sprintf("payload type %q is not an in-toto statement", textsafe.Truncate(b.PayloadType, 80)))
	}
	sr.check("envelope", true, "DSSE, payload type %s, one signature", InTotoPayloadType)
	st, err := parseStatement(b.Payload)
	if err != nil {
		sr.check("statement", false, "%v", err)
		return fail(finding.SignatureInvalid, "dsseEnvelope.payload", err.Error())
	}
	sr.statement = st
	sr.PredicateType, sr.Serialization, sr.Resources, sr.SubjectName = st.PredicateType, st.Serialization, len(st.Resources), st.SubjectName
	if st.SubjectDigest != nil {
		sr.SubjectDigest = "sha256:" + hex.EncodeToString(st.SubjectDigest)
	}
	sr.check("statement", true, "%s, %s, serialization %s/%s%s", st.PredicateType, countOf(len(st.Resources), "resource", "resources"), st.Serialization.Method, st.Serialization.HashType, ignoreNote(st.Serialization.IgnorePaths))

	var out outcome
	var msg string
	switch b.Method {
	case SigningKey:
		out, msg = verifyKeyBundle(b, st, tm, sr)
	case SigningCertificate:
		out, msg = verifyCertificateBundle(b, tm, sr)
	default:
		out, msg = verifySigstoreBundle(b, st, tm, sr)
	}
	switch out {
	case sigInvalid:
		return fail(finding.SignatureInvalid, "dsseEnvelope.signatures[0]", msg)
	case sigUntrusted:
		return fail(finding.SignatureUntrusted, "verificationMaterial", msg)
	}
	if err := st.checkRoot(); err != nil {
		sr.check("root digest", false, "%v", err)
		return fail(finding.SignatureInvalid, "subject[0].digest.sha256", err.Error())
	}
	if st.legacy() {
		sr.check("root digest", true, "none in the %s predicate; every file is checked instead", PredicateDigestsV01)
	} else {
		sr.check("root digest", true, "subject %x is the SHA-256 of the %d resource digests in listed order", st.SubjectDigest, len(st.Resources))
	}
	sr.Verified = true
	sc, err := newSignedCheck(ctx, v, sr, st, sigPath)
	if err != nil {
		sr.check("files", false, "%v", err)
		return fail(finding.SignatureInvalid, "files", "the model's files cannot be listed to check against the signature: "+err.Error())
	}
	return sr, sc
}

func ignoreNote(p []string) string {
	if len(p) == 0 {
		return ""
	}
	return fmt.Sprintf(", ignore_paths %q", p)
}

// lastDetail is the detail of the last failed check, for evidence.
func lastDetail(sr *SignatureResult) string {
	for i := len(sr.Checks) - 1; i >= 0; i-- {
		if !sr.Checks[i].OK {
			return sr.Checks[i].Detail
		}
	}
	return sr.Err
}

func bundleField(err error) string {
	if be, ok := err.(*BundleError); ok && be.Field != "" {
		return be.Field
	}
	return "bundle"
}

// displayPath shows p relative to the release root when inside it.
func displayPath(rel *manifest.Release, p string) string {
	if rel.Root == "" {
		return p
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	root := rel.Root
	if rel.Kind == manifest.KindFile {
		root = filepath.Dir(root)
	}
	if r, err := filepath.Rel(root, abs); err == nil && safeio.Within(abs, root) {
		return filepath.ToSlash(r)
	}
	return p
}

// signedCheck compares a release with a verified signature.
type signedCheck struct {
	sr     *SignatureResult
	st     *SignedStatement
	single bool // the model is one file, named "."
	// renamedSingle is set when a single-file model's resource is named by
	// the file's name rather than "." (the Go port's convention).
	renamedSingle string
	local         []localFile
	ign           ignoreSet
	signed        map[string][]Resource // path → its resources (shards in order)
	signedOrder   []string
	keyOf         map[string]string // local path → plan key
}

func newSignedCheck(ctx context.Context, v *verification, sr *SignatureResult, st *SignedStatement, sigPath string) (*signedCheck, error) {
	sc := &signedCheck{sr: sr, st: st, signed: map[string][]Resource{}, keyOf: map[string]string{}}
	rel := v.rel
	for _, p := range defaultIgnorePaths {
		sc.ign.add(p, ignoreDefault)
	}
	model, allowed, walkable := modelLocation(rel)
	if v.opts.Signature == "" && rel.Signature != nil && rel.Kind != manifest.KindFile {
		// The release's own signature, by its path in the release (in a
		// cache, the file read is a blob elsewhere).
		sc.ign.add(rel.Signature.Path, ignoreSignature)
	} else if walkable && rel.Kind != manifest.KindFile {
		if abs, err := filepath.Abs(sigPath); err == nil {
			if r, err := filepath.Rel(model, abs); err == nil && safeio.Within(abs, model) {
				sc.ign.add(r, ignoreSignature)
			}
		}
	}
	for _, p := range v.opts.IgnorePaths {
		if filepath.IsAbs(p) && model != "" {
			if r, err := filepath.Rel(model, p); err == nil && safeio.Within(p, model) {
				p = r
			}
		}
		sc.ign.add(p, ignoreVerifier)
	}
	var dropped []string
	for _, p := range st.Serialization.IgnorePaths {
		if !sc.ign.add(p, ignoreRecorded) {
			dropped = append(dropped, p)
		}
	}
	if len(dropped) > 0 {
		sr.check("ignore paths", true, "recorded ignore paths %q lie outside the model and leave nothing out", dropped)
	}
	var err error
	if walkable {
		sc.local, err = listModel(ctx, model, allowed, sc.ign)
		if err != nil {
			return nil, err
		}
	} else {
		sc.local = listReleaseFiles(rel, sc.ign)
	}
	sc.single = len(sc.local) == 1 && sc.local[0].Path == "."
	for _, r := range st.Resources {
		if _, ok := sc.signed[r.Path]; !ok {
			sc.signedOrder = append(sc.signedOrder, r.Path)
		}
		sc.signed[r.Path] = append(sc.signed[r.Path], r)
	}
	if sc.single && len(sc.signedOrder) == 1 && sc.signedOrder[0] != "." && sc.signedOrder[0] == filepath.Base(model) {
		sc.renamedSingle = sc.signedOrder[0]
		sc.signed["."] = sc.signed[sc.renamedSingle]
		delete(sc.signed, sc.renamedSingle)
		sc.signedOrder[0] = "."
		sr.check("single file", true, "the resource is named %q (the file's name) rather than \".\"; accepted", sc.renamedSingle)
	}
	for _, rs := range sc.signed {
		slices.SortFunc(rs, compareResources)
	}
	return sc, nil
}

// modelLocation returns the model path the signature covers, the tree
// symbolic links may point into, and whether the release can be walked
// (a directory, a file, or a snapshot of a Hugging Face cache, whose links
// point into the cache's blobs).
func modelLocation(rel *manifest.Release) (model, allowed string, walkable bool) {
	switch rel.Kind {
	case manifest.KindDirectory:
		return rel.Root, rel.Root, rel.Root != ""
	case manifest.KindFile:
		return rel.Root, filepath.Dir(rel.Root), rel.Root != ""
	case manifest.KindHFCache:
		allowed := rel.Root
		if filepath.Base(filepath.Dir(rel.Root)) == "snapshots" {
			allowed = filepath.Dir(filepath.Dir(rel.Root))
		}
		return rel.Root, allowed, rel.Root != ""
	}
	return rel.Root, rel.Root, false
}

// listReleaseFiles lists a release that cannot be walked (a store's
// synthetic layout) from its file list.
func listReleaseFiles(rel *manifest.Release, ign ignoreSet) []localFile {
	var out []localFile
	for _, f := range rel.Files {
		lf := localFile{Path: f.Path, LocalPath: f.LocalPath, Size: f.Size, Remote: rel.Kind == manifest.KindHub}
		if r, ok := ign.match(f.Path); ok {
			lf.Ignored = &r
		} else if f.LocalPath == "" && !lf.Remote {
			lf.Problem = "has no readable local copy"
		}
		out = append(out, lf)
	}
	slices.SortFunc(out, func(a, b localFile) int { return comparePaths(a.Path, b.Path) })
	return out
}

// key maps a local manifest path to the release path the plan uses.
func (sc *signedCheck) key(v *verification, p string) string {
	if p == "." && len(v.rel.Files) == 1 && v.rel.Kind == manifest.KindFile {
		return v.rel.Files[0].Path
	}
	return p
}

// plan asks for the digests the signature's serialisation needs.
func (sc *signedCheck) plan(_ context.Context, v *verification) error {
	ser := sc.st.Serialization
	var shards int64
	for _, lf := range sc.local {
		if lf.Ignored != nil || lf.Problem != "" {
			continue
		}
		k := sc.key(v, lf.Path)
		sc.keyOf[lf.Path] = k
		if lf.Remote {
			continue // compared with what the listing publishes and the bytes downloaded
		}
		if _, signed := sc.signed[lf.Path]; !signed && v.opts.IgnoreUnsignedFiles {
			continue
		}
		e := v.entry(k)
		if e.localPath == "" {
			e.localPath = lf.LocalPath
		}
		if ser.Method == MethodFiles {
			e.want(ser.HashType)
			continue
		}
		rs, signed := sc.signed[lf.Path]
		if !signed || lf.Size == 0 || signedSize(rs) != lf.Size {
			continue // decided without reading: unlisted, or a size mismatch
		}
		if shards += int64(len(rs)); shards > limits.MaxSignatureResources {
			return fmt.Errorf("verify: %w: more than %d", ErrTooManyShards, limits.MaxSignatureResources)
		}
		e.shardSize, e.shardAlg = ser.ShardSize, ser.HashType
	}
	return nil
}

// signedSize is the file size the shards of one file cover.
func signedSize(rs []Resource) int64 {
	var n int64
	for _, r := range rs {
		n = max(n, r.End)
	}
	return n
}

// compare reports every file that is changed, missing or not signed.
func (sc *signedCheck) compare(v *verification) {
	ser := sc.st.Serialization
	present := map[string]bool{}
	var changed, missing, unlisted, verified, published, unchecked, empty, ignoredUnsigned int
	// Digest → signed path, to name the file an unlisted one was renamed
	// from or swapped with.
	byDigest := map[string]string{}
	if ser.Method == MethodFiles {
		for _, p := range sc.signedOrder {
			byDigest[string(sc.signed[p][0].Digest)] = p
		}
	}
	for _, lf := range sc.local {
		rs, signed := sc.signed[lf.Path]
		if lf.Ignored != nil {
			if lf.Ignored.origin == ignoreRecorded && !signed && !benignIgnore(lf.Path) {
				unlisted++
				v.add(finding.Finding{
					Code:       finding.IntegrityUnlisted,
					Message:    fmt.Sprintf("%s is present but the signature leaves it out (its ignore_paths has %q), so nothing vouches for it", lf.Path, lf.Ignored.path),
					Confidence: finding.Verified,
					Subject:    lf.Path,
					Evidence:   []finding.Evidence{{Path: sc.sr.Path, Field: "predicate.serialization.ignore_paths", Value: lf.Ignored.path}},
				})
			}
			continue
		}
		present[lf.Path] = true
		k := sc.keyOf[lf.Path]
		if k == "" {
			k = lf.Path
		}
		if !signed && ser.Method == MethodShards && lf.Size == 0 && lf.Problem == "" {
			empty++ // the shards serialisation has nothing to list for it
			continue
		}
		if !signed && v.opts.IgnoreUnsignedFiles {
			ignoredUnsigned++
			continue
		}
		if !signed {
			unlisted++
			msg := fmt.Sprintf("%s is present but not covered by the signature", lf.Path)
			if lf.Problem != "" {
				msg += "; it is " + lf.Problem
			} else if e := v.entries[k]; e != nil && e.result != nil && e.result.Err == nil {
				if p, ok := byDigest[string(e.result.Digests[ser.HashType])]; ok {
					msg += fmt.Sprintf(" (its content is the signed content of %s)", p)
				}
			}
			v.add(finding.Finding{
				Code:       finding.IntegrityUnlisted,
				Message:    msg,
				Confidence: finding.Verified,
				Subject:    k,
				Evidence:   []finding.Evidence{{Path: lf.Path, Field: "signed", Value: "no"}},
			})
			continue
		}
		if lf.Problem != "" {
			changed++
			v.bad[k] = true
			v.add(finding.Finding{
				Code:       finding.IntegrityMismatch,
				Message:    fmt.Sprintf("%s is signed, but here it is %s", lf.Path, lf.Problem),
				Confidence: finding.Verified,
				Subject:    k,
				Evidence:   []finding.Evidence{{Path: lf.Path, Field: "file", Value: lf.Problem}},
			})
			continue
		}
		if lf.Symlink && !ser.AllowSymlinks && v.rel.Kind != manifest.KindHFCache {
			changed++
			v.bad[k] = true
			v.add(finding.Finding{
				Code:       finding.IntegrityMismatch,
				Message:    fmt.Sprintf("%s is a symbolic link, but the signature was made with allow_symlinks false", lf.Path),
				Confidence: finding.Verified,
				Subject:    k,
				Evidence:   []finding.Evidence{{Path: lf.Path, Field: "predicate.serialization.allow_symlinks", Value: "false"}},
			})
			continue
		}
		ev, how := sc.diff(v, k, lf, rs)
		if len(ev) > 0 {
			changed++
			v.bad[k] = true
			msg := fmt.Sprintf("%s differs from the signed file", lf.Path)
			if how == matchedPublished {
				msg = fmt.Sprintf("%s as the Hub publishes it differs from the signed file", lf.Path)
			}
			v.add(finding.Finding{
				Code:       finding.IntegrityMismatch,
				Message:    msg,
				Confidence: finding.Verified,
				Subject:    k,
				Evidence:   ev,
			})
			continue
		}
		switch how {
		case matchedBytes:
			verified++
			v.matched[k] = append(v.matched[k], "signature")
		case matchedPublished:
			published++
		default:
			unchecked++
		}
	}
	for _, p := range sc.signedOrder {
		if present[p] {
			continue
		}
		missing++
		msg := fmt.Sprintf("%s is signed but absent", p)
		if p == "." {
			msg = "the signature is of a single-file model (its resource is \".\"), but this release is a directory"
		} else if r, ok := sc.ign.match(p); ok {
			msg = fmt.Sprintf("%s is signed but left out by the ignore path %q", p, r.path)
		}
		k := sc.key(v, p)
		v.bad[k] = true
		v.add(finding.Finding{
			Code:       finding.IntegrityMissing,
			Message:    msg,
			Confidence: finding.Verified,
			Subject:    k,
			Evidence:   []finding.Evidence{{Path: sc.sr.Path, Field: "predicate.resources", Value: sc.signed[p][0].Name}},
		})
	}
	ok := changed+missing+unlisted == 0
	detail := fmt.Sprintf("%d signed, %d verified, %d changed, %d missing, %d unlisted", len(sc.signedOrder), verified, changed, missing, unlisted)
	if empty > 0 {
		detail += fmt.Sprintf("; %d empty file(s), which shards do not cover", empty)
	}
	if ignoredUnsigned > 0 {
		detail += fmt.Sprintf("; %d unsigned file(s) ignored, as asked", ignoredUnsigned)
	}
	if published > 0 {
		detail += fmt.Sprintf("; %d match the digest the Hub publishes for them (not downloaded)", published)
	}
	if v.opts.WithoutHashingUnsafe {
		detail += "; not hashed"
	} else if unchecked > 0 {
		detail += fmt.Sprintf("; %d not checked: not downloaded, and no digest published in the signature's algorithm", unchecked)
	}
	sc.sr.check("files", ok, "%s", detail)
}

// benignIgnore reports recorded ignore paths every signer records: the git
// defaults and the signature file.
func benignIgnore(p string) bool {
	for _, d := range append(slices.Clone(defaultIgnorePaths), DefaultSignatureName) {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// How a signed file was found to match its resources.
type matchKind int

const (
	matchedNone      matchKind = iota // only its size (or nothing) was compared
	matchedBytes                      // its bytes were hashed
	matchedPublished                  // the digest a remote listing publishes for it
)

// diff compares one present, signed file with its resources, and says
// how far it could.
func (sc *signedCheck) diff(v *verification, k string, lf localFile, rs []Resource) ([]finding.Evidence, matchKind) {
	ser := sc.st.Serialization
	if ser.Method == MethodShards {
		if want := signedSize(rs); want != lf.Size {
			return []finding.Evidence{{Path: lf.Path, Field: "size", Value: fmt.Sprintf("signed shards cover %d bytes, the file has %d", want, lf.Size)}}, matchedNone
		}
	}
	if v.opts.WithoutHashingUnsafe {
		return nil, matchedNone
	}
	e := v.entries[k]
	if (e == nil || e.result == nil) && lf.Remote {
		return sc.diffPublished(v, lf, rs)
	}
	if e == nil || e.result == nil {
		return []finding.Evidence{{Path: lf.Path, Field: "read", Value: "not hashed"}}, matchedNone
	}
	if e.result.Err != nil {
		return []finding.Evidence{{Path: lf.Path, Field: "read", Value: e.result.Err.Error()}}, matchedNone
	}
	if ser.Method == MethodFiles {
		got := e.result.Digests[ser.HashType]
		if !bytes.Equal(got, rs[0].Digest) {
			return []finding.Evidence{{Path: lf.Path, Field: rs[0].Algorithm, Value: fmt.Sprintf("signed %x, computed %x", rs[0].Digest, got)}}, matchedNone
		}
		return nil, matchedBytes
	}
	if lf.Remote {
		return nil, matchedNone // shard digests need the bytes
	}
	var ev []finding.Evidence
	bad := 0
	for i, r := range rs {
		if i >= len(e.result.Shards) {
			break
		}
		if got := e.result.Shards[i]; got.Start != r.Start || got.End != r.End || !bytes.Equal(got.Digest, r.Digest) {
			if bad++; bad <= 8 {
				ev = append(ev, finding.Evidence{Path: lf.Path, Field: r.Algorithm + " " + r.Name, Value: fmt.Sprintf("signed %x, computed %x", r.Digest, got.Digest)})
			}
		}
	}
	if bad > 8 {
		ev = append(ev, finding.Evidence{Path: lf.Path, Field: "shards", Value: fmt.Sprintf("%d of %d shards differ", bad, len(rs))})
	}
	return ev, matchedBytes
}

// diffPublished compares a remote file, whose bytes were not downloaded,
// with the digest its listing publishes in the signature's algorithm (the
// Hub's LFS sha256). Shard digests cannot be compared this way.
func (sc *signedCheck) diffPublished(v *verification, lf localFile, rs []Resource) ([]finding.Evidence, matchKind) {
	f := v.rel.File(lf.Path)
	if f == nil || sc.st.Serialization.Method != MethodFiles {
		return nil, matchedNone
	}
	for _, x := range f.Expected {
		if x.Algorithm != rs[0].Algorithm {
			continue
		}
		if want := hex.EncodeToString(rs[0].Digest); !strings.EqualFold(x.Digest, want) {
			return []finding.Evidence{{Path: lf.Path, Field: cmp.Or(x.Source, "published") + " " + x.Algorithm, Value: fmt.Sprintf("signed %s, published %s", want, strings.ToLower(x.Digest))}}, matchedPublished
		}
		return nil, matchedPublished
	}
	return nil, matchedNone
}

// countOf writes a count with the singular or plural noun.
func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
