package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/examples/internal/cli"
	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/report"
)

// facts are what the summary counts of one audited repository. Each is
// derived from the report by one small function below, so that the
// report's own accessors can take their place.
type facts struct {
	// Failed marks a repository that could not be audited; it has no
	// other facts.
	Failed    bool   `json:"failed,omitempty"`
	Verdict   string `json:"verdict,omitempty"`
	Developer string `json:"developer,omitempty"`
	Country   string `json:"country,omitempty"`
	// Licenses are the ids of the licences the report identifies.
	Licenses []string `json:"licenses,omitempty"`
	// Certain and Possible are the selected jurisdictions whose
	// government policies certainly, or possibly, reach the model.
	Certain  []string `json:"certain,omitempty"`
	Possible []string `json:"possible,omitempty"`
	// Roots are the bases of the lineage that have no base themselves.
	Roots []rootLink `json:"roots,omitempty"`
}

// rootLink is a root base model of a repository; Direct when the
// repository names it as its own base.
type rootLink struct {
	Model  string `json:"model"`
	Direct bool   `json:"direct,omitempty"`
}

// edge is one line of lineage.jsonl: Derivative derives from Base.
type edge struct {
	Derivative string             `json:"derivative"`
	Base       string             `json:"base"`
	Relation   string             `json:"relation,omitempty"`
	Confidence finding.Confidence `json:"confidence"`
	// Source says where the edge is declared: a file and line and field
	// of the release, or the record of an ancestor.
	Source string `json:"source,omitempty"`
	// own marks an edge from the derivative's own report, preferred over
	// what a descendant's report says of it.
	own bool
}

// key identifies an edge whoever reports it.
func (e edge) key() string { return e.Derivative + " " + e.Base + " " + e.Relation }

// factsOf derives the summary's facts from a report.
func factsOf(rep *report.Report) facts {
	s := cli.Summarize(rep.Subject.Name, rep)
	f := facts{Verdict: string(rep.Verdict), Licenses: licenseIDs(rep), Roots: roots(rep)}
	f.Developer, f.Country = origin(s)
	f.Certain, f.Possible = barred(s)
	return f
}

// origin is the developer and country of the weights the repository
// carries (report.Report.Origin), as the gate and sweep tables show it.
func origin(s cli.Summary) (developer, country string) { return s.Developer, s.Country }

// barred splits the jurisdictions whose government policies cover the
// model into those with a policy that certainly reaches it and those whose
// policies may not (the BARRED IN column of gate and sweep, where the
// latter end in "?").
func barred(s cli.Summary) (certain, possible []string) {
	for _, j := range s.BarredIn() {
		if p, maybe := strings.CutSuffix(j, "?"); maybe {
			possible = append(possible, p)
		} else {
			certain = append(certain, j)
		}
	}
	return certain, possible
}

// licenseIDs are the ids of the licences the report identifies, sorted.
func licenseIDs(rep *report.Report) []string {
	var ids []string
	for _, l := range rep.Licenses {
		ids = append(ids, l.ID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// roots are the nodes of the lineage that are someone's base and have no
// base themselves, sorted, each Direct when the audited model names it as
// its own base.
func roots(rep *report.Report) []rootLink {
	hasBase := map[string]bool{}
	for _, n := range rep.Lineage {
		if n.Parent != "" {
			hasBase[n.Parent] = true
		}
	}
	direct := map[string]bool{}
	for _, n := range rep.Lineage {
		if n.Depth > 0 && !hasBase[n.Model] {
			direct[n.Model] = direct[n.Model] || n.Depth == 1
		}
	}
	var out []rootLink
	for _, m := range slices.Sorted(maps.Keys(direct)) {
		out = append(out, rootLink{Model: m, Direct: direct[m]})
	}
	return out
}

// edges are the lineage's derivations, one per node that has a parent.
func edges(rep *report.Report) []edge {
	var out []edge
	for _, n := range rep.Lineage {
		if n.Parent == "" {
			continue
		}
		out = append(out, edge{Derivative: n.Parent, Base: n.Model, Relation: string(n.Relation), Confidence: n.Confidence, Source: source(n.Evidence), own: n.Depth == 1})
	}
	return out
}

// source renders the first evidence of a lineage node as
// "path:line field".
func source(ev []finding.Evidence) string {
	if len(ev) == 0 {
		return ""
	}
	e := ev[0]
	s := e.Path
	if e.Line > 0 {
		s += fmt.Sprintf(":%d", e.Line)
	}
	if e.Field != "" {
		s = strings.TrimSpace(s + " " + e.Field)
	}
	return s
}
