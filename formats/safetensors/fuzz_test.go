package safetensors_test

import (
	"bytes"
	"testing"

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
