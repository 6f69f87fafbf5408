package report

import (
	"cmp"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/kb"
)

// Origin returns who made the weights the release carries, and false
// when the report does not say (no developer is known, or the report
// predates the field).
func (r *Report) Origin() (Origin, bool) {
	if r.WeightsOrigin == nil || r.WeightsOrigin.DeveloperID == "" {
		return Origin{}, false
	}
	return *r.WeightsOrigin, true
}

// Ancestors returns the lineage nodes of the models the audited one
// derives from, nearest first (a model reached by two derivations
// appears twice).
func (r *Report) Ancestors() []LineageNode {
	var out []LineageNode
	for _, n := range r.Lineage {
		if n.Depth > 0 {
			out = append(out, n)
		}
	}
	return out
}

// GovernmentBar is a government policy that covers the audited model or an
// ancestor, with the severity the policy gave its finding.
type GovernmentBar struct {
	Government
	Severity finding.Severity `json:"severity"`
}

// GovernmentBars returns the government policies whose
// provenance.government-policy finding is not waived, the most severe
// first, then those certain, then by jurisdiction and policy. A report
// without the government facts (written before they were added) gives
// one bar per finding, with the jurisdiction the embedded knowledge base
// names for its policy.
func (r *Report) GovernmentBars() []GovernmentBar {
	var out []GovernmentBar
	for _, f := range r.Findings {
		if f.Code != finding.ProvenanceGovernmentPolicy || f.Waived != "" || f.Subject == "" {
			continue
		}
		if slices.ContainsFunc(out, func(b GovernmentBar) bool { return b.Policy == f.Subject }) {
			continue
		}
		g, ok := r.government(f.Subject)
		if !ok {
			g = Government{Policy: f.Subject, Confidence: f.Confidence, Certain: f.Confidence.Certain()}
			if p := kb.Default().Policy(f.Subject); p != nil {
				g.Jurisdiction, g.JurisdictionName, g.Instrument, g.Status = p.Jurisdiction, p.JurisdictionName, p.Instrument, p.Status
			}
		}
		out = append(out, GovernmentBar{Government: g, Severity: f.Severity})
	}
	slices.SortStableFunc(out, func(a, b GovernmentBar) int {
		return cmp.Or(-cmp.Compare(a.Severity.Rank(), b.Severity.Rank()), trueFirst(a.Certain, b.Certain),
			strings.Compare(a.Jurisdiction, b.Jurisdiction), strings.Compare(a.Policy, b.Policy))
	})
	return out
}

func (r *Report) government(policy string) (Government, bool) {
	for _, g := range r.Government {
		if g.Policy == policy {
			return g, true
		}
	}
	return Government{}, false
}

// BarredIn lists the jurisdictions of bars (the policy id when a bar has
// no jurisdiction), sorted, those with a certain bar first; the others,
// whose instruments cover the developer or an ancestor but may not reach
// the model itself (an app-only ban, a match on an ancestor, a bill or an
// advisory, an unverified report), end in "?".
func BarredIn(bars []GovernmentBar) []string {
	var certain, maybe []string
	for _, b := range bars {
		j := cmp.Or(b.Jurisdiction, b.Policy)
		if b.Certain {
			certain = append(certain, j)
		} else {
			maybe = append(maybe, j)
		}
	}
	slices.Sort(certain)
	certain = slices.Compact(certain)
	slices.Sort(maybe)
	out := certain
	for _, j := range slices.Compact(maybe) {
		if !slices.Contains(certain, j) {
			out = append(out, j+"?")
		}
	}
	return out
}

// compareGovernment orders government entries: certain first, then by
// jurisdiction and policy.
func compareGovernment(a, b Government) int {
	return cmp.Or(trueFirst(a.Certain, b.Certain), strings.Compare(a.Jurisdiction, b.Jurisdiction), strings.Compare(a.Policy, b.Policy))
}

// trueFirst orders true before false.
func trueFirst(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}
