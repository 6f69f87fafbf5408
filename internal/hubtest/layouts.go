package hubtest

import (
	"encoding/json"
	"fmt"
)

// Layouts of large sharded releases, for benchmarks: every shard has a
// real header and a declared size of about 4 GB, with no tensor data behind
// it.

// DenseLayout is a dense decoder in the shape of Llama 3.1 405B (126
// layers, hidden 16384, intermediate 53248, 8 key-value heads), in BF16.
func DenseLayout() []Tensor {
	const hidden, inter, kv, vocab = 16384, 53248, 1024, 128256
	ts := []Tensor{{Name: "model.embed_tokens.weight", DType: "BF16", Shape: []int64{vocab, hidden}}}
	for i := range 126 {
		p := fmt.Sprintf("model.layers.%d.", i)
		ts = append(ts,
			Tensor{Name: p + "input_layernorm.weight", DType: "BF16", Shape: []int64{hidden}},
			Tensor{Name: p + "self_attn.q_proj.weight", DType: "BF16", Shape: []int64{hidden, hidden}},
			Tensor{Name: p + "self_attn.k_proj.weight", DType: "BF16", Shape: []int64{kv, hidden}},
			Tensor{Name: p + "self_attn.v_proj.weight", DType: "BF16", Shape: []int64{kv, hidden}},
			Tensor{Name: p + "self_attn.o_proj.weight", DType: "BF16", Shape: []int64{hidden, hidden}},
			Tensor{Name: p + "post_attention_layernorm.weight", DType: "BF16", Shape: []int64{hidden}},
			Tensor{Name: p + "mlp.gate_proj.weight", DType: "BF16", Shape: []int64{inter, hidden}},
			Tensor{Name: p + "mlp.up_proj.weight", DType: "BF16", Shape: []int64{inter, hidden}},
			Tensor{Name: p + "mlp.down_proj.weight", DType: "BF16", Shape: []int64{hidden, inter}},
		)
	}
	return append(ts,
		Tensor{Name: "model.norm.weight", DType: "BF16", Shape: []int64{hidden}},
		Tensor{Name: "lm_head.weight", DType: "BF16", Shape: []int64{vocab, hidden}})
}

// MoELayout is a mixture of experts in the shape of DeepSeek-V3 (61 layers,
// the first 3 dense, 256 routed experts and one shared, FP8 weights each
// with an F32 block-scale tensor, and a multi-token-prediction layer): about
// 92,000 tensors, whose names make the headers and the index large.
func MoELayout() []Tensor {
	const hidden, inter, moeInter, vocab = 7168, 18432, 2048, 129280
	var ts []Tensor
	fp8 := func(name string, rows, cols int64) {
		ts = append(ts,
			Tensor{Name: name + ".weight", DType: "F8_E4M3", Shape: []int64{rows, cols}},
			Tensor{Name: name + ".weight_scale_inv", DType: "F32", Shape: []int64{(rows + 127) / 128, (cols + 127) / 128}})
	}
	norm := func(name string, n int64) {
		ts = append(ts, Tensor{Name: name + ".weight", DType: "BF16", Shape: []int64{n}})
	}
	ts = append(ts, Tensor{Name: "model.embed_tokens.weight", DType: "BF16", Shape: []int64{vocab, hidden}})
	for i := range 62 {
		p := fmt.Sprintf("model.layers.%d.", i)
		norm(p+"input_layernorm", hidden)
		norm(p+"post_attention_layernorm", hidden)
		fp8(p+"self_attn.q_a_proj", 1536, hidden)
		norm(p+"self_attn.q_a_layernorm", 1536)
		fp8(p+"self_attn.q_b_proj", 24576, 1536)
		fp8(p+"self_attn.kv_a_proj_with_mqa", 576, hidden)
		norm(p+"self_attn.kv_a_layernorm", 512)
		fp8(p+"self_attn.kv_b_proj", 32768, 512)
		fp8(p+"self_attn.o_proj", hidden, 16384)
		if i < 3 {
			fp8(p+"mlp.gate_proj", inter, hidden)
			fp8(p+"mlp.up_proj", inter, hidden)
			fp8(p+"mlp.down_proj", hidden, inter)
			continue
		}
		ts = append(ts,
			Tensor{Name: p + "mlp.gate.weight", DType: "BF16", Shape: []int64{256, hidden}},
			Tensor{Name: p + "mlp.gate.e_score_correction_bias", DType: "F32", Shape: []int64{256}})
		for e := range 256 {
			q := fmt.Sprintf("%smlp.experts.%d.", p, e)
			fp8(q+"gate_proj", moeInter, hidden)
			fp8(q+"up_proj", moeInter, hidden)
			fp8(q+"down_proj", hidden, moeInter)
		}
		fp8(p+"mlp.shared_experts.gate_proj", moeInter, hidden)
		fp8(p+"mlp.shared_experts.up_proj", moeInter, hidden)
		fp8(p+"mlp.shared_experts.down_proj", hidden, moeInter)
	}
	norm("model.norm", hidden)
	return append(ts, Tensor{Name: "lm_head.weight", DType: "BF16", Shape: []int64{vocab, hidden}})
}

// ShardedRepo packs tensors into exactly shards files of about equal data
// size and returns the repository with its index, card, config and
// tokenizer.
func ShardedRepo(id string, ts []Tensor, shards int) *Repo {
	var total int64
	for _, t := range ts {
		total += t.Bytes()
	}
	groups := make([][]Tensor, shards)
	var at int64
	for _, t := range ts {
		i := min(int(at*int64(shards)/total), shards-1)
		groups[i] = append(groups[i], t)
		at += t.Bytes()
	}
	repo := &Repo{ID: id, LibraryName: "transformers", PipelineTag: "text-generation"}
	weightMap := map[string]string{}
	for i, g := range groups {
		name := fmt.Sprintf("model-%05d-of-%06d.safetensors", i+1, shards)
		header, size := SafetensorsHeader(g, map[string]string{"format": "pt"})
		repo.Files = append(repo.Files, &File{Path: name, Data: header, Size: size, LFS: true})
		for _, t := range g {
			weightMap[t.Name] = name
		}
	}
	index, _ := json.MarshalIndent(map[string]any{"metadata": map[string]any{"total_size": total}, "weight_map": weightMap}, "", "  ")
	repo.Files = append(repo.Files,
		&File{Path: "model.safetensors.index.json", Data: index},
		&File{Path: "README.md", Data: []byte("---\nlicense: mit\nlibrary_name: transformers\n---\n# Large model\n")},
		&File{Path: "config.json", Data: []byte(`{"architectures":["ForCausalLM"],"model_type":"large","torch_dtype":"bfloat16"}`)},
		&File{Path: "tokenizer.json", Data: make([]byte, 9<<20)},
	)
	return repo
}
