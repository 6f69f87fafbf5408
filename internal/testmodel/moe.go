package testmodel

import "fmt"

// MoE describes a large mixture-of-experts checkpoint with FP8 weights and
// per-block scales, laid out like the public DeepSeek-V3 release (61
// layers, 256 routed experts, 163 shards, about 700 GB). Written sparse,
// it exercises readers on realistic header sizes and tensor names without
// needing the disk space.
type MoE struct {
	Layers          int // transformer layers
	DenseLayers     int // leading layers with a dense MLP instead of experts
	Experts         int // routed experts per MoE layer (plus one shared expert)
	Hidden          uint64
	Intermediate    uint64 // dense MLP width
	MoEIntermediate uint64 // expert MLP width
	Vocab           uint64
	Shards          int
	// Scale multiplies the first dimension of every tensor, declaring
	// larger tensors with headers of nearly the same size; 0 means 1.
	Scale uint64
}

// DeepSeekV3Like returns the layout of a 671B-parameter MoE model in 163
// shards.
func DeepSeekV3Like() MoE {
	return MoE{Layers: 61, DenseLayers: 3, Experts: 256, Hidden: 7168, Intermediate: 18432,
		MoEIntermediate: 2048, Vocab: 129280, Shards: 163}
}

// Tensors returns every tensor of the model, in checkpoint order.
func (m MoE) Tensors() []SafetensorsTensor {
	scale := max(m.Scale, 1)
	var out []SafetensorsTensor
	add := func(name, dtype string, shape ...uint64) {
		shape[0] *= scale
		out = append(out, SafetensorsTensor{Name: name, Dtype: dtype, Shape: shape})
	}
	// fp8 adds an FP8 weight and its F32 inverse scales, one per 128×128
	// block.
	fp8 := func(name string, rows, cols uint64) {
		add(name+".weight", "F8_E4M3", rows, cols)
		add(name+".weight_scale_inv", "F32", (rows+127)/128, (cols+127)/128)
	}
	h := m.Hidden
	add("model.embed_tokens.weight", "BF16", m.Vocab, h)
	for l := range m.Layers {
		p := fmt.Sprintf("model.layers.%d.", l)
		add(p+"input_layernorm.weight", "BF16", h)
		add(p+"post_attention_layernorm.weight", "BF16", h)
		fp8(p+"self_attn.q_a_proj", 1536, h)
		add(p+"self_attn.q_a_layernorm.weight", "BF16", 1536)
		fp8(p+"self_attn.q_b_proj", 128*192, 1536)
		fp8(p+"self_attn.kv_a_proj_with_mqa", 576, h)
		add(p+"self_attn.kv_a_layernorm.weight", "BF16", 512)
		fp8(p+"self_attn.kv_b_proj", 128*256, 512)
		fp8(p+"self_attn.o_proj", h, 128*128)
		if l < m.DenseLayers {
			fp8(p+"mlp.gate_proj", m.Intermediate, h)
			fp8(p+"mlp.up_proj", m.Intermediate, h)
			fp8(p+"mlp.down_proj", h, m.Intermediate)
			continue
		}
		add(p+"mlp.gate.weight", "BF16", uint64(m.Experts), h)
		add(p+"mlp.gate.e_score_correction_bias", "F32", uint64(m.Experts))
		expert := func(q string) {
			fp8(q+"gate_proj", m.MoEIntermediate, h)
			fp8(q+"up_proj", m.MoEIntermediate, h)
			fp8(q+"down_proj", h, m.MoEIntermediate)
		}
		for e := range m.Experts {
			expert(fmt.Sprintf("%smlp.experts.%d.", p, e))
		}
		expert(p + "mlp.shared_experts.")
	}
	add("model.norm.weight", "BF16", h)
	add("lm_head.weight", "BF16", m.Vocab, h)
	return out
}

// Sharded splits the tensors into m.Shards shards of about equal byte size,
// in checkpoint order, to be written sparse.
func (m MoE) Sharded() ShardedSafetensors {
	tensors := m.Tensors()
	var total uint64
	for _, t := range tensors {
		total += t.Size()
	}
	shards := make([]Safetensors, m.Shards)
	per := total/uint64(m.Shards) + 1
	var filled uint64
	i := 0
	for _, t := range tensors {
		if filled >= per*uint64(i+1) && i < m.Shards-1 {
			i++
		}
		shards[i].Tensors = append(shards[i].Tensors, t)
		shards[i].Metadata = map[string]string{"format": "pt"}
		filled += t.Size()
	}
	return ShardedSafetensors{Shards: shards, Sparse: true}
}
