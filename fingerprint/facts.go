package fingerprint

import (
	"cmp"
	"slices"
)

// Fact is one value a release's files declare, with where it was read. A
// nil *Fact is a fact the files do not state, which is not the same as a
// zero value.
type Fact[T any] struct {
	Value T      `json:"value"`
	Path  string `json:"path"`            // file, slash-separated, relative to the release root
	Field string `json:"field,omitempty"` // JSON field path, GGUF key or tensor name
}

// Get returns the value and whether the fact is stated.
func (f *Fact[T]) Get() (T, bool) {
	if f == nil {
		var zero T
		return zero, false
	}
	return f.Value, true
}

// Facts are the architecture and tokenizer facts of a release.
type Facts struct {
	Architecture Architecture `json:"architecture,omitzero"`
	Tokenizer    Tokenizer    `json:"tokenizer,omitzero"`
	// Omitted says what was left unread or not inferred, and why: a
	// tokenizer.json too large for a remote audit, layer counts of a
	// sharded release whose headers were not all read.
	Omitted []Omission `json:"omitted,omitempty"`
}

// Omission is a file or fact left out of the facts.
type Omission struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Architecture describes the network's shape as config.json, GGUF metadata
// or the weights' tensor shapes declare it. Values are kept as declared:
// nothing is derived (a head size the config leaves to be computed from
// the hidden size is absent, not computed), so that facts compare like
// with like.
type Architecture struct {
	ModelType *Fact[string] `json:"model_type,omitempty"`
	// Classes are the model classes ("architectures": LlamaForCausalLM).
	Classes    *Fact[[]string] `json:"classes,omitempty"`
	Layers     *Fact[int64]    `json:"layers,omitempty"`
	HiddenSize *Fact[int64]    `json:"hidden_size,omitempty"`
	Heads      *Fact[int64]    `json:"heads,omitempty"`
	KVHeads    *Fact[int64]    `json:"kv_heads,omitempty"`
	HeadDim    *Fact[int64]    `json:"head_dim,omitempty"`
	// QSize and KVSize are the widths of the query and of the key (or
	// value) projections, heads × head size and key-value heads × head
	// size, as tensor shapes state them; configs state the factors.
	QSize  *Fact[int64] `json:"q_size,omitempty"`
	KVSize *Fact[int64] `json:"kv_size,omitempty"`
	// FFNSize is the feed-forward width ("intermediate_size"); in
	// mixture-of-experts models it is the dense layers' width or, where the
	// config has no separate field, each expert's.
	FFNSize             *Fact[int64] `json:"ffn_size,omitempty"`
	MoEFFNSize          *Fact[int64] `json:"moe_ffn_size,omitempty"`
	Experts             *Fact[int64] `json:"experts,omitempty"`
	SharedExperts       *Fact[int64] `json:"shared_experts,omitempty"`
	SharedExpertFFNSize *Fact[int64] `json:"shared_expert_ffn_size,omitempty"`
	ExpertsPerToken     *Fact[int64] `json:"experts_per_token,omitempty"`
	// QLoRARank and KVLoRARank are the ranks of multi-head latent
	// attention's compressed projections (DeepSeek V2, V3).
	QLoRARank  *Fact[int64] `json:"q_lora_rank,omitempty"`
	KVLoRARank *Fact[int64] `json:"kv_lora_rank,omitempty"`
	// VocabSize is the embedding's row count, often padded beyond the
	// tokenizer's real size.
	VocabSize      *Fact[int64]   `json:"vocab_size,omitempty"`
	RopeTheta      *Fact[float64] `json:"rope_theta,omitempty"`
	RopeScaling    *Fact[string]  `json:"rope_scaling,omitempty"` // type: linear, dynamic, yarn, longrope, llama3, …
	RopeFactor     *Fact[float64] `json:"rope_factor,omitempty"`
	ContextLength  *Fact[int64]   `json:"context_length,omitempty"`
	TiedEmbeddings *Fact[bool]    `json:"tied_embeddings,omitempty"`
}

// Tokenizer describes the tokenizer and chat template.
type Tokenizer struct {
	Class *Fact[string] `json:"class,omitempty"` // tokenizer_class
	// The special tokens' strings, and their ids where a file states them
	// (generation_config.json, config.json, GGUF); EOSIDs may hold several.
	BOS    *Fact[string]  `json:"bos,omitempty"`
	EOS    *Fact[string]  `json:"eos,omitempty"`
	PAD    *Fact[string]  `json:"pad,omitempty"`
	UNK    *Fact[string]  `json:"unk,omitempty"`
	BOSID  *Fact[int64]   `json:"bos_id,omitempty"`
	EOSIDs *Fact[[]int64] `json:"eos_ids,omitempty"`
	PADID  *Fact[int64]   `json:"pad_id,omitempty"`
	UNKID  *Fact[int64]   `json:"unk_id,omitempty"`
	// Added lists the added tokens with their ids, sorted by id (for a
	// GGUF file, the control-like tokens of its token list).
	Added *Fact[[]Token] `json:"added,omitempty"`
	// Named lists additional_special_tokens, which carry no ids.
	Named *Fact[[]string] `json:"named,omitempty"`
	// VocabSize is the tokenizer's real size: the distinct ids of its
	// vocabulary and added tokens (a GGUF file's token count).
	VocabSize *Fact[int64] `json:"vocab_size,omitempty"`
	// Vocabulary digests the base vocabulary in id order.
	Vocabulary   *Fact[Vocabulary]   `json:"vocabulary,omitempty"`
	ChatTemplate *Fact[ChatTemplate] `json:"chat_template,omitempty"`
	// GGMLPre is llama.cpp's pre-tokenizer family (tokenizer.ggml.pre);
	// GGMLModel its tokenizer model (tokenizer.ggml.model: llama, gpt2, …).
	GGMLPre   *Fact[string] `json:"ggml_pre,omitempty"`
	GGMLModel *Fact[string] `json:"ggml_model,omitempty"`
}

// Token is a token with its id.
type Token struct {
	ID      int64  `json:"id"`
	Content string `json:"content"`
	// Special is set when the tokenizer marks the token special (it is
	// never split, and usually skipped when decoding).
	Special bool `json:"special,omitempty"`
}

// Vocabulary identifies a token list: its length and the SHA-256 of its
// tokens in id order, each token's length (unsigned LEB128) then its UTF-8
// bytes. tokenizer.json vocabularies and GGUF token lists hash alike.
type Vocabulary struct {
	Tokens int64  `json:"tokens"`
	Digest string `json:"digest"` // "sha256:<hex>"
	// WithAdded is set for a list that goes on past the base vocabulary
	// with added tokens (a GGUF token list): Prefixes digest its first
	// tokens at each point where a run of control-like tokens starts, one
	// of which is where the base vocabulary ends. Of such a list, a length
	// no digest covers says nothing.
	WithAdded bool         `json:"with_added,omitempty"`
	Prefixes  []Vocabulary `json:"prefixes,omitempty"`
}

// DigestOf returns the digest of the list's first n tokens, if known.
func (v Vocabulary) DigestOf(n int64) (string, bool) {
	if n == v.Tokens {
		return v.Digest, true
	}
	for _, p := range v.Prefixes {
		if p.Tokens == n {
			return p.Digest, true
		}
	}
	return "", false
}

// ChatTemplate summarises a chat template: the digests of its texts and
// the markers it writes around messages.
type ChatTemplate struct {
	// Digests are "sha256:<hex>" of each template's text, as stored (one
	// per named template when a file holds several).
	Digests []string `json:"digests"`
	// Markers are the control-token-like strings the templates contain
	// ("<|im_start|>", "[INST]", "<start_of_turn>"), sorted.
	Markers []string `json:"markers,omitempty"`
}

// Strings returns every special-token string the facts state: bos, eos,
// pad and unk, added and named tokens, and chat-template markers, sorted
// and without duplicates.
func (t *Tokenizer) Strings() []string {
	var out []string
	for _, f := range []*Fact[string]{t.BOS, t.EOS, t.PAD, t.UNK} {
		if v, ok := f.Get(); ok && v != "" {
			out = append(out, v)
		}
	}
	if added, ok := t.Added.Get(); ok {
		for _, tok := range added {
			out = append(out, tok.Content)
		}
	}
	if named, ok := t.Named.Get(); ok {
		out = append(out, named...)
	}
	if ct, ok := t.ChatTemplate.Get(); ok {
		out = append(out, ct.Markers...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// AddedByID returns the added token with id, if the facts list one.
func (t *Tokenizer) AddedByID(id int64) (Token, bool) {
	added, _ := t.Added.Get()
	i, ok := slices.BinarySearchFunc(added, id, func(tok Token, id int64) int { return cmp.Compare(tok.ID, id) })
	if !ok {
		return Token{}, false
	}
	return added[i], true
}

// Empty reports whether the facts state nothing.
func (f *Facts) Empty() bool {
	return f == nil || (f.Architecture == Architecture{} && f.Tokenizer == Tokenizer{})
}

// Merge fills the facts f does not state from o; f's own facts win. The
// omissions of both are kept.
func (f *Facts) Merge(o *Facts) {
	if o == nil {
		return
	}
	a, b := &f.Architecture, &o.Architecture
	fill(&a.ModelType, b.ModelType)
	fill(&a.Classes, b.Classes)
	for _, p := range []struct {
		dst **Fact[int64]
		src *Fact[int64]
	}{
		{&a.Layers, b.Layers}, {&a.HiddenSize, b.HiddenSize}, {&a.Heads, b.Heads},
		{&a.KVHeads, b.KVHeads}, {&a.HeadDim, b.HeadDim}, {&a.QSize, b.QSize}, {&a.KVSize, b.KVSize},
		{&a.FFNSize, b.FFNSize}, {&a.MoEFFNSize, b.MoEFFNSize}, {&a.Experts, b.Experts}, {&a.SharedExperts, b.SharedExperts},
		{&a.SharedExpertFFNSize, b.SharedExpertFFNSize}, {&a.ExpertsPerToken, b.ExpertsPerToken},
		{&a.QLoRARank, b.QLoRARank}, {&a.KVLoRARank, b.KVLoRARank}, {&a.VocabSize, b.VocabSize},
		{&a.ContextLength, b.ContextLength},
	} {
		fill(p.dst, p.src)
	}
	fill(&a.RopeTheta, b.RopeTheta)
	fill(&a.RopeScaling, b.RopeScaling)
	fill(&a.RopeFactor, b.RopeFactor)
	fill(&a.TiedEmbeddings, b.TiedEmbeddings)

	t, u := &f.Tokenizer, &o.Tokenizer
	for _, p := range []struct {
		dst **Fact[string]
		src *Fact[string]
	}{
		{&t.Class, u.Class}, {&t.BOS, u.BOS}, {&t.EOS, u.EOS}, {&t.PAD, u.PAD}, {&t.UNK, u.UNK},
		{&t.GGMLPre, u.GGMLPre}, {&t.GGMLModel, u.GGMLModel},
	} {
		fill(p.dst, p.src)
	}
	fill(&t.BOSID, u.BOSID)
	fill(&t.EOSIDs, u.EOSIDs)
	fill(&t.PADID, u.PADID)
	fill(&t.UNKID, u.UNKID)
	fill(&t.Added, u.Added)
	fill(&t.Named, u.Named)
	fill(&t.VocabSize, u.VocabSize)
	fill(&t.Vocabulary, u.Vocabulary)
	fill(&t.ChatTemplate, u.ChatTemplate)
	for _, om := range o.Omitted {
		if !slices.Contains(f.Omitted, om) {
			f.Omitted = append(f.Omitted, om)
		}
	}
}

func fill[T any](dst **Fact[T], src *Fact[T]) {
	if *dst == nil && src != nil {
		*dst = src
	}
}
