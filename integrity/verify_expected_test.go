package integrity

import (
	"context"
	"crypto/elliptic"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/manifest"
)

func sha256Hex(s string) string {
	d := sha256.Sum256([]byte(s))
	return hex.EncodeToString(d[:])
}

func gitSHA1Hex(s string) string {
	h := sha1.New()
	h.Write([]byte("blob " + strconv.Itoa(len(s)) + "\x00" + s))
	return hex.EncodeToString(h.Sum(nil))
}

// hfCache lays out a Hugging Face cache repository: blobs named by their
// digest (SHA-256 for LFS files, the Git blob id for the others) and a
// snapshot of symbolic links to them, and returns the release a cache
// source describes, with every file's expected digest.
func hfCache(t *testing.T, lfs, regular map[string]string) *manifest.Release {
	t.Helper()
	repo := filepath.Join(t.TempDir(), "models--org--name")
	snap := filepath.Join(repo, "snapshots", "0123abcd")
	blobs := filepath.Join(repo, "blobs")
	for _, d := range []string{snap, blobs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	rel := &manifest.Release{Name: "org/name", Kind: manifest.KindHFCache, Root: snap, Source: snap}
	add := func(path, content, alg, digest string) {
		blob := filepath.Join(blobs, digest)
		if err := os.WriteFile(blob, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(snap, filepath.FromSlash(path))
		os.MkdirAll(filepath.Dir(link), 0o755)
		target, _ := filepath.Rel(filepath.Dir(link), blob)
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		rel.Files = append(rel.Files, &manifest.File{Path: path, Size: int64(len(content)), LocalPath: blob, Symlink: true,
			Expected: []manifest.Expectation{{Algorithm: alg, Digest: digest, Size: -1, Source: "hf-cache"}}})
	}
	for p, c := range lfs {
		add(p, c, SHA256, sha256Hex(c))
	}
	for p, c := range regular {
		add(p, c, GitSHA1, gitSHA1Hex(c))
	}
	sortRelease(rel)
	return rel
}

func sortRelease(rel *manifest.Release) {
	for i := range rel.Files {
		for j := i + 1; j < len(rel.Files); j++ {
			if rel.Files[j].Path < rel.Files[i].Path {
				rel.Files[i], rel.Files[j] = rel.Files[j], rel.Files[i]
			}
		}
	}
}

func verifyFiles(t *testing.T, rel *manifest.Release, opts VerifyOptions) *Result {
	t.Helper()
	res, err := VerifyFiles(context.Background(), rel, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

var cacheLFS = map[string]string{"model.safetensors": "lfs weights", "sub/adapter.safetensors": "adapter weights"}
var cacheRegular = map[string]string{"config.json": `{"a": 1}`, "README.md": "# card"}

func TestVerifyFilesCache(t *testing.T) {
	rel := hfCache(t, cacheLFS, cacheRegular)
	res := verifyFiles(t, rel, VerifyOptions{})
	if len(res.Findings) != 0 || res.Verified != 4 || res.Hashed != 4 {
		t.Fatalf("findings %v, %d verified, %d hashed", res.Findings, res.Verified, res.Hashed)
	}
	for _, f := range res.Files {
		if f.Digests[SHA256] == "" || len(f.VerifiedBy) != 1 || f.VerifiedBy[0] != "hf-cache" {
			t.Errorf("%s: %+v", f.Path, f)
		}
	}
}

// TestVerifyFilesReportsEveryBadFile tampers with several cached files at
// once: each is reported, with what was expected and what was found.
func TestVerifyFilesReportsEveryBadFile(t *testing.T) {
	rel := hfCache(t, cacheLFS, cacheRegular)
	find := func(p string) *manifest.File { return rel.File(p) }
	os.WriteFile(find("model.safetensors").LocalPath, []byte("LFS weights"), 0o644) // one byte
	os.WriteFile(find("config.json").LocalPath, []byte(`{"a": 2}`), 0o644)
	// A size published by a Hub listing that disagrees.
	ad := find("sub/adapter.safetensors")
	ad.Expected = append(ad.Expected, manifest.Expectation{Algorithm: SHA256, Digest: sha256Hex("adapter weights"), Size: 999, Source: "hf-hub"})
	// A file listed but gone, and one present but listed nowhere.
	gone := &manifest.File{Path: "tokenizer.json", Expected: []manifest.Expectation{{Algorithm: GitSHA1, Digest: gitSHA1Hex("x"), Size: -1, Source: "hf-cache"}}}
	extra := filepath.Join(rel.Root, "extra.bin")
	os.WriteFile(extra, []byte("planted"), 0o644)
	rel.Files = append(rel.Files, gone, &manifest.File{Path: "extra.bin", Size: 7, LocalPath: extra})
	sortRelease(rel)

	res := verifyFiles(t, rel, VerifyOptions{})
	wantCodes(t, res, map[finding.Code][]string{
		finding.IntegrityMismatch: {"config.json", "model.safetensors", "sub/adapter.safetensors"},
		finding.IntegrityMissing:  {"tokenizer.json"},
		finding.IntegrityUnlisted: {"extra.bin"},
	})
	for _, f := range res.Findings {
		if f.Subject == "model.safetensors" {
			if len(f.Evidence) != 1 || f.Evidence[0].Field != "hf-cache sha256" || f.Confidence != finding.Verified || f.Severity != "" {
				t.Errorf("evidence %+v", f)
			}
		}
		if f.Subject == "sub/adapter.safetensors" && (len(f.Evidence) != 1 || f.Evidence[0].Field != "hf-hub size") {
			t.Errorf("evidence %+v", f.Evidence)
		}
	}
	if res.Verified != 1 { // README.md
		t.Errorf("%d verified", res.Verified)
	}
}

func TestVerifyFilesNothingToCompare(t *testing.T) {
	dir := writeModel(t, map[string]string{"model.safetensors": "w"})
	res := verifyFiles(t, openRelease(t, dir), VerifyOptions{})
	wantCodes(t, res, map[finding.Code][]string{finding.IntegrityUnverified: {"model"}})
	if res.Hashed != 1 || res.Files[0].Digests[SHA256] != sha256Hex("w") {
		t.Errorf("not hashed: %+v", res.Files)
	}
}

func TestVerifyWithoutHashing(t *testing.T) {
	rel := hfCache(t, cacheLFS, cacheRegular)
	os.WriteFile(rel.File("model.safetensors").LocalPath, []byte("LFS weights"), 0o644)
	rel.File("config.json").Expected[0].Size = 3
	res := verifyFiles(t, rel, VerifyOptions{WithoutHashingUnsafe: true})
	// The changed bytes go unseen; the published size does not.
	wantCodes(t, res, map[finding.Code][]string{finding.IntegrityMismatch: {"config.json"}, finding.IntegrityUnverified: {"org/name"}})
	if res.Hashed != 0 {
		t.Errorf("%d hashed", res.Hashed)
	}
}

// TestVerifyUnhashedSignature checks that Verify without hashing records
// the release's signature as present but not checked, and reports it as
// missing only for a caller that requires a verified one; with hashing,
// the same signature verifies and satisfies that caller.
func TestVerifyUnhashedSignature(t *testing.T) {
	k := newKey(t, elliptic.P256())
	dir := writeModel(t, map[string]string{"model.safetensors": "weights", "config.json": `{"a": 1}`})
	if _, err := Sign(context.Background(), dir, Signer{Key: k}, SignOptions{}); err != nil {
		t.Fatal(err)
	}
	verify := func(opts VerifyOptions) *Result {
		t.Helper()
		opts.Trust, opts.RequireSignature = keyTrust(t, k), true
		res, err := Verify(context.Background(), openRelease(t, dir), opts)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := verify(VerifyOptions{WithoutHashingUnsafe: true})
	if sr := res.Signature; sr == nil || sr.Path != DefaultSignatureName || !sr.Present || len(sr.Checks) != 0 || sr.Err != "not checked: the files were not hashed" {
		t.Fatalf("signature %+v", res.Signature)
	}
	wantCodes(t, res, map[finding.Code][]string{finding.IntegrityUnverified: {"model"}})

	res = verify(VerifyOptions{WithoutHashingUnsafe: true, RequireVerifiedSignature: true})
	wantCodes(t, res, map[finding.Code][]string{finding.IntegrityUnverified: {"model"}, finding.SignatureMissing: {DefaultSignatureName}})
	for _, f := range res.Findings {
		if f.Code == finding.SignatureMissing && (f.Message != "No verified model signature: model.sig is present but was not checked (the files were not hashed), and the policy requires a verified one." || len(f.Evidence) != 1 || f.Evidence[0].Value != "no") {
			t.Errorf("finding %+v", f)
		}
	}

	res = verify(VerifyOptions{RequireVerifiedSignature: true})
	wantCodes(t, res, map[finding.Code][]string{})
	if !res.Signature.Verified || res.Verified != 2 {
		t.Errorf("signature %+v, %d files verified", res.Signature, res.Verified)
	}
}

// TestVerifyUnhashedRequired checks that a caller requiring a verified
// signature is told when there is none to check without hashing, and that
// a signature given by path counts as present but unchecked.
func TestVerifyUnhashedRequired(t *testing.T) {
	k := newKey(t, elliptic.P256())
	dir := writeModel(t, map[string]string{"model.safetensors": "weights"})
	opts := VerifyOptions{Trust: keyTrust(t, k), RequireSignature: true, RequireVerifiedSignature: true, WithoutHashingUnsafe: true}
	res, err := Verify(context.Background(), openRelease(t, dir), opts)
	if err != nil {
		t.Fatal(err)
	}
	wantCodes(t, res, map[finding.Code][]string{finding.IntegrityUnverified: {"model"}, finding.SignatureMissing: {"model"}})

	other := t.TempDir()
	if _, err := Sign(context.Background(), dir, Signer{Key: k}, SignOptions{Output: filepath.Join(other, "elsewhere.sig")}); err != nil {
		t.Fatal(err)
	}
	opts.Signature = filepath.Join(other, "elsewhere.sig")
	res, err = Verify(context.Background(), openRelease(t, dir), opts)
	if err != nil {
		t.Fatal(err)
	}
	if sr := res.Signature; sr == nil || !sr.Present || len(sr.Checks) != 0 {
		t.Fatalf("signature %+v", res.Signature)
	}
	missing := 0
	for _, f := range res.Findings {
		if f.Code == finding.SignatureMissing {
			missing++
			if !strings.Contains(f.Message, "is present but was not checked") {
				t.Errorf("finding %+v", f)
			}
		}
	}
	if missing != 1 {
		t.Errorf("%d signature.missing findings, want 1: %+v", missing, res.Findings)
	}
}

func TestVerifyRemoteRelease(t *testing.T) {
	rel := &manifest.Release{Name: "org/name", Kind: manifest.KindHub, Files: []*manifest.File{{Path: "a", Size: 3, Expected: []manifest.Expectation{{Algorithm: SHA256, Digest: sha256Hex("abc"), Size: 3, Source: "hf-hub"}}}}}
	res := verifyFiles(t, rel, VerifyOptions{})
	wantCodes(t, res, map[finding.Code][]string{finding.IntegrityUnverified: {"org/name"}})
}

// TestVerifySignedCache verifies a signature made over a model, in the
// cache it was downloaded into: the snapshot's links into the blobs are
// the store's layout, not the signer's, and both sources vouch for each
// file.
func TestVerifySignedCache(t *testing.T) {
	k := newKey(t, elliptic.P256())
	plain := writeModel(t, map[string]string{"model.safetensors": "lfs weights", "sub/adapter.safetensors": "adapter weights", "config.json": `{"a": 1}`, "README.md": "# card"})
	sigData, err := Sign(context.Background(), plain, Signer{Key: k}, SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rel := hfCache(t, cacheLFS, cacheRegular)
	sigBlob := filepath.Join(filepath.Dir(filepath.Dir(rel.Root)), "blobs", "sig")
	os.WriteFile(sigBlob, sigData, 0o644)
	os.Symlink(sigBlob, filepath.Join(rel.Root, "model.sig"))
	rel.Signature = &manifest.File{Path: "model.sig", LocalPath: sigBlob, Format: manifest.FormatSignature}
	res, err := Verify(context.Background(), rel, VerifyOptions{Trust: keyTrust(t, k)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 || res.Verified != 4 {
		t.Fatalf("findings %v, %d verified; checks %q", res.Findings, res.Verified, res.Signature.CheckStrings())
	}
	for _, f := range res.Files {
		if len(f.VerifiedBy) != 2 {
			t.Errorf("%s verified by %v", f.Path, f.VerifiedBy)
		}
	}
	// A blob swapped in the cache fails both.
	os.WriteFile(rel.File("README.md").LocalPath, []byte("# edited"), 0o644)
	res, _ = Verify(context.Background(), rel, VerifyOptions{Trust: keyTrust(t, k)})
	wantCodes(t, res, map[finding.Code][]string{finding.IntegrityMismatch: {"README.md", "README.md"}})
}
