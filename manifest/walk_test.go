package manifest

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/testmodel"
)

func problemsByPath(rel *Release) map[string]string {
	out := map[string]string{}
	for _, p := range rel.Problems {
		out[p.Path] = p.Message
	}
	return out
}

// TestWalkHostileTree opens a release holding every kind of hostile entry:
// none may hang, panic or be read, and each is a problem.
func TestWalkHostileTree(t *testing.T) {
	dir := t.TempDir()
	write := func(p string, data []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("README.md", tinyCard)
	write("model.safetensors", testmodel.TinySafetensors())
	write("sub/inner.gguf", testmodel.TinyGGUF())
	if err := mkfifo(filepath.Join(dir, "pipe.safetensors")); err != nil {
		t.Skip("cannot make a FIFO:", err)
	}
	// A socket (short path: socket names are limited to ~100 bytes).
	sockDir, err := os.MkdirTemp("", "mv")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(sockDir)
	ln, err := net.Listen("unix", filepath.Join(sockDir, "s"))
	if err == nil {
		defer ln.Close()
		os.Symlink(filepath.Join(sockDir, "s"), filepath.Join(dir, "sock-link"))
		// A socket inside the tree: link the socket path's directory in.
		ln2, err := net.Listen("unix", filepath.Join(sockDir, "t"))
		if err == nil {
			defer ln2.Close()
		}
	}
	os.Symlink("/etc/passwd", filepath.Join(dir, "passwd.bin"))
	os.Symlink("/dev/zero", filepath.Join(dir, "zero.safetensors"))
	os.Symlink("loop2", filepath.Join(dir, "loop1"))
	os.Symlink("loop1", filepath.Join(dir, "loop2"))
	os.Symlink("sub", filepath.Join(dir, "sub-again"))                       // directory inside: skipped quietly
	os.Symlink("model.safetensors", filepath.Join(dir, "alias.safetensors")) // file inside: followed
	os.Symlink("/tmp", filepath.Join(dir, "tmp-dir"))                        // directory outside: problem
	// Absurd depth.
	deep := dir
	for i := 0; i < limits.MaxWalkDepth+3; i++ {
		deep = filepath.Join(deep, "d")
	}
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(deep, "hidden.gguf"), testmodel.TinyGGUF(), 0o644)

	rel, err := Dir(dir).Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	probs := problemsByPath(rel)
	for p, want := range map[string]string{
		"pipe.safetensors": "named pipe",
		"passwd.bin":       "outside",
		"zero.safetensors": "outside",
		"loop1":            "cannot be resolved",
		"loop2":            "cannot be resolved",
		"tmp-dir":          "outside",
	} {
		if !strings.Contains(probs[p], want) {
			t.Errorf("%s: problem %q, want %q", p, probs[p], want)
		}
		if f := rel.File(p); f == nil || f.LocalPath != "" {
			t.Errorf("%s: %+v", p, f)
		}
	}
	if _, ok := probs["sock-link"]; ln != nil && !ok {
		t.Errorf("socket link: no problem")
	}
	var deepProblem bool
	for p, m := range probs {
		if strings.Contains(m, "nested deeper") && strings.Count(p, "/") == limits.MaxWalkDepth {
			deepProblem = true
		}
	}
	if !deepProblem {
		t.Errorf("no depth problem: %v", probs)
	}
	if rel.File("sub-again/inner.gguf") != nil || probs["sub-again"] != "" {
		t.Error("directory link inside the tree should be skipped quietly")
	}
	if f := rel.File("alias.safetensors"); f == nil || !f.Symlink || f.LocalPath == "" || f.Format != FormatSafetensors {
		t.Errorf("in-tree link = %+v", f)
	}
	if f := rel.File("sub/inner.gguf"); f == nil || f.Format != FormatGGUF {
		t.Errorf("inner = %+v", f)
	}
}

// TestWalkSocketInTree puts a listening socket in the release itself.
func TestWalkSocketInTree(t *testing.T) {
	dir, err := os.MkdirTemp("", "mv")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("unix", filepath.Join(dir, "s"))
	if err != nil {
		t.Skip("no unix sockets:", err)
	}
	defer ln.Close()
	rel, err := Dir(dir).Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(problemsByPath(rel)["s"], "socket") {
		t.Errorf("problems %v", rel.Problems)
	}
}

func TestWalkUnreadable(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "secret.safetensors"), testmodel.TinySafetensors(), 0o000)
	os.MkdirAll(filepath.Join(dir, "locked", "x"), 0o755)
	os.WriteFile(filepath.Join(dir, "locked", "x", "m.gguf"), testmodel.TinyGGUF(), 0o644)
	os.Chmod(filepath.Join(dir, "locked"), 0o000)
	defer os.Chmod(filepath.Join(dir, "locked"), 0o755)
	rel, err := Dir(dir).Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	probs := problemsByPath(rel)
	if os.Geteuid() == 0 {
		// Permissions do not stop root: everything is read normally.
		if len(probs) != 0 || rel.File("locked/x/m.gguf") == nil {
			t.Errorf("as root: problems %v", probs)
		}
		return
	}
	if !strings.Contains(probs["secret.safetensors"], "permission denied") {
		t.Errorf("unreadable file: %v", probs)
	}
	if !strings.Contains(probs["locked"], "permission denied") {
		t.Errorf("unreadable dir: %v", probs)
	}
}

func TestWalkRootThroughLink(t *testing.T) {
	real := t.TempDir()
	os.WriteFile(filepath.Join(real, "m.gguf"), testmodel.TinyGGUF(), 0o644)
	link := filepath.Join(t.TempDir(), "link")
	os.Symlink(real, link)
	rel, err := Dir(link).Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if f := rel.File("m.gguf"); f == nil || f.Symlink {
		t.Errorf("files %+v", rel.Files)
	}
}

func TestWalkProblemCap(t *testing.T) {
	if testing.Short() {
		t.Skip("makes over a thousand links")
	}
	dir := t.TempDir()
	for i := 0; i < limits.MaxWalkProblems+5; i++ {
		os.Symlink("/nonexistent", filepath.Join(dir, "l"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+strconv.Itoa(i)))
	}
	rel, err := Dir(dir).Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(rel.Problems) != limits.MaxWalkProblems+1 || !strings.Contains(rel.Problems[len(rel.Problems)-1].Message, "5 more problems") {
		t.Errorf("%d problems, last %q", len(rel.Problems), rel.Problems[len(rel.Problems)-1].Message)
	}
}

// TestFileSourceSpecialFiles refuses devices and FIFOs as single-file
// targets without opening them.
func TestFileSourceSpecialFiles(t *testing.T) {
	if _, err := Parse("/dev/zero"); err == nil {
		t.Error("/dev/zero accepted")
	}
	p := filepath.Join(t.TempDir(), "fifo.gguf")
	if err := mkfifo(p); err != nil {
		t.Skip(err)
	}
	if _, err := Parse(p); err == nil {
		t.Error("FIFO accepted")
	}
	if _, err := FileSource(p).Open(t.Context()); err == nil {
		t.Error("FIFO opened")
	}
}
