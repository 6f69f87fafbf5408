package main

import (
	"cmp"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/report"
)

// summarySchema names the shape of summary.json.
const summarySchema = "modelvet.census/v1"

// unknown is the key of repositories whose origin country, developer or
// licence is not known (parentheses never occur in Hub ids or country
// codes).
const unknown = "(unknown)"

// summary is summary.json.
type summary struct {
	Schema        string               `json:"schema"`
	AuditedAt     string               `json:"audited_at"`
	Policy        string               `json:"policy"`
	Jurisdictions []string             `json:"jurisdictions"`
	KnowledgeBase report.KnowledgeBase `json:"knowledge_base"`
	// Repositories counts those given or listed; Audited those with a
	// report, Errors those that could not be audited (errors.jsonl).
	Repositories int `json:"repositories"`
	Audited      int `json:"audited"`
	Errors       int `json:"errors"`
	// Verdicts counts reports by verdict.
	Verdicts map[string]int `json:"verdicts"`
	// Countries and Developers count reports by the origin of the weights
	// the repository carries.
	Countries  map[string]int `json:"countries"`
	Developers map[string]int `json:"developers"`
	// Licenses counts reports by each licence they identify (a report
	// with two licences counts for both; one with none under (unknown)).
	Licenses map[string]int `json:"licenses"`
	// Barred counts, per selected jurisdiction, the reports a government
	// policy of it certainly reaches, and those it possibly reaches.
	Barred map[string]barCount `json:"barred"`
	// Roots lists every root base model with a descendant in the census,
	// the most descended first.
	Roots []rootSummary `json:"roots"`
}

// barCount counts the repositories a jurisdiction's policies reach.
type barCount struct {
	Certain  int `json:"certain"`
	Possible int `json:"possible"`
}

// rootSummary is a root base model and its descendants in the census.
type rootSummary struct {
	Model string `json:"model"`
	rootTally
}

// rootTally counts a root's descendants: all of them (transitive) and
// those that name it as their own base (direct), with their licences and
// verdicts.
type rootTally struct {
	Descendants int            `json:"descendants"`
	Direct      int            `json:"direct"`
	Licenses    map[string]int `json:"licenses"`
	Verdicts    map[string]int `json:"verdicts"`
}

// tally accumulates the summary's counts; tallies of parts of the census
// merge into the whole.
type tally struct {
	Repositories int                   `json:"repositories"`
	Errors       int                   `json:"errors"`
	Verdicts     map[string]int        `json:"verdicts"`
	Countries    map[string]int        `json:"countries"`
	Developers   map[string]int        `json:"developers"`
	Licenses     map[string]int        `json:"licenses"`
	Certain      map[string]int        `json:"certain"`
	Possible     map[string]int        `json:"possible"`
	Roots        map[string]*rootTally `json:"roots"`
}

func newTally() *tally {
	return &tally{
		Verdicts: map[string]int{}, Countries: map[string]int{}, Developers: map[string]int{},
		Licenses: map[string]int{}, Certain: map[string]int{}, Possible: map[string]int{},
		Roots: map[string]*rootTally{},
	}
}

// addError counts a repository that could not be audited.
func (t *tally) addError() {
	t.Repositories++
	t.Errors++
}

// add counts an audited repository.
func (t *tally) add(f facts) {
	t.Repositories++
	t.Verdicts[f.Verdict]++
	t.Countries[cmp.Or(f.Country, unknown)]++
	t.Developers[cmp.Or(f.Developer, unknown)]++
	licenses := f.Licenses
	if len(licenses) == 0 {
		licenses = []string{unknown}
	}
	for _, l := range licenses {
		t.Licenses[l]++
	}
	for _, j := range f.Certain {
		t.Certain[j]++
	}
	for _, j := range f.Possible {
		t.Possible[j]++
	}
	for _, r := range f.Roots {
		rt := t.Roots[r.Model]
		if rt == nil {
			rt = &rootTally{Licenses: map[string]int{}, Verdicts: map[string]int{}}
			t.Roots[r.Model] = rt
		}
		rt.Descendants++
		if r.Direct {
			rt.Direct++
		}
		for _, l := range licenses {
			rt.Licenses[l]++
		}
		rt.Verdicts[f.Verdict]++
	}
}

// merge adds o's counts to t.
func (t *tally) merge(o *tally) {
	t.Repositories += o.Repositories
	t.Errors += o.Errors
	for _, p := range [][2]map[string]int{
		{t.Verdicts, o.Verdicts}, {t.Countries, o.Countries}, {t.Developers, o.Developers},
		{t.Licenses, o.Licenses}, {t.Certain, o.Certain}, {t.Possible, o.Possible},
	} {
		addCounts(p[0], p[1])
	}
	for m, or := range o.Roots {
		rt := t.Roots[m]
		if rt == nil {
			rt = &rootTally{Licenses: map[string]int{}, Verdicts: map[string]int{}}
			t.Roots[m] = rt
		}
		rt.Descendants += or.Descendants
		rt.Direct += or.Direct
		addCounts(rt.Licenses, or.Licenses)
		addCounts(rt.Verdicts, or.Verdicts)
	}
}

func addCounts(dst, src map[string]int) {
	for k, n := range src {
		dst[k] += n
	}
}

// summary turns the counts into summary.json's shape; head carries what
// the census ran with.
func (t *tally) summary(head summary) summary {
	s := head
	s.Schema = summarySchema
	s.Repositories, s.Errors, s.Audited = t.Repositories, t.Errors, t.Repositories-t.Errors
	s.Verdicts = map[string]int{string(report.Pass): 0, string(report.Review): 0, string(report.Fail): 0}
	addCounts(s.Verdicts, t.Verdicts)
	s.Countries, s.Developers, s.Licenses = maps.Clone(t.Countries), maps.Clone(t.Developers), maps.Clone(t.Licenses)
	s.Barred = map[string]barCount{}
	for _, j := range s.Jurisdictions {
		s.Barred[j] = barCount{}
	}
	for _, j := range slices.Sorted(maps.Keys(t.Certain)) {
		b := s.Barred[j]
		b.Certain = t.Certain[j]
		s.Barred[j] = b
	}
	for _, j := range slices.Sorted(maps.Keys(t.Possible)) {
		b := s.Barred[j]
		b.Possible = t.Possible[j]
		s.Barred[j] = b
	}
	s.Roots = []rootSummary{}
	for m, rt := range t.Roots {
		s.Roots = append(s.Roots, rootSummary{Model: m, rootTally: *rt})
	}
	slices.SortFunc(s.Roots, func(a, b rootSummary) int {
		return cmp.Or(cmp.Compare(b.Descendants, a.Descendants), strings.Compare(a.Model, b.Model))
	})
	return s
}

// encodeSummary is summary.json's bytes: indented, maps in key order.
func encodeSummary(s summary) ([]byte, error) {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}
