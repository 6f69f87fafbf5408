package lfs_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/formats/lfs"
	"github.com/modelvet/modelvet/internal/testmodel"
)

func TestParse(t *testing.T) {
	const oid = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393"
	for _, c := range []struct {
		name, text string
		ok         bool
	}{
		{"current", "version https://git-lfs.github.com/spec/v1\noid sha256:" + oid + "\nsize 12345\n", true},
		{"pre-release version", "version https://hawser.github.com/spec/v1\noid sha256:" + oid + "\nsize 12345\n", true},
		{"no final newline", "version https://git-lfs.github.com/spec/v1\noid sha256:" + oid + "\nsize 12345", true},
		{"CRLF", "version https://git-lfs.github.com/spec/v1\r\noid sha256:" + oid + "\r\nsize 12345\r\n", true},
		{"extension lines", "version https://git-lfs.github.com/spec/v1\next-0-foo sha256:" + oid + "\noid sha256:" + oid + "\nsize 12345\n", true},
		{"upper-case hex", "version https://git-lfs.github.com/spec/v1\noid sha256:" + strings.ToUpper(oid) + "\nsize 1\n", true},
		{"version not first", "oid sha256:" + oid + "\nversion https://git-lfs.github.com/spec/v1\nsize 12345\n", false},
		{"other version", "version https://example.com/spec/v9\noid sha256:" + oid + "\nsize 12345\n", false},
		{"no size", "version https://git-lfs.github.com/spec/v1\noid sha256:" + oid + "\n", false},
		{"no oid", "version https://git-lfs.github.com/spec/v1\nsize 12345\n", false},
		{"short oid", "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12345\n", false},
		{"other hash", "version https://git-lfs.github.com/spec/v1\noid md5:" + oid + "\nsize 12345\n", false},
		{"negative size", "version https://git-lfs.github.com/spec/v1\noid sha256:" + oid + "\nsize -1\n", false},
		{"two sizes", "version https://git-lfs.github.com/spec/v1\noid sha256:" + oid + "\nsize 1\nsize 2\n", false},
		{"blank line", "version https://git-lfs.github.com/spec/v1\n\noid sha256:" + oid + "\nsize 1\n", false},
		{"yaml", "version: 1\n", false},
		{"too long", "version https://git-lfs.github.com/spec/v1\noid sha256:" + oid + "\nsize 1\n" + strings.Repeat("x y\n", 300), false},
	} {
		p, ok := lfs.Parse([]byte(c.text))
		if ok != c.ok {
			t.Errorf("%s: ok = %v, want %v", c.name, ok, c.ok)
			continue
		}
		if ok && (p.OID != oid || p.Size == 0) {
			t.Errorf("%s: %+v", c.name, p)
		}
	}
}

// FuzzParse checks that any small file either is not a pointer
// or yields a SHA-256 and a non-negative size.
func FuzzParse(f *testing.F) {
	f.Add(testmodel.LFSPointer(testmodel.TinySafetensors()))
	f.Add([]byte("version https://hawser.github.com/spec/v1\r\noid sha256:" + testmodel.SHA256(nil) + "\r\nsize 0\r\n"))
	f.Add([]byte("version https://git-lfs.github.com/spec/v1\next-0-x sha256:00\noid sha256:" + testmodel.SHA256(nil) + "\nsize 9\n"))
	f.Add([]byte("version: 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, ok := lfs.Parse(data)
		if !ok {
			return
		}
		if len(data) > 1024 || len(p.OID) != 64 || p.Size < 0 || !bytes.HasPrefix(data, []byte("version ")) {
			t.Fatalf("pointer %+v from %q", p, data)
		}
	})
}
