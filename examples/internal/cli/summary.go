package cli

import (
	"cmp"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/textsafe"
	"github.com/modelvet/modelvet/provenance"
	"github.com/modelvet/modelvet/report"
)

// VerdictError is the verdict column of a target that could not be audited.
const VerdictError = "error"

// Summary is one line of a gate or sweep: a model and what its audit
// found. Strings from the release are sanitised.
type Summary struct {
	// Target is what was audited, as given or as found: a string
	// manifest.Parse accepts.
	Target string `json:"target"`
	// Name is the model's name: as its store knows it in a sweep
	// ("deepseek-r1:7b", "org/name@1a2b3c4", a file name), else the
	// report's subject name.
	Name string `json:"name,omitempty"`
	Kind string `json:"kind,omitempty"`
	// Path is where a sweep found the model (a cache snapshot, an Ollama
	// manifest, a file).
	Path string `json:"path,omitempty"`
	// Verdict is pass, review, fail, or "error" when the model could not be
	// audited (Error says why).
	Verdict string `json:"verdict"`
	// Counts counts unwaived findings by severity.
	Counts map[finding.Severity]int `json:"counts,omitempty"`
	// Top is the most severe unwaived finding.
	Top *Top `json:"top_finding,omitempty"`
	// Developer and Country are the origin of the weights the model
	// carries (report.Report.Origin).
	Developer string `json:"developer,omitempty"`
	Country   string `json:"country,omitempty"`
	// Barred lists the government policies of the selected jurisdictions
	// that cover the model or an ancestor (report.Report.GovernmentBars).
	Barred []report.GovernmentBar `json:"barred,omitempty"`
	Error  string                 `json:"error,omitempty"`
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
		Kind:    string(r.Subject.Kind),
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
	}
	s.Barred = r.GovernmentBars()
	if o, ok := r.Origin(); ok {
		s.Developer, s.Country = textsafe.Line(o.Developer), textsafe.Line(o.Country)
	}
	return s
}

// BarredIn lists the jurisdictions whose policies cover the model, those
// with a policy that certainly reaches it first; the others end in "?"
// (report.BarredIn).
func (s Summary) BarredIn() []string {
	out := report.BarredIn(s.Barred)
	for i, j := range out {
		out[i] = textsafe.Line(j)
	}
	return out
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
	ColModel = Column{"MODEL", func(s Summary) string { return textsafe.Truncate(s.Target, 60) }}
	// ColName is the model's name (the target when it has none).
	ColName    = Column{"MODEL", func(s Summary) string { return textsafe.Truncate(cmp.Or(s.Name, s.Target), 60) }}
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
		return textsafe.Truncate(s.Developer, 30) + ", " + textsafe.Line(provenance.CountryName(s.Country))
	}}
	// ColBarred lists the selected jurisdictions whose government policies
	// cover the model (see Summary.BarredIn and BarredLegend).
	ColBarred = Column{"BARRED IN", func(s Summary) string {
		if len(s.Barred) == 0 {
			return "-"
		}
		return textsafe.Truncate(strings.Join(s.BarredIn(), ", "), 60)
	}}
)

// BarredLegend explains the BARRED IN column of ss in a few lines, or
// returns "" when no summary needs it.
func BarredLegend(ss []Summary) string {
	certain, maybe := false, false
	for _, s := range ss {
		for _, j := range s.BarredIn() {
			if strings.HasSuffix(j, "?") {
				maybe = true
			} else {
				certain = true
			}
		}
	}
	var b strings.Builder
	if certain {
		b.WriteString("BARRED IN: an enacted or in-force instrument of the jurisdiction covers the model itself, self-hosted weights included.\n")
	}
	if maybe {
		b.WriteString("        ?: the jurisdiction's instruments cover the developer or an ancestor but may not reach this model\n")
		b.WriteString("           (an app-only ban, a match on an ancestor, a bill or advisory, or an unverified report).\n")
	}
	return b.String()
}

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
	noun := "models"
	if len(ss) == 1 {
		noun = "model"
	}
	_, err := fmt.Fprintf(w, "\n%d %s: %d pass, %d review, %d fail, %d could not be audited\n", len(ss), noun, t["pass"], t["review"], t["fail"], t[VerdictError])
	return err
}
