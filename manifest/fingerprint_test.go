package manifest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/fingerprint"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/manifest"
)

// Small files that state facts: a config and a tokenizer config.
var factFiles = map[string][]byte{
	"config.json":            []byte(`{"model_type":"qwen2","num_hidden_layers":28,"hidden_size":3584,"num_attention_heads":28,"num_key_value_heads":4,"intermediate_size":18944,"vocab_size":152064}`),
	"tokenizer_config.json":  []byte(`{"bos_token":null,"eos_token":"<|im_end|>","added_tokens_decoder":{"151644":{"content":"<|im_start|>","special":true}},"chat_template":"<|im_start|>{{m}}<|im_end|>"}`),
	"generation_config.json": []byte(`{"eos_token_id":[151645,151643]}`),
	"chat_template.jinja":    []byte("{{'<|im_start|>'}}"),
}

// gguf is a GGUF file stripped of its general.* keys: architecture keys, a
// token list and the token ids.
func strippedGGUF() []byte {
	return testmodel.GGUF{KV: []testmodel.KV{
		{Key: "qwen2.block_count", Value: testmodel.Uint32(28)},
		{Key: "qwen2.embedding_length", Value: testmodel.Uint32(3584)},
		{Key: "tokenizer.ggml.tokens", Value: testmodel.Strings("a", "b", "<|endoftext|>", "<|im_start|>", "<|im_end|>")},
		{Key: "tokenizer.ggml.eos_token_id", Value: testmodel.Uint32(4)},
		{Key: "tokenizer.ggml.pre", Value: testmodel.String("qwen2")},
	}, Tensors: []testmodel.GGUFTensor{{Name: "token_embd.weight", Dims: []uint64{4, 5}, Type: testmodel.GGMLF32}}}.Bytes()
}

func intFact(t *testing.T, what string, f *fingerprint.Fact[int64], value int64, path, field string) {
	t.Helper()
	if f == nil || f.Value != value || f.Path != path || f.Field != field {
		t.Errorf("%s = %+v, want %d from %s %s", what, f, value, path, field)
	}
}

func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for p, data := range files {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func open(t *testing.T, src manifest.Source) *manifest.Release {
	t.Helper()
	rel, err := src.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rel.Fingerprint == nil {
		t.Fatalf("%s: no facts read", src)
	}
	return rel
}

// The facts are read from every kind of source, with the file each came
// from.
func TestFingerprintFromSources(t *testing.T) {
	checkFiles := func(t *testing.T, rel *manifest.Release) {
		a, tk := rel.Fingerprint.Architecture, rel.Fingerprint.Tokenizer
		intFact(t, "layers", a.Layers, 28, "config.json", "num_hidden_layers")
		if tk.EOS == nil || tk.EOS.Value != "<|im_end|>" || tk.ChatTemplate == nil || tk.ChatTemplate.Path != "chat_template.jinja" || len(tk.EOSIDs.Value) != 2 {
			t.Errorf("tokenizer facts %+v", tk)
		}
	}
	checkGGUF := func(t *testing.T, rel *manifest.Release, path string) {
		a, tk := rel.Fingerprint.Architecture, rel.Fingerprint.Tokenizer
		intFact(t, "layers", a.Layers, 28, path, "qwen2.block_count")
		if tk.EOS == nil || tk.EOS.Value != "<|im_end|>" || tk.EOS.Field != "tokenizer.ggml.tokens[4]" || tk.Vocabulary == nil || tk.Vocabulary.Value.Tokens != 5 || tk.GGMLPre.Value != "qwen2" {
			t.Errorf("GGUF tokenizer facts %+v", tk)
		}
	}
	t.Run("directory", func(t *testing.T) {
		dir := t.TempDir()
		writeFiles(t, dir, factFiles)
		writeFiles(t, dir, map[string][]byte{"text_encoder/config.json": []byte(`{"num_hidden_layers":3}`)}) // a component's: not the model's
		checkFiles(t, open(t, manifest.Dir(dir)))
	})
	t.Run("hf-cache", func(t *testing.T) {
		cache := t.TempDir()
		lay, err := testmodel.WriteHFRepo(cache, testmodel.HFRepo{ID: "acme/chat", Revisions: []testmodel.HFRevision{{Refs: []string{"main"}, Files: factFiles}}})
		if err != nil {
			t.Fatal(err)
		}
		checkFiles(t, open(t, manifest.HFCache(lay.Dir, "")))
	})
	t.Run("file", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "renamed.gguf")
		if err := os.WriteFile(p, strippedGGUF(), 0o644); err != nil {
			t.Fatal(err)
		}
		checkGGUF(t, open(t, manifest.FileSource(p)), "renamed.gguf")
	})
	t.Run("ollama", func(t *testing.T) {
		root := t.TempDir()
		if _, err := testmodel.WriteOllamaModel(root, testmodel.OllamaModelSpec{Name: "acme/chat:7b", Layers: []testmodel.OllamaLayerSpec{{MediaType: "model", Data: strippedGGUF()}}}); err != nil {
			t.Fatal(err)
		}
		checkGGUF(t, open(t, manifest.Ollama(root, "acme/chat:7b")), "model.gguf")
	})
	t.Run("oci", func(t *testing.T) {
		dir := t.TempDir()
		files := map[string][]byte{"model.safetensors": testmodel.TinySafetensors()}
		for p, d := range factFiles {
			files[p] = d
		}
		if err := testmodel.WriteOCILayout(dir, testmodel.ModelPackModel("chat", "acme/chat", files)); err != nil {
			t.Fatal(err)
		}
		checkFiles(t, open(t, manifest.OCI(dir, "")))
	})
	t.Run("docker-model", func(t *testing.T) {
		dir := t.TempDir()
		if err := testmodel.WriteOCILayout(dir, testmodel.DockerModel("chat", strippedGGUF(), "")); err != nil {
			t.Fatal(err)
		}
		rel := open(t, manifest.OCI(dir, ""))
		var g string
		for _, f := range rel.Files {
			if f.GGUF != nil {
				g = f.Path
			}
		}
		checkGGUF(t, rel, g)
	})
}

// With no config, a sharded release's shapes are read from its shards; a
// shard the index names that is absent leaves the counts out, and says so.
func TestFingerprintFromShards(t *testing.T) {
	d := testmodel.Decoder{Layers: 4, Hidden: 64, Heads: 4, KVHeads: 2, FFN: 128, Vocab: 100}
	ts := d.SafetensorsTensors("F16")
	sh := testmodel.ShardedSafetensors{Shards: []testmodel.Safetensors{{Tensors: ts[:len(ts)/2]}, {Tensors: ts[len(ts)/2:]}}, Sparse: true}
	dir := t.TempDir()
	if _, err := testmodel.WriteShardedSafetensors(dir, sh); err != nil {
		t.Fatal(err)
	}
	a := open(t, manifest.Dir(dir)).Fingerprint.Architecture
	intFact(t, "layers", a.Layers, 4, sh.ShardName(1), "model.layers.3.input_layernorm.weight")
	intFact(t, "q_size", a.QSize, 64, sh.ShardName(0), "model.layers.0.self_attn.q_proj.weight")
	if err := os.Remove(filepath.Join(dir, sh.ShardName(1))); err != nil {
		t.Fatal(err)
	}
	fp := open(t, manifest.Dir(dir)).Fingerprint
	if fp.Architecture.Layers != nil || len(fp.Omitted) != 1 || !strings.Contains(fp.Omitted[0].Reason, "1 of 2 weight files") {
		t.Errorf("a shard absent: layers %+v, omitted %+v", fp.Architecture.Layers, fp.Omitted)
	}
}

// A tokenizer file that cannot be parsed is a problem of the release; one
// over its cap is too.
func TestFingerprintFileProblems(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{"config.json": factFiles["config.json"], "tokenizer_config.json": []byte(`{"eos_token":`)})
	rel := open(t, manifest.Dir(dir))
	if len(rel.Problems) != 1 || rel.Problems[0].Path != "tokenizer_config.json" {
		t.Errorf("problems %+v", rel.Problems)
	}
	writeFiles(t, dir, map[string][]byte{"tokenizer_config.json": make([]byte, limits.MaxJSONBytes+1)})
	rel = open(t, manifest.Dir(dir))
	if len(rel.Problems) != 1 || !strings.Contains(rel.Problems[0].Message, "over the") {
		t.Errorf("problems %+v", rel.Problems)
	}
}
