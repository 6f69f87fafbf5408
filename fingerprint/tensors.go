package fingerprint

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/modelvet/modelvet/formats/gguf"
	"github.com/modelvet/modelvet/formats/safetensors"
)

// Inferring the architecture from tensor names and shapes, for a release
// that states it nowhere else: a renamed safetensors file with no config,
// a GGUF file stripped of its metadata. Two naming families are read:
// Hugging Face's (model.embed_tokens, model.layers.N.self_attn.q_proj,
// mlp.experts.E.gate_proj, block_sparse_moe.experts.E.w1) with shapes
// [out, in], and llama.cpp's GGUF names (token_embd, blk.N.attn_q,
// ffn_gate_exps) with dimensions in ggml's order, [in, out]. Every fact
// cites the tensor it was read from; a fact the layers disagree on is
// left out; counts (layers, experts) are inferred only when every weight
// file's header was read.

// SafetensorsHeader is one safetensors file of a release and its header;
// Info is nil when the header was not read (a remote audit's budget, a
// shard the index lists that is absent).
type SafetensorsHeader struct {
	Path string
	Info *safetensors.Info
}

// tensorRole is what a tensor is in the network.
type tensorRole int

const (
	roleNone       tensorRole = iota
	roleEmbed                 // token embedding [vocab, hidden]
	roleLMHead                // output projection
	roleQ                     // query projection [heads×head size, hidden]
	roleK                     // key projection [kv heads×head size, hidden]
	roleFFN                   // dense feed-forward gate or up [ffn, hidden]
	roleExpertFFN             // an expert's gate or up [moe ffn, hidden]; merged [experts, moe ffn, hidden]
	roleMixtralFFN            // Mixtral's experts (w1, w3), whose width configs call intermediate_size
	roleSharedFFN             // the shared expert's gate or up
	roleQA                    // multi-head latent attention's query compression [q rank, hidden]
	roleKVANorm               // its key-value norm [kv rank]
	roleQNorm                 // per-head query norm [head size]
	roleNextN                 // a multi-token-prediction layer, not counted
)

// tensorName is a tensor's role, layer (-1 for none) and expert (-1).
type tensorName struct {
	role          tensorRole
	layer, expert int
}

// hfPrefixes are the prefixes of a language model's tensors in Hugging
// Face checkpoints (multimodal ones nest it).
var hfPrefixes = []string{"model.", "model.language_model.", "language_model.model.", ""}

var hfLayerRoles = map[string]tensorRole{
	"self_attn.q_proj.weight":            roleQ,
	"self_attn.k_proj.weight":            roleK,
	"mlp.gate_proj.weight":               roleFFN,
	"mlp.up_proj.weight":                 roleFFN,
	"mlp.shared_expert.gate_proj.weight": roleSharedFFN,
	"mlp.shared_expert.up_proj.weight":   roleSharedFFN,
	"self_attn.q_a_proj.weight":          roleQA,
	"self_attn.kv_a_layernorm.weight":    roleKVANorm,
	"self_attn.q_norm.weight":            roleQNorm,
}

var hfExpertRoles = map[string]tensorRole{
	"gate_proj.weight": roleExpertFFN, "up_proj.weight": roleExpertFFN, // mlp.experts.E.
	"w1.weight": roleMixtralFFN, "w3.weight": roleMixtralFFN, // block_sparse_moe.experts.E.
}

// hfName reads a Hugging Face tensor name.
func hfName(name string) tensorName {
	out := tensorName{layer: -1, expert: -1}
	for _, p := range hfPrefixes {
		rest, ok := strings.CutPrefix(name, p)
		if !ok {
			continue
		}
		if rest == "embed_tokens.weight" {
			out.role = roleEmbed
			return out
		}
		n, rest, ok := layerOf(rest, "layers.")
		if !ok {
			continue
		}
		out.layer = n
		if strings.HasPrefix(rest, "eh_proj.") || strings.HasPrefix(rest, "enorm.") || strings.HasPrefix(rest, "hnorm.") {
			out.role = roleNextN
			return out
		}
		if r, ok := hfLayerRoles[rest]; ok {
			out.role = r
			return out
		}
		for _, experts := range []string{"mlp.experts.", "block_sparse_moe.experts."} {
			if e, tail, ok := layerOf(rest, experts); ok {
				if r := hfExpertRoles[tail]; (r == roleExpertFFN) == (experts == "mlp.experts.") && r != roleNone {
					out.role, out.expert = r, e
				}
				return out
			}
		}
		return out
	}
	return out
}

var ggufLayerRoles = map[string]tensorRole{
	"attn_q.weight":         roleQ,
	"attn_k.weight":         roleK,
	"ffn_gate.weight":       roleFFN,
	"ffn_up.weight":         roleFFN,
	"ffn_gate_exps.weight":  roleExpertFFN,
	"ffn_up_exps.weight":    roleExpertFFN,
	"ffn_gate_shexp.weight": roleSharedFFN,
	"ffn_up_shexp.weight":   roleSharedFFN,
	"attn_q_a.weight":       roleQA,
	"attn_kv_a_norm.weight": roleKVANorm,
	"attn_q_norm.weight":    roleQNorm,
}

// ggufName reads a llama.cpp tensor name.
func ggufName(name string) tensorName {
	out := tensorName{layer: -1, expert: -1}
	switch name {
	case "token_embd.weight":
		out.role = roleEmbed
		return out
	}
	n, rest, ok := layerOf(name, "blk.")
	if !ok {
		return out
	}
	out.layer = n
	if strings.HasPrefix(rest, "nextn.") {
		out.role = roleNextN
		return out
	}
	out.role = ggufLayerRoles[rest]
	return out
}

// layerOf reads "<prefix>N.<rest>".
func layerOf(s, prefix string) (int, string, bool) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return 0, "", false
	}
	num, rest, ok := strings.Cut(rest, ".")
	if !ok || num == "" || len(num) > 6 || (len(num) > 1 && num[0] == '0') {
		return 0, "", false
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 {
		return 0, "", false
	}
	return n, rest, true
}

// rowFacts are the facts a two-dimensional tensor's rows state, by role.
var rowFacts = map[tensorRole]string{
	roleQ: "q_size", roleK: "kv_size", roleFFN: "ffn_size", roleMixtralFFN: "ffn_size",
	roleExpertFFN: "moe_ffn_size", roleSharedFFN: "shared_expert_ffn_size", roleQA: "q_lora_rank",
}

// shapeTensor is a tensor with its shape in [out, in] order.
type shapeTensor struct {
	path, name string
	tensorName
	shape []uint64
}

// shapeFacts gathers the values tensors give for one fact; a fact whose
// tensors disagree is not stated.
type shapeFacts struct {
	values map[string]*Fact[int64] // fact name -> first value seen
	clash  map[string]bool
}

func (s *shapeFacts) set(name string, v uint64, t shapeTensor) {
	if v == 0 || v > maxFactInt {
		return
	}
	if f, ok := s.values[name]; ok {
		if f.Value != int64(v) {
			s.clash[name] = true
		}
		return
	}
	s.values[name] = &Fact[int64]{Value: int64(v), Path: t.path, Field: t.name}
}

func (s *shapeFacts) get(name string) *Fact[int64] {
	if s.clash[name] {
		return nil
	}
	return s.values[name]
}

// inferShapes infers architecture facts from tensors; with complete set,
// every weight file's tensors are among them, so counts can be taken.
func inferShapes(ts []shapeTensor, complete bool) Architecture {
	s := &shapeFacts{values: map[string]*Fact[int64]{}, clash: map[string]bool{}}
	lastLayer, lastExpert := map[int]shapeTensor{}, -1
	var lastExpertTensor shapeTensor
	nextN := map[int]bool{}
	var qNorm *shapeTensor
	for _, t := range ts {
		sh := t.shape
		if t.layer >= 0 {
			if prev, ok := lastLayer[t.layer]; !ok || t.name < prev.name {
				lastLayer[t.layer] = t
			}
		}
		if f, ok := rowFacts[t.role]; ok && len(sh) == 2 {
			s.set(f, sh[0], t)
		}
		switch t.role {
		case roleNextN:
			nextN[t.layer] = true
		case roleEmbed:
			if len(sh) == 2 {
				s.set("vocab_size", sh[0], t)
				s.set("hidden_size", sh[1], t)
			}
		case roleExpertFFN:
			if len(sh) == 3 { // merged: [experts, moe ffn, hidden]
				s.set("moe_ffn_size", sh[1], t)
				s.set("experts", sh[0], t)
			}
		case roleKVANorm:
			if len(sh) == 1 {
				s.set("kv_lora_rank", sh[0], t)
			}
		case roleQNorm:
			if len(sh) == 1 {
				qNorm = &t
			}
		}
		if t.expert > lastExpert {
			lastExpert, lastExpertTensor = t.expert, t
		}
	}
	a := Architecture{
		HiddenSize: s.get("hidden_size"), VocabSize: s.get("vocab_size"),
		QSize: s.get("q_size"), KVSize: s.get("kv_size"), FFNSize: s.get("ffn_size"),
		MoEFFNSize: s.get("moe_ffn_size"), SharedExpertFFNSize: s.get("shared_expert_ffn_size"),
		QLoRARank: s.get("q_lora_rank"), KVLoRARank: s.get("kv_lora_rank"), Experts: s.get("experts"),
	}
	// A per-head query norm is as wide as one head (Qwen3, Gemma 3);
	// others normalise the whole projection.
	if qNorm != nil && a.QSize != nil && int64(qNorm.shape[0]) < a.QSize.Value && a.QSize.Value%int64(qNorm.shape[0]) == 0 {
		a.HeadDim = &Fact[int64]{Value: int64(qNorm.shape[0]), Path: qNorm.path, Field: qNorm.name}
	}
	if !complete {
		return a
	}
	layers := 0
	for n := range lastLayer {
		if !nextN[n] {
			layers = max(layers, n+1)
		}
	}
	// Layers numbered without a gap: the count is the last one's number
	// plus one.
	contiguous := true
	for n := range layers {
		if _, ok := lastLayer[n]; !ok {
			contiguous = false
		}
	}
	if layers > 0 && contiguous {
		t := lastLayer[layers-1]
		a.Layers = &Fact[int64]{Value: int64(layers), Path: t.path, Field: t.name}
	}
	if lastExpert >= 0 && a.Experts == nil {
		a.Experts = &Fact[int64]{Value: int64(lastExpert + 1), Path: lastExpertTensor.path, Field: lastExpertTensor.name}
	}
	return a
}

// Safetensors infers the architecture from the tensor names and shapes of
// a release's safetensors files (the shards of one model). Counts are
// inferred only when every header was read; otherwise Omitted says why.
func Safetensors(headers []SafetensorsHeader) *Facts {
	var ts []shapeTensor
	unread := 0
	for _, h := range headers {
		if h.Info == nil {
			unread++
			continue
		}
		for i, name := range h.Info.TensorNames {
			if i >= len(h.Info.TensorShapes) {
				unread++ // shapes past the cap: the counts are not known
				break
			}
			if n := hfName(name); n.role != roleNone || n.layer >= 0 {
				ts = append(ts, shapeTensor{path: h.Path, name: name, tensorName: n, shape: h.Info.TensorShapes[i]})
			}
		}
	}
	return shapeFactsOf(ts, unread, len(headers))
}

// ggufShapes infers the architecture from a GGUF file's tensor infos. One
// part of a split model holds a few of its layers: it says too little.
func ggufShapes(path string, g *gguf.Info) *Facts {
	if n, ok := g.Uint("split.count"); ok && n > 1 {
		return &Facts{}
	}
	var ts []shapeTensor
	for _, t := range g.Tensors {
		n := ggufName(t.Name)
		if n.role == roleNone && n.layer < 0 {
			continue
		}
		shape := slices.Clone(t.Dims)
		slices.Reverse(shape) // ggml's [in, out] to [out, in]
		ts = append(ts, shapeTensor{path: path, name: t.Name, tensorName: n, shape: shape})
	}
	unread := 0
	if uint64(len(g.Tensors)) < g.TensorCount {
		unread = 1
	}
	return shapeFactsOf(ts, unread, 1)
}

func shapeFactsOf(ts []shapeTensor, unread, files int) *Facts {
	a := inferShapes(ts, unread == 0)
	facts := &Facts{Architecture: a}
	if unread > 0 && len(ts) > 0 {
		facts.Omitted = append(facts.Omitted, Omission{Path: ts[0].path,
			Reason: fmt.Sprintf("the layer and expert counts are not inferred from tensor shapes: %d of %d weight files were not read whole", unread, files)})
	}
	return facts
}
