package modelvet_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/internal/testutil"
)

// TestDemoWeightsCurrent keeps the committed demo weight files equal to
// what internal/testmodel generates (go test -update rewrites them).
func TestDemoWeightsCurrent(t *testing.T) {
	for name, want := range testmodel.DemoFiles() {
		p := filepath.Join("testdata", "models", filepath.FromSlash(name))
		if *testutil.Update {
			if err := os.WriteFile(p, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run go test -update to generate it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from its generator (run go test -update)", p)
		}
	}
}
