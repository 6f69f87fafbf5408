package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelvet/modelvet/formats/pickle"
	"github.com/modelvet/modelvet/internal/testmodel"
)

var tinyCard = []byte("---\nlicense: mit\nbase_model: acme/base\n---\n# Tiny\n")

func writeTinyRepo(t *testing.T, cache string, copies bool) *testmodel.HFRepoLayout {
	t.Helper()
	lay, err := testmodel.WriteHFRepo(cache, testmodel.HFRepo{
		ID:     "acme/tiny-chat",
		Copies: copies,
		Revisions: []testmodel.HFRevision{
			{Refs: []string{"v1.0", "pr/3"}, Files: map[string][]byte{
				"README.md":         []byte("old card\n"),
				"model.safetensors": testmodel.TinySafetensors(),
			}},
			{Refs: []string{"main"}, Files: map[string][]byte{
				"README.md":                 tinyCard,
				"config.json":               []byte(`{"architectures":["LlamaForCausalLM"],"model_type":"llama"}`),
				"model.safetensors":         testmodel.TinySafetensors(),
				"onnx/model.onnx":           {0x08, 0x09, 0x12, 0x07, 'p', 'y', 't', 'o', 'r', 'c', 'h', 0x1a, 0x03, '2', '.', '0'},
				"original/consolidated.pth": testmodel.TorchZip("consolidated", 2, testmodel.FixtureTensors),
				"LICENSE":                   []byte("MIT License\n\nPermission is hereby granted...\n"),
			}, NoExist: []string{"adapter_config.json"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return lay
}

func TestHFCacheMain(t *testing.T) {
	cache := t.TempDir()
	lay := writeTinyRepo(t, cache, false)
	src, err := Parse(lay.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := src.(hfCacheSource); !ok {
		t.Fatalf("Parse(%s) = %T, want an HF cache source", lay.Dir, src)
	}
	rel, err := src.Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	main := lay.Commits[1]
	if rel.Kind != KindHFCache || rel.Repo != "acme/tiny-chat" || rel.Name != "acme/tiny-chat" || rel.Revision != main {
		t.Errorf("release %q repo %q kind %q revision %q", rel.Name, rel.Repo, rel.Kind, rel.Revision)
	}
	if want := filepath.Join(lay.Dir, "snapshots", main); rel.Source != want || rel.Root != want {
		t.Errorf("source %q root %q, want %q", rel.Source, rel.Root, want)
	}
	var paths []string
	for _, f := range rel.Files {
		paths = append(paths, f.Path)
	}
	want := []string{"LICENSE", "README.md", "config.json", "model.safetensors", "onnx/model.onnx", "original/consolidated.pth"}
	if !slices.Equal(paths, want) {
		t.Errorf("files = %q, want %q", paths, want)
	}
	for _, f := range rel.Files {
		if !f.Symlink || len(f.Expected) != 1 {
			t.Errorf("%s: symlink %v expected %+v", f.Path, f.Symlink, f.Expected)
			continue
		}
		e := f.Expected[0]
		blob := lay.Blobs[main+"/"+f.Path]
		if e.Digest != blob || e.Source != "hf-cache" || e.Size != -1 {
			t.Errorf("%s: expectation %+v, blob %s", f.Path, e, blob)
		}
		data, err := os.ReadFile(f.LocalPath)
		if err != nil {
			t.Fatal(err)
		}
		switch e.Algorithm {
		case "sha256":
			if testmodel.SHA256(data) != e.Digest {
				t.Errorf("%s: sha256 blob name does not hash its bytes", f.Path)
			}
		case "git-sha1":
			if testmodel.GitBlobSHA1(data) != e.Digest {
				t.Errorf("%s: git-sha1 blob name does not hash its bytes", f.Path)
			}
		default:
			t.Errorf("%s: algorithm %q", f.Path, e.Algorithm)
		}
	}
	if a := rel.File("model.safetensors").Expected[0].Algorithm; a != "sha256" {
		t.Errorf("LFS file algorithm %q", a)
	}
	if a := rel.File("config.json").Expected[0].Algorithm; a != "git-sha1" {
		t.Errorf("small file algorithm %q", a)
	}
	if rel.Card == nil || len(rel.Card.License) != 1 || rel.Card.License[0].Value != "mit" {
		t.Errorf("card = %+v", rel.Card)
	}
	if rel.Config == nil || rel.Config.ModelType != "llama" {
		t.Errorf("config = %+v", rel.Config)
	}
	if f := rel.File("onnx/model.onnx"); f.Format != FormatONNX {
		t.Errorf("onnx format %q", f.Format)
	}
	if f := rel.File("original/consolidated.pth"); f.Format != FormatPyTorch || f.Pickle == nil || f.Pickle.Container != pickle.Zip {
		t.Errorf("pth = %+v", f)
	}
	if len(rel.LicenseTexts) != 1 || rel.LicenseTexts[0].Origin != "file" {
		t.Errorf("licence texts %+v", rel.LicenseTexts)
	}
	if len(rel.Problems) != 0 {
		t.Errorf("problems: %v", rel.Problems)
	}
}

func TestHFCacheRevisions(t *testing.T) {
	lay := writeTinyRepo(t, t.TempDir(), false)
	old := lay.Commits[0]
	for _, target := range []string{
		lay.Dir + "@v1.0",
		lay.Dir + "@pr/3",
		lay.Dir + "@" + old,
		filepath.Join(lay.Dir, "snapshots", old),
	} {
		src, err := Parse(target)
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		rel, err := src.Open(t.Context())
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		if rel.Revision != old || len(rel.Files) != 2 {
			t.Errorf("%s: revision %s, %d files", target, rel.Revision, len(rel.Files))
		}
		// The source names the exact snapshot, so it reopens the same files.
		again, err := Parse(src.String())
		if err != nil || again.String() != src.String() {
			t.Errorf("%s: String %q does not parse back: %v", target, src.String(), err)
		}
	}
	for _, bad := range []string{"nope", "../../etc", "refs/../../x", "/abs"} {
		_, err := HFCache(lay.Dir, bad).Open(t.Context())
		if err == nil {
			t.Errorf("revision %q accepted", bad)
		}
	}
	if _, err := HFCache(lay.Dir, "nope").Open(t.Context()); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown revision: %v", err)
	}
}

func TestHFCacheNoMainRef(t *testing.T) {
	lay := writeTinyRepo(t, t.TempDir(), false)
	if err := os.Remove(filepath.Join(lay.Dir, "refs", "main")); err != nil {
		t.Fatal(err)
	}
	// Make the first snapshot the newest.
	now := time.Now()
	os.Chtimes(filepath.Join(lay.Dir, "snapshots", lay.Commits[0]), now, now)
	os.Chtimes(filepath.Join(lay.Dir, "snapshots", lay.Commits[1]), now.Add(-time.Hour), now.Add(-time.Hour))
	rel, err := HFCache(lay.Dir, "").Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rel.Revision != lay.Commits[0] {
		t.Errorf("revision %s, want the newest snapshot %s", rel.Revision, lay.Commits[0])
	}
}

func TestHFCacheWindowsCopies(t *testing.T) {
	lay := writeTinyRepo(t, t.TempDir(), true)
	rel, err := HFCache(lay.Dir, "").Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(rel.Files) != 6 {
		t.Fatalf("%d files", len(rel.Files))
	}
	for _, f := range rel.Files {
		if f.Symlink || len(f.Expected) != 0 {
			t.Errorf("%s: copies carry no link or expectation: %+v", f.Path, f)
		}
	}
}

func TestHFCacheHostileLinks(t *testing.T) {
	lay := writeTinyRepo(t, t.TempDir(), false)
	snap := filepath.Join(lay.Dir, "snapshots", lay.Commits[1])
	outside := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(outside, []byte("secret"), 0o600)
	os.Symlink(outside, filepath.Join(snap, "escape.safetensors"))
	os.Symlink("../../../models--other--repo/blobs/x", filepath.Join(snap, "other.bin"))
	os.Symlink("loop-b", filepath.Join(snap, "loop-a"))
	os.Symlink("loop-a", filepath.Join(snap, "loop-b"))
	rel, err := HFCache(lay.Dir, "").Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]string{}
	for _, p := range rel.Problems {
		byPath[p.Path] = p.Message
	}
	for _, p := range []string{"escape.safetensors", "other.bin", "loop-a", "loop-b"} {
		if byPath[p] == "" {
			t.Errorf("%s: no problem recorded (problems %v)", p, byPath)
		}
		if f := rel.File(p); f == nil || f.LocalPath != "" || f.Safetensors != nil {
			t.Errorf("%s: read anyway: %+v", p, f)
		}
	}
	if !strings.Contains(byPath["escape.safetensors"], "outside") {
		t.Errorf("escape: %q", byPath["escape.safetensors"])
	}
}

func TestHFCacheNotAModel(t *testing.T) {
	cache := t.TempDir()
	lay, err := testmodel.WriteHFRepo(cache, testmodel.HFRepo{ID: "acme/data", Kind: "datasets", Revisions: []testmodel.HFRevision{{Refs: []string{"main"}, Files: map[string][]byte{"x.parquet": []byte("PAR1")}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(lay.Dir); !errors.Is(err, ErrUnsupported) {
		t.Errorf("dataset folder: %v", err)
	}
	writeTinyRepo(t, cache, false)
	if _, err := Parse(cache); !errors.Is(err, ErrMultipleReleases) || !strings.Contains(err.Error(), "1 model repositories") {
		t.Errorf("cache root: %v", err)
	}
}
