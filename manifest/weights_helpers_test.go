package manifest_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/manifest"
)

// countingReader is an io.ReaderAt that counts calls and bytes, standing
// in for a remote file read with range requests.
type countingReader struct {
	r     *bytes.Reader
	calls atomic.Int64
	bytes atomic.Int64
}

func newCountingReader(b []byte) *countingReader { return &countingReader{r: bytes.NewReader(b)} }

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.calls.Add(1)
	n, err := c.r.ReadAt(p, off)
	c.bytes.Add(int64(n))
	return n, err
}

// formatError asserts that err is a *formats.Error of the given
// format, whose message contains want and whose offset is off (-2 skips
// the offset check).
func formatError(t *testing.T, err error, format manifest.Format, off int64, want string) *formats.Error {
	t.Helper()
	var fe *formats.Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *formats.Error", err, err)
	}
	if fe.Format != string(format) {
		t.Errorf("Format = %q, want %q", fe.Format, format)
	}
	if off != -2 && fe.Offset != off {
		t.Errorf("Offset = %d, want %d (error: %v)", fe.Offset, off, err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
	return fe
}

// corpusSeeds returns the files of a corpus folder with the given suffix,
// or nothing when the shared corpus is absent (fuzz seeding must not skip).
func corpusSeeds(t testing.TB, dir, suffix string) map[string][]byte {
	root := filepath.Join(testutil.ModuleRoot(t), "..", "shared", "corpus", dir)
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil
	}
	out := map[string][]byte{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), suffix) {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(root, e.Name())); err == nil {
			out[e.Name()] = b
		}
	}
	return out
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
