package onnx_test

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/formats/onnx"
	"github.com/modelvet/modelvet/internal/formattest"
	"github.com/modelvet/modelvet/internal/testmodel"
)

func TestReadONNX(t *testing.T) {
	data := testmodel.ONNXModel(testmodel.ONNXTensor("w", make([]byte, 1<<20), ""), testmodel.ONNXTensor("big", nil, "weights.bin"))
	// The inline tensor's bytes are never read: a reader that fails on
	// them proves it.
	raw := bytes.Index(data, make([]byte, 1024))
	info, err := onnx.Read(&holeReader{data: data, from: int64(raw) + 8<<10, to: int64(raw) + 1<<20 - 8<<10}, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if info.IRVersion != 9 || info.Producer != "pytorch 2.5.1" || info.Initializers != 2 {
		t.Errorf("info = %+v", info)
	}
	if !slices.Equal(info.Opsets, []onnx.Opset{{Domain: "", Version: 17}, {Domain: "com.microsoft", Version: 1}}) {
		t.Errorf("opsets = %+v", info.Opsets)
	}
	if len(info.Metadata) != 1 || info.Metadata[0] != (onnx.Property{Key: "license", Value: "MIT"}) {
		t.Errorf("metadata = %+v", info.Metadata)
	}
	if len(info.ExternalData) != 1 || info.ExternalData[0].Tensor != "big" || info.ExternalData[0].Location != "weights.bin" {
		t.Errorf("external data = %+v", info.ExternalData)
	}
}

// holeReader serves data but fails any read touching [from, to).
type holeReader struct {
	data     []byte
	from, to int64
}

func (h *holeReader) ReadAt(p []byte, off int64) (int, error) {
	if off < h.to && off+int64(len(p)) > h.from {
		return 0, errors.New("read inside the tensor data")
	}
	if off >= int64(len(h.data)) {
		return 0, io.EOF
	}
	n := copy(p, h.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func TestReadONNXHostile(t *testing.T) {
	good := testmodel.ONNXModel(testmodel.ONNXTensor("w", []byte{1, 2, 3, 4}, ""))
	for name, data := range map[string][]byte{
		"cut":             good[:len(good)-3],
		"length past end": testmodel.Proto{}.Varint(1, 9).Str(7, "abc")[:5],
		"overlong varint": append(testmodel.Proto{}.Varint(1, 9), 0x38, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
		"group wire type": append(testmodel.Proto{}.Varint(1, 9), 0x3b),
		"field number 0":  append(testmodel.Proto{}.Varint(1, 9), 0x00, 0x01),
		"nested past end": testmodel.Proto{}.Varint(1, 9).Bytes(7, testmodel.Proto{}.Bytes(5, []byte{0x4a, 0x7f})),
		"huge length":     append(testmodel.Proto{}.Varint(1, 9), 0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f),
	} {
		info, err := onnx.Read(bytes.NewReader(data), int64(len(data)))
		var fe *formats.Error
		if info != nil || !errors.As(err, &fe) {
			t.Errorf("%s: info %+v, error %v", name, info, err)
		}
	}
}

func FuzzReadONNX(f *testing.F) {
	f.Add(testmodel.ONNXModel(testmodel.ONNXTensor("w", []byte{1, 2, 3, 4}, ""), testmodel.ONNXTensor("e", nil, "x.bin")))
	f.Add([]byte("\x08\x07\x12\x07pytorch"))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := onnx.Read(bytes.NewReader(data), int64(len(data)))
		formattest.CheckReaderError(t, err, info != nil)
		if info != nil && len(info.ExternalData) > info.Initializers {
			t.Fatalf("%d external tensors among %d initializers", len(info.ExternalData), info.Initializers)
		}
	})
}
