package manifest

import (
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelvet/modelvet/internal/testmodel"
)

// writeFolder writes files (slash paths) under a new directory and
// returns it.
func writeFolder(t *testing.T, files map[string][]byte) string {
	dir := t.TempDir()
	writeTree(t, dir, files)
	return dir
}

func tensors(name string) []byte {
	return testmodel.Safetensors{Tensors: []testmodel.SafetensorsTensor{{Name: name, Dtype: "BF16", Shape: []uint64{4, 4}}}}.Bytes()
}

// A folder of unrelated releases is refused with the list of them; the
// shapes one release takes stay one release.
func TestParseFolderOfReleases(t *testing.T) {
	qwen := testmodel.Qwen25InstructGGUF().Bytes()
	llama := testmodel.Llama32InstructGGUF("1B").Bytes()
	distill := testmodel.DeepSeekR1DistillQwen7BGGUF().Bytes()
	config := []byte(`{"architectures": ["LlamaForCausalLM"], "model_type": "llama"}`)
	for _, tc := range []struct {
		name  string
		files map[string][]byte
		want  [][]string // the files of each release, or nil for one release
	}{
		{"Downloads: two unrelated GGUF files", map[string][]byte{
			"Qwen2.5-7B-Instruct-Q4_K_M.gguf": qwen, "Llama-3.2-1B-Instruct-Q4_K_M.gguf": llama,
		}, [][]string{{"Llama-3.2-1B-Instruct-Q4_K_M.gguf"}, {"Qwen2.5-7B-Instruct-Q4_K_M.gguf"}}},
		{"Downloads: quantisations of one model beside another model", map[string][]byte{
			"Qwen2.5-7B-Instruct-Q4_K_M.gguf": qwen, "Qwen2.5-7B-Instruct-Q8_0.gguf": qwen,
			"DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf": distill,
		}, [][]string{{"DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf"}, {"Qwen2.5-7B-Instruct-Q4_K_M.gguf", "Qwen2.5-7B-Instruct-Q8_0.gguf"}}},
		{"two safetensors releases in their folders", map[string][]byte{
			"model-a/config.json": config, "model-a/model.safetensors": tensors("a"),
			"model-b/config.json": config, "model-b/model.safetensors": tensors("b"),
		}, [][]string{{"model.safetensors"}, {"model.safetensors"}}},
		{"a release folder beside a loose GGUF file", map[string][]byte{
			"model-a/config.json": config, "model-a/model.safetensors": tensors("a"), "Qwen2.5-7B-Instruct-Q4_K_M.gguf": qwen,
		}, [][]string{{"Qwen2.5-7B-Instruct-Q4_K_M.gguf"}, {"model.safetensors"}}},
		{"split GGUF set", map[string][]byte{"Qwen2.5-7B-Instruct-Q4_K_M-00001-of-00002.gguf": qwen, "Qwen2.5-7B-Instruct-Q4_K_M-00002-of-00002.gguf": qwen}, nil},
		{"GGUF with its projector", map[string][]byte{"Qwen2-VL-7B-Instruct-Q4_K_M.gguf": qwen, "mmproj-Qwen2-VL-7B-Instruct-f16.gguf": qwen}, nil},
		{"GGUF with a projector of another name", map[string][]byte{"llava-v1.6-mistral-7b.Q4_K_M.gguf": qwen, "mmproj-model-f16.gguf": qwen}, nil},
		{"quantisations of one model", map[string][]byte{"Qwen2.5-7B-Instruct-Q4_K_M.gguf": qwen, "Qwen2.5-7B-Instruct-IQ2_XS.gguf": qwen, "Qwen2.5-7B-Instruct-f16.gguf": qwen}, nil},
		{"sharded safetensors without an index", map[string][]byte{"model-00001-of-00002.safetensors": tensors("a"), "model-00002-of-00002.safetensors": tensors("b")}, nil},
		{"safetensors and PyTorch copies of one model", map[string][]byte{"model.safetensors": tensors("a"), "pytorch_model.bin": testmodel.TorchZip("archive", 2, testmodel.FixtureTensors)}, nil},
		{"two GGUF models and a stray checkpoint", map[string][]byte{
			"Qwen2.5-7B-Instruct-Q4_K_M.gguf": qwen, "Llama-3.2-1B-Instruct-Q4_K_M.gguf": llama, "optimizer.pt": testmodel.TorchZip("archive", 2, testmodel.FixtureTensors),
		}, [][]string{{"Llama-3.2-1B-Instruct-Q4_K_M.gguf"}, {"Qwen2.5-7B-Instruct-Q4_K_M.gguf"}, {"optimizer.pt"}}},
		{"full and half precision copies of one model", map[string][]byte{"model.safetensors": tensors("a"), "model.fp16.safetensors": tensors("a")}, nil},
		{"a repository of unrelated-looking quantisations with a card", map[string][]byte{
			"README.md": []byte("---\nlicense: apache-2.0\n---\n# Quantisations\n"), "Qwen2.5-7B-Instruct-Q4_K_M.gguf": qwen, "DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf": distill,
		}, nil},
		{"diffusers components", map[string][]byte{
			"model_index.json": []byte(`{"_class_name": "StableDiffusionPipeline"}`),
			"unet/config.json": config, "unet/diffusion_pytorch_model.safetensors": tensors("u"),
			"vae/config.json": config, "vae/diffusion_pytorch_model.safetensors": tensors("v"),
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFolder(t, tc.files)
			src, err := Parse(dir)
			var me *MultipleReleasesError
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if _, ok := src.(dirSource); !ok {
					t.Errorf("source %T, want one directory", src)
				}
				return
			}
			if !errors.As(err, &me) || !errors.Is(err, ErrMultipleReleases) || me.Dir != dir {
				t.Fatalf("Parse = %v, %v; want a *MultipleReleasesError", src, err)
			}
			var got [][]string
			for _, s := range me.Sources() {
				rel, err := s.Open(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, f := range rel.Files {
					if f.Format.IsWeights() {
						names = append(names, f.Path)
					}
				}
				got = append(got, names)
			}
			slices.SortFunc(got, slices.Compare)
			if !slices.EqualFunc(got, tc.want, slices.Equal) {
				t.Errorf("releases %q, want %q", got, tc.want)
			}
		})
	}
}

func TestModelKey(t *testing.T) {
	for in, want := range map[string]string{
		"Qwen2.5-7B-Instruct-Q4_K_M.gguf":                "qwen2-5-7b-instruct",
		"Meta-Llama-3-8B-Instruct.Q8_0.gguf":             "meta-llama-3-8b-instruct",
		"Qwen2.5-7B-Instruct-Q4_K_M-00002-of-00003.gguf": "qwen2-5-7b-instruct",
		"mmproj-Qwen2-VL-7B-Instruct-f16.gguf":           "qwen2-vl-7b-instruct",
		"pytorch_model-00001-of-00002.bin":               "model",
		"diffusion_pytorch_model.fp16.safetensors":       "model",
		"Llama-3.2-1B-Instruct-UD-IQ2_XXS.gguf":          "llama-3-2-1b-instruct",
		"phi-4-Q4_0_4_4.gguf":                            "phi-4",
		"Llama-3.2-1B.gguf":                              "llama-3-2-1b",
	} {
		if got := modelKey(in); got != want {
			t.Errorf("modelKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every way of naming a path that does not exist gives an error that
// matches both ErrNotFound and fs.ErrNotExist.
func TestMissingPathErrors(t *testing.T) {
	missingPath := filepath.Join(t.TempDir(), "absent")
	_, parseErr := Parse(missingPath)
	_, dirErr := Dir(missingPath).Open(t.Context())
	_, fileErr := FileSource(missingPath + ".gguf").Open(t.Context())
	_, cacheErr := HFCache(filepath.Join(missingPath, "models--acme--m"), "").Open(t.Context())
	_, ociErr := OCI(missingPath, "").Open(t.Context())
	_, ollamaErr := Ollama(missingPath, "llama3.2").Open(t.Context())
	_, sweepErr := Sweep(t.Context(), missingPath, SweepOptions{})
	for name, err := range map[string]error{"Parse": parseErr, "Dir": dirErr, "FileSource": fileErr, "HFCache": cacheErr, "OCI": ociErr, "Ollama": ollamaErr, "Sweep": sweepErr} {
		if !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v matches fs.ErrNotExist %v, ErrNotFound %v", name, err, errors.Is(err, fs.ErrNotExist), errors.Is(err, ErrNotFound))
		}
	}
}
