package main

import (
	"bytes"
	"encoding/csv"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelvet/modelvet/internal/testmodel"
)

func TestIntakeCSV(t *testing.T) {
	models := filepath.Join("..", "..", "testdata", "models")
	downloads := t.TempDir()
	if _, err := testmodel.WriteDownloads(downloads); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run([]string{filepath.Join(models, "tinyllama-apache"), filepath.Join(models, "r1-distill-qwen-7b-gguf"), downloads, "=HYPERLINK(\"x\")"}, &out, &errb)
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// target, name, verdict, developer, country, roots, barred_in, licenses
	want := [][]string{
		{"tinyllama-apache", "pass", "", "", "tinyllama-apache", "", "apache-2.0"},
		{"r1-distill-qwen-7b-gguf", "fail", "DeepSeek", "CN", "Qwen/Qwen2.5-7B deepseek-ai/DeepSeek-V3-Base", "us-dod us-federal?", "mit"},
		{"Llama-3.2-1B-Instruct-Q4_K_M.gguf", "review", "Meta", "US", "meta-llama/Llama-3.2-1B-Instruct", "", "llama3.2"},
		{"Qwen2.5-7B-Instruct-Q4_K_M.gguf", "fail", "Qwen (Alibaba Cloud)", "CN", "Qwen/Qwen2.5-7B", "us-dod us-federal?", "apache-2.0"},
		{"", "error", "", "", "", "", ""},
	}
	if len(rows) != len(want)+1 || !slices.Equal(rows[0], []string{"target", "name", "verdict", "developer", "country", "roots", "barred_in", "licenses", "error"}) {
		t.Fatalf("rows:\n%q\nstderr: %s", rows, errb.String())
	}
	for i, w := range want {
		if got := rows[i+1][1:8]; !slices.Equal(got, w) {
			t.Errorf("row %d (%s):\n got %q\nwant %q", i+1, rows[i+1][0], got, w)
		}
	}
	if last := rows[len(rows)-1]; last[0] != "'=HYPERLINK(\"x\")" || last[8] == "" {
		t.Errorf("the hostile target is not quoted, or has no error: %q", last)
	}
	if code != 1 {
		t.Errorf("exit %d, want 1 (a target could not be audited)", code)
	}
	if code := run([]string{filepath.Join(models, "tinyllama-apache")}, &out, &errb); code != 0 {
		t.Errorf("a passing model: exit %d", code)
	}
	if code := run([]string{"-policy", filepath.Join(downloads, "absent.yaml"), downloads}, &out, &errb); code != 2 {
		t.Errorf("a missing policy: exit %d", code)
	}
}
