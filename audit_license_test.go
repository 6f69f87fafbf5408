package modelvet

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/manifest"
)

func auditDir(t *testing.T, files map[string]string) *Report {
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
	rep, err := Audit(context.Background(), src, WithoutHashingUnsafe())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestAuditLicenseInheritance audits a Llama 3.1 fine-tune that declares
// Apache-2.0: the lineage comes from the card's base_model, the base's
// licence from the knowledge base's model patterns.
func TestAuditLicenseInheritance(t *testing.T) {
	rep := auditDir(t, map[string]string{
		"README.md": "---\nlicense: apache-2.0\nbase_model: meta-llama/Llama-3.1-8B-Instruct\nmodel_name: medical-8b\n---\n# medical-8b\n",
	})
	var inh []Finding
	for _, f := range rep.Findings {
		if f.Code == finding.LicenseInheritance {
			inh = append(inh, f)
		}
	}
	if len(inh) != 2 {
		t.Fatalf("want 2 license.inheritance findings (licence and naming), got %+v", inh)
	}
	for _, f := range inh {
		if f.Severity != finding.High || f.Subject != "llama3.1" || !strings.Contains(f.Message, "meta-llama/Llama-3.1-8B-Instruct") {
			t.Errorf("finding: %+v", f)
		}
	}
	if rep.Verdict != Fail {
		t.Errorf("verdict %s, want fail", rep.Verdict)
	}
	if len(rep.Licenses) != 1 || rep.Licenses[0].ID != "apache-2.0" || rep.Licenses[0].Terms.CommercialUse == nil || len(rep.Licenses[0].References) == 0 {
		t.Errorf("licences: %+v", rep.Licenses)
	}
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
