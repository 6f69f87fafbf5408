package modelvet

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/yamlnode"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/provenance"
)

// LineagePolicy says how far along a model's lineage the government
// policies of the selected jurisdictions reach (a policy that covers a
// model within reach raises provenance.government-policy), and which
// origins the buyer denies (a model within the same reach whose developer
// is in a denied country, or is a denied developer, raises
// provenance.denied-origin).
type LineagePolicy struct {
	// GovernmentReach is "all" (the model and every ancestor, the teachers
	// it was distilled from included), "weights" (the model and the
	// ancestors whose weights it carries: fine-tunes, adapters, merges and
	// quantisations, not teachers) or "self" (the model itself and the
	// weights it is a quantisation or conversion of). See provenance.Reach.
	GovernmentReach string `yaml:"government_reach"`
	// MaxDepth is how many derivations from the audited model count (1 =
	// direct bases only), from 1 to limits.MaxLineageDepth.
	MaxDepth int `yaml:"max_depth"`
	// DenyCountries lists countries (ISO 3166-1 alpha-2 codes, "CN") whose
	// developers' models the buyer does not accept, as the model itself or
	// as an ancestor within reach.
	DenyCountries []string `yaml:"deny_countries"`
	// DenyDevelopers lists developers (knowledge-base organisation ids,
	// "deepseek-ai") whose models the buyer does not accept; an
	// organisation the knowledge base says they own or control counts.
	DenyDevelopers []string `yaml:"deny_developers"`
}

func (l *LineagePolicy) merge(f *LineagePolicy, n *yamlnode.Node) {
	if n == nil {
		return
	}
	if n.Get("government_reach") != nil {
		l.GovernmentReach = f.GovernmentReach
	}
	if n.Get("max_depth") != nil {
		l.MaxDepth = f.MaxDepth
	}
	if n.Get("deny_countries") != nil {
		l.DenyCountries = slices.Clone(f.DenyCountries)
	}
	if n.Get("deny_developers") != nil {
		l.DenyDevelopers = slices.Clone(f.DenyDevelopers)
	}
}

func (l LineagePolicy) clone() LineagePolicy {
	l.DenyCountries = slices.Clone(l.DenyCountries)
	l.DenyDevelopers = slices.Clone(l.DenyDevelopers)
	return l
}

func (l *LineagePolicy) check(root *yamlnode.Node) *PolicyError {
	if _, err := provenance.ParseReach(l.GovernmentReach); err != nil {
		return &PolicyError{Line: lineOf(root, "lineage", "government_reach"), Msg: fmt.Sprintf("lineage.government_reach must be all, weights or self, not %q", l.GovernmentReach)}
	}
	if l.MaxDepth < 1 || l.MaxDepth > limits.MaxLineageDepth {
		return &PolicyError{Line: lineOf(root, "lineage", "max_depth"), Msg: fmt.Sprintf("lineage.max_depth must be between 1 and %d, not %d", limits.MaxLineageDepth, l.MaxDepth)}
	}
	for i, c := range l.DenyCountries {
		if !kb.IsCountry(c) {
			msg := fmt.Sprintf("lineage.deny_countries: %q is not an ISO 3166-1 alpha-2 country code (two capital letters, as CN or US)", c)
			if code := kb.CountryCode(c); code != "" {
				msg += fmt.Sprintf("; %s is %s", kb.CountryName(code), code)
			}
			return &PolicyError{Line: itemLine(root, i, "lineage", "deny_countries"), Msg: msg}
		}
	}
	for i, d := range l.DenyDevelopers {
		if strings.TrimSpace(d) == "" {
			return &PolicyError{Line: itemLine(root, i, "lineage", "deny_developers"), Msg: fmt.Sprintf("lineage.deny_developers[%d] is empty", i)}
		}
	}
	return nil
}

// checkDevelopers checks the denied developers against k: each must be
// the id of one of its organisations, so that a name or a typo never
// denies nothing silently.
func (l *LineagePolicy) checkDevelopers(root *yamlnode.Node, k *kb.KB) *PolicyError {
	for i, d := range l.DenyDevelopers {
		o := k.Organization(d)
		if o != nil && kb.Normalize(o.ID) == kb.Normalize(d) {
			continue
		}
		msg := fmt.Sprintf("lineage.deny_developers: %q is not an organisation id of the knowledge base", d)
		if o != nil {
			msg += fmt.Sprintf("; %s's id is %s", o.Name, o.ID)
		}
		return &PolicyError{Line: itemLine(root, i, "lineage", "deny_developers"), Msg: msg}
	}
	return nil
}

// GovernmentOptions returns the lineage settings as the options the
// government-policy analysis takes (provenance.Government): how far along
// the lineage a policy's coverage is followed, and to what depth. The
// audit passes them for every release. Call it on a validated policy; an
// invalid reach reads as "all".
func (p *Policy) GovernmentOptions() provenance.GovernmentOptions {
	reach, _ := provenance.ParseReach(p.Lineage.GovernmentReach)
	return provenance.GovernmentOptions{Reach: reach, MaxDepth: p.Lineage.MaxDepth}
}

// deniedOrigins returns a provenance.denied-origin finding for each
// denied country and developer that the model or an ancestor within reach
// comes from (the reach of government policies: lineage.government_reach
// and max_depth). The nearest match leads the message; every match is
// evidence.
func (p *Policy) deniedOrigins(g *provenance.Graph, k *kb.KB) []finding.Finding {
	l := p.Lineage
	if len(l.DenyCountries) == 0 && len(l.DenyDevelopers) == 0 {
		return nil
	}
	matches := provenance.OriginsFrom(g, k, l.DenyCountries, l.DenyDevelopers, p.GovernmentOptions())
	var out []finding.Finding
	for _, rule := range append(slices.Clone(l.DenyCountries), l.DenyDevelopers...) {
		isCountry := slices.Contains(l.DenyCountries, rule)
		var hits []provenance.OriginMatch
		for _, m := range matches {
			if isCountry && m.Country == rule || !isCountry && m.Developer == rule {
				hits = append(hits, m)
			}
		}
		if len(hits) > 0 {
			out = append(out, p.deniedOrigin(g, rule, isCountry, hits))
		}
	}
	return out
}

// deniedOrigin is the finding for one denied country or developer, from
// its matches, nearest first.
func (p *Policy) deniedOrigin(g *provenance.Graph, rule string, isCountry bool, hits []provenance.OriginMatch) finding.Finding {
	what := "developer " + rule
	if isCountry {
		what = "developers in " + provenance.CountryName(rule) + " (" + rule + ")"
	}
	best := hits[0]
	n := best.Node
	who := cmp.Or(n.DeveloperName, n.Developer)
	if n.Country != "" {
		who += ", " + provenance.CountryName(n.Country)
	}
	model := n.Model
	if len(best.Path.Edges) > 0 {
		model = "the audited model is " + best.Path.Describe(g) + ", which"
	}
	msg := fmt.Sprintf("Policy %s denies models from %s: %s was developed by %s.", p.Name, what, model, who)
	key := "lineage.deny_developers"
	if isCountry {
		key = "lineage.deny_countries"
	}
	ev := []finding.Evidence{{Field: key, Value: rule}}
	ev = append(ev, n.Evidence...)
	if len(best.Path.Edges) > 0 {
		ev = append(ev, best.Path.Edges[len(best.Path.Edges)-1].Evidence...)
	}
	if n.Country != "" {
		ev = append(ev, finding.Evidence{Path: "kb:organizations.yaml", Field: n.Developer + ".country", Value: n.Country})
	}
	for _, h := range hits {
		ev = append(ev, finding.Evidence{Field: provenance.EvidenceMatch, Value: h.Node.Model + ": " + h.Path.Describe(g) + "; developed by " + cmp.Or(h.Node.DeveloperName, h.Node.Developer)})
	}
	return finding.Finding{
		Code:       finding.ProvenanceDeniedOrigin,
		Message:    msg,
		Confidence: best.Confidence,
		Subject:    rule,
		Evidence:   ev,
		References: slices.Clone(n.References),
	}
}
