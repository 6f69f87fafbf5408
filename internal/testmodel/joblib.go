package testmodel

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"strings"

	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

// JoblibArray is a NumPy array of a joblib fixture; its bytes are zeros
// (or, for an object array, Objects writes its elements).
type JoblibArray struct {
	Name    string
	DType   string // numpy.dtype's name: "f8", "i4", "U3", "O8"
	Shape   []int64
	Objects func(*Pickler) // for "O8": writes the list of elements
}

func (a JoblibArray) itemSize() int64 {
	var size int64
	fmt.Sscanf(a.DType[1:], "%d", &size)
	if a.DType[0] == 'U' {
		size *= 4
	}
	return size
}

func (a JoblibArray) bytes() int64 {
	n := a.itemSize()
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

// Joblib returns what joblib.dump writes for a dict of arrays (a fitted
// scikit-learn estimator's attributes look like this), with protocol 4:
// each array as a NumpyArrayWrapper whose state is followed by a padding
// byte, padding to 16 bytes and the array's bytes (or a protocol 2 pickle
// of an object array). extra, when given, adds an entry "extra" written
// by it. compression is "" or a framing: "zlib", "gzip", "bz2", "lzma",
// "xz", "lz4", or "legacy-zlib" (joblib before 0.10).
func Joblib(compression string, arrays []JoblibArray, extra func(*Pickler)) []byte {
	p := NewPickler(4)
	p.EmptyDict()
	p.Memoize()
	p.Mark()
	for _, a := range arrays {
		p.Str(a.Name)
		p.Global("joblib.numpy_pickle", "NumpyArrayWrapper").EmptyTuple().NewObj()
		p.Memoize()
		p.EmptyDict()
		p.Memoize()
		p.Mark()
		p.Str("subclass").Global("numpy", "ndarray")
		p.Str("shape").Mark()
		for _, d := range a.Shape {
			p.Int(d)
		}
		p.Tuple()
		p.Str("order").Str("C")
		p.Str("dtype").Global("numpy", "dtype").Str(a.DType).Bool(false).Bool(true).TupleN(3).Reduce()
		p.Memoize()
		elsize := int64(-1) // numpy gives flexible types their size
		if strings.ContainsAny(a.DType[:1], "USV") {
			elsize = a.itemSize()
		}
		p.Mark().Int(3).Str("<").None().None().None().Int(elsize).Int(-1).Int(0).Tuple().Build()
		p.Str("allow_mmap").Bool(false)
		p.Str("numpy_array_alignment_bytes").Int(16)
		p.SetItems().Build()
		if a.DType[0] == 'O' {
			op := NewPickler(2)
			op.Global("numpy.core.multiarray", "_reconstruct").Global("numpy", "ndarray").Mark().Int(0).Tuple().BytesValue([]byte("b")).TupleN(3).Reduce()
			op.Mark().Int(1).Mark().Int(a.Shape[0]).Tuple().Global("numpy", "dtype").Mark().Str("O8").Bool(false).Bool(true).Tuple().Reduce()
			op.Bool(false).EmptyList().Mark()
			a.Objects(op)
			op.Appends().Tuple().Build()
			p.Raw(op.Stop()...)
			continue
		}
		pos := len(p.Bytes()) + 1
		pad := (16 - pos%16) % 16
		p.Raw(byte(pad))
		p.Raw(bytes.Repeat([]byte{0xff}, pad)...)
		p.Raw(make([]byte, a.bytes())...)
	}
	if extra != nil {
		p.Str("extra")
		extra(p)
	}
	p.SetItems()
	return compressJoblib(compression, p.Stop())
}

func compressJoblib(compression string, data []byte) []byte {
	var b bytes.Buffer
	switch compression {
	case "":
		return data
	case "zlib":
		w := zlib.NewWriter(&b)
		w.Write(data)
		w.Close()
	case "legacy-zlib":
		var z bytes.Buffer
		w := zlib.NewWriter(&z)
		w.Write(data)
		w.Close()
		fmt.Fprintf(&b, "ZF%-19s", fmt.Sprintf("0x%x", len(data)))
		b.Write(z.Bytes())
	case "gzip":
		w := gzip.NewWriter(&b)
		w.Write(data)
		w.Close()
	case "bz2":
		return bzip2Bytes(data)
	case "lzma":
		w, err := lzma.WriterConfig{DictCap: 1 << 20}.NewWriter(&b)
		if err != nil {
			panic(err)
		}
		w.Write(data)
		w.Close()
	case "xz":
		w, err := xz.WriterConfig{DictCap: 1 << 20}.NewWriter(&b)
		if err != nil {
			panic(err)
		}
		w.Write(data)
		w.Close()
	case "lz4":
		w := lz4.NewWriter(&b)
		w.Write(data)
		w.Close()
	default:
		panic("testmodel: compression " + compression)
	}
	return b.Bytes()
}

// bzip2Bytes returns data compressed with bzip2. The standard library
// reads bzip2 but cannot write it, so bz2 fixtures are the few streams
// precompressed in bz2Fixtures, keyed by the data's SHA-256.
func bzip2Bytes(data []byte) []byte {
	if b, ok := bz2Fixtures[SHA256(data)]; ok {
		return b
	}
	panic("testmodel: no bz2 fixture for this data; add one to bz2Fixtures")
}
