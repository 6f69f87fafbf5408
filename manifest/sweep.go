package manifest

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/formats/gguf"
	"github.com/modelvet/modelvet/formats/lfs"
	"github.com/modelvet/modelvet/formats/onnx"
	"github.com/modelvet/modelvet/formats/pickle"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
	"github.com/modelvet/modelvet/internal/zipcheck"
	"github.com/modelvet/modelvet/stores"
	"github.com/modelvet/modelvet/stores/hfcache"
	"github.com/modelvet/modelvet/stores/lmstudio"
	"github.com/modelvet/modelvet/stores/oci"
	"github.com/modelvet/modelvet/stores/ollama"
)

// SweepOptions bounds a sweep. The zero value applies the caps of
// internal/limits.
type SweepOptions struct {
	// MaxEntries caps the directory entries visited; 0 means
	// limits.MaxSweepEntries. Larger values are lowered to it.
	MaxEntries int
	// MaxDepth caps how deep below the root directories are entered; 0
	// means limits.MaxWalkDepth. Larger values are lowered to it.
	MaxDepth int
	// SkipLooseFiles leaves out weight files that belong to no release.
	SkipLooseFiles bool
}

// Found is one release a sweep found.
type Found struct {
	Source Source
	Kind   Kind
	// Name is the model's name as its store knows it ("org/name" in a
	// Hugging Face cache, "deepseek-r1:7b" in Ollama, the reference of an
	// OCI manifest), else the directory or file name.
	Name string
	// Path is where it was found: a snapshot folder, an Ollama manifest,
	// an OCI layout, a release directory or a weight file.
	Path string
	// Revision is the commit of a cache snapshot, when known.
	Revision string
}

// SweepResult is what a sweep found under one root.
type SweepResult struct {
	Root  string
	Found []Found
	// Problems lists directories that could not be read or were too deep,
	// by file-system path. A sweep with problems still lists what it found.
	Problems []*Problem
	// Entries counts the directory entries visited.
	Entries int
	// Truncated is set when a cap stopped the sweep early.
	Truncated bool
}

// Sources returns the sources of every release found, in sweep order.
func (r *SweepResult) Sources() []Source {
	out := make([]Source, 0, len(r.Found))
	for _, f := range r.Found {
		out = append(out, f.Source)
	}
	return out
}

// Sweep finds every model release under root, without parsing any weights
// (Source.Open does that): every snapshot of each Hugging Face cache
// repository (models--ORG--NAME; cached datasets and spaces are skipped),
// every model of each Ollama store, every model manifest of each OCI image
// layout, every directory that looks like a release (a card or config
// beside weights, or weights one folder down), and weight files (GGUF,
// safetensors, PyTorch and pickle, ONNX, Keras) that belong to none of
// those. It never follows a symbolic link (root itself may be one), skips
// version-control and virtual file-system folders, and records unreadable
// or too-deep directories as problems instead of failing. Results come in
// a stable order: a depth-first walk with entries sorted by name.
//
// Sweep fails only when root cannot be read at all or ctx ends.
func Sweep(ctx context.Context, root string, opts SweepOptions) (*SweepResult, error) {
	maxEntries := limits.MaxSweepEntries
	if opts.MaxEntries > 0 && opts.MaxEntries < maxEntries {
		maxEntries = opts.MaxEntries
	}
	maxDepth := limits.MaxWalkDepth
	if opts.MaxDepth > 0 && opts.MaxDepth < maxDepth {
		maxDepth = opts.MaxDepth
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", root, ErrNotFound)
		}
		return nil, err
	}
	fi, err := os.Stat(real)
	if err != nil {
		return nil, missing(root, err)
	}
	sw := &sweeper{ctx: ctx, res: &SweepResult{Root: root}, maxEntries: maxEntries, maxDepth: maxDepth, loose: !opts.SkipLooseFiles}
	if !fi.IsDir() {
		if fi.Mode().IsRegular() && isWeightFileName(real) {
			sw.addFile(real)
		}
		return sw.res, nil
	}
	d, err := os.Open(real)
	if err != nil {
		return nil, err
	}
	d.Close()
	if !sw.claim(real) {
		err = sw.visit(real, 0, false)
	}
	if sw.dropped > 0 {
		sw.res.Problems = append(sw.res.Problems, &Problem{Path: root, Message: fmt.Sprintf("%d more problems were not recorded", sw.dropped)})
	}
	if err != nil && !errors.Is(err, errSweepFull) {
		return nil, err
	}
	return sw.res, nil
}

var errSweepFull = errors.New("sweep entry limit reached")

type sweeper struct {
	ctx        context.Context
	res        *SweepResult
	maxEntries int
	maxDepth   int
	loose      bool
	problems   int
	dropped    int
}

func (sw *sweeper) problem(path, msg string, err error) {
	if sw.problems++; sw.problems > limits.MaxSweepProblems {
		sw.dropped++
		return
	}
	sw.res.Problems = append(sw.res.Problems, &Problem{Path: path, Message: msg, Err: err})
}

// sweepSkip lists folder names never entered.
var sweepSkip = map[string]bool{".git": true, ".hg": true, ".svn": true, "node_modules": true, "__pycache__": true, ".locks": true}

// sweepSkipAbs lists virtual file systems never entered.
var sweepSkipAbs = map[string]bool{"/proc": true, "/sys": true, "/dev": true}

// readDirSorted reads up to the remaining entry budget of dir, sorted.
func (sw *sweeper) readDirSorted(dir string) ([]fs.DirEntry, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []fs.DirEntry
	for {
		left := sw.maxEntries - sw.res.Entries
		if left <= 0 {
			sw.res.Truncated = true
			sw.problem(dir, fmt.Sprintf("sweep stopped after %d directory entries", sw.maxEntries), nil)
			return out, errSweepFull
		}
		batch, err := f.ReadDir(min(left, 1024))
		sw.res.Entries += len(batch)
		out = append(out, batch...)
		if errors.Is(err, io.EOF) || len(batch) == 0 && err == nil {
			break
		}
		if err != nil {
			return out, err
		}
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}

// claim recognises a directory holding releases of a known layout and
// records them; it reports whether the directory was consumed.
func (sw *sweeper) claim(dir string) bool {
	if kind, repo, ok := hfcache.IsRepoFolder(dir); ok {
		if kind == "models" {
			sw.addHF(dir, repo)
		}
		return true
	}
	if ollama.IsStore(dir) {
		sw.addOllama(dir)
		return true
	}
	if oci.IsLayout(dir) {
		sw.addOCI(dir)
		return true
	}
	if parent := filepath.Dir(dir); filepath.Base(parent) == "snapshots" {
		if kind, repo, ok := hfcache.IsRepoFolder(filepath.Dir(parent)); ok {
			if kind == "models" {
				commit := filepath.Base(dir)
				sw.res.Found = append(sw.res.Found, Found{Source: HFCache(filepath.Dir(parent), commit), Kind: KindHFCache, Name: repo, Path: dir, Revision: commit})
			}
			return true
		}
	}
	return false
}

// visit walks dir. Once inside a release directory (storesOnly), it only
// looks for stores nested in it (a project folder holding a cache), since
// the release's own files are listed when it is opened.
func (sw *sweeper) visit(dir string, depth int, storesOnly bool) error {
	if err := sw.ctx.Err(); err != nil {
		return err
	}
	entries, err := sw.readDirSorted(dir)
	if err != nil && !errors.Is(err, errSweepFull) {
		sw.problem(dir, "cannot be read: "+safeio.PathErrorCause(err).Error(), err)
		return nil
	}
	full := err != nil
	if !storesOnly && isReleaseDir(dir, entries) {
		sw.res.Found = append(sw.res.Found, Found{Source: Dir(dir), Kind: KindDirectory, Name: filepath.Base(dir), Path: dir})
		storesOnly = true
	}
	var splits map[gguf.SplitName]int
	if sw.loose && !storesOnly {
		splits = firstGGUFSplits(entries)
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		switch t := e.Type(); {
		case t&fs.ModeSymlink != 0:
			continue // never followed
		case e.IsDir():
			if sweepSkip[e.Name()] || sweepSkipAbs[p] {
				continue
			}
			if sw.claim(p) {
				continue
			}
			if depth+1 > sw.maxDepth {
				sw.problem(p, fmt.Sprintf("directory is nested deeper than %d levels below the sweep root; not entered", sw.maxDepth), nil)
				continue
			}
			if err := sw.visit(p, depth+1, storesOnly); err != nil {
				return err
			}
		case t.IsRegular():
			if sw.loose && !storesOnly && !laterGGUFSplit(e.Name(), splits) && isWeightFileName(p) {
				sw.addFile(p)
			}
		}
	}
	if full {
		return errSweepFull
	}
	return nil
}

// firstGGUFSplits maps each split GGUF model in a directory's entries to
// its lowest-numbered part present.
func firstGGUFSplits(entries []fs.DirEntry) map[gguf.SplitName]int {
	var out map[gguf.SplitName]int
	for _, e := range entries {
		sp, ok := gguf.ParseSplitName(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		k := sp.Set()
		if out == nil {
			out = map[gguf.SplitName]int{}
		}
		if no, seen := out[k]; !seen || sp.No < no {
			out[k] = sp.No
		}
	}
	return out
}

// laterGGUFSplit reports whether name is a part of a split GGUF model
// whose directory also holds a lower-numbered part: the model is found
// once, by its first part present (which opens with the others).
func laterGGUFSplit(name string, first map[gguf.SplitName]int) bool {
	sp, ok := gguf.ParseSplitName(name)
	if !ok {
		return false
	}
	no, seen := first[sp.Set()]
	return seen && no < sp.No
}

func (sw *sweeper) addFile(p string) {
	sw.res.Found = append(sw.res.Found, Found{Source: FileSource(p), Kind: KindFile, Name: filepath.Base(p), Path: p})
}

func (sw *sweeper) addHF(dir, repo string) {
	snaps, err := hfcache.Snapshots(dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			sw.problem(dir, "snapshots cannot be read: "+safeio.PathErrorCause(err).Error(), err)
		}
		return
	}
	for _, s := range snaps {
		sw.res.Found = append(sw.res.Found, Found{Source: HFCache(dir, s.Commit), Kind: KindHFCache, Name: repo, Path: filepath.Join(dir, "snapshots", s.Commit), Revision: s.Commit})
	}
}

func (sw *sweeper) addOllama(root string) {
	models, problems, err := listOllama(root)
	for _, p := range problems {
		sw.problem(p.Path, p.Message, p.Err)
	}
	if err != nil {
		sw.problem(root, err.Error(), err)
		return
	}
	for _, m := range models {
		sw.res.Found = append(sw.res.Found, Found{Source: Ollama(root, m.Name.Full()), Kind: KindOllama, Name: m.Name.String(), Path: m.Manifest})
	}
}

func (sw *sweeper) addOCI(dir string) {
	list, err := listOCI(dir)
	if err != nil {
		sw.problem(dir, "OCI layout cannot be read: "+err.Error(), err)
		return
	}
	for _, l := range list {
		sw.res.Found = append(sw.res.Found, Found{Source: l.src, Kind: KindOCI, Name: cmp.Or(l.name, filepath.Base(dir)), Path: dir})
	}
}

// weightExts are the extensions of weight files; their content is checked
// before a sweep reports one, since several are shared with other files
// (.pth is also a Python path file, .pt a text file, .bin anything).
var weightExts = map[string]bool{
	".gguf": true, ".safetensors": true, ".pt": true, ".pth": true, ".ckpt": true, ".bin": true,
	".pkl": true, ".pickle": true, ".onnx": true, ".keras": true,
}

// isWeightFileName reports whether the regular file at p holds model
// weights: a weight extension and first bytes that match it.
func isWeightFileName(p string) bool { return isWeightFile(p, false) }

// isWeightFile is isWeightFileName that, with pointers set, also accepts
// a Git LFS pointer under a weight extension: the weights of a release
// cloned without Git LFS, which opening the release reports.
func isWeightFile(p string, pointers bool) bool {
	ext := strings.ToLower(filepath.Ext(p))
	if !weightExts[ext] {
		return false
	}
	f, err := safeio.OpenRegular(p)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, limits.MaxLFSPointerBytes+1)
	n, _ := io.ReadFull(f, head)
	if pointers && lfs.Maybe(int64(n), head[:n]) {
		if _, ok := lfs.Parse(head[:n]); ok {
			return true
		}
	}
	return weightHead(ext, head[:min(n, sniffLen)])
}

// weightHead checks first bytes against a weight extension.
func weightHead(ext string, head []byte) bool {
	switch ext {
	case ".gguf":
		return sniff(head) == FormatGGUF
	case ".safetensors":
		return sniff(head) == FormatSafetensors
	case ".onnx":
		return onnx.Sniff(head)
	case ".keras":
		return zipcheck.IsArchive(head)
	case ".pkl", ".pickle":
		// Protocols 0 and 1 have no magic: any opcode that can start a
		// stream will do.
		return len(head) > 0 && pickle.IsOpcode(head[0]) && head[0] != '.'
	}
	// .pt, .pth, .ckpt, .bin: a PyTorch zip, a pickle (legacy PyTorch),
	// or GGUF and safetensors under another name.
	switch sniff(head) {
	case FormatPickle, FormatGGUF, FormatSafetensors:
		return true
	}
	return zipcheck.IsArchive(head)
}

// unambiguousWeightExt reports extensions that mean weights on their own,
// used for links, which detection does not open.
func unambiguousWeightExt(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".gguf", ".safetensors":
		return true
	}
	return false
}

// releaseMarkers are files that, beside weights, make a directory a
// release.
var releaseMarkers = map[string]bool{
	"readme.md": true, "config.json": true, "model_index.json": true, "params.json": true,
	"adapter_config.json": true, "generation_config.json": true, "tokenizer.json": true,
	"tokenizer_config.json": true, "tokenizer.model": true, "modelfile": true,
}

// isReleaseDir reports whether a directory looks like a model release:
// a card, config, index or licence beside weights, or a config, index or
// model card (a README.md with front matter) beside a folder holding
// weights (diffusers pipelines, original/ checkpoints, split GGUF folders)
// — a plain README or licence over folders of weights is a collection,
// whose weights are found one by one. Only a bounded number of files is
// opened to check their content; links are judged by name.
func isReleaseDir(dir string, entries []fs.DirEntry) bool {
	marker, strong := false, false
	readme := ""
	var subdirs []string
	for _, e := range entries {
		name := strings.ToLower(e.Name())
		if e.IsDir() {
			if !strings.HasPrefix(name, ".") && !sweepSkip[name] {
				subdirs = append(subdirs, e.Name())
			}
			continue
		}
		if releaseMarkers[name] || strings.HasSuffix(name, ".index.json") || isLicenseName(name) {
			marker = true
			strong = strong || releaseMarkers[name] && name != "readme.md" || strings.HasSuffix(name, ".index.json")
		}
		if name == "readme.md" && e.Type().IsRegular() {
			readme = e.Name()
		}
	}
	if !marker {
		return false
	}
	budget := 32 // files opened
	hasWeights := func(dir string, entries []fs.DirEntry) bool {
		for _, e := range entries {
			switch t := e.Type(); {
			case t&fs.ModeSymlink != 0:
				if unambiguousWeightExt(e.Name()) {
					return true
				}
			case t.IsRegular() && weightExts[strings.ToLower(filepath.Ext(e.Name()))]:
				if budget--; budget < 0 {
					return false
				}
				if isWeightFile(filepath.Join(dir, e.Name()), true) {
					return true
				}
			}
		}
		return false
	}
	if hasWeights(dir, entries) {
		return true
	}
	if !strong && (readme == "" || !hasFrontMatter(filepath.Join(dir, readme))) {
		return false
	}
	for i, sub := range subdirs {
		if i == 16 || budget <= 0 {
			break
		}
		p := filepath.Join(dir, sub)
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		es, _ := f.ReadDir(256)
		f.Close()
		if hasWeights(p, es) {
			return true
		}
	}
	return false
}

// hasFrontMatter reports whether the file starts with a YAML front-matter
// delimiter, as a Hugging Face model card does.
func hasFrontMatter(p string) bool {
	f, err := safeio.OpenRegular(p)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	return bytes.HasPrefix(bytes.TrimPrefix(head[:n], []byte("\ufeff")), []byte("---"))
}

// Location is a default place models are kept.
type Location struct {
	// Ecosystem is "hf-cache", "ollama" or "lm-studio".
	Ecosystem string `json:"ecosystem"`
	Path      string `json:"path"`
	// From says what chose the path: an environment variable or "default".
	From string `json:"from"`
	// Exists is set when the path is a directory.
	Exists bool `json:"exists"`
}

// DefaultLocations returns the places each ecosystem keeps models by its
// own conventions, whether or not they exist, as the store readers know
// them: the Hugging Face cache (hfcache.Locations: HF_HUB_CACHE, else
// HF_HOME/hub, else XDG_CACHE_HOME/huggingface/hub, else
// ~/.cache/huggingface/hub), the Ollama store (ollama.Locations:
// OLLAMA_MODELS, else ~/.ollama/models, and the store of the Linux service
// account, /usr/share/ollama/.ollama/models), and LM Studio's models
// folder (lmstudio.Locations: ~/.lmstudio/models, and the older
// ~/.cache/lm-studio/models).
func DefaultLocations() []Location {
	var out []Location
	for _, eco := range []struct {
		name string
		locs []stores.Location
	}{{"hf-cache", hfcache.Locations()}, {"ollama", ollama.Locations()}, {"lm-studio", lmstudio.Locations()}} {
		for _, l := range eco.locs {
			if l.Path == "" || slices.ContainsFunc(out, func(o Location) bool { return o.Path == l.Path }) {
				continue
			}
			out = append(out, Location{Ecosystem: eco.name, Path: l.Path, From: l.From, Exists: safeio.IsDir(l.Path)})
		}
	}
	return out
}
