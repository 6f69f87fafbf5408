package provenance

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/fingerprint"
	"github.com/modelvet/modelvet/kb"
)

// Recognising a model from its own files: the release's fingerprint
// (fingerprint.Facts) is compared with the knowledge base's
// architecture and tokenizer records. The architecture names the base (a
// fine-tune keeps its base's shape); the tokenizer names whose tokenizer
// the release carries; special tokens and chat-template markers that only
// one developer uses name who trained it last. Precision comes first: a
// shape that matches no record exactly matches nothing, and every
// candidate says how it could be wrong.

// Relations a fingerprint match suggests between the release and a
// record's models. The first and the last are lineage relations (package
// kb); a tokenizer alone says whose tokenizer the release carries, which
// is no derivation.
const (
	// RelationSameOrDerivative: the release is one of the models, or
	// derives from them without changing the shape.
	RelationSameOrDerivative = kb.RelationSameOrDerivative
	// RelationTokenizerOf: the release carries the developer's tokenizer.
	RelationTokenizerOf kb.Relation = "tokenizer-of"
	// RelationPostTrainedBy: the release carries the chat tokens of a
	// developer other than its base's: that developer's chat format was
	// used to train it last.
	RelationPostTrainedBy = kb.RelationPostTrainedBy
)

// Kinds of candidate.
const (
	KindArchitecture = "architecture"
	KindTokenizer    = "tokenizer"
	KindChatFormat   = "chat-format"
)

// Outcomes of comparing one fact.
const (
	FactSame    = "same"
	FactClose   = "close" // compatible but not equal: a vocabulary extended by added tokens
	FactDiffers = "differs"
)

// FactComparison is one fact compared between the release and a record.
type FactComparison struct {
	// Fact names the fact ("layers", "vocab_size", "bos", "token 151646").
	Fact    string `json:"fact"`
	Release string `json:"release"`
	Record  string `json:"record"`
	Outcome string `json:"outcome"`
	// Decisive is set for facts whose disagreement rules the record out.
	Decisive bool   `json:"decisive,omitempty"`
	Note     string `json:"note,omitempty"`
	// Path and Field say where the release states the fact.
	Path  string `json:"path,omitempty"`
	Field string `json:"field,omitempty"`
}

// Candidate is a knowledge-base record the release's files match.
type Candidate struct {
	Kind string `json:"kind"`
	// Record is the id of the architecture or tokenizer record.
	Record string `json:"record"`
	// Models are the record's models; Bases those of them that derive
	// from none of the others (the base a derivative would start from).
	Models []string `json:"models,omitempty"`
	Bases  []string `json:"bases,omitempty"`
	Family string   `json:"family,omitempty"`
	// Developer is the organisation id; DeveloperName and Country come
	// from its record.
	Developer     string             `json:"developer"`
	DeveloperName string             `json:"developer_name,omitempty"`
	Country       string             `json:"country,omitempty"`
	Relation      kb.Relation        `json:"relation"`
	Confidence    finding.Confidence `json:"confidence"`
	// Matched lists the facts that agree, Differed those that do not;
	// Compared counts both.
	Matched  []FactComparison `json:"matched"`
	Differed []FactComparison `json:"differed,omitempty"`
	Compared int              `json:"compared"`
	// Unconfirmed names decisive facts the release states that the record
	// does not, so could not be compared.
	Unconfirmed []string `json:"unconfirmed,omitempty"`
	// Ambiguity says in words how the identification could be wrong.
	Ambiguity  string   `json:"ambiguity"`
	References []string `json:"references,omitempty"`
}

// Recognition is what a release's fingerprint says about it.
type Recognition struct {
	// Architectures are the records whose shape the release has: several
	// when the files cannot tell them apart.
	Architectures []Candidate `json:"architectures,omitempty"`
	// Tokenizers are the tokenizer records the release's tokenizer
	// matches best.
	Tokenizers []Candidate `json:"tokenizers,omitempty"`
	// ChatFormats name developers whose distinctive chat tokens the
	// release carries, other than its architecture's developer: who
	// post-trained it (RelationPostTrainedBy) when the architecture is
	// known, whose format it uses (RelationTokenizerOf) when it is not.
	ChatFormats []Candidate `json:"chat_formats,omitempty"`
}

// Empty reports whether nothing was recognised.
func (r Recognition) Empty() bool {
	return len(r.Architectures) == 0 && len(r.Tokenizers) == 0 && len(r.ChatFormats) == 0
}

// Summary says the candidate in one line: "architecture qwen2.5-32b
// (Qwen2.5, Qwen, CN): 12 of 12 facts agree".
func (c Candidate) Summary() string {
	where := strings.Join(nonEmpty(c.Family, c.DeveloperName, c.Country), ", ")
	return fmt.Sprintf("%s %s (%s): %d of %d facts agree", c.Kind, c.Record, where, len(c.Matched), c.Compared)
}

// Evidence cites the compared facts: where the release states each (path
// and field, its value) and the record's value ("kb:<file>", field
// "<id>.<fact>").
func (c Candidate) Evidence() []finding.Evidence {
	file := "tokenizers.yaml"
	if c.Kind == KindArchitecture {
		file = "architectures.yaml"
	}
	var out []finding.Evidence
	for _, f := range append(slices.Clone(c.Matched), c.Differed...) {
		if f.Path != "" {
			out = append(out, finding.Evidence{Path: f.Path, Field: f.Field, Value: f.Release})
		}
		out = append(out, kbEvidence(file, c.Record, f.Fact, f.Record)...)
	}
	return out
}

func nonEmpty(ss ...string) []string {
	return slices.DeleteFunc(ss, func(s string) bool { return s == "" })
}

// Recognize matches a release's fingerprint against the knowledge base.
func Recognize(fp *fingerprint.Facts, k *kb.KB) Recognition {
	if fp == nil {
		return Recognition{}
	}
	var r Recognition
	r.Architectures = recognizeArchitecture(&fp.Architecture, k)
	r.Tokenizers = recognizeTokenizer(&fp.Tokenizer, k)
	r.ChatFormats = recognizeChatFormat(&fp.Tokenizer, k, commonDeveloper(r.Architectures))
	return r
}

// commonDeveloper returns the developer all candidates share, or "".
func commonDeveloper(cs []Candidate) string {
	if len(cs) == 0 {
		return ""
	}
	for _, c := range cs[1:] {
		if c.Developer != cs[0].Developer {
			return ""
		}
	}
	return cs[0].Developer
}

// recordInfo is what a candidate takes from its knowledge-base record.
type recordInfo struct {
	id, family, developer string
	models                []string
	sources               []kb.Citation
}

func architectureInfo(r *kb.Architecture) recordInfo {
	return recordInfo{r.ID, r.Family, r.Developer, r.Models, r.Sources}
}

func tokenizerInfo(r *kb.Tokenizer) recordInfo {
	return recordInfo{r.ID, r.Family, r.Developer, r.Models, r.Sources}
}

// newCandidate makes a candidate of a record from the facts compared.
func newCandidate(k *kb.KB, kind string, relation kb.Relation, r recordInfo, facts []FactComparison) Candidate {
	c := Candidate{Kind: kind, Record: r.id, Family: r.family, Developer: r.developer, Models: r.models,
		Relation: relation, Confidence: finding.Inferred, Compared: len(facts)}
	c.Matched, c.Differed = split(facts)
	if o := k.Organization(r.developer); o != nil {
		c.Developer, c.DeveloperName, c.Country = o.ID, o.Name, o.Country
	}
	c.Bases = rootModels(k, r.models)
	for _, s := range r.sources {
		if !slices.Contains(c.References, s.URL) {
			c.References = append(c.References, s.URL)
		}
	}
	return c
}

// rootModels returns the models of a record that derive from none of the
// others, by the knowledge base's bases.
func rootModels(k *kb.KB, models []string) []string {
	var out []string
	for _, m := range models {
		if !slices.ContainsFunc(models, func(other string) bool { return other != m && slices.Contains(weightAncestors(k, m), other) }) {
			out = append(out, m)
		}
	}
	return out
}

// weightAncestors returns the ids of the models whose weights model
// carries, by the knowledge base's bases (finetunes, adapters, merges,
// quantisations; not distillation), nearest first. It returns nil for a
// model the knowledge base does not know.
func weightAncestors(k *kb.KB, model string) []string {
	m := k.ModelByName(model)
	if m == nil {
		return nil
	}
	var out []string
	seen := map[*kb.Model]bool{m: true}
	queue := []*kb.Model{m}
	for depth := 0; len(queue) > 0 && depth < maxKBWalk; depth++ {
		var next []*kb.Model
		for _, x := range queue {
			for _, b := range x.Bases {
				bm := k.ModelByName(b.Model)
				if b.Relation == Distilled || bm == nil || seen[bm] {
					continue
				}
				seen[bm] = true
				out = append(out, bm.ID)
				next = append(next, bm)
			}
		}
		queue = next
	}
	return out
}

// maxKBWalk bounds walks over the knowledge base's bases (the data may be
// overlaid with cycles).
const maxKBWalk = 16

// split sorts comparisons into agreeing (same or close) and disagreeing.
func split(facts []FactComparison) (matched, differed []FactComparison) {
	for _, f := range facts {
		if f.Outcome == FactDiffers {
			differed = append(differed, f)
		} else {
			matched = append(matched, f)
		}
	}
	return matched, differed
}

// others describes the candidates of best other than c.
func others(best []Candidate, c Candidate, describe func(Candidate) string) []string {
	var out []string
	for _, o := range best {
		if o.Record != c.Record {
			out = append(out, describe(o))
		}
	}
	return out
}

// modelList names models for a sentence: "A", "A and B", "A, B and C".
func modelList(ms []string) string {
	switch len(ms) {
	case 0:
		return ""
	case 1:
		return ms[0]
	}
	return strings.Join(ms[:len(ms)-1], ", ") + " and " + ms[len(ms)-1]
}

// rankBy orders candidates by fewest disagreements, then most agreements,
// then record id, and keeps those with the fewest disagreements; it
// returns the rest as runners-up.
func rankBy(cs []Candidate, weight func(Candidate) int) (best, rest []Candidate) {
	slices.SortStableFunc(cs, func(a, b Candidate) int {
		return cmp.Or(cmp.Compare(weight(a), weight(b)), cmp.Compare(len(b.Matched), len(a.Matched)), strings.Compare(a.Record, b.Record))
	})
	for i, c := range cs {
		if weight(c) != weight(cs[0]) {
			return cs[:i], cs[i:]
		}
	}
	return cs, nil
}
