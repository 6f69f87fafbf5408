package provenance

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/modelvet/modelvet/fingerprint"
	"github.com/modelvet/modelvet/kb"
)

const (
	// minDecisiveFacts is how many decisive facts (layers, widths, heads,
	// experts, vocabulary) must agree, layers and hidden size among them,
	// before a shape names a record: a handful of sizes is shared by
	// unrelated models.
	minDecisiveFacts = 4
	// vocabExtension is how many rows larger than a record's vocabulary a
	// release's may be and still be read as the same vocabulary with added
	// tokens (ChatML's two, padding to a multiple of 64, a few hundred
	// control tokens).
	vocabExtension = 1024
)

// archComparison is a release's architecture compared with one record.
type archComparison struct {
	facts []FactComparison
	// decisive counts the decisive facts compared; rejected is set when
	// one of them differs.
	decisive           int
	rejected           bool
	layers, hiddenSize bool
	// unconfirmed names the decisive facts the release states and the
	// record does not: a record that confirms more of them is closer.
	unconfirmed []string
}

// soft counts the agreements that are not exact, the non-decisive facts
// that differ and the decisive ones the record cannot confirm: the lower,
// the closer the record. Type names (model_type, classes) do not count:
// conversions rename them, and values, not names, identify a model.
func (c archComparison) soft() int {
	n := len(c.unconfirmed)
	for _, f := range c.facts {
		if f.Fact == "model_type" || f.Fact == "classes" {
			continue
		}
		if f.Outcome == FactClose || f.Outcome == FactDiffers && !f.Decisive {
			n++
		}
	}
	return n
}

// accepted reports whether the record names the release's shape. A
// record that cannot confirm the vocabulary size the release states is
// not enough: unrelated models share every other size (Mistral 7B and
// Llama 3 8B differ only in vocabulary and RoPE base).
func (c archComparison) accepted() bool {
	return !c.rejected && c.layers && c.hiddenSize && c.decisive >= minDecisiveFacts && !slices.Contains(c.unconfirmed, "vocab_size")
}

func (c *archComparison) add(f FactComparison) {
	c.facts = append(c.facts, f)
	if !f.Decisive {
		return
	}
	c.decisive++
	if f.Outcome == FactDiffers {
		c.rejected = true
	}
}

func compareInt(c *archComparison, fact string, decisive bool, rel *fingerprint.Fact[int64], rec *int64) {
	if rel == nil || rec == nil {
		if rel != nil && decisive {
			c.unconfirmed = append(c.unconfirmed, fact)
		}
		return
	}
	f := FactComparison{Fact: fact, Release: strconv.FormatInt(rel.Value, 10), Record: strconv.FormatInt(*rec, 10),
		Outcome: FactSame, Decisive: decisive, Path: rel.Path, Field: rel.Field}
	if rel.Value != *rec {
		f.Outcome = FactDiffers
	}
	c.add(f)
	switch fact {
	case "layers":
		c.layers = true
	case "hidden_size":
		c.hiddenSize = true
	}
}

func compareFloat(c *archComparison, fact string, rel *fingerprint.Fact[float64], rec *float64) {
	if rel == nil || rec == nil {
		return
	}
	f := FactComparison{Fact: fact, Release: formatFloat(rel.Value), Record: formatFloat(*rec), Outcome: FactSame, Path: rel.Path, Field: rel.Field}
	if math.Abs(rel.Value-*rec) > 1e-9*math.Max(math.Abs(rel.Value), math.Abs(*rec)) {
		f.Outcome = FactDiffers
	}
	c.add(f)
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// ropeScalingType folds the names of one method: Phi-3's first revision
// called longrope "su".
func ropeScalingType(s string) string {
	if s = strings.ToLower(s); s == "su" {
		return "longrope"
	}
	return s
}

// compareArchitecture compares a release's architecture facts with a
// record. The shape (layers, widths, heads, experts, LoRA ranks,
// vocabulary) is decisive; the model type, class, RoPE settings, context
// length and tied embeddings are not, since fine-tunes, conversions and
// context extensions change them.
func compareArchitecture(a *fingerprint.Architecture, r *kb.Architecture) archComparison {
	var c archComparison
	for _, f := range []struct {
		name string
		rel  *fingerprint.Fact[int64]
		rec  *int64
	}{
		{"layers", a.Layers, r.Layers}, {"hidden_size", a.HiddenSize, r.HiddenSize}, {"heads", a.Heads, r.Heads},
		{"kv_heads", a.KVHeads, r.KVHeads}, {"head_dim", a.HeadDim, r.HeadDim}, {"ffn_size", a.FFNSize, r.FFNSize},
		{"moe_ffn_size", a.MoEFFNSize, r.MoEFFNSize}, {"experts", a.Experts, r.Experts},
		{"shared_experts", a.SharedExperts, r.SharedExperts}, {"shared_expert_ffn_size", a.SharedExpertFFNSize, r.SharedExpertFFNSize},
		{"experts_per_token", a.ExpertsPerToken, r.ExpertsPerToken}, {"q_lora_rank", a.QLoRARank, r.QLoRARank},
		{"kv_lora_rank", a.KVLoRARank, r.KVLoRARank},
	} {
		compareInt(&c, f.name, true, f.rel, f.rec)
	}
	compareProjections(&c, a, r)
	compareExperts(&c, a, r)
	if a.VocabSize != nil && r.VocabSize == nil {
		c.unconfirmed = append(c.unconfirmed, "vocab_size")
	}
	if a.VocabSize != nil && r.VocabSize != nil {
		f := FactComparison{Fact: "vocab_size", Release: strconv.FormatInt(a.VocabSize.Value, 10), Record: strconv.FormatInt(*r.VocabSize, 10),
			Outcome: FactSame, Decisive: true, Path: a.VocabSize.Path, Field: a.VocabSize.Field}
		switch extra := a.VocabSize.Value - *r.VocabSize; {
		case extra > 0 && extra <= vocabExtension:
			f.Outcome, f.Note = FactClose, fmt.Sprintf("%d rows more: the vocabulary was extended", extra)
		case extra != 0:
			f.Outcome = FactDiffers
		}
		c.add(f)
	}
	compareFloat(&c, "rope_theta", a.RopeTheta, r.RopeTheta)
	compareFloat(&c, "rope_factor", a.RopeFactor, r.RopeFactor)
	compareInt(&c, "context_length", false, a.ContextLength, r.ContextLength)
	if a.ModelType != nil && r.ModelType != "" {
		c.add(compareText("model_type", a.ModelType, r.ModelType, strings.EqualFold(a.ModelType.Value, r.ModelType)))
	}
	if a.RopeScaling != nil && r.RopeScaling != "" {
		c.add(compareText("rope_scaling", a.RopeScaling, r.RopeScaling, ropeScalingType(a.RopeScaling.Value) == ropeScalingType(r.RopeScaling)))
	}
	if a.Classes != nil && len(r.Classes) > 0 {
		same := slices.ContainsFunc(a.Classes.Value, func(s string) bool { return slices.Contains(r.Classes, s) })
		c.add(FactComparison{Fact: "classes", Release: strings.Join(a.Classes.Value, ", "), Record: strings.Join(r.Classes, ", "),
			Outcome: factOutcome(same), Path: a.Classes.Path, Field: a.Classes.Field})
	}
	if a.TiedEmbeddings != nil && r.TiedEmbeddings != nil {
		c.add(FactComparison{Fact: "tied_embeddings", Release: strconv.FormatBool(a.TiedEmbeddings.Value), Record: strconv.FormatBool(*r.TiedEmbeddings),
			Outcome: factOutcome(a.TiedEmbeddings.Value == *r.TiedEmbeddings), Path: a.TiedEmbeddings.Path, Field: a.TiedEmbeddings.Field})
	}
	return c
}

// compareProjections compares the attention projections' widths that
// tensor shapes state (heads × head size, key-value heads × head size)
// with the record's factors; a record without a head size has its
// config's, the hidden size over the heads. Latent attention projects to
// other widths, so neither is compared when either side has it.
func compareProjections(c *archComparison, a *fingerprint.Architecture, r *kb.Architecture) {
	if a.KVLoRARank != nil || r.KVLoRARank != nil || (a.QSize == nil && a.KVSize == nil) {
		return
	}
	headDim := r.HeadDim
	if headDim == nil && r.HiddenSize != nil && r.Heads != nil && *r.Heads > 0 && *r.HiddenSize%*r.Heads == 0 {
		d := *r.HiddenSize / *r.Heads
		headDim = &d
	}
	product := func(heads *int64) *int64 {
		if heads == nil || headDim == nil {
			return nil
		}
		n := *heads * *headDim
		return &n
	}
	compareInt(c, "q_size", true, a.QSize, product(r.Heads))
	compareInt(c, "kv_size", true, a.KVSize, product(r.KVHeads))
}

// compareExperts tells a mixture of experts from a dense network: configs
// and GGUF files of mixture-of-experts models state an expert count, dense
// ones none. The shape of the release is known when it states its layers
// and width.
func compareExperts(c *archComparison, a *fingerprint.Architecture, r *kb.Architecture) {
	rel, rec := a.Experts != nil && a.Experts.Value > 1, r.Experts != nil && *r.Experts > 1
	if rel == rec || a.Layers == nil || a.HiddenSize == nil || a.Experts != nil && r.Experts != nil {
		return
	}
	f := FactComparison{Fact: "experts", Release: "(dense)", Record: strconv.FormatInt(derefOr(r.Experts), 10), Outcome: FactDiffers, Decisive: true,
		Note: "one is a mixture of experts, the other dense", Path: a.Layers.Path}
	if rel {
		f.Release, f.Record, f.Path, f.Field = strconv.FormatInt(a.Experts.Value, 10), "(dense)", a.Experts.Path, a.Experts.Field
	}
	c.add(f)
}

func derefOr(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func compareText(fact string, rel *fingerprint.Fact[string], rec string, same bool) FactComparison {
	return FactComparison{Fact: fact, Release: rel.Value, Record: rec, Outcome: factOutcome(same), Path: rel.Path, Field: rel.Field}
}

func factOutcome(same bool) string {
	if same {
		return FactSame
	}
	return FactDiffers
}

// recognizeArchitecture returns the records whose shape the release has,
// closest first: those with the fewest inexact or differing settings.
func recognizeArchitecture(a *fingerprint.Architecture, k *kb.KB) []Candidate {
	var cs []Candidate
	soft := map[string]int{}
	for _, r := range k.Architectures {
		cmp := compareArchitecture(a, r)
		if !cmp.accepted() {
			continue
		}
		c := newCandidate(k, KindArchitecture, RelationSameOrDerivative, architectureInfo(r), cmp.facts)
		c.Unconfirmed = cmp.unconfirmed
		soft[r.ID] = cmp.soft()
		cs = append(cs, c)
	}
	if len(cs) == 0 {
		return nil
	}
	best, rest := rankBy(cs, func(c Candidate) int { return soft[c.Record] })
	for i := range best {
		best[i].Ambiguity = architectureAmbiguity(best[i], best, rest, a.VocabSize == nil)
	}
	return best
}

// architectureAmbiguity says how an architecture match could be wrong.
func architectureAmbiguity(c Candidate, best, rest []Candidate, noVocab bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Fine-tunes, distillations onto a base and instruct versions keep their base's shape, so the files cannot tell %s from a model derived from them; a model trained from scratch to the same shape would also match.",
		modelList(c.Models))
	if ties := others(best, c, func(o Candidate) string { return modelList(o.Models) }); len(ties) > 0 {
		fmt.Fprintf(&b, " The files match %s equally.", strings.Join(ties, "; "))
	}
	for _, o := range rest {
		var facts []string
		for _, f := range o.Differed {
			facts = append(facts, f.Fact)
		}
		for _, f := range o.Matched {
			if f.Outcome == FactClose {
				facts = append(facts, f.Fact)
			}
		}
		have, differ := "has", "differs"
		if len(o.Models) > 1 {
			have, differ = "have", "differ"
		}
		fmt.Fprintf(&b, " %s %s the same shape", modelList(o.Models), have)
		if len(facts) > 0 {
			fmt.Fprintf(&b, " but %s in %s", differ, strings.Join(facts, ", "))
		}
		if len(o.Unconfirmed) > 0 {
			fmt.Fprintf(&b, "; its record states no %s", strings.Join(o.Unconfirmed, ", "))
		}
		b.WriteString(".")
	}
	var changed []string
	for _, f := range append(slices.Clone(c.Matched), c.Differed...) {
		if f.Outcome != FactSame {
			changed = append(changed, fmt.Sprintf("%s %s, not %s", f.Fact, f.Release, f.Record))
		}
	}
	if len(changed) > 0 {
		fmt.Fprintf(&b, " Settings a derivative may change differ: %s.", strings.Join(changed, "; "))
	}
	if noVocab {
		b.WriteString(" The release states no vocabulary size, which would tell apart models of the same shape.")
	}
	return b.String()
}
