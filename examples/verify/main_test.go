package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/examples/internal/cli"
	"github.com/modelvet/modelvet/integrity"
	"github.com/modelvet/modelvet/internal/testutil"
)

func runVerify(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String() + errOut.String()
}

// TestReferenceVectors verifies every signed model of the reference
// implementation as its upstream scripts do.
func TestReferenceVectors(t *testing.T) {
	base := testutil.Corpus(t, "model-signing", "model-transparency")
	tests := filepath.Join(base, "scripts", "tests")
	keys := filepath.Join(tests, "keys", "certificate")
	keyless := []string{"-trusted-root", filepath.Join(base, "tests", "_signing", "testdata", "custom_trust_config.json"),
		"-identity", "stefanb@us.ibm.com", "-issuer", "https://sigstore.verify.ibm.com/oauth2"}
	for _, v := range []struct {
		dir  string
		args []string
	}{
		{"v0.2.0-certificate", []string{"-cert-chain", filepath.Join(keys, "ca-cert.pem")}},
		{"v0.3.1-certificate", []string{"-cert-chain", filepath.Join(keys, "ca-cert.pem")}},
		{"v1.0.0-certificate", []string{"-cert-chain", filepath.Join(keys, "ca-cert.pem")}},
		{"v1.0.1-certificate", []string{"-cert-chain", filepath.Join(keys, "ca-cert.pem"), "-ignore-paths", "ignore-me"}},
		{"v0.3.1-elliptic-key", []string{"-key", filepath.Join(keys, "signing-key-pub.pem"), "-signature", filepath.Join(tests, "v0.3.1-elliptic-key", "model.sig"), "FILE:signme-1"}},
		{"v1.0.0-elliptic-key", []string{"-key", filepath.Join(keys, "signing-key-pub.pem"), "-signature", filepath.Join(tests, "v1.0.0-elliptic-key", "model.sig"), "FILE:signme-1"}},
		{"v1.0.1-elliptic-key", []string{"-key", filepath.Join(keys, "signing-key-pub.pem"), "-ignore-paths", "ignore-me"}},
		{"v0.3.1-sigstore", keyless},
		{"v1.0.0-sigstore", keyless},
		{"v1.0.1-sigstore", append([]string{"-ignore-paths", "ignore-me"}, keyless...)},
	} {
		t.Run(v.dir, func(t *testing.T) {
			model := filepath.Join(tests, v.dir)
			args := v.args
			if last := args[len(args)-1]; strings.HasPrefix(last, "FILE:") {
				model = filepath.Join(model, strings.TrimPrefix(last, "FILE:"))
				args = args[:len(args)-1]
			}
			code, out := runVerify(t, append(append([]string{}, args...), model)...)
			if code != exitVerified || !strings.HasPrefix(out, "VERIFIED") {
				t.Errorf("exit %d:\n%s", code, out)
			}
		})
	}
	// Without the ignore path upstream passes, the unsigned file fails it.
	code, out := runVerify(t, "-cert-chain", filepath.Join(keys, "ca-cert.pem"), filepath.Join(tests, "v1.0.1-certificate"))
	if code != exitFailed || !strings.Contains(out, "integrity.unlisted") || !strings.Contains(out, "-ignore-paths ignore-me") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	// As upstream, -ignore-unsigned-files checks only the files signed.
	code, out = runVerify(t, "-ignore-unsigned-files", "-cert-chain", filepath.Join(keys, "ca-cert.pem"), filepath.Join(tests, "v1.0.1-certificate"))
	if code != exitVerified || !strings.Contains(out, "1 unsigned file(s) ignored") {
		t.Errorf("-ignore-unsigned-files: exit %d:\n%s", code, out)
	}
	// The wrong signer is not trusted.
	code, out = runVerify(t, "-trusted-root", keyless[1], "-identity", "mallory@example.com", "-issuer", keyless[5], filepath.Join(tests, "v1.0.0-sigstore"))
	if code != exitFailed || !strings.Contains(out, "signature.untrusted") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// TestSignedRelease verifies a release signed by integrity.Sign, then
// the same release tampered with.
func TestSignedRelease(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "model")
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "model.safetensors"), bytes.Repeat([]byte("w"), 5000), 0o644)
	os.WriteFile(filepath.Join(dir, "sub", "config.json"), []byte("{}"), 0o644)
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := integrity.Sign(context.Background(), dir, integrity.Signer{Key: k}, integrity.SignOptions{Method: integrity.MethodShards, ShardSize: 1024}); err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(k.Public())
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644)

	code, out := runVerify(t, "-json", "-key", keyFile, dir)
	if code != exitVerified {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	var js struct {
		Verified  bool
		Signature struct {
			Method  string
			KeyHint string `json:"key_hint"`
		}
		Files []struct{ Path string }
	}
	if err := json.Unmarshal([]byte(out), &js); err != nil || !js.Verified || js.Signature.Method != "key" || js.Signature.KeyHint == "" || len(js.Files) != 2 {
		t.Errorf("json %+v (%v):\n%s", js, err, out)
	}
	f, _ := os.OpenFile(filepath.Join(dir, "model.safetensors"), os.O_WRONLY, 0)
	f.WriteAt([]byte("X"), 4321)
	f.Close()
	code, out = runVerify(t, "-key", keyFile, dir)
	if code != exitFailed || !strings.Contains(out, "integrity.mismatch") || !strings.Contains(out, "model.safetensors:4096:5000") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestUsage(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{},
		{dir},                                    // nothing trusted
		{"-key", "/nonexistent", dir},            // unreadable key
		{"-identity", "a@b.c", "-key", "k", dir}, // identity without issuer
		{"-bogus", dir},
	} {
		if code, out := runVerify(t, args...); code != exitUsage {
			t.Errorf("%q: exit %d:\n%s", args, code, out)
		}
	}
	if code, _ := runVerify(t, "-h"); code != exitVerified {
		t.Errorf("-h: exit %d, want 0", code)
	}
	keyFile := filepath.Join(dir, "k.pem")
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(k.Public())
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644)
	if code, out := runVerify(t, "-key", keyFile, filepath.Join(dir, "missing")); code != exitError {
		t.Errorf("missing model: exit %d:\n%s", code, out)
	}
	// A model without its signature fails verification.
	if code, out := runVerify(t, "-key", keyFile, dir); code != exitFailed || !strings.Contains(out, "signature.missing") {
		t.Errorf("unsigned model: exit %d:\n%s", code, out)
	}
}

// TestProgressBarOnlyOnTerminals draws nothing into pipes and logs.
func TestProgressBarOnlyOnTerminals(t *testing.T) {
	if cli.ProgressBar(&bytes.Buffer{}) != nil {
		t.Error("a progress bar for a buffer")
	}
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if cli.ProgressBar(f) != nil {
		t.Error("a progress bar for a regular file")
	}
}
