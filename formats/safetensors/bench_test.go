package safetensors_test

import (
	"encoding/json"
	"testing"

	"github.com/modelvet/modelvet/formats/safetensors"
	"github.com/modelvet/modelvet/internal/testmodel"
)

// BenchmarkSafetensorsHeader compares the reader (gjson with every check)
// with a plain encoding/json decode of one ~560-tensor shard header.
func BenchmarkSafetensorsHeader(b *testing.B) {
	shard := testmodel.DeepSeekV3Like().Sharded().Shards[80]
	hdr := shard.HeaderBytes()
	size := int64(len(hdr)) + int64(shard.DataSize())
	b.Run("reader", func(b *testing.B) {
		b.SetBytes(int64(len(hdr)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := safetensors.Read(sparseReader{hdr}, size); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(hdr)))
		b.ReportAllocs()
		for b.Loop() {
			var raw map[string]json.RawMessage
			if err := json.Unmarshal(hdr[8:], &raw); err != nil {
				b.Fatal(err)
			}
			for k, v := range raw {
				if k == "__metadata__" {
					continue
				}
				var st stTensor
				if err := json.Unmarshal(v, &st); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// sparseReader reads a header followed by zeros, like a sparse file.
type sparseReader struct{ hdr []byte }

func (s sparseReader) ReadAt(p []byte, off int64) (int, error) {
	clear(p)
	if off < int64(len(s.hdr)) {
		copy(p, s.hdr[off:])
	}
	return len(p), nil
}

// BenchmarkParseIndex163 parses the index of the 163-shard
// release (about 90,000 weight_map entries).
func BenchmarkParseIndex163(b *testing.B) {
	data := testmodel.DeepSeekV3Like().Sharded().Index()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := safetensors.ParseIndex("model.safetensors.index.json", data); err != nil {
			b.Fatal(err)
		}
	}
}
