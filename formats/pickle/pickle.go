package pickle

import (
	"archive/zip"
	"bytes"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/pystring"
	"github.com/modelvet/modelvet/internal/textsafe"
	"github.com/modelvet/modelvet/internal/zipcheck"
)

// The formats of the errors Read returns: a bare or legacy pickle stream,
// and a PyTorch zip checkpoint (the pickles inside a zip).
const (
	formatPickle  = "pickle"
	formatPyTorch = "pytorch"
)

// Info is what walking the pickle opcodes of a file found, without
// executing anything.
type Info struct {
	// Container is "zip" (PyTorch zip), "legacy" (PyTorch legacy
	// concatenated pickles) or "raw" (a bare pickle stream).
	Container string `json:"container"`
	// Protocol is the highest pickle protocol of the streams walked: from
	// the PROTO opcode, or (protocols 0 and 1 have none) the highest
	// protocol among the opcodes used.
	Protocol int `json:"protocol"`
	// Members lists the pickle members walked inside a zip container.
	Members []string `json:"members,omitempty"`
	// Streams counts the pickle streams walked; Opcodes the opcodes.
	Streams int   `json:"streams"`
	Opcodes int64 `json:"opcodes"`
	// Calls counts the opcodes that call or build objects when loaded:
	// REDUCE, BUILD, NEWOBJ, NEWOBJ_EX, OBJ and INST.
	Calls map[string]int `json:"calls,omitempty"`
	// PersistentIDs counts PERSID/BINPERSID opcodes (PyTorch refers to
	// each tensor storage through one).
	PersistentIDs int `json:"persistent_ids,omitempty"`
	// Globals lists every imported global, sorted by module and name.
	Globals []Global `json:"globals"`
	// Incomplete is set when the walk stopped early (a cap, or an
	// unparseable stream); the list of globals may then be partial.
	Incomplete string `json:"incomplete,omitempty"`
	// Expansion is set when loading the pickle would build an object
	// graph whose expansion (every object counted once per path that
	// reaches it, as a traversal, a copy or a hash of it visits them) is
	// far larger than the stream: a "billion laughs" bomb. It is computed
	// from the opcodes, never by building anything.
	Expansion *Expansion `json:"expansion,omitempty"`
}

// Expansion describes an expansion bomb: the largest object the stream
// builds, counted as a traversal visits it.
type Expansion struct {
	Member string `json:"member,omitempty"` // zip member of the stream
	Offset int64  `json:"offset"`           // opcode that built the object
	// Objects is the object's expanded size, saturated at
	// limits.MaxPickleExpansionCount; Opcodes the stream's opcodes.
	Objects uint64 `json:"objects"`
	Opcodes int64  `json:"opcodes"`
}

// Global is one global a pickle imports.
type Global struct {
	Module string `json:"module"`
	Name   string `json:"name"`
	// Class is "safe" (on the allow-list of tensor-rebuild globals),
	// "unsafe" (known to run code, or imported through operands a static
	// walk cannot see, reported as module or name "unknown") or "unknown"
	// (on neither list; also extension-registry imports).
	Class string `json:"class"`
	// Category says, for an unsafe global, what it can do (process,
	// network, file, code-loading, reflection, interpreter, or hidden for
	// operands a static walk cannot see).
	Category string `json:"category,omitempty"`
	Member   string `json:"member,omitempty"` // zip member it was found in
	Offset   int64  `json:"offset"`           // opcode offset of its first import
	// Opcode is the importing opcode: GLOBAL, STACK_GLOBAL, INST or EXT1/2/4.
	Opcode string `json:"opcode,omitempty"`
}

// String returns "module.name".
func (g Global) String() string { return g.Module + "." + g.Name }

// Pickle containers, as Info.Container reports them.
const (
	Zip    = "zip"    // PyTorch zip checkpoint (torch >= 1.6)
	Legacy = "legacy" // legacy PyTorch file: concatenated pickles, then storages
	Raw    = "raw"    // a bare pickle stream (or several, back to back)
)

// Read walks the pickle streams of a PyTorch or pickle file of the given
// size and lists every global they import, without executing anything. It recognises PyTorch zip checkpoints (every *.pkl member, and
// other members that start like a pickle, outside the data/ folders of raw
// storages), legacy PyTorch files (the magic-number pickle, then the
// protocol, system-info, object and storage-key pickles) and raw pickle
// streams of protocols 0 to 5.
//
// A stream that is truncated, malformed or longer than the caps in
// internal/limits yields a *formats.Error with the byte offset, together
// with an Info holding the globals found so far and Incomplete set.
func Read(r io.ReaderAt, size int64) (*Info, error) {
	info := &Info{Globals: []Global{}}
	head := make([]byte, min(size, 64))
	if n, err := r.ReadAt(head, 0); n < len(head) {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		info.Incomplete = "file could not be read"
		return info, &formats.Error{Format: formatPickle, Offset: 0, Msg: "cannot read the start of the file", Err: err}
	}
	gs := newGlobalSet()
	var err error
	switch {
	case zipcheck.IsArchive(head):
		info.Container = Zip
		err = walkPickleZip(r, size, info, gs)
	case isLegacyTorchMagic(head):
		info.Container = Legacy
		err = walkPickleStreams(newPickleInput(r, 0, size), size, info, gs, 5)
	default:
		info.Container = Raw
		err = walkPickleStreams(newPickleInput(r, 0, size), size, info, gs, limits.MaxPickleStreams)
	}
	return finishRead(info, gs, err)
}

// ReadStream walks the raw pickle streams (one, or several back to back)
// read from r: the decompressed bytes of a compressed joblib file, which
// cannot be read at random. Offsets are counted from the start of r.
func ReadStream(r io.Reader) (*Info, error) {
	info := &Info{Container: Raw, Globals: []Global{}}
	gs := newGlobalSet()
	err := walkPickleStreams(newPickleStream(r), -1, info, gs, limits.MaxPickleStreams)
	if err == nil && info.Streams == 0 {
		err = &formats.Error{Format: formatPickle, Offset: 0, Msg: "empty pickle stream"}
	}
	return finishRead(info, gs, err)
}

func finishRead(info *Info, gs *globalSet, err error) (*Info, error) {
	info.Globals = gs.sorted()
	if gs.capped {
		info.Incomplete = joinNote(info.Incomplete, fmt.Sprintf("more than %d distinct globals; the rest are not listed", limits.MaxPickleGlobals))
	}
	if err != nil && info.Incomplete == "" {
		info.Incomplete = "the walk stopped early: " + err.Error()
	}
	return info, err
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// legacyMagic is the little-endian encoding of the number legacy PyTorch
// files pickle first (0x1950a86a20f9469cfc6c).
var legacyMagic = []byte{0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}

// legacyMagicDecimal is the same number as protocols 0 and 1 write it.
const legacyMagicDecimal = "119547037146038801333356"

// isLegacyTorchMagic reports whether head starts with a pickle whose only
// value is the legacy PyTorch magic number.
func isLegacyTorchMagic(head []byte) bool {
	b := head
	if len(b) >= 2 && b[0] == 0x80 {
		b = b[2:]
	}
	if len(b) >= 9 && b[0] == 0x95 { // FRAME
		b = b[9:]
	}
	switch {
	case len(b) >= 13 && b[0] == 0x8a && b[1] == 10:
		return bytes.Equal(b[2:12], legacyMagic) && b[12] == '.'
	case len(b) >= 1 && b[0] == 'L':
		line, _, ok := bytes.Cut(b[1:], []byte("\n"))
		return ok && strings.TrimSuffix(string(line), "L") == legacyMagicDecimal
	}
	return false
}

// walkPickleStreams walks up to maxStreams pickles stored back to back from
// offset 0 of r. After the first, a stream is walked only if it starts with
// a PROTO opcode, since raw pickles are often followed by other data.
func walkPickleStreams(in *pickleInput, size int64, info *Info, gs *globalSet, maxStreams int) error {
	legacy := info.Container == Legacy
	for i := 0; i < maxStreams; i++ {
		if i > 0 && !legacy {
			b, err := in.peek(2)
			if err != nil || b[0] != 0x80 || b[1] < 2 || b[1] > 5 {
				break
			}
		}
		if legacy && size >= 0 && in.pos >= size {
			return &formats.Error{Format: formatPickle, Offset: in.pos, Msg: fmt.Sprintf("legacy PyTorch file ends after %d of its 5 pickles", i)}
		}
		w := newPickleWalker(in, "", gs, info)
		err := w.walk()
		info.Streams++
		w.finish()
		if err != nil {
			return err
		}
	}
	if !legacy {
		if b, err := in.peek(2); err == nil && b[0] == 0x80 && b[1] >= 2 && b[1] <= 5 {
			info.Incomplete = fmt.Sprintf("more than %d pickle streams back to back; the rest were not walked", maxStreams)
		}
	}
	return nil
}

// walkPickleZip lists the members of a zip container and walks its
// pickles.
func walkPickleZip(r io.ReaderAt, size int64, info *Info, gs *globalSet) error {
	n, err := zipcheck.EntryCount(r, size, formatPyTorch)
	if err != nil {
		return err
	}
	if n > limits.MaxZipEntries {
		return &formats.Error{Format: formatPyTorch, Offset: -1, Msg: fmt.Sprintf("zip lists %d entries, over the %d-entry limit; not read", n, limits.MaxZipEntries)}
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return &formats.Error{Format: formatPyTorch, Offset: -1, Msg: "not a readable zip archive", Err: err}
	}
	var members []*zip.File
	for _, f := range zr.File {
		if isPickleMember(f) {
			members = append(members, f)
		}
	}
	slices.SortStableFunc(members, func(a, b *zip.File) int { return strings.Compare(a.Name, b.Name) })
	if len(members) == 0 {
		return &formats.Error{Format: formatPyTorch, Offset: -1, Msg: "zip archive holds no data.pkl or other pickle member; not a PyTorch checkpoint"}
	}
	var errs []error
	if len(members) > limits.MaxPickleMembers {
		errs = append(errs, &formats.Error{Format: formatPyTorch, Offset: -1, Msg: fmt.Sprintf("zip holds %d pickle members; only the first %d were walked", len(members), limits.MaxPickleMembers)})
		members = members[:limits.MaxPickleMembers]
	}
	for _, f := range members {
		info.Members = append(info.Members, f.Name)
		if err := walkZipMember(r, f, info, gs); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// walkZipMember walks the pickle in one zip member: stored members are
// read in place, compressed ones through the decompressor.
func walkZipMember(r io.ReaderAt, f *zip.File, info *Info, gs *globalSet) error {
	var in *pickleInput
	if f.Method == zip.Store {
		off, err := f.DataOffset()
		if err != nil {
			return &formats.Error{Format: formatPyTorch, Offset: -1, Msg: "zip member " + f.Name + " cannot be located", Err: err}
		}
		in = newPickleInput(r, off, int64(f.CompressedSize64))
	} else {
		rc, err := f.Open()
		if err != nil {
			return &formats.Error{Format: formatPyTorch, Offset: -1, Msg: "zip member " + f.Name + " cannot be opened", Err: err}
		}
		defer rc.Close()
		in = newPickleStream(rc)
	}
	w := newPickleWalker(in, f.Name, gs, info)
	err := w.walk()
	info.Streams++
	w.finish()
	return err
}

// isPickleMember reports whether a zip member should be walked: named
// *.pkl or *.pickle, or starting like a protocol 2-5 pickle outside the
// data/ folders that hold raw tensor bytes.
func isPickleMember(f *zip.File) bool {
	name := f.Name
	if strings.HasSuffix(name, "/") {
		return false
	}
	lower := strings.ToLower(name)
	switch path.Ext(lower) {
	case ".pkl", ".pickle":
		return true
	}
	for _, dir := range strings.Split(path.Dir(lower), "/") {
		if dir == "data" || dir == ".data" {
			return false
		}
	}
	if f.UncompressedSize64 < 3 {
		return false
	}
	rc, err := f.Open()
	if err != nil {
		return false
	}
	defer rc.Close()
	var b [2]byte
	if _, err := io.ReadFull(rc, b[:]); err != nil {
		return false
	}
	return b[0] == 0x80 && b[1] >= 2 && b[1] <= 5
}

// Classes of imported globals.
const (
	Safe    = "safe"    // on the allow-list of tensor-rebuild globals
	Unsafe  = "unsafe"  // on the deny-list, or operands hidden from a static walk
	Unknown = "unknown" // on neither list
)

// pickleOpArg says how an opcode's argument is encoded.
type pickleOpArg uint8

const (
	argNone      pickleOpArg = iota
	argU1                    // 1-byte unsigned
	argU2                    // 2-byte little-endian unsigned
	argI4                    // 4-byte little-endian signed
	argU4                    // 4-byte little-endian unsigned
	argU8                    // 8-byte little-endian unsigned
	argF8                    // 8-byte big-endian float
	argLine                  // decimal or float text up to a newline
	argStringNL              // quoted Python string literal up to a newline
	argNoEscNL               // raw text up to a newline
	argUnicodeNL             // raw-unicode-escape text up to a newline
	argPairNL                // two raw text lines (module, name)
	argLen1                  // 1-byte length, then that many bytes
	argLen4                  // 4-byte unsigned length, then bytes
	argLen4S                 // 4-byte signed length, then bytes
	argLen8                  // 8-byte length, then bytes
)

// pickleOp describes one opcode: its name, the protocol that introduced
// it and its argument.
type pickleOp struct {
	name  string
	proto int
	arg   pickleOpArg
}

// pickleOps lists all 68 opcodes of pickle protocols 0-5, by byte (the
// table in CPython's pickletools).
var pickleOps = [256]pickleOp{
	'(': {"MARK", 0, argNone}, ')': {"EMPTY_TUPLE", 1, argNone}, '.': {"STOP", 0, argNone},
	'0': {"POP", 0, argNone}, '1': {"POP_MARK", 1, argNone}, '2': {"DUP", 0, argNone},
	'B': {"BINBYTES", 3, argLen4}, 'C': {"SHORT_BINBYTES", 3, argLen1},
	'F': {"FLOAT", 0, argLine}, 'G': {"BINFLOAT", 1, argF8},
	'I': {"INT", 0, argLine}, 'J': {"BININT", 1, argI4}, 'K': {"BININT1", 1, argU1},
	'L': {"LONG", 0, argLine}, 'M': {"BININT2", 1, argU2}, 'N': {"NONE", 0, argNone},
	'P': {"PERSID", 0, argNoEscNL}, 'Q': {"BINPERSID", 1, argNone}, 'R': {"REDUCE", 0, argNone},
	'S': {"STRING", 0, argStringNL}, 'T': {"BINSTRING", 1, argLen4S}, 'U': {"SHORT_BINSTRING", 1, argLen1},
	'V': {"UNICODE", 0, argUnicodeNL}, 'X': {"BINUNICODE", 1, argLen4},
	']': {"EMPTY_LIST", 1, argNone}, 'a': {"APPEND", 0, argNone}, 'b': {"BUILD", 0, argNone},
	'c': {"GLOBAL", 0, argPairNL}, 'd': {"DICT", 0, argNone}, 'e': {"APPENDS", 1, argNone},
	'g': {"GET", 0, argLine}, 'h': {"BINGET", 1, argU1}, 'i': {"INST", 0, argPairNL},
	'j': {"LONG_BINGET", 1, argU4}, 'l': {"LIST", 0, argNone}, 'o': {"OBJ", 1, argNone},
	'p': {"PUT", 0, argLine}, 'q': {"BINPUT", 1, argU1}, 'r': {"LONG_BINPUT", 1, argU4},
	's': {"SETITEM", 0, argNone}, 't': {"TUPLE", 0, argNone}, 'u': {"SETITEMS", 1, argNone},
	'}':  {"EMPTY_DICT", 1, argNone},
	0x80: {"PROTO", 2, argU1}, 0x81: {"NEWOBJ", 2, argNone},
	0x82: {"EXT1", 2, argU1}, 0x83: {"EXT2", 2, argU2}, 0x84: {"EXT4", 2, argI4},
	0x85: {"TUPLE1", 2, argNone}, 0x86: {"TUPLE2", 2, argNone}, 0x87: {"TUPLE3", 2, argNone},
	0x88: {"NEWTRUE", 2, argNone}, 0x89: {"NEWFALSE", 2, argNone},
	0x8a: {"LONG1", 2, argLen1}, 0x8b: {"LONG4", 2, argLen4S},
	0x8c: {"SHORT_BINUNICODE", 4, argLen1}, 0x8d: {"BINUNICODE8", 4, argLen8}, 0x8e: {"BINBYTES8", 4, argLen8},
	0x8f: {"EMPTY_SET", 4, argNone}, 0x90: {"ADDITEMS", 4, argNone}, 0x91: {"FROZENSET", 4, argNone},
	0x92: {"NEWOBJ_EX", 4, argNone}, 0x93: {"STACK_GLOBAL", 4, argNone}, 0x94: {"MEMOIZE", 4, argNone},
	0x95: {"FRAME", 4, argU8}, 0x96: {"BYTEARRAY8", 5, argLen8},
	0x97: {"NEXT_BUFFER", 5, argNone}, 0x98: {"READONLY_BUFFER", 5, argNone},
}

// IsOpcode reports whether b is an opcode of pickle protocols 0 to 5.
// Protocols 0 and 1 have no magic: a file that starts with an opcode other
// than STOP may be a pickle stream.
func IsOpcode(b byte) bool { return pickleOps[b].name != "" }

// pval is a value on the simulated stack: a string the walker kept (a
// possible module or name operand) or anything else.
type pval struct {
	s    string
	str  bool
	node int32  // 1-based index into the walker's object graph, or 0
	size uint64 // expanded size of a container or object; 0 for a leaf

	// Values a joblib walk needs (see joblib.go); set only once the
	// stream imports joblib's array wrapper.
	num   int64
	isNum bool
	items []pval // a short tuple's items
	obj   *jobValue
}

// pickleWalker walks one pickle stream, simulating the unpickler's stack
// and memo only as far as needed to resolve the operands of STACK_GLOBAL.
// It never builds objects and never imports anything.
type pickleWalker struct {
	in     *pickleInput
	member string
	gs     *globalSet
	info   *Info

	start int64 // offset of the stream's first byte
	ops   int64
	kept  int64 // string bytes kept for operand resolution

	stack []pval
	marks []int // stack heights at each MARK

	memo         map[uint64]pval
	memoOverflow bool

	proto    int // from PROTO, or -1
	maxProto int // highest protocol among the opcodes seen

	graph objectGraph
	// joblib is set once the stream imports joblib's NumpyArrayWrapper:
	// from then on the values that size its arrays are tracked.
	joblib bool
}

func newPickleWalker(in *pickleInput, member string, gs *globalSet, info *Info) *pickleWalker {
	in.limit = in.pos + limits.MaxPickleBytes
	return &pickleWalker{in: in, member: member, gs: gs, info: info, start: in.pos, proto: -1, memo: map[uint64]pval{}}
}

// finish records what the stream says about the protocol.
func (w *pickleWalker) finish() {
	p := w.proto
	if p < 0 {
		p = w.maxProto
	}
	w.info.Protocol = max(w.info.Protocol, p)
	w.info.Opcodes += w.ops
	if objects, at := w.graph.largest(); objects >= limits.MaxPickleExpansion && objects/uint64(max(w.ops, 1)) >= limits.PickleExpansionRatio {
		if e := w.info.Expansion; e == nil || objects > e.Objects {
			w.info.Expansion = &Expansion{Member: w.member, Offset: at, Objects: objects, Opcodes: w.ops}
		}
	}
}

// fail returns a formats.Error at off.
func (w *pickleWalker) fail(off int64, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	f := formatPickle
	if w.member != "" {
		msg = "in zip member " + w.member + ": " + msg
		f = formatPyTorch
	}
	return &formats.Error{Format: f, Offset: off, Msg: msg}
}

// truncated turns an input error at off into a formats.Error.
func (w *pickleWalker) truncated(off int64, op string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return w.fail(off, "stream is truncated inside %s", op)
	}
	if errors.Is(err, errPickleLimit) {
		return w.fail(off, "%s runs past the %d-byte walk limit; walk stopped, later globals are not listed", op, limits.MaxPickleBytes)
	}
	fe := w.fail(off, "cannot read %s", op).(*formats.Error)
	fe.Err = err
	return fe
}

func (w *pickleWalker) push(v pval) error {
	if len(w.stack) >= limits.MaxPickleStack {
		return w.fail(w.in.pos, "stack deeper than %d entries; walk stopped", limits.MaxPickleStack)
	}
	w.stack = append(w.stack, v)
	return nil
}

func (w *pickleWalker) fence() int {
	if len(w.marks) == 0 {
		return 0
	}
	return w.marks[len(w.marks)-1]
}

// need checks that n values sit above the last mark.
func (w *pickleWalker) need(off int64, op string, n int) error {
	if len(w.stack)-w.fence() < n {
		return w.fail(off, "%s needs %d value(s) on the stack (stack underflow)", op, n)
	}
	return nil
}

func (w *pickleWalker) pop(n int) { w.stack = w.stack[:len(w.stack)-n] }

// popMark drops everything down to the last mark and the mark itself,
// returning how many values it dropped. The values stay readable in
// w.stack[len(w.stack):len(w.stack)+n] until the next push.
func (w *pickleWalker) popMark(off int64, op string) (int, error) {
	if len(w.marks) == 0 {
		return 0, w.fail(off, "%s without a MARK", op)
	}
	k := w.marks[len(w.marks)-1]
	n := len(w.stack) - k
	w.stack = w.stack[:k]
	w.marks = w.marks[:len(w.marks)-1]
	return n, nil
}

// dropped returns the n values popMark just dropped.
func (w *pickleWalker) dropped(n int) []pval { return w.stack[len(w.stack) : len(w.stack)+n] }

// object pushes a new object of the graph at off holding kids.
func (w *pickleWalker) object(off int64, kids ...pval) error {
	return w.push(w.graph.add(off, kids))
}

// top returns a pointer to the value n places below the top of the stack.
func (w *pickleWalker) top(n int) *pval { return &w.stack[len(w.stack)-1-n] }

// keep makes a string value if it is short enough to be an operand and
// the byte budget allows; otherwise an opaque value.
func (w *pickleWalker) keep(s string, ok bool) pval {
	if !ok || len(s) > limits.MaxPickleNameLen || w.kept+int64(len(s)) > limits.MaxPickleKeptBytes {
		return pval{}
	}
	w.kept += int64(len(s))
	return pval{s: s, str: true}
}

func (w *pickleWalker) memoPut(off int64, idx uint64) error {
	if err := w.need(off, "memo store", 1); err != nil {
		return err
	}
	if w.memoOverflow {
		return nil
	}
	if _, ok := w.memo[idx]; !ok && len(w.memo) >= limits.MaxPickleMemo {
		// The memo's size can no longer be tracked, so MEMOIZE indexes
		// and later fetches cannot be trusted: resolve them as unknown.
		w.memoOverflow = true
		w.memo = nil
		return nil
	}
	w.memo[idx] = w.stack[len(w.stack)-1]
	return nil
}

func (w *pickleWalker) memoGet(off int64, idx uint64) error {
	if w.memoOverflow {
		return w.push(pval{})
	}
	v, ok := w.memo[idx]
	if !ok {
		return w.fail(off, "memo entry %d is fetched but was never stored", idx)
	}
	return w.push(v)
}

func (w *pickleWalker) call(op string) {
	if w.info.Calls == nil {
		w.info.Calls = map[string]int{}
	}
	w.info.Calls[op]++
}

// global records an imported global found at off.
func (w *pickleWalker) global(off int64, op, module, name string, class string) {
	var category string
	switch class {
	case "":
		class, category = Lookup(module, name)
		if class == Safe {
			category = "" // the kind of value is not reported
		}
	case Unsafe:
		category = CategoryHidden
	}
	w.gs.add(Global{Module: module, Name: name, Class: class, Category: category, Member: w.member, Offset: off, Opcode: op})
}

// walk reads opcodes until STOP.
func (w *pickleWalker) walk() error {
	in := w.in
	for {
		off := in.pos
		if off-w.start >= limits.MaxPickleBytes {
			return w.fail(off, "stream is longer than %d bytes; walk stopped, later globals are not listed", limits.MaxPickleBytes)
		}
		if w.ops >= limits.MaxPickleOps {
			return w.fail(off, "stream has more than %d opcodes; walk stopped, later globals are not listed", limits.MaxPickleOps)
		}
		b, err := in.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				if off == w.start {
					return w.fail(off, "empty pickle stream")
				}
				return w.fail(off, "stream ends without a STOP opcode (truncated)")
			}
			return w.truncated(off, "opcode", err)
		}
		w.ops++
		op := &pickleOps[b]
		if op.name == "" {
			return w.fail(off, "unknown opcode 0x%02x; not a pickle stream or corrupted", b)
		}
		w.maxProto = max(w.maxProto, op.proto)
		if done, err := w.step(off, b, op); done || err != nil {
			return err
		}
	}
}

// step runs one opcode. It reports done at STOP.
func (w *pickleWalker) step(off int64, b byte, op *pickleOp) (done bool, err error) {
	in := w.in
	// Read the argument.
	var (
		num     uint64 // integer argument
		text    string // kept text argument
		textOK  bool   // text is complete and decoded
		text2   string
		text2OK bool
	)
	switch op.arg {
	case argU1, argU2, argI4, argU4, argU8, argF8:
		n := 8
		switch op.arg {
		case argU1:
			n = 1
		case argU2:
			n = 2
		case argI4, argU4:
			n = 4
		}
		buf, err := in.readSmall(n)
		if err != nil {
			return false, w.truncated(off, op.name, err)
		}
		switch n {
		case 1:
			num = uint64(buf[0])
		case 2:
			num = uint64(binary.LittleEndian.Uint16(buf))
		case 4:
			num = uint64(binary.LittleEndian.Uint32(buf))
			if op.arg == argI4 {
				num = uint64(int64(int32(uint32(num))))
			}
		case 8:
			num = binary.LittleEndian.Uint64(buf)
		}
	case argLine, argNoEscNL, argStringNL, argUnicodeNL:
		raw, complete, err := in.readLine()
		if err != nil {
			return false, w.truncated(off, op.name, err)
		}
		text, textOK = raw, complete
	case argPairNL:
		raw, complete, err := in.readLine()
		if err != nil {
			return false, w.truncated(off, op.name, err)
		}
		raw2, complete2, err := in.readLine()
		if err != nil {
			return false, w.truncated(off, op.name, err)
		}
		text, textOK, text2, text2OK = raw, complete, raw2, complete2
	case argLen1, argLen4, argLen4S, argLen8:
		var ln uint64
		switch op.arg {
		case argLen1:
			buf, err := in.readSmall(1)
			if err != nil {
				return false, w.truncated(off, op.name, err)
			}
			ln = uint64(buf[0])
		case argLen4, argLen4S:
			buf, err := in.readSmall(4)
			if err != nil {
				return false, w.truncated(off, op.name, err)
			}
			v := binary.LittleEndian.Uint32(buf)
			if op.arg == argLen4S && int32(v) < 0 {
				return false, w.fail(off, "%s has a negative length %d", op.name, int32(v))
			}
			ln = uint64(v)
		case argLen8:
			buf, err := in.readSmall(8)
			if err != nil {
				return false, w.truncated(off, op.name, err)
			}
			ln = binary.LittleEndian.Uint64(buf)
		}
		remaining := limits.MaxPickleBytes - (in.pos - w.start)
		if ln > uint64(remaining) {
			return false, w.fail(off, "%s declares %d bytes, past the %d-byte walk limit", op.name, ln, limits.MaxPickleBytes)
		}
		keepIt := ln <= limits.MaxPickleNameLen
		data, err := in.take(int64(ln), keepIt)
		if err != nil {
			return false, w.truncated(off, op.name, err)
		}
		if keepIt {
			text, textOK = string(data), true
		}
	}

	switch op.name {
	case "MARK":
		if len(w.marks) >= limits.MaxPickleStack {
			return false, w.fail(off, "more than %d nested MARKs; walk stopped", limits.MaxPickleStack)
		}
		w.marks = append(w.marks, len(w.stack))
	case "STOP":
		if err := w.need(off, op.name, 1); err != nil {
			return false, err
		}
		return true, nil
	case "POP":
		switch {
		case len(w.stack) > w.fence():
			w.pop(1)
		case len(w.marks) > 0:
			w.marks = w.marks[:len(w.marks)-1]
		default:
			return false, w.fail(off, "POP on an empty stack (stack underflow)")
		}
	case "POP_MARK":
		if _, err := w.popMark(off, op.name); err != nil {
			return false, err
		}
	case "DUP":
		if err := w.need(off, op.name, 1); err != nil {
			return false, err
		}
		return false, w.push(w.stack[len(w.stack)-1])
	case "PROTO":
		if num > 5 {
			return false, w.fail(off, "unsupported pickle protocol %d", num)
		}
		w.proto = max(w.proto, int(num))
	case "FRAME":
		// A framing hint for buffered reading; the opcodes inside are
		// walked as usual.
	case "STRING":
		s, ok := decodePyString(text)
		if !textOK {
			ok = false
		}
		if !ok && textOK && !isQuoted(text) {
			return false, w.fail(off, "STRING argument is not a quoted string")
		}
		return false, w.push(w.keep(s, ok))
	case "UNICODE":
		s, ok := decodeRawUnicodeEscape(text)
		return false, w.push(w.keep(s, ok && textOK))
	case "BINSTRING", "SHORT_BINSTRING", "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8":
		return false, w.push(w.keep(text, textOK))
	case "INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1":
		if w.joblib {
			return false, w.push(intValue(op.name, num, text, textOK))
		}
		return false, w.push(pval{})
	case "BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8",
		"FLOAT", "BINFLOAT", "LONG4",
		"NONE", "NEWTRUE", "NEWFALSE", "EMPTY_TUPLE", "NEXT_BUFFER":
		return false, w.push(pval{})
	case "EMPTY_LIST", "EMPTY_SET":
		return false, w.object(off)
	case "EMPTY_DICT":
		v := w.graph.add(off, nil)
		if w.joblib {
			v.obj = &jobValue{dict: map[string]pval{}}
		}
		return false, w.push(v)
	case "PERSID":
		w.info.PersistentIDs++
		return false, w.push(pval{})
	case "BINPERSID":
		if err := w.need(off, op.name, 1); err != nil {
			return false, err
		}
		w.info.PersistentIDs++
		w.pop(1)
		return false, w.push(pval{})
	case "REDUCE":
		if err := w.need(off, op.name, 2); err != nil {
			return false, err
		}
		w.call(op.name)
		callable, args := *w.top(1), *w.top(0)
		w.pop(2)
		v := w.graph.add(off, []pval{args})
		if w.joblib {
			v.obj = reduceValue(callable, args)
		}
		return false, w.push(v)
	case "BUILD":
		if err := w.need(off, op.name, 2); err != nil {
			return false, err
		}
		w.call(op.name)
		target, state := *w.top(1), *w.top(0)
		w.graph.link(w.top(1), off, state)
		w.pop(1)
		if w.joblib && target.obj != nil {
			return false, w.build(off, target.obj, state)
		}
	case "APPEND":
		if err := w.need(off, op.name, 2); err != nil {
			return false, err
		}
		w.graph.link(w.top(1), off, *w.top(0))
		w.pop(1)
	case "APPENDS", "ADDITEMS":
		n, err := w.popMark(off, op.name)
		if err != nil {
			return false, err
		}
		added := w.dropped(n)
		if err := w.need(off, op.name, 1); err != nil {
			return false, err
		}
		w.graph.link(w.top(0), off, added...)
	case "SETITEM":
		if err := w.need(off, op.name, 3); err != nil {
			return false, err
		}
		w.graph.link(w.top(2), off, w.stack[len(w.stack)-2:]...)
		w.top(2).obj.set(*w.top(1), *w.top(0))
		w.pop(2)
	case "SETITEMS":
		n, err := w.popMark(off, op.name)
		if err != nil {
			return false, err
		}
		if n%2 != 0 {
			return false, w.fail(off, "SETITEMS with an odd number of keys and values")
		}
		added := w.dropped(n)
		if err := w.need(off, op.name, 1); err != nil {
			return false, err
		}
		w.graph.link(w.top(0), off, added...)
		for i := 0; i+1 < len(added); i += 2 {
			w.top(0).obj.set(added[i], added[i+1])
		}
	case "DICT", "LIST", "TUPLE", "FROZENSET":
		n, err := w.popMark(off, op.name)
		if err != nil {
			return false, err
		}
		if op.name == "DICT" && n%2 != 0 {
			return false, w.fail(off, "DICT with an odd number of keys and values")
		}
		v := w.graph.add(off, w.dropped(n))
		if w.joblib && op.name == "TUPLE" {
			v.items = shortTuple(w.dropped(n))
		}
		return false, w.push(v)
	case "TUPLE1", "TUPLE2", "TUPLE3":
		n := int(op.name[5] - '0')
		if err := w.need(off, op.name, n); err != nil {
			return false, err
		}
		v := w.graph.add(off, w.stack[len(w.stack)-n:])
		if w.joblib {
			v.items = shortTuple(w.stack[len(w.stack)-n:])
		}
		w.pop(n)
		return false, w.push(v)
	case "GLOBAL", "INST":
		module, name := text, text2
		class := ""
		if !textOK || !text2OK || !utf8.ValidString(module) || !utf8.ValidString(name) {
			module, name, class = unknownOperand(module, textOK), unknownOperand(name, text2OK), Unsafe
		}
		w.global(off, op.name, module, name, class)
		if op.name == "INST" {
			n, err := w.popMark(off, op.name)
			if err != nil {
				return false, err
			}
			w.call(op.name)
			return false, w.push(w.graph.add(off, w.dropped(n)))
		}
		return false, w.push(w.globalValue(module, name))
	case "STACK_GLOBAL":
		if err := w.need(off, op.name, 2); err != nil {
			return false, err
		}
		mod, name := w.stack[len(w.stack)-2], w.stack[len(w.stack)-1]
		w.pop(2)
		module, nm, class := mod.s, name.s, ""
		if !mod.str || !name.str {
			// The operands are not strings this walk can see: they were
			// built at load time, fetched from a memo it lost, or are not
			// strings at all. Hiding an import this way is a red flag.
			class = Unsafe
			if !mod.str {
				module = "unknown"
			}
			if !name.str {
				nm = "unknown"
			}
		}
		w.global(off, op.name, module, nm, class)
		return false, w.push(w.globalValue(module, nm))
	case "EXT1", "EXT2", "EXT4":
		// The copyreg extension registry maps the code to a global at load
		// time; which one cannot be known statically.
		w.global(off, op.name, "unknown", fmt.Sprintf("extension code %d", int64(num)), Unknown)
		return false, w.push(pval{})
	case "OBJ":
		n, err := w.popMark(off, op.name)
		if err != nil {
			return false, err
		}
		if n < 1 {
			return false, w.fail(off, "OBJ without a class to call")
		}
		w.call(op.name)
		return false, w.push(w.graph.add(off, w.dropped(n)[1:]))
	case "NEWOBJ":
		if err := w.need(off, op.name, 2); err != nil {
			return false, err
		}
		w.call(op.name)
		cls, args := *w.top(1), *w.top(0)
		w.pop(2)
		v := w.graph.add(off, []pval{args})
		if w.joblib && cls.obj != nil && cls.obj.global == joblibWrapper {
			v.obj = &jobValue{wrapper: true}
		}
		return false, w.push(v)
	case "NEWOBJ_EX":
		if err := w.need(off, op.name, 3); err != nil {
			return false, err
		}
		w.call(op.name)
		v := w.graph.add(off, w.stack[len(w.stack)-2:])
		w.pop(3)
		return false, w.push(v)
	case "READONLY_BUFFER":
		return false, w.need(off, op.name, 1)
	case "PUT":
		idx, err := strconv.ParseUint(strings.TrimSpace(text), 10, 64)
		if err != nil || !textOK {
			return false, w.fail(off, "PUT has a bad index %q", textsafe.Truncate(text, 40))
		}
		return false, w.memoPut(off, idx)
	case "BINPUT", "LONG_BINPUT":
		return false, w.memoPut(off, num)
	case "MEMOIZE":
		if w.memoOverflow {
			return false, w.need(off, op.name, 1)
		}
		return false, w.memoPut(off, uint64(len(w.memo)))
	case "GET":
		idx, err := strconv.ParseUint(strings.TrimSpace(text), 10, 64)
		if err != nil || !textOK {
			return false, w.fail(off, "GET has a bad index %q", textsafe.Truncate(text, 40))
		}
		return false, w.memoGet(off, idx)
	case "BINGET", "LONG_BINGET":
		return false, w.memoGet(off, num)
	default:
		return false, w.fail(off, "opcode %s is not handled", op.name)
	}
	return false, nil
}

// unknownOperand names an operand the walker could not read in full.
func unknownOperand(s string, complete bool) string {
	if !complete || !utf8.ValidString(s) {
		return "unknown"
	}
	return s
}

func isQuoted(s string) bool {
	return len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0]
}

// decodePyString decodes the argument of the STRING opcode: a Python
// string literal in single or double quotes with backslash escapes.
func decodePyString(s string) (string, bool) {
	if !isQuoted(s) {
		return "", false
	}
	return pystring.Unescape(s[1:len(s)-1], false)
}

// decodeRawUnicodeEscape decodes the argument of the UNICODE opcode:
// Latin-1 text in which \uXXXX and \UXXXXXXXX escape other code points.
func decodeRawUnicodeEscape(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && (s[i+1] == 'u' || s[i+1] == 'U') {
			n := 4
			if s[i+1] == 'U' {
				n = 8
			}
			if i+2+n > len(s) {
				return "", false
			}
			v, err := strconv.ParseUint(s[i+2:i+2+n], 16, 32)
			if err != nil || v > utf8.MaxRune {
				return "", false
			}
			b.WriteRune(rune(v))
			i += 1 + n
			continue
		}
		b.WriteRune(rune(c))
	}
	return b.String(), true
}

// globalSet collects distinct globals (per zip member), keeping the
// first offset of each.
type globalSet struct {
	list   []Global
	seen   map[string]int
	capped bool
}

func newGlobalSet() *globalSet { return &globalSet{seen: map[string]int{}} }

func (s *globalSet) add(g Global) {
	key := g.Member + "\x00" + g.Module + "\x00" + g.Name
	if i, ok := s.seen[key]; ok {
		// A later occurrence hidden behind unresolvable operands must not
		// downgrade an earlier class.
		if classRank(g.Class) > classRank(s.list[i].Class) {
			s.list[i].Class, s.list[i].Category = g.Class, g.Category
		}
		return
	}
	if len(s.list) >= limits.MaxPickleGlobals {
		s.capped = true
		return
	}
	s.seen[key] = len(s.list)
	s.list = append(s.list, g)
}

func classRank(c string) int {
	switch c {
	case Unsafe:
		return 2
	case Unknown:
		return 1
	}
	return 0
}

// sorted returns the globals by module, name, member and offset.
func (s *globalSet) sorted() []Global {
	out := slices.Clone(s.list)
	if out == nil {
		out = []Global{}
	}
	slices.SortFunc(out, func(a, b Global) int {
		if c := strings.Compare(a.Module, b.Module); c != 0 {
			return c
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		if c := strings.Compare(a.Member, b.Member); c != 0 {
			return c
		}
		return int(a.Offset - b.Offset)
	})
	return out
}

// pickleInput reads a pickle stream from a random-access section (where
// skipping a large argument costs nothing) or from a plain stream (a
// compressed zip member). pos is the offset of the next byte, counted from
// the start of the file for sections and of the member for streams.
type pickleInput struct {
	ra     io.ReaderAt // nil for a stream
	stream io.Reader
	end    int64 // end of the section in ra
	limit  int64 // readLine fails with errPickleLimit past this offset

	buf    []byte
	lo, hi int   // unread bytes are buf[lo:hi]
	pos    int64 // offset of buf[lo]
	next   int64 // offset in ra of buf[hi]
	err    error // sticky error of the underlying reader
	line   []byte
	small  [8]byte
}

const pickleBufSize = 64 << 10

// errPickleLimit reports a line running past the walk limit.
var errPickleLimit = errors.New("walk limit reached")

func newPickleInput(r io.ReaderAt, off, n int64) *pickleInput {
	return &pickleInput{ra: r, end: off + n, buf: make([]byte, pickleBufSize), pos: off, next: off, limit: math.MaxInt64}
}

func newPickleStream(r io.Reader) *pickleInput {
	return &pickleInput{stream: r, buf: make([]byte, pickleBufSize), limit: math.MaxInt64}
}

// fill reads more bytes into the buffer; it returns an error only when no
// byte could be added.
func (in *pickleInput) fill() error {
	if in.err != nil {
		return in.err
	}
	if in.lo > 0 {
		copy(in.buf, in.buf[in.lo:in.hi])
		in.hi -= in.lo
		in.lo = 0
	}
	if in.hi == len(in.buf) {
		return nil
	}
	var n int
	var err error
	if in.ra != nil {
		want := int64(len(in.buf) - in.hi)
		if left := in.end - in.next; left < want {
			want = left
		}
		if want <= 0 {
			in.err = io.EOF
			return io.EOF
		}
		n, err = in.ra.ReadAt(in.buf[in.hi:in.hi+int(want)], in.next)
		in.next += int64(n)
		if n == int(want) {
			err = nil
		}
	} else {
		n, err = in.stream.Read(in.buf[in.hi:])
	}
	in.hi += n
	if n > 0 {
		if err != nil && !errors.Is(err, io.EOF) {
			in.err = err
		}
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	in.err = err
	return err
}

// ReadByte returns the next byte.
func (in *pickleInput) ReadByte() (byte, error) {
	for in.lo == in.hi {
		if err := in.fill(); err != nil {
			return 0, err
		}
	}
	c := in.buf[in.lo]
	in.lo++
	in.pos++
	return c, nil
}

// peek returns the next n bytes (n <= buffer size) without consuming them.
func (in *pickleInput) peek(n int) ([]byte, error) {
	for in.hi-in.lo < n {
		if err := in.fill(); err != nil {
			return nil, err
		}
	}
	return in.buf[in.lo : in.lo+n], nil
}

// readSmall reads n <= 8 bytes.
func (in *pickleInput) readSmall(n int) ([]byte, error) {
	b, err := in.peek(n)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	copy(in.small[:n], b)
	in.lo += n
	in.pos += int64(n)
	return in.small[:n], nil
}

// take consumes n bytes, returning them when keep is set (n is then small).
// Unkept bytes of a section are skipped without being read.
func (in *pickleInput) take(n int64, keep bool) ([]byte, error) {
	if keep {
		out := make([]byte, 0, n)
		for int64(len(out)) < n {
			if in.lo == in.hi {
				if err := in.fill(); err != nil {
					return nil, unexpected(err)
				}
			}
			k := min(int64(in.hi-in.lo), n-int64(len(out)))
			out = append(out, in.buf[in.lo:in.lo+int(k)]...)
			in.lo += int(k)
			in.pos += k
		}
		return out, nil
	}
	buffered := int64(in.hi - in.lo)
	if n <= buffered {
		in.lo += int(n)
		in.pos += n
		return nil, nil
	}
	in.lo, in.hi = 0, 0
	in.pos += buffered
	n -= buffered
	if in.ra != nil {
		if in.end-in.next < n {
			in.pos += in.end - in.next
			in.next = in.end
			return nil, io.ErrUnexpectedEOF
		}
		in.next += n
		in.pos += n
		return nil, nil
	}
	copied, err := io.CopyN(io.Discard, in.stream, n)
	in.pos += copied
	if err != nil {
		return nil, unexpected(err)
	}
	return nil, nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readLine consumes a line ending in '\n' and returns it without the
// newline. Only the first MaxPickleNameLen bytes are kept; complete is
// false when the line was longer.
func (in *pickleInput) readLine() (line string, complete bool, err error) {
	in.line = in.line[:0]
	complete = true
	for {
		if in.pos > in.limit {
			return "", false, errPickleLimit
		}
		if in.lo == in.hi {
			if err := in.fill(); err != nil {
				return "", false, unexpected(err)
			}
		}
		chunk := in.buf[in.lo:in.hi]
		i := bytes.IndexByte(chunk, '\n')
		end := len(chunk)
		if i >= 0 {
			end = i
		}
		if complete {
			if room := limits.MaxPickleNameLen - len(in.line); end > room {
				in.line = append(in.line, chunk[:room]...)
				complete = false
			} else {
				in.line = append(in.line, chunk[:end]...)
			}
		}
		if i >= 0 {
			in.lo += i + 1
			in.pos += int64(i + 1)
			return string(in.line), complete, nil
		}
		in.lo += end
		in.pos += int64(end)
	}
}

//go:embed data/pickle-globals.tsv
var pickleGlobalsTSV string

// picklePolicy is the parsed allow-list and deny-list.
type picklePolicy struct {
	safe          map[string]string // "module\x00name" → kind of value
	safeModules   map[string]string // module whose every name is safe (not submodules)
	unsafeNames   map[string]string // "module\x00name" → category
	unsafeModules map[string]string // module, covering its submodules → category
}

var pickleGlobalsPolicy = sync.OnceValue(func() *picklePolicy {
	p, err := parsePicklePolicy(pickleGlobalsTSV)
	if err != nil {
		panic("pickle: embedded data/pickle-globals.tsv: " + err.Error())
	}
	return p
})

// Categories of the deny-list: what a known-dangerous callable can do
// once the loader calls it.
const (
	CategoryProcess     = "process"      // starts processes or runs shell commands
	CategoryNetwork     = "network"      // opens network connections
	CategoryFile        = "file"         // reads, writes or deletes files
	CategoryCodeLoading = "code-loading" // compiles, imports or runs code, or loads another pickle
	CategoryReflection  = "reflection"   // reaches arbitrary attributes and callables
	CategoryInterpreter = "interpreter"  // the interpreter's internals or native code
	CategoryHidden      = "hidden"       // an import whose operands a static walk cannot see
)

var unsafeCategories = []string{CategoryProcess, CategoryNetwork, CategoryFile, CategoryCodeLoading, CategoryReflection, CategoryInterpreter}

func parsePicklePolicy(data string) (*picklePolicy, error) {
	p := &picklePolicy{safe: map[string]string{}, safeModules: map[string]string{}, unsafeNames: map[string]string{}, unsafeModules: map[string]string{}}
	n := 0
	for line := range strings.Lines(data) {
		n++
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 5 || slices.Contains(cols, "") {
			return nil, fmt.Errorf("line %d: want 5 tab-separated columns", n)
		}
		class, category, module := cols[0], cols[1], cols[2]
		if class == Unsafe && !slices.Contains(unsafeCategories, category) {
			return nil, fmt.Errorf("line %d: unknown category %q", n, category)
		}
		for name := range strings.SplitSeq(cols[3], ",") {
			key := module + "\x00" + name
			switch {
			case class == Safe && name == "*":
				p.safeModules[module] = category
			case class == Safe:
				p.safe[key] = category
			case class == Unsafe && name == "*":
				p.unsafeModules[module] = category
			case class == Unsafe:
				p.unsafeNames[key] = category
			default:
				return nil, fmt.Errorf("line %d: bad class %q", n, class)
			}
		}
	}
	return p, nil
}

// pickleModuleAliases maps Python 2 module names, which protocol 0-2
// pickles may carry, to the Python 3 names the unpickler imports.
var pickleModuleAliases = map[string]string{
	"__builtin__": "builtins",
	"copy_reg":    "copyreg",
	"cPickle":     "pickle",
	"exceptions":  "builtins",
}

// Classify classes a global a pickle imports: Safe for the rebuild
// helpers and harmless values on the allow-list, Unsafe for globals on the
// deny-list (a listed module covers its submodules), Unknown for the rest.
// The lists are data/pickle-globals.tsv, which cites its sources.
func Classify(module, name string) string {
	class, _ := Lookup(module, name)
	return class
}

// Lookup classes a global as Classify does and, for an unsafe one, names
// what it can do (CategoryProcess, CategoryNetwork, …); for a safe one,
// the kind of value it rebuilds.
func Lookup(module, name string) (class, category string) {
	p := pickleGlobalsPolicy()
	if a, ok := pickleModuleAliases[module]; ok {
		module = a
	}
	for m := module; m != ""; {
		if c, ok := p.unsafeModules[m]; ok {
			return Unsafe, c
		}
		i := strings.LastIndexByte(m, '.')
		if i < 0 {
			break
		}
		m = m[:i]
	}
	if c, ok := p.unsafeNames[module+"\x00"+name]; ok {
		return Unsafe, c
	}
	// A dotted name reaches an attribute of what it names first
	// ("getattr.__call__" still starts with getattr).
	if first, _, ok := strings.Cut(name, "."); ok {
		if c, ok := p.unsafeNames[module+"\x00"+first]; ok {
			return Unsafe, c
		}
	}
	if c, ok := p.safe[module+"\x00"+name]; ok {
		return Safe, c
	}
	if c, ok := p.safeModules[module]; ok && !strings.Contains(name, ".") {
		return Safe, c
	}
	return Unknown, ""
}
