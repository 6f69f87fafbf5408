package kb

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
)

// The fingerprint files of the knowledge base: architectures.yaml (the
// exact shapes of well-known models, which their fine-tunes keep) and
// tokenizers.yaml (their tokenizers' vocabularies and special tokens,
// which say whose tokenizer a release carries). docs/KNOWLEDGE-BASE.md and
// docs/FINGERPRINTS.md document every field.

// Architecture is a well-known model's network shape as its config.json
// declares it. A nil value is one the sources do not state; it is then not
// compared.
type Architecture struct {
	ID string `yaml:"id" json:"id"`
	// Models are the models.yaml ids that have this architecture: a base
	// and the versions trained from it without changing the shape (its
	// instruct model; DeepSeek-V3 and R1), base first.
	Models []string `yaml:"models" json:"models"`
	// Family names the model family ("Qwen2.5", "Llama 3.1").
	Family string `yaml:"family" json:"family"`
	// Developer is the Organization id of the developer.
	Developer string `yaml:"developer" json:"developer"`

	ModelType           string   `yaml:"model_type,omitempty" json:"model_type,omitempty"`
	Classes             []string `yaml:"classes,omitempty" json:"classes,omitempty"`
	Layers              *int64   `yaml:"layers,omitempty" json:"layers,omitempty"`
	HiddenSize          *int64   `yaml:"hidden_size,omitempty" json:"hidden_size,omitempty"`
	Heads               *int64   `yaml:"heads,omitempty" json:"heads,omitempty"`
	KVHeads             *int64   `yaml:"kv_heads,omitempty" json:"kv_heads,omitempty"`
	HeadDim             *int64   `yaml:"head_dim,omitempty" json:"head_dim,omitempty"`
	FFNSize             *int64   `yaml:"ffn_size,omitempty" json:"ffn_size,omitempty"`
	MoEFFNSize          *int64   `yaml:"moe_ffn_size,omitempty" json:"moe_ffn_size,omitempty"`
	Experts             *int64   `yaml:"experts,omitempty" json:"experts,omitempty"`
	SharedExperts       *int64   `yaml:"shared_experts,omitempty" json:"shared_experts,omitempty"`
	SharedExpertFFNSize *int64   `yaml:"shared_expert_ffn_size,omitempty" json:"shared_expert_ffn_size,omitempty"`
	ExpertsPerToken     *int64   `yaml:"experts_per_token,omitempty" json:"experts_per_token,omitempty"`
	QLoRARank           *int64   `yaml:"q_lora_rank,omitempty" json:"q_lora_rank,omitempty"`
	KVLoRARank          *int64   `yaml:"kv_lora_rank,omitempty" json:"kv_lora_rank,omitempty"`
	VocabSize           *int64   `yaml:"vocab_size,omitempty" json:"vocab_size,omitempty"`
	RopeTheta           *float64 `yaml:"rope_theta,omitempty" json:"rope_theta,omitempty"`
	// RopeScaling is one of RopeScalingTypes.
	RopeScaling    string   `yaml:"rope_scaling,omitempty" json:"rope_scaling,omitempty"`
	RopeFactor     *float64 `yaml:"rope_factor,omitempty" json:"rope_factor,omitempty"`
	ContextLength  *int64   `yaml:"context_length,omitempty" json:"context_length,omitempty"`
	TiedEmbeddings *bool    `yaml:"tied_embeddings,omitempty" json:"tied_embeddings,omitempty"`

	Note           string     `yaml:"note,omitempty" json:"note,omitempty"`
	Confidence     Confidence `yaml:"confidence" json:"confidence"`
	ConfidenceNote string     `yaml:"confidence_note,omitempty" json:"confidence_note,omitempty"`
	Sources        []Citation `yaml:"sources" json:"sources"`
}

func (a *Architecture) key() string { return a.ID }

// RopeScalingTypes are the RoPE scaling types configs declare
// (rope_scaling.rope_type or .type); "su" is Phi-3's first name for
// longrope, "mrope" Qwen2-VL's multimodal variant.
func RopeScalingTypes() []string {
	return []string{"default", "linear", "dynamic", "yarn", "longrope", "su", "llama3", "mrope"}
}

// Tokenizer is a well-known tokenizer: its vocabulary, special tokens and
// chat template, and the developer whose post-training they reveal.
type Tokenizer struct {
	ID string `yaml:"id" json:"id"`
	// Family names the tokenizer's family ("Qwen2.5", "DeepSeek-R1
	// distill onto Qwen2.5").
	Family string `yaml:"family" json:"family"`
	// Developer is the Organization id of the developer who made it.
	Developer string `yaml:"developer" json:"developer"`
	// Models are models.yaml ids known to ship it.
	Models []string `yaml:"models,omitempty" json:"models,omitempty"`
	// Class is tokenizer_config.json's tokenizer_class.
	Class string `yaml:"class,omitempty" json:"class,omitempty"`
	// VocabSize is the real size: the distinct ids of the vocabulary and
	// the added tokens (not config.json's padded vocab_size).
	VocabSize *int64 `yaml:"vocab_size,omitempty" json:"vocab_size,omitempty"`
	// Vocabulary digests the base vocabulary (tokenizer.json model.vocab)
	// in id order.
	Vocabulary *VocabularyDigest `yaml:"vocabulary,omitempty" json:"vocabulary,omitempty"`
	Tokens     []TokenizerToken  `yaml:"tokens,omitempty" json:"tokens,omitempty"`
	// ChatMarkers are the markers the developer's chat template writes.
	ChatMarkers []string `yaml:"chat_markers,omitempty" json:"chat_markers,omitempty"`
	// ChatTemplates are "sha256:<hex>" digests of published chat templates.
	ChatTemplates []string `yaml:"chat_templates,omitempty" json:"chat_templates,omitempty"`
	// GGMLPre is llama.cpp's name for the pre-tokenizer (tokenizer.ggml.pre).
	GGMLPre string `yaml:"ggml_pre,omitempty" json:"ggml_pre,omitempty"`

	Note           string     `yaml:"note,omitempty" json:"note,omitempty"`
	Confidence     Confidence `yaml:"confidence" json:"confidence"`
	ConfidenceNote string     `yaml:"confidence_note,omitempty" json:"confidence_note,omitempty"`
	Sources        []Citation `yaml:"sources" json:"sources"`
}

func (t *Tokenizer) key() string { return t.ID }

// VocabularyDigest identifies a token list by its length and digest, as
// package fingerprint computes it (fingerprint.Vocabulary).
type VocabularyDigest struct {
	Tokens int64  `yaml:"tokens" json:"tokens"`
	Digest string `yaml:"digest" json:"digest"` // "sha256:<hex>"
}

// TokenizerToken is a special token of a tokenizer.
type TokenizerToken struct {
	Content string `yaml:"content" json:"content"`
	// ID is the token's id, when the sources state it.
	ID *int64 `yaml:"id,omitempty" json:"id,omitempty"`
	// Roles are among TokenRoles: the token is the tokenizer's bos, eos,
	// pad or unk token.
	Roles []string `yaml:"roles,omitempty" json:"roles,omitempty"`
	// Distinctive is set when the string itself is this developer's: no
	// other developer's tokenizer uses it, so meeting it in a release, at
	// any id, says the developer's tokenizer was used.
	Distinctive bool `yaml:"distinctive,omitempty" json:"distinctive,omitempty"`
}

// TokenRoles are the roles a special token can have.
func TokenRoles() []string { return []string{"bos", "eos", "pad", "unk"} }

// ArchitecturesOf returns the architecture records that list a model (by
// id, alias or name).
func (k *KB) ArchitecturesOf(model string) []*Architecture {
	m := k.ModelByName(model)
	if m == nil {
		return nil
	}
	var out []*Architecture
	for _, a := range k.Architectures {
		if slices.ContainsFunc(a.Models, func(id string) bool { return k.ModelByName(id) == m }) {
			out = append(out, a)
		}
	}
	return out
}

// TokenizersOf returns the tokenizer records that list a model.
func (k *KB) TokenizersOf(model string) []*Tokenizer {
	m := k.ModelByName(model)
	if m == nil {
		return nil
	}
	var out []*Tokenizer
	for _, t := range k.Tokenizers {
		if slices.ContainsFunc(t.Models, func(id string) bool { return k.ModelByName(id) == m }) {
			out = append(out, t)
		}
	}
	return out
}

var sha256Digest = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// checkFingerprint checks what every fingerprint record shares: models and
// a developer that exist, a family, a confidence mark, and sources.
func checkFingerprint(c *checker, models []string, family, developer string, confidence Confidence, sources []Citation) {
	for i, m := range models {
		if !c.named("model", m) {
			c.fail("models["+strconv.Itoa(i)+"]", m, "has no record in models.yaml")
		}
	}
	if !c.named("organization", developer) {
		c.fail("developer", developer, "has no record in organizations.yaml")
	}
	c.required("family", family)
	oneOf(c, "confidence", confidence, Confidences(), false)
	c.sources(sources)
}

func (a *Architecture) validate(c *checker) {
	checkFingerprint(c, a.Models, a.Family, a.Developer, a.Confidence, a.Sources)
	if len(a.Models) == 0 {
		c.fail("models", "", "is required")
	}
	if a.Layers == nil || a.HiddenSize == nil {
		c.fail("layers", "", "layers and hidden_size are required")
	}
	for _, f := range []struct {
		name string
		v    *int64
	}{
		{"layers", a.Layers}, {"hidden_size", a.HiddenSize}, {"heads", a.Heads}, {"kv_heads", a.KVHeads},
		{"head_dim", a.HeadDim}, {"ffn_size", a.FFNSize}, {"moe_ffn_size", a.MoEFFNSize}, {"experts", a.Experts},
		{"shared_experts", a.SharedExperts}, {"shared_expert_ffn_size", a.SharedExpertFFNSize},
		{"experts_per_token", a.ExpertsPerToken}, {"q_lora_rank", a.QLoRARank}, {"kv_lora_rank", a.KVLoRARank},
		{"vocab_size", a.VocabSize}, {"context_length", a.ContextLength},
	} {
		if f.v != nil && *f.v <= 0 {
			c.fail(f.name, strconv.FormatInt(*f.v, 10), "is not positive")
		}
	}
	for _, f := range []struct {
		name string
		v    *float64
	}{{"rope_theta", a.RopeTheta}, {"rope_factor", a.RopeFactor}} {
		if f.v != nil && !(*f.v > 0) {
			c.fail(f.name, strconv.FormatFloat(*f.v, 'g', -1, 64), "is not positive")
		}
	}
	oneOf(c, "rope_scaling", a.RopeScaling, RopeScalingTypes(), true)
}

func (t *Tokenizer) validate(c *checker) {
	checkFingerprint(c, t.Models, t.Family, t.Developer, t.Confidence, t.Sources)
	if t.VocabSize != nil && *t.VocabSize <= 0 {
		c.fail("vocab_size", strconv.FormatInt(*t.VocabSize, 10), "is not positive")
	}
	if v := t.Vocabulary; v != nil && (v.Tokens <= 0 || !sha256Digest.MatchString(v.Digest)) {
		c.fail("vocabulary", fmt.Sprintf("%d %s", v.Tokens, v.Digest), "wants a positive count and sha256:<64 hex>")
	}
	for i, d := range t.ChatTemplates {
		if !sha256Digest.MatchString(d) {
			c.fail("chat_templates["+strconv.Itoa(i)+"]", d, "is not sha256:<64 hex>")
		}
	}
	for i, tok := range t.Tokens {
		f := "tokens[" + strconv.Itoa(i) + "]"
		c.required(f+".content", tok.Content)
		if tok.ID != nil && *tok.ID < 0 {
			c.fail(f+".id", strconv.FormatInt(*tok.ID, 10), "is negative")
		}
		for j, r := range tok.Roles {
			oneOf(c, f+".roles["+strconv.Itoa(j)+"]", r, TokenRoles(), false)
		}
	}
	if t.Vocabulary == nil && len(t.Tokens) == 0 && len(t.ChatTemplates) == 0 && t.GGMLPre == "" {
		c.fail("", "", "states nothing to match: no vocabulary, tokens, chat templates or ggml_pre")
	}
}
