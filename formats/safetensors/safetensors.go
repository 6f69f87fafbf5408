package safetensors

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/bits"
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

// Info is what a safetensors header declares.
type Info struct {
	// HeaderSize is N, the length of the JSON header that follows the
	// 8-byte length field; tensor data starts at DataOffset = 8+N.
	HeaderSize int64             `json:"header_size"`
	DataOffset int64             `json:"data_offset"`
	Metadata   map[string]string `json:"metadata,omitempty"` // __metadata__
	Tensors    int               `json:"tensors"`
	// Parameters counts elements over all tensors; ParametersByDtype splits
	// them by dtype.
	Parameters        int64            `json:"parameters"`
	ParametersByDtype map[string]int64 `json:"parameters_by_dtype,omitempty"`
	// DataSize is the size of the byte buffer the header indexes.
	DataSize int64 `json:"data_size"`
	// Truncated is set when the file ends before the end of that buffer (a
	// header-only capture or an interrupted download); the header facts are
	// complete, and Read also returns an error wrapping
	// formats.ErrTruncated.
	Truncated bool `json:"truncated,omitempty"`
	// TensorNames lists tensor names in data order, so an index's
	// weight_map can be checked against the shards.
	TensorNames []string `json:"-"`
	// TensorShapes holds the shape of each tensor of TensorNames, for the
	// first limits.MaxTensorShapes tensors; a shape of more than
	// limits.MaxShapeDims dimensions is nil.
	TensorShapes [][]uint64 `json:"-"`
}

// Dtypes lists the dtypes present, sorted.
func (s *Info) Dtypes() []string {
	out := make([]string, 0, len(s.ParametersByDtype))
	for d := range s.ParametersByDtype {
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

// dtype is a dtype: its name (a constant string, so that facts do not
// keep the header alive) and its width in bits.
type dtype struct {
	name string
	bits uint64
}

// dtypes lists every dtype the format defines (huggingface/safetensors
// src/tensor.rs, Dtype and its bitsize; research table
// safetensors-dtypes.tsv). Sub-byte dtypes are allowed only when a
// tensor's elements fill whole bytes.
var dtypes = map[string]dtype{
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

// firstRead is how much of a file Read asks for at once: the length field
// and, for most files, the whole header, so that a header costs one read
// (one range request when remote).
const firstRead = 64 << 10

// firstReadPool recycles the buffers of first reads.
var firstReadPool = sync.Pool{New: func() any { b := make([]byte, firstRead); return &b }}

// tensor is one header entry, in the reader's working form.
type tensor struct {
	name       string
	dtype      string
	begin, end uint64
	elements   uint64
	at         int64 // file offset of the entry's name
	// shape is where the shape's dimensions are in the header's shapes
	// (start, length; length -1 when not kept).
	shape [2]int
}

// Read reads the header of a safetensors file of the given size and
// checks it as the reference implementation does: the length field
// within limits.MaxSafetensorsHeader and the file, a UTF-8 JSON object
// (right-padding with spaces allowed), string-only __metadata__, a known
// dtype for every tensor, and data_offsets that cover the data buffer from
// 0 without gaps or overlaps, each spanning exactly prod(shape) × bits / 8
// bytes. Tensor names must be unique. Only the header is read.
//
// Errors are *formats.Error values with the byte offset of the fault.
// When the header is sound but the file size disagrees with it, Read
// returns the header facts and an error wrapping formats.ErrTruncated (the
// file ends early: a header-only capture or an interrupted download;
// Truncated is set) or formats.ErrTrailingData (bytes follow the indexed
// data).
func Read(r io.ReaderAt, size int64) (*Info, error) {
	if size < 8 {
		return nil, errorAt(0, nil, "file is %d bytes, too short for the 8-byte header length", size)
	}
	var first []byte
	if size >= firstRead {
		// The first read is copied out below, so its buffer is reused.
		bp := firstReadPool.Get().(*[]byte)
		defer firstReadPool.Put(bp)
		first = *bp
	} else {
		first = make([]byte, size)
	}
	if err := safeio.ReadFullAt(r, first, 0); err != nil {
		return nil, errorAt(0, err, "cannot read the header")
	}
	n := binary.LittleEndian.Uint64(first)
	if n > limits.MaxSafetensorsHeader {
		return nil, errorAt(0, nil, "header length %d exceeds limit %d", n, limits.MaxSafetensorsHeader)
	}
	if n < 2 {
		return nil, errorAt(0, nil, "header length %d is too short for a JSON object", n)
	}
	hdrEnd := 8 + int64(n) // n is capped, so this cannot overflow
	if hdrEnd > size {
		return nil, errorAt(0, formats.ErrTruncated, "header length %d runs past the end of the %d-byte file", n, size)
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
			return nil, errorAt(int64(len(first)), err, "cannot read the header")
		}
	}
	header := unsafe.String(unsafe.SliceData(hdr), len(hdr))
	info, tensors, shapes, err := parseHeader(header)
	if err != nil {
		return nil, err
	}
	info.HeaderSize = int64(n)
	info.DataOffset = hdrEnd

	// Offsets must cover the buffer from 0, in order, with no gap or overlap.
	slices.SortStableFunc(tensors, func(a, b tensor) int {
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
			return nil, errorAt(t.at, nil, "tensor %q data_offsets [%d, %d] overlap tensor %q, which ends at %d", t.name, t.begin, t.end, tensors[i-1].name, next)
		case t.begin > next && i == 0:
			return nil, errorAt(t.at, nil, "tensor %q data_offsets [%d, %d] leave a gap: the first tensor must start at 0", t.name, t.begin, t.end)
		case t.begin > next:
			return nil, errorAt(t.at, nil, "tensor %q data_offsets [%d, %d] leave a gap after tensor %q, which ends at %d", t.name, t.begin, t.end, tensors[i-1].name, next)
		}
		next = t.end
		var carry uint64
		params, carry = bits.Add64(params, t.elements, 0)
		if carry != 0 || params > math.MaxInt64 {
			return nil, errorAt(t.at, nil, "parameter count overflows at tensor %q", t.name)
		}
		info.ParametersByDtype[t.dtype] += int64(t.elements)
		names.WriteString(t.name)
	}
	all, pos := names.String(), 0
	info.TensorShapes = make([][]uint64, 0, min(len(tensors), limits.MaxTensorShapes))
	for i, t := range tensors {
		info.TensorNames = append(info.TensorNames, all[pos:pos+len(t.name)])
		pos += len(t.name)
		if i < limits.MaxTensorShapes {
			var shape []uint64
			if t.shape[1] >= 0 {
				shape = shapes[t.shape[0] : t.shape[0]+t.shape[1] : t.shape[0]+t.shape[1]]
			}
			info.TensorShapes = append(info.TensorShapes, shape)
		}
	}
	info.Tensors = len(tensors)
	info.Parameters = int64(params)
	if next > uint64(math.MaxInt64-hdrEnd) {
		return nil, errorAt(8, nil, "data_offsets end at %d, beyond any possible file size", next)
	}
	info.DataSize = int64(next)
	if len(info.ParametersByDtype) == 0 {
		info.ParametersByDtype = nil
	}
	switch want := hdrEnd + info.DataSize; {
	case want > size:
		info.Truncated = true
		return info, errorAt(size, formats.ErrTruncated, "header indexes %d bytes of tensor data, but the file ends after %d of them", info.DataSize, size-hdrEnd)
	case want < size:
		return info, errorAt(want, formats.ErrTrailingData, "%d bytes follow the %d bytes of tensor data the header indexes", size-want, info.DataSize)
	}
	return info, nil
}

// parseHeader decodes and checks the JSON header (everything
// that does not need the file size) in one pass, and returns the tensors'
// dimensions one after the other (shapes). Errors carry file offsets.
func parseHeader(header string) (*Info, []tensor, []uint64, error) {
	if header[0] != '{' {
		return nil, nil, nil, errorAt(8, nil, "header does not start with '{'")
	}
	if !utf8.ValidString(header) {
		return nil, nil, nil, errorAt(8+int64(jsonscan.InvalidUTF8At(header)), nil, "header is not valid UTF-8")
	}
	var shapes []uint64
	j := jsonscan.New(header)
	syntax := func() error { return syntaxError(j) }
	info := &Info{ParametersByDtype: map[string]int64{}}
	// An entry takes about 100 bytes or more: a guess from bytes actually
	// present, which append corrects.
	n := len(header) / 128
	tensors := make([]tensor, 0, n)
	seen := make(map[string]struct{}, n)
	sawMetadata := false
	if !j.Open('}') {
		for {
			j.SkipSpace()
			at := 8 + int64(j.Pos())
			name, ok := j.ReadString()
			if !ok || !j.Expect(':', "':' after an object key") {
				return nil, nil, nil, syntax()
			}
			if name == "__metadata__" {
				if sawMetadata {
					return nil, nil, nil, errorAt(at, nil, "duplicate __metadata__")
				}
				sawMetadata = true
				var err error
				if info.Metadata, err = readMetadata(j); err != nil {
					return nil, nil, nil, err
				}
			} else {
				if seen[name] = struct{}{}; len(seen) == len(tensors) {
					return nil, nil, nil, errorAt(at, nil, "duplicate tensor name %q", name)
				}
				t, err := readEntry(j, name, at, &shapes, len(tensors) < limits.MaxTensorShapes)
				if err != nil {
					return nil, nil, nil, err
				}
				tensors = append(tensors, t)
			}
			if !j.More('}') {
				break
			}
		}
	}
	if j.Failed() || !j.End() {
		return nil, nil, nil, syntax()
	}
	return info, tensors, shapes, nil
}

// syntaxError reports the scanner's fault in a safetensors header.
func syntaxError(j *jsonscan.Scanner) error {
	at, msg := j.Fault()
	return errorAt(8+int64(at), nil, "header is not valid JSON: %s", msg)
}

// readMetadata reads __metadata__: a string-to-string object, or
// null.
func readMetadata(j *jsonscan.Scanner) (map[string]string, error) {
	c := j.Peek()
	valAt := 8 + int64(j.Pos())
	if c != '{' {
		raw, ok := j.Skip(1)
		switch {
		case !ok:
			return nil, syntaxError(j)
		case raw == "null":
			return nil, nil
		}
		return nil, errorAt(valAt, nil, "__metadata__ is not a JSON object")
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
			return nil, syntaxError(j)
		}
		if j.Peek() != '"' {
			return nil, errorAt(at, nil, "__metadata__ value of %q is not a string", k)
		}
		v, ok := j.ReadString()
		if !ok {
			return nil, syntaxError(j)
		}
		if _, dup := m[k]; dup {
			return nil, errorAt(at, nil, "duplicate __metadata__ key %q", k)
		}
		if len(m) >= limits.MaxSafetensorsMetadata {
			return nil, errorAt(at, nil, "__metadata__ has more than %d entries", limits.MaxSafetensorsMetadata)
		}
		m[strings.Clone(k)] = strings.Clone(v) // free the header
		if !j.More('}') {
			break
		}
	}
	if j.Failed() {
		return nil, syntaxError(j)
	}
	return m, nil
}

// readEntry reads and checks one tensor entry. When keep is set, its
// shape's dimensions are appended to shapes (at most limits.MaxShapeDims).
func readEntry(j *jsonscan.Scanner, name string, at int64, shapes *[]uint64, keep bool) (tensor, error) {
	t := tensor{name: name, at: at, shape: [2]int{len(*shapes), -1}}
	if j.Peek() != '{' {
		if _, ok := j.Skip(1); !ok {
			return t, syntaxError(j)
		}
		return t, errorAt(at, nil, "tensor %q is not a JSON object", name)
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
				return t, syntaxError(j)
			}
			j.SkipSpace()
			valAt := 8 + int64(j.Pos())
			dup := func(seen bool) error {
				if seen {
					return errorAt(fieldAt, nil, "tensor %q has a duplicate %q field", name, field)
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
						return t, syntaxError(j)
					}
					return t, errorAt(valAt, nil, "tensor %q dtype is not a string", name)
				}
				s, ok := j.ReadString()
				if !ok {
					return t, syntaxError(j)
				}
				d, known := dtypes[s]
				if !known {
					return t, errorAt(valAt, nil, "tensor %q has unknown dtype %q", name, s)
				}
				t.dtype, bitsize = d.name, d.bits // a constant, not a substring of the header
			case "shape":
				if err := dup(shapeAt >= 0); err != nil {
					return t, err
				}
				shapeAt = valAt
				dims := 0
				err := readUints(j, name, "shape", valAt, func(n uint64, elemAt int64) error {
					hi, lo := bits.Mul64(elements, n)
					if hi != 0 {
						return errorAt(elemAt, nil, "tensor %q shape overflows the element count", name)
					}
					elements = lo
					if dims++; keep && dims <= limits.MaxShapeDims {
						*shapes = append(*shapes, n)
					}
					return nil
				})
				if err != nil {
					return t, err
				}
				if keep && dims <= limits.MaxShapeDims {
					t.shape[1] = dims
				} else if keep {
					*shapes = (*shapes)[:t.shape[0]]
				}
				shapeRaw = j.Input()[valAt-8 : j.Pos()]
			case "data_offsets":
				if err := dup(offsAt >= 0); err != nil {
					return t, err
				}
				offsAt = valAt
				err := readUints(j, name, "data_offsets", valAt, func(n uint64, _ int64) error {
					if count == 2 {
						return errorAt(valAt, nil, "tensor %q data_offsets has more than 2 elements", name)
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
					return t, syntaxError(j)
				}
			}
			if !j.More('}') {
				break
			}
		}
	}
	if j.Failed() {
		return t, syntaxError(j)
	}
	switch {
	case !haveDtype:
		return t, errorAt(at, nil, "tensor %q has no dtype", name)
	case shapeAt < 0:
		return t, errorAt(at, nil, "tensor %q has no shape", name)
	case offsAt < 0:
		return t, errorAt(at, nil, "tensor %q has no data_offsets", name)
	case count != 2:
		return t, errorAt(offsAt, nil, "tensor %q data_offsets has %d elements, not 2", name, count)
	}
	t.elements = elements
	t.begin, t.end = offsets[0], offsets[1]
	if t.end < t.begin {
		return t, errorAt(offsAt, nil, "tensor %q data_offsets [%d, %d] end before they begin", name, t.begin, t.end)
	}
	hi, nbits := bits.Mul64(elements, bitsize)
	if hi != 0 {
		return t, errorAt(shapeAt, nil, "tensor %q shape %s of %s overflows the byte size", name, shapeRaw, t.dtype)
	}
	if nbits%8 != 0 {
		return t, errorAt(shapeAt, nil, "tensor %q: %d elements of %s (%d bits each) do not fill whole bytes", name, elements, t.dtype, bitsize)
	}
	if want := nbits / 8; t.end-t.begin != want {
		return t, errorAt(offsAt, nil, "tensor %q data_offsets [%d, %d] span %d bytes, but shape %s of %s needs %d", name, t.begin, t.end, t.end-t.begin, shapeRaw, t.dtype, want)
	}
	return t, nil
}

// readUints reads an array of non-negative integers written without
// fraction or exponent, as the reference implementation requires for
// shapes and offsets, passing each to fn with its file offset.
func readUints(j *jsonscan.Scanner, name, field string, at int64, fn func(n uint64, at int64) error) error {
	if j.Peek() != '[' {
		if _, ok := j.Skip(2); !ok {
			return syntaxError(j)
		}
		return errorAt(at, nil, "tensor %q %s is not an array", name, field)
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
				return syntaxError(j)
			}
			return errorAt(elemAt, nil, "tensor %q %s: %s is not a number", name, field, textsafe.Truncate(raw, 64))
		}
		raw, ok := j.ReadNumber()
		if !ok {
			return syntaxError(j)
		}
		n, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			return errorAt(elemAt, nil, "tensor %q %s: %s is not a non-negative integer below 2^64", name, field, textsafe.Truncate(raw, 64))
		}
		if err := fn(n, elemAt); err != nil {
			return err
		}
		if !j.More(']') {
			break
		}
	}
	if j.Failed() {
		return syntaxError(j)
	}
	return nil
}

// errorAt builds a safetensors error at a file offset.
func errorAt(off int64, err error, format string, args ...any) *formats.Error {
	return &formats.Error{Format: "safetensors", Offset: off, Msg: fmt.Sprintf(format, args...), Err: err}
}
