package testmodel

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
)

// GGUF metadata value types.
const (
	GGUFUint8 uint32 = iota
	GGUFInt8
	GGUFUint16
	GGUFInt16
	GGUFUint32
	GGUFInt32
	GGUFFloat32
	GGUFBool
	GGUFString
	GGUFArray
	GGUFUint64
	GGUFInt64
	GGUFFloat64
)

// Common ggml tensor types (ids of ggml's enum ggml_type).
const (
	GGMLF32   uint32 = 0
	GGMLF16   uint32 = 1
	GGMLQ4_0  uint32 = 2
	GGMLQ8_0  uint32 = 8
	GGMLQ4_K  uint32 = 12
	GGMLQ6_K  uint32 = 14
	GGMLIQ4XS uint32 = 23
	GGMLBF16  uint32 = 30
	GGMLTQ1_0 uint32 = 34
	GGMLMXFP4 uint32 = 39
)

// GGMLBlock gives, for the ggml types the builder lays out, the elements
// per block and the bytes per block.
var GGMLBlock = map[uint32][2]uint64{
	0: {1, 4}, 1: {1, 2}, 2: {32, 18}, 3: {32, 20}, 6: {32, 22}, 7: {32, 24}, 8: {32, 34}, 9: {32, 36},
	10: {256, 84}, 11: {256, 110}, 12: {256, 144}, 13: {256, 176}, 14: {256, 210}, 15: {256, 292},
	16: {256, 66}, 17: {256, 74}, 18: {256, 98}, 19: {256, 50}, 20: {32, 18}, 21: {256, 110},
	22: {256, 82}, 23: {256, 136}, 24: {1, 1}, 25: {1, 2}, 26: {1, 4}, 27: {1, 8}, 28: {1, 8},
	29: {256, 56}, 30: {1, 2}, 34: {256, 54}, 35: {256, 66}, 39: {32, 17},
}

// Value is a GGUF metadata value: its type and how to encode it.
type Value struct {
	Type uint32
	enc  func(w *ggufWriter)
}

// KV is one metadata key-value pair.
type KV struct {
	Key   string
	Value Value
}

func fixed(t uint32, put func(w *ggufWriter)) Value { return Value{Type: t, enc: put} }

// Uint8 builds a UINT8 value.
func Uint8(v uint8) Value { return fixed(GGUFUint8, func(w *ggufWriter) { w.b.WriteByte(v) }) }

// Int8 builds an INT8 value.
func Int8(v int8) Value { return fixed(GGUFInt8, func(w *ggufWriter) { w.b.WriteByte(byte(v)) }) }

// Uint16 builds a UINT16 value.
func Uint16(v uint16) Value { return fixed(GGUFUint16, func(w *ggufWriter) { w.u16(v) }) }

// Int16 builds an INT16 value.
func Int16(v int16) Value { return fixed(GGUFInt16, func(w *ggufWriter) { w.u16(uint16(v)) }) }

// Uint32 builds a UINT32 value.
func Uint32(v uint32) Value { return fixed(GGUFUint32, func(w *ggufWriter) { w.u32(v) }) }

// Int32 builds an INT32 value.
func Int32(v int32) Value { return fixed(GGUFInt32, func(w *ggufWriter) { w.u32(uint32(v)) }) }

// Uint64 builds a UINT64 value.
func Uint64(v uint64) Value { return fixed(GGUFUint64, func(w *ggufWriter) { w.u64(v) }) }

// Int64 builds an INT64 value.
func Int64(v int64) Value { return fixed(GGUFInt64, func(w *ggufWriter) { w.u64(uint64(v)) }) }

// Float32 builds a FLOAT32 value.
func Float32(v float32) Value {
	return fixed(GGUFFloat32, func(w *ggufWriter) { w.u32(math.Float32bits(v)) })
}

// Float64 builds a FLOAT64 value.
func Float64(v float64) Value {
	return fixed(GGUFFloat64, func(w *ggufWriter) { w.u64(math.Float64bits(v)) })
}

// Bool builds a BOOL value.
func Bool(v bool) Value {
	var b byte
	if v {
		b = 1
	}
	return BoolByte(b)
}

// BoolByte writes a BOOL value with any byte (valid are 0 and 1).
func BoolByte(b byte) Value { return fixed(GGUFBool, func(w *ggufWriter) { w.b.WriteByte(b) }) }

// String builds a STRING value.
func String(s string) Value { return fixed(GGUFString, func(w *ggufWriter) { w.str(s) }) }

// LyingString writes a STRING whose length field says declared while only
// s follows.
func LyingString(declared uint64, s string) Value {
	return fixed(GGUFString, func(w *ggufWriter) { w.u64(declared); w.b.WriteString(s) })
}

// ArrayOf builds an ARRAY of element type elem; every element must be of
// that type (ArrayOf(GGUFArray, …) builds a nested array).
func ArrayOf(elem uint32, elems ...Value) Value {
	return fixed(GGUFArray, func(w *ggufWriter) {
		w.u32(elem)
		w.u64(uint64(len(elems)))
		for _, e := range elems {
			e.enc(w)
		}
	})
}

// LyingArray writes an ARRAY header declaring count elements of type elem,
// followed by the given elements only.
func LyingArray(elem uint32, count uint64, elems ...Value) Value {
	return fixed(GGUFArray, func(w *ggufWriter) {
		w.u32(elem)
		w.u64(count)
		for _, e := range elems {
			e.enc(w)
		}
	})
}

// Strings builds an array of strings.
func Strings(ss ...string) Value {
	vs := make([]Value, len(ss))
	for i, s := range ss {
		vs[i] = String(s)
	}
	return ArrayOf(GGUFString, vs...)
}

// Raw writes type id typ followed by payload verbatim.
func Raw(typ uint32, payload []byte) Value {
	return fixed(typ, func(w *ggufWriter) { w.b.Write(payload) })
}

// GGUFTensor is one tensor info.
type GGUFTensor struct {
	Name string
	Dims []uint64 // ne[0] first, as ggml orders them
	Type uint32   // ggml type id
	// Offset, when set, is written instead of the computed offset.
	Offset *uint64
}

// Elements returns the product of the dimensions.
func (t GGUFTensor) Elements() uint64 {
	n := uint64(1)
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

// Size returns the tensor's data size, or 0 for a type without a known
// block size.
func (t GGUFTensor) Size() uint64 {
	b, ok := GGMLBlock[t.Type]
	if !ok {
		return 0
	}
	return t.Elements() / b[0] * b[1]
}

// GGUF describes a GGUF file. Zero knobs build a valid version-3 file:
// the metadata in order, the tensor infos, padding to the alignment, and
// zero-filled tensor data, each tensor padded to the alignment.
type GGUF struct {
	Version uint32 // 0 means 3
	KV      []KV
	Tensors []GGUFTensor
	// Alignment lays out tensor data; 0 means 32. Declare another value
	// with a general.alignment KV as well.
	Alignment uint64
	// TensorCount and KVCount, when set, replace the counts in the header.
	TensorCount, KVCount *uint64
	// HeaderOnly ends the file after the tensor infos (no padding, no
	// data).
	HeaderOnly bool
	// BigEndian writes the version and everything after it big-endian, as
	// a file written for a big-endian machine is.
	BigEndian bool
}

func (g GGUF) align() uint64 {
	if g.Alignment == 0 {
		return 32
	}
	return g.Alignment
}

// Offsets returns the data offset of each tensor, relative to the data
// section, as the builder lays them out.
func (g GGUF) Offsets() []uint64 {
	out := make([]uint64, len(g.Tensors))
	var off uint64
	a := g.align()
	for i, t := range g.Tensors {
		out[i] = off
		off += (t.Size() + a - 1) / a * a
	}
	return out
}

// Header returns the file up to the end of the tensor infos.
func (g GGUF) Header() []byte {
	w := &ggufWriter{order: binary.LittleEndian}
	if g.BigEndian {
		w.order = binary.BigEndian
	}
	w.b.WriteString("GGUF")
	v := g.Version
	if v == 0 {
		v = 3
	}
	w.u32(v)
	tc, kc := uint64(len(g.Tensors)), uint64(len(g.KV))
	if g.TensorCount != nil {
		tc = *g.TensorCount
	}
	if g.KVCount != nil {
		kc = *g.KVCount
	}
	w.u64(tc)
	w.u64(kc)
	for _, kv := range g.KV {
		w.str(kv.Key)
		w.u32(kv.Value.Type)
		kv.Value.enc(w)
	}
	offs := g.Offsets()
	for i, t := range g.Tensors {
		w.str(t.Name)
		w.u32(uint32(len(t.Dims)))
		for _, d := range t.Dims {
			w.u64(d)
		}
		w.u32(t.Type)
		off := offs[i]
		if t.Offset != nil {
			off = *t.Offset
		}
		w.u64(off)
	}
	return w.b.Bytes()
}

// DataOffset returns where the data section starts.
func (g GGUF) DataOffset() uint64 {
	n := uint64(len(g.Header()))
	a := g.align()
	return (n + a - 1) / a * a
}

// DataSize returns the size of the data section as laid out.
func (g GGUF) DataSize() uint64 {
	if len(g.Tensors) == 0 {
		return 0
	}
	offs := g.Offsets()
	last := len(g.Tensors) - 1
	a := g.align()
	return offs[last] + (g.Tensors[last].Size()+a-1)/a*a
}

// Bytes returns the whole file.
func (g GGUF) Bytes() []byte {
	h := g.Header()
	if g.HeaderOnly || len(g.Tensors) == 0 {
		return h
	}
	out := make([]byte, g.DataOffset()+g.DataSize())
	copy(out, h)
	return out
}

// WriteFile writes the file at path; with sparse set the tensor data is
// declared by extending the file rather than written.
func (g GGUF) WriteFile(path string, sparse bool) error {
	if !sparse || g.HeaderOnly || len(g.Tensors) == 0 {
		return os.WriteFile(path, g.Bytes(), 0o644)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(g.Header()); err != nil {
		f.Close()
		return err
	}
	if err := f.Truncate(int64(g.DataOffset() + g.DataSize())); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ggufWriter encodes GGUF fields in one byte order.
type ggufWriter struct {
	b     bytes.Buffer
	order binary.AppendByteOrder
}

func (w *ggufWriter) u16(v uint16) { w.b.Write(w.order.AppendUint16(nil, v)) }
func (w *ggufWriter) u32(v uint32) { w.b.Write(w.order.AppendUint32(nil, v)) }
func (w *ggufWriter) u64(v uint64) { w.b.Write(w.order.AppendUint64(nil, v)) }
func (w *ggufWriter) str(s string) { w.u64(uint64(len(s))); w.b.WriteString(s) }

// KVOf makes a key-value pair of a value as a GGUF reader returns it:
// unsigned integers as UINT32 (UINT64 when larger), signed ones as INT32
// or INT64, floats as FLOAT32, strings and booleans as such; other values
// as their text.
func KVOf(key string, v any) KV {
	switch x := v.(type) {
	case uint64:
		if x <= math.MaxUint32 {
			return KV{key, Uint32(uint32(x))}
		}
		return KV{key, Uint64(x)}
	case int64:
		if x >= math.MinInt32 && x <= math.MaxInt32 {
			return KV{key, Int32(int32(x))}
		}
		return KV{key, Int64(x)}
	case float64:
		return KV{key, Float32(float32(x))}
	case bool:
		return KV{key, Bool(x)}
	case string:
		return KV{key, String(x)}
	}
	return KV{key, String(fmt.Sprint(v))}
}
