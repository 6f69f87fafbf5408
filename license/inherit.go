package license

import (
	"fmt"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/kb"
)

// Ancestor is a model the audited release derives from, as lineage
// analysis found it. It is plain input: package provenance (or the card)
// establishes lineage; this package only checks licences along it.
type Ancestor struct {
	// Model is the ancestor's id ("meta-llama/Llama-3.1-8B").
	Model string
	// Relation is how the release derives from it (other spellings, as
	// "lora" or "quantised", are read as the relation they name).
	Relation kb.Relation
	// License is the ancestor's licence: a knowledge-base id or a declared
	// id. Empty means unknown; the knowledge base's model patterns are then
	// consulted.
	License string
	// Depth is 1 for a direct base, 2 for its base, and so on.
	Depth int
	// SameDeveloper is set when the release and the ancestor have the
	// same developer. When the ancestor is also one of the models its
	// licence record names (License.Models: the licensor's own releases),
	// the release is the licensor's own derivative (Qwen's
	// Qwen2.5-72B-Instruct of Qwen2.5-72B, Meta's Llama-3.1-8B-Instruct),
	// which the licence it grants others does not bind, and no rule is
	// checked against that ancestor. A developer's model under a licence
	// it took from someone else is still checked.
	SameDeveloper bool
	Evidence      []finding.Evidence
}

// normRelation folds the spellings of lineage relations.
func normRelation(r kb.Relation) kb.Relation {
	switch strings.ToLower(strings.TrimSpace(string(r))) {
	case "adapter", "lora", "peft":
		return kb.RelationAdapter
	case "merge", "merged":
		return kb.RelationMerge
	case "quantized", "quantised", "quantization", "quantisation", "quant":
		return kb.RelationQuantized
	case "distilled", "distillation", "distill":
		return kb.RelationDistilled
	}
	return kb.RelationFinetune
}

// Subjects of license.inheritance findings. Each rule a derivative can
// break has its own subject, so that a waiver for one does not waive
// another: the base licence's id for the rule that a derivative must stay
// under the base's licence (or keep its use restrictions, or share alike,
// or not be shared at all), and the id with a suffix for the others —
// "llama3.1#naming", "<id>#noncommercial", "<id>#outputs".
const (
	RuleLicense       = ""              // the derivative's licence
	RuleNaming        = "naming"        // name prefix or displayed phrase
	RuleNonCommercial = "noncommercial" // commercial use the base withholds
	RuleOutputs       = "outputs"       // training on outputs the base forbids
	subjectSep        = "#"             // between licence id and rule
)

// InheritanceSubject returns the subject of the license.inheritance
// finding about rule (RuleLicense, RuleNaming, …) of base licence id.
func InheritanceSubject(id, rule string) string {
	if rule == RuleLicense {
		return id
	}
	return id + subjectSep + rule
}

// SubjectLicense returns the licence id a license.* finding's subject
// names: the subject itself, or for a license.inheritance rule subject
// ("llama3.1#naming") the part before the rule.
func SubjectLicense(subject string) string {
	if i := strings.LastIndex(subject, subjectSep); i >= 0 {
		switch subject[i+len(subjectSep):] {
		case RuleNaming, RuleNonCommercial, RuleOutputs:
			return subject[:i]
		}
	}
	return subject
}

// CheckInheritance checks that the release honours the licence of each
// ancestor: a derivative must carry the licence its base requires (a Llama
// 3.x fine-tune declared Apache-2.0 does not), keep the naming its base
// requires, keep use restrictions that must flow down (OpenRAIL, DeepSeek,
// Gemma — whose Model Derivatives include distilled models), and keep a
// non-commercial limit. Findings are license.inheritance, inferred, one
// per base licence and rule, with the subjects InheritanceSubject gives.
// Each message says what the release must do, then why; the evidence
// cites where the base was named, where the release declares its own
// licence, and the base licence's term in the knowledge base.
func CheckInheritance(own *Result, ancestors []Ancestor, k *kb.KB) []finding.Finding {
	if own == nil {
		return nil
	}
	if k == nil {
		k = kb.Default()
	}
	declared := own.Declared()
	var out []finding.Finding
	seen := map[string]bool{}
	emit := func(base *kb.License, a Ancestor, rule, msg string, terms ...termRef) {
		subject := InheritanceSubject(base.ID, rule)
		if seen[subject] {
			return
		}
		seen[subject] = true
		ev := slices.Clone(a.Evidence)
		for _, l := range declared {
			for _, s := range l.Sources {
				if !s.Mention && !slices.Contains(ev, s.Evidence) {
					ev = append(ev, s.Evidence)
				}
			}
		}
		// The base licence is often not the release's own, so the report's
		// licences may not list it: its name goes with the terms cited.
		ev = append(ev, finding.Evidence{Path: KBPath, Field: base.ID + ".name", Value: base.Name})
		for _, t := range terms {
			ev = append(ev, t.evidence(base.ID)...)
		}
		out = append(out, finding.Finding{
			Code: finding.LicenseInheritance, Message: msg, Confidence: finding.Inferred,
			Subject: subject, Evidence: ev, References: base.References(),
		})
	}
	name := displayName(own)
	for _, a := range ancestors {
		base := k.License(a.License)
		if base == nil && strings.TrimSpace(a.License) == "" {
			base = k.LicenseForModel(a.Model)
		}
		if base == nil || base.Category == kb.CategoryUnknown {
			continue
		}
		if a.SameDeveloper && base.MatchesModel(a.Model) {
			// The licensor's own model, and the release is the licensor's.
			continue
		}
		rel := normRelation(a.Relation)
		// why says how the release derives from the base and whose licence
		// binds it: "it is a fine-tune of X, whose licence (llama3.1)" (it binds …).
		why := fmt.Sprintf("it is %s %s, whose licence (%s)", relationWord(a.Relation), a.Model, base.ID)
		// instead says what the release declares instead of the base's
		// licence.
		instead := ", not " + declaredIDs(declared)
		if len(declared) == 0 {
			instead = ", but declares no licence"
		}
		t := base.Terms
		if dl := t.DerivativeLicense; dl.Reaches(rel) && !acknowledges(own, base) {
			ref := termRef{"derivative_license", dl}
			switch dl.Value {
			case kb.DerivativeSame:
				if !carries(declared, base) {
					emit(base, a, RuleLicense, fmt.Sprintf("%s must stay under %s%s: %s binds derivatives%s.",
						name, base.ID, instead, why, clause(dl.Clause)), ref)
				}
			case kb.DerivativeRestrictions:
				if !carries(declared, base) && !slices.ContainsFunc(declared, flowsDown) {
					emit(base, a, RuleLicense, fmt.Sprintf("%s must keep the use restrictions of %s%s: %s makes derivatives keep them%s.",
						name, base.ID, instead, why, clause(dl.Clause)), ref)
				}
			case kb.DerivativeShareAlike:
				if !carries(declared, base) {
					emit(base, a, RuleLicense, fmt.Sprintf("%s must be shared under %s%s: %s requires adapted versions under the same licence%s.",
						name, base.ID, instead, why, clause(dl.Clause)), ref)
				}
			case kb.DerivativeNone:
				if rel != kb.RelationQuantized {
					emit(base, a, RuleLicense, fmt.Sprintf("%s may not be shared: %s allows no adapted versions%s.",
						name, why, clause(dl.Clause)), ref)
				}
			}
		}
		if c := t.CommercialUse; c != nil && c.Denied() && len(declared) > 0 && !carries(declared, base) &&
			!slices.ContainsFunc(declared, restrictsCommerce) {
			emit(base, a, RuleNonCommercial, fmt.Sprintf("%s may not be used commercially, though %s allows it: %s withholds commercial use%s.",
				name, declaredIDs(declared), why, clause(c.Clause)), termRef{"commercial_use", c})
		}
		if n := t.Naming; n != nil && n.Reaches(rel) {
			switch {
			case n.Prefix != "" && !hasPrefix(own.Names, n.Prefix):
				emit(base, a, RuleNaming, fmt.Sprintf("%s must be renamed to start with %q: %s requires it%s.",
					name, n.Prefix, why, clause(n.Clause)), termRef{"naming", n})
			case n.Prefix == "" && len(n.Phrases) > 0 && !slices.ContainsFunc(n.Phrases, own.HasPhrase):
				emit(base, a, RuleNaming, fmt.Sprintf("%s must display %s: %s requires it%s.",
					name, quoteAll(n.Phrases), why, clause(n.Clause)), termRef{"naming", n})
			}
		}
		if o := t.OutputRestriction; o != nil && o.Value == kb.OutputBanned && rel == kb.RelationDistilled && !carries(declared, base) {
			emit(base, a, RuleOutputs, fmt.Sprintf("%s breaks %s: it was trained on outputs of %s, whose licence forbids improving other models with them%s.",
				name, base.ID, a.Model, clause(o.Clause)), termRef{"output_restriction", o})
		}
	}
	slices.SortFunc(out, finding.Compare)
	return out
}

// termRef is a term of a base licence a finding rests on, with its key in
// licenses.yaml.
type termRef struct {
	key  string
	term *kb.Term
}

// evidence cites the term in the knowledge base: its value, and its
// summary (the message says only the rule).
func (t termRef) evidence(id string) []finding.Evidence {
	if t.term == nil {
		return nil
	}
	out := []finding.Evidence{{Path: KBPath, Field: id + "." + t.key, Value: string(t.term.Value)}}
	if t.term.Summary != "" {
		out = append(out, finding.Evidence{Path: KBPath, Field: id + "." + t.key + ".summary", Value: t.term.Summary})
	}
	return out
}

// clause renders a clause reference for the end of a sentence: " (§1.b.i)".
func clause(c string) string {
	if c == "" {
		return ""
	}
	return " (" + c + ")"
}

// carries reports whether the declared licences include base itself, or
// another version of its family (reported separately by version).
func carries(declared []*Identified, base *kb.License) bool {
	return slices.ContainsFunc(declared, func(l *Identified) bool { return l.ID == base.ID })
}

// acknowledges reports whether the release's licence section or gated
// prompt names base as applying alongside its own licence, as NVIDIA's
// Llama-based models do ("governed by the NVIDIA Open Model License.
// Additional Information: Llama 3.1 Community License Agreement"): the
// derivative then stays under the base licence.
func acknowledges(own *Result, base *kb.License) bool {
	l := own.License(base.ID)
	return l != nil && slices.ContainsFunc(l.Sources, func(s Source) bool {
		return s.Mention && (s.Kind == "card:section" || s.Kind == "card:extra_gated_prompt")
	})
}

// flowsDown reports whether a licence carries use restrictions that must
// flow down to derivatives (an OpenRAIL-style licence).
func flowsDown(l *Identified) bool {
	return l.License != nil && l.License.Terms.UseRestrictions != nil && l.License.Terms.UseRestrictions.FlowDown
}

// restrictsCommerce reports whether a licence withholds commercial use.
func restrictsCommerce(l *Identified) bool {
	if l.License == nil {
		return true // unknown terms: not evidence of dropping the limit
	}
	return !l.License.Terms.CommercialUse.Allowed()
}

func hasPrefix(names []string, prefix string) bool {
	p := strings.ToLower(prefix)
	for _, n := range names {
		if _, after, ok := strings.Cut(n, "/"); ok {
			n = after
		}
		n = strings.ToLower(strings.TrimSpace(n))
		// "Llama 3" is satisfied by "Llama-3-…" and "Llama3-…" alike.
		if strings.HasPrefix(n, p) || strings.HasPrefix(strings.NewReplacer("-", " ", "_", " ").Replace(n), p) ||
			strings.HasPrefix(n, strings.ReplaceAll(p, " ", "")) {
			return true
		}
	}
	return false
}

func displayName(r *Result) string {
	if len(r.Names) > 0 {
		return r.Names[0]
	}
	return r.Model
}

// declaredIDs names the licences the release declares: "apache-2.0",
// "apache-2.0 and mit".
func declaredIDs(declared []*Identified) string {
	var ids []string
	for _, l := range declared {
		ids = append(ids, l.ID)
	}
	return strings.Join(ids, " and ")
}

// relationWord says how a derivative relates to its base, before the
// base's name: "a fine-tune of", "an adapter on".
func relationWord(rel kb.Relation) string {
	switch rel {
	case kb.RelationAdapter:
		return "an adapter on"
	case kb.RelationMerge:
		return "a merge including"
	case kb.RelationQuantized:
		return "a quantisation of"
	case kb.RelationDistilled:
		return "distilled from the outputs of"
	case kb.RelationSameOrDerivative:
		return "by its own files the same model as, or a derivative of,"
	}
	return "a fine-tune of"
}

func quoteAll(ps []string) string {
	var q []string
	for _, p := range ps {
		q = append(q, `"`+p+`"`)
	}
	return strings.Join(q, " or ")
}
