package pickle

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"strings"

	"github.com/modelvet/modelvet/internal/limits"
)

// joblib.dump writes each NumPy array as a NumpyArrayWrapper object whose
// state gives the array's dtype, shape and order, and then, right after
// the BUILD opcode that sets that state, the array's bytes (after a
// padding-length byte and padding, when the state names an alignment), or
// for an array of Python objects a whole pickle (protocol 2) of it. The
// walk follows this: once the stream imports the wrapper it tracks the
// values that size an array (small integers, short tuples, dicts keyed by
// strings, numpy.dtype calls), skips each array's bytes without reading
// them, and walks an object array's pickle as a stream of its own. The
// sizes are checked against the walk limit; nothing is allocated from
// them.

const joblibWrapper = "joblib.numpy_pickle.NumpyArrayWrapper"

// jobValue is a value a joblib walk tracks by reference, as the memo
// shares it: an imported global, a dict, a dtype or an array wrapper.
type jobValue struct {
	global  string
	dict    map[string]pval
	dtype   string // numpy.dtype's first argument: "f8", "<U10", "O8"
	elsize  int64  // from the dtype's state, when it gives one
	wrapper bool
}

// globalValue is the value an import pushes; it turns joblib tracking on
// when the stream imports joblib's array wrapper.
func (w *pickleWalker) globalValue(module, name string) pval {
	g := module + "." + name
	if g == joblibWrapper {
		w.joblib = true
	}
	if !w.joblib {
		return pval{}
	}
	return pval{obj: &jobValue{global: g}}
}

func intValue(op string, num uint64, text string, textOK bool) pval {
	switch op {
	case "BININT", "BININT1", "BININT2":
		return pval{num: int64(num), isNum: true}
	case "INT", "LONG":
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(text), "L"), 10, 64)
		if err != nil || !textOK {
			return pval{}
		}
		return pval{num: n, isNum: true}
	}
	// LONG1: little-endian two's complement.
	if !textOK || len(text) > 8 {
		return pval{}
	}
	var b [8]byte
	copy(b[:], text)
	if len(text) > 0 && text[len(text)-1]&0x80 != 0 {
		for i := len(text); i < 8; i++ {
			b[i] = 0xff
		}
	}
	return pval{num: int64(binary.LittleEndian.Uint64(b[:])), isNum: true}
}

// shortTuple keeps the items of a tuple short enough to be a shape or a
// dtype's state.
func shortTuple(items []pval) []pval {
	if len(items) > 32 {
		return nil
	}
	out := make([]pval, len(items))
	for i, it := range items {
		out[i] = pval{s: it.s, str: it.str, num: it.num, isNum: it.isNum, items: it.items, obj: it.obj}
	}
	return out
}

// reduceValue is what a REDUCE of callable(args) builds, as far as joblib
// arrays need: numpy.dtype(name, …) is a dtype.
func reduceValue(callable, args pval) *jobValue {
	if callable.obj == nil || callable.obj.global != "numpy.dtype" || len(args.items) == 0 || !args.items[0].str {
		return nil
	}
	return &jobValue{dtype: args.items[0].s}
}

// set records a dict entry keyed by a string.
func (v *jobValue) set(key, val pval) {
	if v == nil || v.dict == nil || !key.str || len(v.dict) >= 64 {
		return
	}
	v.dict[key.s] = val
}

// build applies a BUILD state to a tracked value: a dtype's element size,
// or a wrapper's state, after which the array's bytes follow.
func (w *pickleWalker) build(off int64, target *jobValue, state pval) error {
	switch {
	case target.dtype != "":
		// numpy's dtype state: (version, byte order, subarray, names,
		// fields, element size, alignment, flags); -1 for fixed sizes.
		if len(state.items) >= 6 && state.items[5].isNum && state.items[5].num > 0 {
			target.elsize = state.items[5].num
		}
		return nil
	case target.wrapper:
		if state.obj == nil || state.obj.dict == nil {
			return w.fail(off, "joblib array wrapper without a state dict; its array bytes cannot be skipped")
		}
		return w.skipArray(off, state.obj.dict)
	}
	return nil
}

// skipArray skips the bytes of the array a wrapper's state describes, or
// walks the pickle of an object array.
func (w *pickleWalker) skipArray(off int64, st map[string]pval) error {
	dt := st["dtype"].obj
	if dt == nil || dt.dtype == "" {
		return w.fail(off, "joblib array of unknown dtype; walk stopped, later globals are not listed")
	}
	if strings.HasPrefix(strings.TrimLeft(dt.dtype, "<>|="), "O") {
		// Objects: joblib pickles the array as a stream of its own.
		in := w.in
		outer := in.limit
		nested := newPickleWalker(in, w.member, w.gs, w.info)
		err := nested.walk()
		nested.finish()
		in.limit = outer
		return err
	}
	item := dt.elsize
	if item <= 0 {
		item = dtypeItemSize(dt.dtype)
	}
	if item <= 0 {
		return w.fail(off, "joblib array of dtype %q, whose element size is not known; walk stopped", dt.dtype)
	}
	n := uint64(item)
	for _, d := range st["shape"].items {
		if !d.isNum || d.num < 0 {
			return w.fail(off, "joblib array shape is not a tuple of sizes")
		}
		hi, lo := bits.Mul64(n, uint64(d.num))
		if hi != 0 {
			return w.fail(off, "joblib array size overflows")
		}
		n = lo
	}
	if a := st["numpy_array_alignment_bytes"]; a.isNum {
		pad, err := w.in.ReadByte()
		if err != nil {
			return w.truncated(off, "joblib array padding", err)
		}
		if _, err := w.in.take(int64(pad), false); err != nil {
			return w.truncated(off, "joblib array padding", err)
		}
	}
	if n > uint64(limits.MaxPickleBytes-(w.in.pos-w.start)) {
		return w.fail(off, "joblib array of %d bytes runs past the %d-byte walk limit", n, limits.MaxPickleBytes)
	}
	if _, err := w.in.take(int64(n), false); err != nil {
		return w.truncated(off, "joblib array data", err)
	}
	return nil
}

// dtypeItemSize returns the element size of a dtype name such as "f8",
// "<i4", "b1", "U10" (4 bytes a character) or "S5"; 0 when unknown.
func dtypeItemSize(name string) int64 {
	d := strings.TrimLeft(name, "<>|=")
	if len(d) < 2 {
		return 0
	}
	digits := d[1:]
	if i := strings.IndexByte(digits, '['); i >= 0 {
		digits = digits[:i]
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n <= 0 || n > 1<<30 {
		return 0
	}
	switch d[0] {
	case 'b', 'i', 'u', 'f', 'c', 'm', 'M', 'S', 'V', 'a':
		return n
	case 'U':
		return 4 * n
	}
	return 0
}
