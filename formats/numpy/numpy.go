package numpy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/formats/pickle"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
)

const format = "npy"

// Magic starts every .npy file.
const Magic = "\x93NUMPY"

// Info is what an .npy header declares.
type Info struct {
	Version      string  `json:"version"` // "1.0", "2.0" or "3.0"
	Descr        string  `json:"descr"`   // the dtype as written: "<f4", "|O", or a field list
	FortranOrder bool    `json:"fortran_order"`
	Shape        []int64 `json:"shape"`
	DataOffset   int64   `json:"data_offset"`
	// DataSize is the array's byte size (shape × item size), or -1 when
	// the item size is not computed (objects, structured dtypes).
	DataSize int64 `json:"data_size"`
	// Object is set for a dtype holding Python objects: the data is a
	// pickle, walked into Pickle (its offsets are file offsets).
	Object    bool         `json:"object,omitempty"`
	Pickle    *pickle.Info `json:"pickle,omitempty"`
	Truncated bool         `json:"truncated,omitempty"`
}

func fail(off int64, sentinel error, msg string, args ...any) error {
	return &formats.Error{Format: format, Offset: off, Msg: fmt.Sprintf(msg, args...), Err: sentinel}
}

// Read reads an .npy header and, for an object array, walks its pickle.
func Read(r io.ReaderAt, size int64) (*Info, error) {
	if size < 10 {
		return nil, fail(0, formats.ErrTruncated, "file is %d bytes, too short for an .npy header", size)
	}
	pre, err := safeio.ReadAt(r, 0, min(size, 12))
	if err != nil {
		return nil, fail(0, formats.ErrTruncated, "cannot read the .npy preamble: %v", err)
	}
	if string(pre[:6]) != Magic {
		return nil, fail(0, nil, "magic %q is not %q", pre[:6], Magic)
	}
	info := &Info{Version: fmt.Sprintf("%d.%d", pre[6], pre[7]), DataSize: -1}
	var hlen, start int64
	switch pre[6] {
	case 1:
		hlen, start = int64(binary.LittleEndian.Uint16(pre[8:10])), 10
	case 2, 3:
		if len(pre) < 12 {
			return nil, fail(8, formats.ErrTruncated, "file ends inside the header length")
		}
		hlen, start = int64(binary.LittleEndian.Uint32(pre[8:12])), 12
	default:
		return nil, fail(6, formats.ErrUnsupported, ".npy version %s is not supported (only 1.0, 2.0 and 3.0)", info.Version)
	}
	if hlen > limits.MaxNPYHeaderBytes {
		return nil, fail(8, nil, "header length %d exceeds limit %d", hlen, limits.MaxNPYHeaderBytes)
	}
	if start+hlen > size {
		return nil, fail(8, formats.ErrTruncated, "header length %d runs past the end of the %d-byte file", hlen, size)
	}
	head, err := safeio.ReadAt(r, start, hlen)
	if err != nil {
		return nil, fail(start, formats.ErrTruncated, "cannot read the header: %v", err)
	}
	if pre[6] < 3 {
		for i, c := range head {
			if c >= 0x80 {
				return nil, fail(start+int64(i), nil, "version %s header is not ASCII", info.Version)
			}
		}
	} else if !utf8.Valid(head) {
		return nil, fail(start, nil, "header is not valid UTF-8")
	}
	info.DataOffset = start + hlen
	if err := parseHeader(string(head), start, info); err != nil {
		return nil, err
	}
	left := size - info.DataOffset
	if info.Object {
		p, perr := pickle.Read(io.NewSectionReader(r, info.DataOffset, left), left)
		shift(p, info.DataOffset)
		info.Pickle = p
		if perr != nil {
			shiftError(perr, info.DataOffset)
			return info, perr
		}
		return info, nil
	}
	if info.DataSize >= 0 && info.DataSize > left {
		info.Truncated = true
		return info, fail(size, formats.ErrTruncated, "array data is %d bytes, but only %d follow the header", info.DataSize, left)
	}
	return info, nil
}

// shift turns the offsets of a walk of the data section into file offsets.
func shift(p *pickle.Info, by int64) {
	if p == nil {
		return
	}
	for i := range p.Globals {
		p.Globals[i].Offset += by
	}
	if p.Expansion != nil {
		p.Expansion.Offset += by
	}
}

// shiftError moves a walk's error to file offsets; the header facts come
// with it (formats.ErrPartial).
func shiftError(err error, by int64) {
	var fe *formats.Error
	if !errors.As(err, &fe) {
		return
	}
	if fe.Offset >= 0 {
		fe.Offset += by
	}
	if fe.Err == nil {
		fe.Err = formats.ErrPartial
	} else if !errors.Is(fe.Err, formats.ErrTruncated) {
		fe.Err = fmt.Errorf("%w: %w", formats.ErrPartial, fe.Err)
	}
}

// parseHeader reads the dict literal of the header.
func parseHeader(s string, base int64, info *Info) error {
	p := &literalParser{s: s, base: base}
	v, err := p.value(0)
	if err != nil {
		return err
	}
	d, ok := v.(map[string]any)
	if !ok {
		return fail(base, nil, "header is not a dict literal")
	}
	descr, ok := d["descr"]
	if !ok {
		return fail(base, nil, "header has no descr")
	}
	switch x := descr.(type) {
	case string:
		info.Descr = x
		info.Object = strings.TrimLeft(x, "<>|=") == "O" || strings.HasPrefix(strings.TrimLeft(x, "<>|="), "O")
	case []any:
		info.Descr = fmt.Sprint(x)
		info.Object = hasObjectField(x, 0)
	default:
		return fail(base, nil, "descr is neither a string nor a list of fields")
	}
	fo, ok := d["fortran_order"].(bool)
	if !ok {
		return fail(base, nil, "fortran_order is missing or not a bool")
	}
	info.FortranOrder = fo
	shape, ok := d["shape"].([]any)
	if !ok {
		return fail(base, nil, "shape is missing or not a tuple")
	}
	elements := uint64(1)
	overflow := false
	for _, x := range shape {
		n, ok := x.(int64)
		if !ok || n < 0 {
			return fail(base, nil, "shape %v holds a dimension that is not a non-negative integer", shape)
		}
		info.Shape = append(info.Shape, n)
		hi, lo := bits.Mul64(elements, uint64(n))
		elements = lo
		overflow = overflow || hi != 0
	}
	if item := itemSize(info.Descr); item > 0 && !info.Object {
		hi, lo := bits.Mul64(elements, uint64(item))
		if overflow || hi != 0 || lo > 1<<62 {
			return fail(base, nil, "shape %v overflows the array size", info.Shape)
		}
		info.DataSize = int64(lo)
	}
	return nil
}

// hasObjectField reports whether a structured dtype holds an object field.
func hasObjectField(fields []any, depth int) bool {
	if depth > limits.MaxNPYHeaderDepth {
		return true
	}
	for _, f := range fields {
		t, ok := f.([]any)
		if !ok || len(t) < 2 {
			continue
		}
		switch x := t[1].(type) {
		case string:
			if strings.TrimLeft(x, "<>|=") == "O" {
				return true
			}
		case []any:
			if hasObjectField(x, depth+1) {
				return true
			}
		}
	}
	return false
}

// itemSize returns the byte size of a simple dtype ("<f4" is 4, "<U10" is
// 40), or 0 when it is not one.
func itemSize(descr string) int64 {
	d := strings.TrimLeft(descr, "<>|=")
	if d == "" {
		return 0
	}
	kind, digits := d[0], d[1:]
	if i := strings.IndexByte(digits, '['); i >= 0 { // datetime units: "<M8[ns]"
		digits = digits[:i]
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n <= 0 || n > 1<<40 {
		return 0
	}
	switch kind {
	case 'b', 'i', 'u', 'f', 'c', 'm', 'M', 'S', 'V', 'a':
		return n
	case 'U':
		return 4 * n
	}
	return 0
}

// literalParser reads the Python literals of an .npy header: dicts,
// tuples, lists, strings, integers, True, False and None.
type literalParser struct {
	s    string
	i    int
	base int64
}

func (p *literalParser) errorf(msg string, args ...any) error {
	return fail(p.base+int64(p.i), nil, "header: "+msg, args...)
}

func (p *literalParser) skipSpace() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *literalParser) value(depth int) (any, error) {
	if depth > limits.MaxNPYHeaderDepth {
		return nil, p.errorf("nested deeper than %d levels", limits.MaxNPYHeaderDepth)
	}
	p.skipSpace()
	if p.i >= len(p.s) {
		return nil, p.errorf("ends where a value is expected")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		d := map[string]any{}
		for {
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == '}' {
				p.i++
				return d, nil
			}
			k, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			ks, ok := k.(string)
			if !ok {
				return nil, p.errorf("dict key is not a string")
			}
			p.skipSpace()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, p.errorf("expected ':' after key %q", ks)
			}
			p.i++
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			d[ks] = v
			if err := p.separator('}'); err != nil {
				return nil, err
			}
		}
	case c == '(' || c == '[':
		closer := byte(')')
		if c == '[' {
			closer = ']'
		}
		p.i++
		var out []any
		for {
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == closer {
				p.i++
				if out == nil {
					out = []any{}
				}
				return out, nil
			}
			if len(out) >= limits.MaxNPYHeaderItems {
				return nil, p.errorf("more than %d items in a tuple or list", limits.MaxNPYHeaderItems)
			}
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			if err := p.separator(closer); err != nil {
				return nil, err
			}
		}
	case c == '\'' || c == '"':
		j := p.i + 1
		for j < len(p.s) && p.s[j] != c {
			if p.s[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(p.s) {
			return nil, p.errorf("unterminated string")
		}
		v := p.s[p.i+1 : j]
		p.i = j + 1
		return v, nil
	case c == '-' || '0' <= c && c <= '9':
		j := p.i + 1
		for j < len(p.s) && '0' <= p.s[j] && p.s[j] <= '9' {
			j++
		}
		n, err := strconv.ParseInt(p.s[p.i:j], 10, 64)
		if err != nil {
			return nil, p.errorf("integer %q out of range", p.s[p.i:j])
		}
		p.i = j
		if p.i < len(p.s) && p.s[p.i] == 'L' { // Python 2 long
			p.i++
		}
		return n, nil
	}
	for word, v := range map[string]any{"True": true, "False": false, "None": nil} {
		if strings.HasPrefix(p.s[p.i:], word) {
			p.i += len(word)
			return v, nil
		}
	}
	return nil, p.errorf("unexpected %q", p.s[p.i])
}

// separator consumes a ',' or sees the closer.
func (p *literalParser) separator(closer byte) error {
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ',' {
		p.i++
		return nil
	}
	if p.i < len(p.s) && p.s[p.i] == closer {
		return nil
	}
	return p.errorf("expected ',' or %q", closer)
}
