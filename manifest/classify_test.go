package manifest

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelvet/modelvet/internal/testmodel"
)

func TestClassifyWeightSignatures(t *testing.T) {
	var keras bytes.Buffer
	zw := zip.NewWriter(&keras)
	for _, n := range []string{"metadata.json", "config.json", "model.weights.h5"} {
		w, _ := zw.Create(n)
		w.Write([]byte("{}"))
	}
	zw.Close()
	onnx := []byte{0x08, 0x08, 0x12, 0x07, 'p', 'y', 't', 'o', 'r', 'c', 'h', 0x1a, 0x05, '2', '.', '5'}
	for _, c := range []struct {
		name string
		head []byte
		want Format
	}{
		{"model.onnx", onnx, FormatONNX},
		{"model.onnx", []byte{0x12, 0x04, 't', 'f', '2', 'o', 0x08, 0x07}, FormatONNX},             // producer_name first
		{"model.onnx", []byte{0x08, 0x07, 0x42, 0x04, 0x0a, 0x00, 0x10, 0x11}, FormatONNX},         // ir_version, opset_import
		{"model.onnx", []byte("this is not onnx at all"), FormatOther},                             // text
		{"model.onnx", []byte{0x08, 0x00, 0x12, 0x01, 'x'}, FormatOther},                           // ir_version 0
		{"model.onnx", []byte{0x08, 0x07, 0x7a, 0x01, 'x'}, FormatOther},                           // unknown field 15
		{"model.onnx", []byte{0x0a, 0x07}, FormatOther},                                            // field 1 with the wrong wire type
		{"model.onnx", []byte{}, FormatOther},                                                      // empty file
		{"model.onnx", nil, FormatONNX},                                                            // not read: trust the name
		{"model.onnx", append([]byte{0x80, 0x02}, bytes.Repeat([]byte{'N'}, 14)...), FormatPickle}, // a pickle in disguise
		{"model.keras", keras.Bytes()[:16], FormatKeras},
		{"model.h5", []byte("\x89HDF\r\n\x1a\n\x00\x00\x00\x00\x00\x08\x08\x00"), FormatHDF5},
		{"weights.bin", []byte("\x89HDF\r\n\x1a\n\x00\x00\x00\x00\x00\x08\x08\x00"), FormatHDF5},
		{"pytorch_model.bin", testmodel.TorchZip("archive", 2, testmodel.FixtureTensors)[:16], FormatPyTorch},
		{"model.ckpt", testmodel.TorchLegacy(2, testmodel.FixtureTensors)[:16], FormatPickle},
		{"optimizer.pt", []byte("ccopy_reg\n_reconstructor\n"), FormatPickle}, // protocol 0: no magic
	} {
		if got := classify(c.name, c.head); got != c.want {
			t.Errorf("classify(%s, % x) = %s, want %s", c.name, c.head, got, c.want)
		}
	}
}

func TestParseTargets(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "README.md"), tinyCard, 0o644)
	if src, err := Parse(dir); err != nil || src.String() != dir {
		t.Errorf("plain dir: %T %v", src, err)
	} else if _, ok := src.(dirSource); !ok {
		t.Errorf("plain dir: %T", src)
	}
	if src, err := Parse("ollama:deepseek-r1:7b"); err != nil || src.String() != "ollama:deepseek-r1:7b" {
		t.Errorf("ollama: %v %v", src, err)
	}
	if _, err := Parse("ollama:../../etc/passwd"); err == nil {
		t.Error("hostile ollama name accepted")
	}
	if _, err := Parse(filepath.Join(dir, "missing@v1")); err == nil {
		t.Error("missing@rev accepted")
	}
	// A folder inside a snapshot is a plain directory.
	lay := writeTinyRepo(t, t.TempDir(), false)
	sub := filepath.Join(lay.Dir, "snapshots", lay.Commits[1], "onnx")
	if src, err := Parse(sub); err != nil {
		t.Fatal(err)
	} else if _, ok := src.(dirSource); !ok {
		t.Errorf("snapshot subfolder: %T", src)
	}
	// A file named like an Ollama manifest outside a store is a file.
	p := filepath.Join(dir, "manifests", "h", "n", "m", "t")
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte("{}"), 0o644)
	if src, err := Parse(p); err != nil {
		t.Fatal(err)
	} else if _, ok := src.(fileSource); !ok {
		t.Errorf("manifest-like file: %T", src)
	}
}
