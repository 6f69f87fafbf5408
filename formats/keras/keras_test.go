package keras_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/formats/keras"
	"github.com/modelvet/modelvet/internal/formattest"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/testmodel"
)

func TestReadKeras(t *testing.T) {
	data := testmodel.KerasArchive(testmodel.Keras3Config)
	info, err := keras.Read(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	want := []keras.Lambda{
		{Name: "scale", Bytecode: true, Field: "config.layers.1"},
		{Name: "normalise", Bytecode: false, Field: "config.layers.2"},
	}
	if info.Source != "config.json" || info.Objects != 6 || !slices.Equal(info.Lambdas, want) {
		t.Errorf("info = %+v", info)
	}

	// A model without Lambda layers has none, and no finding.
	plain := strings.NewReplacer(`"class_name": "Lambda"`, `"class_name": "Dropout"`).Replace(testmodel.Keras3Config)
	data = testmodel.KerasArchive(plain)
	info, err = keras.Read(bytes.NewReader(data), int64(len(data)))
	if err != nil || len(info.Lambdas) != 0 || info.Objects != 6 {
		t.Errorf("no Lambda: %+v, %v", info, err)
	}
}

func TestReadKerasHostile(t *testing.T) {
	deep := strings.Repeat(`{"a":`, limits.MaxJSONDepth+1) + "1" + strings.Repeat("}", limits.MaxJSONDepth+1)
	noConfig := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("model.weights.h5")
		w.Write([]byte("x"))
		zw.Close()
		return buf.Bytes()
	}()
	for name, data := range map[string][]byte{
		"not a zip":      []byte("PK\x03\x04 not really"),
		"no config.json": noConfig,
		"bad JSON":       testmodel.KerasArchive(`{"class_name": "Lambda", `),
		"too deep":       testmodel.KerasArchive(deep),
	} {
		info, err := keras.Read(bytes.NewReader(data), int64(len(data)))
		var fe *formats.Error
		if info != nil || !errors.As(err, &fe) {
			t.Errorf("%s: info %v, error %v", name, info, err)
		}
	}
}

// TestScanHDF5Keras reads HDF5 files laid out as Keras 2 saves a model
// (made with h5py by testdata/make_h5.py).
func TestScanHDF5Keras(t *testing.T) {
	read := func(name string) *keras.Info {
		t.Helper()
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		info, err := keras.ScanHDF5(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		return info
	}
	info := read("lambda.h5")
	if info == nil || info.Objects != 5 || len(info.Lambdas) != 2 {
		t.Fatalf("lambda.h5: %+v", info)
	}
	if l := info.Lambdas[0]; l.Name != "scale" || !l.Bytecode || l.Offset == 0 {
		t.Errorf("first Lambda = %+v", l)
	}
	if l := info.Lambdas[1]; l.Name != "named_fn" || l.Bytecode {
		t.Errorf("second Lambda = %+v", l)
	}
	if info := read("dense.h5"); info == nil || info.Objects != 3 || len(info.Lambdas) != 0 {
		t.Errorf("dense.h5: %+v", info)
	}

	// A file of weights only has no model configuration.
	weights := append([]byte("\x89HDF\r\n\x1a\n"), make([]byte, 4096)...)
	if info, err := keras.ScanHDF5(bytes.NewReader(weights), int64(len(weights))); info != nil || err != nil {
		t.Errorf("weights only: %+v, %v", info, err)
	}
}

// TestScanHDF5KerasBoundaries places markers across the scan's chunk
// boundaries and beyond its reach in a large sparse file.
func TestScanHDF5KerasBoundaries(t *testing.T) {
	marker := []byte(`{"class_name": "Lambda", "config": {"name": "edge", "function_type": "lambda"}}`)
	for _, at := range []int{0, 1<<20 - 5, 1<<20 - len(marker) + 3, 1 << 20, 1<<20 + 50, 2<<20 - 30, 3<<20 - 1} {
		data := make([]byte, 4<<20)
		copy(data, "\x89HDF\r\n\x1a\n")
		copy(data[max(at, 8):], marker)
		info, err := keras.ScanHDF5(bytes.NewReader(data), int64(len(data)))
		if err != nil || info == nil || info.Objects != 1 || len(info.Lambdas) != 1 || info.Lambdas[0].Name != "edge" || !info.Lambdas[0].Bytecode {
			t.Errorf("marker at %d: %+v, %v", at, info, err)
		}
	}

	// A file larger than twice the scan cap is scanned at both ends only.
	p := filepath.Join(t.TempDir(), "big.h5")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	size := int64(2*limits.MaxKerasScanBytes + 1<<20)
	f.WriteAt([]byte("\x89HDF\r\n\x1a\n"), 0)
	f.WriteAt(marker, size/2) // not scanned
	end := size - int64(len(marker)) - 10
	f.WriteAt(marker, end) // scanned
	f.Truncate(size)
	defer f.Close()
	info, err := keras.ScanHDF5(f, size)
	if want := end + int64(bytes.Index(marker, []byte(`"class_name"`))); err != nil || info == nil || !info.Partial || len(info.Lambdas) != 1 || info.Lambdas[0].Offset != want {
		t.Errorf("large file: %+v, %v", info, err)
	}
}

// TestScanHDF5KerasPrefix scans only a file's first bytes: what lies past
// them is neither read nor found.
func TestScanHDF5KerasPrefix(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "lambda.h5"))
	if err != nil {
		t.Fatal(err)
	}
	second := bytes.LastIndex(data, []byte(`"class_name": "Lambda"`)) // where the second Lambda layer starts
	for _, c := range []struct {
		prefix  int64
		lambdas int
		partial bool
	}{{int64(len(data)), 2, false}, {int64(second), 1, true}, {100, 0, true}} {
		// A reader that fails past the prefix proves nothing beyond it is read.
		r := io.NewSectionReader(bytes.NewReader(data), 0, c.prefix)
		info, err := keras.ScanHDF5Prefix(r, int64(len(data)), c.prefix)
		if err != nil {
			t.Fatalf("prefix %d: %v", c.prefix, err)
		}
		got := 0
		if info != nil {
			got = len(info.Lambdas)
		}
		if got != c.lambdas || info != nil && info.Partial != c.partial {
			t.Errorf("prefix %d: %+v", c.prefix, info)
		}
	}
}

func FuzzReadKeras(f *testing.F) {
	f.Add(testmodel.KerasArchive(testmodel.Keras3Config))
	f.Add(testmodel.KerasArchive(`{"class_name": "Lambda", "config": {"function": [1, 2]}}`))
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := keras.Read(bytes.NewReader(data), int64(len(data)))
		formattest.CheckReaderError(t, err, info != nil)
		if info != nil && len(info.Lambdas) > info.Objects {
			t.Fatalf("%d Lambda layers among %d objects", len(info.Lambdas), info.Objects)
		}
	})
}

func FuzzScanHDF5Keras(f *testing.F) {
	for _, name := range []string{"lambda.h5", "dense.h5"} {
		if data, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`"class_name" : "Lambda"`))
	f.Add([]byte(`"class_name":"Lambda","name":"`))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := keras.ScanHDF5(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(data, []byte(`"class_name"`)); (info == nil) != (n == 0) || info != nil && (info.Objects != n || len(info.Lambdas) > n) {
			t.Fatalf("%d markers, info %+v", n, info)
		}
		half := int64(len(data) / 2)
		p, err := keras.ScanHDF5Prefix(io.NewSectionReader(bytes.NewReader(data), 0, half), int64(len(data)), half)
		if err != nil || p != nil && (info == nil || p.Objects > info.Objects) {
			t.Fatalf("prefix %d: %+v, %v (whole: %+v)", half, p, err, info)
		}
	})
}
