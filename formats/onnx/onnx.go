package onnx

import (
	"fmt"
	"io"
	"strings"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
)

// Info is what an ONNX model (a protobuf ModelProto) declares, read
// without its tensor data: the field headers are walked and the bytes of
// tensors, node lists and documentation are skipped, not read.
type Info struct {
	IRVersion uint64 `json:"ir_version"`
	// Producer is producer_name and producer_version ("pytorch 2.5.1").
	Producer string     `json:"producer,omitempty"`
	Opsets   []Opset    `json:"opsets,omitempty"`
	Metadata []Property `json:"metadata,omitempty"` // metadata_props, in order
	// Initializers counts the graph's initializer tensors (a sparse
	// initializer's values and indices count as two).
	Initializers int `json:"initializers"`
	// ExternalData lists the tensors whose data lies in another file.
	ExternalData []External `json:"external_data,omitempty"`
}

// Opset is one operator set the model imports; Domain "" is the
// default ai.onnx domain.
type Opset struct {
	Domain  string `json:"domain"`
	Version int64  `json:"version"`
}

// Property is one metadata_props entry.
type Property struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// External is a tensor stored outside the model file: Location is the
// path the external_data entry gives, relative to the model file's folder.
type External struct {
	Tensor   string `json:"tensor"`
	Location string `json:"location"`
	Offset   int64  `json:"offset"` // of the tensor in the model file
}

// Wire types of the protobuf encoding.
const (
	pbVarint  = 0
	pbFixed64 = 1
	pbBytes   = 2
	pbFixed32 = 5
)

// Read reads the ModelProto of an ONNX file of the given size: IR
// version, producer, operator sets, metadata, and the graph's initializers,
// for the tensors kept in external files. Only field headers and small
// fields are read. Errors are *formats.Error values with the byte offset of
// the fault.
func Read(r io.ReaderAt, size int64) (*Info, error) {
	p := &pbReader{r: r, size: size}
	info := &Info{}
	var producer, version string
	err := p.fields(0, size, func(num, wire uint64, start, end int64) error {
		switch {
		case num == 1 && wire == pbVarint:
			info.IRVersion = p.lastVarint
		case num == 2 && wire == pbBytes:
			producer = p.text(start, end)
		case num == 3 && wire == pbBytes:
			version = p.text(start, end)
		case num == 7 && wire == pbBytes:
			return p.graph(info, start, end)
		case num == 8 && wire == pbBytes:
			var o Opset
			err := p.fields(start, end, func(num, wire uint64, s, e int64) error {
				switch {
				case num == 1 && wire == pbBytes:
					o.Domain = p.text(s, e)
				case num == 2 && wire == pbVarint:
					o.Version = int64(p.lastVarint)
				}
				return nil
			})
			if len(info.Opsets) < limits.MaxONNXListed {
				info.Opsets = append(info.Opsets, o)
			}
			return err
		case num == 14 && wire == pbBytes:
			k, v, err := p.entry(start, end)
			if len(info.Metadata) < limits.MaxONNXListed {
				info.Metadata = append(info.Metadata, Property{Key: k, Value: v})
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	info.Producer = strings.TrimSpace(producer + " " + version)
	return info, nil
}

// graph walks a GraphProto for its initializers (field 5) and sparse
// initializers (field 15, whose values and indices are tensors).
func (p *pbReader) graph(info *Info, start, end int64) error {
	return p.fields(start, end, func(num, wire uint64, s, e int64) error {
		switch {
		case num == 5 && wire == pbBytes:
			return p.tensor(info, s, e)
		case num == 15 && wire == pbBytes:
			return p.fields(s, e, func(num, wire uint64, s, e int64) error {
				if (num == 1 || num == 2) && wire == pbBytes {
					return p.tensor(info, s, e)
				}
				return nil
			})
		}
		return nil
	})
}

// tensor walks a TensorProto for its name (8), external_data entries (13)
// and data_location (14); its data fields are skipped.
func (p *pbReader) tensor(info *Info, start, end int64) error {
	info.Initializers++
	var name, location string
	external := false
	err := p.fields(start, end, func(num, wire uint64, s, e int64) error {
		switch {
		case num == 8 && wire == pbBytes:
			name = p.text(s, e)
		case num == 13 && wire == pbBytes:
			k, v, err := p.entry(s, e)
			if k == "location" {
				location = v
			}
			return err
		case num == 14 && wire == pbVarint:
			external = p.lastVarint == 1
		}
		return nil
	})
	if err != nil {
		return err
	}
	if (external || location != "") && len(info.ExternalData) < limits.MaxONNXListed {
		info.ExternalData = append(info.ExternalData, External{Tensor: name, Location: location, Offset: start})
	}
	return nil
}

// entry reads a StringStringEntryProto (key 1, value 2).
func (p *pbReader) entry(start, end int64) (k, v string, err error) {
	err = p.fields(start, end, func(num, wire uint64, s, e int64) error {
		switch {
		case num == 1 && wire == pbBytes:
			k = p.text(s, e)
		case num == 2 && wire == pbBytes:
			v = p.text(s, e)
		}
		return nil
	})
	return k, v, err
}

// pbReader walks protobuf fields through a window over r, so that walking
// many small fields costs few reads and skipping a large one none.
type pbReader struct {
	r      io.ReaderAt
	size   int64
	buf    []byte
	start  int64 // file offset of buf[0]
	walked int   // fields walked, against limits.MaxONNXFields
	// lastVarint is the value of the varint field just walked.
	lastVarint uint64
}

// fields calls fn for every field in [start, end): its number, wire type,
// and for length-delimited fields the span of its bytes (start = end =
// the offset after a varint or fixed field). A field running past end is
// an error.
func (p *pbReader) fields(start, end int64, fn func(num, wire uint64, s, e int64) error) error {
	for off := start; off < end; {
		if p.walked++; p.walked > limits.MaxONNXFields {
			return errorAt(off, nil, "more than %d protobuf fields; not read further", limits.MaxONNXFields)
		}
		at := off
		key, n, err := p.varint(off, end)
		if err != nil {
			return err
		}
		off += n
		num, wire := key>>3, key&7
		if num == 0 {
			return errorAt(at, nil, "field number 0")
		}
		s := off
		switch wire {
		case pbVarint:
			v, n, err := p.varint(off, end)
			if err != nil {
				return err
			}
			p.lastVarint = v
			off += n
			s = off
		case pbFixed64:
			off += 8
		case pbFixed32:
			off += 4
		case pbBytes:
			l, n, err := p.varint(off, end)
			if err != nil {
				return err
			}
			off += n
			s = off
			if l > uint64(end-off) {
				return errorAt(at, formats.ErrTruncated, "field %d of %d bytes runs past the end of its message (%d bytes left)", num, l, end-off)
			}
			off += int64(l)
		default:
			return errorAt(at, nil, "field %d has wire type %d, which ONNX does not use", num, wire)
		}
		if off > end {
			return errorAt(at, formats.ErrTruncated, "field %d runs past the end of its message", num)
		}
		if err := fn(num, wire, s, off); err != nil {
			return err
		}
	}
	return nil
}

// varint reads a varint at off, which must end before end.
func (p *pbReader) varint(off, end int64) (uint64, int64, error) {
	b, err := p.at(off, min(10, end-off))
	if err != nil {
		return 0, 0, err
	}
	v, n := uvarint(b)
	switch {
	case n < 0:
		return 0, 0, errorAt(off, nil, "varint longer than 10 bytes")
	case n == 0:
		return 0, 0, errorAt(off, formats.ErrTruncated, "varint runs past the end of its message")
	}
	return v, int64(n), nil
}

// at returns the n bytes at off, from the window when it holds them.
func (p *pbReader) at(off, n int64) ([]byte, error) {
	if n <= 0 {
		return nil, nil
	}
	if off >= p.start && off+n <= p.start+int64(len(p.buf)) {
		return p.buf[off-p.start : off-p.start+n], nil
	}
	m := max(n, min(window, p.size-off))
	if cap(p.buf) < int(m) {
		p.buf = make([]byte, m)
	}
	p.buf = p.buf[:m]
	if err := safeio.ReadFullAt(p.r, p.buf, off); err != nil {
		p.buf = p.buf[:0]
		return nil, errorAt(off, err, "cannot be read")
	}
	p.start = off
	return p.buf[:n], nil
}

// text returns the string in [start, end), clipped: names and metadata
// are kept, long documentation is not.
func (p *pbReader) text(start, end int64) string {
	n := min(end-start, limits.MaxONNXString)
	b, err := p.at(start, n)
	if err != nil {
		return ""
	}
	return string(b)
}

// window is the read size of the field walk: small, since each
// initializer's fields sit on either side of its data, which is skipped.
const window = 8 << 10

// errorAt builds an ONNX error at a file offset.
func errorAt(off int64, err error, format string, args ...any) error {
	return &formats.Error{Format: "onnx", Offset: off, Msg: fmt.Sprintf(format, args...), Err: err}
}

// modelFields maps the field numbers of ONNX's ModelProto to their
// protobuf wire types (0 varint, 2 length-delimited): ir_version 1,
// producer_name 2, producer_version 3, domain 4, model_version 5,
// doc_string 6, graph 7, opset_import 8, metadata_props 14,
// training_info 20, functions 25, configuration 26.
var modelFields = map[uint64]uint64{1: 0, 2: 2, 3: 2, 4: 2, 5: 0, 6: 2, 7: 2, 8: 2, 14: 2, 20: 2, 25: 2, 26: 2}

// Sniff reports whether head, the first bytes of a file, start like an
// ONNX model, which has no magic: with one or two well-formed ModelProto
// fields, the first of them ir_version (as every exporter writes it) with
// a plausible value, or another known field. A field cut by the end of
// head counts as well-formed.
func Sniff(head []byte) bool {
	if len(head) == 0 {
		return false
	}
	b := head
	for i := 0; i < 2 && len(b) > 0; i++ {
		key, n := uvarint(b)
		if n <= 0 {
			return i > 0 && n == 0 // a varint cut by the end of head
		}
		b = b[n:]
		wire, ok := modelFields[key>>3]
		if !ok || key&7 != wire {
			return false
		}
		v, n := uvarint(b)
		if n == 0 {
			return true // cut by the end of head
		}
		if n < 0 {
			return false
		}
		b = b[n:]
		switch {
		case key>>3 == 1 && (v < 1 || v > 100):
			return false // ir_version is a small integer (10 in 2024)
		case wire == 2:
			if v > uint64(len(b)) {
				return true // runs past head: cannot check further
			}
			b = b[v:]
		}
	}
	return true
}

// uvarint decodes a protobuf varint: n is the bytes read, 0 if b ends
// first, -1 if the varint is over-long.
func uvarint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b); i++ {
		if i == 10 {
			return 0, -1
		}
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}
