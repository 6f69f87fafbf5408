package integrity

import (
	"cmp"
	"context"
	"crypto"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sampleFiles is a small model with nested directories, names that sort
// differently component-wise, an empty file and files over one shard.
var sampleFiles = map[string]string{
	"config.json":             `{"model_type": "llama"}`,
	"model-00001.safetensors": strings.Repeat("weights one ", 40),
	"model-00002.safetensors": strings.Repeat("weights two ", 33),
	"sub/a b.txt":             "space",
	"sub/a/b":                 "nested",
	"sub/a.txt":               "dot",
	"empty":                   "",
	".gitattributes":          "*.safetensors filter=lfs",
}

// signerCase makes a signer and the trust that accepts it.
type signerCase struct {
	name   string
	method string
	make   func(t *testing.T) (Signer, Trust)
}

func signerCases() []signerCase {
	keyCase := func(name string, c elliptic.Curve) signerCase {
		return signerCase{name, SigningKey, func(t *testing.T) (Signer, Trust) {
			k := newKey(t, c)
			return Signer{Key: k}, keyTrust(t, k)
		}}
	}
	return []signerCase{
		keyCase("key-P256", elliptic.P256()),
		keyCase("key-P384", elliptic.P384()),
		keyCase("key-P521", elliptic.P521()),
		{"certificate", SigningCertificate, func(t *testing.T) (Signer, Trust) {
			ca := newTestCA(t)
			return ca.signer(t, newKey(t, elliptic.P384())), Trust{CertificateRoots: []*x509.Certificate{ca.root}}
		}},
		{"keyless", SigningSigstore, func(t *testing.T) (Signer, Trust) {
			vs := newVirtualSigstore(t)
			s := vs.signer(t, "alice@example.com", "https://issuer.example.com", time.Now().Add(time.Minute))
			return s, Trust{TrustedRootJSON: vs.trustedRootJSON(t), Identities: []Identity{{"alice@example.com", "https://issuer.example.com"}}}
		}},
	}
}

// TestSignVerifyRoundTrip signs a model with every method, serialisation
// and hash, and verifies it with no finding left.
func TestSignVerifyRoundTrip(t *testing.T) {
	sers := []SignOptions{
		{Method: MethodFiles},
		{Method: MethodShards, ShardSize: 64},
		{Method: MethodFiles, HashType: BLAKE2b},
		{Method: MethodShards, HashType: BLAKE2b, ShardSize: 100},
		{Method: MethodFiles, HashType: BLAKE3},
	}
	for _, sc := range signerCases() {
		for _, so := range sers {
			t.Run(fmt.Sprintf("%s/%s-%s", sc.name, so.Method, cmp.Or(so.HashType, SHA256)), func(t *testing.T) {
				dir := writeModel(t, sampleFiles)
				signer, trust := sc.make(t)
				if _, err := Sign(context.Background(), dir, signer, so); err != nil {
					t.Fatal(err)
				}
				res, err := Verify(context.Background(), openRelease(t, dir), VerifyOptions{Trust: trust, RequireSignature: true})
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Findings) != 0 {
					t.Fatalf("findings on a freshly signed model: %v\nchecks: %q", res.Findings, res.Signature.CheckStrings())
				}
				sr := res.Signature
				if !sr.Verified || sr.Method != sc.method || sr.PredicateType != PredicateV1 {
					t.Errorf("signature %+v", sr)
				}
				// Every file but the signature itself is verified by it.
				want := len(sampleFiles)
				if so.Method == MethodShards {
					want-- // the empty file has no shard, so nothing vouches for its bytes
				}
				if res.Verified != want-1 { // .gitattributes is a default ignore
					t.Errorf("%d files verified, want %d; checks %q", res.Verified, want-1, sr.CheckStrings())
				}
				if sc.method == SigningSigstore && (sr.Identity != "alice@example.com" || sr.SignedAt.IsZero()) {
					t.Errorf("keyless identity %q signed at %v", sr.Identity, sr.SignedAt)
				}
			})
		}
	}
}

// TestSignSingleFile signs a one-file model: its resource is named ".".
func TestSignSingleFile(t *testing.T) {
	dir := writeModel(t, map[string]string{"model.gguf": "GGUF weights"})
	k := newKey(t, elliptic.P256())
	sig := filepath.Join(t.TempDir(), "model.sig")
	file := filepath.Join(dir, "model.gguf")
	if _, err := Sign(context.Background(), file, Signer{Key: k}, SignOptions{}); err == nil {
		t.Fatal("signing a single file without an output path succeeded")
	}
	data, err := Sign(context.Background(), file, Signer{Key: k}, SignOptions{Output: sig})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParsePayload(b.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Resources) != 1 || st.Resources[0].Name != "." || st.SubjectName != "model.gguf" {
		t.Errorf("resources %+v subject %q", st.Resources, st.SubjectName)
	}
	res, err := Verify(context.Background(), openRelease(t, file), VerifyOptions{Trust: keyTrust(t, k), Signature: sig})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 || res.Verified != 1 {
		t.Errorf("findings %v, %d verified", res.Findings, res.Verified)
	}
}

// TestSignedBundleShape checks every byte-level rule the reference
// verifier applies to a key-method bundle Sign writes.
func TestSignedBundleShape(t *testing.T) {
	dir := writeModel(t, sampleFiles)
	k := newKey(t, elliptic.P384())
	data, err := Sign(context.Background(), dir, Signer{Key: k}, SignOptions{IgnorePaths: []string{"sub/a.txt"}})
	if err != nil {
		t.Fatal(err)
	}
	onDisk, err := os.ReadFile(filepath.Join(dir, DefaultSignatureName))
	if err != nil || string(onDisk) != string(data) {
		t.Fatalf("model.sig not written as returned: %v", err)
	}
	var raw struct {
		MediaType            string `json:"mediaType"`
		VerificationMaterial struct {
			PublicKey map[string]any `json:"publicKey"`
		} `json:"verificationMaterial"`
		DsseEnvelope struct {
			PayloadType string           `json:"payloadType"`
			Payload     []byte           `json:"payload"`
			Signatures  []map[string]any `json:"signatures"`
		} `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	hint, _ := keyHint(k.Public())
	if raw.MediaType != bundleMediaTypeV03 {
		t.Errorf("media type %q", raw.MediaType)
	}
	if len(raw.VerificationMaterial.PublicKey) != 1 || raw.VerificationMaterial.PublicKey["hint"] != hint {
		t.Errorf("publicKey %v, want only hint %s", raw.VerificationMaterial.PublicKey, hint)
	}
	if raw.DsseEnvelope.PayloadType != InTotoPayloadType || len(raw.DsseEnvelope.Signatures) != 1 {
		t.Errorf("envelope %q with %d signatures", raw.DsseEnvelope.PayloadType, len(raw.DsseEnvelope.Signatures))
	}
	// The signature is ECDSA P-384/SHA-384 over the standard DSSE encoding.
	sig := raw.DsseEnvelope.Signatures[0]["sig"].(string)
	b, err := ParseBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	if !verifyECDSA(k.Public(), crypto.SHA384, pae(InTotoPayloadType, raw.DsseEnvelope.Payload), b.Signature) || sig == "" {
		t.Error("signature is not ECDSA SHA-384 over the DSSE encoding")
	}
	p := string(raw.DsseEnvelope.Payload)
	if !strings.HasPrefix(p, "{\n  \"_type\": \"https://in-toto.io/Statement/v1\",\n  \"subject\": [\n") || strings.HasSuffix(p, "\n") {
		t.Errorf("payload is not shaped as the reference writes it:\n%s", p)
	}
	st, err := ParsePayload(raw.DsseEnvelope.Payload)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range st.Resources {
		names = append(names, r.Name)
	}
	wantNames := []string{"config.json", "empty", "model-00001.safetensors", "model-00002.safetensors", "sub/a/b", "sub/a b.txt"}
	if strings.Join(names, "|") != strings.Join(wantNames, "|") {
		t.Errorf("resources %q, want %q (component-wise order, ignores applied)", names, wantNames)
	}
	wantIgnores := ".git|.gitattributes|.github|.gitignore|model.sig|sub/a.txt"
	if got := strings.Join(st.Serialization.IgnorePaths, "|"); got != wantIgnores {
		t.Errorf("ignore_paths %q, want %q", got, wantIgnores)
	}
}

// TestSignRejects covers what Sign refuses to sign.
func TestSignRejects(t *testing.T) {
	ctx := context.Background()
	dir := writeModel(t, map[string]string{"a": "x"})
	k := newKey(t, elliptic.P256())
	outside := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(outside, []byte("s"), 0o644)
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		s Signer
		o SignOptions
	}{
		"link outside":    {Signer{Key: k}, SignOptions{AllowSymlinks: true}},
		"link disallowed": {Signer{Key: k}, SignOptions{}},
		"no key":          {Signer{}, SignOptions{}},
		"bad method":      {Signer{Key: k}, SignOptions{Method: "tree"}},
		"bad hash":        {Signer{Key: k}, SignOptions{HashType: "md5"}},
	} {
		if _, err := Sign(ctx, dir, tc.s, tc.o); err == nil {
			t.Errorf("%s: signed", name)
		}
	}
	os.Remove(filepath.Join(dir, "link"))
	other := newKey(t, elliptic.P256())
	ca := newTestCA(t)
	s := ca.signer(t, other)
	s.Key = k
	if _, err := Sign(ctx, dir, s, SignOptions{}); err == nil {
		t.Error("signed with a certificate for another key")
	}
}
