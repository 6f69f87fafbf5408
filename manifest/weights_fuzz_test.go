package manifest_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/formattest"
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

func FuzzReadGGUF(f *testing.F) {
	seeds := []testmodel.GGUF{
		{Version: 2, KV: []testmodel.KV{{Key: "general.architecture", Value: testmodel.String("llama")}, {Key: "general.alignment", Value: testmodel.Uint32(64)}},
			Tensors: []testmodel.GGUFTensor{{Name: "w", Dims: []uint64{32, 2}, Type: testmodel.GGMLQ8_0}, {Name: "n", Dims: []uint64{4}, Type: testmodel.GGMLF32}}, Alignment: 64},
		{KV: append(everyType(), testmodel.KV{Key: "tok", Value: testmodel.Strings(make([]string, 70)...)})},
		{KV: []testmodel.KV{{Key: "general.base_model.count", Value: testmodel.Uint32(1)}, {Key: "general.base_model.0.name", Value: testmodel.String("Base")}}},
		{Version: 1},
		{BigEndian: true},
	}
	for _, g := range seeds {
		f.Add(g.Bytes())
	}
	for _, b := range formattest.CorpusSeeds(f, "gguf", ".gguf") {
		if len(b) <= formattest.MaxSeed {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := manifest.ReadGGUF(bytes.NewReader(data), int64(len(data)))
		formattest.CheckReaderError(t, err, info != nil)
		if info == nil {
			return
		}
		if uint64(len(info.Metadata)) != info.KVCount || info.Alignment == 0 || info.Alignment&(info.Alignment-1) != 0 {
			t.Fatalf("inconsistent facts: %+v", info)
		}
		var n int
		for _, c := range info.TensorTypes {
			n += c
		}
		if uint64(n) != info.TensorCount {
			t.Fatalf("%d tensors counted by type, %d declared", n, info.TensorCount)
		}
		_ = info.BaseModels()
		_ = info.Datasets()
		// Any prefix of a file that reads gives a prefix of its metadata.
		for _, k := range []int64{24, int64(len(data)) / 3, int64(len(data)) / 2} {
			p, err := manifest.ReadGGUFPrefix(bytes.NewReader(data), int64(len(data)), k)
			if err != nil {
				continue
			}
			if len(p.Metadata) > len(info.Metadata) || !slices.EqualFunc(p.Metadata, info.Metadata[:len(p.Metadata)], func(a, b manifest.GGUFValue) bool { return a.Key == b.Key && a.Offset == b.Offset }) {
				t.Fatalf("prefix %d: metadata %v is not a prefix of %v", k, p.Metadata, info.Metadata)
			}
		}
	})
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
