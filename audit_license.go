package modelvet

import (
	"slices"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/license"
	"github.com/modelvet/modelvet/provenance"
	"github.com/modelvet/modelvet/report"
)

// licenses identifies the release's licences from every source, explains
// their terms and adds the license.* findings.
func (s *audit) licenses() {
	s.lic = license.Identify(s.rel, s.a.kb)
	for _, l := range s.lic.Licenses {
		rl := report.License{ID: l.ID, Name: l.Name(), Category: l.Category()}
		if l.License != nil {
			rl.SPDX = l.License.SPDX
			rl.Terms = l.License.Terms
			rl.References = l.License.References()
		}
		for _, src := range l.Sources {
			ev := src.Evidence
			if !slices.Contains(rl.Sources, ev) {
				rl.Sources = append(rl.Sources, ev)
			}
		}
		s.rep.Licenses = append(s.rep.Licenses, rl)
	}
	s.add(s.lic.Findings...)
}

// licenseInheritance checks the release's licences against those of the
// ancestors in the report's lineage.
func (s *audit) licenseInheritance() {
	if s.lic == nil {
		return
	}
	var ancestors []license.Ancestor
	for _, n := range s.rep.Lineage {
		// The release does not carry the weights of a model whose chat
		// format it was trained to.
		if n.Depth == 0 || n.Relation == provenance.RelationPostTrainedBy {
			continue
		}
		ancestors = append(ancestors, license.Ancestor{
			Model:    n.Model,
			Relation: n.Relation,
			License:  n.License,
			Depth:    n.Depth,
			// The licensor's own derivatives are not bound by its licence.
			SameDeveloper: s.developer != "" && n.Developer == s.developer,
			Evidence:      n.Evidence,
		})
	}
	for _, f := range license.CheckInheritance(s.lic, ancestors, s.a.kb) {
		if !slices.ContainsFunc(s.rep.Findings, func(o finding.Finding) bool {
			return o.Code == f.Code && o.Subject == f.Subject && strings.EqualFold(o.Message, f.Message)
		}) {
			s.add(f)
		}
	}
}
