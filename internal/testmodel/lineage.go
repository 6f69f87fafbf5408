package testmodel

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Releases shaped like published ones, for lineage, origin and sweep
// tests. Their metadata is what the published files carry (general.* keys
// of the GGUF files, the layers and config of the Ollama library's
// manifests); tensors are reduced to one small embedding, and licence
// layers hold the licence's title line and a placeholder, never a licence
// text (licence texts are test inputs, read where they are published).

// ggufEmbedding is the one tensor the fixtures' GGUF files hold: a tiny
// Q4_K token embedding, so that the data section is laid out as in a real
// file.
var ggufEmbedding = []GGUFTensor{{Name: "token_embd.weight", Dims: []uint64{256, 2}, Type: GGMLQ4_K}}

// DeepSeekR1DistillQwen7BGGUF returns the model file of the Ollama
// library's deepseek-r1:7b: DeepSeek-R1-Distill-Qwen-7B converted with
// llama.cpp and quantised to Q4_K_M. The card it was converted from
// declares no base model, so the file names none (no
// general.base_model.* keys).
func DeepSeekR1DistillQwen7BGGUF() GGUF {
	return GGUF{KV: []KV{
		{"general.architecture", String("qwen2")},
		{"general.type", String("model")},
		{"general.name", String("DeepSeek R1 Distill Qwen 7B")},
		{"general.basename", String("DeepSeek-R1-Distill-Qwen")},
		{"general.size_label", String("7B")},
		{"qwen2.block_count", Uint32(28)},
		{"qwen2.context_length", Uint32(131072)},
		{"qwen2.embedding_length", Uint32(3584)},
		{"qwen2.feed_forward_length", Uint32(18944)},
		{"qwen2.attention.head_count", Uint32(28)},
		{"qwen2.attention.head_count_kv", Uint32(4)},
		{"qwen2.rope.freq_base", Float32(10000)},
		{"qwen2.attention.layer_norm_rms_epsilon", Float32(1e-6)},
		{"general.file_type", Uint32(15)},
		{"tokenizer.ggml.model", String("gpt2")},
		{"tokenizer.ggml.pre", String("deepseek-r1-qwen")},
		{"general.quantization_version", Uint32(2)},
	}, Tensors: ggufEmbedding}
}

// Qwen25InstructGGUF returns Qwen2.5-7B-Instruct-Q4_K_M.gguf as a
// quantiser publishing on the Hugging Face Hub (bartowski) writes it: the
// source model's name, licence and base model (general.base_model.0.*,
// from the source card), and the importance-matrix keys of the quantiser.
func Qwen25InstructGGUF() GGUF {
	return GGUF{KV: []KV{
		{"general.architecture", String("qwen2")},
		{"general.type", String("model")},
		{"general.name", String("Qwen2.5 7B Instruct")},
		{"general.finetune", String("Instruct")},
		{"general.basename", String("Qwen2.5")},
		{"general.size_label", String("7B")},
		{"general.license", String("apache-2.0")},
		{"general.license.link", String("https://huggingface.co/Qwen/Qwen2.5-7B-Instruct/blob/main/LICENSE")},
		{"general.base_model.count", Uint32(1)},
		{"general.base_model.0.name", String("Qwen2.5 7B")},
		{"general.base_model.0.organization", String("Qwen")},
		{"general.base_model.0.repo_url", String("https://huggingface.co/Qwen/Qwen2.5-7B")},
		{"general.tags", Strings("chat", "text-generation")},
		{"general.languages", Strings("en")},
		{"qwen2.block_count", Uint32(28)},
		{"qwen2.context_length", Uint32(32768)},
		{"qwen2.embedding_length", Uint32(3584)},
		{"qwen2.attention.head_count", Uint32(28)},
		{"qwen2.attention.head_count_kv", Uint32(4)},
		{"general.file_type", Uint32(15)},
		{"tokenizer.ggml.model", String("gpt2")},
		{"tokenizer.ggml.pre", String("qwen2")},
		{"general.quantization_version", Uint32(2)},
		{"quantize.imatrix.file", String("/models_out/Qwen2.5-7B-Instruct-GGUF/Qwen2.5-7B-Instruct.imatrix")},
		{"quantize.imatrix.dataset", String("/training_dir/calibration_datav3.txt")},
		{"quantize.imatrix.entries_count", Int32(196)},
		{"quantize.imatrix.chunks_count", Int32(128)},
	}, Tensors: ggufEmbedding}
}

// Llama32InstructGGUF returns a Llama 3.2 Instruct model file of the given
// size ("1B" or "3B") quantised to Q4_K_M, with the keys llama.cpp writes
// from Meta's card: name, fine-tune, licence, tags and languages.
func Llama32InstructGGUF(size string) GGUF {
	// The shapes of meta-llama/Llama-3.2-1B-Instruct and -3B-Instruct.
	layers, width, heads := uint32(28), uint32(3072), uint32(24)
	if size == "1B" {
		layers, width, heads = 16, 2048, 32
	}
	return GGUF{KV: []KV{
		{"general.architecture", String("llama")},
		{"general.type", String("model")},
		{"general.name", String("Llama 3.2 " + size + " Instruct")},
		{"general.finetune", String("Instruct")},
		{"general.basename", String("Llama-3.2")},
		{"general.size_label", String(size)},
		{"general.license", String("llama3.2")},
		{"general.tags", Strings("facebook", "meta", "pytorch", "llama", "llama-3", "text-generation")},
		{"general.languages", Strings("en", "de", "fr", "it", "pt", "hi", "es", "th")},
		{"llama.block_count", Uint32(layers)},
		{"llama.context_length", Uint32(131072)},
		{"llama.embedding_length", Uint32(width)},
		{"llama.attention.head_count", Uint32(heads)},
		{"llama.attention.head_count_kv", Uint32(8)},
		{"general.file_type", Uint32(15)},
		{"tokenizer.ggml.model", String("gpt2")},
		{"tokenizer.ggml.pre", String("llama-bpe")},
		{"general.quantization_version", Uint32(2)},
	}, Tensors: ggufEmbedding}
}

// licenseLayer is the body of a licence layer in fixtures: the title line
// of the licence, then a placeholder where the published layer has the
// text.
func licenseLayer(title string) []byte {
	return []byte(title + "\n\n[The full text of the licence stands here in the published layer.]\n")
}

// OllamaDeepSeekR1 returns the Ollama library's deepseek-r1:7b as the store
// holds it: the model, a chat template, the MIT licence layer and the stop
// parameters, with the config Ollama writes.
func OllamaDeepSeekR1() OllamaModelSpec {
	return OllamaModelSpec{
		Name: "deepseek-r1:7b",
		Layers: []OllamaLayerSpec{
			{MediaType: "model", Data: DeepSeekR1DistillQwen7BGGUF().Bytes()},
			{MediaType: "template", Data: []byte("{{- if .System }}{{ .System }}{{ end }}\n{{- range .Messages }}\n{{- if eq .Role \"user\" }}<｜User｜>{{ .Content }}\n{{- else if eq .Role \"assistant\" }}<｜Assistant｜>{{ .Content }}<｜end▁of▁sentence｜>\n{{- end }}\n{{- end }}<｜Assistant｜>")},
			{MediaType: "license", Data: licenseLayer("MIT License\n\nCopyright (c) 2023 DeepSeek")},
			{MediaType: "params", Data: []byte(`{"stop":["<｜begin▁of▁sentence｜>","<｜end▁of▁sentence｜>","<｜User｜>","<｜Assistant｜>"]}`)},
		},
		Config: []byte(`{"model_format":"gguf","model_family":"qwen2","model_families":["qwen2"],"model_type":"7.6B","file_type":"Q4_K_M","architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`),
	}
}

// OllamaLlama32 returns the Ollama library's llama3.2 (tag latest, the 3B
// Instruct model) as the store holds it: the model, a template, the
// licence and acceptable-use-policy layers, and parameters.
func OllamaLlama32() OllamaModelSpec {
	return OllamaModelSpec{
		Name: "llama3.2",
		Layers: []OllamaLayerSpec{
			{MediaType: "model", Data: Llama32InstructGGUF("3B").Bytes()},
			{MediaType: "template", Data: []byte("<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>\n{{- range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n{{ .Content }}<|eot_id|>\n{{- end }}<|start_header_id|>assistant<|end_header_id|>\n\n")},
			{MediaType: "license", Data: licenseLayer("LLAMA 3.2 COMMUNITY LICENSE AGREEMENT\nLlama 3.2 Version Release Date: September 25, 2024")},
			{MediaType: "license", Data: licenseLayer("Llama 3.2 Acceptable Use Policy")},
			{MediaType: "params", Data: []byte(`{"stop":["<|start_header_id|>","<|end_header_id|>","<|eot_id|>"]}`)},
		},
		Config: []byte(`{"model_format":"gguf","model_family":"llama","model_families":["llama"],"model_type":"3.2B","file_type":"Q4_K_M","architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`),
	}
}

// ollamaLibrary holds the Ollama library models fixtures may name.
var ollamaLibrary = map[string]func() OllamaModelSpec{
	"deepseek-r1:7b":  OllamaDeepSeekR1,
	"llama3.2:latest": OllamaLlama32,
}

// lineageWeights lists the weight files generated for fixtures of
// repositories that publish weights only as GGUF.
var lineageWeights = map[string]map[string]func() GGUF{
	"bartowski/Qwen2.5-7B-Instruct-GGUF": {"Qwen2.5-7B-Instruct-Q4_K_M.gguf": Qwen25InstructGGUF},
}

// WriteLineageFixture writes the release a lineage fixture folder src
// (testdata/lineage/NAME) stands for under dst, in the shape its store
// gives it, and returns the target to hand to manifest.Parse:
//
//   - NAME "ollama__MODEL_TAG": the Ollama library model MODEL:TAG in a
//     store at dst; the target is its manifest file.
//   - NAME "ORG__REPO": a Hugging Face cache folder models--ORG--REPO under
//     dst, at refs/main, holding the folder's files (expected.golden left
//     out) and the weight files generated for that repository (a small
//     model.safetensors beside a config.json); the target is the cache
//     folder.
func WriteLineageFixture(src, dst string) (string, error) {
	name := filepath.Base(src)
	if rest, ok := strings.CutPrefix(name, "ollama__"); ok {
		i := strings.LastIndexByte(rest, '_')
		if i < 0 {
			return "", fmt.Errorf("%s: want ollama__MODEL_TAG", name)
		}
		spec, ok := ollamaLibrary[rest[:i]+":"+rest[i+1:]]
		if !ok {
			return "", fmt.Errorf("%s: no Ollama library model %s:%s", name, rest[:i], rest[i+1:])
		}
		return WriteOllamaModel(dst, spec())
	}
	org, repo, ok := strings.Cut(name, "__")
	if !ok {
		return "", fmt.Errorf("%s: want ORG__REPO or ollama__MODEL_TAG", name)
	}
	id := org + "/" + repo
	files := map[string][]byte{}
	entries, err := os.ReadDir(src)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if e.IsDir() || e.Name() == "expected.golden" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return "", err
		}
		files[e.Name()] = data
	}
	for p, gguf := range lineageWeights[id] {
		files[p] = gguf().Bytes()
	}
	if _, ok := files["config.json"]; ok && len(lineageWeights[id]) == 0 {
		// A Transformers checkpoint: one small safetensors file stands for
		// the weights.
		files["model.safetensors"] = Safetensors{
			Metadata: map[string]string{"format": "pt"},
			Tensors:  []SafetensorsTensor{{Name: "model.embed_tokens.weight", Dtype: "BF16", Shape: []uint64{8, 4}}},
		}.Bytes()
	}
	lay, err := WriteHFRepo(dst, HFRepo{ID: id, Revisions: []HFRevision{{Refs: []string{"main"}, Files: files}}})
	if err != nil {
		return "", err
	}
	return lay.Dir, nil
}

// MachineTree is a home directory holding models where the usual tools
// put them, written by WriteMachineTree.
type MachineTree struct {
	Root string
	// HFCache is the Hugging Face cache (home/.cache/huggingface/hub) with
	// deepseek-ai/DeepSeek-R1-Distill-Qwen-7B and
	// meta-llama/Llama-3.2-1B-Instruct; HFCommits maps each repository to
	// its snapshot's commit.
	HFCache   string
	HFCommits map[string]string
	// Ollama is the Ollama store (home/.ollama/models) with deepseek-r1:7b
	// and llama3.2:latest.
	Ollama string
	// Loose lists GGUF files downloaded on their own (home/Downloads): a
	// Qwen2.5 quantisation and a Llama 3.2 one.
	Loose []string
}

// WriteMachineTree writes a MachineTree under dir, taking the model cards
// of the Hugging Face repositories from the lineage fixtures in lineage
// (testdata/lineage).
func WriteMachineTree(dir, lineage string) (*MachineTree, error) {
	m := &MachineTree{
		Root:      dir,
		HFCache:   filepath.Join(dir, "home", ".cache", "huggingface", "hub"),
		HFCommits: map[string]string{},
		Ollama:    filepath.Join(dir, "home", ".ollama", "models"),
	}
	for _, name := range []string{"deepseek-ai__DeepSeek-R1-Distill-Qwen-7B", "meta-llama__Llama-3.2-1B-Instruct"} {
		repo, err := WriteLineageFixture(filepath.Join(lineage, name), m.HFCache)
		if err != nil {
			return nil, err
		}
		commit, err := os.ReadFile(filepath.Join(repo, "refs", "main"))
		if err != nil {
			return nil, err
		}
		m.HFCommits[strings.Replace(name, "__", "/", 1)] = string(commit)
	}
	for _, spec := range []OllamaModelSpec{OllamaDeepSeekR1(), OllamaLlama32()} {
		if _, err := WriteOllamaModel(m.Ollama, spec); err != nil {
			return nil, err
		}
	}
	loose, err := WriteDownloads(filepath.Join(dir, "home", "Downloads"))
	if err != nil {
		return nil, err
	}
	m.Loose = loose
	return m, nil
}

// WriteDownloads writes, in dir, two unrelated GGUF files as a Downloads
// folder holds them — a Qwen2.5 quantisation and a Llama 3.2 one — and
// returns their paths, sorted.
func WriteDownloads(dir string) ([]string, error) {
	var out []string
	for name, g := range map[string]GGUF{
		"Qwen2.5-7B-Instruct-Q4_K_M.gguf":   Qwen25InstructGGUF(),
		"Llama-3.2-1B-Instruct-Q4_K_M.gguf": Llama32InstructGGUF("1B"),
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if err := g.WriteFile(p, false); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	slices.Sort(out)
	return out, nil
}
