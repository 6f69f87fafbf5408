package manifest

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
)

// HFCache is a revision of a repository folder in a Hugging Face cache
// (HF_HUB_CACHE, by default ~/.cache/huggingface/hub): repoDir is the
// models--ORG--NAME folder. revision "" reads the commit refs/main names
// (or, without refs/main, the newest snapshot); otherwise it is a snapshot
// folder name (a commit), or a branch, tag or "pr/N" under refs/.
//
// Files of the snapshot are symbolic links into the folder's blobs/, named
// by the file's digest: a 64-hex name is the SHA-256 of an LFS file, a
// 40-hex name the git blob SHA-1 of a small file. Each becomes an
// Expectation (source "hf-cache") on the file. Links leaving the
// repository folder are problems, never read. Caches written without
// symbolic links (on Windows) hold copies, which carry no expectation.
func HFCache(repoDir, revision string) Source {
	return hfCacheSource{repo: repoDir, rev: revision}
}

type hfCacheSource struct{ repo, rev string }

func (s hfCacheSource) String() string {
	switch {
	case s.rev == "":
		return s.repo
	case isHex(s.rev, 40):
		return filepath.Join(s.repo, "snapshots", s.rev)
	}
	return s.repo + "@" + s.rev
}

// parseHFRepoFolder splits a cache folder name such as
// "models--deepseek-ai--DeepSeek-R1" into its kind ("models", "datasets"
// or "spaces") and repository id ("deepseek-ai/DeepSeek-R1").
func parseHFRepoFolder(name string) (kind, repo string, ok bool) {
	kind, rest, found := strings.Cut(name, "--")
	if !found || rest == "" {
		return "", "", false
	}
	switch kind {
	case "models", "datasets", "spaces":
	default:
		return "", "", false
	}
	// Repository ids cannot contain "--", so the first "--" left splits
	// the owner from the name; canonical repos ("gpt2") have no owner.
	repo = strings.Replace(rest, "--", "/", 1)
	if strings.Contains(repo, "--") || strings.HasPrefix(repo, "/") || strings.HasSuffix(repo, "/") {
		return "", "", false
	}
	return kind, repo, true
}

// isHFRepoFolder reports whether dir looks like a repository folder of a
// cache: a recognised name and a snapshots/ or refs/ folder inside.
func isHFRepoFolder(dir string) (kind, repo string, ok bool) {
	kind, repo, ok = parseHFRepoFolder(filepath.Base(dir))
	if !ok {
		return "", "", false
	}
	if safeio.IsDir(filepath.Join(dir, "snapshots")) || safeio.IsDir(filepath.Join(dir, "refs")) {
		return kind, repo, true
	}
	return "", "", false
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// hfSnapshot is one revision held by a repository folder.
type hfSnapshot struct {
	Commit string   // the snapshot folder name
	Refs   []string // refs naming it ("main", "pr/1", "v1.0")
}

// hfSnapshots lists the snapshot folders of a repository, sorted by name,
// with the refs that point at each.
func hfSnapshots(repoDir string) ([]hfSnapshot, error) {
	entries, err := os.ReadDir(filepath.Join(repoDir, "snapshots"))
	if err != nil {
		return nil, err
	}
	refs := hfRefs(repoDir)
	var out []hfSnapshot
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if len(out) >= limits.MaxHFSnapshots {
			break
		}
		s := hfSnapshot{Commit: e.Name()}
		for name, commit := range refs {
			if commit == e.Name() {
				s.Refs = append(s.Refs, name)
			}
		}
		slices.Sort(s.Refs)
		out = append(out, s)
	}
	return out, nil
}

// hfRefs reads refs/**: ref name → commit. Unreadable or malformed refs
// are left out.
func hfRefs(repoDir string) map[string]string {
	refs := map[string]string{}
	root := filepath.Join(repoDir, "refs")
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return nil // unreadable: leave it out
		case d.IsDir():
			if strings.Count(p[len(root):], string(filepath.Separator)) > 4 {
				return fs.SkipDir
			}
			return nil
		case len(refs) >= limits.MaxHFSnapshots:
			return fs.SkipAll
		case !d.Type().IsRegular():
			return nil
		}
		data, err := safeio.ReadFile(p, 1024)
		if err != nil {
			return nil
		}
		commit := strings.TrimSpace(string(data))
		if !isHex(commit, 40) {
			return nil
		}
		name, _ := filepath.Rel(root, p)
		refs[filepath.ToSlash(name)] = strings.ToLower(commit)
		return nil
	})
	return refs
}

// resolveHFRevision finds the snapshot folder for a revision.
func resolveHFRevision(repoDir, rev string) (commit string, err error) {
	snaps := filepath.Join(repoDir, "snapshots")
	if rev == "" {
		if c, err := readHFRef(repoDir, "main"); err == nil {
			return c, nil
		}
		// No refs/main: take the newest snapshot (modification time, then
		// name, so the choice is stable).
		list, err := hfSnapshots(repoDir)
		if err != nil || len(list) == 0 {
			return "", fmt.Errorf("%s: no refs/main and no snapshot in this cache folder: %w", repoDir, ErrNotFound)
		}
		best, bestTime := "", int64(0)
		for _, s := range list {
			fi, err := os.Stat(filepath.Join(snaps, s.Commit))
			if err != nil {
				continue
			}
			if t := fi.ModTime().UnixNano(); best == "" || t > bestTime || t == bestTime && s.Commit > best {
				best, bestTime = s.Commit, t
			}
		}
		if best == "" {
			return "", fmt.Errorf("%s: no readable snapshot: %w", repoDir, ErrNotFound)
		}
		return best, nil
	}
	if !validRefName(rev) {
		return "", fmt.Errorf("%s: invalid revision %q", repoDir, rev)
	}
	if !strings.Contains(rev, "/") && safeio.IsDir(filepath.Join(snaps, rev)) {
		return rev, nil
	}
	c, err := readHFRef(repoDir, rev)
	if err != nil {
		return "", fmt.Errorf("%s: revision %q is neither a snapshot nor a ref of this cache folder: %w", repoDir, rev, ErrNotFound)
	}
	return c, nil
}

// validRefName accepts branch, tag and pr/N names that stay inside refs/.
func validRefName(rev string) bool {
	if rev == "" || len(rev) > 256 || strings.ContainsAny(rev, "\\\x00") || path.IsAbs(rev) {
		return false
	}
	for part := range strings.SplitSeq(rev, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	return true
}

func readHFRef(repoDir, name string) (string, error) {
	data, err := safeio.ReadFile(filepath.Join(repoDir, "refs", filepath.FromSlash(name)), 1024)
	if err != nil {
		return "", err
	}
	commit := strings.TrimSpace(string(data))
	if !isHex(commit, 40) {
		return "", fmt.Errorf("refs/%s does not hold a commit hash", name)
	}
	return strings.ToLower(commit), nil
}

func (s hfCacheSource) Open(ctx context.Context) (*Release, error) {
	repoDir, err := filepath.Abs(s.repo)
	if err != nil {
		return nil, err
	}
	kind, repo, ok := parseHFRepoFolder(filepath.Base(repoDir))
	if !ok {
		return nil, fmt.Errorf("%s: not a Hugging Face cache folder (want models--ORG--NAME)", s.repo)
	}
	if kind != "models" {
		return nil, fmt.Errorf("%s: a cached %s repository, not a model: %w", s.repo, strings.TrimSuffix(kind, "s"), ErrUnsupported)
	}
	if !safeio.IsDir(repoDir) {
		return nil, fmt.Errorf("%s: %w", s.repo, ErrNotFound)
	}
	commit, err := resolveHFRevision(repoDir, s.rev)
	if err != nil {
		return nil, err
	}
	snap := filepath.Join(repoDir, "snapshots", commit)
	if !safeio.IsDir(snap) {
		return nil, fmt.Errorf("%s: revision %s has no snapshot folder in the cache: %w", s.repo, commit, ErrNotFound)
	}
	rel := &Release{Name: repo, Repo: repo, Source: snap, Kind: KindHFCache, Revision: commit, Root: snap}
	if err := walkRelease(ctx, rel, snap, repoDir); err != nil {
		return nil, err
	}
	blobs, err := filepath.EvalSymlinks(filepath.Join(repoDir, "blobs"))
	if err == nil {
		for _, f := range rel.Files {
			if f.Symlink && f.LocalPath != "" && filepath.Dir(f.LocalPath) == blobs {
				if e, ok := hfBlobExpectation(filepath.Base(f.LocalPath)); ok {
					f.Expected = append(f.Expected, e)
				}
			}
		}
	}
	if err := describe(ctx, rel); err != nil {
		return nil, err
	}
	if p := incompleteBlobs(repoDir, repo); p != nil {
		rel.addProblem(p)
	}
	return rel, nil
}

// incompleteBlobs reports the interrupted downloads of a cache repository:
// huggingface_hub writes blobs/<digest>.incomplete and links the file into
// the snapshot only once it is complete, so the snapshot lacks those files.
func incompleteBlobs(repoDir, repo string) *Problem {
	d, err := os.Open(filepath.Join(repoDir, "blobs"))
	if err != nil {
		return nil
	}
	defer d.Close()
	var names []string
	n := 0
	for seen := 0; seen < limits.MaxFilesPerRelease; {
		batch, err := d.ReadDir(1024)
		seen += len(batch)
		for _, e := range batch {
			if strings.HasSuffix(e.Name(), ".incomplete") && e.Type().IsRegular() {
				if n++; len(names) < 4 {
					names = append(names, "blobs/"+e.Name())
				}
			}
		}
		if err != nil || len(batch) == 0 {
			break
		}
	}
	if n == 0 {
		return nil
	}
	list := strings.Join(names, ", ")
	if n > len(names) {
		list += fmt.Sprintf(" and %d more", n-len(names))
	}
	return &Problem{Path: names[0], Message: fmt.Sprintf("the cache holds %d interrupted download(s) of %s (%s): the files they belong to are missing from the snapshot. Download the repository again (hf download %s) and audit again", n, repo, list, repo)}
}

// hfBlobExpectation reads the digest a cache blob is named by.
func hfBlobExpectation(name string) (Expectation, bool) {
	switch {
	case isHex(name, 64):
		return Expectation{Algorithm: "sha256", Digest: strings.ToLower(name), Size: -1, Source: "hf-cache"}, true
	case isHex(name, 40):
		return Expectation{Algorithm: "git-sha1", Digest: strings.ToLower(name), Size: -1, Source: "hf-cache"}, true
	}
	return Expectation{}, false
}
