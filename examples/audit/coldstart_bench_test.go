package main

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/modelvet/modelvet/internal/testutil"
)

// BenchmarkColdStart runs the built audit program on a small demo model,
// one new process per iteration: what a CI pipeline pays per model.
//
//	go test ./examples/audit -run '^$' -bench ColdStart -benchtime 50x
func BenchmarkColdStart(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "audit")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	model := filepath.Join(testutil.ModuleRoot(b), "testdata", "models", "tinyllama-apache")
	for b.Loop() {
		// Exit status 0 (pass) is expected; any other is a failure here.
		if out, err := exec.Command(bin, model).CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
	}
}
