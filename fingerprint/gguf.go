package fingerprint

import (
	"math"
	"strconv"
	"strings"

	"github.com/modelvet/modelvet/formats/gguf"
	"github.com/modelvet/modelvet/internal/limits"
)

// ggufArchKeys maps the architecture keys of GGUF metadata, after the
// "{general.architecture}." prefix, to facts. llama.cpp's converter writes
// them from config.json: block_count from num_hidden_layers,
// feed_forward_length from intermediate_size, expert_feed_forward_length
// from moe_intermediate_size, attention.key_length from head_dim.
var ggufArchKeys = []struct {
	key  string
	fact func(*Architecture) **Fact[int64]
}{
	{"block_count", func(a *Architecture) **Fact[int64] { return &a.Layers }},
	{"embedding_length", func(a *Architecture) **Fact[int64] { return &a.HiddenSize }},
	{"attention.head_count", func(a *Architecture) **Fact[int64] { return &a.Heads }},
	{"attention.head_count_kv", func(a *Architecture) **Fact[int64] { return &a.KVHeads }},
	{"attention.key_length", func(a *Architecture) **Fact[int64] { return &a.HeadDim }},
	{"feed_forward_length", func(a *Architecture) **Fact[int64] { return &a.FFNSize }},
	{"expert_feed_forward_length", func(a *Architecture) **Fact[int64] { return &a.MoEFFNSize }},
	{"expert_shared_feed_forward_length", func(a *Architecture) **Fact[int64] { return &a.SharedExpertFFNSize }},
	{"expert_count", func(a *Architecture) **Fact[int64] { return &a.Experts }},
	{"expert_shared_count", func(a *Architecture) **Fact[int64] { return &a.SharedExperts }},
	{"expert_used_count", func(a *Architecture) **Fact[int64] { return &a.ExpertsPerToken }},
	{"attention.q_lora_rank", func(a *Architecture) **Fact[int64] { return &a.QLoRARank }},
	{"attention.kv_lora_rank", func(a *Architecture) **Fact[int64] { return &a.KVLoRARank }},
	{"vocab_size", func(a *Architecture) **Fact[int64] { return &a.VocabSize }},
	{"context_length", func(a *Architecture) **Fact[int64] { return &a.ContextLength }},
}

// GGUF reads the facts of a GGUF file's metadata: the architecture keys
// ("qwen2.block_count", …) and the tokenizer's scalar keys (token ids,
// tokenizer.ggml.pre and .model, the chat template). A file stripped of
// general.architecture is read by the prefix of its block count key. The
// GGUF architecture name is not a model_type ("llama" covers Mistral), so
// it is not reported as one.
func GGUF(path string, g *gguf.Info) *Facts {
	fp := &Facts{}
	lookup := func(key string) (any, bool) {
		v, ok := g.Get(key)
		return v.Value, ok
	}
	if arch := ggufArchitecture(g); arch != "" {
		a := &fp.Architecture
		for _, k := range ggufArchKeys {
			if n, ok := ggufInt(lookup, arch+"."+k.key); ok {
				*k.fact(a) = &Fact[int64]{Value: n, Path: path, Field: arch + "." + k.key}
			}
		}
		if f, ok := ggufFloat(lookup, arch+".rope.freq_base"); ok {
			a.RopeTheta = &Fact[float64]{Value: f, Path: path, Field: arch + ".rope.freq_base"}
		}
		if s, ok := ggufText(lookup, arch+".rope.scaling.type", limits.MaxModelName); ok && s != "none" {
			a.RopeScaling = &Fact[string]{Value: s, Path: path, Field: arch + ".rope.scaling.type"}
		}
		if f, ok := ggufFloat(lookup, arch+".rope.scaling.factor"); ok {
			a.RopeFactor = &Fact[float64]{Value: f, Path: path, Field: arch + ".rope.scaling.factor"}
		}
	}
	t := &fp.Tokenizer
	for _, k := range []struct {
		key string
		dst **Fact[int64]
	}{
		{"tokenizer.ggml.bos_token_id", &t.BOSID},
		{"tokenizer.ggml.padding_token_id", &t.PADID},
		{"tokenizer.ggml.unknown_token_id", &t.UNKID},
	} {
		if n, ok := ggufInt(lookup, k.key); ok {
			*k.dst = &Fact[int64]{Value: n, Path: path, Field: k.key}
		}
	}
	if n, ok := ggufInt(lookup, "tokenizer.ggml.eos_token_id"); ok {
		t.EOSIDs = &Fact[[]int64]{Value: []int64{n}, Path: path, Field: "tokenizer.ggml.eos_token_id"}
	}
	if s, ok := ggufText(lookup, "tokenizer.ggml.pre", limits.MaxModelName); ok {
		t.GGMLPre = &Fact[string]{Value: s, Path: path, Field: "tokenizer.ggml.pre"}
	}
	if s, ok := ggufText(lookup, "tokenizer.ggml.model", limits.MaxModelName); ok {
		t.GGMLModel = &Fact[string]{Value: s, Path: path, Field: "tokenizer.ggml.model"}
	}
	if s, ok := ggufText(lookup, "tokenizer.chat_template", limits.MaxGGUFString); ok {
		t.ChatTemplate = &Fact[ChatTemplate]{Value: summarizeChatTemplates([]string{s}), Path: path, Field: "tokenizer.chat_template"}
	}
	if v := g.Vocabulary; v != nil {
		ggufVocabulary(t, path, v)
	}
	if !fp.Architecture.hasShape() {
		fp.Merge(ggufShapes(path, g))
	}
	return fp
}

// ggufVocabulary reads what the reader learnt of the token list: its real
// size (without llama.cpp's padding), its digests, its control-like
// tokens, and the strings of the special tokens' ids.
func ggufVocabulary(t *Tokenizer, path string, v *gguf.Vocabulary) {
	const key = "tokenizer.ggml.tokens"
	t.VocabSize = &Fact[int64]{Value: v.Tokens - v.Padding, Path: path, Field: key}
	voc := Vocabulary{Tokens: v.Tokens, Digest: v.Digest, WithAdded: true}
	for _, p := range v.Prefixes {
		voc.Prefixes = append(voc.Prefixes, Vocabulary{Tokens: p.Tokens, Digest: p.Digest})
	}
	t.Vocabulary = &Fact[Vocabulary]{Value: voc, Path: path, Field: key}
	if len(v.Special) > 0 {
		added := make([]Token, 0, len(v.Special))
		for _, tok := range v.Special {
			added = append(added, Token{ID: tok.ID, Content: tok.Text, Special: true})
		}
		t.Added = &Fact[[]Token]{Value: added, Path: path, Field: key}
	}
	for _, role := range []struct {
		id  *Fact[int64]
		dst **Fact[string]
	}{{t.BOSID, &t.BOS}, {t.PADID, &t.PAD}, {t.UNKID, &t.UNK}, {first(t.EOSIDs), &t.EOS}} {
		if id, ok := role.id.Get(); ok {
			if s, ok := v.Token(id); ok {
				*role.dst = &Fact[string]{Value: s, Path: path, Field: key + "[" + strconv.FormatInt(id, 10) + "]"}
			}
		}
	}
}

// first returns the first of a list of ids as a fact.
func first(f *Fact[[]int64]) *Fact[int64] {
	if f == nil || len(f.Value) == 0 {
		return nil
	}
	return &Fact[int64]{Value: f.Value[0], Path: f.Path, Field: f.Field}
}

func ggufInt(lookup func(string) (any, bool), key string) (int64, bool) {
	v, ok := lookup(key)
	if !ok {
		return 0, false
	}
	switch n := v.(type) {
	case uint64:
		if n <= maxFactInt {
			return int64(n), true
		}
	case int64:
		if n >= 0 && n <= maxFactInt {
			return n, true
		}
	}
	return 0, false
}

func ggufFloat(lookup func(string) (any, bool), key string) (float64, bool) {
	v, ok := lookup(key)
	if !ok {
		return 0, false
	}
	switch f := v.(type) {
	case float64:
		return f, !math.IsNaN(f) && !math.IsInf(f, 0)
	case uint64:
		return float64(f), true
	case int64:
		return float64(f), true
	}
	return 0, false
}

func ggufText(lookup func(string) (any, bool), key string, maxLen int) (string, bool) {
	v, ok := lookup(key)
	s, isString := v.(string)
	if !ok || !isString || s == "" || len(s) > maxLen {
		return "", false
	}
	return s, true
}

// ggufArchitecture returns the prefix of the file's architecture keys:
// general.architecture, else, in a file stripped of its general.* keys,
// the prefix of its {arch}.block_count key.
func ggufArchitecture(g *gguf.Info) string {
	if a := g.String("general.architecture"); a != "" && len(a) <= limits.MaxModelName {
		return a
	}
	for _, v := range g.Metadata {
		if arch, ok := strings.CutSuffix(v.Key, ".block_count"); ok && arch != "" && !strings.Contains(arch, ".") {
			return arch
		}
	}
	return ""
}
