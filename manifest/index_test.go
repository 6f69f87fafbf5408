package manifest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/formattest"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/manifest"
)

func TestParseSafetensorsIndex(t *testing.T) {
	wm := map[string]string{"a.weight": "model-00001-of-00002.safetensors", "b.weight": "model-00002-of-00002.safetensors", "c.bias": "model-00001-of-00002.safetensors"}
	data := testmodel.SafetensorsIndexJSON(1234, wm)
	idx, err := manifest.ParseSafetensorsIndex("model.safetensors.index.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if idx.TotalSize != 1234 || idx.Tensors != 3 || !slices.Equal(idx.Shards, []string{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}) {
		t.Errorf("%+v", idx)
	}
	if fmt.Sprint(idx.WeightMap) != fmt.Sprint(wm) {
		t.Errorf("WeightMap = %v", idx.WeightMap)
	}
	// Lines, located independently in the text.
	lines := strings.Split(string(data), "\n")
	for shard, line := range idx.ShardLines {
		if !strings.Contains(lines[line-1], shard) {
			t.Errorf("ShardLines[%s] = %d: %q", shard, line, lines[line-1])
		}
	}
	if !strings.Contains(lines[idx.TotalSizeLine-1], "total_size") {
		t.Errorf("TotalSizeLine %d", idx.TotalSizeLine)
	}

	// Other metadata, floats written by some writers, absent total_size.
	for doc, want := range map[string]int64{
		`{"metadata":{"total_size":1.6e10,"format":"pt","total_parameters":8030261248},"weight_map":{"x":"s/x.safetensors"}}`: 16_000_000_000,
		`{"metadata":{"total_size":123.0},"weight_map":{}}`:                                                                   123,
		`{"weight_map":{"x":"a.safetensors"},"extra":[1]}`:                                                                    -1,
		`{"metadata":null,"weight_map":{}}`:                                                                                   -1,
	} {
		idx, err := manifest.ParseSafetensorsIndex("i.json", []byte(doc))
		if err != nil || idx.TotalSize != want {
			t.Errorf("%s: %v, total %v", doc, err, idx)
		}
	}
	idx, _ = manifest.ParseSafetensorsIndex("i.json", []byte(`{"metadata":{"total_size":1,"format":"pt","n":8030261248},"weight_map":{}}`))
	if idx.Metadata["format"] != "pt" || idx.Metadata["n"] != "8030261248" {
		t.Errorf("Metadata = %v", idx.Metadata)
	}
}

func TestParseSafetensorsIndexHostile(t *testing.T) {
	type tc struct {
		name, doc string
		off       int64
		line      int
		want      string
		idx       bool // the index is still returned
	}
	shard := func(name, s, want string) tc {
		doc := `{"weight_map": {"t": ` + quoteJSON(s) + `}}`
		return tc{name: name, doc: doc, off: int64(strings.Index(doc, `": "`) + 3), line: 1, want: want}
	}
	multi := "{\n  \"metadata\": {\"total_size\": 8},\n  \"weight_map\": {\n    \"a\": \"x.safetensors\",\n    \"a\": \"y.safetensors\"\n  }\n}\n"
	cases := []tc{
		{name: "not UTF-8", doc: "{\"weight_map\":{\"\xff\":\"a\"}}", off: 16, line: 1, want: "not valid UTF-8"},
		{name: "not JSON", doc: "{\n\"weight_map\": {\"a\": \"b\",}\n}", off: 26, line: 2, want: "not valid JSON"},
		{name: "array", doc: `[1]`, off: 0, line: 1, want: "is not a JSON object"},
		{name: "no weight_map", doc: `{"metadata":{}}`, off: 0, line: 1, want: "has no weight_map"},
		{name: "weight_map not object", doc: `{"weight_map":["a"]}`, off: 14, line: 1, want: "weight_map is not a JSON object"},
		{name: "duplicate weight_map", doc: `{"weight_map":{},"weight_map":{}}`, off: 17, line: 1, want: `duplicate "weight_map"`},
		{name: "duplicate tensor", doc: multi, off: int64(strings.LastIndex(multi, `"a"`)), line: 5, want: `weight_map names tensor "a" twice`},
		{name: "entry not string", doc: `{"weight_map":{"a":1}}`, off: 19, line: 1, want: `weight_map entry for "a" is not a string`},
		shard("parent", "../secrets.safetensors", "leaves the index's directory"),
		shard("nested parent", "a/../../b.safetensors", "leaves the index's directory"),
		shard("absolute", "/etc/passwd", "is an absolute path"),
		shard("drive", "C:/x.safetensors", "is an absolute path"),
		shard("backslash", `..\\x.safetensors`, "contains a backslash"),
		shard("empty", "", "is empty"),
		shard("dot", "./x.safetensors", "is not a clean relative path"),
		shard("double slash", "a//x.safetensors", "is not a clean relative path"),
		shard("control", "a\nb.safetensors", "contains a control character"),
		{name: "metadata not object", doc: `{"metadata":[1],"weight_map":{}}`, off: 12, line: 1, want: "metadata is not a JSON object", idx: true},
		{name: "negative total", doc: `{"metadata":{"total_size":-1},"weight_map":{}}`, off: 26, line: 1, want: "total_size -1 is not a non-negative whole number", idx: true},
		{name: "fractional total", doc: `{"metadata":{"total_size":1.5},"weight_map":{}}`, off: 26, line: 1, want: "total_size 1.5 is not", idx: true},
		{name: "string total", doc: `{"metadata":{"total_size":"12"},"weight_map":{}}`, off: 26, line: 1, want: `total_size "12" is not`, idx: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			idx, err := manifest.ParseSafetensorsIndex("m.index.json", []byte(c.doc))
			if err == nil {
				t.Fatalf("no error: %+v", idx)
			}
			fe := formattest.Error(t, err, string(manifest.FormatSafetensorsIndex), c.off, c.want)
			if fe.Line != c.line || fe.Path != "m.index.json" {
				t.Errorf("at %s:%d, want line %d", fe.Path, fe.Line, c.line)
			}
			if (idx != nil) != c.idx {
				t.Errorf("index returned = %v, want %v", idx != nil, c.idx)
			}
		})
	}
	deep := `{"weight_map":{},"x":` + strings.Repeat("[", 5_000_000)
	if _, err := manifest.ParseSafetensorsIndex("deep.json", []byte(deep)); err == nil {
		t.Error("deep nesting accepted")
	} else {
		formattest.Error(t, err, string(manifest.FormatSafetensorsIndex), int64(strings.Index(deep, "[")+limits.MaxJSONDepth-1), "nesting deeper than the limit")
	}
	big := make([]byte, limits.MaxIndexBytes+1)
	if _, err := manifest.ParseSafetensorsIndex("big.json", big); err == nil || !strings.Contains(err.Error(), "over the 67108864-byte limit") {
		t.Errorf("oversized index: %v", err)
	}
}

func quoteJSON(s string) string {
	r := strings.NewReplacer(`"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// shardedRelease writes a three-shard checkpoint into a fresh directory.
func shardedRelease(t *testing.T) (string, testmodel.ShardedSafetensors) {
	t.Helper()
	sh := testmodel.ShardedSafetensors{Shards: []testmodel.Safetensors{
		{Metadata: map[string]string{"format": "pt"}, Tensors: []testmodel.SafetensorsTensor{{Name: "embed", Dtype: "BF16", Shape: []uint64{16, 8}}, {Name: "l0.w", Dtype: "BF16", Shape: []uint64{8, 8}}}},
		{Tensors: []testmodel.SafetensorsTensor{{Name: "l1.w", Dtype: "F32", Shape: []uint64{8, 8}}, {Name: "l1.b", Dtype: "F32", Shape: []uint64{8}}}},
		{Tensors: []testmodel.SafetensorsTensor{{Name: "head", Dtype: "F8_E4M3", Shape: []uint64{16, 8}}}},
	}}
	dir := t.TempDir()
	if _, err := testmodel.WriteShardedSafetensors(dir, sh); err != nil {
		t.Fatal(err)
	}
	return dir, sh
}

func openDir(t *testing.T, dir string) *manifest.Release {
	t.Helper()
	rel, err := manifest.Dir(dir).Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

func kinds(issues []manifest.IndexIssue) []string {
	var out []string
	for _, i := range issues {
		out = append(out, fmt.Sprintf("%s %s %s %s/%s", i.Kind, i.Shard, i.Tensor, i.Expected, i.Actual))
	}
	return out
}

func TestCheckIndex(t *testing.T) {
	const s1, s2, s3 = "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"
	t.Run("clean", func(t *testing.T) {
		dir, sh := shardedRelease(t)
		rel := openDir(t, dir)
		if len(rel.Problems) != 0 {
			t.Fatalf("problems: %v", rel.Problems[0].Message)
		}
		if rel.SafetensorsIndex == nil || rel.SafetensorsIndex.TotalSize != sh.TotalDataSize() {
			t.Fatalf("index %+v", rel.SafetensorsIndex)
		}
		if issues := rel.CheckIndex(); len(issues) != 0 {
			t.Errorf("issues: %v", kinds(issues))
		}
	})
	t.Run("missing shard", func(t *testing.T) {
		dir, _ := shardedRelease(t)
		os.Remove(filepath.Join(dir, s2))
		rel := openDir(t, dir)
		issues := rel.CheckIndex()
		// The total size is not checked while a shard is missing.
		if got := kinds(issues); !slices.Equal(got, []string{"shard-missing " + s2 + "  " + s2 + "/"}) {
			t.Fatalf("issues: %v", got)
		}
		ev := issues[0].Evidence[0]
		data, _ := os.ReadFile(filepath.Join(dir, "model.safetensors.index.json"))
		if ev.Path != "model.safetensors.index.json" || !strings.Contains(strings.Split(string(data), "\n")[ev.Line-1], s2) {
			t.Errorf("evidence %+v", ev)
		}
	})
	t.Run("unlisted shard and nested file", func(t *testing.T) {
		dir, _ := shardedRelease(t)
		extra := testmodel.Safetensors{Tensors: []testmodel.SafetensorsTensor{{Name: "extra", Dtype: "U8", Shape: []uint64{1}}}}
		// Numbered like a shard: a stray shard, whatever it holds.
		os.WriteFile(filepath.Join(dir, "model-00004-of-00004.safetensors"), extra.Bytes(), 0o644)
		// Checkpoints of their own (Mistral's consolidated.safetensors
		// beside the Hugging Face shards; a single-file copy of the same
		// tensors): not shards.
		dup := testmodel.Safetensors{Tensors: []testmodel.SafetensorsTensor{{Name: "head", Dtype: "F16", Shape: []uint64{2}}}}
		os.WriteFile(filepath.Join(dir, "model.safetensors"), dup.Bytes(), 0o644)
		os.WriteFile(filepath.Join(dir, "consolidated.safetensors"), extra.Bytes(), 0o644)
		os.Mkdir(filepath.Join(dir, "vae"), 0o755)
		os.WriteFile(filepath.Join(dir, "vae", "diffusion.safetensors"), extra.Bytes(), 0o644)
		got := kinds(openDir(t, dir).CheckIndex())
		want := []string{
			"shard-unlisted model-00004-of-00004.safetensors  /model-00004-of-00004.safetensors",
		}
		if !slices.Equal(got, want) {
			t.Errorf("issues: %v", got)
		}
	})
	t.Run("tensor issues and total size", func(t *testing.T) {
		dir, sh := shardedRelease(t)
		wm := sh.WeightMap()
		wm["l0.w"] = s2    // held by shard 1
		wm["ghost"] = s3   // held by nobody
		delete(wm, "head") // held by shard 3, not mapped
		writeIndex(t, dir, sh.TotalDataSize()+1, wm)
		got := kinds(openDir(t, dir).CheckIndex())
		want := []string{
			fmt.Sprintf("total-size-mismatch   %d/%d", sh.TotalDataSize()+1, sh.TotalDataSize()),
			"tensor-misplaced " + s2 + " l0.w " + s2 + "/" + s1,
			"tensor-missing " + s3 + " ghost " + s3 + "/",
			"tensor-unmapped " + s3 + " head /" + s3,
		}
		if !slices.Equal(got, want) {
			t.Errorf("issues:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
	t.Run("unreadable shard", func(t *testing.T) {
		dir, _ := shardedRelease(t)
		os.WriteFile(filepath.Join(dir, s3), []byte("not safetensors at all"), 0o644)
		rel := openDir(t, dir)
		if len(rel.Problems) != 1 {
			t.Fatalf("problems: %+v", rel.Problems)
		}
		// The shard's tensors are not reported one by one, nor the total.
		if issues := rel.CheckIndex(); len(issues) != 0 {
			t.Errorf("issues: %v", kinds(issues))
		}
	})
	t.Run("nested index", func(t *testing.T) {
		root := t.TempDir()
		sub := filepath.Join(root, "text_encoder")
		os.Mkdir(sub, 0o755)
		sh := testmodel.ShardedSafetensors{Shards: []testmodel.Safetensors{{Tensors: []testmodel.SafetensorsTensor{{Name: "x", Dtype: "F16", Shape: []uint64{4}}}}}}
		if _, err := testmodel.WriteShardedSafetensors(sub, sh); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(root, "unet.safetensors"), sh.Shards[0].Bytes(), 0o644)
		rel := openDir(t, root)
		if rel.SafetensorsIndex == nil || rel.SafetensorsIndex.Path != "text_encoder/model.safetensors.index.json" {
			t.Fatalf("index %+v", rel.SafetensorsIndex)
		}
		if issues := rel.CheckIndex(); len(issues) != 0 {
			t.Errorf("issues: %v", kinds(issues))
		}
	})
	t.Run("root index preferred", func(t *testing.T) {
		dir, _ := shardedRelease(t)
		os.Mkdir(filepath.Join(dir, "a"), 0o755)
		os.WriteFile(filepath.Join(dir, "a", "x.safetensors.index.json"), testmodel.SafetensorsIndexJSON(0, map[string]string{}), 0o644)
		if p := openDir(t, dir).SafetensorsIndex.Path; p != "model.safetensors.index.json" {
			t.Errorf("index %s", p)
		}
	})
	t.Run("issue cap", func(t *testing.T) {
		dir, sh := shardedRelease(t)
		wm := sh.WeightMap()
		for i := range limits.MaxIndexIssues + 10 {
			wm[fmt.Sprint("ghost.", i)] = s1
		}
		writeIndex(t, dir, sh.TotalDataSize(), wm)
		issues := openDir(t, dir).CheckIndex()
		last := issues[len(issues)-1]
		if len(issues) != limits.MaxIndexIssues+1 || last.Kind != manifest.IndexIssuesOmitted || last.Actual != "10" {
			t.Errorf("%d issues, last %+v", len(issues), last)
		}
	})
}

func writeIndex(t *testing.T, dir string, total int64, wm map[string]string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), testmodel.SafetensorsIndexJSON(total, wm), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFindingsOmitIndexIssues: index issues are facts for provenance;
// the release's own findings do not repeat them.
func TestFindingsOmitIndexIssues(t *testing.T) {
	dir, sh := shardedRelease(t)
	os.Remove(filepath.Join(dir, "model-00002-of-00003.safetensors"))
	writeIndex(t, dir, sh.TotalDataSize()+7, sh.WeightMap())
	rel := openDir(t, dir)
	if len(rel.CheckIndex()) == 0 {
		t.Fatal("no index issues to leave out")
	}
	for _, f := range rel.Findings() {
		if strings.HasPrefix(string(f.Code), "integrity.") || f.Code == finding.FormatMalformed {
			t.Errorf("finding %s: %s", f.Code, f.Message)
		}
	}
}

func TestOpenIndexProblemKeepsIndex(t *testing.T) {
	dir, _ := shardedRelease(t)
	data := `{"metadata":{"total_size":"lots"},"weight_map":{"embed":"model-00001-of-00003.safetensors"}}`
	os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), []byte(data), 0o644)
	rel := openDir(t, dir)
	if rel.SafetensorsIndex == nil || rel.SafetensorsIndex.Tensors != 1 {
		t.Fatalf("index dropped: %+v", rel.SafetensorsIndex)
	}
	if len(rel.Problems) != 1 || !strings.Contains(rel.Problems[0].Message, "total_size") {
		t.Errorf("problems: %+v", rel.Problems)
	}
	var fe *formats.Error
	if !errors.As(rel.Problems[0].Err, &fe) || fe.Line != 1 {
		t.Errorf("problem error %v", rel.Problems[0].Err)
	}
}
