package modelvet

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/manifest"
)

func auditDir(t *testing.T, files map[string]string, opts ...Option) *Report {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := manifest.Parse(dir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Audit(context.Background(), src, append([]Option{WithoutHashingUnsafe()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestAuditLicenseInheritance audits a Llama 3.1 fine-tune that declares
// Apache-2.0: the lineage comes from the card's base_model, the base's
// licence from the knowledge base's model patterns.
func TestAuditLicenseInheritance(t *testing.T) {
	files := map[string]string{
		"README.md": "---\nlicense: apache-2.0\nbase_model: meta-llama/Llama-3.1-8B-Instruct\nmodel_name: medical-8b\n---\n# medical-8b\n",
	}
	rep := auditDir(t, files)
	inh := inheritance(rep)
	// It drops the base's licence and breaks its naming rule: two
	// findings, each with its own subject.
	if got := subjectsOf(inh); !slices.Equal(got, []string{"llama3.1", "llama3.1#naming"}) {
		t.Fatalf("license.inheritance subjects %q, want the licence rule and the naming rule; findings %+v", got, inh)
	}
	for _, f := range inh {
		if f.Severity != finding.High || !strings.Contains(f.Message, "meta-llama/Llama-3.1-8B-Instruct") || !strings.Contains(f.Message, "medical-8b") {
			t.Errorf("finding: %+v", f)
		}
	}
	if !strings.Contains(inh[0].Message, "apache-2.0") || !strings.Contains(inh[1].Message, `"Llama"`) {
		t.Errorf("messages do not state the rules: %q, %q", inh[0].Message, inh[1].Message)
	}
	if rep.Verdict != Fail {
		t.Errorf("verdict %s, want fail", rep.Verdict)
	}
	if len(rep.Licenses) != 1 || rep.Licenses[0].ID != "apache-2.0" || rep.Licenses[0].Terms.CommercialUse == nil || len(rep.Licenses[0].References) == 0 {
		t.Errorf("licences: %+v", rep.Licenses)
	}

	// A waiver of one rule leaves the other standing.
	for _, c := range []struct{ subject, waived, open string }{
		{"llama3.1", "llama3.1", "llama3.1#naming"},
		{"llama3.1#naming", "llama3.1#naming", "llama3.1"},
	} {
		p, err := ParsePolicy("waiver.yaml", []byte("waivers:\n  - code: license.inheritance\n    subject: "+c.subject+"\n    reason: LEGAL-7\n"))
		if err != nil {
			t.Fatal(err)
		}
		rep := auditDir(t, files, WithPolicy(p))
		for _, f := range inheritance(rep) {
			if want := f.Subject == c.waived; (f.Waived != "") != want {
				t.Errorf("waiver for %q: %s waived %q", c.subject, f.Subject, f.Waived)
			}
			if f.Subject == c.open && f.Severity != finding.High {
				t.Errorf("waiver for %q: %s is %s, want high", c.subject, c.open, f.Severity)
			}
		}
		if rep.Verdict != Fail || len(rep.Policy.UnusedWaivers) != 0 {
			t.Errorf("waiver for %q: verdict %s (want fail: the other rule stands), unused waivers %q", c.subject, rep.Verdict, rep.Policy.UnusedWaivers)
		}
	}
}

func inheritance(rep *Report) []Finding {
	var out []Finding
	for _, f := range rep.Findings {
		if f.Code == finding.LicenseInheritance {
			out = append(out, f)
		}
	}
	return out
}

func subjectsOf(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Subject)
	}
	slices.Sort(out)
	return out
}

func TestAuditLicenseTerms(t *testing.T) {
	rep := auditDir(t, map[string]string{
		"README.md": "---\nlicense: other\nlicense_name: flux-1-dev-non-commercial-license\nlicense_link: https://huggingface.co/black-forest-labs/FLUX.1-dev/blob/main/LICENSE.md\n---\n",
	})
	var nc *Finding
	for i, f := range rep.Findings {
		if f.Code == finding.LicenseNonCommercial {
			nc = &rep.Findings[i]
		}
	}
	if nc == nil || nc.Severity != finding.High || rep.Verdict != Fail {
		t.Fatalf("FLUX.1 [dev]: want a high license.noncommercial and a fail; got %s %+v", rep.Verdict, rep.Findings)
	}
	if l := rep.Licenses[0]; l.Category != "non-commercial" || len(l.Sources) != 2 {
		t.Errorf("licence: %+v", l)
	}
}
