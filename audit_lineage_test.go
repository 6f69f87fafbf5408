package modelvet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/manifest"
	"github.com/modelvet/modelvet/provenance"
)

// lineageTarget writes testdata/lineage/<name> as its store holds it (see
// testmodel.WriteLineageFixture) and returns the target for manifest.Parse.
func lineageTarget(t *testing.T, name string) string {
	t.Helper()
	target, err := testmodel.WriteLineageFixture(filepath.Join(testutil.ModuleRoot(t), "testdata", "lineage", name), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return target
}

// auditTarget audits a target end to end: manifest.Parse, then the
// auditor's Audit.
func auditTarget(t *testing.T, a *Auditor, target string) *Report {
	t.Helper()
	src, err := manifest.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := a.Audit(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func newAuditor(t *testing.T, opts ...Option) *Auditor {
	t.Helper()
	opts = append([]Option{WithoutHashingUnsafe(), WithClock(func() time.Time { return time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC) })}, opts...)
	a, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// findingsOf lists a report's findings of one code, each as show writes
// it.
func findingsOf(rep *Report, code finding.Code, show func(finding.Finding) string) []string {
	var out []string
	for _, f := range rep.Findings {
		if f.Code == code {
			out = append(out, show(f))
		}
	}
	return out
}

// governmentFindings lists a report's provenance.government-policy
// findings as "subject confidence severity", sorted.
func governmentFindings(rep *Report) []string {
	out := findingsOf(rep, finding.ProvenanceGovernmentPolicy, func(f finding.Finding) string {
		return fmt.Sprintf("%s %s %s", f.Subject, f.Confidence, f.Severity)
	})
	slices.Sort(out)
	return out
}

type lineageRow struct{ model, relation, parent, developer, country, license string }

func lineageRows(rep *Report) []lineageRow {
	var got []lineageRow
	for _, n := range rep.Lineage {
		got = append(got, lineageRow{n.Model, string(n.Relation), n.Parent, n.Developer, n.Country, n.License})
	}
	return got
}

func TestAuditLineage(t *testing.T) {
	a := newAuditor(t, WithJurisdictions("us-ks"))
	target := lineageTarget(t, "deepseek-ai__DeepSeek-R1-Distill-Llama-8B")
	rep := auditTarget(t, a, target)
	want := []lineageRow{
		{"deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "", "", "DeepSeek", "CN", "mit"},
		{"meta-llama/Llama-3.1-8B", "finetune", "deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "Meta", "US", "llama3.1"},
		{"deepseek-ai/DeepSeek-R1", "distilled", "deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "DeepSeek", "CN", "mit"},
		{"deepseek-ai/DeepSeek-V3-Base", "finetune", "deepseek-ai/DeepSeek-R1", "DeepSeek", "CN", "mit"},
	}
	if got := lineageRows(rep); !slices.Equal(got, want) {
		t.Errorf("lineage:\n got %+v\nwant %+v", got, want)
	}
	codes := map[finding.Code]int{}
	for _, f := range rep.Findings {
		codes[f.Code]++
	}
	if codes[finding.ProvenanceOrigin] != 4 || codes[finding.ProvenanceAllegedDistillation] != 7 || codes[finding.ProvenanceRestrictedOutputs] != 0 {
		t.Errorf("finding counts %v", codes)
	}
	if got, want := governmentFindings(rep), []string{"us-ks-hb-2313 declared high"}; !slices.Equal(got, want) {
		t.Fatalf("government findings %q, want %q", got, want)
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
	rep = auditTarget(t, newAuditor(t, WithJurisdictions("us-ks"), WithKnowledgeBase(overlay)), target)
	if got := governmentFindings(rep); len(got) != 0 {
		t.Errorf("lifted policy raised %q", got)
	}
}

// lineage.government_reach decides whether a policy that covers an
// ancestor counts: the same releases, audited under Kansas's statute with
// each reach.
func TestAuditGovernmentReach(t *testing.T) {
	policy := func(reach string) *Policy {
		p, err := ParsePolicy("reach.yaml", []byte("jurisdictions: [us-ks]\nlineage:\n  government_reach: "+reach+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// DeepSeek's own distill: its developer is named, whatever the reach.
	distill := lineageTarget(t, "deepseek-ai__DeepSeek-R1-Distill-Llama-8B")
	// A fine-tune of a DeepSeek distill by a US company: DeepSeek's weights
	// are an ancestor's.
	finetune := lineageTarget(t, "perplexity-ai__r1-1776-distill-llama-70b")
	// A third party's model trained on DeepSeek-R1 outputs: DeepSeek is
	// only the teacher.
	student := auditDirTarget(t, map[string]string{
		"README.md": "---\nlicense: apache-2.0\nbase_model: Qwen/Qwen2.5-7B-Instruct\ndatasets:\n- open-thoughts/OpenThoughts-114k\n---\n# reasoning student\n",
	})
	cases := []struct {
		reach, target string
		want          []string
	}{
		{"all", distill, []string{"us-ks-hb-2313 declared high"}},
		{"weights", distill, []string{"us-ks-hb-2313 declared high"}},
		{"self", distill, []string{"us-ks-hb-2313 declared high"}},
		{"all", finetune, []string{"us-ks-hb-2313 inferred medium"}},
		{"weights", finetune, []string{"us-ks-hb-2313 inferred medium"}},
		{"self", finetune, nil},
	}
	for _, tc := range cases {
		rep := auditTarget(t, newAuditor(t, WithPolicy(policy(tc.reach))), tc.target)
		if got := governmentFindings(rep); !slices.Equal(got, tc.want) {
			t.Errorf("%s, reach %s: government findings %q, want %q", rep.Subject.Name, tc.reach, got, tc.want)
		}
	}
	// The student's base is Qwen's (China, a country Kansas covers): every
	// reach but self sees it; a teacher counts only with reach all.
	for reach, want := range map[string]int{"all": 1, "weights": 1, "self": 0} {
		rep := auditTarget(t, newAuditor(t, WithPolicy(policy(reach))), student)
		gov := governmentFindings(rep)
		if len(gov) != want {
			t.Errorf("student, reach %s: %q", reach, gov)
		}
		for _, f := range rep.Findings {
			if f.Code != finding.ProvenanceGovernmentPolicy {
				continue
			}
			// The models matched are listed in the evidence.
			teacher := slices.ContainsFunc(f.Evidence, func(e finding.Evidence) bool {
				return (e.Field == provenance.EvidenceMatch || e.Field == provenance.EvidenceAlso) && strings.HasPrefix(e.Value, "deepseek-ai/DeepSeek-R1:")
			})
			if teacher != (reach == "all") {
				t.Errorf("student, reach %s: the teacher is listed %v: %+v", reach, teacher, f.Evidence)
			}
		}
	}

	// max_depth 1 keeps the direct base only: the fine-tune's DeepSeek
	// base is one derivation away.
	p, err := ParsePolicy("depth.yaml", []byte("jurisdictions: [us-ks]\nlineage: {government_reach: all, max_depth: 1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := governmentFindings(auditTarget(t, newAuditor(t, WithPolicy(p)), finetune)); len(got) != 1 {
		t.Errorf("max_depth 1: %q", got)
	}
}

// auditDirTarget writes files into a fresh directory and returns it.
func auditDirTarget(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "student")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// The lineage fixtures with GGUF weights and Ollama stores, read from
// generated files through manifest.Parse and audited with the default
// policy: lineage, origins, licences and government findings are exact.
func TestAuditGeneratedLineageFixtures(t *testing.T) {
	a := newAuditor(t)
	dsGov := []string{
		"us-dod-disa-deepseek-block-2025 inferred medium",
		"us-house-no-adversarial-ai-act inferred medium",
		"us-house-select-ccp-deepseek-unmasked-2025 inferred medium",
		"us-hr1121-no-deepseek-on-government-devices inferred medium",
		"us-ndaa-fy2026-s1532 declared high",
		"us-nist-caisi-deepseek-evaluation-2025 inferred medium",
		"us-s1638-protection-against-foreign-adversarial-ai inferred medium",
		"us-s2177-no-adversarial-ai-act inferred medium",
		"us-s765-no-deepseek-on-government-devices inferred medium",
	}
	cases := []struct {
		fixture, name, kind string
		lineage             []lineageRow
		licenses            []string
		origins             []string
		gov                 []string
		verdict             Verdict
	}{
		{
			fixture: "ollama__deepseek-r1_7b", name: "deepseek-r1:7b", kind: "ollama",
			lineage: []lineageRow{
				// The store's entry: Ollama republishes DeepSeek's weights.
				// Its GGUF declares no licence; the licence layer does, and
				// the licence identification gives the entry's licence.
				{"deepseek-r1:7b", "", "", "", "", "mit"},
				{"deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "quantized", "deepseek-r1:7b", "DeepSeek", "CN", "mit"},
				{"Qwen/Qwen2.5-Math-7B", "finetune", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "Qwen (Alibaba Cloud)", "CN", "apache-2.0"},
				{"deepseek-ai/DeepSeek-R1", "distilled", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "DeepSeek", "CN", "mit"},
				{"deepseek-ai/DeepSeek-V3-Base", "finetune", "deepseek-ai/DeepSeek-R1", "DeepSeek", "CN", "mit"},
				{"Qwen/Qwen2.5-7B", "finetune", "Qwen/Qwen2.5-Math-7B", "Qwen (Alibaba Cloud)", "CN", "apache-2.0"},
			},
			licenses: []string{"mit"},
			origins: []string{
				"Qwen/Qwen2.5-7B inferred", "Qwen/Qwen2.5-Math-7B declared", "deepseek-ai/DeepSeek-R1 declared",
				"deepseek-ai/DeepSeek-R1-Distill-Qwen-7B declared", "deepseek-ai/DeepSeek-V3-Base declared", "deepseek-r1:7b declared",
			},
			gov:     dsGov,
			verdict: Fail,
		},
		{
			fixture: "bartowski__Qwen2.5-7B-Instruct-GGUF", name: "bartowski/Qwen2.5-7B-Instruct-GGUF", kind: "hf-cache",
			lineage: []lineageRow{
				{"bartowski/Qwen2.5-7B-Instruct-GGUF", "", "", "", "", "apache-2.0"},
				{"Qwen/Qwen2.5-7B-Instruct", "quantized", "bartowski/Qwen2.5-7B-Instruct-GGUF", "Qwen (Alibaba Cloud)", "CN", "apache-2.0"},
				{"Qwen/Qwen2.5-7B", "finetune", "Qwen/Qwen2.5-7B-Instruct", "Qwen (Alibaba Cloud)", "CN", "apache-2.0"},
			},
			licenses: []string{"apache-2.0"},
			origins:  []string{"Qwen/Qwen2.5-7B declared", "Qwen/Qwen2.5-7B-Instruct declared", "bartowski/Qwen2.5-7B-Instruct-GGUF declared"},
			gov: []string{
				"us-house-no-adversarial-ai-act inferred medium",
				"us-house-select-ccp-deepseek-unmasked-2025 inferred medium",
				"us-ndaa-fy2026-s1532 declared high",
				"us-s2177-no-adversarial-ai-act inferred medium",
			},
			verdict: Fail,
		},
		{
			fixture: "ollama__llama3.2_latest", name: "llama3.2:latest", kind: "ollama",
			lineage: []lineageRow{
				{"llama3.2:latest", "", "", "", "", "llama3.2"},
				{"meta-llama/Llama-3.2-3B-Instruct", "quantized", "llama3.2:latest", "Meta", "US", "llama3.2"},
			},
			licenses: []string{"llama3.2"},
			origins:  []string{"llama3.2:latest declared", "meta-llama/Llama-3.2-3B-Instruct declared"},
			gov:      nil,
			// The Llama 3.2 licence's terms go to review.
			verdict: Review,
		},
	}
	for _, tc := range cases {
		t.Run(tc.fixture, func(t *testing.T) {
			rep := auditTarget(t, a, lineageTarget(t, tc.fixture))
			if rep.Subject.Name != tc.name || string(rep.Subject.Kind) != tc.kind {
				t.Errorf("subject %q (%s), want %q (%s)", rep.Subject.Name, rep.Subject.Kind, tc.name, tc.kind)
			}
			if got := lineageRows(rep); !slices.Equal(got, tc.lineage) {
				t.Errorf("lineage:\n got %+v\nwant %+v", got, tc.lineage)
			}
			var lics, origins []string
			for _, l := range rep.Licenses {
				lics = append(lics, l.ID)
			}
			for _, f := range rep.Findings {
				if f.Code == finding.ProvenanceOrigin {
					origins = append(origins, f.Subject+" "+string(f.Confidence))
				}
				if f.Code == finding.FormatMalformed || f.Code == finding.LicenseConflict || f.Code == finding.LicenseUnknown {
					t.Errorf("unexpected %s: %s", f.Code, f.Message)
				}
			}
			slices.Sort(origins)
			if !slices.Equal(lics, tc.licenses) {
				t.Errorf("licences %q, want %q", lics, tc.licenses)
			}
			if !slices.Equal(origins, tc.origins) {
				t.Errorf("origins %q, want %q", origins, tc.origins)
			}
			if got := governmentFindings(rep); !slices.Equal(got, tc.gov) {
				t.Errorf("government findings:\n got %q\nwant %q", got, tc.gov)
			}
			if rep.Verdict != tc.verdict {
				t.Errorf("verdict %s, want %s", rep.Verdict, tc.verdict)
			}
		})
	}
}

// The default policy's jurisdictions and severities, on the releases a US
// buyer meets most: an enacted statute that reaches self-hosted weights
// fails DeepSeek's and Qwen's own models; bills, advisories, app bans and
// matches on ancestors go to review; a Llama model raises nothing.
func TestDefaultPolicyGovernment(t *testing.T) {
	p := DefaultPolicy()
	if !slices.Equal(p.Jurisdictions, []string{"us-federal", "us-dod"}) {
		t.Errorf("default jurisdictions %q", p.Jurisdictions)
	}
	sev := func(c finding.Confidence) finding.Severity {
		return p.severity(finding.Finding{Code: finding.ProvenanceGovernmentPolicy, Confidence: c})
	}
	if sev(finding.Declared) != finding.High || sev(finding.Inferred) != finding.Medium || sev(finding.Alleged) != finding.Low {
		t.Errorf("government-policy severities: declared %s, inferred %s, alleged %s", sev(finding.Declared), sev(finding.Inferred), sev(finding.Alleged))
	}
	a := newAuditor(t)
	for _, tc := range []struct {
		fixture string
		high    []string // declared findings, rated high
		medium  int      // inferred findings, rated medium
	}{
		{"deepseek-ai__DeepSeek-R1-Distill-Qwen-7B", []string{"us-ndaa-fy2026-s1532"}, 8},
		{"Qwen__QwQ-32B", []string{"us-ndaa-fy2026-s1532"}, 3},
		// DeepSeek-R1 post-trained by a US company: §1532 does not name
		// derivatives, so the match on DeepSeek-R1 is inferred; bans of
		// DeepSeek's apps and services (the DISA block, the No DeepSeek on
		// Government Devices bills) do not reach another company's model.
		{"perplexity-ai__r1-1776", nil, 5},
		{"meta-llama__Llama-3.2-1B-Instruct", nil, 0},
		{"teknium__OpenHermes-2.5-Mistral-7B", nil, 0},
	} {
		rep := auditTarget(t, a, lineageTarget(t, tc.fixture))
		var high []string
		medium := 0
		for _, f := range rep.Findings {
			if f.Code != finding.ProvenanceGovernmentPolicy {
				continue
			}
			switch {
			case f.Confidence == finding.Declared && f.Severity == finding.High:
				high = append(high, f.Subject)
			case f.Confidence == finding.Inferred && f.Severity == finding.Medium:
				medium++
			default:
				t.Errorf("%s: %s %s %s", tc.fixture, f.Subject, f.Confidence, f.Severity)
			}
		}
		if !slices.Equal(high, tc.high) || medium != tc.medium {
			t.Errorf("%s: high %q and %d medium, want %q and %d", tc.fixture, high, medium, tc.high, tc.medium)
		}
	}
}

// Jurisdictions are checked once, by New, against the knowledge base the
// auditor uses; policy files are checked when parsed, with the line.
func TestNewRejectsUnknownJurisdictions(t *testing.T) {
	_, err := New(WithJurisdictions("us-ks", "nope", "zz-*"))
	var uerr *kb.UnknownJurisdictionError
	if !errors.As(err, &uerr) || !slices.Equal(uerr.IDs, []string{"nope", "zz-*"}) {
		t.Fatalf("err = %v, want the unknown ids", err)
	}
	for _, want := range []string{`unknown jurisdictions "nope", "zz-*"`, "au, au-nsw", "us-ks", "us-*"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	for _, sel := range [][]string{{"us-*"}, {"*"}, {"US-KS", "au"}, {}} {
		if _, err := New(WithJurisdictions(sel...)); err != nil {
			t.Errorf("%q: %v", sel, err)
		}
	}
	// A policy changed in code is checked against the knowledge base too.
	p := DefaultPolicy()
	p.Jurisdictions = []string{"us-federal", "atlantis"}
	if _, err := New(WithPolicy(p)); !errors.As(err, &uerr) || !strings.Contains(err.Error(), "policy default") {
		t.Errorf("policy with an unknown jurisdiction: %v", err)
	}
	// An overlay may add a jurisdiction.
	overlay := fstest.MapFS{"policies.yaml": {Data: []byte(`policies:
  - id: xx-test-ban
    row: T1
    jurisdiction: xx-test
    jurisdiction_name: Test jurisdiction
    body: Test body
    instrument: Test order
    status: in-force
    status_text: IN FORCE
    covers: {developers: [deepseek-ai], scope: models, self_hosted: "yes"}
    summary: A test ban.
    confidence: high
    sources: [{url: "https://example.com/ban", date: "2027-01-01"}]
`)}}
	if _, err := New(WithJurisdictions("xx-test")); err == nil {
		t.Error("xx-test accepted without the overlay")
	}
	a, err := New(WithJurisdictions("xx-test"), WithKnowledgeBase(overlay), WithoutHashingUnsafe())
	if err != nil {
		t.Fatal(err)
	}
	rep := auditTarget(t, a, lineageTarget(t, "deepseek-ai__DeepSeek-R1-Distill-Qwen-1.5B"))
	if got := governmentFindings(rep); !slices.Equal(got, []string{"xx-test-ban declared high"}) {
		t.Errorf("overlay jurisdiction: %q", got)
	}
}

// TestAuditLMStudioFile audits a GGUF file kept in LM Studio's models
// folder, which carries no name of its own: the folder names the Hub
// repository it came from, and so its lineage and origin.
func TestAuditLMStudioFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".lmstudio", "models", "lmstudio-community", "DeepSeek-R1-Distill-Qwen-7B-GGUF")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf")
	if err := os.WriteFile(p, testmodel.TinyGGUF("general.architecture", "qwen2"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := auditTarget(t, newAuditor(t), p)
	var names []string
	for _, n := range rep.Lineage {
		names = append(names, n.Model)
	}
	if len(rep.Lineage) == 0 || rep.Lineage[0].Model != "lmstudio-community/DeepSeek-R1-Distill-Qwen-7B-GGUF" || !slices.Contains(names, "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B") {
		t.Errorf("lineage %v", names)
	}
	if got := governmentFindings(rep); len(got) == 0 {
		t.Error("no government-policy finding for a DeepSeek quantisation")
	}
	// The same file elsewhere is known by its file name only.
	other := filepath.Join(t.TempDir(), "models", "a", "b", "x.gguf")
	os.MkdirAll(filepath.Dir(other), 0o755)
	os.WriteFile(other, testmodel.TinyGGUF("general.architecture", "qwen2"), 0o644)
	if rep := auditTarget(t, newAuditor(t), other); rep.Lineage[0].Model != "x.gguf" {
		t.Errorf("outside LM Studio: root %q", rep.Lineage[0].Model)
	}
}
