package hubtest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
)

// Tensor is one tensor of a built weight file.
type Tensor struct {
	Name  string
	DType string // safetensors dtype ("F16", "BF16", "F32", "F8_E4M3") or GGUF "F32"/"F16"
	Shape []int64
}

func (t Tensor) elems() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

var dtypeBytes = map[string]int64{"F32": 4, "F16": 2, "BF16": 2, "F8_E4M3": 1, "F8_E5M2": 1, "U8": 1, "I8": 1, "I32": 4, "I64": 8, "F64": 8}

// Bytes is the size of the tensor's data.
func (t Tensor) Bytes() int64 { return t.elems() * dtypeBytes[t.DType] }

// SafetensorsHeader returns the 8-byte length and the JSON header of a
// safetensors file holding ts (in data order as given) with metadata meta,
// padded to 8 bytes as the reference writer does, and the size of the
// whole file. Appending dataSize zero bytes gives the complete file.
func SafetensorsHeader(ts []Tensor, meta map[string]string) (header []byte, fileSize int64) {
	var b bytes.Buffer
	b.WriteByte('{')
	if meta != nil {
		m, _ := json.Marshal(meta)
		fmt.Fprintf(&b, `"__metadata__":%s`, m)
	}
	var off int64
	for i, t := range ts {
		if i > 0 || meta != nil {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(t.Name)
		shape, _ := json.Marshal(t.Shape)
		fmt.Fprintf(&b, `%s:{"dtype":%q,"shape":%s,"data_offsets":[%d,%d]}`, name, t.DType, shape, off, off+t.Bytes())
		off += t.Bytes()
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(b.Len()))
	out = append(out, b.Bytes()...)
	return out, int64(len(out)) + off
}

// Safetensors returns a complete safetensors file (tensors of zeros).
func Safetensors(ts []Tensor, meta map[string]string) []byte {
	h, size := SafetensorsHeader(ts, meta)
	return append(h, make([]byte, size-int64(len(h)))...)
}

// KV is one GGUF metadata pair: the value is a string, a uint32, a
// []string, or a float32.
type KV struct {
	Key   string
	Value any
}

// GGUF returns a complete GGUF v3 file with the given metadata and tensors
// (F32 or F16, data of zeros), aligned to 32 bytes.
func GGUF(kvs []KV, ts []Tensor) []byte {
	h, size := GGUFHeader(kvs, ts)
	return append(h, make([]byte, size-int64(len(h)))...)
}

// GGUFHeader returns the GGUF header (metadata, tensor infos and the
// padding before the data) and the size of the whole file.
func GGUFHeader(kvs []KV, ts []Tensor) (header []byte, fileSize int64) {
	var b []byte
	u32 := func(v uint32) { b = binary.LittleEndian.AppendUint32(b, v) }
	u64 := func(v uint64) { b = binary.LittleEndian.AppendUint64(b, v) }
	str := func(s string) { u64(uint64(len(s))); b = append(b, s...) }
	b = append(b, "GGUF"...)
	u32(3)
	u64(uint64(len(ts)))
	u64(uint64(len(kvs)))
	for _, kv := range kvs {
		str(kv.Key)
		switch v := kv.Value.(type) {
		case string:
			u32(8)
			str(v)
		case uint32:
			u32(4)
			u32(v)
		case float32:
			u32(6)
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		case []string:
			u32(9)
			u32(8)
			u64(uint64(len(v)))
			for _, s := range v {
				str(s)
			}
		default:
			panic(fmt.Sprintf("hubtest: GGUF value of type %T", v))
		}
	}
	var off uint64
	for _, t := range ts {
		str(t.Name)
		u32(uint32(len(t.Shape)))
		for _, d := range slices.Backward(t.Shape) {
			u64(uint64(d))
		}
		typ := uint32(0)
		if t.DType == "F16" {
			typ = 1
		}
		u32(typ)
		u64(off)
		off += uint64(t.Bytes())
		off = (off + 31) &^ 31
	}
	for len(b)%32 != 0 {
		b = append(b, 0)
	}
	return b, int64(len(b)) + int64(off)
}
