package sarif_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	gosarif "github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/reporttest"
	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/report"
	"github.com/modelvet/modelvet/report/sarif"
)

func encode(t *testing.T, r *report.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := sarif.Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriteGolden(t *testing.T) {
	testutil.Golden(t, filepath.Join("testdata", "sample.sarif"), encode(t, reporttest.SampleReport(report.Review)))
}

// TestStructure decodes the output with go-sarif and checks, field by
// field, what SARIF 2.1.0 requires of a log and what code-scanning
// dashboards rely on.
func TestStructure(t *testing.T) {
	rep := reporttest.SampleReport(report.Fail)
	out := encode(t, rep)
	log, err := gosarif.FromBytes(out)
	if err != nil {
		t.Fatalf("go-sarif cannot read the output back: %v", err)
	}
	if log.Version != "2.1.0" || !strings.HasSuffix(log.Schema, "sarif-schema-2.1.0.json") {
		t.Errorf("version %q, $schema %q", log.Version, log.Schema)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(log.Runs))
	}
	run := log.Runs[0]
	drv := run.Tool.Driver
	if drv == nil || drv.Name != "modelvet" || drv.Version == nil || *drv.Version != "0.1.0" {
		t.Fatalf("tool driver = %+v", drv)
	}
	// One rule per finding code, ids unique, each with a description and help.
	ids := map[string]int{}
	for i, r := range drv.Rules {
		if _, dup := ids[r.ID]; dup {
			t.Errorf("rule %s appears twice", r.ID)
		}
		ids[r.ID] = i
		if r.ShortDescription == nil || r.ShortDescription.Text == nil || *r.ShortDescription.Text == "" {
			t.Errorf("rule %s has no short description", r.ID)
		}
		if r.Help == nil || r.Help.Text == nil || *r.Help.Text != report.Advice[finding.Code(r.ID)] {
			t.Errorf("rule %s help is not the advice for the code", r.ID)
		}
	}
	if len(ids) != len(finding.Codes()) {
		t.Errorf("%d rules, want one per code (%d)", len(ids), len(finding.Codes()))
	}
	if run.OriginalUriBaseIDs[sarif.BaseID] == nil {
		t.Errorf("originalUriBaseIds lacks %s", sarif.BaseID)
	}
	if len(run.Results) != len(rep.Findings) {
		t.Fatalf("%d results, want %d", len(run.Results), len(rep.Findings))
	}
	levels := map[string]bool{"none": true, "note": true, "warning": true, "error": true}
	for i, res := range run.Results {
		f := rep.Findings[i]
		if res.RuleID == nil || *res.RuleID != string(f.Code) {
			t.Errorf("result %d rule %v, want %s", i, res.RuleID, f.Code)
			continue
		}
		if res.RuleIndex == nil || int(*res.RuleIndex) != ids[*res.RuleID] {
			t.Errorf("result %d ruleIndex does not point at rule %s", i, *res.RuleID)
		}
		if res.Level == nil || !levels[*res.Level] || *res.Level != sarif.Level(f.Severity) {
			t.Errorf("result %d level %v for severity %s", i, res.Level, f.Severity)
		}
		if res.Message.Text == nil || *res.Message.Text == "" || strings.ContainsAny(*res.Message.Text, "\x1b\n\u202e") {
			t.Errorf("result %d message %q is empty or unsanitised", i, deref(res.Message.Text))
		}
		if len(res.Locations) == 0 {
			t.Errorf("result %d (%s) has no location", i, f.Code)
		}
		for _, loc := range res.Locations {
			al := loc.PhysicalLocation.ArtifactLocation
			if al == nil || al.URI == nil || al.URIBaseId == nil || *al.URIBaseId != sarif.BaseID {
				t.Errorf("result %d location %+v lacks a uri relative to %s", i, al, sarif.BaseID)
				continue
			}
			u, err := url.Parse(*al.URI)
			if err != nil || u.IsAbs() || strings.HasPrefix(u.Path, "/") || strings.Contains(u.Path, "..") {
				t.Errorf("result %d uri %q is not a relative reference inside the release", i, *al.URI)
			}
			if reg := loc.PhysicalLocation.Region; reg != nil && reg.StartLine != nil && *reg.StartLine < 1 {
				t.Errorf("result %d startLine %d", i, *reg.StartLine)
			}
		}
		fp, _ := res.PartialFingerprints[sarif.FingerprintKey].(string)
		if len(fp) != 64 || fp != sarif.Fingerprint(f) {
			t.Errorf("result %d fingerprint %q", i, fp)
		}
		if (f.Waived != "") != (len(res.Suppressions) == 1) {
			t.Errorf("result %d: waived %q but %d suppressions", i, f.Waived, len(res.Suppressions))
		}
		for _, s := range res.Suppressions {
			if s.Kind != "external" || s.Status == nil || *s.Status != "accepted" || s.Justification == nil || s.Location == nil || s.Guid == nil {
				t.Errorf("result %d suppression %+v is incomplete", i, s)
			}
		}
	}
	if v := run.Properties["verdict"]; v != "fail" {
		t.Errorf("run verdict property = %v, want fail", v)
	}
	// Line evidence becomes a region; offset evidence a byte offset.
	var sawLine, sawOffset bool
	for _, res := range run.Results {
		for _, loc := range res.Locations {
			if r := loc.PhysicalLocation.Region; r != nil {
				sawLine = sawLine || r.StartLine != nil
				sawOffset = sawOffset || r.ByteOffset != nil
			}
		}
	}
	if !sawLine || !sawOffset {
		t.Errorf("regions: line %v, byte offset %v; want both", sawLine, sawOffset)
	}
	// No JSON null where SARIF wants an object or a string.
	if bytes.Contains(out, []byte(": null")) {
		t.Error("output contains a JSON null")
	}
	// The artifact with a space and a non-ASCII letter in its name is
	// percent-encoded.
	var raw map[string]any
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte(`"weights/model-q4%20%C3%BC.gguf"`)) {
		t.Error("artifact uri of weights/model-q4 ü.gguf is not percent-encoded")
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestFingerprintStable checks that fingerprints depend on what the finding
// is, not on when or where the audit ran.
func TestFingerprintStable(t *testing.T) {
	a := reporttest.SampleReport(report.Review)
	b := reporttest.SampleReport(report.Fail)
	b.AuditedAt = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	b.Subject.Source = "/elsewhere/model"
	fa := fingerprints(t, encode(t, a))
	fb := fingerprints(t, encode(t, b))
	if !slices.Equal(fa, fb) {
		t.Errorf("fingerprints changed with time or place:\n%v\n%v", fa, fb)
	}
	f := a.Findings[0]
	g := f
	g.Evidence = []finding.Evidence{{Path: "README.md", Line: 6}}
	if sarif.Fingerprint(f) == sarif.Fingerprint(g) {
		t.Error("fingerprint ignores the evidence")
	}
	g = f
	g.Subject = "other"
	if sarif.Fingerprint(f) == sarif.Fingerprint(g) {
		t.Error("fingerprint ignores the subject")
	}
	g = f
	g.Message = "reworded"
	g.Severity = finding.Low
	if sarif.Fingerprint(f) != sarif.Fingerprint(g) {
		t.Error("fingerprint depends on the message or severity, which policy and wording change")
	}
}

func fingerprints(t *testing.T, out []byte) []string {
	log, err := gosarif.FromBytes(out)
	if err != nil {
		t.Fatal(err)
	}
	var fps []string
	for _, r := range log.Runs[0].Results {
		fps = append(fps, r.PartialFingerprints[sarif.FingerprintKey].(string))
	}
	return fps
}

func TestEmptyReport(t *testing.T) {
	r := &report.Report{Schema: report.Schema, Tool: report.Tool{Name: "modelvet", Version: "0.1.0"}, Verdict: report.Pass, AuditedAt: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	r.Normalize()
	out := encode(t, r)
	log, err := gosarif.FromBytes(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 1 || log.Runs[0].Results == nil || len(log.Runs[0].Results) != 0 {
		t.Errorf("empty report: runs %d", len(log.Runs))
	}
	if !bytes.Contains(out, []byte(`"results": []`)) {
		t.Error("an empty run must still list results: []")
	}
}

func TestFingerprintIgnoresKnowledgeBase(t *testing.T) {
	f := finding.Finding{Code: finding.ProvenanceGovernmentPolicy, Subject: "us-ks-hb-2313", Evidence: []finding.Evidence{
		{Path: "README.md", Line: 3, Field: "base_model", Value: "deepseek-ai/DeepSeek-R1"},
		{Path: "kb:policies.yaml", Field: "us-ks-hb-2313.status", Value: "enacted"},
		{Field: "lineage", Value: "a → b"},
	}}
	g := f
	g.Evidence = append([]finding.Evidence(nil), f.Evidence...)
	g.Evidence[1].Value = "in-force"
	g.Evidence[2].Value = "a → c"
	if sarif.Fingerprint(f) != sarif.Fingerprint(g) {
		t.Error("a knowledge-base update changed the fingerprint")
	}
	g.Evidence[0].Line = 4
	if sarif.Fingerprint(f) == sarif.Fingerprint(g) {
		t.Error("moving the evidence in the release kept the fingerprint")
	}
}

// TestKnowledgeBaseCitationsAreNotLocations checks that evidence citing the
// knowledge base goes into the result's properties, not into locations
// (where "kb:licenses.yaml" would read as a URI of scheme "kb"), and that a
// colon in a release path is percent-encoded.
func TestKnowledgeBaseCitationsAreNotLocations(t *testing.T) {
	rep := &report.Report{
		Verdict: report.Review,
		Files:   []report.File{{Path: "README.md", Format: "card"}, {Path: "a:b.gguf", Format: "gguf"}},
		Findings: []finding.Finding{{
			Code: finding.LicenseNaming, Severity: finding.Low, Message: "naming", Confidence: finding.Declared, Subject: "llama3",
			Evidence: []finding.Evidence{
				{Path: "README.md", Line: 2, Field: "license", Value: "llama3"},
				{Path: "kb:licenses.yaml", Field: "llama3.naming", Value: "Llama 3"},
				{Path: "a:b.gguf", Offset: 40, Field: "general.license", Value: "llama3"},
			},
		}},
	}
	log, err := gosarif.FromBytes(encode(t, rep))
	if err != nil {
		t.Fatal(err)
	}
	res := log.Runs[0].Results[0]
	var uris []string
	for _, loc := range res.Locations {
		u := *loc.PhysicalLocation.ArtifactLocation.URI
		uris = append(uris, u)
		if p, err := url.Parse(u); err != nil || p.IsAbs() {
			t.Errorf("location uri %q is not a relative reference", u)
		}
	}
	if !slices.Equal(uris, []string{"README.md", "a%3Ab.gguf"}) {
		t.Errorf("location uris = %q, want README.md and a%%3Ab.gguf", uris)
	}
	kb, _ := res.Properties["knowledgeBase"].([]interface{})
	if len(kb) != 1 || kb[0] != "licenses.yaml llama3.naming = Llama 3" {
		t.Errorf("knowledgeBase property = %#v", res.Properties["knowledgeBase"])
	}
}

// TestHelpURITarget checks that the section every rule's helpUri links to
// exists in the README and lists every finding code.
func TestHelpURITarget(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Finding codes\n")
	if !ok {
		t.Fatal("README.md has no \"## Finding codes\" section for the rules' helpUri (#finding-codes)")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	for _, c := range finding.Codes() {
		if !strings.Contains(section, "| `"+string(c)+"` |") {
			t.Errorf("README.md#finding-codes does not list %s", c)
		}
		if !strings.Contains(section, "| "+report.Advice[c]+" |") {
			t.Errorf("README.md#finding-codes: the advice for %s differs from report.Advice", c)
		}
	}
}
