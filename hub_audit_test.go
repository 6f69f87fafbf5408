package modelvet_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet"
	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/hub"
	"github.com/modelvet/modelvet/integrity"
	"github.com/modelvet/modelvet/internal/hubtest"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/manifest"
)

// findingLines lists a report's findings as code, severity, subject and
// message, with the release's own name replaced so that a release read
// from disk and from the Hub compare.
func findingLines(rep *modelvet.Report) []string {
	var out []string
	name := rep.Subject.Name
	for _, f := range rep.Findings {
		subject := strings.ReplaceAll(f.Subject, name, "<release>")
		msg := strings.ReplaceAll(f.Message, name, "<release>")
		out = append(out, fmt.Sprintf("%s %s %s: %s", f.Code, f.Severity, subject, msg))
	}
	return out
}

// TestHubAuditSameAsDisk audits one release on disk and served by a fake
// Hub, and requires the same findings and verdict.
func TestHubAuditSameAsDisk(t *testing.T) {
	repo := hubtest.ExampleRepo()
	dir := hubtest.WriteDir(t, repo)
	srv := hubtest.New(t, repo, hubtest.ExampleBaseRepo())
	local := auditDir(t, dir)
	src, err := manifest.Hub("acme/chat-7b", manifest.HubOptions{Options: hub.Options{Endpoint: srv.URL(), NoToken: true}})
	if err != nil {
		t.Fatal(err)
	}
	remote, err := modelvet.Audit(context.Background(), src, modelvet.WithClock(fixedClock), modelvet.WithoutHashingUnsafe())
	if err != nil {
		t.Fatal(err)
	}
	// One difference is expected: the Hub release knows its repository id,
	// so the audited model's developer (its organisation) is established;
	// a plain directory named chat-7b does not say it.
	lf, rf := findingLines(local), findingLines(remote)
	own := "provenance.origin info <release>: <release> was developed by acme"
	if i := slices.IndexFunc(rf, func(s string) bool { return strings.HasPrefix(s, own) }); i >= 0 && !slices.ContainsFunc(lf, func(s string) bool { return strings.HasPrefix(s, own) }) {
		rf = slices.Delete(rf, i, i+1)
	} else {
		t.Errorf("the Hub audit does not name the audited model's developer")
	}
	if !slices.Equal(lf, rf) {
		t.Errorf("findings differ:\ndisk:\n  %s\nhub:\n  %s", strings.Join(lf, "\n  "), strings.Join(rf, "\n  "))
	}
	if local.Verdict != remote.Verdict {
		t.Errorf("verdict: disk %s, hub %s", local.Verdict, remote.Verdict)
	}
	if remote.Subject.Name != "acme/chat-7b" || remote.Subject.Kind != "hf-hub" || remote.Subject.Revision != repo.SHA {
		t.Errorf("subject = %+v", remote.Subject)
	}
	if !slices.Equal(local.Subject.Formats, remote.Subject.Formats) || len(local.Files) != len(remote.Files) {
		t.Errorf("formats %v vs %v, %d vs %d files", local.Subject.Formats, remote.Subject.Formats, len(local.Files), len(remote.Files))
	}
	// The Hub's LFS digests reach the report's file list.
	for _, f := range remote.Files {
		if strings.HasSuffix(f.Path, ".safetensors") && !strings.HasPrefix(f.Digest, "sha256:") {
			t.Errorf("%s: no published digest in the report", f.Path)
		}
	}
}

// TestHubAuditFailures checks that a repository that cannot be read fails
// the audit with a clear error, and one whose files are refused is audited
// with findings saying which files and why.
func TestHubAuditFailures(t *testing.T) {
	gated := hubtest.ExampleRepo()
	gated.Gated = "manual"
	srv := hubtest.New(t, gated)
	audit := func(ref string) (*modelvet.Report, error) {
		src, err := manifest.Hub(ref, manifest.HubOptions{Options: hub.Options{Endpoint: srv.URL(), NoToken: true, Retries: -1}})
		if err != nil {
			t.Fatal(err)
		}
		return modelvet.Audit(context.Background(), src, modelvet.WithClock(fixedClock), modelvet.WithoutHashingUnsafe())
	}
	if _, err := audit("acme/missing"); !errors.Is(err, manifest.ErrNotFound) || !strings.Contains(err.Error(), "hf:acme/missing: repository acme/missing not found") {
		t.Errorf("missing repository: %v", err)
	}
	rep, err := audit("acme/chat-7b")
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, f := range rep.Findings {
		if f.Code == "format.malformed" && strings.Contains(f.Message, "is gated") && strings.Contains(f.Message, "HF_TOKEN") {
			refused++
		}
	}
	if refused == 0 || rep.Verdict == modelvet.Pass {
		t.Errorf("gated repository: %d refusal findings, verdict %s", refused, rep.Verdict)
	}
}

// signedHubRepo returns a fresh copy of the example repository with its
// stub signature replaced by a real one, made with a new key over the
// release as written to disk, and LFS digests that are those of the whole
// content, as the Hub publishes them; and the trust that accepts the key.
func signedHubRepo(t *testing.T, opts integrity.SignOptions) (func() *hubtest.Repo, integrity.Trust) {
	t.Helper()
	unsigned := func() *hubtest.Repo {
		r := hubtest.ExampleRepo()
		r.Files = slices.DeleteFunc(r.Files, func(f *hubtest.File) bool { return f.Path == "model.sig" })
		return r
	}
	dir := hubtest.WriteDir(t, unsigned())
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	opts.Output = filepath.Join(t.TempDir(), "model.sig")
	bundle, err := integrity.Sign(context.Background(), dir, integrity.Signer{Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	digests := map[string]string{}
	for _, f := range unsigned().Files {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		digests[f.Path] = hex.EncodeToString(sum[:])
	}
	der, _ := x509.MarshalPKIXPublicKey(key.Public())
	trust := integrity.Trust{PublicKeys: [][]byte{pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})}}
	return func() *hubtest.Repo {
		r := unsigned()
		for _, f := range r.Files {
			if f.LFS {
				f.SHA256 = digests[f.Path]
			}
		}
		r.Files = append(r.Files, &hubtest.File{Path: "model.sig", Data: bundle})
		return r
	}, trust
}

// auditSignedHub audits r, served by a fake Hub whose requests fault may
// answer first, trusting trust.
func auditSignedHub(t *testing.T, r *hubtest.Repo, fault func(string, http.ResponseWriter, *http.Request) bool, trust integrity.Trust) *modelvet.Report {
	t.Helper()
	srv := hubtest.New(t, r)
	srv.SetFault(fault)
	src, err := manifest.Hub("acme/chat-7b", manifest.HubOptions{Options: hub.Options{Endpoint: srv.URL(), NoToken: true, Retries: -1}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := modelvet.Audit(context.Background(), src, modelvet.WithClock(fixedClock), modelvet.WithTrust(trust))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestHubAuditVerifiesSignature audits a signed repository remotely: the
// signature is downloaded and verified, the files the audit downloads are
// checked against it by their bytes, the weights by the digests the Hub
// publishes, and every way the repository can differ from what was signed
// is reported.
func TestHubAuditVerifiesSignature(t *testing.T) {
	repo, trust := signedHubRepo(t, integrity.SignOptions{})
	audit := func(r *hubtest.Repo, fault func(string, http.ResponseWriter, *http.Request) bool) *modelvet.Report {
		t.Helper()
		return auditSignedHub(t, r, fault, trust)
	}
	integrityFindings := func(rep *modelvet.Report) []string {
		var out []string
		for _, f := range rep.Findings {
			if g := f.Code.Group(); (g == "integrity" || g == "signature") && f.Code != finding.IntegrityUnverified {
				out = append(out, fmt.Sprintf("%s %s", f.Code, f.Subject))
			}
		}
		slices.Sort(out)
		return out
	}

	t.Run("intact", func(t *testing.T) {
		rep := audit(repo(), nil)
		sig := rep.Integrity.Signature
		if sig == nil || !sig.Verified || sig.Method != "key" {
			t.Fatalf("signature = %+v", sig)
		}
		if got := integrityFindings(rep); len(got) > 0 {
			t.Errorf("findings on an intact signed repository: %v", got)
		}
		files := sig.Checked[len(sig.Checked)-1]
		// Four weight files are in LFS, checked by the digests the Hub
		// publishes; the seven others are downloaded and hashed.
		if !strings.HasPrefix(files, "files: ok (11 signed, 7 verified,") || !strings.Contains(files, "4 match the digest the Hub publishes") || strings.Contains(files, "not checked") {
			t.Errorf("files check = %q", files)
		}
		verified := map[string]bool{}
		for _, f := range rep.Files {
			verified[f.Path] = f.Verified
		}
		for _, p := range []string{"README.md", "config.json", "LICENSE", "model.safetensors.index.json", "tokenizer.json", "modeling_acme.py"} {
			if !verified[p] {
				t.Errorf("%s was downloaded whole but is not reported verified", p)
			}
		}
		if verified["model-00001-of-00002.safetensors"] {
			t.Error("a weight file whose bytes were not downloaded is reported verified")
		}
	})

	t.Run("weights published with another digest", func(t *testing.T) {
		r := repo()
		for _, f := range r.Files {
			if f.Path == "model-00002-of-00002.safetensors" {
				f.SHA256 = strings.Repeat("ab", 32)
			}
		}
		rep := audit(r, nil)
		if got := integrityFindings(rep); !slices.Equal(got, []string{"integrity.mismatch model-00002-of-00002.safetensors"}) {
			t.Errorf("findings = %v", got)
		}
		if rep.Verdict == modelvet.Pass {
			t.Error("verdict PASS")
		}
	})

	t.Run("card changed after signing", func(t *testing.T) {
		r := repo()
		for _, f := range r.Files {
			if f.Path == "README.md" {
				f.Data = append(slices.Clone(f.Data), "Now under new terms.\n"...)
			}
		}
		if got := integrityFindings(audit(r, nil)); !slices.Equal(got, []string{"integrity.mismatch README.md"}) {
			t.Errorf("findings = %v", got)
		}
	})

	t.Run("served bytes differ from the listing", func(t *testing.T) {
		r := repo()
		var card []byte
		for _, f := range r.Files {
			if f.Path == "config.json" {
				card = bytes.Replace(f.Data, []byte("llama"), []byte("LLAMA"), 1)
			}
		}
		rep := audit(r, func(_ string, w http.ResponseWriter, req *http.Request) bool {
			if !strings.HasSuffix(req.URL.Path, "/config.json") {
				return false
			}
			w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-%d/%d", len(card)-1, len(card)))
			w.WriteHeader(http.StatusPartialContent)
			w.Write(card)
			return true
		})
		var listing, signed bool
		for _, f := range rep.Findings {
			if f.Code == finding.IntegrityMismatch && f.Subject == "config.json" {
				listing = listing || strings.Contains(f.Message, "published")
				signed = signed || strings.Contains(f.Message, "signed")
			}
		}
		if !listing || !signed {
			t.Errorf("config.json served altered: against the listing %v, against the signature %v; findings %v", listing, signed, findingLines(rep))
		}
	})

	t.Run("files added and removed", func(t *testing.T) {
		r := repo()
		r.Files = slices.DeleteFunc(r.Files, func(f *hubtest.File) bool { return f.Path == "tokenizer.json" })
		r.Files = append(r.Files, hubtest.NewFile("extra.safetensors", hubtest.Safetensors([]hubtest.Tensor{{Name: "x", DType: "F16", Shape: []int64{2}}}, nil)))
		got := integrityFindings(audit(r, nil))
		want := []string{"integrity.missing tokenizer.json", "integrity.unlisted extra.safetensors"}
		if !slices.Equal(got, want) {
			t.Errorf("findings = %v, want %v", got, want)
		}
	})

	t.Run("signature too large to download", func(t *testing.T) {
		r := repo()
		for _, f := range r.Files {
			if f.Path == "model.sig" {
				f.Size = limits.MaxSignatureBytes + 1 // the bytes past Data read as zeros
			}
		}
		rep := audit(r, nil)
		sig := rep.Integrity.Signature
		if sig == nil || !sig.Present || sig.Verified || len(sig.Checked) != 0 || !strings.Contains(sig.Error, "not downloaded") {
			t.Errorf("signature = %+v", sig)
		}
		if got := integrityFindings(rep); len(got) != 0 {
			t.Errorf("findings = %v", got)
		}
	})

	t.Run("BLAKE2b signature", func(t *testing.T) {
		// The Hub publishes only SHA-256 digests: the downloaded files are
		// hashed in the signature's algorithm, the weights cannot be checked.
		repo, trust := signedHubRepo(t, integrity.SignOptions{HashType: integrity.BLAKE2b})
		rep := auditSignedHub(t, repo(), nil, trust)
		sig := rep.Integrity.Signature
		files := sig.Checked[len(sig.Checked)-1]
		if !sig.Verified || !strings.HasPrefix(files, "files: ok (11 signed, 7 verified,") || !strings.Contains(files, "4 not checked") {
			t.Errorf("files check = %q", files)
		}
	})

	t.Run("untrusted key", func(t *testing.T) {
		srv := hubtest.New(t, repo())
		src, _ := manifest.Hub("acme/chat-7b", manifest.HubOptions{Options: hub.Options{Endpoint: srv.URL(), NoToken: true}})
		rep, err := modelvet.Audit(context.Background(), src, modelvet.WithClock(fixedClock))
		if err != nil {
			t.Fatal(err)
		}
		if got := integrityFindings(rep); !slices.Equal(got, []string{"signature.untrusted model.sig"}) {
			t.Errorf("findings = %v", got)
		}
	})
}
