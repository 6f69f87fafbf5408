package hfcache

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
	"github.com/modelvet/modelvet/stores"
)

// ParseRepoFolder splits a cache folder name such as
// "models--deepseek-ai--DeepSeek-R1" into its kind ("models", "datasets"
// or "spaces") and repository id ("deepseek-ai/DeepSeek-R1").
func ParseRepoFolder(name string) (kind, repo string, ok bool) {
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

// IsRepoFolder reports whether dir looks like a repository folder of a
// cache: a name ParseRepoFolder accepts and a snapshots/ or refs/ folder
// inside.
func IsRepoFolder(dir string) (kind, repo string, ok bool) {
	kind, repo, ok = ParseRepoFolder(filepath.Base(dir))
	if !ok {
		return "", "", false
	}
	if safeio.IsDir(filepath.Join(dir, "snapshots")) || safeio.IsDir(filepath.Join(dir, "refs")) {
		return kind, repo, true
	}
	return "", "", false
}

// CountModelRepos counts the model repository folders directly in dir, a
// cache root.
func CountModelRepos(dir string) int {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "models--") {
			if kind, _, ok := IsRepoFolder(filepath.Join(dir, e.Name())); ok && kind == "models" {
				n++
			}
		}
	}
	return n
}

// IsCommit reports whether s is a commit hash: 40 hex digits, as snapshot
// folders are named.
func IsCommit(s string) bool { return isHex(s, 40) }

func isHex(s string, n int) bool {
	return len(s) == n && strings.Trim(s, "0123456789abcdefABCDEF") == ""
}

// Snapshot is one revision held by a repository folder.
type Snapshot struct {
	Commit string   // the snapshot folder name
	Refs   []string // refs naming it ("main", "pr/1", "v1.0")
}

// Snapshots lists the snapshot folders of a repository folder, sorted by
// name, at most limits.MaxHFSnapshots, with the refs that point at each.
func Snapshots(repoDir string) ([]Snapshot, error) {
	entries, err := os.ReadDir(filepath.Join(repoDir, "snapshots"))
	if err != nil {
		return nil, err
	}
	refs := readRefs(repoDir)
	var out []Snapshot
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if len(out) >= limits.MaxHFSnapshots {
			break
		}
		s := Snapshot{Commit: e.Name()}
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

// readRefs reads refs/**: ref name → commit. Unreadable or malformed refs
// are left out.
func readRefs(repoDir string) map[string]string {
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
		if !IsCommit(commit) {
			return nil
		}
		name, _ := filepath.Rel(root, p)
		refs[filepath.ToSlash(name)] = strings.ToLower(commit)
		return nil
	})
	return refs
}

// noRevision reports a revision the folder does not hold; it matches
// fs.ErrNotExist.
type noRevision struct{ msg string }

func (e *noRevision) Error() string        { return e.msg }
func (e *noRevision) Is(target error) bool { return target == fs.ErrNotExist }

// Resolve returns the commit of a revision of a repository folder: for ""
// the commit refs/main names (or, without refs/main, the newest snapshot:
// modification time, then name); otherwise a snapshot folder name, or a
// branch, tag or "pr/N" under refs/. A revision the folder does not hold
// is an error that matches fs.ErrNotExist; a revision that would leave
// refs/ is refused.
func Resolve(repoDir, rev string) (commit string, err error) {
	snaps := filepath.Join(repoDir, "snapshots")
	if rev == "" {
		if c, err := readRef(repoDir, "main"); err == nil {
			return c, nil
		}
		list, err := Snapshots(repoDir)
		if err != nil || len(list) == 0 {
			return "", &noRevision{repoDir + ": no refs/main and no snapshot in this cache folder"}
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
			return "", &noRevision{repoDir + ": no readable snapshot"}
		}
		return best, nil
	}
	if !validRefName(rev) {
		return "", fmt.Errorf("%s: invalid revision %q", repoDir, rev)
	}
	if !strings.Contains(rev, "/") && safeio.IsDir(filepath.Join(snaps, rev)) {
		return rev, nil
	}
	c, err := readRef(repoDir, rev)
	if err != nil {
		return "", &noRevision{fmt.Sprintf("%s: revision %q is neither a snapshot nor a ref of this cache folder", repoDir, rev)}
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

func readRef(repoDir, name string) (string, error) {
	data, err := safeio.ReadFile(filepath.Join(repoDir, "refs", filepath.FromSlash(name)), 1024)
	if err != nil {
		return "", err
	}
	commit := strings.TrimSpace(string(data))
	if !IsCommit(commit) {
		return "", fmt.Errorf("refs/%s does not hold a commit hash", name)
	}
	return strings.ToLower(commit), nil
}

// BlobDigest reads the digest a blob of the cache is named by: a 64-hex
// name is the SHA-256 of an LFS file ("sha256"), a 40-hex name the git
// blob SHA-1 of a small file ("git-sha1"). The digest is in lower case.
func BlobDigest(name string) (algorithm, digest string, ok bool) {
	switch {
	case isHex(name, 64):
		return "sha256", strings.ToLower(name), true
	case isHex(name, 40):
		return "git-sha1", strings.ToLower(name), true
	}
	return "", "", false
}

// Incomplete returns the interrupted downloads of a repository folder:
// huggingface_hub writes blobs/<digest>.incomplete and links the file into
// the snapshot only once it is complete, so the snapshot lacks those
// files. It returns the first few as "blobs/<name>", and how many there
// are among the first limits.MaxFilesPerRelease entries of blobs/.
func Incomplete(repoDir string) (first []string, n int) {
	d, err := os.Open(filepath.Join(repoDir, "blobs"))
	if err != nil {
		return nil, 0
	}
	defer d.Close()
	for seen := 0; seen < limits.MaxFilesPerRelease; {
		batch, err := d.ReadDir(1024)
		seen += len(batch)
		for _, e := range batch {
			if strings.HasSuffix(e.Name(), ".incomplete") && e.Type().IsRegular() {
				if n++; len(first) < 4 {
					first = append(first, "blobs/"+e.Name())
				}
			}
		}
		if err != nil || len(batch) == 0 {
			break
		}
	}
	return first, n
}

// Locations returns the cache huggingface_hub uses by default, and what
// chose it: HF_HUB_CACHE (or the older HUGGINGFACE_HUB_CACHE), else
// HF_HOME/hub, else XDG_CACHE_HOME/huggingface/hub, else
// ~/.cache/huggingface/hub.
func Locations() []stores.Location {
	home, _ := os.UserHomeDir()
	for _, env := range []string{"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"} {
		if d := os.Getenv(env); d != "" {
			return []stores.Location{{Path: d, From: env}}
		}
	}
	switch {
	case os.Getenv("HF_HOME") != "":
		return []stores.Location{{Path: filepath.Join(os.Getenv("HF_HOME"), "hub"), From: "HF_HOME"}}
	case os.Getenv("XDG_CACHE_HOME") != "":
		return []stores.Location{{Path: filepath.Join(os.Getenv("XDG_CACHE_HOME"), "huggingface", "hub"), From: "XDG_CACHE_HOME"}}
	case home != "":
		return []stores.Location{{Path: filepath.Join(home, ".cache", "huggingface", "hub"), From: "default"}}
	}
	return nil
}
