package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/examples/internal/cli"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/manifest"
)

// tinySafetensors is a valid safetensors file with one 2×2 F16 tensor.
func tinySafetensors() []byte {
	hdr := []byte(`{"__metadata__":{"format":"pt"},"w":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]}}`)
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	out = append(out, hdr...)
	return append(out, make([]byte, 8)...)
}

// tinyGGUF is a valid GGUF v3 file with no tensors and the metadata a
// quantised release carries.
func tinyGGUF(name, license string) []byte {
	kv := [][2]string{{"general.architecture", "llama"}, {"general.name", name}, {"general.license", license}}
	b := []byte("GGUF")
	b = binary.LittleEndian.AppendUint32(b, 3)
	b = binary.LittleEndian.AppendUint64(b, 0)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(kv)))
	str := func(s string) {
		b = binary.LittleEndian.AppendUint64(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, e := range kv {
		str(e[0])
		b = binary.LittleEndian.AppendUint32(b, 8) // string
		str(e[1])
	}
	return b
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func writeFile(t testing.TB, p string, data []byte) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(p), 0o755))
	must(t, os.WriteFile(p, data, 0o644))
}

// storeTree writes n releases of each kind under root: a Hugging Face
// cache (hub/), an Ollama store (ollama/) and an LM Studio folder of loose
// GGUF files (lmstudio/), laid out as each tool lays them out.
func storeTree(t testing.TB, root string, n int) {
	st := tinySafetensors()
	for i := range n {
		// Hugging Face cache: blobs, a snapshot of symlinks, refs/main.
		repo := filepath.Join(root, "hub", fmt.Sprintf("models--acme--model-%03d", i))
		rev := fmt.Sprintf("%040x", i+1)
		card := fmt.Sprintf("---\nlicense: acme-model-licence\nbase_model: acme/base-%d\n---\n# model %d\n", i%7, i)
		blobs := map[string][]byte{"README.md": []byte(card), "config.json": []byte(`{"architectures":["LlamaForCausalLM"],"model_type":"llama"}`), "model.safetensors": st}
		for name, data := range blobs {
			blob := fmt.Sprintf("%s-%03d", strings.ReplaceAll(name, ".", "-"), i)
			writeFile(t, filepath.Join(repo, "blobs", blob), data)
			snap := filepath.Join(repo, "snapshots", rev)
			must(t, os.MkdirAll(snap, 0o755))
			must(t, os.Symlink(filepath.Join("..", "..", "blobs", blob), filepath.Join(snap, name)))
		}
		writeFile(t, filepath.Join(repo, "refs", "main"), []byte(rev))

		// Ollama store: a manifest naming a GGUF model layer and a licence.
		gguf := tinyGGUF(fmt.Sprintf("ollama-model-%d", i), "apache-2.0")
		digest := fmt.Sprintf("sha256-%064x", i+1)
		writeFile(t, filepath.Join(root, "ollama", "blobs", digest), gguf)
		man := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:%064x","size":%d}]}`, i+1, len(gguf))
		writeFile(t, filepath.Join(root, "ollama", "manifests", "registry.ollama.ai", "library", fmt.Sprintf("model%03d", i), "latest"), []byte(man))

		// LM Studio: publisher/repo/file.gguf.
		writeFile(t, filepath.Join(root, "lmstudio", "acme", fmt.Sprintf("model-%03d-GGUF", i), fmt.Sprintf("model-%03d-Q4_K_M.gguf", i)), tinyGGUF(fmt.Sprintf("model-%d", i), "mit"))
	}
}

func sweep(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb, false)
	return code, out.String(), errb.String()
}

func TestSweepFindsEveryStore(t *testing.T) {
	root := t.TempDir()
	storeTree(t, root, 3)
	code, out, errs := sweep(t, "-jsonl", filepath.Join(root, "hub"), filepath.Join(root, "ollama"), filepath.Join(root, "lmstudio"))
	var got []cli.Summary
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var s cli.Summary
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("line %q: %v\nstderr: %s", line, err, errs)
		}
		got = append(got, s)
	}
	if len(got) != 9 {
		t.Fatalf("found %d models, want 9:\n%s", len(got), out)
	}
	kinds := map[string]int{}
	for _, s := range got {
		kinds[s.Kind]++
	}
	if kinds["hf-cache"] != 3 || kinds["ollama"] != 3 || kinds["file"] != 3 {
		t.Errorf("kinds = %v, want 3 cache snapshots, 3 Ollama models and 3 loose files", kinds)
	}
	if !strings.HasPrefix(got[0].Target, filepath.Join(root, "hub", "models--acme--model-000", "snapshots")) {
		t.Errorf("first model %q, want the first cache snapshot", got[0].Target)
	}
	if got[3].Name != "model000:latest" || !strings.HasSuffix(got[3].Target, filepath.Join("library", "model000", "latest")) {
		t.Errorf("Ollama model named %q (target %q), want model000:latest and its manifest", got[3].Name, got[3].Target)
	}
	for _, s := range got[6:] {
		if s.Verdict == cli.VerdictError || !strings.HasSuffix(s.Target, ".gguf") {
			t.Errorf("loose GGUF %s: verdict %s %s", s.Target, s.Verdict, s.Error)
		}
	}
	if code == cli.ExitUsage {
		t.Errorf("exit %d", code)
	}
}

// A machine with models where the usual tools put them: a Hugging Face
// cache, an Ollama store and GGUF files downloaded on their own. Every
// model is listed under the name its store knows, with its origin, and
// exactly the ones a selected jurisdiction bars are flagged.
func TestSweepMachine(t *testing.T) {
	m, err := testmodel.WriteMachineTree(t.TempDir(), filepath.Join(testutil.ModuleRoot(t), "testdata", "lineage"))
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		name, kind, developer, country, verdict string
		barredIn                                []string
	}
	dsQwen := "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B@" + m.HFCommits["deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"][:7]
	llama1B := "meta-llama/Llama-3.2-1B-Instruct@" + m.HFCommits["meta-llama/Llama-3.2-1B-Instruct"][:7]
	want := []row{
		// Kansas's statute names DeepSeek's models; Texas and Australia
		// cover DeepSeek's apps, which may not reach the weights.
		{dsQwen, "hf-cache", "DeepSeek", "CN", "fail", []string{"us-ks", "au?", "us-tx?"}},
		{llama1B, "hf-cache", "Meta", "US", "review", nil},
		// Ollama republishes DeepSeek's weights: the origin is DeepSeek's.
		{"deepseek-r1:7b", "ollama", "DeepSeek", "CN", "fail", []string{"us-ks", "au?", "us-tx?"}},
		{"llama3.2:latest", "ollama", "Meta", "US", "review", nil},
		{"Llama-3.2-1B-Instruct-Q4_K_M.gguf", "file", "Meta", "US", "review", nil},
		// Kansas covers any AI model from China; Texas and Australia name
		// DeepSeek only.
		{"Qwen2.5-7B-Instruct-Q4_K_M.gguf", "file", "Qwen (Alibaba Cloud)", "CN", "fail", []string{"us-ks"}},
	}
	args := []string{"-jurisdiction", "us-ks,us-tx,au", m.Root}
	code, out, errs := sweep(t, append([]string{"-jsonl"}, args...)...)
	var got []row
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var s cli.Summary
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("line %q: %v\nstderr: %s", line, err, errs)
		}
		got = append(got, row{s.Name, s.Kind, s.Developer, s.Country, s.Verdict, s.BarredIn()})
		if s.Path == "" || !strings.HasPrefix(s.Path, m.Root) {
			t.Errorf("%s: path %q", s.Name, s.Path)
		}
		// The target audits the model on its own.
		if src, err := manifest.Parse(s.Target); err != nil {
			t.Errorf("%s: target %q: %v", s.Name, s.Target, err)
		} else if rel, err := src.Open(context.Background()); err != nil || len(rel.Problems) > 0 {
			t.Errorf("%s: target %q: %v %v", s.Name, s.Target, err, rel.Problems)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("swept %d models, want %d:\n%s", len(got), len(want), out)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("model %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if code != cli.ExitFail {
		t.Errorf("exit %d, want %d", code, cli.ExitFail)
	}

	// The table names every model as its store does, with the origin and
	// the jurisdictions, and explains the marks.
	_, table, _ := sweep(t, args...)
	for _, s := range []string{
		dsQwen + "  hf-cache  DeepSeek, China",
		"deepseek-r1:7b", "llama3.2:latest", "Qwen2.5-7B-Instruct-Q4_K_M.gguf",
		"Qwen (Alibaba Cloud), China", "Meta, United States",
		"us-ks, au?, us-tx?",
		"6 models: 0 pass, 3 review, 3 fail",
		"Government policies of: us-ks, us-tx, au",
		"?: the jurisdiction's instruments cover the developer or an ancestor",
	} {
		if !strings.Contains(table, s) {
			t.Errorf("table lacks %q:\n%s", s, table)
		}
	}
	if strings.Contains(table, m.Root) {
		t.Errorf("table shows paths:\n%s", table)
	}
	for _, line := range strings.Split(table, "\n") {
		if strings.Contains(line, "Meta, United States") && !strings.HasSuffix(strings.TrimSpace(line), "-") {
			t.Errorf("a Llama model is flagged: %q", line)
		}
	}
}

// Releases that would share a name are told apart by the shortest part of
// their paths that differs.
func TestSweepUniqueNames(t *testing.T) {
	root := t.TempDir()
	gguf := testmodel.Llama32InstructGGUF("1B")
	for _, p := range []string{"a/Downloads/llama.gguf", "b/Downloads/llama.gguf", "b/other/llama.gguf", "b/other/qwen.gguf"} {
		must(t, os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755))
		must(t, gguf.WriteFile(filepath.Join(root, p), false))
	}
	_, out, errs := sweep(t, "-jsonl", root)
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var s cli.Summary
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("line %q: %v\nstderr: %s", line, err, errs)
		}
		names = append(names, s.Name)
	}
	want := []string{"a/Downloads/llama.gguf", "b/Downloads/llama.gguf", "other/llama.gguf", "qwen.gguf"}
	if !slices.Equal(names, want) {
		t.Errorf("names %q, want %q", names, want)
	}
}

func TestSweepDemoModels(t *testing.T) {
	demo := filepath.Join(testutil.ModuleRoot(t), "testdata", "models")
	if _, err := os.Stat(demo); err != nil {
		t.Skipf("demo models: %v", err)
	}
	code, out, errs := sweep(t, demo)
	for _, m := range []string{"r1-distill-qwen-7b-gguf", "support-bot-llama3", "tinyllama-apache", "unlabelled-chat"} {
		if !strings.Contains(out, m) {
			t.Errorf("table lacks %s:\n%s", m, out)
		}
	}
	if !strings.Contains(out, "4 models:") || strings.Contains(out, "ERROR") {
		t.Errorf("table:\n%s%s", out, errs)
	}
	if code != cli.ExitFail && code != cli.ExitReview && code != cli.ExitPass {
		t.Errorf("exit %d", code)
	}
	if !strings.HasPrefix(out, "MODEL") || !strings.Contains(strings.SplitN(out, "\n", 2)[0], "BARRED IN") {
		t.Errorf("header: %q", strings.SplitN(out, "\n", 2)[0])
	}
}

func TestSweepDefaultLocations(t *testing.T) {
	root := t.TempDir()
	storeTree(t, root, 1)
	t.Setenv("HF_HUB_CACHE", filepath.Join(root, "hub"))
	t.Setenv("OLLAMA_MODELS", filepath.Join(root, "ollama"))
	t.Setenv("HOME", filepath.Join(root, "home"))
	dirs := roots(nil, false)
	if len(dirs) != 2 || dirs[0] != filepath.Join(root, "hub") || dirs[1] != filepath.Join(root, "ollama") {
		t.Errorf("roots() = %v", dirs)
	}
	code, out, _ := sweep(t, "-jsonl")
	if n := strings.Count(out, "\n"); n != 2 {
		t.Errorf("swept %d models from the default locations, want 2 (exit %d):\n%s", n, code, out)
	}
}

func TestSweepUsage(t *testing.T) {
	file := filepath.Join(t.TempDir(), "model.gguf")
	os.WriteFile(file, nil, 0o644)
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-j", "0"}, "-j must be at least 1"},
		{[]string{"/no/such/root"}, "/no/such/root: no such directory"},
		{[]string{file}, "is a file, not a directory"},
		{[]string{"-policy", "/no/such/policy.yaml", t.TempDir()}, "policy.yaml"},
		{[]string{"-bogus"}, "-bogus"},
	} {
		if code, _, stderr := sweep(t, tc.args...); code != cli.ExitUsage || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%v: exit %d, want %d; stderr %q, want it to say %q", tc.args, code, cli.ExitUsage, stderr, tc.msg)
		}
	}
	if code, _, _ := sweep(t, "-h"); code != cli.ExitPass {
		t.Errorf("-h: exit %d, want 0", code)
	}
}

// TestSweepNothingFound says so instead of printing an empty table.
func TestSweepNothingFound(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := sweep(t, dir)
	if code != cli.ExitPass || out != "No models found in "+dir+".\n" {
		t.Errorf("exit %d, output %q", code, out)
	}
}

// BenchmarkSweep300 sweeps 300 releases: 100 in a Hugging Face cache, 100
// in an Ollama store and 100 loose GGUF files.
func BenchmarkSweep300(b *testing.B) {
	root := b.TempDir()
	storeTree(b, root, 100)
	args := []string{"-jsonl", filepath.Join(root, "hub"), filepath.Join(root, "ollama"), filepath.Join(root, "lmstudio")}
	b.ResetTimer()
	for range b.N {
		var out, errb bytes.Buffer
		run(context.Background(), args, &out, &errb, false)
		if n := strings.Count(out.String(), "\n"); n != 300 {
			b.Fatalf("swept %d models", n)
		}
	}
}
