package manifest

import (
	"bytes"
	"cmp"
	"encoding/binary"
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

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/jsonscan"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
	"github.com/modelvet/modelvet/internal/textsafe"
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
// Errors are *formats.Error values with the byte offset of the fault. When
// the header is sound but the file size disagrees with it, ReadSafetensors
// returns the header facts and an error wrapping formats.ErrTruncated (the file
// ends early: a header-only capture or an interrupted download; Truncated
// is set) or formats.ErrTrailingData (bytes follow the indexed data).
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
	if err := safeio.ReadFullAt(r, first, 0); err != nil {
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
		return nil, stError(0, formats.ErrTruncated, "header length %d runs past the end of the %d-byte file", n, size)
	}
	// The header is parsed in place: nothing returned refers to it (tensor
	// names are copied into one string below, metadata is cloned, dtypes
	// are constants), so the buffer is not written while it is viewed as a
	// string, and the first-read buffer can go back to its pool.
	var hdr []byte
	if hdrEnd <= int64(len(first)) {
		hdr = first[8:hdrEnd]
	} else {
		hdr = make([]byte, n)
		copy(hdr, first[8:])
		if err := safeio.ReadFullAt(r, hdr[len(first)-8:], int64(len(first))); err != nil {
			return nil, stError(int64(len(first)), err, "cannot read the header")
		}
	}
	header := unsafe.String(unsafe.SliceData(hdr), len(hdr))
	info, tensors, err := parseSafetensorsHeader(header)
	if err != nil {
		return nil, err
	}
	info.HeaderSize = int64(n)
	info.DataOffset = hdrEnd

	// Offsets must cover the buffer from 0, in order, with no gap or overlap.
	slices.SortStableFunc(tensors, func(a, b safetensorsTensor) int {
		if a.begin != b.begin {
			return cmp.Compare(a.begin, b.begin)
		}
		return cmp.Compare(a.end, b.end)
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
		return info, stError(size, formats.ErrTruncated, "header indexes %d bytes of tensor data, but the file ends after %d of them", info.DataSize, size-hdrEnd)
	case want < size:
		return info, stError(want, formats.ErrTrailingData, "%d bytes follow the %d bytes of tensor data the header indexes", size-want, info.DataSize)
	}
	return info, nil
}

// parseSafetensorsHeader decodes and checks the JSON header (everything
// that does not need the file size) in one pass. Errors carry file
// offsets.
func parseSafetensorsHeader(header string) (*SafetensorsInfo, []safetensorsTensor, error) {
	if header[0] != '{' {
		return nil, nil, stError(8, nil, "header does not start with '{'")
	}
	if !utf8.ValidString(header) {
		return nil, nil, stError(8+int64(jsonscan.InvalidUTF8At(header)), nil, "header is not valid UTF-8")
	}
	j := jsonscan.New(header)
	syntax := func() error { return stSyntax(j) }
	info := &SafetensorsInfo{ParametersByDtype: map[string]int64{}}
	// An entry takes about 100 bytes or more: a guess from bytes actually
	// present, which append corrects.
	n := len(header) / 128
	tensors := make([]safetensorsTensor, 0, n)
	seen := make(map[string]struct{}, n)
	sawMetadata := false
	if !j.Open('}') {
		for {
			j.SkipSpace()
			at := 8 + int64(j.Pos())
			name, ok := j.ReadString()
			if !ok || !j.Expect(':', "':' after an object key") {
				return nil, nil, syntax()
			}
			if name == "__metadata__" {
				if sawMetadata {
					return nil, nil, stError(at, nil, "duplicate __metadata__")
				}
				sawMetadata = true
				var err error
				if info.Metadata, err = safetensorsMetadata(j); err != nil {
					return nil, nil, err
				}
			} else {
				if seen[name] = struct{}{}; len(seen) == len(tensors) {
					return nil, nil, stError(at, nil, "duplicate tensor name %q", name)
				}
				t, err := safetensorsEntry(j, name, at)
				if err != nil {
					return nil, nil, err
				}
				tensors = append(tensors, t)
			}
			if !j.More('}') {
				break
			}
		}
	}
	if j.Failed() || !j.End() {
		return nil, nil, syntax()
	}
	return info, tensors, nil
}

// stSyntax reports the scanner's fault in a safetensors header.
func stSyntax(j *jsonscan.Scanner) error {
	at, msg := j.Fault()
	return stError(8+int64(at), nil, "header is not valid JSON: %s", msg)
}

// safetensorsMetadata reads __metadata__: a string-to-string object, or
// null.
func safetensorsMetadata(j *jsonscan.Scanner) (map[string]string, error) {
	c := j.Peek()
	valAt := 8 + int64(j.Pos())
	if c != '{' {
		raw, ok := j.Skip(1)
		switch {
		case !ok:
			return nil, stSyntax(j)
		case raw == "null":
			return nil, nil
		}
		return nil, stError(valAt, nil, "__metadata__ is not a JSON object")
	}
	m := map[string]string{}
	if j.Open('}') {
		return m, nil
	}
	for {
		j.SkipSpace()
		at := 8 + int64(j.Pos())
		k, ok := j.ReadString()
		if !ok || !j.Expect(':', "':' after an object key") {
			return nil, stSyntax(j)
		}
		if j.Peek() != '"' {
			return nil, stError(at, nil, "__metadata__ value of %q is not a string", k)
		}
		v, ok := j.ReadString()
		if !ok {
			return nil, stSyntax(j)
		}
		if _, dup := m[k]; dup {
			return nil, stError(at, nil, "duplicate __metadata__ key %q", k)
		}
		if len(m) >= limits.MaxSafetensorsMetadata {
			return nil, stError(at, nil, "__metadata__ has more than %d entries", limits.MaxSafetensorsMetadata)
		}
		m[strings.Clone(k)] = strings.Clone(v) // free the header
		if !j.More('}') {
			break
		}
	}
	if j.Failed() {
		return nil, stSyntax(j)
	}
	return m, nil
}

// safetensorsEntry reads and checks one tensor entry.
func safetensorsEntry(j *jsonscan.Scanner, name string, at int64) (safetensorsTensor, error) {
	t := safetensorsTensor{name: name, at: at}
	if j.Peek() != '{' {
		if _, ok := j.Skip(1); !ok {
			return t, stSyntax(j)
		}
		return t, stError(at, nil, "tensor %q is not a JSON object", name)
	}
	var (
		bitsize         uint64
		haveDtype       bool
		shapeAt, offsAt int64 = -1, -1
		shapeRaw        string
		elements        = uint64(1)
		offsets         [2]uint64
		count           int
	)
	if !j.Open('}') {
		for {
			j.SkipSpace()
			fieldAt := 8 + int64(j.Pos())
			field, ok := j.ReadString()
			if !ok || !j.Expect(':', "':' after an object key") {
				return t, stSyntax(j)
			}
			j.SkipSpace()
			valAt := 8 + int64(j.Pos())
			dup := func(seen bool) error {
				if seen {
					return stError(fieldAt, nil, "tensor %q has a duplicate %q field", name, field)
				}
				return nil
			}
			switch field {
			case "dtype":
				if err := dup(haveDtype); err != nil {
					return t, err
				}
				haveDtype = true
				if j.Peek() != '"' {
					if _, ok := j.Skip(2); !ok {
						return t, stSyntax(j)
					}
					return t, stError(valAt, nil, "tensor %q dtype is not a string", name)
				}
				s, ok := j.ReadString()
				if !ok {
					return t, stSyntax(j)
				}
				d, known := safetensorsDtypes[s]
				if !known {
					return t, stError(valAt, nil, "tensor %q has unknown dtype %q", name, s)
				}
				t.dtype, bitsize = d.name, d.bits // a constant, not a substring of the header
			case "shape":
				if err := dup(shapeAt >= 0); err != nil {
					return t, err
				}
				shapeAt = valAt
				err := jsonUints(j, name, "shape", valAt, func(n uint64, elemAt int64) error {
					hi, lo := bits.Mul64(elements, n)
					if hi != 0 {
						return stError(elemAt, nil, "tensor %q shape overflows the element count", name)
					}
					elements = lo
					return nil
				})
				if err != nil {
					return t, err
				}
				shapeRaw = j.Input()[valAt-8 : j.Pos()]
			case "data_offsets":
				if err := dup(offsAt >= 0); err != nil {
					return t, err
				}
				offsAt = valAt
				err := jsonUints(j, name, "data_offsets", valAt, func(n uint64, _ int64) error {
					if count == 2 {
						return stError(valAt, nil, "tensor %q data_offsets has more than 2 elements", name)
					}
					offsets[count] = n
					count++
					return nil
				})
				if err != nil {
					return t, err
				}
			default: // the reference ignores unknown fields
				if _, ok := j.Skip(2); !ok {
					return t, stSyntax(j)
				}
			}
			if !j.More('}') {
				break
			}
		}
	}
	if j.Failed() {
		return t, stSyntax(j)
	}
	switch {
	case !haveDtype:
		return t, stError(at, nil, "tensor %q has no dtype", name)
	case shapeAt < 0:
		return t, stError(at, nil, "tensor %q has no shape", name)
	case offsAt < 0:
		return t, stError(at, nil, "tensor %q has no data_offsets", name)
	case count != 2:
		return t, stError(offsAt, nil, "tensor %q data_offsets has %d elements, not 2", name, count)
	}
	t.elements = elements
	t.begin, t.end = offsets[0], offsets[1]
	if t.end < t.begin {
		return t, stError(offsAt, nil, "tensor %q data_offsets [%d, %d] end before they begin", name, t.begin, t.end)
	}
	hi, nbits := bits.Mul64(elements, bitsize)
	if hi != 0 {
		return t, stError(shapeAt, nil, "tensor %q shape %s of %s overflows the byte size", name, shapeRaw, t.dtype)
	}
	if nbits%8 != 0 {
		return t, stError(shapeAt, nil, "tensor %q: %d elements of %s (%d bits each) do not fill whole bytes", name, elements, t.dtype, bitsize)
	}
	if want := nbits / 8; t.end-t.begin != want {
		return t, stError(offsAt, nil, "tensor %q data_offsets [%d, %d] span %d bytes, but shape %s of %s needs %d", name, t.begin, t.end, t.end-t.begin, shapeRaw, t.dtype, want)
	}
	return t, nil
}

// jsonUints reads an array of non-negative integers written without
// fraction or exponent, as the reference implementation requires for
// shapes and offsets, passing each to fn with its file offset.
func jsonUints(j *jsonscan.Scanner, name, field string, at int64, fn func(n uint64, at int64) error) error {
	if j.Peek() != '[' {
		if _, ok := j.Skip(2); !ok {
			return stSyntax(j)
		}
		return stError(at, nil, "tensor %q %s is not an array", name, field)
	}
	if j.Open(']') {
		return nil
	}
	for {
		c := j.Peek()
		elemAt := 8 + int64(j.Pos())
		if c != '-' && (c < '0' || c > '9') {
			raw, ok := j.Skip(3)
			if !ok {
				return stSyntax(j)
			}
			return stError(elemAt, nil, "tensor %q %s: %s is not a number", name, field, textsafe.Truncate(raw, 64))
		}
		raw, ok := j.ReadNumber()
		if !ok {
			return stSyntax(j)
		}
		n, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			return stError(elemAt, nil, "tensor %q %s: %s is not a non-negative integer below 2^64", name, field, textsafe.Truncate(raw, 64))
		}
		if err := fn(n, elemAt); err != nil {
			return err
		}
		if !j.More(']') {
			break
		}
	}
	if j.Failed() {
		return stSyntax(j)
	}
	return nil
}

// ParseSafetensorsIndex parses model.safetensors.index.json: the
// metadata (total_size and any other entries) and the weight_map from
// tensor names to shard files. Shard names must be plain relative paths
// (no "..", no absolute path, no backslash). Errors are *formats.Error
// values with the line and byte offset of the fault. An unusable
// total_size or metadata is reported with the rest of the index still
// returned.
func ParseSafetensorsIndex(path string, data []byte) (*SafetensorsIndex, error) {
	ierr := func(off int, format string, args ...any) *formats.Error {
		return &formats.Error{Format: string(FormatSafetensorsIndex), Path: path, Offset: int64(off), Line: lineAt(data, int64(off)), Msg: fmt.Sprintf(format, args...)}
	}
	if len(data) > limits.MaxIndexBytes {
		return nil, &formats.Error{Format: string(FormatSafetensorsIndex), Path: path, Offset: -1, Msg: fmt.Sprintf("index is %d bytes, over the %d-byte limit", len(data), limits.MaxIndexBytes)}
	}
	if !utf8.Valid(data) {
		return nil, ierr(jsonscan.InvalidUTF8At(string(data)), "is not valid UTF-8")
	}
	doc := string(data) // one copy; names in the weight map are substrings of it
	j := jsonscan.New(doc)
	syntax := func() error { return syntaxError(j, ierr) }
	if j.Peek() != '{' {
		if ok, bad, msg := jsonscan.Valid(doc); !ok {
			return nil, ierr(bad, "is not valid JSON: %s", msg)
		}
		return nil, ierr(0, "is not a JSON object")
	}
	idx := &SafetensorsIndex{Path: path, TotalSize: -1}
	var soft error // reported with the index
	lines := lineCounter{data: data}
	sawMetadata, sawWeightMap := false, false
	if !j.Open('}') {
		for {
			j.SkipSpace()
			keyAt := j.Pos()
			key, ok := j.ReadString()
			if !ok || !j.Expect(':', "':' after an object key") {
				return nil, syntax()
			}
			j.SkipSpace()
			valAt := j.Pos()
			switch key {
			case "metadata":
				if sawMetadata {
					return nil, ierr(keyAt, "duplicate %q", key)
				}
				sawMetadata = true
				if err := indexMetadata(j, idx, ierr, &soft); err != nil {
					return nil, err
				}
			case "weight_map":
				if sawWeightMap {
					return nil, ierr(keyAt, "duplicate %q", key)
				}
				sawWeightMap = true
				if j.Peek() != '{' {
					return nil, ierr(valAt, "weight_map is not a JSON object")
				}
				if err := indexWeightMap(j, idx, ierr, &lines); err != nil {
					return nil, err
				}
			default:
				if _, ok := j.Skip(1); !ok {
					return nil, syntax()
				}
			}
			if !j.More('}') {
				break
			}
		}
	}
	if j.Failed() || !j.End() {
		return nil, syntax()
	}
	if !sawWeightMap {
		return nil, ierr(0, "has no weight_map")
	}
	idx.Tensors = len(idx.WeightMap)
	slices.Sort(idx.Shards)
	if soft != nil {
		return idx, soft
	}
	return idx, nil
}

type indexErrorFunc func(off int, format string, args ...any) *formats.Error

// syntaxError reports the scanner's fault in an index.
func syntaxError(j *jsonscan.Scanner, ierr indexErrorFunc) error {
	at, msg := j.Fault()
	return ierr(at, "is not valid JSON: %s", msg)
}

// indexWeightMap reads the weight_map object.
func indexWeightMap(j *jsonscan.Scanner, idx *SafetensorsIndex, ierr indexErrorFunc, lines *lineCounter) error {
	// Entries are comma-separated: a bound from bytes actually present.
	idx.WeightMap = make(map[string]string, min(strings.Count(j.Input()[j.Pos():], ",")+1, limits.MaxIndexTensors))
	idx.ShardLines = map[string]int{}
	if j.Open('}') {
		return nil
	}
	last := "\x00" // no shard name has a control character
	for {
		j.SkipSpace()
		at := j.Pos()
		tensor, ok := j.ReadString()
		if !ok || !j.Expect(':', "':' after an object key") {
			return syntaxError(j, ierr)
		}
		if len(idx.WeightMap) >= limits.MaxIndexTensors {
			return ierr(at, "weight_map has more than %d tensors", limits.MaxIndexTensors)
		}
		j.SkipSpace()
		valAt := j.Pos()
		if j.Peek() != '"' {
			return ierr(valAt, "weight_map entry for %q is not a string", tensor)
		}
		shard, ok := j.ReadString()
		if !ok {
			return syntaxError(j, ierr)
		}
		// Consecutive entries mostly name the same shard.
		if shard != last {
			if _, known := idx.ShardLines[shard]; !known {
				if msg := checkShardName(shard); msg != "" {
					return ierr(valAt, "weight_map entry for %q: shard %q %s", tensor, shard, msg)
				}
				if len(idx.ShardLines) >= limits.MaxIndexShards {
					return ierr(valAt, "weight_map names more than %d shards", limits.MaxIndexShards)
				}
				idx.ShardLines[shard] = lines.at(int64(valAt))
				idx.Shards = append(idx.Shards, shard)
			}
		}
		n := len(idx.WeightMap)
		if idx.WeightMap[tensor] = shard; len(idx.WeightMap) == n {
			return ierr(at, "weight_map names tensor %q twice", tensor)
		}
		last = shard
		if !j.More('}') {
			break
		}
	}
	if j.Failed() {
		return syntaxError(j, ierr)
	}
	return nil
}

// indexMetadata reads the metadata object; problems with it are recorded
// in soft, syntax errors returned.
func indexMetadata(j *jsonscan.Scanner, idx *SafetensorsIndex, ierr indexErrorFunc, soft *error) error {
	valAt := j.Pos()
	if j.Peek() != '{' {
		raw, ok := j.Skip(1)
		if !ok {
			return syntaxError(j, ierr)
		}
		if raw != "null" && *soft == nil {
			*soft = ierr(valAt, "metadata is not a JSON object")
		}
		return nil
	}
	if j.Open('}') {
		return nil
	}
	for {
		key, ok := j.ReadString()
		if !ok || !j.Expect(':', "':' after an object key") {
			return syntaxError(j, ierr)
		}
		j.SkipSpace()
		at := j.Pos()
		var value string
		isString := j.Peek() == '"'
		if isString {
			value, ok = j.ReadString()
		} else {
			value, ok = j.Skip(2)
		}
		if !ok {
			return syntaxError(j, ierr)
		}
		switch {
		case key == "total_size":
			idx.TotalSizeLine = lineAtString(j.Input(), at)
			n, whole := jsonWholeNumber(value, isString)
			if !whole {
				if *soft == nil {
					*soft = ierr(at, "metadata.total_size %s is not a non-negative whole number of bytes", textsafe.Truncate(j.Input()[at:j.Pos()], 64))
				}
			} else {
				idx.TotalSize = n
			}
		case len(idx.Metadata) < limits.MaxSafetensorsMetadata:
			if idx.Metadata == nil {
				idx.Metadata = map[string]string{}
			}
			idx.Metadata[key] = textsafe.Truncate(value, 1024)
		}
		if !j.More('}') {
			break
		}
	}
	if j.Failed() {
		return syntaxError(j, ierr)
	}
	return nil
}

// jsonWholeNumber reads a non-negative integer below 2^63 from a number's
// text, also when a writer printed it as a float ("1.6e10", "123.0").
func jsonWholeNumber(raw string, isString bool) (int64, bool) {
	if isString || raw == "" || raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return 0, false
	}
	if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
		return n, n >= 0
	}
	f, err := strconv.ParseFloat(raw, 64)
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

// stError builds a safetensors formats.Error at a file offset.
func stError(off int64, err error, format string, args ...any) *formats.Error {
	return &formats.Error{Format: string(FormatSafetensors), Offset: off, Msg: fmt.Sprintf(format, args...), Err: err}
}

// lineAtString returns the 1-based line of byte offset off in s.
func lineAtString(s string, off int) int {
	if off < 0 || off > len(s) {
		return 0
	}
	return 1 + strings.Count(s[:off], "\n")
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
