package testmodel

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
)

// NPY returns a NumPy .npy file of format version 1.0, as numpy.save
// writes it: the magic, the version, a little-endian header length, a
// dict literal padded with spaces to a multiple of 64 bytes and ended by a
// newline, then data.
func NPY(descr string, fortran bool, shape []int64, data []byte) []byte {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	tuple := "(" + strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	tuple += ")"
	order := "False"
	if fortran {
		order = "True"
	}
	quoted := "'" + descr + "'"
	if strings.HasPrefix(descr, "[") {
		quoted = descr // a structured dtype, written as a list literal
	}
	header := fmt.Sprintf("{'descr': %s, 'fortran_order': %s, 'shape': %s, }", quoted, order, tuple)
	total := 10 + len(header) + 1
	header += strings.Repeat(" ", (64-total%64)%64) + "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

// NPYObjectArray returns an .npy file of Python objects: numpy.save writes
// the array as a pickle (protocol 3) after the header. elements writes the
// objects of the array (one-dimensional, len n) in the list the array is
// rebuilt from; use it to plant a hostile object.
func NPYObjectArray(n int, elements func(*Pickler)) []byte {
	p := NewPickler(3)
	p.Global("numpy.core.multiarray", "_reconstruct")
	p.Global("numpy", "ndarray").Mark().Int(0).Tuple().BytesValue([]byte("b")).TupleN(3).Reduce()
	p.Mark().Int(1).Mark().Int(int64(n)).Tuple()
	p.Global("numpy", "dtype").Mark().Str("O8").Bool(false).Bool(true).Tuple().Reduce()
	p.Mark().Int(3).Str("|").None().None().None().Int(-1).Int(-1).Int(63).Tuple().Build()
	p.Bool(false)
	p.EmptyList().Mark()
	elements(p)
	p.Appends()
	p.Tuple().Build()
	return NPY("|O", false, []int64{int64(n)}, p.Stop())
}

// NPZ returns an .npz archive (numpy.savez, or savez_compressed when
// deflate is set) holding each array as NAME.npy.
func NPZ(deflate bool, arrays map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	method := zip.Store
	if deflate {
		method = zip.Deflate
	}
	for _, name := range sortedKeys(arrays) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: method})
		if err != nil {
			panic(err)
		}
		w.Write(arrays[name])
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
