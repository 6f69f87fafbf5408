package hub

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/internal/jsonscan"
	"github.com/modelvet/modelvet/internal/limits"
)

func TestParseModelInfo(t *testing.T) {
	m, err := ParseModelInfo([]byte(`{"modelId":"gpt2","author":"openai","sha":"ABCDEF","gated":true,"downloads":-3,
		"cardData":{"license":"mit","base_model":["a/b","",7],"datasets":"d/e"},
		"siblings":[{"rfilename":"x.safetensors","size":10,"blobId":"AB","lfs":{"sha256":"CD","size":10,"pointerSize":-1}},{"rfilename":"y","size":1.5}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != "gpt2" || m.Author != "openai" || m.SHA != "abcdef" || m.Gated != "true" || m.Downloads != 0 ||
		!slices.Equal(m.License, []string{"mit"}) || !slices.Equal(m.BaseModel, []string{"a/b"}) || !slices.Equal(m.Datasets, []string{"d/e"}) {
		t.Errorf("record %+v", m)
	}
	want := []File{{Path: "x.safetensors", Size: 10, BlobID: "ab", LFS: &LFS{SHA256: "cd", Size: 10}}, {Path: "y", Size: -1}}
	if len(m.Files) != 2 || m.Files[0].Path != want[0].Path || *m.Files[0].LFS != *want[0].LFS || m.Files[0].BlobID != "ab" || m.Files[1] != want[1] {
		t.Errorf("files %+v", m.Files)
	}
	for _, bad := range []string{`[]`, `{"id":`, `{"author":"x"}`, `{"id":"a/b","siblings":{"rfilename":"x"}}`, `{"id":"a/b","siblings":[{"rfilename":1}]}`} {
		var re *RecordError
		if _, err := ParseModelInfo([]byte(bad)); !errors.As(err, &re) {
			t.Errorf("%s: %v, want a *RecordError", bad, err)
		}
	}
}

func TestParseModelInfoSafetensors(t *testing.T) {
	for _, tc := range []struct {
		json  string
		total int64
		by    map[string]int64
	}{
		{`{"id":"a/b","safetensors":{"parameters":{"BF16":3,"F8_E4M3":5},"total":8}}`, 8, map[string]int64{"BF16": 3, "F8_E4M3": 5}},
		{`{"id":"a/b","safetensors":{"parameters":{"BF16":3,"F32":4}}}`, 7, map[string]int64{"BF16": 3, "F32": 4}},
		{`{"id":"a/b","safetensors":{"parameters":{"BF16":-3,"F32":1.5,"I8":"2","U8":1e3,"F16":2},"total":-1}}`, 2, map[string]int64{"F16": 2}},
		{`{"id":"a/b","safetensors":{"parameters":{"A":9223372036854775807,"B":9223372036854775807}}}`, 0, map[string]int64{"A": 9223372036854775807, "B": 9223372036854775807}},
		{`{"id":"a/b","safetensors":{"parameters":{"A":92233720368547758070}}}`, 0, nil},
		{`{"id":"a/b","safetensors":[1,2]}`, 0, nil},
		{`{"id":"a/b"}`, 0, nil},
	} {
		m, err := ParseModelInfo([]byte(tc.json))
		if err != nil {
			t.Fatal(err)
		}
		if m.SafetensorsTotal != tc.total || !maps.Equal(m.SafetensorsParameters, tc.by) {
			t.Errorf("%s: %d %v, want %d %v", tc.json, m.SafetensorsTotal, m.SafetensorsParameters, tc.total, tc.by)
		}
	}
}

// TestParseModelInfoDeep: records nested past limits.MaxJSONDepth, under
// the size cap, are refused with the offset of the bracket too deep, in
// the test process (a stack overflow would end it), wherever the nesting
// sits.
func TestParseModelInfoDeep(t *testing.T) {
	deep := bytes.Repeat([]byte("["), 8<<20)
	for name, data := range map[string][]byte{
		"brackets":    deep,
		"in cardData": append([]byte(`{"id":"a/b","cardData":{"base_model":`), deep...),
		"in siblings": append([]byte(`{"id":"a/b","siblings":[{"rfilename":"x","lfs":`), bytes.Repeat([]byte(`{"a":`), 1<<20)...),
	} {
		_, err := ParseModelInfo(data)
		var re *RecordError
		var de *jsonscan.DepthError
		if !errors.As(err, &re) || !errors.As(err, &de) || de.Offset > limits.MaxJSONDepth*6+64 || !strings.Contains(err.Error(), "levels deep") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
