package kb

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
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
	Confidence     string     `yaml:"confidence" json:"confidence"`
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
	Confidence     string     `yaml:"confidence" json:"confidence"`
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

var (
	confidenceMarks = []string{ConfidenceHigh, ConfidenceMediumHigh, ConfidenceMedium, ConfidenceLowMedium, ConfidenceLow}
	sha256Digest    = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	citationDate    = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)
)

// mergeArchitectures merges architectures.yaml and checks every record.
func mergeArchitectures(k *KB, data []byte, file string) error {
	if err := mergeFile(&k.Architectures, data, file, "architectures"); err != nil {
		return err
	}
	var errs []error
	for _, a := range k.Architectures {
		if err := a.check(k); err != nil {
			errs = append(errs, fmt.Errorf("%s: architecture %s: %w", file, a.ID, err))
		}
	}
	return errors.Join(errs...)
}

// mergeTokenizers merges tokenizers.yaml and checks every record.
func mergeTokenizers(k *KB, data []byte, file string) error {
	if err := mergeFile(&k.Tokenizers, data, file, "tokenizers"); err != nil {
		return err
	}
	var errs []error
	for _, t := range k.Tokenizers {
		if err := t.check(k); err != nil {
			errs = append(errs, fmt.Errorf("%s: tokenizer %s: %w", file, t.ID, err))
		}
	}
	return errors.Join(errs...)
}

// checkRecord checks what every fingerprint record shares: models and a
// developer that exist, a family, a confidence mark, and sources. It runs
// while the knowledge base loads, before its index may be built, so it
// looks records up by scanning.
func checkRecord(k *KB, models []string, family, developer, confidence string, sources []Citation) error {
	var errs []error
	for _, m := range models {
		if !slices.ContainsFunc(k.Models, func(r *Model) bool { return namedAs(m, r.ID, r.Aliases) }) {
			errs = append(errs, fmt.Errorf("model %q has no record in models.yaml", m))
		}
	}
	if !slices.ContainsFunc(k.Organizations, func(o *Organization) bool { return namedAs(developer, o.ID, o.Aliases) }) {
		errs = append(errs, fmt.Errorf("developer %q has no record in organizations.yaml", developer))
	}
	if strings.TrimSpace(family) == "" {
		errs = append(errs, errors.New("no family"))
	}
	if !slices.Contains(confidenceMarks, confidence) {
		errs = append(errs, fmt.Errorf("confidence %q is not one of %s", confidence, strings.Join(confidenceMarks, ", ")))
	}
	if len(sources) == 0 {
		errs = append(errs, errors.New("no sources"))
	}
	for _, s := range sources {
		if !strings.HasPrefix(s.URL, "https://") && !strings.HasPrefix(s.URL, "http://") {
			errs = append(errs, fmt.Errorf("source %q is not a URL", s.URL))
		}
		if s.Date != "" && !citationDate.MatchString(s.Date) {
			errs = append(errs, fmt.Errorf("source date %q is not YYYY[-MM[-DD]]", s.Date))
		}
	}
	return errors.Join(errs...)
}

// namedAs reports whether name is id or one of aliases, after Normalize.
func namedAs(name, id string, aliases []string) bool {
	n := Normalize(name)
	return n == Normalize(id) || slices.ContainsFunc(aliases, func(a string) bool { return Normalize(a) == n })
}

func (a *Architecture) check(k *KB) error {
	errs := []error{checkRecord(k, a.Models, a.Family, a.Developer, a.Confidence, a.Sources)}
	if len(a.Models) == 0 {
		errs = append(errs, errors.New("no models"))
	}
	if a.Layers == nil || a.HiddenSize == nil {
		errs = append(errs, errors.New("layers and hidden_size are required"))
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
			errs = append(errs, fmt.Errorf("%s is %d, not positive", f.name, *f.v))
		}
	}
	for _, f := range []struct {
		name string
		v    *float64
	}{{"rope_theta", a.RopeTheta}, {"rope_factor", a.RopeFactor}} {
		if f.v != nil && !(*f.v > 0) {
			errs = append(errs, fmt.Errorf("%s is %v, not positive", f.name, *f.v))
		}
	}
	if a.RopeScaling != "" && !slices.Contains(RopeScalingTypes(), a.RopeScaling) {
		errs = append(errs, fmt.Errorf("rope_scaling %q is not one of %s", a.RopeScaling, strings.Join(RopeScalingTypes(), ", ")))
	}
	return errors.Join(errs...)
}

func (t *Tokenizer) check(k *KB) error {
	errs := []error{checkRecord(k, t.Models, t.Family, t.Developer, t.Confidence, t.Sources)}
	if t.VocabSize != nil && *t.VocabSize <= 0 {
		errs = append(errs, fmt.Errorf("vocab_size is %d, not positive", *t.VocabSize))
	}
	if v := t.Vocabulary; v != nil && (v.Tokens <= 0 || !sha256Digest.MatchString(v.Digest)) {
		errs = append(errs, fmt.Errorf("vocabulary %d %q: want a positive count and sha256:<64 hex>", v.Tokens, v.Digest))
	}
	for _, d := range t.ChatTemplates {
		if !sha256Digest.MatchString(d) {
			errs = append(errs, fmt.Errorf("chat template digest %q is not sha256:<64 hex>", d))
		}
	}
	for _, tok := range t.Tokens {
		if tok.Content == "" {
			errs = append(errs, errors.New("a token has no content"))
		}
		if tok.ID != nil && *tok.ID < 0 {
			errs = append(errs, fmt.Errorf("token %q: id %d is negative", tok.Content, *tok.ID))
		}
		for _, r := range tok.Roles {
			if !slices.Contains(TokenRoles(), r) {
				errs = append(errs, fmt.Errorf("token %q: role %q is not one of %s", tok.Content, r, strings.Join(TokenRoles(), ", ")))
			}
		}
	}
	if t.Vocabulary == nil && len(t.Tokens) == 0 && len(t.ChatTemplates) == 0 && t.GGMLPre == "" {
		errs = append(errs, errors.New("states nothing to match: no vocabulary, tokens, chat templates or ggml_pre"))
	}
	return errors.Join(errs...)
}
