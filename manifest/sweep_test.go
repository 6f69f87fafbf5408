package manifest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/testmodel"
)

func TestSweepTree(t *testing.T) {
	tree, err := testmodel.WriteSweepTree(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res, err := Sweep(t.Context(), tree.Root, SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Found {
		rel, _ := filepath.Rel(tree.Root, f.Path)
		got = append(got, string(f.Kind)+" "+f.Name+" "+filepath.ToSlash(rel))
	}
	snap := func(i int) string {
		return "home/.cache/huggingface/hub/models--acme--tiny/snapshots/" + tree.HFCommits[i]
	}
	snaps := []string{"hf-cache acme/tiny " + snap(0), "hf-cache acme/tiny " + snap(1)}
	slices.Sort(snaps) // snapshots come in name order
	want := append(snaps,
		"ollama acme/evil:1b home/.ollama/models/manifests-v2/ollama.com/acme/evil/1b",
		"ollama tiny:latest home/.ollama/models/manifests/registry.ollama.ai/library/tiny/latest",
		"file checkpoint.pt home/Downloads/checkpoint.pt",
		"file weights.bin home/Downloads/weights.bin",
		"file tiny-Q4_K_M.gguf home/.lmstudio/models/acme/tiny-GGUF/tiny-Q4_K_M.gguf",
		"directory my-model srv/models/my-model",
		"oci-layout tiny:1.0 srv/oci",
	)
	sortFound := func(s []string) []string {
		c := slices.Clone(s)
		slices.Sort(c)
		return c
	}
	if !slices.Equal(sortFound(got), sortFound(want)) {
		t.Errorf("found:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The order is stable: sweeping again gives the same list.
	res2, err := Sweep(t.Context(), tree.Root, SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range res.Found {
		if res.Found[i].Path != res2.Found[i].Path {
			t.Fatal("sweep order changed between runs")
		}
	}
	if len(res.Problems) != 0 || res.Truncated {
		t.Errorf("problems %v truncated %v", res.Problems, res.Truncated)
	}
	// Every source found opens.
	for _, f := range res.Found {
		rel, err := f.Source.Open(t.Context())
		if err != nil {
			t.Errorf("%s: %v", f.Source, err)
			continue
		}
		if rel.Kind != f.Kind {
			t.Errorf("%s: kind %s, found as %s", f.Source, rel.Kind, f.Kind)
		}
		if f.Kind == KindHFCache && rel.Revision != f.Revision {
			t.Errorf("%s: revision %s, found %s", f.Source, rel.Revision, f.Revision)
		}
	}
	loose, err := Sweep(t.Context(), tree.Root, SweepOptions{SkipLooseFiles: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range loose.Found {
		if f.Kind == KindFile {
			t.Errorf("loose file with SkipLooseFiles: %s", f.Path)
		}
	}
}

func TestSweepRoots(t *testing.T) {
	tree, err := testmodel.WriteSweepTree(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for root, want := range map[string]int{
		tree.HFCache:  2, // the hub folder
		tree.HFRepo:   2, // one repository folder
		tree.Ollama:   2, // the store itself
		tree.OCI:      1,
		tree.Release:  1,
		tree.Loose[0]: 1, // a single weight file
	} {
		res, err := Sweep(t.Context(), root, SweepOptions{})
		if err != nil {
			t.Fatalf("%s: %v", root, err)
		}
		if len(res.Found) != want {
			t.Errorf("%s: found %d, want %d", root, len(res.Found), want)
		}
	}
	// The root may be a link (a models folder on another disk).
	link := filepath.Join(t.TempDir(), "models-link")
	os.Symlink(tree.Ollama, link)
	res, err := Sweep(t.Context(), link, SweepOptions{})
	if err != nil || len(res.Found) != 2 {
		t.Errorf("linked root: %v %v", res, err)
	}
	if _, err := Sweep(t.Context(), filepath.Join(tree.Root, "nope"), SweepOptions{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing root: %v", err)
	}
}

// TestSweepStoreInsideRelease finds a cache nested in a folder that looks
// like a release itself, without listing the release's files again.
func TestSweepStoreInsideRelease(t *testing.T) {
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, "README.md"), []byte("# my home\n"), 0o644)
	os.WriteFile(filepath.Join(home, "model.pt"), testmodel.TorchZip("archive", 2, testmodel.FixtureTensors), 0o644)
	os.MkdirAll(filepath.Join(home, "checkpoints"), 0o755)
	os.WriteFile(filepath.Join(home, "checkpoints", "step1.safetensors"), testmodel.TinySafetensors(), 0o644)
	writeTinyRepo(t, filepath.Join(home, ".cache", "huggingface", "hub"), false)
	res, err := Sweep(t.Context(), home, SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, f := range res.Found {
		kinds = append(kinds, string(f.Kind)+" "+f.Name)
	}
	want := []string{"directory " + filepath.Base(home), "hf-cache acme/tiny-chat", "hf-cache acme/tiny-chat"}
	if !slices.Equal(kinds, want) {
		t.Errorf("found %q, want %q", kinds, want)
	}
}

// TestSweepSniffsWeights reports files by extension only when their
// first bytes agree: .pth is also a Python path file, .pt a text file.
// TestSweepCollections tells a release whose weights sit in folders (a
// model card or config over them) from a collection of models under a
// plain README or licence, whose weights are found one by one.
func TestSweepCollections(t *testing.T) {
	dir := t.TempDir()
	gguf := testmodel.TinyGGUF()
	files := map[string][]byte{
		// A GGUF repository with split quantisations in folders.
		"repo/README.md":                     []byte("---\nlicense: mit\n---\n# tiny GGUF\n"),
		"repo/Q8_0/tiny-00001-of-00002.gguf": gguf,
		"repo/Q8_0/tiny-00002-of-00002.gguf": gguf,
		// A diffusers pipeline: model_index.json over component folders.
		"pipe/model_index.json":           []byte(`{"_class_name": "StableDiffusionPipeline"}`),
		"pipe/unet/diffusion.safetensors": testmodel.TinySafetensors(),
		// A collection: a plain README and a licence over folders.
		"collection/README.md":                 []byte("# Models we tested\n"),
		"collection/LICENSE":                   []byte("MIT License\n"),
		"collection/gguf/a.gguf":               gguf,
		"collection/safetensors/b.safetensors": testmodel.TinySafetensors(),
	}
	res := sweepFiles(t, dir, files)
	var got []string
	for _, f := range res.Found {
		rel, _ := filepath.Rel(dir, f.Path)
		got = append(got, string(f.Kind)+" "+filepath.ToSlash(rel))
	}
	slices.Sort(got)
	want := []string{
		"directory pipe", "directory repo",
		"file collection/gguf/a.gguf", "file collection/safetensors/b.safetensors",
	}
	if !slices.Equal(got, want) {
		t.Errorf("found %q, want %q", got, want)
	}
}

// sweepFiles writes files under dir and sweeps it.
func sweepFiles(t *testing.T, dir string, files map[string][]byte) *SweepResult {
	t.Helper()
	for p, data := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, p), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Sweep(t.Context(), dir, SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestSweepSniffsWeights(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{
		"site-packages/distutils-precedence.pth": []byte("import os; var = 'SETUPTOOLS'\n"),
		"vim/tutor.pt":                           []byte("===============\n= Tutorial =\n"),
		"a/notes.gguf":                           []byte("not a gguf"),
		"a/fake.safetensors":                     []byte("{}"),
		"a/fake.onnx":                            []byte("<html>"),
		"b/real.pth":                             testmodel.TorchZip("real", 2, testmodel.FixtureTensors),
		"b/proto0.pkl":                           testmodel.MaliciousPickle(0, testmodel.ViaInst, "os", "system", "id"),
		"b/model.onnx":                           {0x08, 0x07, 0x12, 0x07, 'p', 'y', 't', 'o', 'r', 'c', 'h'},
		// A README beside a text .bin is not a release.
		"docs/README.md": []byte("# docs\n"),
		"docs/data.bin":  []byte("plain data"),
	}
	res := sweepFiles(t, dir, files)
	var got []string
	for _, f := range res.Found {
		got = append(got, string(f.Kind)+" "+f.Name)
	}
	want := []string{"file model.onnx", "file proto0.pkl", "file real.pth"}
	if !slices.Equal(got, want) {
		t.Errorf("found %q, want %q", got, want)
	}
}

func TestSweepHostile(t *testing.T) {
	dir := t.TempDir()
	// Depth beyond the cap, a FIFO named like weights, a link loop,
	// links out of the tree, an unreadable folder.
	deep := dir
	for i := 0; i < 10; i++ {
		deep = filepath.Join(deep, "d")
	}
	os.MkdirAll(deep, 0o755)
	os.WriteFile(filepath.Join(deep, "deep.gguf"), testmodel.TinyGGUF(), 0o644)
	if err := mkfifo(filepath.Join(dir, "pipe.gguf")); err != nil {
		t.Skip(err)
	}
	mkfifo(filepath.Join(dir, "pipe.bin"))
	os.Symlink("loop-b", filepath.Join(dir, "loop-a"))
	os.Symlink("loop-a", filepath.Join(dir, "loop-b"))
	os.Symlink("/", filepath.Join(dir, "root"))
	os.MkdirAll(filepath.Join(dir, "locked", "x"), 0o755)
	os.WriteFile(filepath.Join(dir, "locked", "x", "m.gguf"), testmodel.TinyGGUF(), 0o644)
	os.Chmod(filepath.Join(dir, "locked"), 0o000)
	defer os.Chmod(filepath.Join(dir, "locked"), 0o755)

	res, err := Sweep(t.Context(), dir, SweepOptions{MaxDepth: 5})
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, f := range res.Found {
		found = append(found, filepath.Base(f.Path))
	}
	wantFound := []string{"m.gguf"}
	if os.Geteuid() != 0 {
		wantFound = nil
	}
	if !slices.Equal(found, wantFound) {
		t.Errorf("found %q, want %q", found, wantFound)
	}
	var msgs []string
	for _, p := range res.Problems {
		msgs = append(msgs, p.Message)
	}
	joined := strings.Join(msgs, "\n")
	if !strings.Contains(joined, "deeper than 5 levels") {
		t.Errorf("no depth problem: %q", msgs)
	}
	if os.Geteuid() != 0 && !strings.Contains(joined, "permission denied") {
		t.Errorf("no permission problem: %q", msgs)
	}
}

func TestSweepEntryCap(t *testing.T) {
	dir := t.TempDir()
	for i := range 50 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d.gguf", i)), testmodel.TinyGGUF(), 0o644)
	}
	res, err := Sweep(t.Context(), dir, SweepOptions{MaxEntries: 20})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Truncated || res.Entries != 20 || len(res.Found) != 20 || len(res.Problems) != 1 {
		t.Errorf("truncated %v entries %d found %d problems %v", res.Truncated, res.Entries, len(res.Found), res.Problems)
	}
}

func TestSweepCancelled(t *testing.T) {
	tree, err := testmodel.WriteSweepTree(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Sweep(ctx, tree.Root, SweepOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func TestDefaultLocations(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HUGGINGFACE_HUB_CACHE", "")
	t.Setenv("HF_HOME", "")
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("OLLAMA_MODELS", "")
	os.MkdirAll(filepath.Join(home, ".ollama", "models"), 0o755)
	got := map[string]Location{}
	for _, l := range DefaultLocations() {
		got[l.Ecosystem+" "+l.Path] = l
	}
	for _, want := range []Location{
		{"hf-cache", filepath.Join(home, ".cache", "huggingface", "hub"), "default", false},
		{"ollama", filepath.Join(home, ".ollama", "models"), "default", true},
		{"lm-studio", filepath.Join(home, ".lmstudio", "models"), "default", false},
		{"lm-studio", filepath.Join(home, ".cache", "lm-studio", "models"), "default", false},
	} {
		if g, ok := got[want.Ecosystem+" "+want.Path]; !ok || g != want {
			t.Errorf("missing or different: %+v (got %+v)", want, g)
		}
	}
	t.Setenv("HF_HOME", "/data/hf")
	t.Setenv("OLLAMA_MODELS", "/data/ollama")
	locs := DefaultLocations()
	if locs[0] != (Location{"hf-cache", "/data/hf/hub", "HF_HOME", false}) || locs[1].Path != "/data/ollama" || locs[1].From != "OLLAMA_MODELS" {
		t.Errorf("env: %+v", locs)
	}
	t.Setenv("HF_HUB_CACHE", "/fast/hub")
	if l := DefaultLocations()[0]; l.Path != "/fast/hub" || l.From != "HF_HUB_CACHE" {
		t.Errorf("HF_HUB_CACHE: %+v", l)
	}
}

func BenchmarkSweep(b *testing.B) {
	// A tree of 200 directories with 20 files each, a few of them weights.
	dir := b.TempDir()
	for i := range 200 {
		d := filepath.Join(dir, fmt.Sprintf("proj%03d", i), "src")
		os.MkdirAll(d, 0o755)
		for j := range 20 {
			name := fmt.Sprintf("f%02d.txt", j)
			if j == 0 && i%10 == 0 {
				name = "model.gguf"
			}
			os.WriteFile(filepath.Join(d, name), []byte("x"), 0o644)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		res, err := Sweep(context.Background(), dir, SweepOptions{})
		if err != nil || len(res.Found) != 20 {
			b.Fatal(err, len(res.Found))
		}
	}
	_ = limits.MaxSweepEntries
}

// BenchmarkSweepRoot sweeps the directory MODELVET_SWEEP_ROOT names (it is
// skipped when unset), reporting entries visited per second:
//
//	MODELVET_SWEEP_ROOT=/usr go test ./manifest -run '^$' -bench SweepRoot
func BenchmarkSweepRoot(b *testing.B) {
	root := os.Getenv("MODELVET_SWEEP_ROOT")
	if root == "" {
		b.Skip("MODELVET_SWEEP_ROOT is not set")
	}
	entries := 0
	for b.Loop() {
		res, err := Sweep(context.Background(), root, SweepOptions{})
		if err != nil {
			b.Fatal(err)
		}
		entries = res.Entries
	}
	b.ReportMetric(float64(entries), "entries")
	b.ReportMetric(float64(entries)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}
