package license

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/licensecheck"

	"github.com/modelvet/modelvet/kb"
)

// licensecheckTestdata returns licensecheck's own test corpus in the module
// cache, skipping when it is not there.
func licensecheckTestdata(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Skipf("go env GOMODCACHE: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "github.com", "google", "licensecheck@v0.3.1", "testdata")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("licensecheck test corpus not in the module cache: %v", err)
	}
	return dir
}

// licensecheckText returns the licence text of one file of licensecheck's
// test corpus (the body after its header), so tests need no committed
// licence texts.
func licensecheckText(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(licensecheckTestdata(t), name))
	if err != nil {
		t.Fatal(err)
	}
	_, body, ok := strings.Cut(string(data), "\n\n")
	if !ok {
		t.Fatalf("%s: no header", name)
	}
	return body
}

// canon maps a licence id to its knowledge-base id, when there is one, so
// that licensecheck's AML and the knowledge base's apple-ascl compare equal.
func canon(id string) string {
	if l := kb.Default().License(id); l != nil {
		return l.ID
	}
	return id
}

// TestLicensecheckCorpus compares, file by file, the licences this package
// finds in licensecheck's own test corpus with those licensecheck's full
// built-in scanner finds: every expected licence licensecheck finds, this
// package must find too.
func TestLicensecheckCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds licensecheck's full scanner")
	}
	dir := licensecheckTestdata(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.t*"))
	s, err := shared()
	if err != nil {
		t.Fatal(err)
	}
	var nFiles, nExpected, lcFound, ourFound, worse, better int
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		i := bytes.Index(data, []byte("\n\n"))
		if i < 0 {
			continue
		}
		var want []string
		for _, line := range strings.Split(string(data[:i]), "\n")[1:] {
			fs := strings.Fields(line)
			if len(fs) == 2 && !strings.HasPrefix(line, "#") && !slices.Contains(want, fs[0]) {
				want = append(want, fs[0])
			}
		}
		text := data[i+2:]
		if len(want) == 0 {
			continue
		}
		nFiles++
		var lc, ours []string
		for _, m := range licensecheck.Scan(text).Match {
			lc = append(lc, m.ID)
		}
		for _, m := range s.scanText(text, scanOptions{fallback: true}) {
			ours = append(ours, canon(m.ID))
		}
		a, b := 0, 0
		for _, w := range want {
			nExpected++
			if slices.Contains(lc, w) {
				a++
			}
			if slices.Contains(ours, canon(w)) {
				b++
			}
		}
		lcFound += a
		ourFound += b
		switch {
		case b < a:
			worse++
			t.Errorf("%s: licensecheck finds %d of %v (%v), this package %d (%v)", filepath.Base(f), a, want, lc, b, ours)
		case b > a:
			better++
		}
	}
	t.Logf("licensecheck test corpus: %d files, %d expected licences; licensecheck alone finds %d, this package %d; worse on %d files, better on %d",
		nFiles, nExpected, lcFound, ourFound, worse, better)
}
