package savedmodel

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"unicode/utf8"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
)

const format = "savedmodel"

// PythonOps run a Python function when the graph runs.
var PythonOps = []string{"PyFunc", "PyFuncStateless", "EagerPyFunc"}

// FileOps read, write or list files on the machine that runs the graph.
var FileOps = []string{"ReadFile", "WriteFile", "MatchingFiles", "DeleteFile", "CopyFile", "RenameFile", "ImmutableConst"}

// Info is what a graph declares.
type Info struct {
	// Kind is "saved_model" (a SavedModel) or "graph_def" (a frozen graph).
	Kind string `json:"kind"`
	// MetaGraphs counts the MetaGraphDefs of a SavedModel.
	MetaGraphs int `json:"meta_graphs,omitempty"`
	// Ops counts the nodes of each op type, in the graphs and their
	// functions.
	Ops map[string]int `json:"ops"`
	// Flagged lists the nodes whose op runs Python or touches files.
	Flagged []Node `json:"flagged,omitempty"`
	Nodes   int    `json:"nodes"`
}

// Node is one flagged node.
type Node struct {
	Op       string `json:"op"`
	Name     string `json:"name"`
	Function string `json:"function,omitempty"` // the library function holding it
	Offset   int64  `json:"offset"`             // of the NodeDef
}

// Read walks a saved_model.pb (or a frozen GraphDef) of the given size.
func Read(r io.ReaderAt, size int64) (*Info, error) {
	w := &walker{in: &window{r: r, size: size}, info: &Info{Ops: map[string]int{}}}
	first, err := w.in.byteAt(0)
	if err != nil {
		return nil, w.fail(0, "file is empty")
	}
	switch first {
	case 0x08: // SavedModel: saved_model_schema_version, then meta_graphs
		w.info.Kind = "saved_model"
		err = w.message(0, size, 0, w.savedModel)
	case 0x0a, 0x12: // GraphDef: node, library
		w.info.Kind = "graph_def"
		err = w.message(0, size, 0, w.graphDef(""))
	default:
		return nil, w.fail(0, "first byte %#02x starts neither a SavedModel nor a GraphDef", first)
	}
	if err != nil {
		return nil, err
	}
	return w.info, nil
}

// Sniff reports whether head starts like a SavedModel — the schema
// version (field 1, a small varint) then a MetaGraphDef (field 2) — or
// like a frozen GraphDef: a NodeDef (field 1) whose first field is its
// name (field 1).
func Sniff(head []byte) bool {
	if len(head) >= 3 && head[0] == 0x08 && head[1] < 0x80 && head[2] == 0x12 {
		return true
	}
	if len(head) < 3 || head[0] != 0x0a {
		return false
	}
	i := 1
	for i < len(head) && i < 6 && head[i] >= 0x80 {
		i++
	}
	return i+1 < len(head) && head[i+1] == 0x0a
}

type walker struct {
	in     *window
	info   *Info
	fields int
}

func (w *walker) fail(off int64, msg string, args ...any) error {
	return &formats.Error{Format: format, Offset: off, Msg: fmt.Sprintf(msg, args...)}
}

// fieldFunc handles one field of a message: its number, wire type, and
// for length-delimited fields the range of its bytes.
type fieldFunc func(num int, wire int, start, end int64, depth int) error

// message walks the fields in [start, end).
func (w *walker) message(start, end int64, depth int, f fieldFunc) error {
	if depth > limits.MaxSavedModelDepth {
		return w.fail(start, "messages nested deeper than %d", limits.MaxSavedModelDepth)
	}
	for off := start; off < end; {
		w.fields++
		if w.fields > limits.MaxSavedModelFields {
			return w.fail(off, "more than %d fields; walk stopped", limits.MaxSavedModelFields)
		}
		key, n, err := w.in.varint(off, end)
		if err != nil {
			return w.fail(off, "field header: %v", err)
		}
		num, wire := int(key>>3), int(key&7)
		if num == 0 {
			return w.fail(off, "field number 0")
		}
		off += int64(n)
		switch wire {
		case 0:
			_, n, err := w.in.varint(off, end)
			if err != nil {
				return w.fail(off, "varint: %v", err)
			}
			off += int64(n)
		case 1:
			off += 8
		case 5:
			off += 4
		case 2:
			l, n, err := w.in.varint(off, end)
			if err != nil {
				return w.fail(off, "length: %v", err)
			}
			off += int64(n)
			if l > uint64(end-off) {
				return w.fail(off, "field %d length %d runs past its message, which ends at %d", num, l, end)
			}
			if err := f(num, wire, off, off+int64(l), depth); err != nil {
				return err
			}
			off += int64(l)
		default:
			return w.fail(off-int64(n), "wire type %d is not read (groups are obsolete)", wire)
		}
		if off > end {
			return w.fail(end, "field runs past its message")
		}
	}
	return nil
}

// SavedModel: meta_graphs = 2. MetaGraphDef: graph_def = 2.
func (w *walker) savedModel(num, _ int, start, end int64, depth int) error {
	if num != 2 {
		return nil
	}
	w.info.MetaGraphs++
	return w.message(start, end, depth+1, func(num, _ int, s, e int64, d int) error {
		if num != 2 {
			return nil
		}
		return w.message(s, e, d+1, w.graphDef(""))
	})
}

// GraphDef: node = 1, library = 2. FunctionDefLibrary: function = 1.
// FunctionDef: signature = 1 (OpDef: name = 1), node_def = 3.
func (w *walker) graphDef(function string) fieldFunc {
	return func(num, _ int, start, end int64, depth int) error {
		switch {
		case num == 1:
			return w.node(start, end, depth+1, function)
		case num == 2 && function == "":
			return w.message(start, end, depth+1, func(num, _ int, s, e int64, d int) error {
				if num != 1 {
					return nil
				}
				return w.function(s, e, d+1)
			})
		}
		return nil
	}
}

func (w *walker) function(start, end int64, depth int) error {
	name := ""
	// The signature comes first in what TensorFlow writes; find it first
	// so that nodes can name their function.
	err := w.message(start, end, depth, func(num, _ int, s, e int64, d int) error {
		if num == 1 {
			return w.message(s, e, d+1, func(num, _ int, s2, e2 int64, _ int) error {
				if num == 1 {
					name = w.in.text(s2, e2)
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return err
	}
	return w.message(start, end, depth, func(num, _ int, s, e int64, d int) error {
		if num == 3 {
			return w.node(s, e, d+1, cmpOr(name, "unnamed"))
		}
		return nil
	})
}

// node reads a NodeDef: name = 1, op = 2.
func (w *walker) node(start, end int64, depth int, function string) error {
	var name, op string
	err := w.message(start, end, depth, func(num, _ int, s, e int64, _ int) error {
		switch num {
		case 1:
			name = w.in.text(s, e)
		case 2:
			op = w.in.text(s, e)
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.info.Nodes++
	if op == "" {
		return nil
	}
	if _, ok := w.info.Ops[op]; ok || len(w.info.Ops) < limits.MaxSavedModelNodes {
		w.info.Ops[op]++
	}
	if (slices.Contains(PythonOps, op) || slices.Contains(FileOps, op)) && len(w.info.Flagged) < limits.MaxSavedModelNodes {
		w.info.Flagged = append(w.info.Flagged, Node{Op: op, Name: name, Function: function, Offset: start})
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// window reads a file through a cached block, for the many small reads
// of field headers.
type window struct {
	r    io.ReaderAt
	size int64
	buf  []byte
	at   int64
}

const windowSize = 8 << 10

func (w *window) byteAt(off int64) (byte, error) {
	if off < 0 || off >= w.size {
		return 0, io.ErrUnexpectedEOF
	}
	if off < w.at || off >= w.at+int64(len(w.buf)) {
		n := min(int64(windowSize), w.size-off)
		if cap(w.buf) < windowSize {
			w.buf = make([]byte, windowSize)
		}
		w.buf = w.buf[:n]
		if m, err := w.r.ReadAt(w.buf, off); int64(m) < n {
			w.buf = w.buf[:0]
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		w.at = off
	}
	return w.buf[off-w.at], nil
}

var errVarint = errors.New("varint longer than 10 bytes or past the message")

func (w *window) varint(off, end int64) (uint64, int, error) {
	var v uint64
	for i := 0; i < 10; i++ {
		if off+int64(i) >= end {
			return 0, 0, errVarint
		}
		b, err := w.byteAt(off + int64(i))
		if err != nil {
			return 0, 0, err
		}
		v |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			return v, i + 1, nil
		}
	}
	return 0, 0, errVarint
}

// text reads a short string field, cut at limits.MaxSavedModelString
// bytes; an unreadable or non-UTF-8 one reads as "".
func (w *window) text(start, end int64) string {
	n := min(end-start, limits.MaxSavedModelString)
	b := make([]byte, 0, n)
	for off := start; off < start+n; off++ {
		c, err := w.byteAt(off)
		if err != nil {
			return ""
		}
		b = append(b, c)
	}
	if !utf8.Valid(b) {
		return ""
	}
	return string(b)
}
