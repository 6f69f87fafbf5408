package manifest_test

import (
	"encoding/binary"
	"math"
	"testing"
)

// ggufKV is a GGUF metadata pair as decoded independently of the package.
type ggufKV struct {
	typ    uint32
	value  any // scalars; for arrays, the element type
	length uint64
	offset int
}

// decodeGGUF walks a whole GGUF file held in memory with encoding/binary:
// version, counts and every key with its type and (scalar) value. It
// trusts the file and is meant for the well-formed corpus files only.
func decodeGGUF(t *testing.T, b []byte) (version uint32, tensors, kvs uint64, meta map[string]ggufKV, end int) {
	t.Helper()
	le := binary.LittleEndian
	if string(b[:4]) != "GGUF" {
		t.Fatalf("independent decode: bad magic")
	}
	version = le.Uint32(b[4:])
	tensors, kvs = le.Uint64(b[8:]), le.Uint64(b[16:])
	p := 24
	str := func() string {
		n := int(le.Uint64(b[p:]))
		s := string(b[p+8 : p+8+n])
		p += 8 + n
		return s
	}
	size := map[uint32]int{0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
	scalar := func(typ uint32) any {
		if typ == 8 {
			return str()
		}
		v := b[p : p+size[typ]]
		p += size[typ]
		switch typ {
		case 0, 7:
			return uint64(v[0])
		case 1:
			return int64(int8(v[0]))
		case 2:
			return uint64(le.Uint16(v))
		case 3:
			return int64(int16(le.Uint16(v)))
		case 4:
			return uint64(le.Uint32(v))
		case 5:
			return int64(int32(le.Uint32(v)))
		case 6:
			return float64(math.Float32frombits(le.Uint32(v)))
		case 10:
			return le.Uint64(v)
		case 11:
			return int64(le.Uint64(v))
		case 12:
			return math.Float64frombits(le.Uint64(v))
		}
		t.Fatalf("independent decode: type %d", typ)
		return nil
	}
	meta = map[string]ggufKV{}
	for range kvs {
		at := p
		key := str()
		typ := le.Uint32(b[p:])
		p += 4
		kv := ggufKV{typ: typ, offset: at}
		if typ == 9 {
			elem := le.Uint32(b[p:])
			n := le.Uint64(b[p+4:])
			p += 12
			for range n {
				scalar(elem)
			}
			kv.value, kv.length = elem, n
		} else {
			kv.value = scalar(typ)
		}
		meta[key] = kv
	}
	return version, tensors, kvs, meta, p
}
