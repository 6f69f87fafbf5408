package fingerprint

import (
	"fmt"
	"math"

	"github.com/tidwall/gjson"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/jsonscan"
	"github.com/modelvet/modelvet/internal/limits"
)

// The formats errors name: config.json and generation_config.json, and
// the tokenizer files and chat templates.
const (
	formatConfig    = "config"
	formatTokenizer = "tokenizer"
)

// Field names of config.json across families, in the order they are tried:
// transformers' own names first, then those of GPT-2 and BigCode, Falcon,
// MPT, ChatGLM, OPT, DBRX and others that kept their original names.
var (
	layerFields         = []string{"num_hidden_layers", "n_layer", "n_layers", "num_layers"}
	hiddenFields        = []string{"hidden_size", "n_embd", "d_model"}
	headFields          = []string{"num_attention_heads", "n_head", "n_heads"}
	kvHeadFields        = []string{"num_key_value_heads", "num_kv_heads", "n_head_kv", "multi_query_group_num", "attn_config.kv_n_heads"}
	headDimFields       = []string{"head_dim", "kv_channels"}
	ffnFields           = []string{"intermediate_size", "ffn_hidden_size", "n_inner", "ffn_dim"}
	moeFFNFields        = []string{"moe_intermediate_size"}
	expertFields        = []string{"n_routed_experts", "num_local_experts", "num_experts", "moe_num_experts", "ffn_config.moe_num_experts"}
	sharedExpertFields  = []string{"n_shared_experts", "num_shared_experts"}
	sharedFFNFields     = []string{"shared_expert_intermediate_size"}
	expertsPerTokFields = []string{"num_experts_per_tok", "experts_per_token", "moe_top_k", "ffn_config.moe_top_k"}
	vocabFields         = []string{"vocab_size", "padded_vocab_size", "n_vocab"}
	ropeThetaFields     = []string{"rope_theta", "rotary_emb_base", "rope_parameters.rope_theta"}
	ropeTypeFields      = []string{"rope_scaling.rope_type", "rope_scaling.type", "rope_parameters.rope_type"}
	ropeFactorFields    = []string{"rope_scaling.factor", "rope_parameters.factor"}
	contextFields       = []string{"max_position_embeddings", "n_positions", "seq_length", "max_sequence_length", "max_seq_len", "n_ctx"}
	// nestedConfigs hold the language model's settings in multimodal
	// configs (Llama 4, Gemma 3, Mistral 3: text_config; InternVL:
	// llm_config; DeepSeek-VL2: language_config).
	nestedConfigs = []string{"text_config", "llm_config", "language_config"}
)

// maxFactInt bounds integer facts to those a float64 holds exactly.
const maxFactInt = 1 << 53

// jsonFacts reads facts from a JSON object and, for fields it lacks, from
// the first nested language-model config.
type jsonFacts struct {
	path   string
	doc    gjson.Result
	nested gjson.Result
	prefix string // field prefix of nested ("text_config.")
}

func newJSONFacts(path string, doc gjson.Result) *jsonFacts {
	r := &jsonFacts{path: path, doc: doc}
	for _, n := range nestedConfigs {
		if v := doc.Get(gjson.Escape(n)); v.IsObject() {
			r.nested, r.prefix = v, n+"."
			break
		}
	}
	return r
}

// lookup returns the first field of names that passes ok, at the top level
// first, then in the nested config, with its field path.
func (r *jsonFacts) lookup(names []string, ok func(gjson.Result) bool) (gjson.Result, string, bool) {
	for _, scope := range []struct {
		doc    gjson.Result
		prefix string
	}{{r.doc, ""}, {r.nested, r.prefix}} {
		if !scope.doc.Exists() {
			continue
		}
		for _, n := range names {
			if v := scope.doc.Get(n); ok(v) {
				return v, scope.prefix + n, true
			}
		}
	}
	return gjson.Result{}, "", false
}

func (r *jsonFacts) int(names ...string) *Fact[int64] {
	v, field, ok := r.lookup(names, func(v gjson.Result) bool { _, ok := factInt(v); return ok })
	if !ok {
		return nil
	}
	n, _ := factInt(v)
	return &Fact[int64]{Value: n, Path: r.path, Field: field}
}

func (r *jsonFacts) float(names ...string) *Fact[float64] {
	v, field, ok := r.lookup(names, func(v gjson.Result) bool {
		return v.Type == gjson.Number && !math.IsInf(v.Num, 0) && !math.IsNaN(v.Num)
	})
	if !ok {
		return nil
	}
	return &Fact[float64]{Value: v.Num, Path: r.path, Field: field}
}

func (r *jsonFacts) str(maxLen int, names ...string) *Fact[string] {
	v, field, ok := r.lookup(names, func(v gjson.Result) bool {
		return v.Type == gjson.String && v.Str != "" && len(v.Str) <= maxLen
	})
	if !ok {
		return nil
	}
	return &Fact[string]{Value: v.Str, Path: r.path, Field: field}
}

func (r *jsonFacts) bool(names ...string) *Fact[bool] {
	v, field, ok := r.lookup(names, func(v gjson.Result) bool { return v.Type == gjson.True || v.Type == gjson.False })
	if !ok {
		return nil
	}
	return &Fact[bool]{Value: v.Bool(), Path: r.path, Field: field}
}

// ids reads a token id or a list of them ("eos_token_id": [1, 2]).
func (r *jsonFacts) ids(name string) *Fact[[]int64] {
	v, field, ok := r.lookup([]string{name}, func(v gjson.Result) bool {
		if _, ok := factInt(v); ok {
			return true
		}
		return v.IsArray()
	})
	if !ok {
		return nil
	}
	var out []int64
	if n, ok := factInt(v); ok {
		out = append(out, n)
	} else {
		v.ForEach(func(_, e gjson.Result) bool {
			if n, ok := factInt(e); ok {
				out = append(out, n)
			}
			return len(out) < limits.MaxStopTokenIDs
		})
	}
	if len(out) == 0 {
		return nil
	}
	return &Fact[[]int64]{Value: out, Path: r.path, Field: field}
}

// factInt reads a non-negative integral JSON number.
func factInt(v gjson.Result) (int64, bool) {
	if v.Type != gjson.Number || v.Num < 0 || v.Num > maxFactInt || v.Num != math.Trunc(v.Num) {
		return 0, false
	}
	return int64(v.Num), true
}

// parseFactsDoc checks a JSON document against its file's cap
// (MaxFileBytes) and the nesting bound and parses it; it must be an object.
func parseFactsDoc(format, path string, data []byte) (gjson.Result, error) {
	if max := MaxFileBytes(path); int64(len(data)) > max {
		return gjson.Result{}, &formats.Error{Format: format, Path: path, Offset: -1, Msg: fmt.Sprintf("is larger than the %d-byte cap", max)}
	}
	// Validated within the nesting cap first: gjson's own validator
	// recurses once per level.
	if ok, off, msg := jsonscan.Valid(string(data)); !ok {
		return gjson.Result{}, &formats.Error{Format: format, Path: path, Offset: int64(off), Msg: "is not valid JSON: " + msg}
	}
	doc := gjson.ParseBytes(data)
	if !doc.IsObject() {
		return gjson.Result{}, &formats.Error{Format: format, Path: path, Offset: -1, Msg: "is not a JSON object"}
	}
	return doc, nil
}

// parseConfig reads config.json: the architecture, and the token ids
// it repeats from the tokenizer.
func parseConfig(path string, data []byte) (*Facts, error) {
	doc, err := parseFactsDoc(formatConfig, path, data)
	if err != nil {
		return nil, err
	}
	r := newJSONFacts(path, doc)
	a := Architecture{
		ModelType:           r.str(limits.MaxModelName, "model_type"),
		Classes:             r.classes(),
		Layers:              r.int(layerFields...),
		HiddenSize:          r.int(hiddenFields...),
		Heads:               r.int(headFields...),
		KVHeads:             r.kvHeads(),
		HeadDim:             r.int(headDimFields...),
		FFNSize:             r.int(ffnFields...),
		MoEFFNSize:          r.int(moeFFNFields...),
		Experts:             r.int(expertFields...),
		SharedExperts:       r.int(sharedExpertFields...),
		SharedExpertFFNSize: r.int(sharedFFNFields...),
		ExpertsPerToken:     r.int(expertsPerTokFields...),
		QLoRARank:           r.int("q_lora_rank"),
		KVLoRARank:          r.int("kv_lora_rank"),
		VocabSize:           r.int(vocabFields...),
		RopeTheta:           r.float(ropeThetaFields...),
		RopeScaling:         r.str(limits.MaxModelName, ropeTypeFields...),
		RopeFactor:          r.float(ropeFactorFields...),
		ContextLength:       r.int(contextFields...),
		TiedEmbeddings:      r.bool("tie_word_embeddings"),
	}
	fp := &Facts{Architecture: a}
	r.tokenIDs(&fp.Tokenizer)
	return fp, nil
}

// classes reads "architectures", a list of class names.
func (r *jsonFacts) classes() *Fact[[]string] {
	v, field, ok := r.lookup([]string{"architectures"}, func(v gjson.Result) bool { return v.IsArray() })
	if !ok {
		return nil
	}
	var out []string
	v.ForEach(func(_, e gjson.Result) bool {
		if e.Type == gjson.String && e.Str != "" && len(e.Str) <= limits.MaxModelName {
			out = append(out, e.Str)
		}
		return len(out) < limits.MaxArchitectureClasses
	})
	if len(out) == 0 {
		return nil
	}
	return &Fact[[]string]{Value: out, Path: r.path, Field: field}
}

// kvHeads reads the key-value head count, or Falcon's "multi_query": true,
// which means one (new_decoder_architecture configs give the count).
func (r *jsonFacts) kvHeads() *Fact[int64] {
	if f := r.int(kvHeadFields...); f != nil {
		return f
	}
	if r.doc.Get("multi_query").Type == gjson.True && r.doc.Get("new_decoder_architecture").Type != gjson.True {
		return &Fact[int64]{Value: 1, Path: r.path, Field: "multi_query"}
	}
	return nil
}

// tokenIDs reads bos, eos and pad ids (config.json, generation_config.json).
func (r *jsonFacts) tokenIDs(t *Tokenizer) {
	t.BOSID = r.int("bos_token_id")
	t.EOSIDs = r.ids("eos_token_id")
	t.PADID = r.int("pad_token_id")
}

// parseGenerationConfig reads the token ids of generation_config.json.
func parseGenerationConfig(path string, data []byte) (*Facts, error) {
	doc, err := parseFactsDoc(formatConfig, path, data)
	if err != nil {
		return nil, err
	}
	fp := &Facts{}
	newJSONFacts(path, doc).tokenIDs(&fp.Tokenizer)
	return fp, nil
}
