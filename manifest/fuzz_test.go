package manifest_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/manifest"
)

func FuzzParseSafetensorsIndex(f *testing.F) {
	f.Add(testmodel.SafetensorsIndexJSON(1234, map[string]string{"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}))
	f.Add([]byte(`{"metadata":{"total_size":1.6e10,"format":"pt"},"weight_map":{"x":"sub/x.safetensors"}}`))
	f.Add([]byte(`{"weight_map":{"x":"../x.safetensors"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		idx, err := manifest.ParseSafetensorsIndex("model.safetensors.index.json", data)
		var fe *formats.Error
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("error %v is not a *formats.Error", err)
		}
		if idx == nil {
			return
		}
		if idx.Tensors != len(idx.WeightMap) || len(idx.Shards) != len(idx.ShardLines) {
			t.Fatalf("inconsistent index: %+v", idx)
		}
		for _, s := range idx.Shards {
			if s == "" || s[0] == '/' || hasDotDot(s) {
				t.Fatalf("unsafe shard name accepted: %q", s)
			}
		}
	})
}

func hasDotDot(s string) bool {
	for _, e := range bytes.Split([]byte(s), []byte("/")) {
		if string(e) == ".." {
			return true
		}
	}
	return false
}

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
