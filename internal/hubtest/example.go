package hubtest

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

const exampleCard = `---
license: apache-2.0
base_model: acme/base-7b
base_model_relation: finetune
datasets:
- acme/chat-data
tags:
- text-generation
---
# Acme Chat 7B

A fine-tune of acme/base-7b.
`

// ExampleFiles are the files of a small release: a card, configs asking to
// run repository code, a licence, two safetensors shards with an index, a
// GGUF file, an ONNX file, a signature, and files the audit lists only.
func ExampleFiles() []*File {
	ts := []Tensor{
		{Name: "model.embed_tokens.weight", DType: "F16", Shape: []int64{32, 16}},
		{Name: "model.norm.weight", DType: "F16", Shape: []int64{16}},
	}
	shard1 := Safetensors(ts[:1], map[string]string{"format": "pt"})
	shard2 := Safetensors(ts[1:], map[string]string{"format": "pt"})
	index := `{"metadata":{"total_size":1056},"weight_map":{"model.embed_tokens.weight":"model-00001-of-00002.safetensors","model.norm.weight":"model-00002-of-00002.safetensors"}}`
	gguf := GGUF([]KV{
		{Key: "general.architecture", Value: "llama"},
		{Key: "general.name", Value: "Acme Chat 7B"},
		{Key: "general.license", Value: "apache-2.0"},
		{Key: "tokenizer.ggml.tokens", Value: []string{"<s>", "</s>", "a", "b"}},
	}, []Tensor{{Name: "token_embd.weight", DType: "F32", Shape: []int64{4, 8}}})
	return []*File{
		{Path: ".gitattributes", Data: []byte("*.safetensors filter=lfs diff=lfs merge=lfs -text\n")},
		{Path: "LICENSE", Data: []byte("Apache License\nVersion 2.0, January 2004\n")},
		{Path: "README.md", Data: []byte(exampleCard)},
		{Path: "config.json", Data: []byte(`{"architectures":["LlamaForCausalLM"],"model_type":"llama","auto_map":{"AutoModel":"modeling_acme.AcmeModel"}}`)},
		{Path: "generation_config.json", Data: []byte(`{"max_length":4096}`)},
		NewFile("model-00001-of-00002.safetensors", shard1),
		NewFile("model-00002-of-00002.safetensors", shard2),
		{Path: "model.safetensors.index.json", Data: []byte(index)},
		NewFile("gguf/acme-chat-7b.Q4_K_M.gguf", gguf),
		{Path: "modeling_acme.py", Data: []byte("import torch\n")},
		{Path: "tokenizer.json", Data: []byte(`{"version":"1.0"}`)},
		{Path: "model.sig", Data: []byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`)},
		NewFile("onnx/model.onnx", []byte("\x08\x07\x12\x07pytorch")),
	}
}

// ExampleRepo is acme/chat-7b with ExampleFiles.
func ExampleRepo() *Repo {
	return &Repo{ID: "acme/chat-7b", LibraryName: "transformers", PipelineTag: "text-generation", Tags: []string{"license:apache-2.0"}, Downloads: 42, Files: ExampleFiles()}
}

// ExampleBaseRepo is acme/base-7b, the base ExampleRepo's card names: a
// record to look up (its card, and nothing else), so that the walk of
// ancestors finds it.
func ExampleBaseRepo() *Repo {
	return &Repo{ID: "acme/base-7b", LibraryName: "transformers", Files: []*File{{Path: "README.md", Data: []byte("---\nlicense: apache-2.0\n---\n# Acme Base 7B\n")}}}
}

// WriteDir writes the files of repo (tensor data as zeros) to a new
// temporary directory and returns it.
func WriteDir(t testing.TB, repo *Repo) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range repo.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		data := f.Data
		if f.Size > int64(len(data)) {
			data = append(slices.Clone(data), make([]byte, f.Size-int64(len(data)))...)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
