package integrity

import (
	"context"
	"crypto/elliptic"
	"crypto/x509"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/testutil"
)

// corpusVector is one signed model of the reference implementation's
// backward-compatibility fixtures (scripts/tests/*), with how its upstream
// test script verifies it.
type corpusVector struct {
	dir    string
	method string
	// file is set for single-file models: the model path is that file.
	file string
	// ignore lists what the upstream script passes as --ignore-paths
	// (v1.0.1 signatures did not record their ignore paths).
	ignore    []string
	predicate string
}

var corpusVectors = []corpusVector{
	{dir: "v0.2.0-certificate", method: SigningCertificate, predicate: PredicateDigestsV01},
	{dir: "v0.3.1-certificate", method: SigningCertificate, predicate: PredicateV1},
	{dir: "v0.3.1-elliptic-key", method: SigningKey, file: "signme-1", predicate: PredicateV1},
	{dir: "v0.3.1-sigstore", method: SigningSigstore, predicate: PredicateV1},
	{dir: "v1.0.0-certificate", method: SigningCertificate, predicate: PredicateV1},
	{dir: "v1.0.0-elliptic-key", method: SigningKey, file: "signme-1", predicate: PredicateV1},
	{dir: "v1.0.0-sigstore", method: SigningSigstore, predicate: PredicateV1},
	{dir: "v1.0.1-certificate", method: SigningCertificate, ignore: []string{"ignore-me"}, predicate: PredicateV1},
	{dir: "v1.0.1-elliptic-key", method: SigningKey, ignore: []string{"ignore-me"}, predicate: PredicateV1},
	{dir: "v1.0.1-sigstore", method: SigningSigstore, ignore: []string{"ignore-me"}, predicate: PredicateV1},
}

// corpusTrust is what the upstream scripts trust: the test CA, the test
// key, and the public-good trust root with the signer's identity.
func corpusTrust(t *testing.T) (Trust, string) {
	base := testutil.Corpus(t, "model-signing", "model-transparency")
	keys := filepath.Join(base, "scripts", "tests", "keys", "certificate")
	tr, err := LoadTrust(TrustFiles{
		PublicKeys:       []string{filepath.Join(keys, "signing-key-pub.pem")},
		CertificateRoots: []string{filepath.Join(keys, "ca-cert.pem")},
		TrustedRoot:      filepath.Join(base, "tests", "_signing", "testdata", "custom_trust_config.json"),
		Identities:       []Identity{{"stefanb@us.ibm.com", "https://sigstore.verify.ibm.com/oauth2"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return tr, filepath.Join(base, "scripts", "tests")
}

func (cv corpusVector) verify(t *testing.T, base string, trust Trust, ignore []string) *Result {
	t.Helper()
	dir := filepath.Join(base, cv.dir)
	model := dir
	if cv.file != "" {
		model = filepath.Join(dir, cv.file)
	}
	res, err := Verify(context.Background(), openRelease(t, model), VerifyOptions{
		Trust: trust, Signature: filepath.Join(dir, "model.sig"), IgnorePaths: ignore, RequireSignature: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestCorpusVectors verifies every signed model of the reference
// implementation as its upstream scripts do: all ten verify, with every
// file matched and nothing else reported.
func TestCorpusVectors(t *testing.T) {
	trust, base := corpusTrust(t)
	for _, cv := range corpusVectors {
		t.Run(cv.dir, func(t *testing.T) {
			res := cv.verify(t, base, trust, cv.ignore)
			sr := res.Signature
			if len(res.Findings) != 0 {
				t.Fatalf("findings %v\nchecks %q", res.Findings, sr.CheckStrings())
			}
			if !sr.Verified || sr.Method != cv.method || sr.PredicateType != cv.predicate {
				t.Errorf("verified %v method %s predicate %s", sr.Verified, sr.Method, sr.PredicateType)
			}
			want := 2
			if cv.file != "" {
				want = 1
			}
			if res.Verified != want {
				t.Errorf("%d files verified, want %d", res.Verified, want)
			}
			switch cv.method {
			case SigningSigstore:
				if sr.Identity != "stefanb@us.ibm.com" || sr.SignedAt.IsZero() {
					t.Errorf("identity %q signed at %v", sr.Identity, sr.SignedAt)
				}
			case SigningKey:
				if sr.KeyHint != "e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e" {
					t.Errorf("key hint %s", sr.KeyHint)
				}
			}
		})
	}
}

// TestCorpusVectorFailures covers how the vectors fail when verified
// other than as upstream does, each with the code that says why.
func TestCorpusVectorFailures(t *testing.T) {
	trust, base := corpusTrust(t)
	otherKey := newKey(t, elliptic.P384())
	otherCA := newTestCA(t)
	for _, cv := range corpusVectors {
		t.Run(cv.dir, func(t *testing.T) {
			if len(cv.ignore) > 0 {
				// Without --ignore-paths the unsigned ignore-me is reported,
				// as the reference verifier fails on it.
				res := cv.verify(t, base, trust, nil)
				wantCodes(t, res, map[finding.Code][]string{finding.IntegrityUnlisted: {"ignore-me"}})
			}
			wrong := Trust{}
			switch cv.method {
			case SigningKey:
				wrong = keyTrust(t, otherKey)
			case SigningCertificate:
				wrong.CertificateRoots = otherCA.rootCerts()
			case SigningSigstore:
				wrong = trust
				wrong.PublicKeys, wrong.CertificateRoots = nil, nil
				wrong.Identities = []Identity{{"mallory@example.com", "https://sigstore.verify.ibm.com/oauth2"}}
			}
			res := cv.verify(t, base, wrong, cv.ignore)
			// Legacy key bundles name no key, but carry it: the signature
			// verifies with it, and it is not trusted.
			wantCodes(t, res, map[finding.Code][]string{finding.SignatureUntrusted: {res.Signature.Path}, finding.IntegrityUnverified: nil})
			if res.Signature.Verified {
				t.Error("verified with the wrong trust")
			}
		})
	}
}

func (c *testCA) rootCerts() []*x509.Certificate { return []*x509.Certificate{c.root} }

// wantCodes requires exactly these codes, each for these subjects (nil:
// any subjects).
func wantCodes(t *testing.T, res *Result, want map[finding.Code][]string) {
	t.Helper()
	got := map[finding.Code][]string{}
	for _, f := range res.Findings {
		got[f.Code] = append(got[f.Code], f.Subject)
	}
	for code, subjects := range want {
		g, ok := got[code]
		if !ok {
			t.Errorf("no %s finding; got %v", code, res.Findings)
			continue
		}
		if subjects != nil {
			slices.Sort(g)
			s := slices.Sorted(slices.Values(subjects))
			if !slices.Equal(g, s) {
				t.Errorf("%s for %q, want %q", code, g, s)
			}
		}
	}
	for code := range got {
		if _, ok := want[code]; !ok {
			t.Errorf("unexpected %s finding: %v", code, res.Findings)
		}
	}
}
