package manifest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/tidwall/gjson"

	"github.com/modelvet/modelvet/internal/limits"
)

// safetensorsDtype is a dtype: its name (a constant string, so that facts
// do not keep the header alive) and its width in bits.
type safetensorsDtype struct {
	name string
	bits uint64
}

// safetensorsDtypes lists every dtype the format defines
// (huggingface/safetensors src/tensor.rs, Dtype and its bitsize; research
// table safetensors-dtypes.tsv). Sub-byte dtypes are allowed only when a
// tensor's elements fill whole bytes.
var safetensorsDtypes = map[string]safetensorsDtype{
	"BOOL":        {"BOOL", 8},
	"F4":          {"F4", 4},
	"F6_E2M3":     {"F6_E2M3", 6},
	"F6_E3M2":     {"F6_E3M2", 6},
	"U8":          {"U8", 8},
	"I8":          {"I8", 8},
	"F8_E5M2":     {"F8_E5M2", 8},
	"F8_E4M3":     {"F8_E4M3", 8},
	"F8_E8M0":     {"F8_E8M0", 8},
	"F8_E4M3FNUZ": {"F8_E4M3FNUZ", 8},
	"F8_E5M2FNUZ": {"F8_E5M2FNUZ", 8},
	"I16":         {"I16", 16},
	"U16":         {"U16", 16},
	"F16":         {"F16", 16},
	"BF16":        {"BF16", 16},
	"I32":         {"I32", 32},
	"U32":         {"U32", 32},
	"F32":         {"F32", 32},
	"C64":         {"C64", 64},
	"F64":         {"F64", 64},
	"I64":         {"I64", 64},
	"U64":         {"U64", 64},
}

// safetensorsFirstRead is how much of a safetensors file the reader asks
// for at once: the length field and, for most files, the whole header, so
// that a header costs one read (one range request when remote).
const safetensorsFirstRead = 64 << 10

// firstReadPool recycles the buffers of first reads.
var firstReadPool = sync.Pool{New: func() any { b := make([]byte, safetensorsFirstRead); return &b }}

// safetensorsTensor is one header entry, in the reader's working form.
type safetensorsTensor struct {
	name       string
	dtype      string
	begin, end uint64
	elements   uint64
	at         int64 // file offset of the entry's name
}

// ReadSafetensors reads the header of a safetensors file of the given size
// and checks it as the reference implementation does: the length field
// within limits.MaxSafetensorsHeader and the file, a UTF-8 JSON object
// (right-padding with spaces allowed), string-only __metadata__, a known
// dtype for every tensor, and data_offsets that cover the data buffer from
// 0 without gaps or overlaps, each spanning exactly prod(shape) × bits / 8
// bytes. Tensor names must be unique. Only the header is read.
//
// Errors are *FormatError values with the byte offset of the fault. When
// the header is sound but the file size disagrees with it, ReadSafetensors
// returns the header facts and an error wrapping ErrTruncated (the file
// ends early: a header-only capture or an interrupted download; Truncated
// is set) or ErrTrailingData (bytes follow the indexed data).
func ReadSafetensors(r io.ReaderAt, size int64) (*SafetensorsInfo, error) {
	if size < 8 {
		return nil, stError(0, nil, "file is %d bytes, too short for the 8-byte header length", size)
	}
	var first []byte
	if size >= safetensorsFirstRead {
		// The first read is copied out below, so its buffer is reused.
		bp := firstReadPool.Get().(*[]byte)
		defer firstReadPool.Put(bp)
		first = *bp
	} else {
		first = make([]byte, size)
	}
	if err := readFullAt(r, first, 0); err != nil {
		return nil, stError(0, err, "cannot read the header")
	}
	n := binary.LittleEndian.Uint64(first)
	if n > limits.MaxSafetensorsHeader {
		return nil, stError(0, nil, "header length %d exceeds limit %d", n, limits.MaxSafetensorsHeader)
	}
	if n < 2 {
		return nil, stError(0, nil, "header length %d is too short for a JSON object", n)
	}
	hdrEnd := 8 + int64(n) // n is capped, so this cannot overflow
	if hdrEnd > size {
		return nil, stError(0, ErrTruncated, "header length %d runs past the end of the %d-byte file", n, size)
	}
	var header string
	if hdrEnd <= int64(len(first)) {
		header = string(first[8:hdrEnd])
	} else {
		buf := make([]byte, n)
		copy(buf, first[8:])
		if err := readFullAt(r, buf[len(first)-8:], int64(len(first))); err != nil {
			return nil, stError(int64(len(first)), err, "cannot read the header")
		}
		// buf is never written again, so the string may share its memory;
		// tensor names are substrings of it.
		header = unsafe.String(unsafe.SliceData(buf), len(buf))
	}
	info, tensors, err := parseSafetensorsHeader(header)
	if err != nil {
		return nil, err
	}
	info.HeaderSize = int64(n)
	info.DataOffset = hdrEnd

	// Offsets must cover the buffer from 0, in order, with no gap or overlap.
	slices.SortStableFunc(tensors, func(a, b safetensorsTensor) int {
		if a.begin != b.begin {
			return cmpUint(a.begin, b.begin)
		}
		return cmpUint(a.end, b.end)
	})
	// Names are kept in one string of their own, so that the header can
	// be freed.
	var nameBytes int
	for _, t := range tensors {
		nameBytes += len(t.name)
	}
	var names strings.Builder
	names.Grow(nameBytes)
	var next uint64
	var params uint64
	info.TensorNames = make([]string, 0, len(tensors))
	for i, t := range tensors {
		switch {
		case t.begin < next:
			return nil, stError(t.at, nil, "tensor %q data_offsets [%d, %d] overlap tensor %q, which ends at %d", t.name, t.begin, t.end, tensors[i-1].name, next)
		case t.begin > next && i == 0:
			return nil, stError(t.at, nil, "tensor %q data_offsets [%d, %d] leave a gap: the first tensor must start at 0", t.name, t.begin, t.end)
		case t.begin > next:
			return nil, stError(t.at, nil, "tensor %q data_offsets [%d, %d] leave a gap after tensor %q, which ends at %d", t.name, t.begin, t.end, tensors[i-1].name, next)
		}
		next = t.end
		var carry uint64
		params, carry = bits.Add64(params, t.elements, 0)
		if carry != 0 || params > math.MaxInt64 {
			return nil, stError(t.at, nil, "parameter count overflows at tensor %q", t.name)
		}
		info.ParametersByDtype[t.dtype] += int64(t.elements)
		names.WriteString(t.name)
	}
	all, pos := names.String(), 0
	for _, t := range tensors {
		info.TensorNames = append(info.TensorNames, all[pos:pos+len(t.name)])
		pos += len(t.name)
	}
	info.Tensors = len(tensors)
	info.Parameters = int64(params)
	if next > uint64(math.MaxInt64-hdrEnd) {
		return nil, stError(8, nil, "data_offsets end at %d, beyond any possible file size", next)
	}
	info.DataSize = int64(next)
	if len(info.ParametersByDtype) == 0 {
		info.ParametersByDtype = nil
	}
	switch want := hdrEnd + info.DataSize; {
	case want > size:
		info.Truncated = true
		return info, stError(size, ErrTruncated, "header indexes %d bytes of tensor data, but the file ends after %d of them", info.DataSize, size-hdrEnd)
	case want < size:
		return info, stError(want, ErrTrailingData, "%d bytes follow the %d bytes of tensor data the header indexes", size-want, info.DataSize)
	}
	return info, nil
}

// parseSafetensorsHeader decodes and checks the JSON header (everything
// that does not need the file size). Errors carry file offsets.
func parseSafetensorsHeader(header string) (*SafetensorsInfo, []safetensorsTensor, error) {
	if header[0] != '{' {
		return nil, nil, stError(8, nil, "header does not start with '{'")
	}
	if !utf8.ValidString(header) {
		return nil, nil, stError(8+int64(invalidUTF8At(header)), nil, "header is not valid UTF-8")
	}
	if !gjson.Valid(header) {
		return nil, nil, stError(8+jsonErrorOffset(header), nil, "header is not valid JSON")
	}
	info := &SafetensorsInfo{ParametersByDtype: map[string]int64{}}
	// Every entry names data_offsets once, so this bounds the tensor count
	// by bytes actually present.
	n := strings.Count(header, `"data_offsets"`)
	tensors := make([]safetensorsTensor, 0, n)
	seen := make(map[string]struct{}, n)
	sawMetadata := false
	var err error
	gjson.Parse(header).ForEach(func(key, val gjson.Result) bool {
		at := 8 + int64(key.Index)
		name := key.Str
		if name == "__metadata__" {
			if sawMetadata {
				err = stError(at, nil, "duplicate __metadata__")
				return false
			}
			sawMetadata = true
			info.Metadata, err = safetensorsMetadata(val)
			return err == nil
		}
		if _, dup := seen[name]; dup {
			err = stError(at, nil, "duplicate tensor name %q", name)
			return false
		}
		seen[name] = struct{}{}
		var t safetensorsTensor
		t, err = safetensorsEntry(name, at, val)
		if err != nil {
			return false
		}
		tensors = append(tensors, t)
		return true
	})
	if err != nil {
		return nil, nil, err
	}
	return info, tensors, nil
}

// safetensorsMetadata reads __metadata__: a string-to-string object, or
// null.
func safetensorsMetadata(val gjson.Result) (map[string]string, error) {
	if val.Type == gjson.Null {
		return nil, nil
	}
	if !val.IsObject() {
		return nil, stError(8+int64(val.Index), nil, "__metadata__ is not a JSON object")
	}
	m := map[string]string{}
	var err error
	val.ForEach(func(k, v gjson.Result) bool {
		at := 8 + int64(k.Index)
		if v.Type != gjson.String {
			err = stError(at, nil, "__metadata__ value of %q is not a string", k.Str)
			return false
		}
		if _, dup := m[k.Str]; dup {
			err = stError(at, nil, "duplicate __metadata__ key %q", k.Str)
			return false
		}
		if len(m) >= limits.MaxSafetensorsMetadata {
			err = stError(at, nil, "__metadata__ has more than %d entries", limits.MaxSafetensorsMetadata)
			return false
		}
		m[strings.Clone(k.Str)] = strings.Clone(v.Str) // free the header
		return true
	})
	return m, err
}

// safetensorsEntry reads and checks one tensor entry.
func safetensorsEntry(name string, at int64, val gjson.Result) (safetensorsTensor, error) {
	t := safetensorsTensor{name: name, at: at}
	if !val.IsObject() {
		return t, stError(at, nil, "tensor %q is not a JSON object", name)
	}
	var dtype, shape, offsets gjson.Result
	var err error
	val.ForEach(func(k, v gjson.Result) bool {
		var slot *gjson.Result
		switch k.Str {
		case "dtype":
			slot = &dtype
		case "shape":
			slot = &shape
		case "data_offsets":
			slot = &offsets
		default:
			return true // the reference ignores unknown fields
		}
		if slot.Exists() {
			err = stError(8+int64(k.Index), nil, "tensor %q has a duplicate %q field", name, k.Str)
			return false
		}
		*slot = v
		return true
	})
	if err != nil {
		return t, err
	}
	for _, f := range []struct {
		r    gjson.Result
		name string
	}{{dtype, "dtype"}, {shape, "shape"}, {offsets, "data_offsets"}} {
		if !f.r.Exists() {
			return t, stError(at, nil, "tensor %q has no %s", name, f.name)
		}
	}
	if dtype.Type != gjson.String {
		return t, stError(8+int64(dtype.Index), nil, "tensor %q dtype is not a string", name)
	}
	d, ok := safetensorsDtypes[dtype.Str]
	if !ok {
		return t, stError(8+int64(dtype.Index), nil, "tensor %q has unknown dtype %q", name, dtype.Str)
	}
	bitsize := d.bits
	t.dtype = d.name // not a substring of the header, which is then freed
	if !shape.IsArray() {
		return t, stError(8+int64(shape.Index), nil, "tensor %q shape is not an array", name)
	}
	elements := uint64(1)
	shape.ForEach(func(_, d gjson.Result) bool {
		var n uint64
		n, err = jsonUint(d)
		if err != nil {
			err = stError(8+int64(d.Index), nil, "tensor %q shape: %v", name, err)
			return false
		}
		hi, lo := bits.Mul64(elements, n)
		if hi != 0 {
			err = stError(8+int64(d.Index), nil, "tensor %q shape %s overflows the element count", name, shape.Raw)
			return false
		}
		elements = lo
		return true
	})
	if err != nil {
		return t, err
	}
	t.elements = elements
	if !offsets.IsArray() {
		return t, stError(8+int64(offsets.Index), nil, "tensor %q data_offsets is not an array", name)
	}
	var se [2]uint64
	count := 0
	offsets.ForEach(func(_, d gjson.Result) bool {
		if count == 2 {
			err = stError(8+int64(offsets.Index), nil, "tensor %q data_offsets has more than 2 elements", name)
			return false
		}
		var n uint64
		n, err = jsonUint(d)
		if err != nil {
			err = stError(8+int64(d.Index), nil, "tensor %q data_offsets: %v", name, err)
			return false
		}
		se[count] = n
		count++
		return true
	})
	if err != nil {
		return t, err
	}
	if count != 2 {
		return t, stError(8+int64(offsets.Index), nil, "tensor %q data_offsets has %d elements, not 2", name, count)
	}
	t.begin, t.end = se[0], se[1]
	if t.end < t.begin {
		return t, stError(8+int64(offsets.Index), nil, "tensor %q data_offsets [%d, %d] end before they begin", name, t.begin, t.end)
	}
	hi, nbits := bits.Mul64(elements, bitsize)
	if hi != 0 {
		return t, stError(8+int64(shape.Index), nil, "tensor %q shape %s of %s overflows the byte size", name, shape.Raw, t.dtype)
	}
	if nbits%8 != 0 {
		return t, stError(8+int64(shape.Index), nil, "tensor %q: %d elements of %s (%d bits each) do not fill whole bytes", name, elements, t.dtype, bitsize)
	}
	if want := nbits / 8; t.end-t.begin != want {
		return t, stError(8+int64(offsets.Index), nil, "tensor %q data_offsets [%d, %d] span %d bytes, but shape %s of %s needs %d", name, t.begin, t.end, t.end-t.begin, shape.Raw, t.dtype, want)
	}
	return t, nil
}

// jsonUint reads a JSON number that must be a non-negative integer written
// without fraction or exponent, as the reference implementation requires
// for shapes and offsets.
func jsonUint(r gjson.Result) (uint64, error) {
	if r.Type != gjson.Number {
		return 0, fmt.Errorf("%s is not a number", r.Raw)
	}
	n, err := strconv.ParseUint(r.Raw, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s is not a non-negative integer below 2^64", r.Raw)
	}
	return n, nil
}

// ParseSafetensorsIndex parses model.safetensors.index.json: the
// metadata (total_size and any other entries) and the weight_map from
// tensor names to shard files. Shard names must be plain relative paths
// (no "..", no absolute path, no backslash). Errors are *FormatError
// values with the line and byte offset of the fault. An unusable
// total_size is reported with the rest of the index still returned.
func ParseSafetensorsIndex(path string, data []byte) (*SafetensorsIndex, error) {
	ierr := func(off int64, format string, args ...any) *FormatError {
		return &FormatError{Format: FormatSafetensorsIndex, Path: path, Offset: off, Line: lineAt(data, off), Msg: fmt.Sprintf(format, args...)}
	}
	if len(data) > limits.MaxIndexBytes {
		return nil, &FormatError{Format: FormatSafetensorsIndex, Path: path, Offset: -1, Msg: fmt.Sprintf("index is %d bytes, over the %d-byte limit", len(data), limits.MaxIndexBytes)}
	}
	if !utf8.Valid(data) {
		return nil, ierr(int64(invalidUTF8At(string(data))), "is not valid UTF-8")
	}
	doc := string(data) // one copy; names in the weight map are substrings of it
	if !gjson.Valid(doc) {
		return nil, ierr(jsonErrorOffset(doc), "is not valid JSON")
	}
	root := gjson.Parse(doc)
	if !root.IsObject() {
		return nil, ierr(0, "is not a JSON object")
	}
	idx := &SafetensorsIndex{Path: path, TotalSize: -1}
	var metadata, weightMap gjson.Result
	var err error
	root.ForEach(func(k, v gjson.Result) bool {
		var slot *gjson.Result
		switch k.Str {
		case "metadata":
			slot = &metadata
		case "weight_map":
			slot = &weightMap
		default:
			return true
		}
		if slot.Exists() {
			err = ierr(int64(k.Index), "duplicate %q", k.Str)
			return false
		}
		*slot = v
		return true
	})
	if err != nil {
		return nil, err
	}
	if !weightMap.Exists() {
		return nil, ierr(0, "has no weight_map")
	}
	if !weightMap.IsObject() {
		return nil, ierr(int64(weightMap.Index), "weight_map is not a JSON object")
	}
	// Entries are comma-separated: a bound from bytes actually present.
	idx.WeightMap = make(map[string]string, min(strings.Count(weightMap.Raw, ",")+1, limits.MaxIndexTensors))
	idx.ShardLines = map[string]int{}
	lines := lineCounter{data: data}
	weightMap.ForEach(func(k, v gjson.Result) bool {
		at := int64(k.Index)
		if _, dup := idx.WeightMap[k.Str]; dup {
			err = ierr(at, "weight_map names tensor %q twice", k.Str)
			return false
		}
		if len(idx.WeightMap) >= limits.MaxIndexTensors {
			err = ierr(at, "weight_map has more than %d tensors", limits.MaxIndexTensors)
			return false
		}
		if v.Type != gjson.String {
			err = ierr(int64(v.Index), "weight_map entry for %q is not a string", k.Str)
			return false
		}
		shard := v.Str
		if _, known := idx.ShardLines[shard]; !known {
			if msg := checkShardName(shard); msg != "" {
				err = ierr(int64(v.Index), "weight_map entry for %q: shard %q %s", k.Str, shard, msg)
				return false
			}
			if len(idx.ShardLines) >= limits.MaxIndexShards {
				err = ierr(int64(v.Index), "weight_map names more than %d shards", limits.MaxIndexShards)
				return false
			}
			idx.ShardLines[shard] = lines.at(int64(v.Index))
			idx.Shards = append(idx.Shards, shard)
		}
		idx.WeightMap[k.Str] = shard
		return true
	})
	if err != nil {
		return nil, err
	}
	idx.Tensors = len(idx.WeightMap)
	slices.Sort(idx.Shards)
	if !metadata.Exists() || metadata.Type == gjson.Null {
		return idx, nil
	}
	if !metadata.IsObject() {
		return idx, ierr(int64(metadata.Index), "metadata is not a JSON object")
	}
	var sizeErr error
	metadata.ForEach(func(k, v gjson.Result) bool {
		if k.Str == "total_size" {
			idx.TotalSizeLine = lineAt(data, int64(v.Index))
			n, ok := jsonWholeNumber(v)
			if !ok {
				sizeErr = ierr(int64(v.Index), "metadata.total_size %s is not a non-negative whole number of bytes", clip(v.Raw, 64))
				return true
			}
			idx.TotalSize = n
			return true
		}
		if idx.Metadata == nil {
			idx.Metadata = map[string]string{}
		}
		if len(idx.Metadata) < limits.MaxSafetensorsMetadata {
			if v.Type == gjson.String {
				idx.Metadata[k.Str] = v.Str
			} else {
				idx.Metadata[k.Str] = clip(v.Raw, 1024)
			}
		}
		return true
	})
	if sizeErr != nil {
		return idx, sizeErr
	}
	return idx, nil
}

// jsonWholeNumber reads a non-negative integer below 2^63, also when a
// writer printed it as a float ("1.6e10", "123.0").
func jsonWholeNumber(r gjson.Result) (int64, bool) {
	if r.Type != gjson.Number {
		return 0, false
	}
	if n, err := strconv.ParseInt(r.Raw, 10, 64); err == nil {
		return n, n >= 0
	}
	f, err := strconv.ParseFloat(r.Raw, 64)
	if err != nil || f < 0 || f >= math.MaxInt64 || f != math.Trunc(f) {
		return 0, false
	}
	return int64(f), true
}

// checkShardName says what is wrong with a shard file name from an index,
// or returns "". Shards are plain relative paths below the index's
// directory.
func checkShardName(s string) string {
	switch {
	case s == "":
		return "is empty"
	case strings.ContainsRune(s, '\\'):
		return "contains a backslash"
	case strings.HasPrefix(s, "/") || len(s) >= 2 && s[1] == ':':
		return "is an absolute path"
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "contains a control character"
	}
	for _, elem := range strings.Split(s, "/") {
		if elem == ".." {
			return "leaves the index's directory"
		}
	}
	if path.Clean(s) != s {
		return "is not a clean relative path"
	}
	return ""
}

// stError builds a safetensors FormatError at a file offset.
func stError(off int64, err error, format string, args ...any) *FormatError {
	return &FormatError{Format: FormatSafetensors, Offset: off, Msg: fmt.Sprintf(format, args...), Err: err}
}

// readFullAt fills buf from r at off.
func readFullAt(r io.ReaderAt, buf []byte, off int64) error {
	n, err := r.ReadAt(buf, off)
	if n == len(buf) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// invalidUTF8At returns the index of the first byte of s that is not valid
// UTF-8.
func invalidUTF8At(s string) int {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(s)
}

// jsonErrorOffset locates a JSON syntax error, for messages only.
func jsonErrorOffset(s string) int64 {
	var v json.RawMessage
	var se *json.SyntaxError
	if err := json.Unmarshal([]byte(s), &v); errors.As(err, &se) {
		return max(se.Offset-1, 0)
	}
	return 0
}

// lineAt returns the 1-based line of byte offset off in data.
func lineAt(data []byte, off int64) int {
	if off < 0 || off > int64(len(data)) {
		return 0
	}
	return 1 + bytes.Count(data[:off], []byte{'\n'})
}

// lineCounter finds lines of increasing offsets in one pass.
type lineCounter struct {
	data []byte
	off  int64
	line int
}

func (c *lineCounter) at(off int64) int {
	if c.line == 0 {
		c.line = 1
	}
	if off < c.off {
		return lineAt(c.data, off)
	}
	c.line += bytes.Count(c.data[c.off:off], []byte{'\n'})
	c.off = off
	return c.line
}

// clip shortens s to at most n bytes for a message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
