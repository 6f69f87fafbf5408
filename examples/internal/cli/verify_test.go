package cli

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelvet/modelvet"
	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/manifest"
)

// TestVerifyFlags audits the reference implementation's signed models
// with the signature flags every example program shares.
func TestVerifyFlags(t *testing.T) {
	base := testutil.Corpus(t, "model-signing", "model-transparency")
	tests := filepath.Join(base, "scripts", "tests")
	keys := filepath.Join(tests, "keys", "certificate")
	for _, tc := range []struct {
		target string
		flags  Flags
	}{
		{"v1.0.0-certificate", Flags{Verify: true, CertChain: filepath.Join(keys, "ca-cert.pem")}},
		{"v1.0.0-elliptic-key/signme-1", Flags{Key: filepath.Join(keys, "signing-key-pub.pem"), Signature: filepath.Join(tests, "v1.0.0-elliptic-key", "model.sig")}},
		{"v1.0.0-sigstore", Flags{Verify: true, TrustedRoot: filepath.Join(base, "tests", "_signing", "testdata", "custom_trust_config.json"),
			Identity: "stefanb@us.ibm.com", Issuer: "https://sigstore.verify.ibm.com/oauth2"}},
	} {
		t.Run(tc.target, func(t *testing.T) {
			opts, err := tc.flags.Options()
			if err != nil {
				t.Fatal(err)
			}
			src, err := manifest.Parse(filepath.Join(tests, filepath.FromSlash(tc.target)))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := modelvet.Audit(context.Background(), src, opts...)
			if err != nil {
				t.Fatal(err)
			}
			sig := rep.Integrity.Signature
			if sig == nil || !sig.Verified || rep.Integrity.Verified == 0 || slices.Contains(rep.Policy.Unsafe, "without-hashing") {
				t.Errorf("signature %+v, integrity %+v, unsafe %v", sig, rep.Integrity, rep.Policy.Unsafe)
			}
			for _, f := range rep.Findings {
				if g := f.Code.Group(); g == "integrity" || g == "signature" {
					t.Errorf("finding %s %s: %s", f.Code, f.Subject, f.Message)
				}
			}
		})
	}
}

func TestVerifyFlagErrors(t *testing.T) {
	for _, f := range []Flags{
		{Identity: "a@example.com"},
		{Identity: "a@example.com", Issuer: "https://issuer.example.com"},
		{Key: "/nonexistent.pem"},
		{CertChain: "/nonexistent.pem"},
		{TrustedRoot: "/nonexistent.json"},
	} {
		if _, err := f.Options(); err == nil {
			t.Errorf("%+v accepted", f)
		}
	}
}
