package modelvet

import (
	"slices"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/provenance"
	"github.com/modelvet/modelvet/report"
)

// lineage traces where the model came from: its lineage graph (from every
// declared source and the knowledge base), the origin of each model in it,
// training on restricted outputs, public allegations, and the government
// policies of the selected jurisdictions.
func (s *audit) lineage() {
	k := s.a.kb
	g := provenance.Lineage(s.rel, k, provenance.LineageOptions{})
	if len(g.Nodes) > 0 && g.Nodes[0].License == "" {
		// The lineage reads the licence the card or a GGUF file declares;
		// an Ollama licence layer or a LICENSE file alone is known only to
		// the licence identification, which ran first.
		g.Nodes[0].License = s.releaseLicense()
	}
	s.rep.Lineage = lineageNodes(g)
	s.rep.Roots = roots(g)
	s.rep.WeightsOrigin = origin(g)
	if len(g.Nodes) > 0 && len(s.rep.Lineage) > 0 {
		if c := g.Nodes[0].OriginConfidence; c == finding.Declared || c == finding.Verified {
			s.developer = s.rep.Lineage[0].Developer
		}
	}
	s.add(provenance.LineageFindings(g)...)
	s.add(provenance.Origins(g)...)
	s.add(provenance.RestrictedOutputs(g, k)...)
	s.add(provenance.Allegations(g, k)...)
	// New rejected unknown jurisdictions, so Government reports none; the
	// policy's lineage settings say how far along the lineage its
	// coverage is followed.
	matches, _ := provenance.GovernmentMatches(g, k, s.a.juris, s.a.policy.GovernmentOptions())
	for _, m := range matches {
		s.add(m.Finding)
		s.rep.Government = append(s.rep.Government, government(m))
	}
	s.add(s.a.policy.deniedOrigins(g, k)...)
}

// roots lists the models of g that derive from no other model of g.
func roots(g *provenance.Graph) []string {
	var out []string
	for i, n := range g.Nodes {
		if len(g.Parents(i)) == 0 && !slices.Contains(out, n.Model) {
			out = append(out, n.Model)
		}
	}
	return out
}

// origin is who made the weights the release carries.
func origin(g *provenance.Graph) *report.Origin {
	if len(g.Nodes) == 0 {
		return nil
	}
	return reportOrigin(g.Origin())
}

func reportOrigin(o provenance.Origin) *report.Origin {
	out := &report.Origin{
		Model: o.Model, Relation: o.Relation, DeveloperID: o.Developer, Developer: o.DeveloperName,
		Country: o.Country, Confidence: o.Confidence, Repackager: o.Repackager,
	}
	for _, a := range o.Alternatives {
		out.Alternatives = append(out.Alternatives, *reportOrigin(a))
	}
	return out
}

// government is the report's record of a government policy that covers
// the model or an ancestor.
func government(m provenance.GovernmentMatch) report.Government {
	p := m.Policy
	return report.Government{
		Policy: p.ID, Instrument: p.Instrument, Jurisdiction: p.Jurisdiction, JurisdictionName: p.JurisdictionName,
		Status: p.Status, Covers: m.Covers, Model: m.Model, Certain: m.Certain(), Confidence: m.Finding.Confidence,
	}
}

// lineageNodes lists the audited model, then each derivation found, nearest
// first: Derivative derives from Base (the node's model) by Relation.
func lineageNodes(g *provenance.Graph) []report.LineageNode {
	if len(g.Nodes) == 0 {
		return nil
	}
	node := func(n *provenance.Node) report.LineageNode {
		dev := n.DeveloperName
		if dev == "" {
			dev = n.Developer
		}
		id, country := n.Developer, n.Country
		if n.DeveloperKind == kb.KindRepackager {
			// A repackager (a quantiser, the Ollama library) did not develop
			// the weights; the provenance.origin finding names it, and the
			// developer is that of the model it republishes, listed next.
			dev, id, country = "", "", ""
		}
		return report.LineageNode{Model: n.Model, Depth: n.Depth, Developer: dev, DeveloperID: id, Country: country, License: n.License}
	}
	root := node(g.Nodes[0])
	root.Confidence = finding.Declared
	root.Evidence = g.Nodes[0].Evidence
	out := []report.LineageNode{root}
	for _, e := range g.Edges {
		n := node(g.Nodes[e.Parent])
		n.Relation = e.Relation
		n.Base, n.Derivative = n.Model, g.Nodes[e.Child].Model
		n.Parent = n.Derivative
		n.Confidence = e.Confidence
		n.Evidence = e.Evidence
		out = append(out, n)
	}
	return out
}

// releaseLicense returns the licence of the release as the licence
// identification found it: the licences it declares, else (as for the
// license.* findings) those it only names, such as a licence layer
// identified by its title alone. Several are joined with " AND ": the
// release is offered under each declaration it makes. It is "" when no
// licence was identified.
func (s *audit) releaseLicense() string {
	if s.lic == nil {
		return ""
	}
	ls := s.lic.Declared()
	if len(ls) == 0 {
		ls = s.lic.Licenses
	}
	var ids []string
	for _, l := range ls {
		ids = append(ids, l.ID)
	}
	return strings.Join(ids, " AND ")
}
