package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/kb"
)

// The embedded datasets.yaml is what the generator makes from the corpus
// and the research table: regenerate with go generate ./kb when either
// changes.
func TestDatasetsUpToDate(t *testing.T) {
	dpi := testutil.Corpus(t, "data-provenance")
	csv := testutil.Research(t, "restricted-datasets.csv")
	got, err := generate(kb.Default(), dpi, csv)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(testutil.ModuleRoot(t), "kb", "data", "datasets.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("kb/data/datasets.yaml is stale: run go generate ./kb")
	}
}

func TestGeneratorErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := generate(kb.Default(), dir, filepath.Join(dir, "none.csv")); err == nil {
		t.Error("missing DPI directory accepted")
	}
	dpi := testutil.Corpus(t, "data-provenance")
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("hf_id,generator_model\nx,y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := generate(kb.Default(), dpi, bad); err == nil || !strings.Contains(err.Error(), "column") {
		t.Errorf("CSV without the columns: %v", err)
	}
}
