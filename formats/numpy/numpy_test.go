package numpy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"testing"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/formats/pickle"
	"github.com/modelvet/modelvet/internal/formattest"
	"github.com/modelvet/modelvet/internal/testmodel"
)

func read(t testing.TB, data []byte) (*Info, error) {
	t.Helper()
	return Read(bytes.NewReader(data), int64(len(data)))
}

func TestReadPlainArrays(t *testing.T) {
	for _, c := range []struct {
		descr string
		shape []int64
		size  int64
	}{
		{"<f4", []int64{2, 3}, 24},
		{"<i8", []int64{5}, 40},
		{"|b1", []int64{}, 1},
		{"<U10", []int64{2}, 80},
		{"<M8[ns]", []int64{3}, 24},
		{">c16", []int64{0, 4}, 0},
	} {
		data := testmodel.NPY(c.descr, false, c.shape, make([]byte, c.size))
		info, err := read(t, data)
		if err != nil {
			t.Fatalf("%s: %v", c.descr, err)
		}
		if info.Descr != c.descr || info.DataSize != c.size || info.Object || info.Pickle != nil || !slices.Equal(info.Shape, c.shape) || info.DataOffset%64 != 0 || info.Version != "1.0" {
			t.Errorf("%s: %+v", c.descr, info)
		}
	}
	// Short data is a truncation; the header facts are kept.
	info, err := read(t, testmodel.NPY("<f8", true, []int64{4}, make([]byte, 8)))
	if !errors.Is(err, formats.ErrTruncated) || info == nil || !info.Truncated || !info.FortranOrder {
		t.Errorf("truncated: %+v %v", info, err)
	}
}

// An object array is a pickle of the whole array: its imports are listed,
// at file offsets, and a hostile element is seen.
func TestReadObjectArray(t *testing.T) {
	benign := testmodel.NPYObjectArray(2, func(p *testmodel.Pickler) { p.Mark().Int(1).Int(2).Tuple().Mark().Int(3).Int(4).Tuple() })
	info, err := read(t, benign)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range info.Pickle.Globals {
		names = append(names, g.String()+"="+g.Class)
		if g.Offset < info.DataOffset || g.Offset >= int64(len(benign)) || benign[g.Offset] != 'c' {
			t.Errorf("%s at offset %d is not a GLOBAL opcode of the file", g, g.Offset)
		}
	}
	if !info.Object || !slices.Equal(names, []string{"numpy.dtype=safe", "numpy.ndarray=safe", "numpy.core.multiarray._reconstruct=safe"}) {
		t.Errorf("benign: object %v globals %q", info.Object, names)
	}
	hostile := testmodel.NPYObjectArray(1, func(p *testmodel.Pickler) { p.Call("ssl", "get_server_certificate", "exfil.invalid") })
	info, err = read(t, hostile)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(info.Pickle.Globals, func(g pickle.Global) bool {
		return g.String() == "ssl.get_server_certificate" && g.Class == pickle.Unsafe && g.Category == pickle.CategoryNetwork
	}) {
		t.Errorf("hostile: %+v", info.Pickle.Globals)
	}
	// A structured dtype with an object field is pickled too.
	st := testmodel.NPY("[('a', '<i4'), ('b', '|O')]", false, []int64{1}, testmodel.MaliciousPickle(2, testmodel.ViaGlobal, "os", "system", "id"))
	info, err = read(t, st)
	if err != nil || !info.Object || len(info.Pickle.Globals) != 1 || info.Pickle.Globals[0].String() != "os.system" {
		t.Errorf("structured: %+v %v", info, err)
	}
}

func TestReadHostileHeaders(t *testing.T) {
	good := testmodel.NPY("<f4", false, []int64{1}, make([]byte, 4))
	v2 := append([]byte("\x93NUMPY\x02\x00"), binary.LittleEndian.AppendUint32(nil, 1<<30)...)
	for _, c := range []struct {
		name string
		data []byte
		off  int64
		want string
	}{
		{"short", good[:8], 0, "too short"},
		{"magic", append([]byte("\x93NUMPZ"), good[6:]...), 0, "magic"},
		{"version 9", append(append([]byte{}, good[:6]...), append([]byte{9, 0}, good[8:]...)...), 6, "version 9.0 is not supported"},
		{"length over cap", append(v2, make([]byte, 64)...), 8, "exceeds limit"},
		{"length past end", append(append([]byte{}, good[:8]...), 0xff, 0x7f, '{'), 8, "runs past the end"},
		{"not a dict", testmodel.NPY("<f4", false, []int64{1}, nil)[:10:10], -2, ""},
		{"deep", nestedHeader(100), -2, "nested deeper"},
		{"negative dim", []byte(headerOf("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }")), 10, "not a non-negative integer"},
		{"overflow", []byte(headerOf("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 8), }")), 10, "overflows"},
		{"no descr", []byte(headerOf("{'fortran_order': False, 'shape': (1,), }")), 10, "no descr"},
		{"unterminated", []byte(headerOf("{'descr': '<f4")), -2, "unterminated"},
	} {
		t.Run(c.name, func(t *testing.T) {
			info, err := read(t, c.data)
			if err == nil {
				t.Fatalf("no error: %+v", info)
			}
			formattest.CheckReaderError(t, err, info != nil)
			if c.want != "" {
				formattest.Error(t, err, "npy", c.off, c.want)
			}
		})
	}
}

func headerOf(dict string) string {
	return string(append(append([]byte("\x93NUMPY\x01\x00"), byte(len(dict)), byte(len(dict)>>8)), dict...))
}

func nestedHeader(depth int) []byte {
	s := "{'descr': " + string(bytes.Repeat([]byte("["), depth)) + string(bytes.Repeat([]byte("]"), depth)) + "}"
	return []byte(headerOf(s))
}

func FuzzRead(f *testing.F) {
	f.Add(testmodel.NPY("<f4", false, []int64{2, 2}, make([]byte, 16)))
	f.Add(testmodel.NPYObjectArray(1, func(p *testmodel.Pickler) { p.Int(1) }))
	f.Add(testmodel.NPY("[('a', '<i4'), ('b', '|O')]", false, []int64{1}, nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := Read(bytes.NewReader(data), int64(len(data)))
		formattest.CheckReaderError(t, err, info != nil)
	})
}
