package gguf

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
)

// Info is what a GGUF header declares: metadata and tensor infos, read
// without touching tensor data.
type Info struct {
	Version      uint32 `json:"version"`
	TensorCount  uint64 `json:"tensor_count"`
	KVCount      uint64 `json:"kv_count"`
	Alignment    uint32 `json:"alignment"`
	Architecture string `json:"architecture,omitempty"`
	// Metadata lists every key-value pair in file order. Arrays longer than
	// limits.MaxGGUFShortArray elements are summarised by element type and
	// length.
	Metadata []Value `json:"metadata"`
	// Parameters counts elements over all tensors; TensorTypes counts
	// tensors by ggml type name ("Q4_K", "F16", …) and ParametersByType
	// splits the parameters the same way. A type id the reader does not
	// know is named "type_<id>".
	Parameters       int64            `json:"parameters"`
	TensorTypes      map[string]int   `json:"tensor_types,omitempty"`
	ParametersByType map[string]int64 `json:"parameters_by_type,omitempty"`
	// UncheckedTensors counts tensors of a type whose byte size the reader
	// does not know (removed or newer ggml types): their parameters are
	// counted, but whether their data fits in the file is not checked.
	UncheckedTensors int `json:"unchecked_tensors,omitempty"`
	// DataOffset is where tensor data starts (the end of the tensor infos,
	// padded to Alignment); DataSize is the end of the last tensor's data
	// relative to it.
	DataOffset int64 `json:"data_offset"`
	DataSize   int64 `json:"data_size"`
	// Truncated is set when tensor data runs past the end of the file; the
	// metadata is complete, and the reader also returns an error wrapping
	// formats.ErrTruncated.
	Truncated bool `json:"truncated,omitempty"`
	// Vocabulary is what the token list (tokenizer.ggml.tokens) declares,
	// or nil when the file has none.
	Vocabulary *Vocabulary `json:"vocabulary,omitempty"`
	// Tensors lists the tensor infos' names and dimensions in file order,
	// for the first limits.MaxTensorShapes tensors.
	Tensors []Tensor `json:"-"`
	// PrefixBytes is set when only the file's first PrefixBytes bytes were
	// read (ReadPrefix): Metadata holds the keys that end within them, and
	// the tensor facts (Parameters, TensorTypes, DataOffset, DataSize) are
	// not known.
	PrefixBytes int64 `json:"prefix_bytes,omitempty"`
}

// Tensor is a tensor info's name and dimensions, ne[0] (the fastest
// varying, a row's width) first, as ggml orders them.
type Tensor struct {
	Name string   `json:"name"`
	Dims []uint64 `json:"dims"`
}

// Value is one GGUF metadata key-value pair.
type Value struct {
	Key  string `json:"key"`
	Type string `json:"type"` // "string", "uint32", "array[string]", …
	// Value is the value: string, bool, uint64 (unsigned types), int64
	// (signed types), float64 (floats; "NaN", "+Inf" or "-Inf" as a string
	// when not finite), or []any of those for arrays of at most
	// limits.MaxGGUFShortArray elements; nil for longer arrays, whose length
	// is in Len.
	Value  any    `json:"value,omitempty"`
	Len    uint64 `json:"len,omitempty"` // element count of an array
	Offset int64  `json:"offset"`        // byte offset of the key in the file
}

// Get returns the value of key, if present.
func (g *Info) Get(key string) (Value, bool) {
	for _, v := range g.Metadata {
		if v.Key == key {
			return v, true
		}
	}
	return Value{}, false
}

// String returns the string value of key, or "".
func (g *Info) String(key string) string {
	v, ok := g.Get(key)
	if !ok {
		return ""
	}
	s, _ := v.Value.(string)
	return s
}

// Uint returns the value of an unsigned integer key (also a non-negative
// signed one), if present.
func (g *Info) Uint(key string) (uint64, bool) {
	v, ok := g.Get(key)
	if !ok {
		return 0, false
	}
	switch x := v.Value.(type) {
	case uint64:
		return x, true
	case int64:
		if x >= 0 {
			return uint64(x), true
		}
	}
	return 0, false
}

// Strings returns a string value, or the elements of a string array, of key.
func (g *Info) Strings(key string) []string {
	v, ok := g.Get(key)
	if !ok {
		return nil
	}
	switch x := v.Value.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Ref is one base model or dataset a GGUF file declares under
// general.base_model.{id}.* or general.dataset.{id}.* (or an entry of the
// older flat general.datasets array).
type Ref struct {
	// Key is the key prefix ("general.base_model.0") or, for an entry of
	// general.datasets, that key.
	Key          string `json:"key"`
	Index        int    `json:"index"` // the {id}, or the array position
	Name         string `json:"name,omitempty"`
	Author       string `json:"author,omitempty"`
	Organization string `json:"organization,omitempty"`
	Version      string `json:"version,omitempty"`
	Description  string `json:"description,omitempty"`
	URL          string `json:"url,omitempty"`
	DOI          string `json:"doi,omitempty"`
	UUID         string `json:"uuid,omitempty"`
	RepoURL      string `json:"repo_url,omitempty"`
	// Offset is the byte offset of the first key of the entry.
	Offset int64 `json:"offset"`
}

// BaseModels returns the base models declared under
// general.base_model.{id}.*, ordered by id. The declared
// general.base_model.count is in Uint("general.base_model.count"); entries
// are returned as found, whatever the count says.
func (g *Info) BaseModels() []Ref { return g.refs("general.base_model.", "") }

// Datasets returns the datasets declared under general.dataset.{id}.*,
// ordered by id, followed by the entries of the older flat
// general.datasets string array.
func (g *Info) Datasets() []Ref { return g.refs("general.dataset.", "general.datasets") }

func (g *Info) refs(prefix, flat string) []Ref {
	byID := map[int]*Ref{}
	var ids []int
	for _, kv := range g.Metadata {
		rest, ok := strings.CutPrefix(kv.Key, prefix)
		if !ok {
			continue
		}
		num, field, ok := strings.Cut(rest, ".")
		if !ok {
			continue // general.base_model.count
		}
		id, err := strconv.Atoi(num)
		if err != nil || id < 0 || strconv.Itoa(id) != num {
			continue
		}
		s, isString := kv.Value.(string)
		if !isString {
			continue
		}
		r := byID[id]
		if r == nil {
			r = &Ref{Key: prefix + num, Index: id, Offset: kv.Offset}
			byID[id] = r
			ids = append(ids, id)
		}
		switch field {
		case "name":
			r.Name = s
		case "author":
			r.Author = s
		case "organization":
			r.Organization = s
		case "version":
			r.Version = s
		case "description":
			r.Description = s
		case "url":
			r.URL = s
		case "doi":
			r.DOI = s
		case "uuid":
			r.UUID = s
		case "repo_url":
			r.RepoURL = s
		}
	}
	slices.Sort(ids)
	out := make([]Ref, 0, len(ids))
	for _, id := range ids {
		out = append(out, *byID[id])
	}
	if flat != "" {
		if v, ok := g.Get(flat); ok {
			for i, s := range g.Strings(flat) {
				out = append(out, Ref{Key: flat, Index: i, Name: s, Offset: v.Offset})
			}
		}
	}
	return out
}

// GGUF metadata value types (ggml docs/gguf.md, gguf_type; research table
// gguf-value-types.tsv).
const (
	typeUint8 uint32 = iota
	typeInt8
	typeUint16
	typeInt16
	typeUint32
	typeInt32
	typeFloat32
	typeBool
	typeString
	typeArray
	typeUint64
	typeInt64
	typeFloat64
	typeCount
)

// typeNames names the value types as Value.Type reports them.
var typeNames = [typeCount]string{
	"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32",
	"bool", "string", "array", "uint64", "int64", "float64",
}

// typeSize is the encoded size of each fixed-size value type (0 for
// STRING and ARRAY).
var typeSize = [typeCount]int64{1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8}

// ggmlType describes a ggml tensor type: its name and, when known, how
// many elements one block holds and how many bytes a block takes.
type ggmlType struct {
	name      string
	blockSize uint64 // elements per block; 0 when the size is not known
	typeSize  uint64 // bytes per block
}

// ggmlTypes lists the ggml tensor types by id. Names follow ggml
// docs/gguf.md (research table ggml-tensor-types.tsv); block and type
// sizes follow the block_* structures and their static_asserts in ggml
// src/ggml-common.h and the type_traits table of src/ggml.c (QK_K = 256).
// Types ggml removed (Q4_2, Q4_3, the Q4_0_x_y and IQ4_NL_x_y repacked
// layouts) keep their names but no size: their parameters are counted,
// their fit in the file is not checked.
var ggmlTypes = map[uint32]ggmlType{
	0:  {"F32", 1, 4},
	1:  {"F16", 1, 2},
	2:  {"Q4_0", 32, 18},  // fp16 d + 16 bytes of nibbles
	3:  {"Q4_1", 32, 20},  // fp16 d, m + 16 bytes
	4:  {"Q4_2", 0, 0},    // removed
	5:  {"Q4_3", 0, 0},    // removed
	6:  {"Q5_0", 32, 22},  // fp16 d + 4 bytes qh + 16 bytes qs
	7:  {"Q5_1", 32, 24},  // fp16 d, m + 4 + 16
	8:  {"Q8_0", 32, 34},  // fp16 d + 32 bytes
	9:  {"Q8_1", 32, 36},  // fp16 d, s + 32 bytes
	10: {"Q2_K", 256, 84}, // 16 scales + 64 qs + fp16 d, dmin
	11: {"Q3_K", 256, 110},
	12: {"Q4_K", 256, 144},
	13: {"Q5_K", 256, 176},
	14: {"Q6_K", 256, 210},
	15: {"Q8_K", 256, 292}, // f32 d + 256 qs + 16 int16 bsums
	16: {"IQ2_XXS", 256, 66},
	17: {"IQ2_XS", 256, 74},
	18: {"IQ3_XXS", 256, 98},
	19: {"IQ1_S", 256, 50},
	20: {"IQ4_NL", 32, 18},
	21: {"IQ3_S", 256, 110},
	22: {"IQ2_S", 256, 82},
	23: {"IQ4_XS", 256, 136},
	24: {"I8", 1, 1},
	25: {"I16", 1, 2},
	26: {"I32", 1, 4},
	27: {"I64", 1, 8},
	28: {"F64", 1, 8},
	29: {"IQ1_M", 256, 56},
	30: {"BF16", 1, 2},
	31: {"Q4_0_4_4", 0, 0}, // removed from GGUF files
	32: {"Q4_0_4_8", 0, 0},
	33: {"Q4_0_8_8", 0, 0},
	34: {"TQ1_0", 256, 54},
	35: {"TQ2_0", 256, 66},
	36: {"IQ4_NL_4_4", 0, 0},
	37: {"IQ4_NL_4_8", 0, 0},
	38: {"IQ4_NL_8_8", 0, 0},
	39: {"MXFP4", 32, 17}, // e8m0 scale + 16 bytes
}

// ggmlTypeName names a ggml type id, including ids the reader does not
// know ("type_41").
func ggmlTypeName(id uint32) string {
	if t, ok := ggmlTypes[id]; ok {
		return t.name
	}
	return "type_" + strconv.FormatUint(uint64(id), 10)
}

// defaultAlignment is the data alignment when general.alignment is
// absent (GGUF_DEFAULT_ALIGNMENT).
const defaultAlignment = 32

// block is how much the reader fetches at a time: large enough that a
// remote header takes few range requests, small enough to keep memory
// flat.
const block = 1 << 20

// Read reads the header of a GGUF file (versions 2 and 3) of the given
// size: every metadata key-value pair and every tensor info, without
// touching tensor data. Long arrays are walked (their strings
// length-checked) but not kept. It checks the caps of internal/limits,
// value types (BOOL is 0 or 1; arrays of arrays are rejected, as ggml
// does), unique keys and tensor names, general.alignment (UINT32, a power
// of two), at most 4 dimensions per tensor, overflow-free element and byte
// counts, aligned tensor offsets, tensor data that does not overlap, and
// that every tensor of a known type fits in the file.
//
// Errors are *formats.Error values with the byte offset of the fault;
// GGUF v1 and byte-swapped (big-endian) files are refused with errors
// wrapping formats.ErrUnsupported. When the header is sound but tensor
// data runs past the end of the file, Read returns the header facts
// together with an error wrapping formats.ErrTruncated.
func Read(r io.ReaderAt, size int64) (*Info, error) {
	return read(&reader{r: r, size: size})
}

// ReadPrefix reads what the first prefix bytes of a GGUF file of the given
// size declare: the header and the metadata key-value pairs that end
// within them (Info.PrefixBytes is set), and nothing of the tensor infos
// unless the metadata ends there too. llama.cpp writes the general.*
// keys (name, licence, base models) first, so a short prefix holds them.
// Bytes past the prefix are never read. Faults within the prefix are
// errors as for Read.
func ReadPrefix(r io.ReaderAt, size, prefix int64) (*Info, error) {
	if prefix <= 0 {
		return nil, errorAt(0, nil, "empty prefix")
	}
	info, err := read(&reader{r: r, size: size, limit: prefix})
	if errors.Is(err, errPrefix) {
		return nil, errorAt(0, formats.ErrTruncated, "the first %d bytes end inside the GGUF header", prefix)
	}
	return info, err
}

// errPrefix stops a read at the end of the prefix ReadPrefix reads.
var errPrefix = errors.New("end of the prefix read")

func read(g *reader) (*Info, error) {
	size := g.size
	if size < 4 {
		return nil, errorAt(0, formats.ErrTruncated, "file is %d bytes, too short for the GGUF magic", size)
	}
	magic, err := g.next(4, "magic")
	if err != nil {
		return nil, err
	}
	if string(magic) != "GGUF" {
		return nil, errorAt(0, nil, "magic %q is not \"GGUF\"", magic)
	}
	version, err := g.u32("version")
	if err != nil {
		return nil, err
	}
	switch {
	case version != 0 && version&0xFFFF == 0:
		return nil, errorAt(4, formats.ErrUnsupported, "version field 0x%08x looks byte-swapped: the file appears to be big-endian, and only little-endian GGUF is read", version)
	case version == 1:
		return nil, errorAt(4, formats.ErrUnsupported, "GGUF version 1 is not supported (ggml no longer reads it)")
	case version != 2 && version != 3:
		return nil, errorAt(4, formats.ErrUnsupported, "GGUF version %d is not supported (only 2 and 3)", version)
	}
	info := &Info{Version: version, Alignment: defaultAlignment}
	if info.TensorCount, err = g.u64("tensor count"); err != nil {
		return nil, err
	}
	if info.TensorCount > limits.MaxGGUFTensors {
		return nil, errorAt(8, nil, "tensor count %d exceeds limit %d", info.TensorCount, limits.MaxGGUFTensors)
	}
	if info.KVCount, err = g.u64("metadata count"); err != nil {
		return nil, err
	}
	if info.KVCount > limits.MaxGGUFKV {
		return nil, errorAt(16, nil, "metadata key-value count %d exceeds limit %d", info.KVCount, limits.MaxGGUFKV)
	}
	// A key-value pair takes at least 13 bytes (length, a 1-byte key, type,
	// a 1-byte value) and a tensor info at least 24 (length, a 1-byte name,
	// n_dims, type, offset): refuse counts the file cannot hold before
	// walking them.
	if need := info.KVCount*13 + info.TensorCount*24; need > uint64(g.remaining()) {
		return nil, errorAt(8, formats.ErrTruncated, "%d tensors and %d key-value pairs need at least %d bytes, but only %d follow", info.TensorCount, info.KVCount, need, g.remaining())
	}
	if err := g.readKV(info); err != nil {
		if errors.Is(err, errPrefix) {
			info.PrefixBytes = g.limit
			return info, nil
		}
		return nil, err
	}
	meta := *info
	full, err := g.readTensors(info)
	if err == nil || errors.Is(err, formats.ErrTruncated) && full != nil {
		return full, err
	}
	// The metadata is whole; the tensor infos run past the prefix, or fail
	// validation: keep the metadata (licence, base models, names), without
	// tensor facts.
	metaOnly := &Info{Version: meta.Version, TensorCount: meta.TensorCount, KVCount: meta.KVCount,
		Alignment: meta.Alignment, Architecture: meta.Architecture, Metadata: meta.Metadata, Vocabulary: meta.Vocabulary}
	if errors.Is(err, errPrefix) {
		metaOnly.PrefixBytes = g.limit
		return metaOnly, nil
	}
	var fe *formats.Error
	if errors.As(err, &fe) && fe.Err == nil {
		fe.Err = formats.ErrPartial
	}
	return metaOnly, err
}

// readKV reads the metadata key-value pairs into info.
func (g *reader) readKV(info *Info) error {
	seen := make(map[string]int64, min(info.KVCount, 256))
	info.Metadata = make([]Value, 0, min(info.KVCount, 256))
	for range info.KVCount {
		at := g.off
		key, err := g.str("key", limits.MaxGGUFKeyLen)
		if err != nil {
			return err
		}
		switch {
		case key == "":
			return errorAt(at, nil, "empty metadata key")
		case !utf8.ValidString(key):
			return errorAt(at, nil, "metadata key %q is not valid UTF-8", key)
		}
		if first, dup := seen[key]; dup {
			return errorAt(at, nil, "duplicate metadata key %q (first at offset %d)", key, first)
		}
		seen[key] = at
		typAt := g.off
		typ, err := g.u32("value type")
		if err != nil {
			return err
		}
		v := Value{Key: key, Offset: at}
		if err := g.value(&v, typ, typAt); err != nil {
			return err
		}
		switch key {
		case "general.alignment":
			a, _ := v.Value.(uint64)
			if typ != typeUint32 {
				return errorAt(typAt, nil, "general.alignment is %s, not uint32", v.Type)
			}
			if a == 0 || a&(a-1) != 0 {
				return errorAt(typAt+4, nil, "general.alignment %d is not a power of two", a)
			}
			info.Alignment = uint32(a)
		case "general.architecture":
			info.Architecture, _ = v.Value.(string)
		}
		info.Metadata = append(info.Metadata, v)
		if key == tokensKey {
			info.Vocabulary, g.vocab = g.vocab, nil
		}
	}
	return nil
}

// value reads a value of type typ (declared at offset typAt) into v.
func (g *reader) value(v *Value, typ uint32, typAt int64) error {
	if typ >= typeCount {
		return errorAt(typAt, nil, "key %q has unknown value type %d", v.Key, typ)
	}
	v.Type = typeNames[typ]
	if typ != typeArray {
		x, err := g.scalar(typ, true)
		v.Value = x
		return err
	}
	elemAt := g.off
	elem, err := g.u32("array element type")
	if err != nil {
		return err
	}
	switch {
	case elem == typeArray:
		return errorAt(elemAt, nil, "key %q is an array of arrays, which is not supported (ggml rejects nested arrays)", v.Key)
	case elem >= typeCount:
		return errorAt(elemAt, nil, "key %q is an array of unknown value type %d", v.Key, elem)
	}
	v.Type = "array[" + typeNames[elem] + "]"
	countAt := g.off
	count, err := g.u64("array length")
	if err != nil {
		return err
	}
	if count > limits.MaxGGUFArrayLen {
		return errorAt(countAt, nil, "key %q array length %d exceeds limit %d", v.Key, count, limits.MaxGGUFArrayLen)
	}
	minSize := uint64(typeSize[elem])
	if elem == typeString {
		minSize = 8
	}
	if count*minSize > uint64(g.remaining()) { // count ≤ 2^24, so no overflow
		return errorAt(countAt, formats.ErrTruncated, "key %q array of %d %s needs at least %d bytes, but only %d remain", v.Key, count, typeNames[elem], count*minSize, g.remaining())
	}
	v.Len = count
	if v.Key == tokensKey && elem == typeString {
		return g.tokenList(v, count)
	}
	if count <= limits.MaxGGUFShortArray {
		elems := make([]any, 0, count)
		for range count {
			x, err := g.scalar(elem, true)
			if err != nil {
				return err
			}
			elems = append(elems, x)
		}
		v.Value = elems
		return nil
	}
	// A long array is walked, never kept.
	switch elem {
	case typeString:
		for range count {
			if _, err := g.scalar(typeString, false); err != nil {
				return err
			}
		}
	case typeBool:
		for left := count; left > 0; {
			n := min(left, block)
			at := g.off
			b, err := g.next(int64(n), "bool array")
			if err != nil {
				return err
			}
			for i, c := range b {
				if c > 1 {
					return errorAt(at+int64(i), nil, "key %q bool element is %d, not 0 or 1", v.Key, c)
				}
			}
			left -= n
		}
	default:
		if err := g.skip(int64(count*minSize), "array"); err != nil {
			return err
		}
	}
	return nil
}

// tokenList walks the token list, digesting it (g.vocab) and keeping its
// control-like tokens; a short list is kept whole, as other arrays are.
func (g *reader) tokenList(v *Value, count uint64) error {
	w := newVocabWalk()
	var elems []any
	if count <= limits.MaxGGUFShortArray {
		elems = make([]any, 0, count)
	}
	for range count {
		at := g.off
		n, err := g.strLen("token")
		if err != nil {
			return err
		}
		tok, err := g.next(int64(n), "token")
		if err != nil {
			return err
		}
		if g.kept += int64(w.add(tok)); g.kept > limits.MaxGGUFKeptBytes {
			return errorAt(at, nil, "strings kept from the metadata exceed the %d-byte limit", limits.MaxGGUFKeptBytes)
		}
		if elems != nil {
			g.kept += int64(n)
			elems = append(elems, string(tok))
		}
	}
	if elems != nil {
		v.Value = elems
	}
	g.vocab = w.done()
	return nil
}

// scalar reads one value of a non-array type. Strings are kept only when
// keep is set; otherwise they are length-checked and skipped.
func (g *reader) scalar(typ uint32, keep bool) (any, error) {
	at := g.off
	if typ == typeString {
		if !keep {
			return nil, g.skipString()
		}
		return g.str("string", limits.MaxGGUFString)
	}
	b, err := g.next(typeSize[typ], typeNames[typ])
	if err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	switch typ {
	case typeUint8:
		return uint64(b[0]), nil
	case typeInt8:
		return int64(int8(b[0])), nil
	case typeUint16:
		return uint64(le.Uint16(b)), nil
	case typeInt16:
		return int64(int16(le.Uint16(b))), nil
	case typeUint32:
		return uint64(le.Uint32(b)), nil
	case typeInt32:
		return int64(int32(le.Uint32(b))), nil
	case typeUint64:
		return le.Uint64(b), nil
	case typeInt64:
		return int64(le.Uint64(b)), nil
	case typeFloat32:
		return finite(float64(math.Float32frombits(le.Uint32(b)))), nil
	case typeFloat64:
		return finite(math.Float64frombits(le.Uint64(b))), nil
	case typeBool:
		if b[0] > 1 {
			return nil, errorAt(at, nil, "bool value is %d, not 0 or 1", b[0])
		}
		return b[0] == 1, nil
	}
	return nil, errorAt(at, nil, "unknown value type %d", typ)
}

// finite returns f, or a string naming it when it is not finite (JSON has
// no NaN or infinity).
func finite(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	return f
}

// tensor is a tensor info in the reader's working form.
type tensor struct {
	name   string
	at     int64 // file offset of the tensor info
	offset uint64
	nbytes uint64
	sized  bool
}

// readTensors reads the tensor infos and checks that their data is
// aligned, does not overlap and fits in the file.
func (g *reader) readTensors(info *Info) (*Info, error) {
	tensors := make([]tensor, 0, min(info.TensorCount, 4096))
	seen := make(map[string]int64, min(info.TensorCount, 4096))
	var params uint64
	for range info.TensorCount {
		at := g.off
		name, err := g.str("tensor name", limits.MaxGGUFTensorNameLen)
		if err != nil {
			return nil, err
		}
		if first, dup := seen[name]; dup {
			return nil, errorAt(at, nil, "duplicate tensor name %q (first at offset %d)", name, first)
		}
		seen[name] = at
		dimsAt := g.off
		ndims, err := g.u32("dimension count")
		if err != nil {
			return nil, err
		}
		if ndims > limits.MaxGGUFDims {
			return nil, errorAt(dimsAt, nil, "tensor %q has %d dimensions, over the limit of %d", name, ndims, limits.MaxGGUFDims)
		}
		elements := uint64(1)
		var first uint64
		var dims []uint64
		if len(info.Tensors) < limits.MaxTensorShapes {
			dims = make([]uint64, 0, ndims)
		}
		for d := range ndims {
			dAt := g.off
			n, err := g.u64("dimension")
			if err != nil {
				return nil, err
			}
			if n > math.MaxInt64 {
				return nil, errorAt(dAt, nil, "tensor %q dimension %d is %d, which ggml reads as negative", name, d, n)
			}
			if d == 0 {
				first = n
			}
			if dims != nil {
				dims = append(dims, n)
			}
			hi, lo := bits.Mul64(elements, n)
			if hi != 0 || lo > math.MaxInt64 {
				return nil, errorAt(dAt, nil, "tensor %q dimensions overflow the element count", name)
			}
			elements = lo
		}
		typAt := g.off
		typ, err := g.u32("tensor type")
		if err != nil {
			return nil, err
		}
		offAt := g.off
		offset, err := g.u64("tensor offset")
		if err != nil {
			return nil, err
		}
		if offset%uint64(info.Alignment) != 0 {
			return nil, errorAt(offAt, nil, "tensor %q offset %d is not a multiple of the alignment %d", name, offset, info.Alignment)
		}
		t := tensor{name: name, at: at, offset: offset}
		if gt, ok := ggmlTypes[typ]; ok && gt.blockSize > 0 {
			if ndims > 0 && first%gt.blockSize != 0 {
				return nil, errorAt(typAt, nil, "tensor %q first dimension %d is not a multiple of the %s block size %d", name, first, gt.name, gt.blockSize)
			}
			if elements%gt.blockSize != 0 {
				return nil, errorAt(typAt, nil, "tensor %q has %d elements, not a multiple of the %s block size %d", name, elements, gt.name, gt.blockSize)
			}
			hi, lo := bits.Mul64(elements/gt.blockSize, gt.typeSize)
			if hi != 0 || lo > math.MaxInt64 {
				return nil, errorAt(typAt, nil, "tensor %q byte size overflows", name)
			}
			t.nbytes, t.sized = lo, true
		} else {
			info.UncheckedTensors++
		}
		var carry uint64
		params, carry = bits.Add64(params, elements, 0)
		if carry != 0 || params > math.MaxInt64 {
			return nil, errorAt(at, nil, "parameter count overflows at tensor %q", name)
		}
		if dims != nil {
			info.Tensors = append(info.Tensors, Tensor{Name: name, Dims: dims})
		}
		typeName := ggmlTypeName(typ)
		if info.TensorTypes == nil {
			info.TensorTypes = map[string]int{}
			info.ParametersByType = map[string]int64{}
		}
		info.TensorTypes[typeName]++
		info.ParametersByType[typeName] += int64(elements)
		tensors = append(tensors, t)
	}
	info.Parameters = int64(params)
	align := int64(info.Alignment)
	info.DataOffset = g.off
	if len(tensors) > 0 {
		info.DataOffset = (g.off + align - 1) / align * align // g.off ≤ MaxGGUFMetadataBytes
	}
	slices.SortFunc(tensors, func(a, b tensor) int { return cmp.Compare(a.offset, b.offset) })
	var end uint64
	var prev string
	for _, t := range tensors {
		if t.offset < end {
			return nil, errorAt(t.at, nil, "tensor %q data at offset %d overlaps tensor %q, which ends at %d", t.name, t.offset, prev, end)
		}
		if !t.sized {
			continue
		}
		e, carry := bits.Add64(t.offset, t.nbytes, 0)
		if carry != 0 || e > uint64(math.MaxInt64-info.DataOffset) {
			return nil, errorAt(t.at, nil, "tensor %q data at offset %d overflows the file size", t.name, t.offset)
		}
		end, prev = e, t.name
	}
	info.DataSize = int64(end)
	if len(tensors) > 0 && info.DataOffset+info.DataSize > g.size {
		info.Truncated = true
		return info, errorAt(g.size, formats.ErrTruncated, "tensor data ends at byte %d, but the file ends at %d", info.DataOffset+info.DataSize, g.size)
	}
	return info, nil
}

// reader reads a GGUF header from an io.ReaderAt through a window of
// up to block bytes, so that a header costs few reads whatever the
// number of fields. Slices it returns are valid until the next call.
type reader struct {
	r     io.ReaderAt
	size  int64
	off   int64  // current file offset
	buf   []byte // window
	start int64  // file offset of buf[0]
	kept  int64  // bytes kept in memory, against limits.MaxGGUFKeptBytes
	limit int64  // when > 0, bytes from limit on are not read (ReadPrefix)
	vocab *Vocabulary
}

// remaining returns the bytes left in the file after the current offset.
func (g *reader) remaining() int64 { return g.size - g.off }

// next returns the n bytes at the current offset and moves past them.
func (g *reader) next(n int64, what string) ([]byte, error) {
	if err := g.check(n, what); err != nil {
		return nil, err
	}
	if g.off >= g.start && g.off+n <= g.start+int64(len(g.buf)) {
		b := g.buf[g.off-g.start : g.off-g.start+n]
		g.off += n
		return b, nil
	}
	if n > block {
		// A long string: read it on its own (the caller has checked it
		// against its cap and the file size).
		b := make([]byte, n)
		if err := safeio.ReadFullAt(g.r, b, g.off); err != nil {
			return nil, errorAt(g.off, err, "cannot read %s", what)
		}
		g.off += n
		return b, nil
	}
	m := min(block, g.size-g.off)
	if g.limit > 0 {
		m = min(m, g.limit-g.off)
	}
	if cap(g.buf) < int(m) {
		g.buf = make([]byte, m)
	}
	g.buf = g.buf[:m]
	if err := safeio.ReadFullAt(g.r, g.buf, g.off); err != nil {
		g.buf = g.buf[:0]
		return nil, errorAt(g.off, err, "cannot read %s", what)
	}
	g.start = g.off
	g.off += n
	return g.buf[:n], nil
}

// skip moves past n bytes.
func (g *reader) skip(n int64, what string) error {
	if err := g.check(n, what); err != nil {
		return err
	}
	g.off += n
	return nil
}

// check refuses a read of n bytes that would pass the end of the file or
// the metadata budget.
func (g *reader) check(n int64, what string) error {
	if n < 0 || n > g.size-g.off {
		return errorAt(g.off, formats.ErrTruncated, "%s of %d bytes runs past the end of the file (%d bytes left)", what, n, g.size-g.off)
	}
	if g.off+n > limits.MaxGGUFMetadataBytes {
		return errorAt(g.off, nil, "metadata and tensor infos exceed the %d-byte limit", limits.MaxGGUFMetadataBytes)
	}
	if g.limit > 0 && g.off+n > g.limit {
		return errPrefix
	}
	return nil
}

func (g *reader) u32(what string) (uint32, error) {
	b, err := g.next(4, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (g *reader) u64(what string) (uint64, error) {
	b, err := g.next(8, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

// str reads a gguf_string of at most max bytes and keeps it, against the
// budget of kept bytes.
func (g *reader) str(what string, max uint64) (string, error) {
	at := g.off
	n, err := g.u64(what + " length")
	if err != nil {
		return "", err
	}
	if n > max {
		return "", errorAt(at, nil, "%s length %d exceeds limit %d", what, n, max)
	}
	if n > uint64(g.remaining()) {
		return "", errorAt(at, formats.ErrTruncated, "%s length %d runs past the end of the file (%d bytes left)", what, n, g.remaining())
	}
	if g.kept += int64(n); g.kept > limits.MaxGGUFKeptBytes {
		return "", errorAt(at, nil, "strings kept from the metadata exceed the %d-byte limit", limits.MaxGGUFKeptBytes)
	}
	b, err := g.next(int64(n), what)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// strLen reads a gguf_string's length and checks it against the cap of
// strings.
func (g *reader) strLen(what string) (uint64, error) {
	at := g.off
	n, err := g.u64(what + " length")
	if err != nil {
		return 0, err
	}
	if n > limits.MaxGGUFString {
		return 0, errorAt(at, nil, "%s length %d exceeds limit %d", what, n, limits.MaxGGUFString)
	}
	return n, nil
}

// skipString moves past a gguf_string after checking its length.
func (g *reader) skipString() error {
	at := g.off
	n, err := g.strLen("string")
	if err != nil {
		return err
	}
	if n > uint64(g.remaining()) {
		return errorAt(at, formats.ErrTruncated, "string length %d runs past the end of the file (%d bytes left)", n, g.remaining())
	}
	g.off += int64(n)
	if g.off > limits.MaxGGUFMetadataBytes {
		return errorAt(at, nil, "metadata and tensor infos exceed the %d-byte limit", limits.MaxGGUFMetadataBytes)
	}
	return nil
}

// errorAt builds a GGUF error at a file offset.
func errorAt(off int64, err error, format string, args ...any) *formats.Error {
	return &formats.Error{Format: "gguf", Offset: off, Msg: fmt.Sprintf(format, args...), Err: err}
}
