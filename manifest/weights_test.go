package manifest_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/manifest"
)

// TestOpenHeaderOnlyCapture checks that describing a release keeps the
// header facts of a truncated file next to the Problem.
func TestOpenHeaderOnlyCapture(t *testing.T) {
	dir := t.TempDir()
	st := testmodel.Safetensors{Metadata: map[string]string{"format": "pt"}, Tensors: []testmodel.SafetensorsTensor{
		{Name: "a", Dtype: "BF16", Shape: []uint64{4, 4}}, {Name: "b", Dtype: "F32", Shape: []uint64{3}},
	}}
	if err := os.WriteFile(filepath.Join(dir, "model.safetensors"), st.HeaderBytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	rel, err := manifest.Dir(dir).Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f := rel.File("model.safetensors")
	if f == nil || f.Safetensors == nil {
		t.Fatalf("header facts dropped: %+v", f)
	}
	if f.Safetensors.Parameters != 19 || !f.Safetensors.Truncated {
		t.Errorf("Parameters = %d, Truncated = %v; want 19, true", f.Safetensors.Parameters, f.Safetensors.Truncated)
	}
	if len(rel.Problems) != 1 || !errors.Is(rel.Problems[0].Err, formats.ErrTruncated) {
		t.Fatalf("Problems = %+v, want one truncation problem", rel.Problems)
	}
	if p := rel.Problems[0]; p.Path != "model.safetensors" || p.Offset != int64(len(st.HeaderBytes())) {
		t.Errorf("problem at %s offset %d", p.Path, p.Offset)
	}
	fs := rel.Findings()
	if len(fs) != 1 || fs[0].Code != finding.FormatMalformed {
		t.Errorf("Findings = %+v, want one format.malformed", fs)
	}
}

// TestGGUFEvidence: evidence for a GGUF key cites the file, the key's byte
// offset and its value, as license and provenance quote it.
func TestGGUFEvidence(t *testing.T) {
	dir := t.TempDir()
	data := testmodel.GGUF{KV: []testmodel.KV{
		{Key: "general.architecture", Value: testmodel.String("qwen2")},
		{Key: "general.license", Value: testmodel.String("apache-2.0")},
		{Key: "general.base_model.count", Value: testmodel.Uint32(1)},
	}}.Bytes()
	if err := os.WriteFile(filepath.Join(dir, "m.gguf"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	rel, err := manifest.Dir(dir).Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f := rel.File("m.gguf")
	if f == nil || f.GGUF == nil {
		t.Fatalf("m.gguf not read: %+v", rel.Problems)
	}
	if ev := f.GGUFEvidence("general.license"); ev.Path != "m.gguf" || ev.Offset != int64(bytes.Index(data, []byte("general.license"))-8) || ev.Value != "apache-2.0" {
		t.Errorf("license evidence = %+v", ev)
	}
	if ev := f.GGUFEvidence("general.base_model.count"); ev.Value != "1" {
		t.Errorf("count evidence = %+v", ev)
	}
	if ev := f.GGUFEvidence("general.name"); ev != (finding.Evidence{Path: "m.gguf", Field: "general.name"}) {
		t.Errorf("evidence of an absent key = %+v", ev)
	}
}
