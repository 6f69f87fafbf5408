package integrity

import (
	"context"
	"crypto/elliptic"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelvet/modelvet/finding"
)

func TestIgnoreRules(t *testing.T) {
	var s ignoreSet
	for _, p := range []string{".git", "sub/x", "/abs", "../up", "a/../../b", "c/./d/"} {
		s.add(p, ignoreRecorded)
	}
	for p, want := range map[string]bool{
		".git": true, ".git/config": true, "sub/.git": false, "sub/x": true, "sub/x/y": true, "sub/xy": false,
		"abs": false, "up": false, "b": false, "c/d": true, "c/d/e": true,
	} {
		if _, got := s.match(p); got != want {
			t.Errorf("match(%q) = %v, want %v", p, got, want)
		}
	}
	var all ignoreSet
	all.add(".", ignoreRecorded)
	if _, ok := all.match("any/file"); !ok {
		t.Error(`"." does not leave out everything`)
	}
}

func TestListModel(t *testing.T) {
	dir := writeModel(t, map[string]string{"a": "1", ".hidden/b": "2", ".git/HEAD": "ref", "sub/.git": "not at the root"})
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "f"), []byte("x"), 0o644)
	os.Symlink("a", filepath.Join(dir, "in-link"))
	os.Symlink(filepath.Join(outside, "f"), filepath.Join(dir, "out-link"))
	os.Symlink(outside, filepath.Join(dir, "dir-link"))
	os.Symlink("missing", filepath.Join(dir, "broken"))
	var ign ignoreSet
	for _, p := range defaultIgnorePaths {
		ign.add(p, ignoreDefault)
	}
	files, err := listModel(context.Background(), dir, dir, ign)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]localFile{}
	var order []string
	for _, f := range files {
		got[f.Path] = f
		order = append(order, f.Path)
	}
	want := []string{".git", ".hidden/b", "a", "broken", "dir-link", "in-link", "out-link", "sub/.git"}
	if len(order) != len(want) {
		t.Fatalf("listed %q, want %q", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("listed %q, want %q", order, want)
		}
	}
	if got[".git"].Ignored == nil || got["sub/.git"].Ignored != nil {
		t.Error("the git default applies at the root only")
	}
	if f := got["in-link"]; !f.Symlink || f.Problem != "" || f.Size != 1 {
		t.Errorf("in-link %+v", f)
	}
	for _, p := range []string{"out-link", "dir-link", "broken"} {
		if got[p].Problem == "" {
			t.Errorf("%s has no problem", p)
		}
	}
}

// TestVerifySymlinkRules signs with allow_symlinks and checks that links
// inside the model verify, while a link to a directory is reported.
func TestVerifySymlinkRules(t *testing.T) {
	dir := writeModel(t, map[string]string{"weights/model.bin": "w", "config.json": "{}"})
	os.Symlink("weights/model.bin", filepath.Join(dir, "model.bin"))
	k := newKey(t, elliptic.P256())
	if _, err := Sign(context.Background(), dir, Signer{Key: k}, SignOptions{AllowSymlinks: true}); err != nil {
		t.Fatal(err)
	}
	res, err := Verify(context.Background(), openRelease(t, dir), VerifyOptions{Trust: keyTrust(t, k)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 {
		t.Fatalf("findings %v", res.Findings)
	}
	os.Symlink("weights", filepath.Join(dir, "more"))
	res, _ = Verify(context.Background(), openRelease(t, dir), VerifyOptions{Trust: keyTrust(t, k)})
	wantCodes(t, res, map[finding.Code][]string{finding.IntegrityUnlisted: {"more"}})
}

// TestVerifySingleFileNaming accepts a single-file model whose resource is
// named by the file (as the Go port writes) besides the reference's ".".
func TestVerifySingleFileNaming(t *testing.T) {
	dir := writeModel(t, map[string]string{"model.gguf": "gguf"})
	file := filepath.Join(dir, "model.gguf")
	e := &tamperEnv{t: t, sig: filepath.Join(t.TempDir(), "model.sig")}
	k := newKey(t, elliptic.P256())
	e.kp, _ = newKeypair(k)
	rs := []Resource{{Name: "model.gguf", Path: "model.gguf", Algorithm: SHA256, Digest: referenceDigest(SHA256, []byte("gguf"))}}
	e.resign(statementJSON("model.gguf", rootDigest(rs), Serialization{Method: MethodFiles, HashType: SHA256}, rs))
	res, err := Verify(context.Background(), openRelease(t, file), VerifyOptions{Trust: keyTrust(t, k), Signature: e.sig})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 || res.Verified != 1 {
		t.Fatalf("findings %v; checks %q", res.Findings, res.Signature.CheckStrings())
	}
	// In the directory holding it, the name means the file in it.
	res, _ = Verify(context.Background(), openRelease(t, dir), VerifyOptions{Trust: keyTrust(t, k), Signature: e.sig})
	if len(res.Findings) != 0 {
		t.Errorf("findings %v", res.Findings)
	}
	// A signature of the single file (".") does not cover a directory.
	rs[0].Name, rs[0].Path = ".", "."
	e.resign(statementJSON("model.gguf", rootDigest(rs), Serialization{Method: MethodFiles, HashType: SHA256}, rs))
	res, _ = Verify(context.Background(), openRelease(t, dir), VerifyOptions{Trust: keyTrust(t, k), Signature: e.sig})
	wantCodes(t, res, map[finding.Code][]string{finding.IntegrityMissing: {"."}, finding.IntegrityUnlisted: {"model.gguf"}})
}

// TestVerifyRecordedIgnoreEverything: a signature whose ignore_paths is
// "." covers nothing, and every file is reported as not vouched for.
func TestVerifyRecordedIgnoreEverything(t *testing.T) {
	dir := writeModel(t, map[string]string{"a": "1", "b/c": "2"})
	k := newKey(t, elliptic.P256())
	e := &tamperEnv{t: t, sig: filepath.Join(dir, "model.sig")}
	e.kp, _ = newKeypair(k)
	e.resign(statementJSON("model", rootDigest(nil), Serialization{Method: MethodFiles, HashType: SHA256, IgnorePaths: []string{"."}}, nil))
	res, err := Verify(context.Background(), openRelease(t, dir), VerifyOptions{Trust: keyTrust(t, k)})
	if err != nil {
		t.Fatal(err)
	}
	// The walk stops at the top-level entries the rule leaves out.
	wantCodes(t, res, map[finding.Code][]string{finding.IntegrityUnlisted: {"a", "b"}})
}
