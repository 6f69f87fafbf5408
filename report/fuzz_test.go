package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadJSON checks that any document either is refused or is a report
// that writes back and reads again to the same verdict and findings.
func FuzzReadJSON(f *testing.F) {
	goldens, _ := filepath.Glob(filepath.Join("..", "testdata", "golden", "*.json"))
	for _, p := range goldens {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"schema": "modelvet.report/v1", "verdict": "pass"}`))
	f.Add([]byte(`{"schema": "modelvet.report/v1", "verdict": "pass", "files": [{"path": "a", "metadata": {"x": [1, "b", {"c": null}]}}]}`))
	f.Add([]byte(strings.Repeat("[", 4096)))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ReadJSON(bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteJSON(&buf, r); err != nil {
			t.Fatalf("a report read cannot be written: %v", err)
		}
		again, err := ReadJSON(&buf)
		if err != nil {
			t.Fatalf("a report written cannot be read: %v\n%s", err, buf.Bytes())
		}
		if again.Verdict != r.Verdict || len(again.Findings) != len(r.Findings) {
			t.Fatalf("round trip changed the verdict or findings: %v/%d → %v/%d", r.Verdict, len(r.Findings), again.Verdict, len(again.Findings))
		}
	})
}
