package safetensors_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/formats/safetensors"
	"github.com/modelvet/modelvet/internal/formattest"
	"github.com/modelvet/modelvet/internal/testmodel"
)

func FuzzReadSafetensors(f *testing.F) {
	seeds := []testmodel.Safetensors{
		{Metadata: map[string]string{"format": "pt", "license": "MIT"}, Tensors: []testmodel.SafetensorsTensor{
			{Name: "a", Dtype: "F16", Shape: []uint64{2, 2}}, {Name: "b", Dtype: "F4", Shape: []uint64{4}}, {Name: "c", Dtype: "F8_E8M0", Shape: []uint64{}},
		}},
		{Tensors: []testmodel.SafetensorsTensor{{Name: "x", Dtype: "F32", Shape: []uint64{2}, Offsets: &[2]uint64{4, 12}}}},
		{Header: `{"__metadata__":{"k":"v"},"a":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]}}`},
	}
	for _, s := range seeds {
		f.Add(s.Bytes())
		f.Add(s.HeaderBytes())
	}
	for _, b := range formattest.CorpusSeeds(f, "safetensors", ".safetensors") {
		if len(b) <= formattest.MaxSeed {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := safetensors.Read(bytes.NewReader(data), int64(len(data)))
		formattest.CheckReaderError(t, err, info != nil)
		if info == nil {
			return
		}
		var sum int64
		for _, n := range info.ParametersByDtype {
			sum += n
		}
		if sum != info.Parameters || info.Tensors != len(info.TensorNames) || info.DataOffset != 8+info.HeaderSize {
			t.Fatalf("inconsistent facts: %+v", info)
		}
		if err == nil && info.DataOffset+info.DataSize != int64(len(data)) {
			t.Fatalf("accepted a file of %d bytes indexing %d", len(data), info.DataOffset+info.DataSize)
		}
	})
}

func FuzzParseIndex(f *testing.F) {
	f.Add(testmodel.SafetensorsIndexJSON(1234, map[string]string{"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}))
	f.Add([]byte(`{"metadata":{"total_size":1.6e10,"format":"pt"},"weight_map":{"x":"sub/x.safetensors"}}`))
	f.Add([]byte(`{"weight_map":{"x":"../x.safetensors"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		idx, err := safetensors.ParseIndex("model.safetensors.index.json", data)
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
