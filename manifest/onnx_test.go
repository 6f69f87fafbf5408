package manifest_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/formattest"
	"github.com/modelvet/modelvet/manifest"
)

// pb writes protobuf fields, as the ONNX exporters do.
type pb []byte

func (b pb) varint(num int, v uint64) pb {
	b = binary.AppendUvarint(b, uint64(num)<<3)
	return binary.AppendUvarint(b, v)
}

func (b pb) bytes(num int, data []byte) pb {
	b = binary.AppendUvarint(b, uint64(num)<<3|2)
	b = binary.AppendUvarint(b, uint64(len(data)))
	return append(b, data...)
}

func (b pb) str(num int, s string) pb { return b.bytes(num, []byte(s)) }

// onnxTensor is a TensorProto: dims, float type, name, and either inline
// raw_data or an external_data location.
func onnxTensor(name string, raw []byte, location string) pb {
	t := pb{}.varint(1, 4).varint(2, 1).str(8, name)
	if location != "" {
		t = t.bytes(13, pb{}.str(1, "location").str(2, location)).bytes(13, pb{}.str(1, "offset").str(2, "0")).varint(14, 1)
	} else {
		t = t.bytes(9, raw)
	}
	return t
}

// onnxModel is a ModelProto with a graph of one node and the given
// initializers.
func onnxModel(inits ...pb) []byte {
	g := pb{}.bytes(1, pb{}.str(1, "x").str(2, "y").str(4, "Relu")).str(2, "main")
	for _, t := range inits {
		g = g.bytes(5, t)
	}
	m := pb{}.varint(1, 9).str(2, "pytorch").str(3, "2.5.1").str(6, strings.Repeat("doc ", 100))
	m = m.bytes(7, g)
	m = m.bytes(8, pb{}.str(1, "").varint(2, 17)).bytes(8, pb{}.str(1, "com.microsoft").varint(2, 1))
	m = m.bytes(14, pb{}.str(1, "license").str(2, "MIT"))
	return m
}

func TestReadONNX(t *testing.T) {
	data := onnxModel(onnxTensor("w", make([]byte, 1<<20), ""), onnxTensor("big", nil, "weights.bin"))
	// The inline tensor's bytes are never read: a reader that fails on
	// them proves it.
	raw := bytes.Index(data, make([]byte, 1024))
	info, err := manifest.ReadONNX(&holeReader{data: data, from: int64(raw) + 8<<10, to: int64(raw) + 1<<20 - 8<<10}, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if info.IRVersion != 9 || info.Producer != "pytorch 2.5.1" || info.Initializers != 2 {
		t.Errorf("info = %+v", info)
	}
	if !slices.Equal(info.Opsets, []manifest.ONNXOpset{{Domain: "", Version: 17}, {Domain: "com.microsoft", Version: 1}}) {
		t.Errorf("opsets = %+v", info.Opsets)
	}
	if len(info.Metadata) != 1 || info.Metadata[0] != (manifest.ONNXString{Key: "license", Value: "MIT"}) {
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
	good := onnxModel(onnxTensor("w", []byte{1, 2, 3, 4}, ""))
	for name, data := range map[string][]byte{
		"cut":             good[:len(good)-3],
		"length past end": pb{}.varint(1, 9).str(7, "abc")[:5],
		"overlong varint": append(pb{}.varint(1, 9), 0x38, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
		"group wire type": append(pb{}.varint(1, 9), 0x3b),
		"field number 0":  append(pb{}.varint(1, 9), 0x00, 0x01),
		"nested past end": pb{}.varint(1, 9).bytes(7, pb{}.bytes(5, []byte{0x4a, 0x7f})),
		"huge length":     append(pb{}.varint(1, 9), 0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f),
	} {
		info, err := manifest.ReadONNX(bytes.NewReader(data), int64(len(data)))
		var fe *formats.Error
		if info != nil || !errors.As(err, &fe) {
			t.Errorf("%s: info %+v, error %v", name, info, err)
		}
	}
}

// TestONNXExternalDataFindings describes releases whose ONNX model keeps
// tensors in other files: present, missing, or outside the release.
func TestONNXExternalDataFindings(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "onnx"), 0o755)
	model := onnxModel(onnxTensor("a", nil, "model.onnx_data"), onnxTensor("b", nil, "missing.bin"), onnxTensor("c", nil, "../../etc/passwd"), onnxTensor("d", nil, "/etc/shadow"), onnxTensor("e", nil, `C:\Windows\win.ini`), onnxTensor("f", nil, "data:v2.bin"))
	os.WriteFile(filepath.Join(dir, "onnx", "model.onnx"), model, 0o644)
	os.WriteFile(filepath.Join(dir, "onnx", "model.onnx_data"), make([]byte, 64), 0o644)
	rel := openDir(t, dir)
	if f := rel.File("onnx/model.onnx"); f == nil || f.ONNX == nil || len(f.ONNX.ExternalData) != 6 {
		t.Fatalf("onnx = %+v", f)
	}
	var got []string
	for _, f := range rel.Findings() {
		if f.Code == finding.IntegrityMissing || f.Code == finding.FormatMalformed {
			got = append(got, string(f.Code)+" "+f.Subject+" "+f.Evidence[0].Value)
		}
	}
	slices.Sort(got)
	want := []string{
		"format.malformed onnx/model.onnx ../../etc/passwd",
		"format.malformed onnx/model.onnx /etc/shadow",
		`format.malformed onnx/model.onnx C:\Windows\win.ini`,
		"integrity.missing onnx/data:v2.bin data:v2.bin",
		"integrity.missing onnx/missing.bin missing.bin",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func FuzzReadONNX(f *testing.F) {
	f.Add(onnxModel(onnxTensor("w", []byte{1, 2, 3, 4}, ""), onnxTensor("e", nil, "x.bin")))
	f.Add([]byte("\x08\x07\x12\x07pytorch"))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := manifest.ReadONNX(bytes.NewReader(data), int64(len(data)))
		formattest.CheckReaderError(t, err, info != nil)
		if info != nil && len(info.ExternalData) > info.Initializers {
			t.Fatalf("%d external tensors among %d initializers", len(info.ExternalData), info.Initializers)
		}
	})
}
