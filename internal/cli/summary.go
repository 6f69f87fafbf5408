package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/textsafe"
	"github.com/modelvet/modelvet/report"
)

// VerdictError is the verdict column of a target that could not be audited.
const VerdictError = "error"

// Summary is one line of a gate or sweep: a model and what its audit
// found. Strings from the release are sanitised.
type Summary struct {
	// Target is what was audited, as given or as found.
	Target string `json:"target"`
	Name   string `json:"name,omitempty"`
	Kind   string `json:"kind,omitempty"`
	// Verdict is pass, review, fail, or "error" when the model could not be
	// audited (Error says why).
	Verdict string `json:"verdict"`
	// Counts counts unwaived findings by severity.
	Counts map[finding.Severity]int `json:"counts,omitempty"`
	// Top is the most severe unwaived finding.
	Top *Top `json:"top_finding,omitempty"`
	// Developer and Country are the origin of the model: the first node of
	// its lineage whose developer is known.
	Developer string `json:"developer,omitempty"`
	Country   string `json:"country,omitempty"`
	// BarredBy lists the government policies (ids) that bar the model or
	// an ancestor in the selected jurisdictions.
	BarredBy []string `json:"barred_by,omitempty"`
	Error    string   `json:"error,omitempty"`
}

// Top names a finding.
type Top struct {
	Code     finding.Code     `json:"code"`
	Severity finding.Severity `json:"severity"`
	Subject  string           `json:"subject,omitempty"`
}

// Summarize summarises the report of target.
func Summarize(target string, r *report.Report) Summary {
	s := Summary{
		Target:  textsafe.Line(target),
		Name:    textsafe.Line(r.Subject.Name),
		Kind:    r.Subject.Kind,
		Verdict: string(r.Verdict),
		Counts:  r.Counts(),
	}
	for _, f := range r.Findings {
		if f.Waived != "" {
			continue
		}
		if s.Top == nil || f.Severity.Rank() > s.Top.Severity.Rank() {
			s.Top = &Top{Code: f.Code, Severity: f.Severity, Subject: textsafe.Line(f.Subject)}
		}
		if f.Code == finding.ProvenanceGovernmentPolicy && f.Subject != "" {
			id := textsafe.Line(f.Subject)
			if !contains(s.BarredBy, id) {
				s.BarredBy = append(s.BarredBy, id)
			}
		}
	}
	for _, n := range r.Lineage {
		if n.Developer != "" {
			s.Developer, s.Country = textsafe.Line(n.Developer), textsafe.Line(n.Country)
			break
		}
	}
	return s
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ErrorSummary is the summary of a target that could not be audited.
func ErrorSummary(target string, err error) Summary {
	return Summary{Target: textsafe.Line(target), Verdict: VerdictError, Error: textsafe.Line(err.Error())}
}

// Status is the exit status the summary calls for.
func (s Summary) Status() int {
	if s.Verdict == VerdictError {
		return ExitError
	}
	return ExitStatus(report.Verdict(s.Verdict))
}

// Tally counts summaries by verdict.
func Tally(ss []Summary) map[string]int {
	out := map[string]int{"pass": 0, "review": 0, "fail": 0, VerdictError: 0}
	for _, s := range ss {
		out[s.Verdict]++
	}
	return out
}

// Column is one column of a summary table.
type Column struct {
	Title string
	Value func(Summary) string
}

// Columns of summary tables.
var (
	ColModel   = Column{"MODEL", func(s Summary) string { return textsafe.Truncate(s.Target, 60) }}
	ColName    = Column{"NAME", func(s Summary) string { return textsafe.Truncate(s.Name, 50) }}
	ColKind    = Column{"SOURCE", func(s Summary) string { return dash(s.Kind) }}
	ColVerdict = Column{"VERDICT", func(s Summary) string { return strings.ToUpper(s.Verdict) }}
	ColCounts  = Column{"CRIT HIGH MED LOW INFO", func(s Summary) string {
		if s.Verdict == VerdictError {
			return "-"
		}
		return fmt.Sprintf("%4d %4d %3d %3d %4d", s.Counts[finding.Critical], s.Counts[finding.High], s.Counts[finding.Medium], s.Counts[finding.Low], s.Counts[finding.Info])
	}}
	ColTop = Column{"TOP FINDING", func(s Summary) string {
		switch {
		case s.Error != "":
			return textsafe.Truncate(s.Error, 80)
		case s.Top == nil:
			return "-"
		}
		t := string(s.Top.Code)
		if s.Top.Subject != "" {
			t += " (" + textsafe.Truncate(s.Top.Subject, 40) + ")"
		}
		return t
	}}
	ColOrigin = Column{"ORIGIN", func(s Summary) string {
		switch {
		case s.Developer == "":
			return "-"
		case s.Country == "":
			return textsafe.Truncate(s.Developer, 30)
		}
		return textsafe.Truncate(s.Developer, 30) + " (" + s.Country + ")"
	}}
	ColBarred = Column{"BARRED BY", func(s Summary) string {
		if len(s.BarredBy) == 0 {
			return "-"
		}
		return textsafe.Truncate(strings.Join(s.BarredBy, ","), 60)
	}}
)

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// WriteTable writes summaries as an aligned table with the given columns,
// then a line of totals.
func WriteTable(w io.Writer, ss []Summary, cols ...Column) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for i, c := range cols {
		if i > 0 {
			fmt.Fprint(tw, "\t")
		}
		fmt.Fprint(tw, c.Title)
	}
	fmt.Fprintln(tw)
	for _, s := range ss {
		for i, c := range cols {
			if i > 0 {
				fmt.Fprint(tw, "\t")
			}
			fmt.Fprint(tw, strings.ReplaceAll(c.Value(s), "\t", " "))
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	t := Tally(ss)
	_, err := fmt.Fprintf(w, "\n%d models: %d pass, %d review, %d fail, %d could not be audited\n", len(ss), t["pass"], t["review"], t["fail"], t[VerdictError])
	return err
}
