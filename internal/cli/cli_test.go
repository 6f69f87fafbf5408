package cli

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/testmodel"
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
	r := testmodel.SampleReport(report.Fail)
	s := Summarize("hf:acme/x", r)
	if s.Verdict != "fail" || s.Status() != ExitFail || s.Top == nil || s.Top.Code != finding.ProvenanceGovernmentPolicy {
		t.Errorf("summary = %+v", s)
	}
	if !slices.Equal(s.BarredBy, []string{"us-tx-ga-2025"}) || s.Developer != "ACME" || s.Country != "US" {
		t.Errorf("barred %v, origin %s %s", s.BarredBy, s.Developer, s.Country)
	}
	if s.Counts[finding.Medium] != 1 { // the waived pickle finding does not count
		t.Errorf("counts = %v", s.Counts)
	}
	e := ErrorSummary("x", errors.New("boom\x1b[2J"))
	if e.Status() != ExitError || strings.Contains(e.Error, "\x1b") {
		t.Errorf("error summary = %+v", e)
	}
}
