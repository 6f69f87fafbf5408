// Package testutil helps tests find the shared corpus, compare golden
// files, and copy read-only fixtures before changing them.
package testutil

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Update rewrites golden files instead of comparing with them: go test
// ./... -update.
var Update = flag.Bool("update", false, "rewrite golden files")

// ModuleRoot returns the directory holding go.mod.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the module root")
	}
	// This file is internal/testutil/testutil.go.
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Corpus returns the path of a file or folder in the shared corpus
// (../shared/corpus next to the module root), skipping the test with a
// message when the corpus is not there. The corpus is read-only: copy a
// fixture with CopyDir before changing it.
func Corpus(t testing.TB, elem ...string) string {
	t.Helper()
	return shared(t, "corpus", elem...)
}

// Research returns the path of a file in ../shared/research, skipping the
// test when it is absent.
func Research(t testing.TB, elem ...string) string {
	t.Helper()
	return shared(t, "research", elem...)
}

// shared returns the path of elem in ../shared/<dir>. Without ../shared the
// test is skipped, unless the CI environment variable is set: CI always
// has it, so there its absence, like a missing file, fails the test.
func shared(t testing.TB, dir string, elem ...string) string {
	t.Helper()
	root := filepath.Join(ModuleRoot(t), "..", "shared", dir)
	p := filepath.Join(append([]string{root}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		if _, rootErr := os.Stat(root); rootErr != nil && os.Getenv("CI") == "" {
			t.Skipf("shared %s not available (%s): %v", dir, root, rootErr)
		}
		t.Fatalf("shared %s: %v", dir, err)
	}
	return p
}

// CopyDir copies the tree at src into a new temporary directory and returns
// it. Symlinks are copied as symlinks.
func CopyDir(t testing.TB, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(out, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, out)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// Golden compares got with the golden file at path, or rewrites the file
// when the test runs with -update.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file: %v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test -update to accept):\n%s", path, diff(want, got))
	}
}

// diff shows the first differing lines of two texts.
func diff(want, got []byte) string {
	wl := bytes.Split(want, []byte("\n"))
	gl := bytes.Split(got, []byte("\n"))
	var b bytes.Buffer
	shown := 0
	for i := 0; i < max(len(wl), len(gl)) && shown < 12; i++ {
		var w, g []byte
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if !bytes.Equal(w, g) {
			b.WriteString("line " + itoa(i+1) + ":\n  - " + string(w) + "\n  + " + string(g) + "\n")
			shown++
		}
	}
	return b.String()
}

func itoa(i int) string {
	var buf [20]byte
	n := len(buf)
	for i >= 10 {
		n--
		buf[n] = byte('0' + i%10)
		i /= 10
	}
	n--
	buf[n] = byte('0' + i)
	return string(buf[n:])
}
