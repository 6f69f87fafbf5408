package modelvet

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/manifest"
)

func lineageFixture(t *testing.T, name, repo string) *manifest.Release {
	t.Helper()
	rel, err := manifest.Dir(filepath.Join(testutil.ModuleRoot(t), "testdata", "lineage", name)).Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rel.Repo, rel.Name = repo, repo
	return rel
}

func TestAuditLineage(t *testing.T) {
	a, err := New(WithJurisdictions("us-ks"), WithoutHashingUnsafe(), WithClock(func() time.Time { return time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC) }))
	if err != nil {
		t.Fatal(err)
	}
	rel := lineageFixture(t, "deepseek-ai__DeepSeek-R1-Distill-Llama-8B", "deepseek-ai/DeepSeek-R1-Distill-Llama-8B")
	rep, err := a.AuditRelease(context.Background(), rel)
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ model, relation, parent, developer, country, license string }
	var got []row
	for _, n := range rep.Lineage {
		got = append(got, row{n.Model, n.Relation, n.Parent, n.Developer, n.Country, n.License})
	}
	want := []row{
		{"deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "", "", "DeepSeek", "CN", "mit"},
		{"meta-llama/Llama-3.1-8B", "finetune", "deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "Meta", "US", "llama3.1"},
		{"deepseek-ai/DeepSeek-R1", "distilled", "deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "DeepSeek", "CN", "mit"},
		{"deepseek-ai/DeepSeek-V3-Base", "finetune", "deepseek-ai/DeepSeek-R1", "DeepSeek", "CN", "mit"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("lineage:\n got %+v\nwant %+v", got, want)
	}
	codes := map[finding.Code]int{}
	var gov *finding.Finding
	for i, f := range rep.Findings {
		codes[f.Code]++
		if f.Code == finding.ProvenanceGovernmentPolicy {
			gov = &rep.Findings[i]
		}
	}
	if codes[finding.ProvenanceOrigin] != 4 || codes[finding.ProvenanceAllegedDistillation] != 7 || codes[finding.ProvenanceRestrictedOutputs] != 0 {
		t.Errorf("finding counts %v", codes)
	}
	if gov == nil || gov.Subject != "us-ks-hb-2313" || gov.Severity != finding.High || gov.Confidence != finding.Declared {
		t.Fatalf("government finding %+v", gov)
	}
	if rep.Verdict != Fail {
		t.Errorf("verdict %s, want fail", rep.Verdict)
	}

	// An overlay that records the act as lifted removes the bar.
	overlay := fstest.MapFS{"policies.yaml": {Data: []byte(`policies:
  - id: us-ks-hb-2313
    row: S13
    jurisdiction: us-ks
    jurisdiction_name: Kansas (state government)
    body: Kansas Legislature
    instrument: Senate Substitute for HB 2313 (statute)
    status: lifted
    status_text: REPEALED (test overlay)
    covers: {developers: [deepseek-ai], scope: models, self_hosted: "yes"}
    summary: Repealed in this test.
    confidence: high
    sources: [{url: "https://example.com/repeal", date: "2027-01-01"}]
`)}}
	a, err = New(WithJurisdictions("us-ks"), WithKnowledgeBase(overlay), WithoutHashingUnsafe())
	if err != nil {
		t.Fatal(err)
	}
	rep, err = a.AuditRelease(context.Background(), rel)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Code == finding.ProvenanceGovernmentPolicy {
			t.Errorf("lifted policy raised %+v", f)
		}
	}
}
