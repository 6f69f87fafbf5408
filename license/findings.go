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
			Message:    "licence not identified: " + d.Reason,
			Confidence: finding.Declared,
			Subject:    subject,
			Evidence:   []finding.Evidence{d.Evidence},
		})
	}
	for _, l := range applicable {
		if l.License == nil || l.License.Category == kb.CategoryUnknown {
			msg := fmt.Sprintf("licence %s is identified, but modelvet has no terms for it", l.ID)
			if l.License != nil {
				msg = fmt.Sprintf("%s: the terms are not known", l.License.Name)
			}
			out = append(out, finding.Finding{Code: finding.LicenseUnknown, Message: msg, Confidence: confidence(l), Subject: l.ID, Evidence: evidence(l)})
			continue
		}
		out = append(out, termFindings(l)...)
	}
	if f, ok := conflict(r); ok {
		out = append(out, f)
	}
	slices.SortFunc(out, finding.Compare)
	return out
}

func missing(rel *manifest.Release) finding.Finding {
	msg := "no licence is declared: the card has no license field, and there is no LICENSE file"
	var ev []finding.Evidence
	if rel.Card == nil {
		msg = "no licence is declared: there is no model card and no LICENSE file"
	} else {
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

// termFindings turns a licence's terms into findings.
func termFindings(l *Identified) []finding.Finding {
	lic := l.License
	t := lic.Terms
	var out []finding.Finding
	add := func(code finding.Code, term *kb.Term, what string) {
		msg := lic.Name + ": " + what
		if term != nil && term.Summary != "" {
			msg = lic.Name + ": " + term.Summary
			if term.Clause != "" {
				msg += " (" + term.Clause + ")"
			}
		}
		refs := lic.References()
		if term != nil && term.Source != "" && !slices.Contains(refs, term.Source) {
			refs = append([]string{term.Source}, refs...)
		}
		out = append(out, finding.Finding{
			Code: code, Message: msg, Confidence: confidence(l), Subject: lic.ID,
			Evidence: evidence(l), References: refs,
		})
	}
	commercialNo := t.CommercialUse != nil && t.CommercialUse.Value == "no"
	switch {
	case lic.Category == kb.CategoryResearchOnly:
		add(finding.LicenseResearchOnly, t.CommercialUse, "use is limited to research or evaluation")
	case lic.Category == kb.CategoryNonCommercial || commercialNo:
		add(finding.LicenseNonCommercial, t.CommercialUse, "commercial use is not granted")
	}
	if t.UserThreshold != nil {
		add(finding.LicenseUserThreshold, t.UserThreshold, "a separate licence is needed above a user threshold")
	}
	if t.RevenueThreshold != nil {
		add(finding.LicenseUserThreshold, t.RevenueThreshold, "a separate licence is needed above a revenue threshold")
	}
	if t.UseRestrictions != nil {
		add(finding.LicenseUseRestrictions, t.UseRestrictions, "use restrictions apply")
	}
	if o := t.OutputRestriction; o != nil && o.Value != "none" {
		add(finding.LicenseOutputRestriction, o, "the use of outputs to train other models is limited")
	}
	switch {
	case t.Naming != nil:
		add(finding.LicenseNaming, t.Naming, "naming rules apply")
	case t.Attribution != nil && len(t.Attribution.Phrases) > 0:
		add(finding.LicenseNaming, t.Attribution, "an attribution notice is required")
	}
	if t.Territory != nil {
		add(finding.LicenseTerritory, t.Territory, "some territories are excluded")
	}
	if t.Copyleft != nil || lic.Category == kb.CategoryReciprocal {
		add(finding.LicenseCopyleft, t.Copyleft, "changes must be shared under the same licence")
	}
	return out
}

// conflict reports whether the places that declare a licence disagree: two
// places (the card, a LICENSE file, a GGUF file, an Ollama licence layer)
// whose licences have nothing in common.
func conflict(r *Result) (finding.Finding, bool) {
	type place struct {
		key string
		ids []*Identified
	}
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
		}
	}
	if len(involved) == 0 {
		return finding.Finding{}, false
	}
	slices.SortFunc(involved, func(a, b *Identified) int { return strings.Compare(a.ID, b.ID) })
	var ids, names []string
	var ev []finding.Evidence
	var refs []string
	for _, l := range involved {
		ids = append(ids, l.ID)
		names = append(names, l.Name())
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
		Message:    "the release declares different licences in different places: " + strings.Join(names, "; "),
		Confidence: finding.Declared,
		Subject:    strings.Join(ids, " | "),
		Evidence:   ev,
		References: refs,
	}, true
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
