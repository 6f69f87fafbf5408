package modelvet

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/report"
)

// buyerPolicy parses a policy that selects no jurisdiction and accepts
// flowing Llama's use restrictions down, so that the buyer's own rules
// decide the verdicts below.
func buyerPolicy(t *testing.T, extra string) *Policy {
	t.Helper()
	p, err := ParsePolicy("buyer.yaml", []byte("name: buyer\njurisdictions: []\nlicenses: {flow_down_acceptable: true}\n"+extra))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// deniedOrigins lists a report's provenance.denied-origin findings as
// "subject severity confidence [waived]".
func deniedOrigins(r *Report) []string {
	return findingsOf(r, finding.ProvenanceDeniedOrigin, func(f finding.Finding) string {
		s := f.Subject + " " + string(f.Severity) + " " + string(f.Confidence)
		if f.Waived != "" {
			s += " waived"
		}
		return s
	})
}

// A buyer that denies models from China fails a Qwen quantisation, a
// DeepSeek distill and a US fine-tune of DeepSeek-R1 (an ancestor), and
// passes Llama releases.
func TestDenyCountries(t *testing.T) {
	a := newAuditor(t, WithPolicy(buyerPolicy(t, "lineage: {deny_countries: [CN]}\n")))
	for _, tc := range []struct {
		fixture string
		want    []string
		verdict Verdict
		message string
	}{
		{"bartowski__Qwen2.5-7B-Instruct-GGUF", []string{"CN high declared"}, Fail,
			"Policy buyer denies models from developers in China (CN): the audited model is a quantisation of Qwen/Qwen2.5-7B-Instruct, which was developed by Qwen (Alibaba Cloud), China."},
		{"deepseek-ai__DeepSeek-R1-Distill-Llama-8B", []string{"CN high declared"}, Fail,
			"Policy buyer denies models from developers in China (CN): deepseek-ai/DeepSeek-R1-Distill-Llama-8B was developed by DeepSeek, China."},
		{"perplexity-ai__r1-1776", []string{"CN high declared"}, Fail,
			"Policy buyer denies models from developers in China (CN): the audited model is a fine-tune of deepseek-ai/DeepSeek-R1, which was developed by DeepSeek, China."},
		{"meta-llama__Llama-3.2-1B-Instruct", nil, Pass, ""},
		{"ollama__llama3.2_latest", nil, Pass, ""},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			r := auditTarget(t, a, lineageTarget(t, tc.fixture))
			if got := deniedOrigins(r); !slices.Equal(got, tc.want) || r.Verdict != tc.verdict {
				t.Errorf("denied origins %q, verdict %s; want %q, %s", got, r.Verdict, tc.want, tc.verdict)
			}
			for _, f := range r.Findings {
				if f.Code == finding.ProvenanceDeniedOrigin && f.Message != tc.message {
					t.Errorf("message %q\nwant    %q", f.Message, tc.message)
				}
			}
		})
	}
}

// deny_developers matches the developer of the model and of its
// ancestors within the policy's reach, and names the rule as the subject.
func TestDenyDevelopers(t *testing.T) {
	all := newAuditor(t, WithPolicy(buyerPolicy(t, "lineage: {deny_developers: [deepseek-ai]}\n")))
	self := newAuditor(t, WithPolicy(buyerPolicy(t, "lineage: {deny_developers: [deepseek-ai], government_reach: self}\n")))
	for _, tc := range []struct {
		fixture   string
		all, self []string
	}{
		{"perplexity-ai__r1-1776", []string{"deepseek-ai high declared"}, nil}, // DeepSeek-R1 is an ancestor, not the model's own weights
		{"ollama__deepseek-r1_7b", []string{"deepseek-ai high declared"}, []string{"deepseek-ai high declared"}},
		{"bartowski__Qwen2.5-7B-Instruct-GGUF", nil, nil},
	} {
		if got := deniedOrigins(auditTarget(t, all, lineageTarget(t, tc.fixture))); !slices.Equal(got, tc.all) {
			t.Errorf("%s, reach all: %q, want %q", tc.fixture, got, tc.all)
		}
		if got := deniedOrigins(auditTarget(t, self, lineageTarget(t, tc.fixture))); !slices.Equal(got, tc.self) {
			t.Errorf("%s, reach self: %q, want %q", tc.fixture, got, tc.self)
		}
	}
}

// A waiver with a model glob clears the finding of the models it names
// only; the others keep it, and the waiver is unused where nothing
// matched.
func TestModelScopedWaiver(t *testing.T) {
	p := buyerPolicy(t, `lineage: {deny_countries: [CN]}
waivers:
  - code: provenance.denied-origin
    subject: CN
    model: "BARTOWSKI/Qwen2.5-*"
    reason: Approved for the translation pilot (PROC-7).
`)
	a := newAuditor(t, WithPolicy(p))
	qwen := auditTarget(t, a, lineageTarget(t, "bartowski__Qwen2.5-7B-Instruct-GGUF"))
	if got := deniedOrigins(qwen); !slices.Equal(got, []string{"CN high declared waived"}) || qwen.Verdict != Pass || len(qwen.Policy.UnusedWaivers) != 0 {
		t.Errorf("Qwen: %q, verdict %s, unused %q", got, qwen.Verdict, qwen.Policy.UnusedWaivers)
	}
	distill := auditTarget(t, a, lineageTarget(t, "deepseek-ai__DeepSeek-R1-Distill-Llama-8B"))
	if got := deniedOrigins(distill); !slices.Equal(got, []string{"CN high declared"}) || distill.Verdict != Fail {
		t.Errorf("distill: %q, verdict %s", got, distill.Verdict)
	}
	if want := []string{"provenance.denied-origin CN model BARTOWSKI/Qwen2.5-*"}; !slices.Equal(distill.Policy.UnusedWaivers, want) {
		t.Errorf("unused waivers %q, want %q", distill.Policy.UnusedWaivers, want)
	}
	// The same waiver without a model clears both.
	p.Waivers[0].Model = ""
	if r := auditTarget(t, newAuditor(t, WithPolicy(p)), lineageTarget(t, "deepseek-ai__DeepSeek-R1-Distill-Llama-8B")); deniedOrigins(r)[0] != "CN high declared waived" {
		t.Errorf("unscoped waiver: %q", deniedOrigins(r))
	}
}

// severity_by_subject sets the severity of one subject's findings, after
// every other setting.
func TestSeverityBySubject(t *testing.T) {
	p := buyerPolicy(t, `lineage: {deny_countries: [CN, RU]}
severity_by_subject:
  provenance.denied-origin: {CN: medium}
`)
	r := auditTarget(t, newAuditor(t, WithPolicy(p)), lineageTarget(t, "bartowski__Qwen2.5-7B-Instruct-GGUF"))
	if got := deniedOrigins(r); !slices.Equal(got, []string{"CN medium declared"}) || r.Verdict != Review {
		t.Errorf("denied origins %q, verdict %s", got, r.Verdict)
	}
	// A licence's finding, by the licence id: the most specific setting
	// wins over flow_down_acceptable.
	p = buyerPolicy(t, "severity_by_subject:\n  license.use-restrictions: {llama3.2: high}\n")
	if r := auditTarget(t, newAuditor(t, WithPolicy(p)), lineageTarget(t, "meta-llama__Llama-3.2-1B-Instruct")); r.Verdict != Fail {
		t.Errorf("llama3.2 use restrictions set high: verdict %s", r.Verdict)
	}
}

// A waiver's expires date is the last day it applies, through 23:59:59
// UTC.
func TestWaiverExpiresInclusive(t *testing.T) {
	p := buyerPolicy(t, `lineage: {deny_countries: [CN]}
waivers:
  - {code: provenance.denied-origin, subject: CN, reason: pilot, expires: "2026-11-29"}
`)
	target := lineageTarget(t, "bartowski__Qwen2.5-7B-Instruct-GGUF")
	for _, tc := range []struct {
		now     time.Time
		waived  bool
		expired []string
	}{
		{time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC), true, nil},
		{time.Date(2026, 11, 29, 23, 59, 59, 0, time.UTC), true, nil},
		{time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), false, []string{"provenance.denied-origin CN"}},
		// 23:30 on the 29th in New York is the 30th in UTC.
		{time.Date(2026, 11, 29, 23, 30, 0, 0, time.FixedZone("EST", -5*3600)), false, []string{"provenance.denied-origin CN"}},
	} {
		r := auditTarget(t, newAuditor(t, WithPolicy(p), WithClock(func() time.Time { return tc.now })), target)
		waived := strings.HasSuffix(deniedOrigins(r)[0], "waived")
		if waived != tc.waived || !slices.Equal(r.Policy.ExpiredWaivers, tc.expired) {
			t.Errorf("at %s: waived %v, expired %q; want %v, %q", tc.now, waived, r.Policy.ExpiredWaivers, tc.waived, tc.expired)
		}
	}
}

// A policy naming what only an overlay defines is accepted when parsed
// against the overlaid knowledge base; names that are not ids are
// rejected on their line.
func TestPolicyValidateWith(t *testing.T) {
	k, err := kb.Load(fstest.MapFS{
		"organizations.yaml": {Data: []byte(`organizations:
  - {id: acme-labs, name: ACME Labs, country: US, kind: developer, confidence: high, sources: [{url: "https://example.com/acme"}]}
`)},
		"policies.yaml": {Data: []byte(`policies:
  - id: acme-gov-order-1
    jurisdiction: acme-state
    jurisdiction_name: ACME State
    body: ACME State government
    instrument: Executive order 1
    status: in-force
    status_text: IN FORCE
    covers: {developers: [acme-labs], scope: app, self_hosted: not-stated}
    summary: Bars ACME Labs apps on state devices.
    confidence: high
    sources: [{url: "https://example.com/order-1"}]
`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	doc := []byte("jurisdictions: [acme-state]\nlineage:\n  deny_developers: [acme-labs]\n")
	var perr *PolicyError
	if _, err := ParsePolicy("p.yaml", doc); !errors.As(err, &perr) || perr.Line != 1 || !strings.Contains(err.Error(), `"acme-state"`) {
		t.Errorf("against the embedded knowledge base: %v", err)
	}
	p, err := ParsePolicy("p.yaml", doc, ValidateWith(k))
	if err != nil {
		t.Fatalf("against the overlay: %v", err)
	}
	if _, err := New(WithPolicy(p)); err == nil {
		t.Error("New accepted a policy naming what its (embedded) knowledge base does not know")
	}
	for _, tc := range []struct{ doc, want string }{
		{"lineage:\n  deny_countries: [CN, China]\n", `p.yaml:2: lineage.deny_countries: "China" is not an ISO 3166-1 alpha-2 country code (two capital letters, as CN or US); China is CN`},
		{"lineage:\n  deny_developers:\n    - DeepSeek\n", `p.yaml:3: lineage.deny_developers: "DeepSeek" is not an organisation id of the knowledge base; DeepSeek's id is deepseek-ai`},
		{"severity_by_subject:\n  provenance.denied-origin: {CN: severe}\n", `p.yaml:2: severity of provenance.denied-origin for "CN" must be one of info, low, medium, high, critical, not "severe"`},
		{"waivers:\n  - {code: provenance.denied-origin, subject: CN, model: \" \", reason: r}\n", "p.yaml:2: waiver 1: model is blank (leave it out to waive for every model)"},
	} {
		if _, err := ParsePolicy("p.yaml", []byte(tc.doc)); err == nil || err.Error() != tc.want {
			t.Errorf("%q:\n got %v\nwant %s", tc.doc, err, tc.want)
		}
	}
}

// A report read back from its JSON equals the report the audit returned,
// file metadata included.
func TestReportJSONRoundTrip(t *testing.T) {
	a := newAuditor(t)
	for _, fixture := range []string{"bartowski__Qwen2.5-7B-Instruct-GGUF", "deepseek-ai__DeepSeek-R1-Distill-Qwen-7B", "ollama__deepseek-r1_7b"} {
		live := auditTarget(t, a, lineageTarget(t, fixture))
		var buf bytes.Buffer
		if err := report.WriteJSON(&buf, live); err != nil {
			t.Fatal(err)
		}
		back, err := report.ReadJSON(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(live, back) {
			for i := range live.Files {
				if !reflect.DeepEqual(live.Files[i], back.Files[i]) {
					t.Errorf("%s: %s:\nlive %#v\nback %#v", fixture, live.Files[i].Path, live.Files[i].Metadata, back.Files[i].Metadata)
				}
			}
			t.Errorf("%s: the report read back differs from the live one", fixture)
		}
		if len(live.Files) == 0 || !slices.ContainsFunc(live.Files, func(f report.File) bool { return len(f.Metadata) > 0 }) {
			t.Errorf("%s: no file metadata to compare", fixture)
		}
	}
}

// The government facts of a report are those of its findings, and the
// bars come out in the order the sweep shows them.
func TestGovernmentFacts(t *testing.T) {
	r := auditTarget(t, newAuditor(t), lineageTarget(t, "deepseek-ai__DeepSeek-R1-Distill-Llama-8B"))
	var subjects []string
	for _, f := range r.Findings {
		if f.Code == finding.ProvenanceGovernmentPolicy {
			subjects = append(subjects, f.Subject)
		}
	}
	if len(r.Government) != len(subjects) || len(subjects) == 0 {
		t.Fatalf("%d government entries for %d findings", len(r.Government), len(subjects))
	}
	for _, g := range r.Government {
		p := kb.Default().Policy(g.Policy)
		if !slices.Contains(subjects, g.Policy) || p == nil || g.Jurisdiction != p.Jurisdiction || g.Status != p.Status {
			t.Errorf("entry %+v does not match its finding or record", g)
		}
	}
	bars := r.GovernmentBars()
	if b := bars[0]; b.Policy != "us-ndaa-fy2026-s1532" || !b.Certain || b.Covers != kb.CoversModel || b.Severity != finding.High ||
		b.Model != "deepseek-ai/DeepSeek-R1-Distill-Llama-8B" || b.Jurisdiction != "us-dod" {
		t.Errorf("first bar %+v", b)
	}
	if b := bars[slices.IndexFunc(bars, func(b report.GovernmentBar) bool { return b.Policy == "us-dod-disa-deepseek-block-2025" })]; b.Covers != kb.CoversDeveloper || b.Certain {
		t.Errorf("the DISA block covers the developer's service only: %+v", b)
	}
	if got := report.BarredIn(bars); !slices.Equal(got, []string{"us-dod", "us-federal?"}) {
		t.Errorf("BarredIn = %q", got)
	}
	if o, ok := r.Origin(); !ok || o.DeveloperID != "deepseek-ai" || o.Country != "CN" || o.Developer != "DeepSeek" {
		t.Errorf("origin %+v", o)
	}
	if !slices.Equal(r.Roots, []string{"deepseek-ai/DeepSeek-V3-Base", "meta-llama/Llama-3.1-8B"}) {
		t.Errorf("roots %q", r.Roots)
	}
	for _, n := range r.Ancestors() {
		if n.Base != n.Model || n.Derivative != n.Parent || n.Derivative == "" {
			t.Errorf("ancestor %s: base %q derivative %q parent %q", n.Model, n.Base, n.Derivative, n.Parent)
		}
	}
}
