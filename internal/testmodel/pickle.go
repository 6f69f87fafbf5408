package testmodel

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Pickler writes a pickle stream opcode by opcode, choosing the encoding a
// real pickler of the given protocol (0 to 5) would use. It is for
// building fixtures, honest or hostile; it checks nothing about the stack.
type Pickler struct {
	buf   bytes.Buffer
	proto int
	memo  int
}

// NewPickler starts a stream of the given protocol; protocols 2 and up
// begin with the PROTO opcode.
func NewPickler(proto int) *Pickler {
	if proto < 0 || proto > 5 {
		panic(fmt.Sprintf("testmodel: pickle protocol %d", proto))
	}
	p := &Pickler{proto: proto}
	if proto >= 2 {
		p.buf.Write([]byte{0x80, byte(proto)})
	}
	return p
}

// Protocol returns the stream's protocol.
func (p *Pickler) Protocol() int { return p.proto }

// Raw appends bytes as they are.
func (p *Pickler) Raw(b ...byte) *Pickler { p.buf.Write(b); return p }

// Bytes returns the stream so far, without a STOP opcode (to build
// truncated streams).
func (p *Pickler) Bytes() []byte { return bytes.Clone(p.buf.Bytes()) }

// Stop appends STOP and returns the finished stream.
func (p *Pickler) Stop() []byte { p.buf.WriteByte('.'); return p.Bytes() }

// Mark pushes a mark.
func (p *Pickler) Mark() *Pickler { return p.Raw('(') }

// None pushes None.
func (p *Pickler) None() *Pickler { return p.Raw('N') }

// Bool pushes a boolean.
func (p *Pickler) Bool(v bool) *Pickler {
	switch {
	case p.proto >= 2 && v:
		return p.Raw(0x88)
	case p.proto >= 2:
		return p.Raw(0x89)
	case v:
		p.buf.WriteString("I01\n")
	default:
		p.buf.WriteString("I00\n")
	}
	return p
}

// Int pushes an integer.
func (p *Pickler) Int(v int64) *Pickler {
	switch {
	case p.proto == 0:
		fmt.Fprintf(&p.buf, "I%d\n", v)
	case v >= 0 && v < 256:
		p.Raw('K', byte(v))
	case v >= 0 && v < 65536:
		p.Raw('M', byte(v), byte(v>>8))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		p.Raw('J')
		p.buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(int32(v))))
	case p.proto >= 2:
		b := binary.LittleEndian.AppendUint64(nil, uint64(v))
		p.Raw(0x8a, 8)
		p.buf.Write(b)
	default:
		fmt.Fprintf(&p.buf, "L%dL\n", v)
	}
	return p
}

// Float pushes a float.
func (p *Pickler) Float(v float64) *Pickler {
	if p.proto == 0 {
		fmt.Fprintf(&p.buf, "F%s\n", strconv.FormatFloat(v, 'g', -1, 64))
		return p
	}
	p.Raw('G')
	p.buf.Write(binary.BigEndian.AppendUint64(nil, math.Float64bits(v)))
	return p
}

// Str pushes a text string: UNICODE (protocol 0), BINUNICODE (1-3) or
// SHORT_BINUNICODE / BINUNICODE (4-5).
func (p *Pickler) Str(s string) *Pickler {
	switch {
	case p.proto == 0:
		p.buf.WriteByte('V')
		for _, r := range s {
			switch {
			case r == '\\' || r == '\n' || r == '\r' || r == 0 || r > 0xff:
				if r > 0xffff {
					fmt.Fprintf(&p.buf, "\\U%08x", r)
				} else {
					fmt.Fprintf(&p.buf, "\\u%04x", r)
				}
			default:
				p.buf.WriteByte(byte(r))
			}
		}
		p.buf.WriteByte('\n')
	case p.proto >= 4 && len(s) < 256:
		p.Raw(0x8c, byte(len(s)))
		p.buf.WriteString(s)
	default:
		p.Raw('X')
		p.buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(s))))
		p.buf.WriteString(s)
	}
	return p
}

// PyString pushes a Python 2 str with the STRING opcode (a quoted literal,
// protocol 0) or SHORT_BINSTRING / BINSTRING (protocol 1 and up).
func (p *Pickler) PyString(s string) *Pickler {
	switch {
	case p.proto == 0:
		p.buf.WriteByte('S')
		p.buf.WriteString(pyQuote(s))
		p.buf.WriteByte('\n')
	case len(s) < 256:
		p.Raw('U', byte(len(s)))
		p.buf.WriteString(s)
	default:
		p.Raw('T')
		p.buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(s))))
		p.buf.WriteString(s)
	}
	return p
}

// pyQuote writes s as a single-quoted Python literal with \xhh escapes.
func pyQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == '\'':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, "\\x%02x", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// BytesValue pushes a bytes object (protocol 3 and up).
func (p *Pickler) BytesValue(v []byte) *Pickler {
	if len(v) < 256 {
		p.Raw('C', byte(len(v)))
	} else {
		p.Raw('B')
		p.buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(v))))
	}
	p.buf.Write(v)
	return p
}

// Global pushes module.name: GLOBAL for protocols 0-3, two strings and
// STACK_GLOBAL for 4 and 5, as CPython's pickler does.
func (p *Pickler) Global(module, name string) *Pickler {
	if p.proto >= 4 {
		p.Str(module).Memoize()
		p.Str(name).Memoize()
		return p.Raw(0x93)
	}
	p.buf.WriteByte('c')
	p.buf.WriteString(module + "\n" + name + "\n")
	return p
}

// GlobalOpcode pushes module.name with the GLOBAL opcode whatever the
// protocol.
func (p *Pickler) GlobalOpcode(module, name string) *Pickler {
	p.buf.WriteByte('c')
	p.buf.WriteString(module + "\n" + name + "\n")
	return p
}

// StackGlobal pops a module and a name string and imports it.
func (p *Pickler) StackGlobal() *Pickler { return p.Raw(0x93) }

// Inst calls module.name with the values above the last mark (protocol
// 0's INST, an import and a call in one opcode).
func (p *Pickler) Inst(module, name string) *Pickler {
	p.buf.WriteByte('i')
	p.buf.WriteString(module + "\n" + name + "\n")
	return p
}

// Memoize stores the top of the stack in the memo and returns its index:
// MEMOIZE (4-5), BINPUT / LONG_BINPUT (1-3) or PUT (0).
func (p *Pickler) Memoize() int {
	i := p.memo
	p.memo++
	p.Put(i)
	return i
}

// Put stores the top of the stack at memo index i with the opcode the
// protocol uses for an explicit index (MEMOIZE cannot name one).
func (p *Pickler) Put(i int) *Pickler {
	switch {
	case p.proto >= 4 && i == p.memo-1:
		return p.Raw(0x94)
	case p.proto == 0:
		fmt.Fprintf(&p.buf, "p%d\n", i)
	case i < 256:
		p.Raw('q', byte(i))
	default:
		p.Raw('r')
		p.buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(i)))
	}
	return p
}

// Get pushes memo entry i.
func (p *Pickler) Get(i int) *Pickler {
	switch {
	case p.proto == 0:
		fmt.Fprintf(&p.buf, "g%d\n", i)
	case i < 256:
		p.Raw('h', byte(i))
	default:
		p.Raw('j')
		p.buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(i)))
	}
	return p
}

// Pop discards the top of the stack.
func (p *Pickler) Pop() *Pickler { return p.Raw('0') }

// EmptyTuple pushes ().
func (p *Pickler) EmptyTuple() *Pickler {
	if p.proto == 0 {
		return p.Mark().Raw('t')
	}
	return p.Raw(')')
}

// Tuple builds a tuple of the values above the last mark.
func (p *Pickler) Tuple() *Pickler { return p.Raw('t') }

// TupleN builds a tuple of the top n values (1 to 3) with TUPLE1-3; the
// caller must have pushed a mark before them for protocols 0 and 1.
func (p *Pickler) TupleN(n int) *Pickler {
	if p.proto < 2 {
		return p.Raw('t')
	}
	return p.Raw(0x84 + byte(n))
}

// EmptyDict pushes {}.
func (p *Pickler) EmptyDict() *Pickler {
	if p.proto == 0 {
		return p.Mark().Raw('d')
	}
	return p.Raw('}')
}

// EmptyList pushes [].
func (p *Pickler) EmptyList() *Pickler {
	if p.proto == 0 {
		return p.Mark().Raw('l')
	}
	return p.Raw(']')
}

// SetItems adds the key-value pairs above the last mark to the dict below.
func (p *Pickler) SetItems() *Pickler {
	if p.proto == 0 {
		panic("testmodel: SETITEMS needs protocol 1")
	}
	return p.Raw('u')
}

// SetItem adds the top key and value to the dict below them.
func (p *Pickler) SetItem() *Pickler { return p.Raw('s') }

// Appends adds the values above the last mark to the list below.
func (p *Pickler) Appends() *Pickler { return p.Raw('e') }

// Reduce calls the callable below the top with the top tuple as arguments.
func (p *Pickler) Reduce() *Pickler { return p.Raw('R') }

// Build updates the object below the top with the top state.
func (p *Pickler) Build() *Pickler { return p.Raw('b') }

// NewObj creates cls.__new__(cls, *args) from the top two values.
func (p *Pickler) NewObj() *Pickler { return p.Raw(0x81) }

// BinPersID turns the top value into a persistent reference.
func (p *Pickler) BinPersID() *Pickler { return p.Raw('Q') }

// Ext pushes the global registered under an extension code (EXT1, EXT2 or
// EXT4 by size).
func (p *Pickler) Ext(code int) *Pickler {
	switch {
	case code < 256:
		return p.Raw(0x82, byte(code))
	case code < 65536:
		return p.Raw(0x83, byte(code), byte(code>>8))
	default:
		p.Raw(0x84)
		p.buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(code)))
		return p
	}
}

// Frame writes a protocol 4 FRAME opcode announcing n bytes.
func (p *Pickler) Frame(n uint64) *Pickler {
	p.Raw(0x95)
	p.buf.Write(binary.LittleEndian.AppendUint64(nil, n))
	return p
}

// Call pushes module.name(args...) the way pickled objects reduce:
// import, argument tuple, REDUCE.
func (p *Pickler) Call(module, name string, args ...string) *Pickler {
	p.Global(module, name)
	if p.proto < 2 || len(args) == 0 || len(args) > 3 {
		if len(args) == 0 {
			p.EmptyTuple()
		} else {
			p.Mark()
			for _, a := range args {
				p.Str(a)
			}
			p.Tuple()
		}
	} else {
		for _, a := range args {
			p.Str(a)
		}
		p.TupleN(len(args))
	}
	return p.Reduce()
}

// Tensor is one tensor of a fixture checkpoint. Its bytes are zeros.
type Tensor struct {
	Name  string
	DType string // F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL
	Shape []int64
}

// FixtureTensors are three small tensors of three dtypes: a state dict of
// them rebuilds three storage types, as a real checkpoint does.
var FixtureTensors = []Tensor{
	{Name: "model.embed.weight", DType: "F32", Shape: []int64{4, 3}},
	{Name: "model.norm.weight", DType: "BF16", Shape: []int64{3}},
	{Name: "lm_head.bias", DType: "F16", Shape: []int64{4}},
}

var torchStorage = map[string]struct {
	class string
	size  int64
}{
	"F32": {"FloatStorage", 4}, "F16": {"HalfStorage", 2}, "BF16": {"BFloat16Storage", 2},
	"F64": {"DoubleStorage", 8}, "I64": {"LongStorage", 8}, "I32": {"IntStorage", 4},
	"I16": {"ShortStorage", 2}, "I8": {"CharStorage", 1}, "U8": {"ByteStorage", 1}, "BOOL": {"BoolStorage", 1},
}

func (t Tensor) numel() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

func (t Tensor) storage() (string, int64) {
	s, ok := torchStorage[t.DType]
	if !ok {
		panic("testmodel: unknown tensor dtype " + t.DType)
	}
	return s.class, s.size
}

// TorchStateDict returns the data.pkl of a PyTorch zip checkpoint holding
// an OrderedDict of the tensors, in the opcodes torch.save writes
// (_rebuild_tensor_v2 calls over persistent storage ids "0", "1", …).
// extra, when given, is written as one more entry's value, keyed "extra":
// use it to plant a hostile object inside an honest-looking state dict.
func TorchStateDict(proto int, tensors []Tensor, extra func(*Pickler)) []byte {
	p := NewPickler(proto)
	p.Global("collections", "OrderedDict").EmptyTuple().Reduce()
	p.Memoize()
	if len(tensors) > 0 || extra != nil {
		if proto == 0 {
			for i, t := range tensors {
				p.Str(t.Name)
				writeRebuild(p, i, t)
				p.SetItem()
			}
		} else {
			p.Mark()
			for i, t := range tensors {
				p.Str(t.Name)
				writeRebuild(p, i, t)
			}
			if extra != nil {
				p.Str("extra")
				extra(p)
			}
			p.SetItems()
		}
		if proto == 0 && extra != nil {
			p.Str("extra")
			extra(p)
			p.SetItem()
		}
	}
	return p.Stop()
}

// writeRebuild writes torch._utils._rebuild_tensor_v2(storage, 0, shape,
// stride, False, OrderedDict()).
func writeRebuild(p *Pickler, key int, t Tensor) {
	class, _ := t.storage()
	p.Global("torch._utils", "_rebuild_tensor_v2")
	p.Mark()
	// Persistent id: ('storage', torch.<Class>Storage, key, 'cpu', numel).
	p.Mark().Str("storage").Global("torch", class).Str(strconv.Itoa(key)).Str("cpu").Int(t.numel()).Tuple()
	p.BinPersID()
	p.Int(0)
	p.Mark()
	for _, d := range t.Shape {
		p.Int(d)
	}
	p.Tuple()
	p.Mark()
	stride := int64(1)
	strides := make([]int64, len(t.Shape))
	for i := len(t.Shape) - 1; i >= 0; i-- {
		strides[i] = stride
		stride *= t.Shape[i]
	}
	for _, s := range strides {
		p.Int(s)
	}
	p.Tuple()
	p.Bool(false)
	p.Global("collections", "OrderedDict").EmptyTuple().Reduce()
	p.Tuple()
	p.Reduce()
}

// TorchZip returns a PyTorch zip checkpoint (as torch.save writes since
// 1.6): prefix/data.pkl, prefix/data/<key> with each tensor's bytes,
// prefix/version and prefix/byteorder, all stored uncompressed. prefix
// is usually "archive".
func TorchZip(prefix string, proto int, tensors []Tensor) []byte {
	return TorchZipWith(prefix, TorchStateDict(proto, tensors, nil), tensors, nil)
}

// TorchZipWith builds a PyTorch zip from a given data.pkl, storages for
// tensors, and extra members (name → bytes, added as they are, for
// planting other pickles).
func TorchZipWith(prefix string, dataPkl []byte, tensors []Tensor, extra map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			panic(err)
		}
		if _, err := w.Write(data); err != nil {
			panic(err)
		}
	}
	add(prefix+"/data.pkl", dataPkl)
	add(prefix+"/byteorder", []byte("little"))
	for i, t := range tensors {
		_, size := t.storage()
		add(fmt.Sprintf("%s/data/%d", prefix, i), make([]byte, t.numel()*size))
	}
	add(prefix+"/version", []byte("3\n"))
	for _, name := range sortedKeys(extra) {
		add(name, extra[name])
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// TorchLegacy returns a legacy PyTorch file (torch < 1.6, or
// _use_new_zipfile_serialization=False): the magic number, protocol
// version and system info pickles, the state dict, the storage keys, then
// each storage as an 8-byte element count and its bytes.
func TorchLegacy(proto int, tensors []Tensor) []byte {
	var out bytes.Buffer
	// Magic number 0x1950a86a20f9469cfc6c.
	p := NewPickler(proto)
	if proto >= 2 {
		p.Raw(0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19)
	} else {
		p.Raw([]byte("L119547037146038801333356L\n")...)
	}
	out.Write(p.Stop())
	out.Write(NewPickler(proto).Int(1001).Stop())
	si := NewPickler(proto)
	si.EmptyDict()
	if proto >= 1 {
		si.Mark().Str("protocol_version").Int(1001).Str("little_endian").Bool(true).
			Str("type_sizes").EmptyDict().Mark().Str("short").Int(2).Str("int").Int(4).Str("long").Int(4).SetItems().SetItems()
	}
	out.Write(si.Stop())
	obj := NewPickler(proto)
	obj.Global("collections", "OrderedDict").EmptyTuple().Reduce()
	for i, t := range tensors {
		class, _ := t.storage()
		obj.Str(t.Name)
		obj.Global("torch._utils", "_rebuild_tensor_v2")
		obj.Mark()
		obj.Mark().Str("storage").Global("torch", class).Str(strconv.Itoa(i)).Str("cpu").Int(t.numel()).None().Tuple()
		obj.BinPersID()
		obj.Int(0)
		obj.Mark()
		for _, d := range t.Shape {
			obj.Int(d)
		}
		obj.Tuple()
		obj.Mark()
		for range t.Shape {
			obj.Int(1)
		}
		obj.Tuple()
		obj.Bool(false)
		obj.Global("collections", "OrderedDict").EmptyTuple().Reduce()
		obj.Tuple().Reduce()
		obj.SetItem()
	}
	out.Write(obj.Stop())
	keys := NewPickler(proto)
	keys.EmptyList()
	for i := range tensors {
		keys.Str(strconv.Itoa(i)).Raw('a')
	}
	out.Write(keys.Stop())
	for _, t := range tensors {
		_, size := t.storage()
		out.Write(binary.LittleEndian.AppendUint64(nil, uint64(t.numel())))
		out.Write(make([]byte, t.numel()*size))
	}
	return out.Bytes()
}

// Import is a way for a hostile pickle to import the callable it runs.
type Import int

// Ways to import a callable.
const (
	// ViaGlobal uses the GLOBAL opcode (any protocol).
	ViaGlobal Import = iota
	// ViaStackGlobal pushes the module and name as strings, then
	// STACK_GLOBAL (protocols 4 and 5 write imports this way).
	ViaStackGlobal
	// ViaInst uses protocol 0's INST, which imports and calls at once.
	ViaInst
	// ViaMemo stores the module and name strings in the memo, drops them,
	// and fetches them back for STACK_GLOBAL far from where they appeared.
	ViaMemo
	// ViaMemoShadow first stores an innocent module name in a memo slot,
	// then overwrites the slot with the hostile one before fetching it: a
	// walker that keeps only the first value is fooled.
	ViaMemoShadow
	// ViaHidden builds the operands at load time (a call's result), so no
	// static walk can tell what is imported.
	ViaHidden
)

// MaliciousPickle returns a pickle of the given protocol that calls
// module.name(arg) when loaded, importing it the given way. ViaInst
// ignores the protocol's opcodes beyond protocol 0; STACK_GLOBAL-based
// ways are written with that opcode whatever the protocol.
func MaliciousPickle(proto int, how Import, module, name, arg string) []byte {
	p := NewPickler(proto)
	switch how {
	case ViaGlobal:
		p.GlobalOpcode(module, name)
	case ViaStackGlobal:
		p.Str(module).Str(name).StackGlobal()
	case ViaInst:
		p.Mark().Str(arg).Inst(module, name)
		return p.Stop()
	case ViaMemo:
		mi := p.Str(module).Memoize()
		ni := p.Str(name).Memoize()
		p.Pop().Pop()
		p.Str("padding").Pop()
		p.Get(mi).Get(ni).StackGlobal()
	case ViaMemoShadow:
		p.Str("torch._utils").Put(7)
		p.Pop()
		p.Str("_rebuild_tensor_v2").Put(8)
		p.Pop()
		p.Str(module).Put(7)
		p.Pop()
		p.Str(name).Put(8)
		p.Pop()
		p.Get(7).Get(8).StackGlobal()
	case ViaHidden:
		// builtins.getattr(builtins, "<module>") as the module operand is
		// not a string a walker can see.
		p.Call("builtins", "str", module)
		p.Str(name).StackGlobal()
	}
	p.Mark().Str(arg).Tuple().Reduce()
	return p.Stop()
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// PickleBomb returns a "billion laughs" pickle: depth nested lists, each
// holding width references (memo fetches) to the list below, so that the
// value has width^depth leaves while the stream holds depth×width
// opcodes. topDown builds the same graph the other way round: empty lists
// first, nested before they are filled, as a walker that sizes values
// only when they are built would miss.
func PickleBomb(proto, depth, width int, topDown bool) []byte {
	p := NewPickler(proto)
	if !topDown {
		p.EmptyList()
		prev := p.Memoize()
		for range depth {
			p.Pop().Mark()
			for range width {
				p.Get(prev)
			}
			p.Raw('l')
			prev = p.Memoize()
		}
		return p.Stop()
	}
	// lists[i] holds width references to lists[i+1]; the last holds a
	// string. Each is made empty and memoized, then filled with APPENDS.
	ids := make([]int, depth+1)
	for i := range ids {
		p.EmptyList()
		ids[i] = p.Memoize()
		p.Pop()
	}
	for i := range depth {
		p.Get(ids[i]).Mark()
		for range width {
			p.Get(ids[i+1])
		}
		p.Appends().Pop()
	}
	p.Get(ids[depth]).Str("lol").Raw('a').Pop()
	p.Get(ids[0])
	return p.Stop()
}
