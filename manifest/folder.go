package manifest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// MultipleReleasesError is a plain folder that holds several unrelated
// releases, such as a Downloads folder with a Qwen and a Llama GGUF file:
// Parse returns it rather than read them as one release. It matches
// ErrMultipleReleases.
//
// A folder is one release when it looks like one (a card, config, index,
// tokenizer or licence beside weights, as a repository is laid out: the
// test Sweep applies), whatever else it holds. Otherwise the releases in
// it are those Sweep finds, with the weight files that lie loose in one
// folder grouped by the model they are: files whose names, once the
// quantisation or precision mark (Q4_K_M, IQ2_XS, F16, bf16, …), the
// split or shard mark (-00001-of-00003) and the extension are taken off,
// are the same (Qwen2.5-7B-Instruct-Q4_K_M.gguf and
// Qwen2.5-7B-Instruct-Q8_0.gguf), the Transformers and diffusers standard
// names (model, pytorch_model, diffusion_pytorch_model, consolidated) all
// standing for "model". Only GGUF and safetensors files name their model
// this way; a multimodal projector (mmproj) or a pickle-based, ONNX or
// Keras file goes with the model of the same name in its folder, else with
// the folder's only model, else with the other such files of its folder
// (a training checkpoint's weights, optimizer and scheduler state are one
// release). A folder with one release, or none, is read as one release.
type MultipleReleasesError struct {
	// Dir is the folder as given to Parse.
	Dir string
	// Releases lists the releases found, in a stable order; each Source
	// opens one of them.
	Releases []Found
}

func (e *MultipleReleasesError) Error() string {
	var names []string
	for i, f := range e.Releases {
		if i == 5 {
			names = append(names, "…")
			break
		}
		names = append(names, f.Name)
	}
	return fmt.Sprintf("%s: a folder of %d unrelated releases (%s): %v; audit each one", e.Dir, len(e.Releases), strings.Join(names, ", "), ErrMultipleReleases)
}

func (e *MultipleReleasesError) Unwrap() error { return ErrMultipleReleases }

// Sources returns the source of each release.
func (e *MultipleReleasesError) Sources() []Source {
	out := make([]Source, len(e.Releases))
	for i, f := range e.Releases {
		out[i] = f.Source
	}
	return out
}

// folderReleases returns the unrelated releases a plain folder holds, or
// nil when it is one release (or holds none): see MultipleReleasesError.
func folderReleases(dir string) []Found {
	entries, err := os.ReadDir(dir)
	if err != nil || isReleaseDir(dir, entries) {
		return nil
	}
	res, err := Sweep(context.Background(), dir, SweepOptions{})
	if err != nil {
		return nil
	}
	found := groupLooseFiles(res.Found)
	if len(found) < 2 {
		return nil
	}
	return found
}

// groupLooseFiles merges the loose weight files a sweep found in one
// folder into one release per model (see MultipleReleasesError).
func groupLooseFiles(found []Found) []Found {
	type group struct {
		at    int // index in out
		dir   string
		key   string
		files []string
	}
	var out []Found
	var groups []*group
	var companions []Found
	for _, f := range found {
		base := filepath.Base(f.Path)
		switch {
		case f.Kind != KindFile:
			out = append(out, f)
			continue
		case !namesItsModel(base):
			companions = append(companions, f)
			continue
		}
		dir, key := filepath.Dir(f.Path), modelKey(base)
		if i := slices.IndexFunc(groups, func(g *group) bool { return g.dir == dir && g.key == key }); i >= 0 {
			groups[i].files = append(groups[i].files, f.Path)
			continue
		}
		groups = append(groups, &group{at: len(out), dir: dir, key: key, files: []string{f.Path}})
		out = append(out, f)
	}
	// A companion goes with the model of its folder that shares its name,
	// else with the folder's only model; the companions left in a folder
	// make one release (a training checkpoint: weights, optimizer and
	// scheduler state).
	for _, c := range companions {
		dir, key := filepath.Dir(c.Path), modelKey(filepath.Base(c.Path))
		var same, inDir []*group
		for _, g := range groups {
			if g.dir == dir {
				inDir = append(inDir, g)
				if g.key == key {
					same = append(same, g)
				}
			}
		}
		switch {
		case len(same) == 1:
			same[0].files = append(same[0].files, c.Path)
		case len(inDir) == 1:
			inDir[0].files = append(inDir[0].files, c.Path)
		default:
			groups = append(groups, &group{at: len(out), dir: dir, key: "", files: []string{c.Path}})
			out = append(out, c)
		}
	}
	for _, g := range groups {
		if len(g.files) > 1 {
			out[g.at].Source = fileSource{path: g.files[0], with: g.files[1:]}
		}
	}
	return out
}

// namesItsModel reports whether a weight file's name says which model it
// holds: a GGUF file or a safetensors checkpoint, which are distributed
// one model to a file (or to a shard set). Multimodal projectors and
// pickle-based, ONNX and Keras files go with the model beside them.
func namesItsModel(base string) bool {
	if isProjector(base) {
		return false
	}
	switch strings.ToLower(filepath.Ext(base)) {
	case ".gguf", ".safetensors":
		return true
	}
	return false
}

// precision matches a quantisation or precision mark.
const precision = `(i?q[1-8](_[0-9a-z]{1,3}){0,3}|f16|f32|bf16|fp16|fp32|fp8|int[48]|[48]-?bit)`

var (
	// shardMark is the split or shard mark of gguf-split and of sharded
	// safetensors and PyTorch checkpoints.
	shardMark = regexp.MustCompile(`(?i)-[0-9]{5}-of-[0-9]{5}$`)
	// precisionMark is a quantisation or precision mark at the end of a
	// name, after a separator: Q4_K_M, IQ2_XS, Q8_0, F16, BF16, fp16,
	// int4, 4bit, and unsloth's UD- prefix on them.
	precisionMark = regexp.MustCompile(`(?i)[-_. ](ud-)?` + precision + `$`)
	// precisionExt is a precision mark written as a second extension
	// (model.fp16.safetensors).
	precisionExt = regexp.MustCompile(`(?i)^\.` + precision + `$`)
	// projectorMark is the mmproj mark of multimodal projector files.
	projectorMark = regexp.MustCompile(`(?i)(^mmproj[-_. ]?|[-_. ]?mmproj$)`)
)

// standardNames are the file names Transformers, diffusers and Meta's
// checkpoints give a model's weights, whatever the model.
var standardNames = map[string]bool{
	"model": true, "pytorch-model": true, "diffusion-pytorch-model": true, "consolidated": true,
	"tf-model": true, "flax-model": true,
}

// isProjector reports whether a weight file is a multimodal projector.
func isProjector(base string) bool {
	return strings.Contains(strings.ToLower(base), "mmproj")
}

// modelKey is the model a weight file's name names: the name without its
// extensions, shard, precision and projector marks, lower case, with "_",
// "." and " " read as "-".
func modelKey(base string) string {
	name := strings.TrimSuffix(base, filepath.Ext(base))
	for {
		before := name
		if ext := filepath.Ext(name); precisionExt.MatchString(ext) {
			name = strings.TrimSuffix(name, ext) // model.fp16.safetensors
		}
		name = shardMark.ReplaceAllString(name, "")
		name = precisionMark.ReplaceAllString(name, "")
		name = projectorMark.ReplaceAllString(name, "")
		if name == before {
			break
		}
	}
	key := strings.NewReplacer("_", "-", ".", "-", " ", "-").Replace(strings.ToLower(name))
	if standardNames[key] {
		return "model"
	}
	return key
}
