package testmodel

import "fmt"

// Decoder describes the shape of a decoder-only transformer, to lay out
// its tensors as a checkpoint of that shape names them: Hugging Face's
// names with [out, in] shapes (SafetensorsTensors), or llama.cpp's GGUF
// names with ggml's [in, out] dimensions (GGUFTensors). Only the header
// matters: the tensors are meant to be written without data.
type Decoder struct {
	Layers                      int
	Hidden, Heads, KVHeads      uint64
	HeadDim                     uint64 // 0 means Hidden/Heads
	FFN                         uint64 // dense MLP width (Mixtral: each expert's)
	Vocab                       uint64
	Experts                     int    // routed experts per layer; 0 for a dense model
	MoEFFN                      uint64 // each routed expert's width
	DenseLayers                 int    // leading layers with a dense MLP (DeepSeek)
	Mixtral                     bool   // experts named block_sparse_moe.experts.E.w1/w2/w3
	QLoRARank, KVLoRARank, Rope uint64 // multi-head latent attention (DeepSeek V2, V3)
	QKNorm                      bool   // per-head query and key norms (Qwen3)
	Tied                        bool   // no lm_head: the embedding is reused
}

func (d Decoder) headDim() uint64 {
	if d.HeadDim > 0 {
		return d.HeadDim
	}
	return d.Hidden / d.Heads
}

// tensor is one tensor in [out, in] order, with its layer naming split so
// both families can be written.
type decoderTensor struct {
	hf, gguf string // names; "" when the family has no such tensor
	shape    []uint64
}

func (d Decoder) tensors() []decoderTensor {
	h, q, kv := d.Hidden, d.Heads*d.headDim(), d.KVHeads*d.headDim()
	out := []decoderTensor{{"model.embed_tokens.weight", "token_embd.weight", []uint64{d.Vocab, h}}}
	for l := range d.Layers {
		hf, gg := fmt.Sprintf("model.layers.%d.", l), fmt.Sprintf("blk.%d.", l)
		add := func(hfName, ggName string, shape ...uint64) {
			t := decoderTensor{shape: shape}
			if hfName != "" {
				t.hf = hf + hfName
			}
			if ggName != "" {
				t.gguf = gg + ggName
			}
			out = append(out, t)
		}
		add("input_layernorm.weight", "attn_norm.weight", h)
		if d.KVLoRARank > 0 {
			add("self_attn.q_a_proj.weight", "attn_q_a.weight", d.QLoRARank, h)
			add("self_attn.q_a_layernorm.weight", "attn_q_a_norm.weight", d.QLoRARank)
			add("self_attn.q_b_proj.weight", "attn_q_b.weight", d.Heads*(d.headDim()+d.Rope), d.QLoRARank)
			add("self_attn.kv_a_proj_with_mqa.weight", "attn_kv_a_mqa.weight", d.KVLoRARank+d.Rope, h)
			add("self_attn.kv_a_layernorm.weight", "attn_kv_a_norm.weight", d.KVLoRARank)
			add("self_attn.kv_b_proj.weight", "attn_kv_b.weight", d.Heads*2*d.headDim(), d.KVLoRARank)
			add("self_attn.o_proj.weight", "attn_output.weight", h, d.Heads*d.headDim())
		} else {
			add("self_attn.q_proj.weight", "attn_q.weight", q, h)
			add("self_attn.k_proj.weight", "attn_k.weight", kv, h)
			add("self_attn.v_proj.weight", "attn_v.weight", kv, h)
			add("self_attn.o_proj.weight", "attn_output.weight", h, q)
		}
		if d.QKNorm {
			add("self_attn.q_norm.weight", "attn_q_norm.weight", d.headDim())
			add("self_attn.k_norm.weight", "attn_k_norm.weight", d.headDim())
		}
		add("post_attention_layernorm.weight", "ffn_norm.weight", h)
		switch {
		case d.Experts == 0 || l < d.DenseLayers:
			add("mlp.gate_proj.weight", "ffn_gate.weight", d.FFN, h)
			add("mlp.up_proj.weight", "ffn_up.weight", d.FFN, h)
			add("mlp.down_proj.weight", "ffn_down.weight", h, d.FFN)
		case d.Mixtral:
			add("block_sparse_moe.gate.weight", "ffn_gate_inp.weight", uint64(d.Experts), h)
			for e := range d.Experts {
				p := fmt.Sprintf("block_sparse_moe.experts.%d.", e)
				add(p+"w1.weight", "", d.FFN, h)
				add(p+"w2.weight", "", h, d.FFN)
				add(p+"w3.weight", "", d.FFN, h)
			}
			e := uint64(d.Experts)
			add("", "ffn_gate_exps.weight", e, d.FFN, h)
			add("", "ffn_up_exps.weight", e, d.FFN, h)
			add("", "ffn_down_exps.weight", e, h, d.FFN)
		default:
			add("mlp.gate.weight", "ffn_gate_inp.weight", uint64(d.Experts), h)
			for e := range d.Experts {
				p := fmt.Sprintf("mlp.experts.%d.", e)
				add(p+"gate_proj.weight", "", d.MoEFFN, h)
				add(p+"up_proj.weight", "", d.MoEFFN, h)
				add(p+"down_proj.weight", "", h, d.MoEFFN)
			}
			e := uint64(d.Experts)
			add("", "ffn_gate_exps.weight", e, d.MoEFFN, h)
			add("", "ffn_up_exps.weight", e, d.MoEFFN, h)
			add("", "ffn_down_exps.weight", e, h, d.MoEFFN)
		}
	}
	out = append(out, decoderTensor{"model.norm.weight", "output_norm.weight", []uint64{h}})
	if !d.Tied {
		out = append(out, decoderTensor{"lm_head.weight", "output.weight", []uint64{d.Vocab, h}})
	}
	return out
}

// SafetensorsTensors returns the tensors under Hugging Face's names, in
// dtype.
func (d Decoder) SafetensorsTensors(dtype string) []SafetensorsTensor {
	var out []SafetensorsTensor
	for _, t := range d.tensors() {
		if t.hf != "" {
			out = append(out, SafetensorsTensor{Name: t.hf, Dtype: dtype, Shape: t.shape})
		}
	}
	return out
}

// GGUFTensors returns the tensors under llama.cpp's names, dimensions in
// ggml's order (reversed), of ggml type typ.
func (d Decoder) GGUFTensors(typ uint32) []GGUFTensor {
	var out []GGUFTensor
	for _, t := range d.tensors() {
		if t.gguf == "" {
			continue
		}
		dims := make([]uint64, len(t.shape))
		for i, n := range t.shape {
			dims[len(dims)-1-i] = n
		}
		out = append(out, GGUFTensor{Name: t.gguf, Dims: dims, Type: typ})
	}
	return out
}
