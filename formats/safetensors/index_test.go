package safetensors_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/formats/safetensors"
	"github.com/modelvet/modelvet/internal/formattest"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/testmodel"
)

func TestParseIndex(t *testing.T) {
	wm := map[string]string{"a.weight": "model-00001-of-00002.safetensors", "b.weight": "model-00002-of-00002.safetensors", "c.bias": "model-00001-of-00002.safetensors"}
	data := testmodel.SafetensorsIndexJSON(1234, wm)
	idx, err := safetensors.ParseIndex("model.safetensors.index.json", data)
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
		idx, err := safetensors.ParseIndex("i.json", []byte(doc))
		if err != nil || idx.TotalSize != want {
			t.Errorf("%s: %v, total %v", doc, err, idx)
		}
	}
	idx, _ = safetensors.ParseIndex("i.json", []byte(`{"metadata":{"total_size":1,"format":"pt","n":8030261248},"weight_map":{}}`))
	if idx.Metadata["format"] != "pt" || idx.Metadata["n"] != "8030261248" {
		t.Errorf("Metadata = %v", idx.Metadata)
	}
}

func TestParseIndexHostile(t *testing.T) {
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
			idx, err := safetensors.ParseIndex("m.index.json", []byte(c.doc))
			if err == nil {
				t.Fatalf("no error: %+v", idx)
			}
			fe := formattest.Error(t, err, "safetensors-index", c.off, c.want)
			if fe.Line != c.line || fe.Path != "m.index.json" {
				t.Errorf("at %s:%d, want line %d", fe.Path, fe.Line, c.line)
			}
			if (idx != nil) != c.idx {
				t.Errorf("index returned = %v, want %v", idx != nil, c.idx)
			}
		})
	}
	deep := `{"weight_map":{},"x":` + strings.Repeat("[", 5_000_000)
	if _, err := safetensors.ParseIndex("deep.json", []byte(deep)); err == nil {
		t.Error("deep nesting accepted")
	} else {
		formattest.Error(t, err, "safetensors-index", int64(strings.Index(deep, "[")+limits.MaxJSONDepth-1), "nesting deeper than the limit")
	}
	big := make([]byte, limits.MaxIndexBytes+1)
	if _, err := safetensors.ParseIndex("big.json", big); err == nil || !strings.Contains(err.Error(), "over the 67108864-byte limit") {
		t.Errorf("oversized index: %v", err)
	}
}

func quoteJSON(s string) string {
	r := strings.NewReplacer(`"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// TestParseIndexPrefix reads total_size from the first bytes of indexes:
// found before the weight_map, absent after it, not an error when the
// bytes end inside the metadata, an error when the whole file is faulty.
func TestParseIndexPrefix(t *testing.T) {
	doc := `{"metadata": {"total_size": 1234, "format": "pt"}, "weight_map": {"a": "model-00001-of-00002.safetensors"}}`
	idx, err := safetensors.ParseIndexPrefix("i.json", []byte(doc[:60]), int64(len(doc)))
	if err != nil || idx.TotalSize != 1234 || idx.TotalSizeLine != 1 {
		t.Errorf("metadata first: %+v, %v", idx, err)
	}
	after := `{"weight_map": {"a": "x.safetensors"}, "metadata": {"total_size": 5}}`
	if idx, err := safetensors.ParseIndexPrefix("i.json", []byte(after), int64(len(after))); err != nil || idx.TotalSize != -1 {
		t.Errorf("metadata after the weight_map: %+v, %v", idx, err)
	}
	if idx, err := safetensors.ParseIndexPrefix("i.json", []byte(doc[:25]), int64(len(doc))); err != nil || idx.TotalSize != -1 {
		t.Errorf("cut inside the metadata: %+v, %v", idx, err)
	}
	bad := `{"metadata": {"total_size": 12, "x": [}, "weight_map": {}}`
	if _, err := safetensors.ParseIndexPrefix("i.json", []byte(bad), int64(len(bad))); err == nil {
		t.Error("a faulty whole index gave no error")
	}
	if _, err := safetensors.ParseIndexPrefix("i.json", []byte("{\"metadata\": \xff\xfe\xfd\xfc\xfb {}}"), 21); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("not UTF-8: %v", err)
	}
}
