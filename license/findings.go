package license

import (
	"fmt"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/manifest"
)

// findings derives the license.* findings of a release from what was
// identified.
func findings(rel *manifest.Release, r *Result, k *kb.KB) []finding.Finding {
	var out []finding.Finding
	applicable := r.Declared()
	if len(applicable) == 0 {
		// Only mentions: they are the best evidence there is.
		applicable = r.Licenses
	}
	if len(r.Licenses) == 0 && len(r.Unidentified) == 0 {
		out = append(out, missing(rel))
	}
	for _, d := range r.Unidentified {
		subject := d.Evidence.Value
		if subject == "" {
			subject = d.Evidence.Path
		}
		out = append(out, finding.Finding{
			Code:       finding.LicenseUnknown,
			Message:    "Licence not identified: " + d.Reason + ".",
			Confidence: finding.Declared,
			Subject:    subject,
			Evidence:   []finding.Evidence{d.Evidence},
		})
	}
	for _, l := range applicable {
		if l.License == nil || l.License.Category == kb.CategoryUnknown {
			msg := fmt.Sprintf("Licence %s is identified, but its terms are not known to modelvet.", l.ID)
			if l.License != nil && l.License.Name != "" && l.License.Name != l.ID {
				msg = fmt.Sprintf("The terms of %s (%s) are not known to modelvet.", l.License.Name, l.ID)
			}
			out = append(out, finding.Finding{Code: finding.LicenseUnknown, Message: msg, Confidence: confidence(l), Subject: l.ID, Evidence: evidence(l)})
			continue
		}
		out = append(out, termFindings(l, r)...)
	}
	if f, ok := conflict(r); ok {
		out = append(out, f)
	}
	slices.SortFunc(out, finding.Compare)
	return out
}

func missing(rel *manifest.Release) finding.Finding {
	msg := "No licence is declared: the card has no license field, and there is no LICENSE file."
	var ev []finding.Evidence
	switch {
	case rel.Card == nil:
		msg = "No licence is declared: there is no model card and no LICENSE file."
	case rel.Card.FrontMatterError != "":
		// The card may declare one where the YAML broke: never claim it has
		// no license field.
		msg = "No licence could be read: the card's front matter could not be parsed (" + rel.Card.FrontMatterError + "), no license field was recovered from it line by line, and there is no LICENSE file."
		ev = append(ev, finding.Evidence{Path: rel.Card.Path, Field: "license"})
	default:
		ev = append(ev, finding.Evidence{Path: rel.Card.Path, Field: "license"})
	}
	return finding.Finding{Code: finding.LicenseMissing, Message: msg, Confidence: finding.Declared, Subject: rel.Name, Evidence: ev}
}

// confidence is declared when some source declares the licence outright,
// else inferred.
func confidence(l *Identified) finding.Confidence {
	if slices.ContainsFunc(l.Sources, func(s Source) bool { return s.Confidence == finding.Declared && !s.Mention }) {
		return finding.Declared
	}
	return finding.Inferred
}

func evidence(l *Identified) []finding.Evidence {
	var out []finding.Evidence
	for _, s := range l.Sources {
		if !slices.Contains(out, s.Evidence) {
			out = append(out, s.Evidence)
		}
	}
	return out
}

// termFindings turns a licence's terms into findings; r says what the
// release is, for terms limited to some modalities.
func termFindings(l *Identified, r *Result) []finding.Finding {
	lic := l.License
	t := lic.Terms
	var out []finding.Finding
	// Each message is the term's plain summary, then the licence id and
	// clause; the licence's name and terms are in the report's licences,
	// and the evidence cites the knowledge-base term after the places
	// that declare the licence.
	add := func(code finding.Code, key string, term *kb.Term, what string) {
		msg := sentence(what, lic.ID, "")
		ev := evidence(l)
		if term != nil {
			if term.Summary != "" {
				msg = sentence(term.Summary, lic.ID, term.Clause)
			}
			ev = append(ev, finding.Evidence{Path: KBPath, Field: lic.ID + "." + key, Value: string(term.Value)})
		}
		refs := lic.References()
		if term != nil && term.Source != "" && !slices.Contains(refs, term.Source) {
			refs = append([]string{term.Source}, refs...)
		}
		out = append(out, finding.Finding{
			Code: code, Message: msg, Confidence: confidence(l), Subject: lic.ID,
			Evidence: ev, References: refs,
		})
	}
	commercialNo := t.CommercialUse.Denied()
	switch {
	case lic.Category == kb.CategoryResearchOnly:
		add(finding.LicenseResearchOnly, "commercial_use", t.CommercialUse, "Use is limited to research or evaluation")
	case lic.Category == kb.CategoryNonCommercial || commercialNo:
		add(finding.LicenseNonCommercial, "commercial_use", t.CommercialUse, "Commercial use is not granted")
	}
	if t.UserThreshold != nil {
		add(finding.LicenseUserThreshold, "user_threshold", t.UserThreshold, "A separate licence is needed above a user threshold")
	}
	if t.RevenueThreshold != nil {
		add(finding.LicenseUserThreshold, "revenue_threshold", t.RevenueThreshold, "A separate licence is needed above a revenue threshold")
	}
	if t.UseRestrictions != nil {
		add(finding.LicenseUseRestrictions, "use_restrictions", t.UseRestrictions, "Use restrictions apply")
	}
	// Outputs that may train other models as long as those carry the
	// licence's name (Llama 3.1+, Qwen) are a naming rule, not a
	// restriction on outputs: the naming finding says so and cites both
	// terms.
	namedOutputs := t.OutputRestriction != nil && t.OutputRestriction.Value == kb.OutputNaming && t.Naming != nil
	if o := t.OutputRestriction; o != nil && o.Value != kb.OutputNone && !namedOutputs {
		add(finding.LicenseOutputRestriction, "output_restriction", o, "The use of outputs to train other models is limited")
	}
	switch {
	case t.Naming != nil:
		add(finding.LicenseNaming, "naming", t.Naming, "Naming rules apply")
		if namedOutputs {
			f := &out[len(out)-1]
			f.Evidence = append(f.Evidence, finding.Evidence{Path: KBPath, Field: lic.ID + ".output_restriction", Value: string(t.OutputRestriction.Value)})
		}
	case t.Attribution != nil && len(t.Attribution.Phrases) > 0:
		add(finding.LicenseNaming, "attribution", t.Attribution, "An attribution notice is required")
	}
	if t.Territory.AppliesTo(r.Modality) {
		add(finding.LicenseTerritory, "territory", t.Territory, "Some territories are excluded")
		if len(t.Territory.Modalities) > 0 && r.Modality != "" {
			// Say why a term limited to some models reaches this one.
			f := &out[len(out)-1]
			f.Evidence = append(f.Evidence, r.ModalityEvidence...)
		}
	}
	if t.Copyleft != nil || lic.Category == kb.CategoryReciprocal {
		add(finding.LicenseCopyleft, "copyleft", t.Copyleft, "Changes must be shared under the same licence")
	}
	return out
}

// KBPath is the evidence path that cites a licence record of the knowledge
// base; the field is "<licence id>.<term>" (the term's key in
// licenses.yaml) and the value the term's value.
const KBPath = "kb:licenses.yaml"

// sentence ends text with the licence id and clause it comes from, as
// the text report cites terms: "You may not … derivatives). [llama3
// §1.b.v]".
func sentence(text, id, clause string) string {
	text = strings.TrimSpace(text)
	if !strings.HasSuffix(text, ".") {
		text += "."
	}
	cite := id
	if clause != "" {
		cite += " " + clause
	}
	return text + " [" + cite + "]"
}

// conflict reports whether the places that declare a licence disagree: two
// places (the card, a LICENSE file, a GGUF file, an Ollama licence layer)
// whose licences have nothing in common.
func conflict(r *Result) (finding.Finding, bool) {
	var places []*place
	get := func(key string) *place {
		for _, p := range places {
			if p.key == key {
				return p
			}
		}
		p := &place{key: key}
		places = append(places, p)
		return p
	}
	for _, l := range r.Licenses {
		for _, s := range l.Sources {
			if s.Mention || s.Scope == "code" {
				continue
			}
			key := s.Evidence.Path
			if strings.HasPrefix(s.Kind, "card") {
				key = "card"
			}
			p := get(key)
			if !slices.Contains(p.ids, l) {
				p.ids = append(p.ids, l)
			}
		}
	}
	var involved []*Identified
	var where []*place
	for i, a := range places {
		for _, b := range places[i+1:] {
			if agree(a.ids, b.ids) {
				continue
			}
			for _, l := range append(slices.Clone(a.ids), b.ids...) {
				if !slices.Contains(involved, l) {
					involved = append(involved, l)
				}
			}
			for _, p := range []*place{a, b} {
				if !slices.Contains(where, p) {
					where = append(where, p)
				}
			}
		}
	}
	if len(involved) == 0 {
		return finding.Finding{}, false
	}
	slices.SortFunc(involved, func(a, b *Identified) int { return strings.Compare(a.ID, b.ID) })
	var ids []string
	var ev []finding.Evidence
	var refs []string
	for _, l := range involved {
		ids = append(ids, l.ID)
		for _, s := range l.Sources {
			if !slices.Contains(ev, s.Evidence) {
				ev = append(ev, s.Evidence)
			}
		}
		if l.License != nil {
			for _, u := range l.License.References() {
				if !slices.Contains(refs, u) {
					refs = append(refs, u)
				}
			}
		}
	}
	return finding.Finding{
		Code:       finding.LicenseConflict,
		Message:    "The release declares licences that disagree: " + placesText(where) + ".",
		Confidence: finding.Declared,
		Subject:    strings.Join(ids, " | "),
		Evidence:   ev,
		References: refs,
	}, true
}

// place is where licences are declared: "card", or a file's path.
type place struct {
	key string
	ids []*Identified
}

// placesText says which licences each place declares: "apache-2.0 in the
// card; mit in model.gguf".
func placesText(ps []*place) string {
	var parts []string
	for _, p := range ps {
		var ids []string
		for _, l := range p.ids {
			ids = append(ids, l.ID)
		}
		where := p.key
		if where == "card" {
			where = "the card"
		}
		parts = append(parts, strings.Join(ids, " and ")+" in "+where)
	}
	return strings.Join(parts, "; ")
}

// agree reports whether two places' licences have one in common, counting a
// family id ("openrail", "gpl") as agreeing with any of its members.
func agree(a, b []*Identified) bool {
	for _, x := range a {
		for _, y := range b {
			if x.ID == y.ID || member(x, y) || member(y, x) {
				return true
			}
		}
	}
	return false
}

// member reports whether fam is a family id that l belongs to.
func member(fam, l *Identified) bool {
	if l.License != nil && l.License.Family != "" && l.License.Family == fam.ID {
		return true
	}
	return fam.License != nil && fam.License.SPDX == "" && strings.HasPrefix(l.ID, fam.ID+"-")
}
