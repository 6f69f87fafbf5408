package integrity

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
)

// defaultIgnorePaths are left out of every model signature, at the model
// root only, as the reference implementation does by default.
var defaultIgnorePaths = []string{".git", ".gitattributes", ".github", ".gitignore"}

// DefaultSignatureName is the signature file's usual name.
const DefaultSignatureName = "model.sig"

// ignoreOrigin says why a path is left out of a manifest.
type ignoreOrigin int

const (
	ignoreDefault   ignoreOrigin = iota // the git defaults
	ignoreSignature                     // the signature file itself
	ignoreVerifier                      // asked by the verifier's caller
	ignoreRecorded                      // recorded in the signature
)

// ignoreRule leaves out a path relative to the model root and everything
// below it.
type ignoreRule struct {
	path   string // cleaned, slash-separated; "." leaves out everything
	origin ignoreOrigin
}

type ignoreSet []ignoreRule

// add records p; a path that is absolute or climbs out of the model (as
// the reference resolves them, such entries match nothing inside it) is
// dropped and reported false.
func (s *ignoreSet) add(p string, origin ignoreOrigin) bool {
	p = filepath.ToSlash(p)
	if strings.HasPrefix(p, "/") {
		return false
	}
	p = path.Clean(p)
	if p == ".." || strings.HasPrefix(p, "../") {
		return false
	}
	*s = append(*s, ignoreRule{path: p, origin: origin})
	return true
}

// match returns the rule that leaves out rel, preferring the most benign
// origin when several do.
func (s ignoreSet) match(rel string) (ignoreRule, bool) {
	best, found := ignoreRule{}, false
	for _, r := range s {
		if r.path == "." || rel == r.path || strings.HasPrefix(rel, r.path+"/") {
			if !found || r.origin < best.origin {
				best, found = r, true
			}
		}
	}
	return best, found
}

// paths lists the rules' paths, sorted and without repeats.
func (s ignoreSet) paths() []string {
	var out []string
	for _, r := range s {
		out = append(out, r.path)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// localFile is one entry of a model as the signature rules see it.
type localFile struct {
	// Path is slash-separated and relative to the model root, or "." when
	// the model is a single file.
	Path      string
	LocalPath string // the file to read (a symlink's target)
	Size      int64
	Symlink   bool
	// Problem says why the entry cannot be hashed (a symlink leaving the
	// release or to a directory, a broken link, a special file).
	Problem string
	// Ignored is set, with the rule, for entries the manifest leaves out.
	Ignored *ignoreRule
	// Remote is set for files of a remote release: no local copy, only
	// what its listing publishes and the bytes downloaded, if any.
	Remote bool
}

// listModel lists the model at modelPath as the reference implementation
// walks it: every entry below the root, hidden ones included, ignored
// paths left out before anything else is looked at, symbolic links to
// files followed (only within allowed, the release or the cache holding
// it) and symbolic links to directories never entered.
func listModel(ctx context.Context, modelPath, allowed string, ign ignoreSet) ([]localFile, error) {
	allowedReal, err := filepath.EvalSymlinks(allowed)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(modelPath)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		lf := localFile{Path: ".", LocalPath: modelPath}
		classifyEntry(&lf, modelPath, allowedReal)
		return []localFile{lf}, nil
	}
	var out []localFile
	var walk func(dir, rel string, depth int) error
	walk = func(dir, rel string, depth int) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			name := e.Name()
			p := name
			if rel != "" {
				p = rel + "/" + name
			}
			full := filepath.Join(dir, name)
			if r, ok := ign.match(p); ok {
				out = append(out, localFile{Path: p, LocalPath: full, Ignored: &r})
				continue
			}
			if e.IsDir() {
				if depth >= limits.MaxWalkDepth {
					return fmt.Errorf("%s: deeper than %d directories", p, limits.MaxWalkDepth)
				}
				if err := walk(full, p, depth+1); err != nil {
					return err
				}
				continue
			}
			if len(out) >= limits.MaxFilesPerRelease {
				return fmt.Errorf("more than %d files", limits.MaxFilesPerRelease)
			}
			lf := localFile{Path: p, LocalPath: full}
			classifyEntry(&lf, full, allowedReal)
			out = append(out, lf)
		}
		return nil
	}
	if err := walk(modelPath, "", 0); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b localFile) int { return comparePaths(a.Path, b.Path) })
	return out, nil
}

// classifyEntry fills in what the entry at full is, following a symlink
// only to a regular file inside allowedReal.
func classifyEntry(lf *localFile, full, allowedReal string) {
	li, err := os.Lstat(full)
	if err != nil {
		lf.Problem = "cannot be read: " + err.Error()
		return
	}
	if li.Mode()&fs.ModeSymlink != 0 {
		lf.Symlink = true
		target, err := filepath.EvalSymlinks(full)
		if err != nil {
			lf.Problem = "a symbolic link that cannot be resolved"
			return
		}
		if !safeio.Within(target, allowedReal) {
			lf.Problem = "a symbolic link to " + target + ", outside the release; not followed"
			return
		}
		ti, err := os.Stat(target)
		if err != nil {
			lf.Problem = "a symbolic link whose target cannot be read"
			return
		}
		if ti.IsDir() {
			lf.Problem = "a symbolic link to a directory; not followed, so its files are not covered"
			return
		}
		if !ti.Mode().IsRegular() {
			lf.Problem = "a symbolic link to a special file; not read"
			return
		}
		lf.LocalPath, lf.Size = target, ti.Size()
		return
	}
	if !li.Mode().IsRegular() {
		lf.Problem = "not a regular file; not read"
		return
	}
	lf.Size = li.Size()
}

// comparePaths orders slash-separated paths as the reference
// implementation sorts a manifest: component by component, so "a/b" sorts
// before "a b" and "a.txt" (a plain string sort would put it last).
func comparePaths(a, b string) int {
	for {
		ea, ra, moreA := strings.Cut(a, "/")
		eb, rb, moreB := strings.Cut(b, "/")
		if c := strings.Compare(ea, eb); c != 0 {
			return c
		}
		switch {
		case !moreA && !moreB:
			return 0
		case !moreA:
			return -1
		case !moreB:
			return 1
		}
		a, b = ra, rb
	}
}

// compareResources orders resources as the reference signer lists them:
// by path, component-wise, then by shard start.
func compareResources(a, b Resource) int {
	if c := comparePaths(a.Path, b.Path); c != 0 {
		return c
	}
	return cmp.Compare(a.Start, b.Start)
}

// shardName names a shard resource.
func shardName(p string, start, end int64) string {
	return p + ":" + strconv.FormatInt(start, 10) + ":" + strconv.FormatInt(end, 10)
}
