package modelvet

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/manifest"
	"github.com/modelvet/modelvet/provenance"
	"github.com/modelvet/modelvet/report"
)

func TestDefaultPolicyCoversEveryCode(t *testing.T) {
	p := DefaultPolicy()
	for _, c := range finding.Codes() {
		if !p.Severity[c].Valid() {
			t.Errorf("default policy gives %s no severity", c)
		}
	}
	if p.Verdict.FailAt != finding.High || p.Verdict.ReviewAt != finding.Medium {
		t.Errorf("verdict thresholds = %+v, want fail at high, review at medium", p.Verdict)
	}
	if !p.Licenses.CommercialUseRequired {
		t.Error("the cautious commercial buyer must require commercial use")
	}
	if o := p.GovernmentOptions(); o.Reach != provenance.ReachAll || o.MaxDepth != 16 {
		t.Errorf("GovernmentOptions() = %+v; want reach all, depth 16", o)
	}
	if p.Signatures.Required {
		t.Error("default policy should not require signatures")
	}
	// DefaultPolicy hands out copies.
	p.Severity[finding.LicenseMissing] = finding.Info
	if DefaultPolicy().Severity[finding.LicenseMissing] != finding.High {
		t.Error("changing a DefaultPolicy copy changed the default")
	}
}

func TestParsePolicyMergesOverDefault(t *testing.T) {
	p, err := ParsePolicy("mine.yaml", []byte(`
severity:
  license.naming: high
severity_by_confidence:
  provenance.restricted-outputs:
    declared: critical
licenses:
  max_user_threshold: 1000
`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "mine" {
		t.Errorf("name = %q, want the file's base name", p.Name)
	}
	if p.Severity[finding.LicenseNaming] != finding.High {
		t.Errorf("license.naming = %s, want high", p.Severity[finding.LicenseNaming])
	}
	if p.Severity[finding.IntegrityMismatch] != finding.Critical {
		t.Errorf("integrity.mismatch = %q: settings the file leaves out must keep the default", p.Severity[finding.IntegrityMismatch])
	}
	rc := p.SeverityByConfidence[finding.ProvenanceRestrictedOutputs]
	if rc[finding.Declared] != finding.Critical || rc[finding.Alleged] != finding.Low {
		t.Errorf("severity_by_confidence merged to %v, want declared critical and the default's alleged low", rc)
	}
	if !p.Licenses.CommercialUseRequired || p.Licenses.MaxUserThreshold != 1000 {
		t.Errorf("licenses = %+v, want commercial use still required and the threshold set", p.Licenses)
	}
	if !slices.Equal(p.Jurisdictions, DefaultPolicy().Jurisdictions) {
		t.Errorf("jurisdictions = %v, want the default's", p.Jurisdictions)
	}
}

func TestParsePolicyEmpty(t *testing.T) {
	p, err := ParsePolicy("empty.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Verdict != DefaultPolicy().Verdict {
		t.Errorf("empty policy verdict = %+v", p.Verdict)
	}
}

func TestParsePolicyErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		line       int
		msg        string
	}{
		{"syntax", "verdict:\n  fail_at: [high\n", 2, ""},
		{"not a mapping", "- a\n- b\n", 1, "mapping of settings"},
		{"unknown key", "name: x\nverdit:\n  fail_at: high\n", 2, `unknown field "verdit"`},
		{"unknown nested key", "licenses:\n  commercial_use_required: true\n  max_users: 10\n", 3, `unknown field "max_users"`},
		{"wrong type", "licenses:\n  max_user_threshold: lots\n", 2, "cannot unmarshal"},
		{"bool type", "signatures:\n  required: maybe\n", 2, ""},
		{"bad severity value", "severity:\n  license.naming: severe\n", 2, "severity of license.naming"},
		{"unknown code", "severity:\n  license.nope: high\n", 2, `unknown finding code "license.nope"`},
		{"unknown confidence", "severity_by_confidence:\n  license.naming:\n    rumoured: low\n", 3, `unknown confidence "rumoured"`},
		{"review above fail", "verdict:\n  fail_at: medium\n  review_at: high\n", 3, "above verdict.fail_at"},
		{"empty jurisdiction", "jurisdictions:\n  - us-federal\n  - ''\n", 3, "jurisdictions[1] is empty"},
		{"allowed and denied", "licenses:\n  allow_categories: [reciprocal]\n  deny_categories: [reciprocal]\n", 2, "both allowed and denied"},
		{"unknown category", "licenses:\n  deny_categories:\n    - copyleft\n", 3, `unknown licence category "copyleft"`},
		{"deny permissive", "licenses:\n  deny_categories: [permissive]\n", 2, "cannot be denied"},
		{"commercial not required but denied", "licenses:\n  commercial_use_required: false\n  deny_categories: [non-commercial]\n", 2, "commercial_use_required is false"},
		{"commercial not required, allow list omits it", "licenses:\n  commercial_use_required: false\n  allow_categories: [reciprocal]\n", 2, "commercial_use_required is false"},
		{"flow-down accepted but denied", "licenses:\n  flow_down_acceptable: true\n  deny_categories: [responsible-use]\n", 2, "flow_down_acceptable is true"},
		{"negative threshold", "licenses:\n  max_user_threshold: -5\n", 2, "must not be negative"},
		{"empty territory", "licenses:\n  territories: [us, '']\n", 2, "territories[1] is empty"},
		{"bad reach", "lineage:\n  government_reach: everyone\n", 2, `lineage.government_reach must be all, weights or self, not "everyone"`},
		{"empty reach", "lineage:\n  max_depth: 3\n  government_reach: ''\n", 3, "government_reach"},
		{"old coverage key", "lineage:\n  government_coverage: ancestors\n", 2, `unknown field "government_coverage"`},
		{"unknown jurisdiction", "name: x\njurisdictions:\n  - us-ks\n  - atlantis\n", 4, `unknown jurisdiction "atlantis"; the knowledge base knows au, `},
		{"unknown jurisdiction prefix", "jurisdictions: [us-federal, zz-*]\n", 1, `unknown jurisdiction "zz-*"`},
		{"depth zero", "lineage:\n  max_depth: 0\n", 2, "max_depth must be between 1 and 16"},
		{"depth too deep", "lineage:\n  max_depth: 99\n", 2, "max_depth"},
		{"trusted root alone", "signatures:\n  trusted_root: root.json\n", 2, "no identities"},
		{"required without trust", "name: x\nsignatures:\n  required: true\n", 3, "nobody is trusted"},
		{"identity without issuer", "signatures:\n  identities:\n    - identity: someone@example.com\n", 3, "needs both an identity and an issuer"},
		{"missing key file", "signatures:\n  keys:\n    - no-such-key.pem\n", 3, "signatures.keys"},
		{"waiver unknown code", "waivers:\n  - code: license.nope\n    subject: x\n    reason: y\n", 2, "unknown finding code"},
		{"waiver without subject", "waivers:\n  - code: license.naming\n    reason: y\n", 2, "subject is required"},
		{"waiver without reason", "waivers:\n  - code: license.naming\n    subject: x\n", 2, "a reason is required"},
		{"waiver bad date", "waivers:\n  - code: license.naming\n    subject: x\n    reason: y\n    expires: next year\n", 2, "YYYY-MM-DD"},
		{"duplicate waiver", "waivers:\n  - {code: license.naming, subject: x, reason: y}\n  - {code: license.naming, subject: x, reason: z}\n", 3, "again"},
		{"duplicate key", "name: a\nname: b\n", 2, "already defined"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy(filepath.Join(dir, "p.yaml"), []byte(tt.yaml))
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *PolicyError", err)
			}
			if pe.Line != tt.line {
				t.Errorf("line = %d, want %d (%v)", pe.Line, tt.line, err)
			}
			if !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("message %q does not contain %q", pe.Msg, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), filepath.Join(dir, "p.yaml")) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

// The YAML decoder panics on a tag without a value where a list is
// expected; ParsePolicy reports it as an error.
func TestParsePolicyDecoderPanic(t *testing.T) {
	for _, in := range []string{"jurisdictions: !\n", "waivers: !\n", "licenses:\n  deny_categories: !foo\n", "jurisdictions: !!seq\n"} {
		_, err := ParsePolicy("p.yaml", []byte(in))
		var pe *PolicyError
		if !errors.As(err, &pe) || !strings.Contains(pe.Msg, "cannot be decoded") {
			t.Errorf("%q: err = %v, want a PolicyError", in, err)
		}
	}
}

func TestParsePolicyOverLimit(t *testing.T) {
	_, err := ParsePolicy("big.yaml", make([]byte, 2<<20))
	var pe *PolicyError
	if !errors.As(err, &pe) || !strings.Contains(pe.Msg, "limit") {
		t.Fatalf("err = %v, want an over-the-limit PolicyError", err)
	}
}

func TestExamplePolicy(t *testing.T) {
	path := filepath.Join(testutil.ModuleRoot(t), "examples", "policy.yaml")
	p, err := LoadPolicy(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "acme-procurement" || len(p.Waivers) != 2 {
		t.Errorf("example policy: name %q, %d waivers", p.Name, len(p.Waivers))
	}
	if !p.Licenses.denied(kb.CategoryReciprocal) || p.Licenses.MaxUserThreshold != 5_000_000 {
		t.Errorf("example licences = %+v", p.Licenses)
	}
	if tr := p.Trust(); len(tr.Identities) != 1 || tr.Identities[0].Issuer != "https://token.actions.githubusercontent.com" {
		t.Errorf("example trust = %+v", tr)
	}
	if _, err := New(WithPolicy(p)); err != nil {
		t.Fatalf("New with the example policy: %v", err)
	}
}

// licReport builds a report with one licence and the given findings about
// it, as the analyses would hand it to the policy.
func licReport(lic report.License, codes ...finding.Code) *report.Report {
	r := &report.Report{Licenses: []report.License{lic}}
	for _, c := range codes {
		r.Findings = append(r.Findings, finding.Finding{Code: c, Confidence: finding.Declared, Subject: lic.ID, Message: string(c)})
	}
	return r
}

func mustPolicy(t *testing.T, y string) *Policy {
	t.Helper()
	p, err := ParsePolicy("test.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func severityOf(r *report.Report, c finding.Code) finding.Severity {
	for _, f := range r.Findings {
		if f.Code == c {
			return f.Severity
		}
	}
	return ""
}

var day = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func TestPolicyLicenseRules(t *testing.T) {
	llama := report.License{
		ID: "llama3.1", Category: kb.CategoryResponsibleUse,
		Terms: kb.Terms{
			UserThreshold:   &kb.Term{Value: "700000000", Amount: 700_000_000},
			UseRestrictions: &kb.Term{Value: "yes", FlowDown: true},
		},
	}
	vision := report.License{
		ID: "llama3.2", Category: kb.CategoryResponsibleUse,
		Terms: kb.Terms{Territory: &kb.Term{Value: "excluded", Regions: []string{"EU"}}},
	}
	nc := report.License{ID: "cc-by-nc-4.0", Category: kb.CategoryNonCommercial}
	gpl := report.License{ID: "gpl-3.0", Category: kb.CategoryReciprocal}
	revenue := report.License{ID: "rev", Category: kb.CategoryProprietary, Terms: kb.Terms{RevenueThreshold: &kb.Term{Amount: 1_000_000}}}

	tests := []struct {
		name    string
		policy  string
		rep     *report.Report
		code    finding.Code
		want    finding.Severity
		verdict report.Verdict
	}{
		{"noncommercial fails by default", "", licReport(nc, finding.LicenseNonCommercial), finding.LicenseNonCommercial, finding.High, report.Fail},
		{"noncommercial fails even when the table says low", "severity: {license.noncommercial: low}", licReport(nc, finding.LicenseNonCommercial), finding.LicenseNonCommercial, finding.High, report.Fail},
		{"noncommercial is info when commercial use is not required", "licenses: {commercial_use_required: false}", licReport(nc, finding.LicenseNonCommercial), finding.LicenseNonCommercial, finding.Info, report.Pass},
		{"non-commercial category without a finding gets one", "", licReport(nc), finding.LicenseNonCommercial, finding.High, report.Fail},
		{"threshold above the buyer's users is low", "licenses: {max_user_threshold: 5000000}", licReport(llama, finding.LicenseUserThreshold), finding.LicenseUserThreshold, finding.Low, report.Pass},
		{"threshold the buyer reaches is high", "licenses: {max_user_threshold: 800000000}", licReport(llama, finding.LicenseUserThreshold), finding.LicenseUserThreshold, finding.High, report.Fail},
		{"threshold equal to the buyer's users is high", "licenses: {max_user_threshold: 700000000}", licReport(llama, finding.LicenseUserThreshold), finding.LicenseUserThreshold, finding.High, report.Fail},
		{"threshold without a stated maximum keeps the table", "severity: {license.user-threshold: medium}", licReport(llama, finding.LicenseUserThreshold), finding.LicenseUserThreshold, finding.Medium, report.Review},
		{"revenue threshold reached", "licenses: {max_revenue_threshold: 5000000}", licReport(revenue, finding.LicenseUserThreshold), finding.LicenseUserThreshold, finding.High, report.Fail},
		{"flow-down unset keeps the table", "", licReport(llama, finding.LicenseUseRestrictions), finding.LicenseUseRestrictions, finding.Medium, report.Review},
		{"flow-down acceptable is low", "licenses: {flow_down_acceptable: true}", licReport(llama, finding.LicenseUseRestrictions), finding.LicenseUseRestrictions, finding.Low, report.Pass},
		{"flow-down unacceptable fails", "licenses: {flow_down_acceptable: false}", licReport(llama, finding.LicenseUseRestrictions), finding.LicenseUseRestrictions, finding.High, report.Fail},
		{"territory excluded where we operate fails", "licenses: {territories: [us, eu]}", licReport(vision, finding.LicenseTerritory), finding.LicenseTerritory, finding.High, report.Fail},
		{"territory excluded elsewhere is info", "licenses: {territories: [us, jp]}", licReport(vision, finding.LicenseTerritory), finding.LicenseTerritory, finding.Info, report.Pass},
		{"territories unset keep the table", "", licReport(vision, finding.LicenseTerritory), finding.LicenseTerritory, finding.Medium, report.Review},
		{"denied category raises its findings", "licenses: {deny_categories: [reciprocal]}", licReport(gpl, finding.LicenseCopyleft), finding.LicenseCopyleft, finding.High, report.Fail},
		{"denied category without a finding gets one", "licenses: {deny_categories: [reciprocal]}", licReport(gpl), finding.LicenseCopyleft, finding.High, report.Fail},
		{"category outside the allow list is denied", "licenses: {allow_categories: [responsible-use]}", licReport(gpl, finding.LicenseCopyleft), finding.LicenseCopyleft, finding.High, report.Fail},
		{"allowed category keeps the table", "licenses: {allow_categories: [reciprocal]}", licReport(gpl, finding.LicenseCopyleft), finding.LicenseCopyleft, finding.Medium, report.Review},
		{"denial raises every licence finding of the licence", "licenses: {deny_categories: [responsible-use]}", licReport(llama, finding.LicenseNaming), finding.LicenseNaming, finding.High, report.Fail},
		{"an unidentified licence of a denied category fails", "licenses: {deny_categories: [unknown]}", &report.Report{Findings: []finding.Finding{{Code: finding.LicenseUnknown, Confidence: finding.Declared, Subject: "mystery-1.0"}}}, finding.LicenseUnknown, finding.High, report.Fail},
		{"a waiver still accepts a denied licence", "licenses: {deny_categories: [reciprocal]}\nwaivers: [{code: license.copyleft, subject: gpl-3.0, reason: internal use only}]", licReport(gpl, finding.LicenseCopyleft), finding.LicenseCopyleft, finding.High, report.Pass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPolicy(t, tt.policy)
			p.apply(tt.rep, day)
			if got := severityOf(tt.rep, tt.code); got != tt.want {
				t.Errorf("%s severity = %q, want %q", tt.code, got, tt.want)
			}
			if tt.rep.Verdict != tt.verdict {
				t.Errorf("verdict = %s, want %s", tt.rep.Verdict, tt.verdict)
			}
		})
	}
}

func TestPolicySignaturesRequired(t *testing.T) {
	dir := t.TempDir()
	writeKey(t, filepath.Join(dir, "keys", "release.pub"))
	polPath := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(polPath, []byte("signatures:\n  required: true\n  keys: [keys/release.pub]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := LoadPolicy(polPath)
	if err != nil {
		t.Fatal(err)
	}
	r := &report.Report{Findings: []finding.Finding{{Code: finding.SignatureMissing, Confidence: finding.Verified, Subject: "m"}}}
	p.apply(r, day)
	if r.Verdict != report.Fail {
		t.Errorf("required signature missing: verdict %s, want fail", r.Verdict)
	}
	r = &report.Report{Findings: []finding.Finding{{Code: finding.SignatureMissing, Confidence: finding.Verified, Subject: "m"}}}
	DefaultPolicy().apply(r, day)
	if r.Verdict != report.Pass {
		t.Errorf("default policy, signature missing: verdict %s, want pass", r.Verdict)
	}
}

// writeKey writes a fresh ECDSA public key in PEM to path and returns it.
func writeKey(t *testing.T, path string) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return data
}

func writeCert(t *testing.T, path string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ACME model signing root"},
		NotBefore:             day.Add(-time.Hour),
		NotAfter:              day.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPolicyTrust(t *testing.T) {
	dir := t.TempDir()
	key := writeKey(t, filepath.Join(dir, "a.pub"))
	writeCert(t, filepath.Join(dir, "root.pem"))
	if err := os.WriteFile(filepath.Join(dir, "trusted_root.json"), []byte(`{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "junk.pem"), []byte("not a key\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pol := `signatures:
  keys: [a.pub]
  certificate_roots: [root.pem]
  trusted_root: trusted_root.json
  identities:
    - {identity: release@acme.example, issuer: https://accounts.example}
`
	if err := os.WriteFile(filepath.Join(dir, "p.yaml"), []byte(pol), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := LoadPolicy(filepath.Join(dir, "p.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tr := p.Trust()
	if len(tr.PublicKeys) != 1 || string(tr.PublicKeys[0]) != string(key) {
		t.Errorf("PublicKeys = %d keys, want the one file's PEM", len(tr.PublicKeys))
	}
	if len(tr.CertificateRoots) != 1 || tr.CertificateRoots[0].Subject.CommonName != "ACME model signing root" {
		t.Errorf("CertificateRoots = %v", tr.CertificateRoots)
	}
	if len(tr.TrustedRootJSON) == 0 || len(tr.Identities) != 1 {
		t.Errorf("trusted root %d bytes, identities %v", len(tr.TrustedRootJSON), tr.Identities)
	}
	a, err := New(WithPolicy(p))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.cfg.trust.PublicKeys) != 1 {
		t.Error("the auditor did not take the policy's trust")
	}

	for _, bad := range []struct{ yaml, msg string }{
		{"signatures:\n  keys: [junk.pem]\n", "not PEM"},
		{"signatures:\n  keys: [root.pem]\n", "not a public key"},
		{"signatures:\n  certificate_roots: [a.pub]\n", "not a CERTIFICATE"},
		{"signatures:\n  trusted_root: junk.pem\n  identities: [{identity: a, issuer: b}]\n", "not JSON"},
	} {
		_, err := ParsePolicy(filepath.Join(dir, "bad.yaml"), []byte(bad.yaml))
		var pe *PolicyError
		if !errors.As(err, &pe) || pe.Line != 2 || !strings.Contains(pe.Msg, bad.msg) {
			t.Errorf("%q: err = %v, want a PolicyError on line 2 saying %q", bad.yaml, err, bad.msg)
		}
	}
}

func TestWaivers(t *testing.T) {
	mk := func() *report.Report {
		return &report.Report{Findings: []finding.Finding{
			{Code: finding.LicenseMissing, Confidence: finding.Declared, Subject: "acme/model"},
			{Code: finding.FormatPickle, Confidence: finding.Verified, Subject: "pytorch_model.bin"},
		}}
	}
	tests := []struct {
		name            string
		waivers         string
		verdict         report.Verdict
		unused, expired []string
		waivedCodes     []finding.Code
	}{
		{"none", "[]", report.Fail, nil, nil, nil},
		{"waive the failing finding", `[{code: license.missing, subject: acme/model, reason: licence signed separately (PROC-7)}]`, report.Review, nil, nil, []finding.Code{finding.LicenseMissing}},
		{"waive both", `[{code: license.missing, subject: "*", reason: r}, {code: format.pickle, subject: pytorch_model.bin, reason: sandbox, expires: "2026-12-01"}]`, report.Pass, nil, nil, []finding.Code{finding.LicenseMissing, finding.FormatPickle}},
		{"expired waiver does not apply", `[{code: license.missing, subject: acme/model, reason: r, expires: "2026-11-30"}]`, report.Fail, nil, []string{"license.missing acme/model"}, nil},
		{"unused waiver is reported", `[{code: license.missing, subject: other/model, reason: r}]`, report.Fail, []string{"license.missing other/model"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPolicy(t, "waivers: "+tt.waivers)
			r := mk()
			p.apply(r, day)
			if r.Verdict != tt.verdict {
				t.Errorf("verdict = %s, want %s", r.Verdict, tt.verdict)
			}
			if strings.Join(r.Policy.UnusedWaivers, ",") != strings.Join(tt.unused, ",") {
				t.Errorf("unused = %v, want %v", r.Policy.UnusedWaivers, tt.unused)
			}
			if strings.Join(r.Policy.ExpiredWaivers, ",") != strings.Join(tt.expired, ",") {
				t.Errorf("expired = %v, want %v", r.Policy.ExpiredWaivers, tt.expired)
			}
			var waived []finding.Code
			for _, f := range r.Findings {
				if f.Waived != "" {
					waived = append(waived, f.Code)
				}
			}
			if len(waived) != len(tt.waivedCodes) {
				t.Errorf("waived %v, want %v", waived, tt.waivedCodes)
			}
		})
	}
}

func TestPolicyValidateProgrammatic(t *testing.T) {
	p := DefaultPolicy()
	p.Verdict.ReviewAt = finding.Critical
	if _, err := New(WithPolicy(p)); err == nil || !strings.Contains(err.Error(), "above verdict.fail_at") {
		t.Errorf("New with review_at above fail_at: err = %v", err)
	}
	p = DefaultPolicy()
	p.Licenses.DenyCategories = []kb.Category{"nonsense"}
	if err := p.Validate(); err == nil {
		t.Error("Validate accepted an unknown category")
	}
}

// writeRelease writes a small model release: a card with the given front
// matter and a config.
func writeRelease(t *testing.T, dir, front string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	card := "---\n" + front + "---\n# Model\n\nA demo model.\n"
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte(card), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"architectures":["LlamaForCausalLM"],"model_type":"llama"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestAuditWaiverChangesVerdict runs the whole audit on a generated release
// and shows a policy waiver turning its verdict, as docs/POLICY.md says.
func TestAuditWaiverChangesVerdict(t *testing.T) {
	dir := writeRelease(t, filepath.Join(t.TempDir(), "acme-chat"), "license: acme-internal-model-licence-7\n")
	clock := WithClock(func() time.Time { return day })
	rep, err := Audit(context.Background(), manifest.Dir(dir), clock)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != report.Review || severityOf(rep, finding.LicenseUnknown) != finding.Medium {
		t.Fatalf("default policy: verdict %s, license.unknown %q; want review, medium", rep.Verdict, severityOf(rep, finding.LicenseUnknown))
	}
	p := mustPolicy(t, `
waivers:
  - code: license.unknown
    subject: acme-internal-model-licence-7
    reason: Our own licence, approved by legal (LEGAL-12).
  - code: license.unknown
    subject: some-other-licence
    reason: kept for another model
`)
	rep, err = Audit(context.Background(), manifest.Dir(dir), clock, WithPolicy(p))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != report.Pass {
		t.Errorf("with the waiver: verdict %s, want pass", rep.Verdict)
	}
	if len(rep.Policy.UnusedWaivers) != 1 || rep.Policy.UnusedWaivers[0] != "license.unknown some-other-licence" {
		t.Errorf("unused waivers = %v", rep.Policy.UnusedWaivers)
	}
	p = mustPolicy(t, "licenses: {deny_categories: [unknown]}\n")
	rep, err = Audit(context.Background(), manifest.Dir(dir), clock, WithPolicy(p))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != report.Fail {
		t.Errorf("denying unknown licences: verdict %s, want fail", rep.Verdict)
	}
}

func FuzzParsePolicy(f *testing.F) {
	f.Add(defaultPolicyYAML)
	if data, err := os.ReadFile(filepath.Join("examples", "policy.yaml")); err == nil {
		f.Add(data)
	}
	f.Add([]byte("licenses: {deny_categories: [reciprocal], territories: [eu]}\nlineage: {government_reach: self, max_depth: 3}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("jurisdictions: !\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy("fuzz.yaml", data)
		if err != nil {
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("error is %T, not a *PolicyError: %v", err, err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("parsed policy does not validate: %v", err)
		}
	})
}
