package manifest

import (
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
	"github.com/modelvet/modelvet/internal/textsafe"
)

// ONNXInfo is what an ONNX model (a protobuf ModelProto) declares, read
// without its tensor data: the field headers are walked and the bytes of
// tensors, node lists and documentation are skipped, not read.
type ONNXInfo struct {
	IRVersion uint64 `json:"ir_version"`
	// Producer is producer_name and producer_version ("pytorch 2.5.1").
	Producer string       `json:"producer,omitempty"`
	Opsets   []ONNXOpset  `json:"opsets,omitempty"`
	Metadata []ONNXString `json:"metadata,omitempty"` // metadata_props, in order
	// Initializers counts the graph's initializer tensors (a sparse
	// initializer's values and indices count as two).
	Initializers int `json:"initializers"`
	// ExternalData lists the tensors whose data lies in another file.
	ExternalData []ONNXExternal `json:"external_data,omitempty"`
}

// ONNXOpset is one operator set the model imports; Domain "" is the
// default ai.onnx domain.
type ONNXOpset struct {
	Domain  string `json:"domain"`
	Version int64  `json:"version"`
}

// ONNXString is one metadata_props entry.
type ONNXString struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ONNXExternal is a tensor stored outside the model file: Location is the
// path the external_data entry gives, relative to the model file's folder.
type ONNXExternal struct {
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

// ReadONNX reads the ModelProto of an ONNX file of the given size: IR
// version, producer, operator sets, metadata, and the graph's initializers,
// for the tensors kept in external files. Only field headers and small
// fields are read. Errors are *formats.Error values with the byte offset of
// the fault.
func ReadONNX(r io.ReaderAt, size int64) (*ONNXInfo, error) {
	p := &pbReader{r: r, size: size}
	info := &ONNXInfo{}
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
			var o ONNXOpset
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
				info.Metadata = append(info.Metadata, ONNXString{Key: k, Value: v})
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
func (p *pbReader) graph(info *ONNXInfo, start, end int64) error {
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
func (p *pbReader) tensor(info *ONNXInfo, start, end int64) error {
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
		info.ExternalData = append(info.ExternalData, ONNXExternal{Tensor: name, Location: location, Offset: start})
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
			return onnxError(off, nil, "more than %d protobuf fields; not read further", limits.MaxONNXFields)
		}
		at := off
		key, n, err := p.varint(off, end)
		if err != nil {
			return err
		}
		off += n
		num, wire := key>>3, key&7
		if num == 0 {
			return onnxError(at, nil, "field number 0")
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
				return onnxError(at, formats.ErrTruncated, "field %d of %d bytes runs past the end of its message (%d bytes left)", num, l, end-off)
			}
			off += int64(l)
		default:
			return onnxError(at, nil, "field %d has wire type %d, which ONNX does not use", num, wire)
		}
		if off > end {
			return onnxError(at, formats.ErrTruncated, "field %d runs past the end of its message", num)
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
		return 0, 0, onnxError(off, nil, "varint longer than 10 bytes")
	case n == 0:
		return 0, 0, onnxError(off, formats.ErrTruncated, "varint runs past the end of its message")
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
	m := max(n, min(onnxWindow, p.size-off))
	if cap(p.buf) < int(m) {
		p.buf = make([]byte, m)
	}
	p.buf = p.buf[:m]
	if err := safeio.ReadFullAt(p.r, p.buf, off); err != nil {
		p.buf = p.buf[:0]
		return nil, onnxError(off, err, "cannot be read")
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

// onnxWindow is the read size of the field walk: small, since each
// initializer's fields sit on either side of its data, which is skipped.
const onnxWindow = 8 << 10

func onnxError(off int64, err error, format string, args ...any) error {
	return &formats.Error{Format: string(FormatONNX), Offset: off, Msg: fmt.Sprintf(format, args...), Err: err}
}

// findings reports the external data of an ONNX file that lies outside
// the release (a path that leaves the model's folder: a loader would read
// that file) or that the release lacks.
func (o *ONNXInfo) findings(rel *Release, p string) []finding.Finding {
	var out []finding.Finding
	seen := map[string]bool{}
	for _, x := range o.ExternalData {
		if seen[x.Location] {
			continue
		}
		seen[x.Location] = true
		ev := []finding.Evidence{{Path: p, Offset: x.Offset, Field: "external_data.location", Value: textsafe.Truncate(x.Location, 40)}}
		loc := strings.ReplaceAll(x.Location, "\\", "/")
		target := path.Join(path.Dir(p), loc)
		switch {
		case loc == "":
			out = append(out, finding.Finding{Code: finding.FormatMalformed, Confidence: finding.Verified, Subject: p, Evidence: ev,
				Message: fmt.Sprintf("%s stores tensor %s externally but names no file for it", p, textsafe.Truncate(x.Tensor, 40))})
		case path.IsAbs(loc) || hasDriveLetter(loc) || target == ".." || strings.HasPrefix(target, "../"):
			out = append(out, finding.Finding{Code: finding.FormatMalformed, Confidence: finding.Verified, Subject: p, Evidence: ev,
				Message: fmt.Sprintf("%s refers to external tensor data at %q, outside the release: a loader would read that file (a path traversal)", p, textsafe.Truncate(x.Location, 40))})
		case rel.File(target) == nil:
			out = append(out, finding.Finding{Code: finding.IntegrityMissing, Confidence: finding.Verified, Subject: target, Evidence: ev,
				Message: fmt.Sprintf("%s keeps tensor data in %s, which the release does not hold", p, target)})
		}
	}
	return out
}

// hasDriveLetter reports whether p starts with a Windows drive ("C:").
func hasDriveLetter(p string) bool {
	return len(p) >= 2 && p[1] == ':' && ('a' <= p[0]|0x20 && p[0]|0x20 <= 'z')
}
