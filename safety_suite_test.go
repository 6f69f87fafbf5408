package modelvet_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/modelvet/modelvet"
	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/manifest"
)

// TestSafetySuite audits every sample of the labelled suite (this
// project's own byte-level samples of the classes in the dedicated
// scanners' suites, internal/testmodel.SafetySuite) through the library,
// one release each. A malicious sample is caught when the report has the
// finding it must raise, with its message; a benign sample is flagged when
// it raises format.code-execution or format.malformed. It prints the
// counts (go test -run TestSafetySuite -v).
func TestSafetySuite(t *testing.T) {
	a, err := modelvet.New()
	if err != nil {
		t.Fatal(err)
	}
	samples := testmodel.SafetySuite()
	var malicious, caught, benign, flagged int
	missed := map[string][]string{}
	var flaggedNames []string
	for _, s := range samples {
		dir := t.TempDir()
		for name, data := range s.Files {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := a.Audit(context.Background(), manifest.Dir(dir))
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		if s.Malicious {
			malicious++
			hit := false
			for _, f := range rep.Findings {
				if string(f.Code) == s.Code && strings.Contains(f.Message, s.Contains) {
					hit = true
				}
			}
			if hit {
				caught++
			} else {
				missed[s.Class] = append(missed[s.Class], s.Name)
				t.Errorf("missed %s (%s): want %s with %q; findings %v", s.Name, s.Class, s.Code, s.Contains, formatFindings(rep.Findings))
			}
			continue
		}
		benign++
		for _, f := range rep.Findings {
			if f.Code == finding.FormatCodeExecution || f.Code == finding.FormatMalformed {
				flagged++
				flaggedNames = append(flaggedNames, s.Class+": "+s.Name)
				break
			}
		}
	}
	sort.Strings(flaggedNames)
	t.Logf("own labelled suite: %d of %d malicious samples caught (%.1f%%); %d of %d benign samples flagged %v",
		caught, malicious, 100*float64(caught)/float64(malicious), flagged, benign, flaggedNames)
	if float64(caught) < 0.98*float64(malicious) {
		t.Errorf("caught %d of %d malicious samples, below 98%%; missed %v", caught, malicious, missed)
	}
	if flagged > 1 {
		t.Errorf("%d benign samples flagged: %v", flagged, flaggedNames)
	}
	if malicious < 150 || benign < 30 {
		t.Errorf("suite of %d malicious and %d benign samples is smaller than it was built", malicious, benign)
	}
}

func formatFindings(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		if f.Code.Group() == "format" {
			out = append(out, string(f.Code)+": "+f.Message)
		}
	}
	return out
}
