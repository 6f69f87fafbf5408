package provenance

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/kb"
)

// origin sets the developer of a node: from the knowledge base's record of
// the model, else from the organisation of its repository id, else from a
// family name in it. The audited model (depth 0) may also take its
// developer from the Ollama library it was pulled from.
func (b *builder) origin(n *Node) {
	isRoot := n.Depth == 0
	n.org, n.Developer, n.DeveloperName, n.Country, n.DeveloperKind, n.OriginConfidence, n.OriginBasis = nil, "", "", "", "", "", ""
	set := func(o *kb.Organization, c finding.Confidence, basis string) {
		n.org = o
		n.Developer, n.DeveloperName, n.Country, n.DeveloperKind = o.ID, o.Name, o.Country, o.Kind
		if n.DeveloperKind == "" {
			n.DeveloperKind = "developer"
		}
		n.OriginConfidence, n.OriginBasis = c, basis
		for _, u := range citations(o.Sources) {
			if !slices.Contains(n.References, u) {
				n.References = append(n.References, u)
			}
		}
	}
	id := kb.TrimHubURL(n.Model)
	org, _, hasOrg := strings.Cut(id, "/")
	if !hasOrg {
		org = ""
	}
	if isRoot && b.rel != nil && b.rel.Ollama != nil && (b.rel.Ollama.Namespace == "" || b.rel.Ollama.Namespace == "library") {
		// The Ollama library republishes other developers' weights.
		if o := b.k.Organization("ollama"); o != nil {
			set(o, finding.Declared, "the Ollama library, which republishes other developers' models")
			return
		}
	}
	if m := n.record; m != nil {
		if o := b.k.Organization(m.Developer); o != nil {
			c := kbConfidence(m.Confidence)
			basis := "the knowledge base's record of " + m.ID
			switch {
			case n.byName:
				c = finding.Inferred
				basis += ", matched by name"
			case org != "" && b.k.Organization(org) == o:
				c = finding.Declared
				basis += " and the repository's organisation"
			}
			set(o, c, basis)
			return
		}
	}
	if org != "" {
		if o := b.k.Organization(org); o != nil {
			set(o, finding.Declared, "the repository's organisation "+org)
			return
		}
		// An organisation the knowledge base does not know: the developer
		// is that organisation, of unknown country; a family name in the
		// model's name says whose model it derives from, not who made it.
		n.Developer, n.DeveloperName, n.DeveloperKind = org, org, "developer"
		n.OriginConfidence, n.OriginBasis = finding.Declared, "the repository's organisation "+org+" (not in the knowledge base)"
		return
	}
	name := ParseName(id)
	if o, fam := b.k.OrganizationByFamily(name.Base); o != nil {
		set(o, finding.Inferred, "the family name "+fam+" in "+name.Base)
		return
	}
	if b.rel != nil && b.rel.Ollama != nil && isRoot {
		if o, fam := b.k.OrganizationByFamily(b.rel.Ollama.Model); o != nil {
			set(o, finding.Inferred, "the family name "+fam+" in the Ollama name "+b.rel.Ollama.Name)
		}
	}
}

// countryNames names countries whose usual name in a message differs from
// the knowledge base's (kb.CountryName), or is kept as messages have always
// written it.
var countryNames = map[string]string{
	"AE": "United Arab Emirates", "AU": "Australia", "BE": "Belgium", "CA": "Canada", "CH": "Switzerland",
	"CN": "China", "CU": "Cuba", "CZ": "Czech Republic", "DE": "Germany", "DK": "Denmark", "FR": "France",
	"GB": "United Kingdom", "HK": "Hong Kong", "IL": "Israel", "IN": "India", "IR": "Iran", "IT": "Italy",
	"JP": "Japan", "KP": "North Korea", "KR": "South Korea", "NL": "Netherlands", "RU": "Russia",
	"SG": "Singapore", "TW": "Taiwan", "US": "United States", "VE": "Venezuela",
}

// CountryName returns the name of an ISO 3166-1 alpha-2 code as messages
// write it (the usual short name: "Russia", not "Russian Federation"), or
// the code when it is none.
func CountryName(code string) string {
	code = strings.ToUpper(code)
	if n, ok := countryNames[code]; ok {
		return n
	}
	return cmp.Or(kb.CountryName(code), code)
}

// Origin is who made a model and where.
type Origin struct {
	// Model is the model whose developer this is: the audited model, or
	// for a repackaged copy the model whose weights it carries.
	Model         string
	Developer     string // organisation id
	DeveloperName string
	Country       string // ISO 3166-1 alpha-2
	Confidence    finding.Confidence
	// Repackager names who republished the weights, when not the
	// developer (bartowski, the Ollama library, …).
	Repackager string
	// Relation says how the audited model relates to Model ("the model
	// itself", "a quantisation of …").
	Relation string
	// Alternatives are set, and Developer and Country left empty, when the
	// release's own files match models of several developers equally: no
	// single origin is claimed, and each is listed.
	Alternatives []Origin
}

// Origin returns the developer of the audited model: its own, or for a
// repackaged copy (quantisation, conversion) that of the model whose
// weights it carries; failing both, the developer of its nearest ancestor
// with a known one, with the relation that links them.
func (g *Graph) Origin() Origin {
	if len(g.Nodes) == 0 {
		return Origin{}
	}
	root := g.Nodes[0]
	out := Origin{Model: root.Model, Relation: "the model itself"}
	if root.Developer != "" && root.DeveloperKind != "repackager" {
		out.Developer, out.DeveloperName, out.Country, out.Confidence = root.Developer, root.DeveloperName, root.Country, root.OriginConfidence
		return out
	}
	if root.DeveloperKind == "repackager" {
		out.Repackager = root.Developer
	}
	paths := g.Paths()
	// Prefer the weights' own developer (quantisations only), then the
	// nearest ancestor.
	for _, sameOnly := range []bool{true, false} {
		for _, p := range paths[1:] {
			n := g.Nodes[p.Node]
			if n.Developer == "" || n.DeveloperKind == "repackager" || (sameOnly && !p.Same()) {
				continue
			}
			out.Model, out.Developer, out.DeveloperName, out.Country = n.Model, n.Developer, n.DeveloperName, n.Country
			out.Confidence = weakest(n.OriginConfidence, p.Confidence())
			out.Relation = p.Describe(g)
			if alt := g.alternatives(paths, p); len(alt) > 1 {
				out.Model, out.Developer, out.DeveloperName, out.Country = root.Model, "", "", ""
				out.Relation, out.Alternatives = "its own files match models of several developers equally", alt
			}
			return out
		}
	}
	return out
}

// alternatives returns the origins of the models the release's files
// match as equally as the one p reaches, one per developer, when p is such
// a match.
func (g *Graph) alternatives(paths []Path, p Path) []Origin {
	inferred := func(q Path) bool {
		return len(q.Edges) == len(p.Edges) && q.Edges[len(q.Edges)-1].Via == ViaFingerprint && q.Edges[len(q.Edges)-1].Relation == RelationSameOrDerivative
	}
	if !inferred(p) {
		return nil
	}
	var out []Origin
	for _, q := range paths[1:] {
		n := g.Nodes[q.Node]
		if !inferred(q) || n.Developer == "" || slices.ContainsFunc(out, func(o Origin) bool { return o.Developer == n.Developer }) {
			continue
		}
		out = append(out, Origin{Model: n.Model, Developer: n.Developer, DeveloperName: n.DeveloperName, Country: n.Country,
			Confidence: weakest(n.OriginConfidence, q.Confidence()), Relation: q.Describe(g)})
	}
	return out
}

// Origins returns a provenance.origin finding for every model of the graph
// whose developer is known, saying who made it, where, and what it is to
// the audited model ("deepseek-ai/DeepSeek-R1 was developed by DeepSeek,
// China (ancestor, teacher of …)."). The evidence says how the audited
// model reaches it and how its developer was established.
func Origins(g *Graph) []finding.Finding {
	var out []finding.Finding
	for _, p := range g.Paths() {
		n := g.Nodes[p.Node]
		if n.Developer == "" {
			continue
		}
		where := "country unknown"
		if n.Country != "" {
			where = CountryName(n.Country)
		}
		var msg string
		switch {
		case n.DeveloperKind == "repackager":
			msg = fmt.Sprintf("%s is republished by %s, %s, which repackages other developers' models", n.Model, developerName(n), where)
		default:
			msg = fmt.Sprintf("%s was developed by %s, %s", n.Model, developerName(n), where)
		}
		if r := role(g, p); r != "" {
			msg += " (" + r + ")"
		}
		msg += "."
		ev := slices.Clone(n.Evidence)
		if len(p.Edges) > 0 {
			ev = appendEvidence(ev, p.Edges[len(p.Edges)-1].Evidence...)
		}
		if n.org != nil {
			ev = append(ev, kbEvidence("organizations.yaml", n.org.ID, "country", n.org.Country)...)
		}
		if len(p.Edges) > 0 {
			ev = append(ev, derived(EvidenceLineage, "the audited model is "+p.Describe(g)))
		}
		if n.OriginBasis != "" {
			ev = append(ev, derived(EvidenceOrigin, "established from "+n.OriginBasis))
		}
		out = append(out, finding.Finding{
			Code:       finding.ProvenanceOrigin,
			Message:    msg,
			Confidence: weakest(n.OriginConfidence, p.Confidence()),
			Subject:    n.Model,
			Evidence:   ev,
			References: slices.Clone(n.References),
		})
	}
	return out
}

// OriginMatch is a model of the lineage whose developer is headquartered
// in a country asked about, or is (or is owned or controlled by) an
// organisation asked about.
type OriginMatch struct {
	// Path is how the audited model reaches the model (no edges for the
	// model itself).
	Path Path
	Node *Node
	// Country is the country matched, Developer the organisation id
	// matched (the developer, or the owner named in its kb record); one
	// match may give both.
	Country, Developer string
	// Confidence is the weakest of how the developer was established and
	// of the derivations on the path.
	Confidence finding.Confidence
}

// OriginsFrom returns the models of g within reach (opts.Reach and
// opts.MaxDepth; Statuses is ignored) whose developer is headquartered in
// one of countries (ISO 3166-1 alpha-2) or is one of developers
// (organisation ids, matched with kb.Normalize; an organisation's owner,
// per its parent, counts), the model itself first, then its own weights,
// then nearer ancestors. A repackager's copy is matched through the model
// whose weights it carries, never through the repackager.
func OriginsFrom(g *Graph, k *kb.KB, countries, developers []string, opts GovernmentOptions) []OriginMatch {
	if k == nil {
		k = kb.Default()
	}
	var out []OriginMatch
	for _, p := range g.Paths() {
		n := g.Nodes[p.Node]
		if !inReach(p, opts) || n.Developer == "" || n.DeveloperKind == kb.KindRepackager {
			continue
		}
		m := OriginMatch{Path: p, Node: n, Confidence: weakest(n.OriginConfidence, p.Confidence())}
		if n.Country != "" && slices.Contains(countries, n.Country) {
			m.Country = n.Country
		}
		m.Developer = ownerIn(k, n.Developer, developers)
		if m.Country != "" || m.Developer != "" {
			out = append(out, m)
		}
	}
	slices.SortStableFunc(out, func(a, b OriginMatch) int { return strengthOf(b.Path) - strengthOf(a.Path) })
	return out
}

// ownerIn returns the id among ids that names developer or an organisation
// that owns or controls it, or "".
func ownerIn(k *kb.KB, developer string, ids []string) string {
	named := func(id string) string {
		for _, x := range ids {
			if kb.Normalize(x) == kb.Normalize(id) {
				return x
			}
		}
		return ""
	}
	if x := named(developer); x != "" {
		return x
	}
	seen := map[*kb.Organization]bool{}
	for o := k.Organization(developer); o != nil && !seen[o]; o = k.Organization(o.Parent) {
		seen[o] = true
		if x := named(o.ID); x != "" {
			return x
		}
		if o.Parent == "" {
			break
		}
	}
	return ""
}
