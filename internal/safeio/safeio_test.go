package safeio

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestReadAll(t *testing.T) {
	if got, err := ReadAll(strings.NewReader("12345"), 5); err != nil || string(got) != "12345" {
		t.Errorf("ReadAll at the cap = %q, %v", got, err)
	}
	if _, err := ReadAll(strings.NewReader("123456"), 5); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ReadAll over the cap: %v", err)
	}
}

func TestReadFileRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// Opening a FIFO for reading would block until a writer comes: it must
	// be refused before it is opened.
	if _, err := ReadFile(fifo, 10); !errors.Is(err, ErrNotRegular) {
		t.Errorf("ReadFile(fifo) = %v, want ErrNotRegular", err)
	}
	if _, err := ReadFile(dir, 10); !errors.Is(err, ErrNotRegular) {
		t.Errorf("ReadFile(dir) = %v, want ErrNotRegular", err)
	}
	if _, err := ReadFile("/dev/zero", 10); !errors.Is(err, ErrNotRegular) {
		t.Errorf("ReadFile(/dev/zero) = %v, want ErrNotRegular", err)
	}
}

func TestReadAt(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 300_000) // 3 MB, over one chunk
	r := bytes.NewReader(data)
	got, err := ReadAt(r, 5, int64(len(data))-5)
	if err != nil || !bytes.Equal(got, data[5:]) {
		t.Fatalf("ReadAt of the whole tail: %v", err)
	}
	// A length field that lies about the size fails without allocating it.
	if _, err := ReadAt(r, 0, 1<<40); err == nil {
		t.Error("ReadAt past the end succeeded")
	}
	if _, err := ReadAt(r, -1, 1); err == nil {
		t.Error("ReadAt at a negative offset succeeded")
	}
	f := filepath.Join(t.TempDir(), "f")
	os.WriteFile(f, []byte("abc"), 0o644)
	if got, err := ReadFile(f, 3); err != nil || string(got) != "abc" {
		t.Errorf("ReadFile = %q, %v", got, err)
	}
}

func TestReadFullAt(t *testing.T) {
	r := strings.NewReader("0123456789")
	buf := make([]byte, 4)
	if err := ReadFullAt(r, buf, 6); err != nil || string(buf) != "6789" {
		t.Fatalf("ReadFullAt = %q, %v", buf, err)
	}
	if err := ReadFullAt(r, buf, 8); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short read: err = %v, want io.ErrUnexpectedEOF", err)
	}
}

func TestCapAndCountingReaders(t *testing.T) {
	cr := &CountingReader{R: strings.NewReader("hello world")}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(cr, buf); err != nil || cr.N != 5 {
		t.Fatalf("read 5: N %d, %v", cr.N, err)
	}
	if _, err := cr.Seek(8, io.SeekStart); err != nil || cr.N != 8 {
		t.Fatalf("seek: N %d, %v", cr.N, err)
	}
	capped := &CapReader{R: strings.NewReader(strings.Repeat("x", 100)), Left: 10, What: "output"}
	data, err := io.ReadAll(capped)
	if len(data) != 10 || !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "output") {
		t.Errorf("capped read: %d bytes, %v", len(data), err)
	}
}

func TestReadFilePrefix(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		max       int64
		want      string
		truncated bool
	}{{4, "0123", true}, {10, "0123456789", false}, {20, "0123456789", false}} {
		data, truncated, err := ReadFilePrefix(p, tc.max)
		if err != nil || string(data) != tc.want || truncated != tc.truncated {
			t.Errorf("max %d: %q %v %v", tc.max, data, truncated, err)
		}
	}
}

func TestWithin(t *testing.T) {
	root := filepath.FromSlash("/r/release")
	for p, want := range map[string]bool{
		"/r/release":         true,
		"/r/release/a/b":     true,
		"/r/release/..a":     true, // a name that starts with two dots stays inside
		"/r":                 false,
		"/r/release-2/x":     false,
		"/r/release/../x":    false,
		"/elsewhere/release": false,
	} {
		if got := Within(filepath.Clean(filepath.FromSlash(p)), root); got != want {
			t.Errorf("Within(%s) = %v, want %v", p, got, want)
		}
	}
}

func TestResolveInside(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "outside")
	os.WriteFile(outside, []byte("x"), 0o644)
	os.WriteFile(filepath.Join(root, "file"), []byte("x"), 0o644)
	os.Mkdir(filepath.Join(root, "dir"), 0o755)
	for name, target := range map[string]string{"in": "file", "out": outside, "dir": "dir", "dangling": "nothing"} {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Skip("cannot make symlinks:", err)
		}
	}
	if got, _, err := ResolveInside(filepath.Join(root, "in"), root); err != nil || got != filepath.Join(root, "file") {
		t.Errorf("link inside: %q, %v", got, err)
	}
	if _, _, err := ResolveInside(filepath.Join(root, "out"), root); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("link outside: %v", err)
	}
	if _, mode, err := ResolveInside(filepath.Join(root, "dir"), root); err == nil || !mode.IsDir() || !strings.Contains(err.Error(), "a directory") {
		t.Errorf("link to a directory: %v, mode %v", err, mode)
	}
	if _, _, err := ResolveInside(filepath.Join(root, "dangling"), root); err == nil || !strings.Contains(err.Error(), "cannot be resolved") {
		t.Errorf("dangling link: %v", err)
	}
}

func TestFileInside(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(root, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	if got, err := FileInside(file, root, "blob"); err != nil || got != file {
		t.Errorf("regular file: %q, %v", got, err)
	}
	if _, err := FileInside(root, root, "blob"); err == nil || err.Error() != "blob is a directory, not a regular file" {
		t.Errorf("directory: %v", err)
	}
	if _, err := FileInside(filepath.Join(root, "absent"), root, "blob"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("absent: %v", err)
	}
	if err := os.Symlink(file, filepath.Join(root, "link")); err != nil {
		t.Skip("cannot make symlinks:", err)
	}
	if got, err := FileInside(filepath.Join(root, "link"), root, "blob"); err != nil || got != file {
		t.Errorf("link inside: %q, %v", got, err)
	}
}
