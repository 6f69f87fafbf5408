package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/stores/ollama"
)

func writeOllamaFixture(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "models")
	_, err := testmodel.WriteOllamaModel(root, testmodel.OllamaModelSpec{
		Name: "deepseek-r1:7b",
		Layers: []testmodel.OllamaLayerSpec{
			{MediaType: "model", Data: testmodel.TinyGGUF("general.architecture", "qwen2", "general.license", "mit"), From: "/tmp/x.gguf"},
			{MediaType: "template", Data: []byte("{{ .System }} {{ .Prompt }}")},
			{MediaType: "system", Data: []byte("You are helpful.")},
			{MediaType: "params", Data: []byte(`{"stop":["<|end|>"]}`)},
			{MediaType: "license", Data: []byte("MIT License\n\nCopyright (c) 2023 DeepSeek\n")},
			{MediaType: "license", Data: []byte("Qwen LICENSE AGREEMENT\n")},
			{MediaType: "projector", Data: testmodel.TinyGGUF("general.architecture", "clip")},
			{MediaType: "application/vnd.example.future", Data: []byte("??")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestOllamaModel(t *testing.T) {
	root := writeOllamaFixture(t)
	rel, err := Ollama(root, "deepseek-r1:7b").Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rel.Name != "deepseek-r1:7b" || rel.Kind != KindOllama || !strings.HasPrefix(rel.Revision, "sha256:") {
		t.Errorf("name %q kind %q revision %q", rel.Name, rel.Kind, rel.Revision)
	}
	var paths []string
	for _, f := range rel.Files {
		paths = append(paths, f.Path)
		if len(f.Expected) != 1 || f.Expected[0].Algorithm != "sha256" || f.Expected[0].Source != "ollama" || f.Expected[0].Size != f.Size {
			t.Errorf("%s: expected %+v size %d", f.Path, f.Expected, f.Size)
		}
		data, err := os.ReadFile(f.LocalPath)
		if err != nil || testmodel.SHA256(data) != f.Expected[0].Digest {
			t.Errorf("%s: local bytes do not match the layer digest (%v)", f.Path, err)
		}
	}
	want := []string{"layer-" + testmodel.SHA256([]byte("??"))[:12], "license", "license-2", "model.gguf", "params", "projector.gguf", "system", "template"}
	if !slices.Equal(paths, want) {
		t.Errorf("files %q, want %q", paths, want)
	}
	om := rel.Ollama
	if om.Template != "{{ .System }} {{ .Prompt }}" || om.System != "You are helpful." || om.Params != `{"stop":["<|end|>"]}` {
		t.Errorf("texts %q %q %q", om.Template, om.System, om.Params)
	}
	if om.Config["model_family"] != "llama" || om.Config["model_families"] != "llama" || om.Config["file_type"] != "Q4_K_M" || om.Config["model_format"] != "gguf" {
		t.Errorf("config %v", om.Config)
	}
	if _, ok := om.Config["rootfs"]; ok {
		t.Error("nested objects should not be flattened at depth 1")
	}
	if om.ManifestPath != "manifests/registry.ollama.ai/library/deepseek-r1/7b" || om.Host != "registry.ollama.ai" || om.Tag != "7b" {
		t.Errorf("manifest path %q host %q tag %q", om.ManifestPath, om.Host, om.Tag)
	}
	if l := om.Layers[0]; l.Path != "model.gguf" || l.From != "/tmp/x.gguf" {
		t.Errorf("layer 0 = %+v", l)
	}
	var lic []string
	for _, lt := range rel.LicenseTexts {
		lic = append(lic, lt.Path+" "+lt.Origin)
	}
	if !slices.Equal(lic, []string{"license ollama-layer", "license-2 ollama-layer"}) {
		t.Errorf("licence texts %q", lic)
	}
	if f := rel.File("model.gguf"); f.Format != FormatGGUF {
		t.Errorf("model format %q", f.Format)
	}
	if len(rel.Problems) != 0 {
		t.Errorf("problems %v", rel.Problems)
	}
}

func TestOllamaMissingBlobs(t *testing.T) {
	root := filepath.Join(t.TempDir(), "models")
	_, err := testmodel.WriteOllamaModel(root, testmodel.OllamaModelSpec{
		Name:          "gone",
		MissingConfig: true,
		Layers: []testmodel.OllamaLayerSpec{
			{MediaType: "model", Data: testmodel.TinyGGUF(), Missing: true},
			{MediaType: "license", Data: []byte("Apache License\n")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	rel, err := Parse("ollama:gone")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("OLLAMA_MODELS", root)
	r, err := rel.Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	f := r.File("model.gguf")
	if f == nil || f.LocalPath != "" || f.Format != FormatGGUF || len(f.Expected) != 1 || !r.Ollama.Layers[0].Missing {
		t.Fatalf("missing model file = %+v", f)
	}
	var msgs []string
	for _, p := range r.Problems {
		msgs = append(msgs, p.Path+": "+p.Message)
	}
	if len(msgs) != 2 || !strings.Contains(msgs[0], "config blob") && !strings.Contains(msgs[1], "config blob") {
		t.Errorf("problems %q", msgs)
	}
	if len(r.LicenseTexts) != 1 {
		t.Errorf("licence texts %+v", r.LicenseTexts)
	}
}

func TestOllamaManifestsV2AndCase(t *testing.T) {
	root := filepath.Join(t.TempDir(), "models")
	_, err := testmodel.WriteOllamaModel(root, testmodel.OllamaModelSpec{Name: "Qwen3:8B", V2: true, Layers: []testmodel.OllamaLayerSpec{{MediaType: "model", Data: testmodel.TinyGGUF()}}})
	if err != nil {
		t.Fatal(err)
	}
	rel, err := Ollama(root, "qwen3:8b").Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rel.Name != "Qwen3:8B" || !strings.HasPrefix(rel.Ollama.ManifestPath, "manifests-v2/ollama.com/") {
		t.Errorf("name %q manifest %q", rel.Name, rel.Ollama.ManifestPath)
	}
	// The manifests-v2 entry is a link to the manifest blob.
	if want := filepath.Base(rel.Ollama.ManifestDigest); !strings.HasSuffix(rel.Revision, strings.TrimPrefix(want, "sha256:")) {
		t.Errorf("revision %q", rel.Revision)
	}
}

func TestOllamaManifestList(t *testing.T) {
	for _, inline := range []bool{true, false} {
		root := filepath.Join(t.TempDir(), "models")
		_, err := testmodel.WriteOllamaManifestList(root, "gemma3:4b", []testmodel.OllamaModelSpec{
			{Runner: "ollama", Format: "gguf", Layers: []testmodel.OllamaLayerSpec{{MediaType: "model", Data: testmodel.TinyGGUF()}, {MediaType: "license", Data: []byte("Gemma Terms of Use\n")}}},
			{Runner: "mlx", Format: "safetensors", Layers: []testmodel.OllamaLayerSpec{
				{MediaType: "tensor", Name: "model.embed_tokens.weight", Data: testmodel.TinySafetensors()},
				{MediaType: "json", Name: "config.json", Data: []byte(`{"model_type":"gemma3"}`)},
				{MediaType: "json", Name: "../../etc/passwd", Data: []byte(`{}`)},
			}},
		}, inline, true)
		if err != nil {
			t.Fatal(err)
		}
		rel, err := Ollama(root, "gemma3:4b").Open(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, f := range rel.Files {
			paths = append(paths, f.Path)
		}
		want := []string{"mlx/config-layer.json", "mlx/config.json", "mlx/tensors/model.embed_tokens.weight", "ollama/license", "ollama/model.gguf"}
		if !slices.Equal(paths, want) {
			t.Errorf("inline %v: files %q, want %q", inline, paths, want)
		}
		if !slices.Equal(rel.Ollama.Runners, []string{"ollama", "mlx"}) || rel.Ollama.MediaType != ollama.MediaTypeManifestList {
			t.Errorf("runners %q media type %q", rel.Ollama.Runners, rel.Ollama.MediaType)
		}
		if len(rel.LicenseTexts) != 1 || rel.LicenseTexts[0].Origin != "ollama-layer" {
			t.Errorf("licence texts %+v", rel.LicenseTexts)
		}
		if f := rel.File("mlx/tensors/model.embed_tokens.weight"); f.Format != FormatSafetensors {
			t.Errorf("tensor layer format %q", f.Format)
		}
		if len(rel.Problems) != 0 {
			t.Errorf("problems %v", rel.Problems)
		}
	}
}

func TestListOllama(t *testing.T) {
	tree, err := testmodel.WriteSweepTree(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srcs, err := ListOllama(tree.Ollama)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range srcs {
		rel, err := s.Open(t.Context())
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		names = append(names, rel.Name)
		// A source from another store names its manifest, which parses back.
		again, err := Parse(s.String())
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if _, ok := again.(ollamaSource); !ok {
			t.Errorf("%s parses as %T", s, again)
		}
	}
	if !slices.Equal(names, []string{"acme/evil:1b", "tiny:latest"}) {
		t.Errorf("names %q", names)
	}
	if _, err := Parse(tree.Ollama); !errors.Is(err, ErrMultipleReleases) || !strings.Contains(err.Error(), "ollama:NAME") {
		t.Errorf("store root: %v", err)
	}
}

func TestOllamaNotFoundSuggests(t *testing.T) {
	root := filepath.Join(t.TempDir(), "models")
	testmodel.WriteOllamaModel(root, testmodel.OllamaModelSpec{Name: "example.com/library/smol:latest", Layers: []testmodel.OllamaLayerSpec{{MediaType: "model", Data: testmodel.TinyGGUF()}}})
	_, err := Ollama(root, "smol").Open(t.Context())
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "example.com/library/smol:latest") {
		t.Errorf("err = %v", err)
	}
}

// TestOllamaCorpusStore reads the registry test store of ollama/ollama: a
// model layer that is present and a config blob that is not.
func TestOllamaCorpusStore(t *testing.T) {
	root := testutil.CopyDir(t, testutil.Corpus(t, "ollama", "registry-testdata", "models"))
	srcs, err := ListOllama(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) != 1 {
		t.Fatalf("%d models", len(srcs))
	}
	rel, err := srcs[0].Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rel.Name != "example.com/library/smol:latest" {
		t.Errorf("name %q", rel.Name)
	}
	f := rel.File("model.gguf")
	if f == nil || f.LocalPath == "" || f.Size != 24 || f.Format != FormatGGUF {
		t.Fatalf("model.gguf = %+v", f)
	}
	if e := f.Expected[0]; e.Digest != "a4e5e156ddec27e286f75328784d7106b60a4eb1d246e950a001a3f944fbda99" || e.Size != 24 {
		t.Errorf("expectation %+v", e)
	}
	data, _ := os.ReadFile(f.LocalPath)
	if testmodel.SHA256(data) != f.Expected[0].Digest {
		t.Error("corpus blob does not match its digest")
	}
	if rel.Ollama.ConfigDigest != "sha256:ca239d7bd8ea90e4a5d2e6bf88f8d74a47b14336e73eb4e18bed4dd325018116" {
		t.Errorf("config digest %q", rel.Ollama.ConfigDigest)
	}
	if len(rel.Problems) != 1 || rel.Problems[0].Field != "config" || !strings.Contains(rel.Problems[0].Message, "missing") {
		t.Errorf("problems %+v", rel.Problems)
	}
	// Parse of the manifest file finds the model too.
	src, err := Parse(filepath.Join(root, "manifests", "example.com", "library", "smol", "latest"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := src.(ollamaSource); !ok {
		t.Errorf("manifest path parses as %T", src)
	}
}

func TestOllamaHostileStore(t *testing.T) {
	root := writeOllamaFixture(t)
	// Replace the model blob with a link leaving the store, and the
	// template with a FIFO.
	rel0, err := Ollama(root, "deepseek-r1:7b").Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	model := rel0.File("model.gguf").LocalPath
	os.Remove(model)
	outside := filepath.Join(t.TempDir(), "outside.gguf")
	os.WriteFile(outside, testmodel.TinyGGUF(), 0o644)
	os.Symlink(outside, model)
	tmpl := rel0.File("template").LocalPath
	os.Remove(tmpl)
	if err := mkfifo(tmpl); err != nil {
		t.Skip("cannot make a FIFO:", err)
	}
	rel, err := Ollama(root, "deepseek-r1:7b").Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if f := rel.File("model.gguf"); f.LocalPath != "" {
		t.Errorf("link out of the store was followed: %+v", f)
	}
	if rel.Ollama.Template != "" {
		t.Errorf("FIFO read: %q", rel.Ollama.Template)
	}
	if len(rel.Problems) < 2 {
		t.Errorf("problems %v", rel.Problems)
	}
	// A manifest that is a link leaving the store is refused.
	mp := filepath.Join(root, rel.Ollama.ManifestPath)
	os.Remove(mp)
	os.Symlink(outside, mp)
	if _, err := Ollama(root, "deepseek-r1:7b").Open(t.Context()); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("manifest link out of the store: %v", err)
	}
}

// FuzzOllamaLayerPaths checks that the release paths a manifest's layers
// are given stay inside the release.
func FuzzOllamaLayerPaths(f *testing.F) {
	layer := func(kind, name string) string {
		return `{"mediaType":"` + ollama.LayerMediaTypePrefix + kind + `","digest":"sha256:` + strings.Repeat("ab", 32) + `","size":1,"name":"` + name + `"}`
	}
	f.Add([]byte(`{"format":"safetensors","layers":[` + strings.Join([]string{
		layer("tensor", "model.embed_tokens.weight"), layer("tensor", "../../x"), layer("json", "config.json"), layer("json", "/etc/passwd"),
		layer("model", ""), layer("license", ""), layer("license", ""), layer("template", ""), layer("prompt", ""),
	}, ",") + `]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ollama.ParseManifest(data)
		if err != nil {
			return // stores/ollama fuzzes the parse
		}
		st := &ollamaLoader{paths: pathSet{}}
		for _, l := range m.Layers {
			h, _ := ollama.ParseDigest(l.Digest)
			p := st.paths.unique("", ollamaLayerPath(l, m.Format, h))
			if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, "..") && safeRelPath(p) == "" {
				t.Fatalf("unsafe path %q", p)
			}
		}
	})
}
