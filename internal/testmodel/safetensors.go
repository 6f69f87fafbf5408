package testmodel

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// DtypeBits gives the width in bits of every safetensors dtype.
var DtypeBits = map[string]uint64{
	"BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "U8": 8, "I8": 8,
	"F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8,
	"I16": 16, "U16": 16, "F16": 16, "BF16": 16, "I32": 32, "U32": 32, "F32": 32,
	"C64": 64, "F64": 64, "I64": 64, "U64": 64,
}

// SafetensorsTensor is one tensor of a safetensors file.
type SafetensorsTensor struct {
	Name  string
	Dtype string // "F32", "BF16", "F8_E4M3", …
	Shape []uint64
	// Data is the tensor's bytes; nil means zeros of the size the dtype and
	// shape give.
	Data []byte
	// Offsets, when set, is written as data_offsets instead of the
	// computed range (to build gaps, overlaps and lying sizes).
	Offsets *[2]uint64
}

// Elements returns the product of the shape.
func (t SafetensorsTensor) Elements() uint64 {
	n := uint64(1)
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Size returns the tensor's byte size from its dtype and shape (0 for an
// unknown dtype), or len(Data) when Data is set.
func (t SafetensorsTensor) Size() uint64 {
	if t.Data != nil {
		return uint64(len(t.Data))
	}
	return t.Elements() * DtypeBits[t.Dtype] / 8
}

// Safetensors describes a safetensors file. The zero value of every knob
// builds a valid file, laid out as the reference writer does: the header
// right-padded with spaces to a multiple of 8 bytes, tensors stored in the
// order given.
type Safetensors struct {
	Metadata map[string]string // __metadata__; nil writes none
	Tensors  []SafetensorsTensor
	// Header, when set, is written verbatim instead of the generated JSON
	// header (and is not padded).
	Header string
	// NoPadding leaves the generated header unpadded.
	NoPadding bool
	// Trailing is appended after the tensor data.
	Trailing []byte
}

// HeaderJSON returns the JSON header as written (with padding).
func (s Safetensors) HeaderJSON() string {
	if s.Header != "" {
		return s.Header
	}
	var b strings.Builder
	b.WriteByte('{')
	first := true
	sep := func() {
		if !first {
			b.WriteByte(',')
		}
		first = false
	}
	if s.Metadata != nil {
		sep()
		keys := make([]string, 0, len(s.Metadata))
		for k := range s.Metadata {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteString(`"__metadata__":{`)
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(quote(k) + ":" + quote(s.Metadata[k]))
		}
		b.WriteByte('}')
	}
	var off uint64
	for _, t := range s.Tensors {
		sep()
		begin, end := off, off+t.Size()
		off = end
		if t.Offsets != nil {
			begin, end = t.Offsets[0], t.Offsets[1]
		}
		shape := make([]string, len(t.Shape))
		for i, d := range t.Shape {
			shape[i] = fmt.Sprint(d)
		}
		fmt.Fprintf(&b, `%s:{"dtype":%s,"shape":[%s],"data_offsets":[%d,%d]}`, quote(t.Name), quote(t.Dtype), strings.Join(shape, ","), begin, end)
	}
	b.WriteByte('}')
	h := b.String()
	if !s.NoPadding {
		if pad := (8 - len(h)%8) % 8; pad > 0 {
			h += strings.Repeat(" ", pad)
		}
	}
	return h
}

// DataSize returns the bytes of tensor data the file holds: the tensors'
// sizes in order (Offsets overrides do not change what is written).
func (s Safetensors) DataSize() uint64 {
	var n uint64
	for _, t := range s.Tensors {
		n += t.Size()
	}
	return n
}

// HeaderBytes returns the 8-byte length and the header: a header-only
// capture of the file.
func (s Safetensors) HeaderBytes() []byte {
	h := s.HeaderJSON()
	out := make([]byte, 8, 8+len(h))
	binary.LittleEndian.PutUint64(out, uint64(len(h)))
	return append(out, h...)
}

// Bytes returns the whole file: length, header, tensor data, trailing
// bytes.
func (s Safetensors) Bytes() []byte {
	var b bytes.Buffer
	b.Write(s.HeaderBytes())
	for _, t := range s.Tensors {
		if t.Data != nil {
			b.Write(t.Data)
		} else {
			b.Write(make([]byte, t.Size()))
		}
	}
	b.Write(s.Trailing)
	return b.Bytes()
}

// WriteFile writes the file at path. With sparse set, only the header is
// written and the file is extended to its full size without writing the
// data (a sparse file on most file systems), so that releases of hundreds
// of gigabytes cost nothing on disk; tensor Data is then ignored.
func (s Safetensors) WriteFile(path string, sparse bool) error {
	if !sparse {
		return os.WriteFile(path, s.Bytes(), 0o644)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	hdr := s.HeaderBytes()
	if _, err := f.Write(hdr); err != nil {
		f.Close()
		return err
	}
	if len(s.Trailing) > 0 {
		f.Close()
		return fmt.Errorf("testmodel: Trailing bytes need a non-sparse file")
	}
	if err := f.Truncate(int64(len(hdr)) + int64(s.DataSize())); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ShardedSafetensors describes a sharded safetensors checkpoint: shard
// files plus model.safetensors.index.json.
type ShardedSafetensors struct {
	Shards []Safetensors
	// Name returns the file name of shard i (0-based) of n; nil gives the
	// Hugging Face naming, model-00001-of-00003.safetensors.
	Name func(i, n int) string
	// IndexName is the index file name; "" gives
	// model.safetensors.index.json.
	IndexName string
	// TotalSize, when set, replaces the computed metadata.total_size.
	TotalSize *int64
	// Sparse writes the shards as sparse files (see Safetensors.WriteFile).
	Sparse bool
}

// ShardName returns the file name of shard i.
func (s ShardedSafetensors) ShardName(i int) string {
	if s.Name != nil {
		return s.Name(i, len(s.Shards))
	}
	return fmt.Sprintf("model-%05d-of-%05d.safetensors", i+1, len(s.Shards))
}

// WeightMap returns the tensor-to-shard map the index declares.
func (s ShardedSafetensors) WeightMap() map[string]string {
	m := map[string]string{}
	for i, sh := range s.Shards {
		for _, t := range sh.Tensors {
			m[t.Name] = s.ShardName(i)
		}
	}
	return m
}

// TotalDataSize returns the sum of the shards' tensor data sizes.
func (s ShardedSafetensors) TotalDataSize() int64 {
	var n int64
	for _, sh := range s.Shards {
		n += int64(sh.DataSize())
	}
	return n
}

// Index returns the index JSON.
func (s ShardedSafetensors) Index() []byte {
	total := s.TotalDataSize()
	if s.TotalSize != nil {
		total = *s.TotalSize
	}
	return SafetensorsIndexJSON(total, s.WeightMap())
}

// SafetensorsIndexJSON returns a model.safetensors.index.json with the
// given total size and weight map, laid out as the Hugging Face writers do
// (indented, keys sorted).
func SafetensorsIndexJSON(totalSize int64, weightMap map[string]string) []byte {
	doc := struct {
		Metadata  map[string]int64  `json:"metadata"`
		WeightMap map[string]string `json:"weight_map"`
	}{map[string]int64{"total_size": totalSize}, weightMap}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err) // maps of strings and integers always encode
	}
	return append(b, '\n')
}

// WriteShardedSafetensors writes the shards and the index into dir, which
// must exist, and returns the index path.
func WriteShardedSafetensors(dir string, s ShardedSafetensors) (string, error) {
	for i, sh := range s.Shards {
		if err := sh.WriteFile(filepath.Join(dir, s.ShardName(i)), s.Sparse); err != nil {
			return "", err
		}
	}
	name := s.IndexName
	if name == "" {
		name = "model.safetensors.index.json"
	}
	p := filepath.Join(dir, name)
	return p, os.WriteFile(p, s.Index(), 0o644)
}

// quote returns s as a JSON string.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
