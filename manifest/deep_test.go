package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/jsonscan"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/testmodel"
)

// TestDeepStoreDocuments: Ollama and OCI manifests, indexes and config
// blobs of 8 MiB of brackets are refused before any JSON decoder sees
// them, with the offset of the bracket too deep; nothing crashes.
func TestDeepStoreDocuments(t *testing.T) {
	deep := []byte(strings.Repeat("[", limits.MaxJSONBytes-1))
	wantDepth := func(t *testing.T, err error) {
		t.Helper()
		var fe *formats.Error
		var de *jsonscan.DepthError
		if !errors.As(err, &de) || de.Offset != limits.MaxJSONDepth {
			t.Errorf("error %v, want a *jsonscan.DepthError at offset %d", err, limits.MaxJSONDepth)
		}
		if errors.As(err, &fe) && fe.Offset != int64(limits.MaxJSONDepth) {
			t.Errorf("formats.Error offset %d", fe.Offset)
		}
	}
	gguf := testmodel.TinyGGUF("general.architecture", "llama")

	t.Run("ollama manifest", func(t *testing.T) {
		root := filepath.Join(t.TempDir(), "models")
		p, err := testmodel.WriteOllamaModel(root, testmodel.OllamaModelSpec{Name: "m:1", Layers: []testmodel.OllamaLayerSpec{{MediaType: "model", Data: gguf}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, deep, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err = Ollama(root, "m:1").Open(t.Context())
		wantDepth(t, err)
	})
	t.Run("ollama config", func(t *testing.T) {
		root := filepath.Join(t.TempDir(), "models")
		if _, err := testmodel.WriteOllamaModel(root, testmodel.OllamaModelSpec{Name: "m:1", Config: deep, Layers: []testmodel.OllamaLayerSpec{{MediaType: "model", Data: gguf}}}); err != nil {
			t.Fatal(err)
		}
		rel, err := Ollama(root, "m:1").Open(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		wantProblem(t, rel, "config is not valid JSON: nesting deeper than the limit")
	})
	ociLayout := func(t *testing.T, cfg []byte) string {
		dir := filepath.Join(t.TempDir(), "layout")
		if err := testmodel.WriteOCILayout(dir, testmodel.OCIModel{RefName: "m:1", ConfigMediaType: testmodel.DockerModelConfigType, Config: cfg,
			Layers: []testmodel.OCILayerSpec{{MediaType: "application/vnd.docker.ai.gguf.v3", Data: gguf}}}); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	t.Run("oci index", func(t *testing.T) {
		dir := ociLayout(t, []byte(`{}`))
		if err := os.WriteFile(filepath.Join(dir, "index.json"), deep, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := OCI(dir, "").Open(t.Context())
		wantDepth(t, err)
	})
	t.Run("oci config", func(t *testing.T) {
		rel, err := OCI(ociLayout(t, deep), "").Open(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		wantProblem(t, rel, "config is not valid JSON: nesting deeper than the limit")
	})
}

func wantProblem(t *testing.T, rel *Release, text string) {
	t.Helper()
	for _, p := range rel.Problems {
		if strings.Contains(p.Message, text) {
			return
		}
	}
	t.Errorf("problems %q, want one saying %q", problemsText(rel), text)
}
