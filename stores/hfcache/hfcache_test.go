package hfcache

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelvet/modelvet/internal/testmodel"
)

func TestParseRepoFolder(t *testing.T) {
	for name, want := range map[string]string{
		"models--deepseek-ai--DeepSeek-R1": "models deepseek-ai/DeepSeek-R1",
		"models--gpt2":                     "models gpt2",
		"datasets--acme--data":             "datasets acme/data",
		"spaces--a--b":                     "spaces a/b",
		"models--a--b--c":                  "",
		"models--":                         "",
		"model--a--b":                      "",
		"models----b":                      "",
	} {
		kind, repo, ok := ParseRepoFolder(name)
		got := ""
		if ok {
			got = kind + " " + repo
		}
		if got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func writeRepo(t *testing.T, cache string) *testmodel.HFRepoLayout {
	t.Helper()
	lay, err := testmodel.WriteHFRepo(cache, testmodel.HFRepo{
		ID: "acme/tiny",
		Revisions: []testmodel.HFRevision{
			{Refs: []string{"v1.0", "pr/3"}, Files: map[string][]byte{"README.md": []byte("old\n"), "model.safetensors": testmodel.TinySafetensors()}},
			{Refs: []string{"main"}, Files: map[string][]byte{"README.md": []byte("new\n")}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return lay
}

func TestRepoFolderAndSnapshots(t *testing.T) {
	cache := t.TempDir()
	lay := writeRepo(t, cache)
	testmodel.WriteHFRepo(cache, testmodel.HFRepo{ID: "acme/data", Kind: "datasets", Revisions: []testmodel.HFRevision{{Refs: []string{"main"}, Files: map[string][]byte{"x": []byte("x")}}}})
	os.Mkdir(filepath.Join(cache, "models--empty"), 0o755) // no snapshots/ or refs/
	if kind, repo, ok := IsRepoFolder(lay.Dir); !ok || kind != "models" || repo != "acme/tiny" {
		t.Errorf("IsRepoFolder = %s %s %v", kind, repo, ok)
	}
	if _, _, ok := IsRepoFolder(filepath.Join(cache, "models--empty")); ok {
		t.Error("a folder without snapshots or refs is a repository folder")
	}
	if n := CountModelRepos(cache); n != 1 {
		t.Errorf("CountModelRepos = %d", n)
	}
	snaps, err := Snapshots(lay.Dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{lay.Commits[0]: {"pr/3", "v1.0"}, lay.Commits[1]: {"main"}}
	if len(snaps) != 2 {
		t.Fatalf("snapshots %+v", snaps)
	}
	for _, s := range snaps {
		if !slices.Equal(s.Refs, want[s.Commit]) || !IsCommit(s.Commit) {
			t.Errorf("snapshot %+v", s)
		}
	}
}

func TestResolve(t *testing.T) {
	lay := writeRepo(t, t.TempDir())
	old, main := lay.Commits[0], lay.Commits[1]
	for rev, want := range map[string]string{"": main, "main": main, "v1.0": old, "pr/3": old, old: old} {
		if got, err := Resolve(lay.Dir, rev); err != nil || got != want {
			t.Errorf("Resolve(%q) = %s, %v; want %s", rev, got, err, want)
		}
	}
	if _, err := Resolve(lay.Dir, "nope"); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), `revision "nope" is neither a snapshot nor a ref`) {
		t.Errorf("unknown revision: %v", err)
	}
	for _, bad := range []string{"../../etc", "refs/../../x", "/abs", "a//b", "a\\b"} {
		if _, err := Resolve(lay.Dir, bad); err == nil || errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "invalid revision") {
			t.Errorf("revision %q: %v", bad, err)
		}
	}
	// Without refs/main, the newest snapshot; without snapshots, nothing.
	os.Remove(filepath.Join(lay.Dir, "refs", "main"))
	now := time.Now()
	os.Chtimes(filepath.Join(lay.Dir, "snapshots", old), now, now)
	os.Chtimes(filepath.Join(lay.Dir, "snapshots", main), now.Add(-time.Hour), now.Add(-time.Hour))
	if got, err := Resolve(lay.Dir, ""); err != nil || got != old {
		t.Errorf("newest snapshot = %s, %v; want %s", got, err, old)
	}
	os.RemoveAll(filepath.Join(lay.Dir, "snapshots"))
	if _, err := Resolve(lay.Dir, ""); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "no refs/main and no snapshot") {
		t.Errorf("no snapshot: %v", err)
	}
	// A ref that does not hold a commit is no revision.
	os.WriteFile(filepath.Join(lay.Dir, "refs", "v1.0"), []byte("not a commit\n"), 0o644)
	if _, err := Resolve(lay.Dir, "v1.0"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("bad ref: %v", err)
	}
}

func TestBlobDigest(t *testing.T) {
	sha256 := strings.Repeat("Ab", 32)
	sha1 := strings.Repeat("c", 40)
	for name, want := range map[string]string{
		sha256:                  "sha256 " + strings.ToLower(sha256),
		sha1:                    "git-sha1 " + sha1,
		sha256 + ".incomplete":  "",
		strings.Repeat("g", 40): "",
		"":                      "",
	} {
		alg, d, ok := BlobDigest(name)
		got := ""
		if ok {
			got = alg + " " + d
		}
		if got != want {
			t.Errorf("BlobDigest(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestIncomplete(t *testing.T) {
	lay := writeRepo(t, t.TempDir())
	if first, n := Incomplete(lay.Dir); n != 0 || first != nil {
		t.Errorf("complete cache: %q, %d", first, n)
	}
	for i := range 6 {
		name := strings.Repeat(string(rune('a'+i)), 64) + ".incomplete"
		os.WriteFile(filepath.Join(lay.Dir, "blobs", name), []byte("part"), 0o644)
	}
	os.Mkdir(filepath.Join(lay.Dir, "blobs", "dir.incomplete"), 0o755)
	first, n := Incomplete(lay.Dir)
	if n != 6 || len(first) != 4 || !strings.HasPrefix(first[0], "blobs/") || !strings.HasSuffix(first[0], ".incomplete") {
		t.Errorf("Incomplete = %q, %d", first, n)
	}
}

func TestLocations(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, env := range []string{"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"} {
		t.Setenv(env, "")
	}
	check := func(path, from string) {
		t.Helper()
		if got := Locations(); len(got) != 1 || got[0].Path != path || got[0].From != from {
			t.Errorf("Locations = %+v, want %s from %s", got, path, from)
		}
	}
	check(filepath.Join(home, ".cache", "huggingface", "hub"), "default")
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	check(filepath.Join("/xdg", "huggingface", "hub"), "XDG_CACHE_HOME")
	t.Setenv("HF_HOME", "/hf")
	check(filepath.Join("/hf", "hub"), "HF_HOME")
	t.Setenv("HUGGINGFACE_HUB_CACHE", "/old")
	check("/old", "HUGGINGFACE_HUB_CACHE")
	t.Setenv("HF_HUB_CACHE", "/new")
	check("/new", "HF_HUB_CACHE")
}
