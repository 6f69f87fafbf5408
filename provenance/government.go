package provenance

import (
	"fmt"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/manifest"
)

// Reach says how far along the lineage a government policy's coverage is
// taken to extend.
type Reach int

// Reaches, from widest to narrowest.
const (
	// ReachAll matches the model and every ancestor, distillation
	// teachers included (the default).
	ReachAll Reach = iota
	// ReachWeights matches the model and the ancestors whose weights it
	// carries (fine-tunes, adapters, merges, quantisations), not teachers
	// it was distilled from.
	ReachWeights
	// ReachSelf matches the model itself and the weights it is a
	// quantisation or conversion of.
	ReachSelf
)

// String returns "all", "weights" or "self".
func (r Reach) String() string {
	switch r {
	case ReachWeights:
		return "weights"
	case ReachSelf:
		return "self"
	}
	return "all"
}

// ParseReach reads "all", "weights" or "self" (the values of String;
// nothing else, not even an empty string, is accepted).
func ParseReach(s string) (Reach, error) {
	switch s {
	case "all":
		return ReachAll, nil
	case "weights":
		return ReachWeights, nil
	case "self":
		return ReachSelf, nil
	}
	return ReachAll, fmt.Errorf("unknown lineage reach %q (want all, weights or self)", s)
}

// GovernmentOptions say how government policies are matched.
type GovernmentOptions struct {
	// Reach says how far along the lineage coverage extends.
	Reach Reach
	// MaxDepth, when positive, ignores ancestors further than that many
	// derivations from the audited model.
	MaxDepth int
	// Statuses, when set, limits the policies considered to these statuses
	// (kb.StatusEnacted, kb.StatusInForce, …); nil considers all but
	// lifted measures.
	Statuses []string
}

// Government returns a provenance.government-policy finding for every
// policy of the selected jurisdictions that covers the model or an
// ancestor within reach. Jurisdictions are ids of kb.Jurisdictions, or
// prefixes ending in "*" ("us-*"); unknown ones are reported in a
// *kb.UnknownJurisdictionError after the findings for the known ones.
//
// How sure each finding is:
//   - declared when a binding instrument (enacted or in force) that
//     reaches self-hosted weights names the model's developer or country,
//     and the model itself (or the weights it quantises) is that
//     developer's, as established from the knowledge base or the
//     repository's organisation;
//   - inferred when the instrument covers only the developer's app or web
//     service, or is silent or contested about self-hosted weights (it may
//     not reach a downloaded model); when the match is an ancestor and the
//     instrument does not name derivatives; when the developer was
//     recognised by a family name only; and for proposed bills, advisories
//     and pending measures (lifted ones are skipped unless Statuses
//     selects them);
//   - alleged for measures reported but not verified.
func Government(g *Graph, k *kb.KB, jurisdictions []string, opts GovernmentOptions) ([]finding.Finding, error) {
	if k == nil {
		k = kb.Default()
	}
	ids, jerr := k.ExpandJurisdictions(jurisdictions)
	paths := g.Paths()
	var out []finding.Finding
	for _, j := range ids {
		for _, p := range k.PoliciesFor(j) {
			if len(opts.Statuses) > 0 && !slices.Contains(opts.Statuses, p.Status) ||
				len(opts.Statuses) == 0 && p.Status == kb.StatusLifted {
				continue
			}
			if f, ok := matchPolicy(g, k, paths, p, opts); ok {
				out = append(out, f)
			}
		}
	}
	if jerr != nil {
		return out, jerr
	}
	return out, nil
}

// match is one model of the lineage a policy covers.
type match struct {
	path   Path
	reason string
}

func matchPolicy(g *Graph, k *kb.KB, paths []Path, p *kb.Policy, opts GovernmentOptions) (finding.Finding, bool) {
	var ms []match
	for _, path := range paths {
		if !inReach(path, opts) {
			continue
		}
		n := g.Nodes[path.Node]
		if why := covers(k, p, n, path.Node == 0); why != "" {
			ms = append(ms, match{path, why})
		}
	}
	if len(ms) == 0 {
		return finding.Finding{}, false
	}
	// The closest match leads: the model itself, then its own weights,
	// then the nearest ancestor.
	slices.SortStableFunc(ms, func(a, b match) int {
		return strengthOf(b.path) - strengthOf(a.path)
	})
	best := ms[0]
	n := g.Nodes[best.path.Node]
	conf := weakest(n.OriginConfidence, best.path.Confidence())
	var notes []string
	cov := p.Covers
	switch {
	case cov.Scope == kb.CoverApp:
		conf = weakest(conf, finding.Inferred)
		notes = append(notes, "it covers the named apps and web services; it does not say it reaches self-hosted weights")
	case cov.SelfHosted == "contested":
		conf = weakest(conf, finding.Inferred)
		notes = append(notes, "whether it reaches self-hosted weights is contested")
	case cov.SelfHosted != "yes":
		conf = weakest(conf, finding.Inferred)
		notes = append(notes, "it does not say it reaches self-hosted weights")
	}
	if !best.path.Same() && !cov.Derivatives {
		conf = weakest(conf, finding.Inferred)
		notes = append(notes, "it does not name derivatives expressly")
	}
	switch {
	case p.Status == kb.StatusUnverified:
		conf = weakest(conf, finding.Alleged)
		notes = append(notes, "the measure is reported but not verified")
	case !kb.Binding(p.Status):
		conf = weakest(conf, finding.Inferred)
		notes = append(notes, "the instrument is not binding ("+p.StatusText+")")
	}

	where := "the model itself"
	switch {
	case len(best.path.Edges) == 0:
	case best.path.Same():
		where = "the model itself: it is " + best.path.Describe(g)
	default:
		where = "an ancestor: the audited model is " + best.path.Describe(g)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s, by %s", p.JurisdictionName, p.Jurisdiction, p.Instrument, p.Body)
	fmt.Fprintf(&b, "; status %s", p.StatusText)
	if p.Date != "" {
		fmt.Fprintf(&b, ", %s", p.Date)
	}
	if p.Effective != "" && p.Effective != p.Date {
		fmt.Fprintf(&b, ", effective %s", p.Effective)
	}
	fmt.Fprintf(&b, ". Covers %s", coverageText(p))
	if p.Devices != "" {
		fmt.Fprintf(&b, "; applies to: %s", p.Devices)
	}
	fmt.Fprintf(&b, ". Matches %s, %s %s", where, n.Model, best.reason)
	if len(ms) > 1 {
		var others []string
		for _, m := range ms[1:] {
			others = append(others, g.Nodes[m.path.Node].Model)
		}
		fmt.Fprintf(&b, "; also %s", strings.Join(others, ", "))
	}
	if len(notes) > 0 {
		fmt.Fprintf(&b, ". Note: %s", strings.Join(notes, "; "))
	}
	if p.Exceptions != "" {
		fmt.Fprintf(&b, ". Exceptions: %s", p.Exceptions)
	}
	ev := []finding.Evidence{{Path: "kb:policies.yaml", Field: p.ID, Value: p.Status}}
	ev = appendEvidence(ev, n.Evidence...)
	if len(best.path.Edges) > 0 {
		ev = appendEvidence(ev, best.path.Edges[len(best.path.Edges)-1].Evidence...)
	}
	return finding.Finding{
		Code:       finding.ProvenanceGovernmentPolicy,
		Message:    b.String(),
		Confidence: conf,
		Subject:    p.ID,
		Evidence:   ev,
		References: capRefs(citations(p.Sources)),
	}, true
}

// strengthOf ranks a match: the model itself highest, then its own
// weights, then nearer ancestors.
func strengthOf(p Path) int {
	switch {
	case len(p.Edges) == 0:
		return 1000
	case p.Same():
		return 900 - len(p.Edges)
	case p.Weights():
		return 500 - len(p.Edges)
	}
	return 100 - len(p.Edges)
}

func inReach(p Path, opts GovernmentOptions) bool {
	if opts.MaxDepth > 0 && len(p.Edges) > opts.MaxDepth {
		return false
	}
	switch opts.Reach {
	case ReachSelf:
		return p.Same()
	case ReachWeights:
		return p.Weights()
	}
	return true
}

// covers says why policy p covers node n, or "".
func covers(k *kb.KB, p *kb.Policy, n *Node, root bool) string {
	cov := p.Covers
	if n.Developer == "" || n.DeveloperKind == "repackager" {
		if cov.AnyDeveloper && root {
			return "(it covers AI tools of every developer)"
		}
		return ""
	}
	who := n.DeveloperName
	if who == "" {
		who = n.Developer
	}
	for o, depth := k.Organization(n.Developer), 0; o != nil && depth < 8; o, depth = k.Organization(o.Parent), depth+1 {
		if slices.ContainsFunc(cov.Developers, func(d string) bool { return kb.Normalize(d) == kb.Normalize(o.ID) }) {
			if o.ID == n.Developer {
				return "developed by " + who + " (" + n.Country + "), which it names"
			}
			return "developed by " + who + ", owned or controlled by " + o.Name + ", which it names"
		}
		if o.Parent == "" {
			break
		}
	}
	if n.Country != "" && slices.Contains(cov.Countries, n.Country) {
		return "developed by " + who + ", headquartered in " + CountryName(n.Country) + ", a country it covers"
	}
	if cov.AnyDeveloper {
		return "developed by " + who + " (it covers AI tools of every developer)"
	}
	return ""
}

func coverageText(p *kb.Policy) string {
	cov := p.Covers
	var parts []string
	if len(cov.Products) > 0 {
		parts = append(parts, strings.Join(cov.Products, ", "))
	}
	switch cov.Scope {
	case kb.CoverApp:
		parts = append(parts, "(apps and services)")
	case kb.CoverModels:
		parts = append(parts, "(the developer's models, self-hosted weights included)")
	case kb.CoverAllAI:
		var cs []string
		for _, c := range cov.Countries {
			cs = append(cs, CountryName(c))
		}
		parts = append(parts, "(all AI from developers in "+strings.Join(cs, ", ")+")")
	}
	return strings.Join(parts, " ")
}

// Assessment is what a sweep needs about one release, from metadata only:
// its lineage, its origin, and the government policies that bar it.
type Assessment struct {
	Graph  *Graph
	Origin Origin
	// Barred lists the provenance.government-policy findings.
	Barred []finding.Finding
}

// Assess builds the lineage of rel and matches the government policies of
// the selected jurisdictions, reading only what rel already holds (no
// hashing, no I/O). It is cheap enough to run over every model on a disk:
// a sweep lists Origin for each release and flags those with Barred
// findings. The error is a *kb.UnknownJurisdictionError for selections the
// knowledge base does not know; the assessment is still filled.
func Assess(rel *manifest.Release, k *kb.KB, jurisdictions []string, opts GovernmentOptions) (*Assessment, error) {
	if k == nil {
		k = kb.Default()
	}
	g := Lineage(rel, k, LineageOptions{})
	barred, err := Government(g, k, jurisdictions, opts)
	return &Assessment{Graph: g, Origin: g.Origin(), Barred: barred}, err
}
