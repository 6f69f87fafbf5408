package testmodel

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
)

// DemoFiles returns the weight files of the demo releases in
// testdata/models, by path relative to that directory. They are generated,
// not hand-made, so that they stay tiny and reproducible; a test in the root
// package checks the committed copies against them (go test -update
// rewrites them).
func DemoFiles() map[string][]byte {
	llama := func(prefix string, layers int) []demoTensor {
		ts := []demoTensor{
			{prefix + "embed_tokens.weight", "F16", []int64{32, 16}},
			{prefix + "norm.weight", "F16", []int64{16}},
		}
		for i := range layers {
			p := fmt.Sprintf("%slayers.%d.", prefix, i)
			ts = append(ts,
				demoTensor{p + "self_attn.q_proj.weight", "F16", []int64{16, 16}},
				demoTensor{p + "self_attn.k_proj.weight", "F16", []int64{16, 16}},
				demoTensor{p + "self_attn.v_proj.weight", "F16", []int64{16, 16}},
				demoTensor{p + "self_attn.o_proj.weight", "F16", []int64{16, 16}},
				demoTensor{p + "mlp.gate_proj.weight", "F16", []int64{32, 16}},
				demoTensor{p + "mlp.up_proj.weight", "F16", []int64{32, 16}},
				demoTensor{p + "mlp.down_proj.weight", "F16", []int64{16, 32}},
			)
		}
		return ts
	}
	files := map[string][]byte{}
	files["tinyllama-apache/model.safetensors"] = demoSafetensors(llama("model.", 1), map[string]string{"format": "pt"})

	// The fine-tune ships as two shards with an index, as large releases do.
	all := append(llama("model.", 2), demoTensor{"lm_head.weight", "BF16", []int64{32, 16}})
	for i := range all {
		all[i].dtype = "BF16"
	}
	half := len(all) / 2
	shards := [][]demoTensor{all[:half], all[half:]}
	weightMap := map[string]string{}
	var total int64
	for i, ts := range shards {
		name := fmt.Sprintf("model-%05d-of-%05d.safetensors", i+1, len(shards))
		files["support-bot-llama3/"+name] = demoSafetensors(ts, map[string]string{"format": "pt"})
		for _, t := range ts {
			weightMap[t.name] = name
			total += t.bytes()
		}
	}
	index, _ := json.MarshalIndent(map[string]any{
		"metadata":   map[string]any{"total_size": total},
		"weight_map": weightMap,
	}, "", "  ")
	files["support-bot-llama3/model.safetensors.index.json"] = append(index, '\n')

	// An older-style release: PyTorch pickle weights beside remote code.
	files["unlabelled-chat/pytorch_model.bin"] = TorchZip("pytorch_model", 2, []Tensor{
		{Name: "embed.weight", DType: "F32", Shape: []int64{32, 16}},
		{Name: "lm_head.weight", DType: "F32", Shape: []int64{32, 16}},
	})
	// A GGUF quantisation, as community quantisers publish them.
	files["r1-distill-qwen-7b-gguf/DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf"] = GGUF{
		KV: []KV{
			{"general.architecture", String("qwen2")},
			{"general.type", String("model")},
			{"general.name", String("DeepSeek R1 Distill Qwen 7B")},
			{"general.organization", String("Deepseek Ai")},
			{"general.basename", String("DeepSeek-R1-Distill-Qwen")},
			{"general.size_label", String("7B")},
			{"general.license", String("mit")},
			{"general.base_model.count", Uint32(1)},
			{"general.base_model.0.name", String("DeepSeek R1 Distill Qwen 7B")},
			{"general.base_model.0.organization", String("Deepseek Ai")},
			{"general.base_model.0.repo_url", String("https://huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B")},
			{"general.file_type", Uint32(15)},
			{"general.quantization_version", Uint32(2)},
			{"qwen2.block_count", Uint32(28)},
			{"qwen2.context_length", Uint32(131072)},
			{"qwen2.embedding_length", Uint32(3584)},
			{"qwen2.feed_forward_length", Uint32(18944)},
			{"qwen2.attention.head_count", Uint32(28)},
			{"qwen2.attention.head_count_kv", Uint32(4)},
			{"qwen2.rope.freq_base", Float32(10000)},
			{"tokenizer.ggml.model", String("gpt2")},
			{"tokenizer.ggml.pre", String("deepseek-r1-qwen")},
			{"tokenizer.ggml.tokens", Strings("<|begin▁of▁sentence|>", "<|end▁of▁sentence|>", "a", "b")},
		},
		Tensors: []GGUFTensor{
			{Name: "token_embd.weight", Dims: []uint64{256, 4}, Type: 12},
			{Name: "output_norm.weight", Dims: []uint64{256}, Type: 0},
		},
	}.Bytes()
	return files
}

type demoTensor struct {
	name  string
	dtype string
	shape []int64
}

func (t demoTensor) bytes() int64 {
	n := int64(2) // F16 and BF16
	for _, d := range t.shape {
		n *= d
	}
	return n
}

// demoSafetensors encodes tensors of zeros as a safetensors file, with the
// header padded to 8 bytes as the reference writer does.
func demoSafetensors(ts []demoTensor, meta map[string]string) []byte {
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].name < ts[j].name })
	header := map[string]any{"__metadata__": meta}
	var off int64
	for _, t := range ts {
		header[t.name] = map[string]any{"dtype": t.dtype, "shape": t.shape, "data_offsets": []int64{off, off + t.bytes()}}
		off += t.bytes()
	}
	h, _ := json.Marshal(header)
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(h)))
	b.Write(h)
	b.Write(make([]byte, off))
	return b.Bytes()
}
