package modelvet_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/modelvet/modelvet"
	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/manifest"
	"github.com/modelvet/modelvet/report"
)

// fixedClock makes reports deterministic.
func fixedClock() time.Time { return time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC) }

// auditDir audits a directory with the options golden reports use.
func auditDir(t *testing.T, dir string, opts ...modelvet.Option) *modelvet.Report {
	t.Helper()
	opts = append([]modelvet.Option{modelvet.WithClock(fixedClock), modelvet.WithoutHashingUnsafe()}, opts...)
	rep, err := modelvet.Audit(context.Background(), manifest.Dir(dir), opts...)
	if err != nil {
		t.Fatalf("Audit(%s): %v", dir, err)
	}
	return rep
}

// TestGoldenReports checks the text and JSON reports of every demo release
// (go test -update rewrites them after a reviewed change).
func TestGoldenReports(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "models", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no demo releases: %v", err)
	}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			rep := auditDir(t, dir)
			var js, txt bytes.Buffer
			if err := report.WriteJSON(&js, rep); err != nil {
				t.Fatal(err)
			}
			testutil.ValidateReport(t, js.Bytes())
			testutil.Golden(t, filepath.Join("testdata", "golden", name+".json"), js.Bytes())
			if err := report.WriteText(&txt, rep, report.TextOptions{}); err != nil {
				t.Fatal(err)
			}
			testutil.Golden(t, filepath.Join("testdata", "golden", name+".txt"), txt.Bytes())

			// The JSON round-trips to the same report.
			back, err := report.ReadJSON(bytes.NewReader(js.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			var again bytes.Buffer
			if err := report.WriteJSON(&again, back); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again.Bytes(), js.Bytes()) {
				t.Error("JSON report does not round-trip")
			}
		})
	}
}

// TestDeterministic audits the same release twice, concurrently, and
// expects byte-identical reports.
func TestDeterministic(t *testing.T) {
	a, err := modelvet.New(modelvet.WithClock(fixedClock), modelvet.WithoutHashingUnsafe())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("testdata", "models", "support-bot-llama3")
	out := make([][]byte, 4)
	done := make(chan int)
	for i := range out {
		go func() {
			defer func() { done <- i }()
			rep, err := a.Audit(context.Background(), manifest.Dir(dir))
			if err != nil {
				t.Error(err)
				return
			}
			var b bytes.Buffer
			report.WriteJSON(&b, rep)
			out[i] = b.Bytes()
		}()
	}
	for range out {
		<-done
	}
	for i := 1; i < len(out); i++ {
		if !bytes.Equal(out[0], out[i]) {
			t.Fatalf("audit %d differs from audit 0", i)
		}
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
}
