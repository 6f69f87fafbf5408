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
	// Relation is how the release derives from it: finetune, adapter,
	// merge, quantized or distilled.
	Relation string
	// License is the ancestor's licence: a knowledge-base id or a declared
	// id. Empty means unknown; the knowledge base's model patterns are then
	// consulted.
	License string
	// Depth is 1 for a direct base, 2 for its base, and so on.
	Depth    int
	Evidence []finding.Evidence
}

// normRelation folds the spellings of lineage relations.
func normRelation(r string) string {
	switch strings.ToLower(strings.TrimSpace(r)) {
	case "adapter", "lora", "peft":
		return "adapter"
	case "merge", "merged":
		return "merge"
	case "quantized", "quantised", "quantization", "quantisation", "quant":
		return "quantized"
	case "distilled", "distillation", "distill":
		return "distilled"
	}
	return "finetune"
}

// CheckInheritance checks that the release honours the licence of each
// ancestor: a derivative must carry the licence its base requires (a Llama
// 3.x fine-tune declared Apache-2.0 does not), keep the naming its base
// requires, keep use restrictions that must flow down (OpenRAIL, DeepSeek,
// Gemma — whose Model Derivatives include distilled models), and keep a
// non-commercial limit. Findings are license.inheritance, inferred.
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
	emit := func(base *kb.License, a Ancestor, rule, msg string) {
		key := base.ID + "\x00" + rule
		if seen[key] {
			return
		}
		seen[key] = true
		ev := slices.Clone(a.Evidence)
		for _, l := range declared {
			for _, s := range l.Sources {
				if !s.Mention && !slices.Contains(ev, s.Evidence) {
					ev = append(ev, s.Evidence)
				}
			}
		}
		out = append(out, finding.Finding{
			Code: finding.LicenseInheritance, Message: msg, Confidence: finding.Inferred,
			Subject: base.ID, Evidence: ev, References: base.References(),
		})
	}
	for _, a := range ancestors {
		base := k.License(a.License)
		if base == nil && strings.TrimSpace(a.License) == "" {
			base = k.LicenseForModel(a.Model)
		}
		if base == nil || base.Category == kb.CategoryUnknown {
			continue
		}
		rel := normRelation(a.Relation)
		what := fmt.Sprintf("%s (%s of %s, under the %s)", displayName(own), relationWord(rel), a.Model, base.Name)
		t := base.Terms
		if dl := t.DerivativeLicense; dl.Reaches(rel) {
			switch dl.Value {
			case kb.DerivativeSame:
				if !carries(declared, base) {
					emit(base, a, "licence", fmt.Sprintf("%s declares %s, but derivatives stay under the base model's licence: %s [%s]",
						what, declaredText(declared), dl.Summary, dl.Clause))
				}
			case kb.DerivativeRestrictions:
				if !carries(declared, base) && !slices.ContainsFunc(declared, flowsDown) {
					emit(base, a, "licence", fmt.Sprintf("%s declares %s, which drops the use restrictions that must flow down: %s [%s]",
						what, declaredText(declared), dl.Summary, dl.Clause))
				}
			case kb.DerivativeShareAlike:
				if !carries(declared, base) {
					emit(base, a, "licence", fmt.Sprintf("%s declares %s, but adapted versions must be shared under the same licence [%s]",
						what, declaredText(declared), dl.Clause))
				}
			case kb.DerivativeNone:
				if rel != "quantized" {
					emit(base, a, "licence", fmt.Sprintf("%s: the base licence does not allow sharing adapted versions [%s]", what, dl.Clause))
				}
			}
		}
		if c := t.CommercialUse; c != nil && c.Value == "no" && len(declared) > 0 && !carries(declared, base) &&
			!slices.ContainsFunc(declared, restrictsCommerce) {
			emit(base, a, "noncommercial", fmt.Sprintf("%s declares %s, which allows commercial use, but the base model's licence does not: %s", what, declaredText(declared), c.Summary))
		}
		if n := t.Naming; n != nil && n.Reaches(rel) {
			switch {
			case n.Prefix != "" && !hasPrefix(own.Names, n.Prefix):
				emit(base, a, "naming", fmt.Sprintf("%s is named %q, but the base licence requires the name of a derived model to start with %q [%s]",
					what, displayName(own), n.Prefix, n.Clause))
			case n.Prefix == "" && len(n.Phrases) > 0 && !slices.ContainsFunc(n.Phrases, own.HasPhrase):
				emit(base, a, "naming", fmt.Sprintf("%s does not display %s, which the base licence requires [%s]",
					what, quoteAll(n.Phrases), n.Clause))
			}
		}
		if o := t.OutputRestriction; o != nil && o.Value == "banned" && rel == "distilled" && !carries(declared, base) {
			emit(base, a, "outputs", fmt.Sprintf("%s was trained on the outputs of a model whose licence forbids improving other models with them: %s [%s]",
				what, o.Summary, o.Clause))
		}
	}
	slices.SortFunc(out, finding.Compare)
	return out
}

// carries reports whether the declared licences include base itself, or
// another version of its family (reported separately by version).
func carries(declared []*Identified, base *kb.License) bool {
	return slices.ContainsFunc(declared, func(l *Identified) bool { return l.ID == base.ID })
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
	c := l.License.Terms.CommercialUse
	return c == nil || c.Value != "yes"
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

func declaredText(declared []*Identified) string {
	if len(declared) == 0 {
		return "no licence"
	}
	var names []string
	for _, l := range declared {
		names = append(names, l.Name())
	}
	return strings.Join(names, " and ")
}

func relationWord(rel string) string {
	switch rel {
	case "adapter":
		return "an adapter"
	case "merge":
		return "a merge"
	case "quantized":
		return "a quantisation"
	case "distilled":
		return "distilled from outputs"
	}
	return "a fine-tune"
}

func quoteAll(ps []string) string {
	var q []string
	for _, p := range ps {
		q = append(q, `"`+p+`"`)
	}
	return strings.Join(q, " or ")
}
