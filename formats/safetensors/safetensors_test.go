package safetensors_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/formats/safetensors"
	"github.com/modelvet/modelvet/internal/formattest"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/internal/testutil"
)

// checkAgainstIndependentDecode compares what Read reports with
// an encoding/json reading of the same bytes.
func checkAgainstIndependentDecode(t *testing.T, data []byte, info *safetensors.Info) {
	t.Helper()
	n, meta, tensors := decodeSafetensors(t, data)
	if info.HeaderSize != int64(n) || info.DataOffset != int64(8+n) {
		t.Errorf("HeaderSize, DataOffset = %d, %d; want %d, %d", info.HeaderSize, info.DataOffset, n, 8+n)
	}
	if !maps.Equal(info.Metadata, meta) {
		t.Errorf("Metadata = %v, want %v", info.Metadata, meta)
	}
	if info.Tensors != len(tensors) {
		t.Errorf("Tensors = %d, want %d", info.Tensors, len(tensors))
	}
	var params int64
	byDtype := map[string]int64{}
	var end uint64
	for _, st := range tensors {
		e := int64(1)
		for _, d := range st.Shape {
			e *= int64(d)
		}
		params += e
		byDtype[st.Dtype] += e
		end = max(end, st.DataOffsets[1])
	}
	if info.Parameters != params {
		t.Errorf("Parameters = %d, want %d", info.Parameters, params)
	}
	if !maps.Equal(info.ParametersByDtype, byDtype) {
		t.Errorf("ParametersByDtype = %v, want %v", info.ParametersByDtype, byDtype)
	}
	if info.DataSize != int64(end) {
		t.Errorf("DataSize = %d, want %d", info.DataSize, end)
	}
	// TensorNames: every tensor once, in data order.
	names := slices.Collect(maps.Keys(tensors))
	sort.Slice(names, func(i, j int) bool {
		a, b := tensors[names[i]].DataOffsets, tensors[names[j]].DataOffsets
		return a[0] < b[0] || a[0] == b[0] && a[1] < b[1]
	})
	if !slices.Equal(info.TensorNames, names) {
		t.Errorf("TensorNames differ from the data order:\n got %v\nwant %v", clipList(info.TensorNames), clipList(names))
	}
	// TensorShapes: each name's shape, nil past limits.MaxShapeDims.
	if len(info.TensorShapes) != min(len(names), limits.MaxTensorShapes) {
		t.Fatalf("%d shapes for %d tensors", len(info.TensorShapes), len(names))
	}
	for i, shape := range info.TensorShapes {
		want := slices.Clone(tensors[info.TensorNames[i]].Shape)
		if len(want) > limits.MaxShapeDims {
			want = nil
		}
		if !slices.Equal(shape, want) {
			t.Errorf("shape of %s = %v, want %v", info.TensorNames[i], shape, want)
		}
	}
}

func clipList(s []string) []string { return s[:min(len(s), 8)] }

func TestReadSafetensorsCorpus(t *testing.T) {
	dir := testutil.Corpus(t, "safetensors")
	// Facts from the corpus README, checked on top of the independent decode.
	readme := map[string]struct {
		header  int64
		tensors int
		license string
		fileLen int64 // declared file size (8 + header + data); -1 when the file is complete
	}{
		"syft__nomic-embed-475M.header.safetensors": {15512, 148, "", 1_901_187_232},
		"modelaudit__safe_model.safetensors":        {464, 3, "MIT", -1},
		"modelaudit__malicious_import.safetensors":  {360, 3, "", -1},
		"modelaudit__suspicious_url.safetensors":    {352, 3, "", -1},
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".safetensors") {
			continue
		}
		seen++
		t.Run(e.Name(), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			want, ok := readme[e.Name()]
			if !ok {
				t.Fatalf("corpus file %s is not described in this test", e.Name())
			}
			cr := formattest.NewCountingReader(data)
			info, err := safetensors.Read(cr, int64(len(data)))
			if info == nil {
				t.Fatalf("no header facts: %v", err)
			}
			if got := cr.Calls.Load(); got > 2 {
				t.Errorf("header read with %d ReadAt calls, want at most 2", got)
			}
			checkAgainstIndependentDecode(t, data, info)
			if info.HeaderSize != want.header || info.Tensors != want.tensors {
				t.Errorf("header %d bytes, %d tensors; README says %d, %d", info.HeaderSize, info.Tensors, want.header, want.tensors)
			}
			if info.Metadata["license"] != want.license {
				t.Errorf("__metadata__ license = %q, want %q", info.Metadata["license"], want.license)
			}
			if !slices.Equal(info.Dtypes(), []string{"F32"}) {
				t.Errorf("Dtypes = %v, want [F32]", info.Dtypes())
			}
			if want.fileLen < 0 {
				if err != nil {
					t.Fatalf("complete file: %v", err)
				}
				return
			}
			// The header-only capture: facts kept, truncation reported.
			if !errors.Is(err, formats.ErrTruncated) || !info.Truncated {
				t.Fatalf("err = %v, Truncated = %v; want formats.ErrTruncated", err, info.Truncated)
			}
			formattest.Error(t, err, "safetensors", int64(len(data)), "file ends after 0 of them")
			if info.DataOffset+info.DataSize != want.fileLen || info.Parameters != info.DataSize/4 {
				t.Errorf("declared file size %d, %d parameters; want %d, DataSize/4", info.DataOffset+info.DataSize, info.Parameters, want.fileLen)
			}
		})
	}
	if seen != len(readme) {
		t.Errorf("found %d safetensors files, README lists %d", seen, len(readme))
	}
}

func TestReadSafetensorsEveryDtype(t *testing.T) {
	var st testmodel.Safetensors
	// 24 elements fill whole bytes at every width (4 and 6 bits included).
	for d := range testmodel.DtypeBits {
		st.Tensors = append(st.Tensors, testmodel.SafetensorsTensor{Name: "t." + d, Dtype: d, Shape: []uint64{8, 3}})
	}
	slices.SortFunc(st.Tensors, func(a, b testmodel.SafetensorsTensor) int { return strings.Compare(a.Name, b.Name) })
	data := st.Bytes()
	info, err := safetensors.Read(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if len(info.ParametersByDtype) != 22 || info.Parameters != 22*24 {
		t.Errorf("ParametersByDtype = %v (%d), want 22 dtypes of 24", info.ParametersByDtype, info.Parameters)
	}
	for _, d := range []string{"F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "F8_E4M3FNUZ", "C64"} {
		if info.ParametersByDtype[d] != 24 {
			t.Errorf("%s: %d parameters, want 24", d, info.ParametersByDtype[d])
		}
	}
	checkAgainstIndependentDecode(t, data, info)
}

func TestReadSafetensorsShapes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		st    testmodel.Safetensors
		param int64
	}{
		{"scalar", testmodel.Safetensors{Tensors: []testmodel.SafetensorsTensor{{Name: "s", Dtype: "F32", Shape: []uint64{}}}}, 1},
		{"empty tensor", testmodel.Safetensors{Tensors: []testmodel.SafetensorsTensor{{Name: "e", Dtype: "F16", Shape: []uint64{0, 7}}, {Name: "x", Dtype: "U8", Shape: []uint64{5}}}}, 5},
		{"no tensors", testmodel.Safetensors{Metadata: map[string]string{"format": "pt"}}, 0},
		{"unpadded", testmodel.Safetensors{NoPadding: true, Tensors: []testmodel.SafetensorsTensor{{Name: "u", Dtype: "I64", Shape: []uint64{2}}}}, 2},
		{"null metadata", testmodel.Safetensors{Header: `{"__metadata__":null,"a":{"dtype":"I8","shape":[3],"data_offsets":[0,3]}}`, Tensors: []testmodel.SafetensorsTensor{{Name: "a", Dtype: "I8", Shape: []uint64{3}}}}, 3},
		{"unknown fields ignored", testmodel.Safetensors{Header: `{"a":{"dtype":"I8","shape":[3],"data_offsets":[0,3],"extra":{"x":[1]}}}` + "  \n", Tensors: []testmodel.SafetensorsTensor{{Name: "a", Dtype: "I8", Shape: []uint64{3}}}}, 3},
		{"nine dimensions", testmodel.Safetensors{Tensors: []testmodel.SafetensorsTensor{{Name: "n", Dtype: "U8", Shape: []uint64{1, 1, 1, 1, 1, 1, 1, 1, 2}}, {Name: "m", Dtype: "U8", Shape: []uint64{3, 1}}}}, 5},
		{"escaped name", testmodel.Safetensors{Tensors: []testmodel.SafetensorsTensor{{Name: "w\"é\u2028<x>", Dtype: "BOOL", Shape: []uint64{1}}}}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.st.Bytes()
			info, err := safetensors.Read(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			if info.Parameters != tc.param {
				t.Errorf("Parameters = %d, want %d", info.Parameters, tc.param)
			}
			checkAgainstIndependentDecode(t, data, info)
		})
	}
}

// TestReadSafetensorsLargeHeader covers a header larger than the first
// read: still two reads, whatever the tensor count.
func TestReadSafetensorsLargeHeader(t *testing.T) {
	var st testmodel.Safetensors
	for i := range 5000 {
		st.Tensors = append(st.Tensors, testmodel.SafetensorsTensor{Name: strings.Repeat("x", 40) + string(rune('a'+i%26)) + strings.Repeat("y", i%7) + "." + strconv.Itoa(i), Dtype: "F16", Shape: []uint64{2, 3}})
	}
	data := st.Bytes()
	cr := formattest.NewCountingReader(data)
	info, err := safetensors.Read(cr, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if info.HeaderSize < 64<<10 {
		t.Fatalf("header only %d bytes", info.HeaderSize)
	}
	if cr.Calls.Load() != 2 {
		t.Errorf("%d reads, want 2", cr.Calls.Load())
	}
	if cr.Bytes.Load() > info.DataOffset+64<<10 {
		t.Errorf("read %d bytes for a %d-byte header", cr.Bytes.Load(), info.DataOffset)
	}
	checkAgainstIndependentDecode(t, data, info)
}

// stFile builds a safetensors file around a raw header (unpadded) and n
// bytes of data.
func stFile(header string, data int) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, make([]byte, data)...)
}

// at returns the file offset of the k-th (0-based) occurrence of sub in
// the header of a file built by stFile.
func at(header, sub string, k int) int64 {
	off := 0
	for range k {
		off += strings.Index(header[off:], sub) + 1
	}
	return 8 + int64(off+strings.Index(header[off:], sub))
}

func TestReadSafetensorsHostile(t *testing.T) {
	ok := `"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}`
	type tc struct {
		name string
		file []byte
		off  int64
		want string
		is   error // sentinel the error must wrap, if any
		info bool  // header facts returned with the error
	}
	h := func(name, header string, data int, sub string, k int, want string) tc {
		return tc{name: name, file: stFile(header, data), off: at(header, sub, k), want: want}
	}
	huge := binary.LittleEndian.AppendUint64(nil, 1<<62)
	capped := binary.LittleEndian.AppendUint64(nil, limits.MaxSafetensorsHeader+1)
	past := binary.LittleEndian.AppendUint64(nil, 100)
	cases := []tc{
		{name: "empty file", file: nil, off: 0, want: "too short for the 8-byte header length"},
		{name: "7 bytes", file: []byte("\x02\x00\x00\x00\x00\x00\x00"), off: 0, want: "too short"},
		{name: "length 2^62", file: append(huge, "{}"...), off: 0, want: "header length 4611686018427387904 exceeds limit 100000000"},
		{name: "length over cap", file: append(capped, "{}"...), off: 0, want: "exceeds limit 100000000"},
		{name: "length past end", file: append(past, "{}"...), off: 0, want: "header length 100 runs past the end of the 10-byte file", is: formats.ErrTruncated},
		{name: "length zero", file: binary.LittleEndian.AppendUint64(nil, 0), off: 0, want: "too short for a JSON object"},
		{name: "not an object", file: stFile(`[1,2]`, 0), off: 8, want: "does not start with '{'"},
		{name: "leading space", file: stFile(` {}`, 0), off: 8, want: "does not start with '{'"},
		{name: "invalid UTF-8", file: stFile("{\"a\xff\":1}", 0), off: 8 + 3, want: "not valid UTF-8"},
		{name: "invalid JSON", file: stFile(`{"a":{"dtype":"F32",}}`, 0), off: -2, want: "not valid JSON"},
		{name: "trailing garbage", file: stFile(`{} x`, 0), off: -2, want: "not valid JSON"},
		h("metadata not object", `{"__metadata__":[1]}`, 0, `[1]`, 0, "__metadata__ is not a JSON object"),
		h("metadata value not string", `{"__metadata__":{"n":1}}`, 0, `"n"`, 0, `__metadata__ value of "n" is not a string`),
		h("duplicate metadata key", `{"__metadata__":{"k":"1","k":"2"}}`, 0, `"k"`, 1, `duplicate __metadata__ key "k"`),
		h("duplicate __metadata__", `{"__metadata__":{},"__metadata__":{}}`, 0, `"__metadata__"`, 1, "duplicate __metadata__"),
		h("duplicate tensor", `{`+ok+`,`+ok+`}`, 16, `"a"`, 1, `duplicate tensor name "a"`),
		h("unknown dtype", `{"a":{"dtype":"F12","shape":[2],"data_offsets":[0,8]}}`, 8, `"F12"`, 0, `unknown dtype "F12"`),
		h("dtype not string", `{"a":{"dtype":32,"shape":[2],"data_offsets":[0,8]}}`, 8, `32`, 0, "dtype is not a string"),
		h("no dtype", `{"a":{"shape":[2],"data_offsets":[0,8]}}`, 8, `"a"`, 0, `tensor "a" has no dtype`),
		h("no shape", `{"a":{"dtype":"F32","data_offsets":[0,8]}}`, 8, `"a"`, 0, `has no shape`),
		h("no offsets", `{"a":{"dtype":"F32","shape":[2]}}`, 8, `"a"`, 0, `has no data_offsets`),
		h("duplicate field", `{"a":{"dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8]}}`, 8, `"dtype"`, 1, `duplicate "dtype" field`),
		h("entry not object", `{"a":[1]}`, 0, `"a"`, 0, `tensor "a" is not a JSON object`),
		h("shape not array", `{"a":{"dtype":"F32","shape":2,"data_offsets":[0,8]}}`, 8, `2,`, 0, "shape is not an array"),
		h("negative dim", `{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, 8, `-2`, 0, "-2 is not a non-negative integer"),
		h("fractional dim", `{"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}`, 8, `2.0`, 0, "2.0 is not a non-negative integer"),
		h("exponent dim", `{"a":{"dtype":"F32","shape":[2e0],"data_offsets":[0,8]}}`, 8, `2e0`, 0, "is not a non-negative integer"),
		h("string dim", `{"a":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}`, 8, `"2"`, 0, "is not a number"),
		h("dim over 2^64", `{"a":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,8]}}`, 8, `1844`, 0, "below 2^64"),
		h("element overflow", `{"a":{"dtype":"U8","shape":[4294967296,4294967296,2],"data_offsets":[0,8]}}`, 8, `4294967296,2`, 0, "overflows the element count"),
		h("byte overflow", `{"a":{"dtype":"F64","shape":[4294967296,1073741824],"data_offsets":[0,8]}}`, 8, `[4294967296`, 0, "overflows the byte size"),
		h("sub-byte misaligned", `{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,1]}}`, 1, `[3]`, 0, "3 elements of F4 (4 bits each) do not fill whole bytes"),
		h("F6 misaligned", `{"a":{"dtype":"F6_E3M2","shape":[2],"data_offsets":[0,1]}}`, 1, `[2]`, 0, "do not fill whole bytes"),
		h("size mismatch", `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, 4, `[0,4]`, 0, "span 4 bytes, but shape [2] of F32 needs 8"),
		h("offsets reversed", `{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}`, 8, `[8,0]`, 0, "end before they begin"),
		h("three offsets", `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,9]}}`, 8, `[0,8,9]`, 0, "more than 2 elements"),
		h("one offset", `{"a":{"dtype":"F32","shape":[2],"data_offsets":[8]}}`, 8, `[8]`, 0, "has 1 elements, not 2"),
		h("offsets not array", `{"a":{"dtype":"F32","shape":[2],"data_offsets":"0-8"}}`, 8, `"0-8"`, 0, "data_offsets is not an array"),
		h("first not at 0", `{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, 12, `"a"`, 0, "the first tensor must start at 0"),
		h("gap", `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}}`, 16, `"b"`, 0, `leave a gap after tensor "a", which ends at 8`),
		h("overlap", `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, 12, `"b"`, 0, `overlap tensor "a", which ends at 8`),
		h("same range twice", `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8, `"b"`, 0, "overlap"),
	}
	// Nesting is bounded (a recursive parser would exhaust its stack).
	deep := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":` + strings.Repeat("[", 5_000_000) + `}}`
	cases = append(cases, tc{name: "deep nesting", file: stFile(deep, 8), off: at(deep, "[", 2) + limits.MaxJSONDepth - 2, want: "header is not valid JSON: nesting deeper than the limit"})
	// Whole-file checks return the header facts with the error.
	trailing := testmodel.Safetensors{Tensors: []testmodel.SafetensorsTensor{{Name: "a", Dtype: "F32", Shape: []uint64{2}}}, Trailing: []byte("PK\x03\x04")}
	tb := trailing.Bytes()
	cases = append(cases, tc{name: "trailing bytes", file: tb, off: int64(len(tb) - 4), want: "4 bytes follow the 8 bytes of tensor data", is: formats.ErrTrailingData, info: true})
	full := testmodel.Safetensors{Tensors: []testmodel.SafetensorsTensor{{Name: "a", Dtype: "F32", Shape: []uint64{2}}}}.Bytes()
	cases = append(cases, tc{name: "truncated data", file: full[:len(full)-3], off: int64(len(full) - 3), want: "header indexes 8 bytes of tensor data, but the file ends after 5 of them", is: formats.ErrTruncated, info: true})

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			info, err := safetensors.Read(bytes.NewReader(c.file), int64(len(c.file)))
			if err == nil {
				t.Fatalf("no error; info %+v", info)
			}
			formattest.Error(t, err, "safetensors", c.off, c.want)
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %v does not wrap %v", err, c.is)
			}
			if (info != nil) != c.info {
				t.Errorf("info returned = %v, want %v", info != nil, c.info)
			}
		})
	}
}

// TestReadSafetensorsHugeClaimsFailFast checks that lying lengths cost
// neither memory nor time: a header length of 2^64-1 and a tensor
// claiming 2^60 elements are refused with small allocations.
func TestReadSafetensorsHugeClaimsFailFast(t *testing.T) {
	lying := binary.LittleEndian.AppendUint64(nil, ^uint64(0))
	big := stFile(`{"a":{"dtype":"U8","shape":[1152921504606846976],"data_offsets":[0,1152921504606846976]}}`, 0)
	for _, data := range [][]byte{lying, big} {
		allocs := testing.AllocsPerRun(5, func() {
			safetensors.Read(bytes.NewReader(data), int64(len(data)))
		})
		if allocs > 200 {
			t.Errorf("%d allocations for a %d-byte file", int(allocs), len(data))
		}
	}
	info, err := safetensors.Read(bytes.NewReader(big), int64(len(big)))
	if !errors.Is(err, formats.ErrTruncated) || info.Parameters != 1<<60 {
		t.Errorf("2^60-element tensor: %v, %+v", err, info)
	}
}

// TestReadSafetensorsFactsOutliveBuffers: facts must not alias the read
// buffers, which are reused for the next file.
func TestReadSafetensorsFactsOutliveBuffers(t *testing.T) {
	build := func(prefix string) testmodel.Safetensors {
		s := testmodel.Safetensors{Metadata: map[string]string{"format": prefix + "-meta"}}
		for i := range 50 {
			s.Tensors = append(s.Tensors, testmodel.SafetensorsTensor{Name: prefix + ".w" + strconv.Itoa(i), Dtype: "U8", Shape: []uint64{4096}})
		}
		return s
	}
	var infos []*safetensors.Info
	for _, p := range []string{"first", "other"} {
		b := build(p).Bytes() // over 64 KiB: the pooled first-read path
		info, err := safetensors.Read(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		infos = append(infos, info)
	}
	if infos[0].TensorNames[7] != "first.w7" || infos[0].Metadata["format"] != "first-meta" || infos[0].ParametersByDtype["U8"] != 50*4096 {
		t.Errorf("facts of the first file changed: %v %v", infos[0].TensorNames[7], infos[0].Metadata)
	}
}

// safetensors as real writers leave them: a 5 GB file (offsets past 2^32),
// an unpadded header, __metadata__ holding long JSON-in-a-string values,
// scalars and empty tensors.
func TestSafetensorsRealShapes(t *testing.T) {
	big := uint64(5 << 30 / 2) // BF16 elements of a 5 GiB tensor
	s := testmodel.Safetensors{
		Metadata: map[string]string{
			"format":                   "pt",
			"modelspec.sai_model_spec": "1.0.0",
			"ss_tag_frequency":         `{"img": {"a \"quoted\" tag": 12, "ünïcode": 3}}` + strings.Repeat(" ", 40_000),
		},
		Tensors: []testmodel.SafetensorsTensor{
			{Name: "model.embed_tokens.weight", Dtype: "BF16", Shape: []uint64{big}},
			{Name: "lm_head.weight", Dtype: "F8_E4M3", Shape: []uint64{4096, 2}},
			{Name: "scale", Dtype: "F32", Shape: []uint64{}},
			{Name: "empty", Dtype: "I64", Shape: []uint64{0, 8}},
			{Name: "mask", Dtype: "BOOL", Shape: []uint64{3}},
		},
		NoPadding: true,
	}
	hdr := s.HeaderBytes()
	size := int64(len(hdr)) + int64(s.DataSize())
	if size <= 1<<32 {
		t.Fatal("not over 4 GiB")
	}
	info, err := safetensors.Read(sparseReader{hdr}, size)
	if err != nil {
		t.Fatal(err)
	}
	if info.Tensors != 5 || info.DataSize != int64(s.DataSize()) || info.Parameters != int64(big)+8192+1+3 ||
		info.Metadata["ss_tag_frequency"][:20] != `{"img": {"a \"quoted` || info.ParametersByDtype["F32"] != 1 {
		t.Errorf("%+v", info)
	}
}

// stTensor is a safetensors header entry as decoded independently of the
// package, with encoding/json.
type stTensor struct {
	Dtype       string   `json:"dtype"`
	Shape       []uint64 `json:"shape"`
	DataOffsets []uint64 `json:"data_offsets"`
}

// decodeSafetensors reads a safetensors header with encoding/binary and
// encoding/json only: the header length, __metadata__ and the tensors.
func decodeSafetensors(t *testing.T, data []byte) (uint64, map[string]string, map[string]stTensor) {
	t.Helper()
	n := binary.LittleEndian.Uint64(data[:8])
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+n], &raw); err != nil {
		t.Fatalf("independent decode: %v", err)
	}
	var meta map[string]string
	tensors := map[string]stTensor{}
	for k, v := range raw {
		if k == "__metadata__" {
			if err := json.Unmarshal(v, &meta); err != nil {
				t.Fatalf("independent decode of __metadata__: %v", err)
			}
			continue
		}
		var st stTensor
		if err := json.Unmarshal(v, &st); err != nil {
			t.Fatalf("independent decode of %s: %v", k, err)
		}
		tensors[k] = st
	}
	return n, meta, tensors
}
