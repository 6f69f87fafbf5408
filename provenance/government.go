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
	Statuses []kb.Status
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
//     service (such an instrument reaches only the model itself and the
//     weights it quantises, never a model derived from it, unless it
//     names derivatives), or is silent or contested about self-hosted weights (it may
//     not reach a downloaded model); when the match is an ancestor and the
//     instrument does not name derivatives; when the developer was
//     recognised by a family name only; and for proposed bills, advisories
//     and pending measures (lifted ones are skipped unless Statuses
//     selects them);
//   - alleged for measures reported but not verified.
func Government(g *Graph, k *kb.KB, jurisdictions []string, opts GovernmentOptions) ([]finding.Finding, error) {
	ms, err := GovernmentMatches(g, k, jurisdictions, opts)
	var out []finding.Finding
	for _, m := range ms {
		out = append(out, m.Finding)
	}
	return out, err
}

// GovernmentMatch is a government policy that covers the audited model or
// an ancestor within reach.
type GovernmentMatch struct {
	Policy *kb.Policy
	// Model is the model of the lineage it matches best: the audited
	// model, then the weights it quantises, then the nearest ancestor.
	Model  string
	Covers kb.Covers
	// Finding is the provenance.government-policy finding that reports it;
	// its confidence says how sure the match is (see Government).
	Finding finding.Finding
}

// Certain reports whether the policy certainly bars the model: binding,
// covering the model itself, and matching a developer that is
// established (the finding is declared).
func (m GovernmentMatch) Certain() bool { return m.Finding.Confidence.Certain() }

// GovernmentMatches is Government with the facts behind each finding:
// which model of the lineage the policy matches and what it covers.
func GovernmentMatches(g *Graph, k *kb.KB, jurisdictions []string, opts GovernmentOptions) ([]GovernmentMatch, error) {
	if k == nil {
		k = kb.Default()
	}
	ids, jerr := k.ExpandJurisdictions(jurisdictions)
	paths := g.Paths()
	var out []GovernmentMatch
	for _, j := range ids {
		for _, p := range k.PoliciesFor(j) {
			if len(opts.Statuses) > 0 && !slices.Contains(opts.Statuses, p.Status) ||
				len(opts.Statuses) == 0 && p.Status == kb.StatusLifted {
				continue
			}
			if m, ok := matchPolicy(g, k, paths, p, opts); ok {
				out = append(out, m)
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
	path Path
	why  coverage
}

// coverage says why a policy covers a model.
type coverage struct {
	// by is how: coveredDeveloper (the policy names the developer),
	// coveredOwner (it names the organisation that owns or controls the
	// developer), coveredCountry (the developer's headquarters) or
	// coveredAny (AI tools of every developer).
	by    int
	owner string // the owner's name, for coveredOwner
}

const (
	coveredDeveloper = iota + 1
	coveredOwner
	coveredCountry
	coveredAny
)

// text says in words why the policy covers n, for the evidence.
func (c coverage) text(n *Node) string {
	who := n.DeveloperName
	if who == "" {
		who = n.Developer
	}
	switch c.by {
	case coveredDeveloper:
		return "developed by " + who + " (" + n.Country + "), which it names"
	case coveredOwner:
		return "developed by " + who + ", owned or controlled by " + c.owner + ", which it names"
	case coveredCountry:
		return "developed by " + who + ", headquartered in " + CountryName(n.Country) + ", a country it covers"
	case coveredAny:
		if who == "" {
			return "it covers AI tools of every developer"
		}
		return "developed by " + who + " (it covers AI tools of every developer)"
	}
	return ""
}

func matchPolicy(g *Graph, k *kb.KB, paths []Path, p *kb.Policy, opts GovernmentOptions) (GovernmentMatch, bool) {
	var ms []match
	for _, path := range paths {
		if !inReach(path, opts) {
			continue
		}
		// An instrument that bars a developer's apps and services does not
		// reach another model because it derives from one of that
		// developer's: only the model itself (or the weights it quantises)
		// can be the product it names, unless it names derivatives.
		if p.Covers.Scope == kb.CoverApp && !p.Covers.Derivatives && !path.Same() {
			continue
		}
		n := g.Nodes[path.Node]
		if why, ok := covers(k, p, n, path.Node == 0); ok {
			ms = append(ms, match{path, why})
		}
	}
	if len(ms) == 0 {
		return GovernmentMatch{}, false
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
	covers := kb.CoversModel
	switch {
	case !best.path.Same() && !cov.Derivatives:
		covers = kb.CoversAncestor
	case cov.Scope == kb.CoverApp || cov.SelfHosted != kb.SelfHostedYes:
		covers = kb.CoversDeveloper
	}
	switch {
	case cov.Scope == kb.CoverApp:
		conf = weakest(conf, finding.Inferred)
		notes = append(notes, "it covers the named apps and web services; it does not say it reaches self-hosted weights")
	case cov.SelfHosted == kb.SelfHostedContested:
		conf = weakest(conf, finding.Inferred)
		notes = append(notes, "whether it reaches self-hosted weights is contested")
	case cov.SelfHosted != kb.SelfHostedYes:
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

	// The message: what the instrument does, then which model of the
	// lineage it reaches. The instrument's details, the other models it
	// reaches and the notes are evidence.
	var b strings.Builder
	barred := barredText(p, n, best.why)
	fmt.Fprintf(&b, "%s: %s %s %s", jurisdictionShort(p.JurisdictionName), p.Instrument, statusVerb(p.Status), barred)
	if p.Devices != "" {
		fmt.Fprintf(&b, " for %s", lowerFirst(p.Devices))
	}
	fmt.Fprintf(&b, " (%s). Matches %s", statusPhrase(p), nounPhrase(g, best.path))
	// Say who made it, unless the first sentence did.
	switch {
	case n.Developer == "":
	case best.why.by == coveredOwner:
		fmt.Fprintf(&b, ", made by %s (controlled by %s)", developerText(n), best.why.owner)
	case strings.Contains(barred, "developers in "+CountryName(n.Country)):
		fmt.Fprintf(&b, ", made by %s", developerName(n))
	case strings.HasPrefix(barred, developerName(n)+"'s"):
	default:
		fmt.Fprintf(&b, ", made by %s", developerText(n))
	}
	b.WriteString(".")

	ev := []finding.Evidence{{Path: "kb:policies.yaml", Field: p.ID, Value: string(p.Status)}}
	ev = appendEvidence(ev, n.Evidence...)
	if len(best.path.Edges) > 0 {
		ev = appendEvidence(ev, best.path.Edges[len(best.path.Edges)-1].Evidence...)
	}
	ev = append(ev, policyEvidence(p)...)
	ev = append(ev, derived(EvidenceMatch, matchText(g, best)))
	for _, m := range ms[1:] {
		ev = append(ev, derived(EvidenceAlso, matchText(g, m)))
	}
	for _, note := range notes {
		ev = append(ev, derived(EvidenceNote, note))
	}
	return GovernmentMatch{Policy: p, Model: n.Model, Covers: covers, Finding: finding.Finding{
		Code:       finding.ProvenanceGovernmentPolicy,
		Message:    b.String(),
		Confidence: conf,
		Subject:    p.ID,
		Evidence:   ev,
		References: capRefs(citations(p.Sources)),
	}}, true
}

// matchText says which model a policy matches, how the audited model
// relates to it, and why it is covered: "deepseek-ai/DeepSeek-R1: an
// ancestor: the audited model is distilled from deepseek-ai/DeepSeek-R1;
// developed by DeepSeek (CN), which it names".
func matchText(g *Graph, m match) string {
	n := g.Nodes[m.path.Node]
	where := "the model itself"
	switch {
	case len(m.path.Edges) == 0:
	case m.path.Same():
		where = "the model itself: it is " + m.path.Describe(g)
	default:
		where = "an ancestor: the audited model is " + m.path.Describe(g)
	}
	return n.Model + ": " + where + "; " + m.why.text(n)
}

// policyEvidence cites the policy record's details: where it applies, the
// instrument, who issued it, its status as the research marks it, its
// dates, what it covers, where it applies and its exceptions.
func policyEvidence(p *kb.Policy) []finding.Evidence {
	const file = "policies.yaml"
	var ev []finding.Evidence
	ev = append(ev, kbEvidence(file, p.ID, "jurisdiction", p.Jurisdiction)...)
	ev = append(ev, kbEvidence(file, p.ID, "jurisdiction_name", p.JurisdictionName)...)
	ev = append(ev, kbEvidence(file, p.ID, "instrument", p.Instrument)...)
	ev = append(ev, kbEvidence(file, p.ID, "body", p.Body)...)
	ev = append(ev, kbEvidence(file, p.ID, "status_text", p.StatusText)...)
	ev = append(ev, kbEvidence(file, p.ID, "date", p.Date)...)
	if p.Effective != p.Date {
		ev = append(ev, kbEvidence(file, p.ID, "effective", p.Effective)...)
	}
	ev = append(ev, kbEvidence(file, p.ID, "covers", coverageText(p))...)
	ev = append(ev, kbEvidence(file, p.ID, "devices", p.Devices)...)
	ev = append(ev, kbEvidence(file, p.ID, "exceptions", p.Exceptions)...)
	return ev
}

// statusVerb says what an instrument of a status does: "bars", "would
// bar", "warns against".
func statusVerb(status kb.Status) string {
	switch status {
	case kb.StatusProposed:
		return "would bar"
	case kb.StatusAdvisory:
		return "warns against"
	case kb.StatusUnverified:
		return "is reported to bar"
	case kb.StatusPending:
		return "seeks to bar"
	case kb.StatusLifted:
		return "barred"
	}
	return "bars"
}

// statusPhrase says how binding an instrument is: "law", "in force",
// "proposed, not law".
func statusPhrase(p *kb.Policy) string {
	switch p.Status {
	case kb.StatusEnacted:
		return "law"
	case kb.StatusInForce:
		return "in force"
	case kb.StatusProposed:
		return "proposed, not law"
	case kb.StatusAdvisory:
		return "advisory, not binding"
	case kb.StatusUnverified:
		return "reported, not verified"
	case kb.StatusPending:
		return "pending"
	case kb.StatusLifted:
		return "lifted"
	}
	return p.StatusText
}

// barredText says what a policy bars, as it reaches node n: "AI from
// developers in China", "DeepSeek's apps and web services".
func barredText(p *kb.Policy, n *Node, why coverage) string {
	cov := p.Covers
	who := developerName(n)
	if why.by == coveredOwner {
		who = why.owner
	}
	inCountry := n.Country != "" && slices.Contains(cov.Countries, n.Country)
	switch {
	case why.by == coveredAny && cov.Scope == kb.CoverApp:
		return "AI apps and tools of every developer"
	case why.by == coveredAny:
		return "AI of every developer"
	case inCountry && (why.by == coveredCountry || cov.Scope == kb.CoverAllAI):
		// A rule by country reads best as one, even when it also names
		// the developer.
		in := "developers in " + CountryName(n.Country)
		switch cov.Scope {
		case kb.CoverApp:
			return "apps from " + in
		case kb.CoverModels:
			return "models from " + in + ", self-hosted ones included"
		}
		return "AI from " + in
	case cov.Scope == kb.CoverApp:
		return who + "'s apps and services"
	case cov.Scope == kb.CoverModels:
		return who + "'s models, self-hosted ones included"
	}
	return "AI from " + who
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

// covers says whether and why policy p covers node n.
func covers(k *kb.KB, p *kb.Policy, n *Node, root bool) (coverage, bool) {
	cov := p.Covers
	if n.Developer == "" || n.DeveloperKind == "repackager" {
		if cov.AnyDeveloper && root {
			return coverage{by: coveredAny}, true
		}
		return coverage{}, false
	}
	for o, depth := k.Organization(n.Developer), 0; o != nil && depth < 8; o, depth = k.Organization(o.Parent), depth+1 {
		if slices.ContainsFunc(cov.Developers, func(d string) bool { return kb.Normalize(d) == kb.Normalize(o.ID) }) {
			if o.ID == n.Developer {
				return coverage{by: coveredDeveloper}, true
			}
			return coverage{by: coveredOwner, owner: o.Name}, true
		}
		if o.Parent == "" {
			break
		}
	}
	if n.Country != "" && slices.Contains(cov.Countries, n.Country) {
		return coverage{by: coveredCountry}, true
	}
	if cov.AnyDeveloper {
		return coverage{by: coveredAny}, true
	}
	return coverage{}, false
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
	// Barred lists the government policies that cover the model or an
	// ancestor, with their provenance.government-policy findings.
	Barred []GovernmentMatch
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
	barred, err := GovernmentMatches(g, k, jurisdictions, opts)
	return &Assessment{Graph: g, Origin: g.Origin(), Barred: barred}, err
}
