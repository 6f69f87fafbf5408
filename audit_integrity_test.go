package modelvet

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/integrity"
	"github.com/modelvet/modelvet/manifest"
	"github.com/modelvet/modelvet/report"
)

// signedModel writes a small model, signs it with a new key and returns
// the directory and the trust that accepts the key.
func signedModel(t *testing.T) (string, integrity.Trust) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "model")
	os.MkdirAll(dir, 0o755)
	for name, content := range map[string]string{"config.json": `{"model_type": "llama"}`, "weights.bin": "weights"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := integrity.Sign(context.Background(), dir, integrity.Signer{Key: k}, integrity.SignOptions{}); err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(k.Public())
	return dir, integrity.Trust{PublicKeys: [][]byte{pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})}}
}

func codes(r *Report) map[finding.Code]finding.Severity {
	out := map[finding.Code]finding.Severity{}
	for _, f := range r.Findings {
		if f.Code.Group() == "integrity" || f.Code.Group() == "signature" {
			out[f.Code] = f.Severity
		}
	}
	return out
}

func TestAuditIntegritySigned(t *testing.T) {
	dir, trust := signedModel(t)
	var progressed bool
	rep, err := Audit(context.Background(), manifest.Dir(dir), WithTrust(trust), WithProgress(func(integrity.Progress) { progressed = true }))
	if err != nil {
		t.Fatal(err)
	}
	if c := codes(rep); len(c) != 0 {
		t.Errorf("integrity findings on a signed model: %v", rep.Findings)
	}
	sig := rep.Integrity.Signature
	if sig == nil || !sig.Present || !sig.Verified || sig.Method != "key" || len(sig.Checked) == 0 || sig.KeyHint == "" {
		t.Fatalf("signature %+v", sig)
	}
	if rep.Integrity.Verified != 2 || rep.Integrity.Hashed != 3 || !progressed {
		t.Errorf("integrity %+v, progress %v", rep.Integrity, progressed)
	}
	for _, f := range rep.Files {
		if !strings.HasPrefix(f.Digest, "sha256:") || f.Verified != (f.Path != "model.sig") {
			t.Errorf("file %+v", f)
		}
	}
}

func TestAuditIntegrityTampered(t *testing.T) {
	dir, trust := signedModel(t)
	os.WriteFile(filepath.Join(dir, "weights.bin"), []byte("Weights"), 0o644)
	rep, err := Audit(context.Background(), manifest.Dir(dir), WithTrust(trust))
	if err != nil {
		t.Fatal(err)
	}
	c := codes(rep)
	if sev, ok := c[finding.IntegrityMismatch]; !ok || sev == "" || len(c) != 1 {
		t.Errorf("findings %v", rep.Findings)
	}
	if rep.Verdict != Fail {
		t.Errorf("verdict %s", rep.Verdict)
	}
}

func TestAuditIntegrityUntrustedAndUnhashed(t *testing.T) {
	dir, _ := signedModel(t)
	rep, err := Audit(context.Background(), manifest.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	c := codes(rep)
	if _, ok := c[finding.SignatureUntrusted]; !ok {
		t.Errorf("no signature.untrusted: %v", rep.Findings)
	}
	if _, ok := c[finding.IntegrityUnverified]; !ok {
		t.Errorf("no integrity.unverified: %v", rep.Findings)
	}
	rep, err = Audit(context.Background(), manifest.Dir(dir), WithoutHashingUnsafe())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := codes(rep)[finding.IntegrityUnverified]; !ok || rep.Integrity.Hashed != 0 {
		t.Errorf("without hashing: %v %+v", rep.Findings, rep.Integrity)
	}
	if _, err := New(WithTrust(integrity.Trust{PublicKeys: [][]byte{[]byte("not a key")}})); err == nil {
		t.Error("invalid trust accepted")
	}
}

// TestAuditRequiredSignatureUnchecked checks that a policy requiring
// signatures is not satisfied by a signature that was found but not
// checked (the files were not hashed), and is by one that verifies.
func TestAuditRequiredSignatureUnchecked(t *testing.T) {
	dir, trust := signedModel(t)
	pol := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(filepath.Join(filepath.Dir(pol), "release.pub"), trust.PublicKeys[0], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pol, []byte("signatures:\n  required: true\n  keys: [release.pub]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := LoadPolicy(pol)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Audit(context.Background(), manifest.Dir(dir), WithPolicy(p), WithoutHashingUnsafe())
	if err != nil {
		t.Fatal(err)
	}
	var missing *finding.Finding
	for i, f := range rep.Findings {
		if f.Code == finding.SignatureMissing {
			missing = &rep.Findings[i]
		}
	}
	if missing == nil || missing.Subject != "model.sig" || !strings.Contains(missing.Message, "not checked (the files were not hashed)") || rep.Verdict != report.Fail {
		t.Errorf("unchecked signature under a policy requiring one: %+v, verdict %s", missing, rep.Verdict)
	}
	rep, err = Audit(context.Background(), manifest.Dir(dir), WithPolicy(p))
	if err != nil {
		t.Fatal(err)
	}
	if c := codes(rep); len(c) != 0 || !rep.Integrity.Signature.Verified {
		t.Errorf("verified signature under a policy requiring one: %v", c)
	}
}

// The report's signature methods are integrity's, which signatureReport
// copies.
func TestSignatureMethodsAgree(t *testing.T) {
	for got, want := range map[string]report.SignatureMethod{
		integrity.SigningSigstore: report.MethodSigstore, integrity.SigningKey: report.MethodKey, integrity.SigningCertificate: report.MethodCertificate,
	} {
		if got != string(want) {
			t.Errorf("integrity %q, report %q", got, want)
		}
	}
}
