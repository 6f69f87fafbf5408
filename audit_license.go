package modelvet

import (
	"fmt"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/report"
)

// licenses reports the licences the release declares.
func (s *audit) licenses() {
	card := s.rel.Card
	byID := map[string]int{}
	addSource := func(id string, ev finding.Evidence) {
		i, ok := byID[id]
		if !ok {
			l := report.License{ID: id, Name: id, Category: "unknown"}
			if k := s.a.kb.License(id); k != nil {
				l.ID, l.Name, l.SPDX, l.Category, l.Terms = k.ID, k.Name, k.SPDX, k.Category, k.Terms
			}
			s.rep.Licenses = append(s.rep.Licenses, l)
			i = len(s.rep.Licenses) - 1
			byID[id] = i
		}
		s.rep.Licenses[i].Sources = append(s.rep.Licenses[i].Sources, ev)
	}
	if card != nil {
		for _, f := range card.License {
			id := f.Value
			if id == "other" {
				switch {
				case card.LicenseName.Value != "":
					id = card.LicenseName.Value
				case card.LicenseDetails.Value != "":
					id = card.LicenseDetails.Value
				}
			}
			addSource(id, card.Evidence("license", f))
		}
	}
	for _, f := range s.rel.Files {
		if f.GGUF != nil {
			if v := f.GGUF.String("general.license"); v != "" {
				addSource(v, f.GGUF.Evidence(f.Path, "general.license"))
			}
		}
	}
	if len(s.rep.Licenses) == 0 && len(s.rel.LicenseTexts) == 0 {
		msg := "no licence is declared: the card has no license field, and there is no LICENSE file"
		if card == nil {
			msg = "no licence is declared: there is no model card and no LICENSE file"
		}
		ev := []finding.Evidence{}
		if card != nil {
			ev = append(ev, finding.Evidence{Path: card.Path, Field: "license"})
		}
		s.add(finding.Finding{Code: finding.LicenseMissing, Message: msg, Confidence: finding.Declared, Subject: s.rel.Name, Evidence: ev})
	}
	for _, l := range s.rep.Licenses {
		if l.Category == "unknown" {
			s.add(finding.Finding{
				Code:       finding.LicenseUnknown,
				Message:    fmt.Sprintf("licence %q is declared but not identified", l.ID),
				Confidence: finding.Declared,
				Subject:    l.ID,
				Evidence:   l.Sources,
			})
		}
	}
}
