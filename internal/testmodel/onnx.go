package testmodel

import (
	"encoding/binary"
	"strings"
)

// Proto writes protobuf fields, as the ONNX exporters do: each method
// appends one field and returns the message.
type Proto []byte

// Varint appends field num as a varint.
func (b Proto) Varint(num int, v uint64) Proto {
	b = binary.AppendUvarint(b, uint64(num)<<3)
	return binary.AppendUvarint(b, v)
}

// Bytes appends field num as length-delimited bytes (a string, bytes or
// an embedded message).
func (b Proto) Bytes(num int, data []byte) Proto {
	b = binary.AppendUvarint(b, uint64(num)<<3|2)
	b = binary.AppendUvarint(b, uint64(len(data)))
	return append(b, data...)
}

// Str appends field num as a string.
func (b Proto) Str(num int, s string) Proto { return b.Bytes(num, []byte(s)) }

// ONNXTensor is a TensorProto: dims, float type, name, and either inline
// raw_data or an external_data location.
func ONNXTensor(name string, raw []byte, location string) Proto {
	t := Proto{}.Varint(1, 4).Varint(2, 1).Str(8, name)
	if location != "" {
		t = t.Bytes(13, Proto{}.Str(1, "location").Str(2, location)).Bytes(13, Proto{}.Str(1, "offset").Str(2, "0")).Varint(14, 1)
	} else {
		t = t.Bytes(9, raw)
	}
	return t
}

// ONNXModel is a ModelProto (IR version 9, from pytorch 2.5.1, importing
// opsets ai.onnx 17 and com.microsoft 1, with a license entry in its
// metadata) with a graph of one node and the given initializers.
func ONNXModel(inits ...Proto) []byte {
	g := Proto{}.Bytes(1, Proto{}.Str(1, "x").Str(2, "y").Str(4, "Relu")).Str(2, "main")
	for _, t := range inits {
		g = g.Bytes(5, t)
	}
	m := Proto{}.Varint(1, 9).Str(2, "pytorch").Str(3, "2.5.1").Str(6, strings.Repeat("doc ", 100))
	m = m.Bytes(7, g)
	m = m.Bytes(8, Proto{}.Str(1, "").Varint(2, 17)).Bytes(8, Proto{}.Str(1, "com.microsoft").Varint(2, 1))
	m = m.Bytes(14, Proto{}.Str(1, "license").Str(2, "MIT"))
	return m
}
