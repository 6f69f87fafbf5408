package cli

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/reporttest"
	"github.com/modelvet/modelvet/report"
)

func TestReadTargets(t *testing.T) {
	in := "# intake list\n/models/a\n\n  hf:acme/b@main   # vendor B\n\t# ollama:skipped\nollama:c:7b\n"
	got, err := ReadTargets(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/models/a", "hf:acme/b@main", "ollama:c:7b"}; !slices.Equal(got, want) {
		t.Errorf("ReadTargets = %q, want %q", got, want)
	}
	if _, err := ReadTargets(strings.NewReader(strings.Repeat("x", 70<<10))); err == nil {
		t.Error("an over-long line was accepted")
	}
}

func TestWorse(t *testing.T) {
	order := []int{ExitPass, ExitReview, ExitFail, ExitError, ExitUsage}
	for i, a := range order {
		for j, b := range order {
			if got, want := Worse(a, b), order[max(i, j)]; got != want {
				t.Errorf("Worse(%d, %d) = %d, want %d", a, b, got, want)
			}
		}
	}
}

func TestSummarize(t *testing.T) {
	r := reporttest.SampleReport(report.Fail)
	s := Summarize("hf:acme/x", r)
	if s.Verdict != "fail" || s.Status() != ExitFail || s.Top == nil || s.Top.Code != finding.ProvenanceGovernmentPolicy {
		t.Errorf("summary = %+v", s)
	}
	if len(s.Barred) != 1 || s.Barred[0].Policy != "us-tx-ga-2025" || s.Developer != "ACME" || s.Country != "US" {
		t.Errorf("barred %v, origin %s %s", s.Barred, s.Developer, s.Country)
	}
	if s.Counts[finding.Medium] != 1 { // the waived pickle finding does not count
		t.Errorf("counts = %v", s.Counts)
	}
	e := ErrorSummary("x", errors.New("boom\x1b[2J"))
	if e.Status() != ExitError || strings.Contains(e.Error, "\x1b") {
		t.Errorf("error summary = %+v", e)
	}
}

// BarredIn names jurisdictions, certain ones first; the table marks the
// others and explains the marks.
func TestBarredIn(t *testing.T) {
	r := &report.Report{Verdict: report.Fail}
	for _, f := range []struct {
		subject string
		conf    finding.Confidence
		sev     finding.Severity
	}{
		{"us-tx-governor-prohibited-apps-2025", finding.Inferred, finding.Medium},
		{"us-dod-disa-deepseek-block-2025", finding.Inferred, finding.Medium},
		{"us-ndaa-fy2026-s1532", finding.Declared, finding.High},
		{"us-ks-hb-2313", finding.Declared, finding.High},
		{"us-nc-deepseek-unverified", finding.Alleged, finding.Low},
		{"not-in-the-kb", finding.Inferred, finding.Medium},
	} {
		r.Findings = append(r.Findings, finding.Finding{Code: finding.ProvenanceGovernmentPolicy, Subject: f.subject, Confidence: f.conf, Severity: f.sev})
	}
	r.Findings = append(r.Findings, finding.Finding{Code: finding.ProvenanceGovernmentPolicy, Subject: "us-va-eo-46-2025", Confidence: finding.Inferred, Severity: finding.Medium, Waived: "not a state contractor"})
	s := Summarize("x", r)
	if got, want := s.BarredIn(), []string{"us-dod", "us-ks", "not-in-the-kb?", "us-nc?", "us-tx?"}; !slices.Equal(got, want) {
		t.Errorf("BarredIn() = %q, want %q", got, want)
	}
	if s.Barred[0].Policy != "us-ndaa-fy2026-s1532" || s.Barred[0].Jurisdiction != "us-dod" || !s.Barred[1].Certain || s.Barred[5].Confidence != finding.Alleged {
		t.Errorf("most certain bar first: %+v", s.Barred)
	}
	var b strings.Builder
	if err := WriteTable(&b, []Summary{s, {Target: "y", Name: "llama", Verdict: "pass"}}, ColName, ColOrigin, ColBarred); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "us-dod, us-ks, not-in-the-kb?, us-nc?, us-tx?") || !strings.Contains(b.String(), "llama") {
		t.Errorf("table:\n%s", b.String())
	}
	if l := BarredLegend([]Summary{s}); !strings.Contains(l, "BARRED IN:") || !strings.Contains(l, "?: ") {
		t.Errorf("legend %q", l)
	}
	if l := BarredLegend([]Summary{{Verdict: "pass"}}); l != "" {
		t.Errorf("legend without bars: %q", l)
	}
}
