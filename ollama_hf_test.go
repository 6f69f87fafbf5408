package modelvet_test

import (
	"context"
	"testing"

	"github.com/modelvet/modelvet"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/manifest"
)

// TestOllamaHubModelKeepsItsRepository audits a model Ollama pulled from the
// Hugging Face Hub: its name is the Hub repository, so the lineage starts
// from that repository's record, unlike an Ollama library name.
func TestOllamaHubModelKeepsItsRepository(t *testing.T) {
	root := t.TempDir()
	gguf := testmodel.GGUF{KV: []testmodel.KV{
		{Key: "general.architecture", Value: testmodel.String("qwen2")},
		{Key: "general.name", Value: testmodel.String("Qwen2.5 7B Instruct")},
	}}.Bytes()
	spec := testmodel.OllamaModelSpec{Name: "hf.co/Qwen/Qwen2.5-7B-Instruct:Q4_K_M", Layers: []testmodel.OllamaLayerSpec{
		{MediaType: "application/vnd.ollama.image.model", Data: gguf},
	}}
	if _, err := testmodel.WriteOllamaModel(root, spec); err != nil {
		t.Fatal(err)
	}
	rep, err := modelvet.Audit(context.Background(), manifest.Ollama(root, "hf.co/Qwen/Qwen2.5-7B-Instruct:Q4_K_M"),
		modelvet.WithClock(fixedClock), modelvet.WithoutHashingUnsafe())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Lineage) == 0 {
		t.Fatal("no lineage")
	}
	rootNode := rep.Lineage[0]
	if rootNode.Model != "Qwen/Qwen2.5-7B-Instruct" || rootNode.Country != "CN" || rootNode.Developer == "" || rootNode.License != "apache-2.0" {
		t.Errorf("lineage root = %+v, want the Qwen repository with its developer in CN and its licence from the knowledge base", rootNode)
	}
}
