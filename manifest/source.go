package manifest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/hub"
	"github.com/modelvet/modelvet/internal/safeio"
	"github.com/modelvet/modelvet/stores/hfcache"
	"github.com/modelvet/modelvet/stores/lmstudio"
	"github.com/modelvet/modelvet/stores/oci"
	"github.com/modelvet/modelvet/stores/ollama"
)

// Source is one model release that can be read.
type Source interface {
	// Open reads what the release declares. It fails only when the release
	// cannot be read at all; problems with single files are recorded in
	// Release.Problems.
	Open(ctx context.Context) (*Release, error)
	// String returns the source as a target string Parse accepts.
	String() string
}

// ErrNotFound reports a target that does not exist: a local path, or a
// repository, revision or file on the Hub (it is hub.ErrNotFound). Every
// error that wraps it also matches fs.ErrNotExist, so one errors.Is test
// covers a missing path whether Parse, a Source's Open or Sweep reports
// it.
var ErrNotFound = hub.ErrNotFound

// missing returns err, about path, as an error that wraps ErrNotFound
// when it says the path does not exist.
func missing(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("%s: %w", path, ErrNotFound)
	}
	return err
}

// ErrEmpty reports a target that holds nothing to audit.
var ErrEmpty = errors.New("no release to audit")

// ErrMultipleReleases reports a target that holds several releases (an
// Ollama store, a Hugging Face cache, an OCI layout with several models):
// name one of them, or enumerate them with Sweep. A plain folder of
// unrelated releases gives a *MultipleReleasesError, which lists them.
var ErrMultipleReleases = errors.New("holds several releases")

// Parse turns a target into a Source. A target is a local directory, a
// single weight file, "ollama:NAME[:TAG]" (in the Ollama store
// $OLLAMA_MODELS names, else ~/.ollama/models) or "hf:ORG/NAME[@REV]" (the
// Hugging Face Hub, read remotely). Directories with a layout of their own are read as such: a Hugging Face
// cache repository folder (models--ORG--NAME, at refs/main) or a snapshot
// in one, and an OCI image layout. "DIR@REV" names a revision of a cache
// folder (a commit, branch, tag or pr/N) or a manifest of an OCI layout
// (its ref name or digest). A manifest file inside an Ollama store is read
// as that model. An Ollama store root or a whole Hugging Face cache holds
// many models: Parse refuses them with ErrMultipleReleases. So does a plain
// folder of unrelated releases, with a *MultipleReleasesError that lists
// them (see there for what counts as one release).
func Parse(target string) (Source, error) {
	switch {
	case strings.HasPrefix(target, "hf:"):
		return parseHub(strings.TrimPrefix(target, "hf:"))
	case strings.HasPrefix(target, "ollama:"):
		return parseOllama(strings.TrimPrefix(target, "ollama:"))
	}
	fi, err := os.Stat(target)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			if src := parseAtRevision(target); src != nil {
				return src, nil
			}
			return nil, fmt.Errorf("%s: %w", target, ErrNotFound)
		}
		return nil, err
	}
	if !fi.IsDir() {
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%s: not a regular file or directory", target)
		}
		if src := detectFile(target); src != nil {
			return src, nil
		}
		return FileSource(target), nil
	}
	src, err := detectDir(target)
	if err != nil || src != nil {
		return src, err
	}
	return Dir(target), nil
}

// detectDir recognises directories with a layout of their own: Hugging Face
// cache repositories and snapshots, and OCI image layouts. It returns nil
// for a plain directory, and an error for a directory holding many
// releases (a store or cache root) or a cached dataset.
func detectDir(dir string) (Source, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if kind, _, ok := hfcache.IsRepoFolder(abs); ok {
		if kind != "models" {
			return nil, fmt.Errorf("%s: a cached %s repository, not a model: %w", dir, strings.TrimSuffix(kind, "s"), ErrUnsupported)
		}
		return HFCache(dir, ""), nil
	}
	if parent := filepath.Dir(abs); filepath.Base(parent) == "snapshots" {
		if kind, _, ok := hfcache.IsRepoFolder(filepath.Dir(parent)); ok && kind == "models" {
			return HFCache(filepath.Dir(parent), filepath.Base(abs)), nil
		}
	}
	if oci.IsLayout(abs) {
		srcs, err := ListOCI(abs)
		if err == nil && len(srcs) > 1 {
			var names []string
			for _, s := range srcs {
				names = append(names, s.String())
			}
			return nil, fmt.Errorf("%s: an OCI layout with %d model manifests (%s): %w; audit one as DIR@REF", dir, len(srcs), strings.Join(names, ", "), ErrMultipleReleases)
		}
		return OCI(dir, ""), nil
	}
	if ollama.IsStore(abs) {
		refs, _, _ := listOllama(abs)
		var names []string
		for i, r := range refs {
			if i == 5 {
				names = append(names, "…")
				break
			}
			names = append(names, r.Name.String())
		}
		return nil, fmt.Errorf("%s: an Ollama store with %d models (%s): %w; audit one as ollama:NAME with OLLAMA_MODELS=%s, or sweep the store", dir, len(refs), strings.Join(names, ", "), ErrMultipleReleases, dir)
	}
	if n := hfcache.CountModelRepos(abs); n > 0 {
		return nil, fmt.Errorf("%s: a Hugging Face cache with %d model repositories: %w; audit one folder (%s) or sweep the cache", dir, n, ErrMultipleReleases, filepath.Join(dir, "models--ORG--NAME"))
	}
	if found := folderReleases(abs); found != nil {
		return nil, &MultipleReleasesError{Dir: dir, Releases: found}
	}
	return nil, nil
}

// parseAtRevision reads "DIR@REV" for a cache folder or an OCI layout.
func parseAtRevision(target string) Source {
	i := strings.LastIndexByte(target, '@')
	if i <= 0 || i == len(target)-1 {
		return nil
	}
	dir, rev := target[:i], target[i+1:]
	abs, err := filepath.Abs(dir)
	if err != nil || !safeio.IsDir(abs) {
		return nil
	}
	if kind, _, ok := hfcache.IsRepoFolder(abs); ok && kind == "models" {
		return HFCache(dir, rev)
	}
	if oci.IsLayout(abs) {
		return OCI(dir, rev)
	}
	return nil
}

// detectFile recognises a manifest file inside an Ollama store
// (ROOT/manifests[-v2]/HOST/NAMESPACE/MODEL/TAG).
func detectFile(file string) Source {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil
	}
	parts := strings.Split(filepath.ToSlash(abs), "/")
	if len(parts) < 6 {
		return nil
	}
	k := len(parts) - 5
	if parts[k] != "manifests" && parts[k] != "manifests-v2" {
		return nil
	}
	root := filepath.FromSlash(strings.Join(parts[:k], "/"))
	if root == "" {
		root = string(filepath.Separator)
	}
	if !ollama.IsStore(root) {
		return nil
	}
	n, _ := ollama.ManifestName(strings.Join(parts[k:], "/"))
	if _, err := ollama.ParseName(n.Full()); err != nil {
		return nil
	}
	return Ollama(root, n.Full())
}

// parseOllama reads "ollama:NAME[:TAG]" as a model of the default store.
func parseOllama(ref string) (Source, error) {
	if _, err := ollama.ParseName(ref); err != nil {
		return nil, fmt.Errorf("ollama:%s: %w", ref, err)
	}
	return Ollama("", ref), nil
}

// Dir is a release in a local directory.
func Dir(path string) Source { return dirSource{path: path} }

// FileSource is a release made of one weight file. A part of a split GGUF
// model (NAME-00002-of-00003.gguf) is read with the other parts found
// beside it, since the model is all of them.
func FileSource(path string) Source { return fileSource{path: path} }

// FilesSource is a release made of several weight files of one folder
// (quantisations of one model, a model and its multimodal projector): it
// is read as FileSource(path) is, with the other files beside it. Its
// String names path.
func FilesSource(path string, others ...string) Source {
	return fileSource{path: path, with: others}
}

type dirSource struct{ path string }

func (d dirSource) String() string { return d.path }

func (d dirSource) Open(ctx context.Context) (*Release, error) {
	abs, err := filepath.Abs(d.path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, missing(d.path, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s: not a directory", d.path)
	}
	rel := &Release{Name: filepath.Base(abs), Source: d.path, Kind: KindDirectory, Root: abs}
	if err := walkRelease(ctx, rel, abs, abs); err != nil {
		return nil, err
	}
	if len(rel.Files) == 0 && len(rel.Problems) == 0 {
		return nil, fmt.Errorf("%s: %w: the directory holds no files", d.path, ErrEmpty)
	}
	if err := describe(ctx, rel); err != nil {
		return nil, err
	}
	return rel, nil
}

type fileSource struct {
	path string
	with []string // other files of the release, in path's folder
}

func (s fileSource) String() string { return s.path }

func (s fileSource) Open(ctx context.Context) (*Release, error) {
	abs, err := filepath.Abs(s.path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, missing(s.path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", s.path)
	}
	base := filepath.Base(abs)
	rel := &Release{Name: base, Source: s.path, Kind: KindFile, Root: abs, Repo: lmStudioRepo(abs)}
	rel.Files = []*File{{Path: base, Size: fi.Size(), LocalPath: abs}}
	// A part of a split GGUF model brings the other parts beside it: the
	// model is all of them, and only the first holds its metadata.
	for _, p := range ggufSiblings(abs) {
		rel.Files = append(rel.Files, &File{Path: filepath.Base(p), LocalPath: p})
	}
	for _, w := range s.with {
		p, err := filepath.Abs(w)
		if err != nil {
			return nil, err
		}
		if filepath.Dir(p) != filepath.Dir(abs) || slices.ContainsFunc(rel.Files, func(f *File) bool { return f.LocalPath == p }) {
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			return nil, missing(w, err)
		}
		rel.Files = append(rel.Files, &File{Path: filepath.Base(p), Size: fi.Size(), LocalPath: p})
		for _, sp := range ggufSiblings(p) {
			if !slices.ContainsFunc(rel.Files, func(f *File) bool { return f.LocalPath == sp }) {
				rel.Files = append(rel.Files, &File{Path: filepath.Base(sp), LocalPath: sp})
			}
		}
	}
	if err := describe(ctx, rel); err != nil {
		return nil, err
	}
	return rel, nil
}

// lmStudioRepo returns the Hugging Face repository a file in LM Studio's
// models folder was downloaded from (lmstudio.Repo), if it is a valid id.
func lmStudioRepo(abs string) string {
	id := lmstudio.Repo(abs)
	if id == "" || hub.CheckID(id) != nil {
		return ""
	}
	return id
}
