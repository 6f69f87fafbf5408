package manifest_test

import (
	"bytes"
	"testing"

	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/manifest"
)

// FuzzParseLFSPointer checks that any small file either is not a pointer
// or yields a SHA-256 and a non-negative size.
func FuzzParseLFSPointer(f *testing.F) {
	f.Add(testmodel.LFSPointer(testmodel.TinySafetensors()))
	f.Add([]byte("version https://hawser.github.com/spec/v1\r\noid sha256:" + testmodel.SHA256(nil) + "\r\nsize 0\r\n"))
	f.Add([]byte("version https://git-lfs.github.com/spec/v1\next-0-x sha256:00\noid sha256:" + testmodel.SHA256(nil) + "\nsize 9\n"))
	f.Add([]byte("version: 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, ok := manifest.ParseLFSPointer(data)
		if !ok {
			return
		}
		if len(data) > 1024 || len(p.OID) != 64 || p.Size < 0 || !bytes.HasPrefix(data, []byte("version ")) {
			t.Fatalf("pointer %+v from %q", p, data)
		}
	})
}
