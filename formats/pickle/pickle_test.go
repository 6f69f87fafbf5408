package pickle

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/internal/testutil"
)

func readPickleBytes(t testing.TB, data []byte) (*Info, error) {
	t.Helper()
	return Read(bytes.NewReader(data), int64(len(data)))
}

func globalNames(info *Info) []string {
	var out []string
	for _, g := range info.Globals {
		out = append(out, g.String()+"="+g.Class)
	}
	return out
}

func TestReadPickleStateDictEveryProtocol(t *testing.T) {
	want := []string{
		"collections.OrderedDict=safe",
		"torch.BFloat16Storage=safe",
		"torch.FloatStorage=safe",
		"torch.HalfStorage=safe",
		"torch._utils._rebuild_tensor_v2=safe",
	}
	for proto := 0; proto <= 5; proto++ {
		t.Run(fmt.Sprint("protocol", proto), func(t *testing.T) {
			info, err := readPickleBytes(t, testmodel.TorchStateDict(proto, testmodel.FixtureTensors, nil))
			if err != nil {
				t.Fatal(err)
			}
			if got := globalNames(info); !slices.Equal(got, want) {
				t.Errorf("globals = %q, want %q", got, want)
			}
			if info.Container != Raw || info.Streams != 1 || info.Incomplete != "" {
				t.Errorf("container %q streams %d incomplete %q", info.Container, info.Streams, info.Incomplete)
			}
			// Protocol 0 streams written by this builder use BINPERSID, a
			// protocol 1 opcode.
			if wantProto := max(proto, 1); info.Protocol != wantProto {
				t.Errorf("protocol = %d, want %d", info.Protocol, wantProto)
			}
			if info.PersistentIDs != len(testmodel.FixtureTensors) {
				t.Errorf("persistent ids = %d, want %d", info.PersistentIDs, len(testmodel.FixtureTensors))
			}
			// One OrderedDict() per tensor's hooks, one per tensor rebuild,
			// one for the state dict.
			if got := info.Calls["REDUCE"]; got != 2*len(testmodel.FixtureTensors)+1 {
				t.Errorf("REDUCE calls = %d", got)
			}
		})
	}
}

func TestReadPickleProtocolZeroOnly(t *testing.T) {
	info, err := readPickleBytes(t, testmodel.MaliciousPickle(0, testmodel.ViaInst, "os", "system", "id"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Protocol != 0 {
		t.Errorf("protocol = %d, want 0", info.Protocol)
	}
	if got := globalNames(info); !slices.Equal(got, []string{"os.system=unsafe"}) {
		t.Errorf("globals = %q", got)
	}
	if info.Globals[0].Opcode != "INST" || info.Calls["INST"] != 1 {
		t.Errorf("opcode %q, calls %v", info.Globals[0].Opcode, info.Calls)
	}
}

func TestReadPickleMalicious(t *testing.T) {
	ways := map[testmodel.Import]struct {
		global, opcode string
	}{
		testmodel.ViaGlobal:      {"os.system", "GLOBAL"},
		testmodel.ViaStackGlobal: {"os.system", "STACK_GLOBAL"},
		testmodel.ViaInst:        {"os.system", "INST"},
		testmodel.ViaMemo:        {"os.system", "STACK_GLOBAL"},
		testmodel.ViaMemoShadow:  {"os.system", "STACK_GLOBAL"},
		testmodel.ViaHidden:      {"unknown.system", "STACK_GLOBAL"},
	}
	for proto := 0; proto <= 5; proto++ {
		for how, want := range ways {
			t.Run(fmt.Sprintf("protocol%d/way%d", proto, how), func(t *testing.T) {
				data := testmodel.MaliciousPickle(proto, how, "os", "system", "touch /tmp/pwned")
				info, err := readPickleBytes(t, data)
				if err != nil {
					t.Fatal(err)
				}
				var found *Global
				for i, g := range info.Globals {
					if g.String() == want.global {
						found = &info.Globals[i]
					}
					if g.Module == "torch._utils" {
						t.Errorf("memo shadowing fooled the walker: %v", g)
					}
				}
				if found == nil {
					t.Fatalf("globals = %q, want %s", globalNames(info), want.global)
				}
				if found.Class != Unsafe || found.Opcode != want.opcode {
					t.Errorf("global %+v, want class unsafe opcode %s", found, want.opcode)
				}
				if found.Offset < 0 || found.Offset >= int64(len(data)) || !bytes.ContainsAny(data[found.Offset:found.Offset+1], "ci\x93") {
					t.Errorf("offset %d does not point at an import opcode", found.Offset)
				}
			})
		}
	}
}

func TestReadPickleTorchZip(t *testing.T) {
	data := testmodel.TorchZip("archive", 2, testmodel.FixtureTensors)
	info, err := readPickleBytes(t, data)
	if err != nil {
		t.Fatal(err)
	}
	if info.Container != Zip || !slices.Equal(info.Members, []string{"archive/data.pkl"}) || info.Protocol != 2 {
		t.Errorf("container %q members %q protocol %d", info.Container, info.Members, info.Protocol)
	}
	for _, g := range info.Globals {
		if g.Class != Safe || g.Member != "archive/data.pkl" {
			t.Errorf("global %+v", g)
		}
		// Stored members are read in place: the offset is in the file.
		if g.Offset <= 0 || g.Offset >= int64(len(data)) {
			t.Errorf("offset %d outside the file", g.Offset)
		}
	}
}

func TestReadPickleTorchZipHostileMembers(t *testing.T) {
	evilPkl := testmodel.TorchStateDict(2, testmodel.FixtureTensors, func(p *testmodel.Pickler) {
		p.Call("subprocess", "check_output", "id")
	})
	hidden := testmodel.MaliciousPickle(4, testmodel.ViaStackGlobal, "builtins", "exec", "print(1)")
	data := testmodel.TorchZipWith("model", evilPkl, testmodel.FixtureTensors, map[string][]byte{
		"model/extra/state.pkl": testmodel.MaliciousPickle(2, testmodel.ViaGlobal, "runpy", "run_path", "x.py"),
		"model/nosuffix":        hidden, // found by its magic
		"model/data/9":          hidden, // storage bytes are never walked
	})
	info, err := readPickleBytes(t, data)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"model/data.pkl", "model/extra/state.pkl", "model/nosuffix"}
	if !slices.Equal(info.Members, want) {
		t.Errorf("members = %q, want %q", info.Members, want)
	}
	got := map[string]string{}
	for _, g := range info.Globals {
		got[g.String()] = g.Member + " " + g.Class
	}
	for k, v := range map[string]string{
		"subprocess.check_output": "model/data.pkl unsafe",
		"runpy.run_path":          "model/extra/state.pkl unsafe",
		"builtins.exec":           "model/nosuffix unsafe",
	} {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
}

func TestReadPickleTorchZipDeflated(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "archive/data.pkl", Method: zip.Deflate})
	w.Write(testmodel.MaliciousPickle(2, testmodel.ViaGlobal, "os", "system", "id"))
	zw.Close()
	info, err := readPickleBytes(t, buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got := globalNames(info); !slices.Equal(got, []string{"os.system=unsafe"}) {
		t.Errorf("globals = %q", got)
	}
}

func TestReadPickleZipWithoutPickle(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("readme.txt")
	w.Write([]byte("hello"))
	zw.Close()
	_, err := readPickleBytes(t, buf.Bytes())
	var fe *formats.Error
	if !errors.As(err, &fe) || !strings.Contains(fe.Msg, "no data.pkl") {
		t.Fatalf("err = %v", err)
	}
}

func TestReadPickleZipEntryCap(t *testing.T) {
	// A zip64 end record claiming 2^40 entries is refused before the
	// directory is read.
	var b bytes.Buffer
	z64 := make([]byte, 56)
	copy(z64, "PK\x06\x06")
	binary.LittleEndian.PutUint64(z64[24:], 1<<40)
	binary.LittleEndian.PutUint64(z64[32:], 1<<40)
	b.Write([]byte("PK\x03\x04 junk"))
	off := b.Len()
	b.Write(z64)
	loc := make([]byte, 20)
	copy(loc, "PK\x06\x07")
	binary.LittleEndian.PutUint64(loc[8:], uint64(off))
	b.Write(loc)
	eocd := make([]byte, 22)
	copy(eocd, "PK\x05\x06")
	binary.LittleEndian.PutUint16(eocd[8:], 0xffff)
	binary.LittleEndian.PutUint16(eocd[10:], 0xffff)
	b.Write(eocd)
	_, err := readPickleBytes(t, b.Bytes())
	if err == nil || !strings.Contains(err.Error(), "entry limit") {
		t.Fatalf("err = %v", err)
	}
}

func TestReadPickleLegacy(t *testing.T) {
	for proto := 0; proto <= 5; proto++ {
		data := testmodel.TorchLegacy(proto, testmodel.FixtureTensors)
		info, err := readPickleBytes(t, data)
		if err != nil {
			t.Fatalf("protocol %d: %v", proto, err)
		}
		if info.Container != Legacy || info.Streams != 5 {
			t.Errorf("protocol %d: container %q streams %d", proto, info.Container, info.Streams)
		}
		for _, g := range info.Globals {
			if g.Class != Safe {
				t.Errorf("protocol %d: %+v", proto, g)
			}
		}
		if len(info.Globals) != 5 {
			t.Errorf("protocol %d: globals %q", proto, globalNames(info))
		}
	}
	// A legacy file cut before its fifth pickle is incomplete.
	data := testmodel.TorchLegacy(2, testmodel.FixtureTensors)
	first4 := bytes.Index(data, []byte("\x80\x02]")) // the storage-keys pickle
	info, err := readPickleBytes(t, data[:first4])
	if err == nil || info.Incomplete == "" {
		t.Errorf("cut legacy file: err %v incomplete %q", err, info.Incomplete)
	}
}

func TestReadPickleConcatenatedRaw(t *testing.T) {
	first := testmodel.TorchStateDict(2, testmodel.FixtureTensors, nil)
	second := testmodel.MaliciousPickle(4, testmodel.ViaStackGlobal, "os", "system", "id")
	data := append(append(slices.Clone(first), second...), "trailing junk"...)
	info, err := readPickleBytes(t, data)
	if err != nil {
		t.Fatal(err)
	}
	if info.Streams != 2 || !slices.Contains(globalNames(info), "os.system=unsafe") {
		t.Errorf("streams %d globals %q", info.Streams, globalNames(info))
	}
}

func TestReadPickleStreamCap(t *testing.T) {
	one := testmodel.NewPickler(2).None().Stop()
	data := bytes.Repeat(one, limits.MaxPickleStreams+1)
	info, err := readPickleBytes(t, data)
	if err != nil {
		t.Fatal(err)
	}
	if info.Streams != limits.MaxPickleStreams || !strings.Contains(info.Incomplete, "streams") {
		t.Errorf("streams %d incomplete %q", info.Streams, info.Incomplete)
	}
}

func TestReadPickleTextOperands(t *testing.T) {
	// Protocol 0 STRING (quoted, escaped) and UNICODE (raw-unicode-escape)
	// operands, resolved for STACK_GLOBAL.
	p := testmodel.NewPickler(0)
	p.PyString("o\x73").Raw([]byte("Vsys\\u0074em\n")...).StackGlobal()
	p.Mark().PyString("id").Tuple().Reduce()
	info, err := readPickleBytes(t, p.Stop())
	if err != nil {
		t.Fatal(err)
	}
	if got := globalNames(info); !slices.Equal(got, []string{"os.system=unsafe"}) {
		t.Errorf("globals = %q", got)
	}
	// An unquoted STRING is malformed.
	_, err = readPickleBytes(t, []byte("Sos\n."))
	if err == nil {
		t.Error("unquoted STRING accepted")
	}
}

func TestReadPickleExtension(t *testing.T) {
	p := testmodel.NewPickler(2)
	p.Ext(300).EmptyTuple().Reduce()
	info, err := readPickleBytes(t, p.Stop())
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Globals) != 1 || info.Globals[0].Class != Unknown || info.Globals[0].Opcode != "EXT2" || !strings.Contains(info.Globals[0].Name, "300") {
		t.Errorf("globals = %+v", info.Globals)
	}
}

func TestReadPickleLongOperandIsUnresolved(t *testing.T) {
	long := strings.Repeat("a", limits.MaxPickleNameLen+1)
	p := testmodel.NewPickler(4)
	p.Str(long).Str("system").StackGlobal().Pop()
	p.GlobalOpcode(long, "x")
	info, err := readPickleBytes(t, p.Stop())
	if err != nil {
		t.Fatal(err)
	}
	if got := globalNames(info); !slices.Equal(got, []string{"unknown.system=unsafe", "unknown.x=unsafe"}) {
		t.Errorf("globals = %q", got)
	}
}

// TestReadPickleTruncatedEverywhere cuts a hostile pickle at every byte:
// each cut yields a formats.Error with an offset inside the data and keeps
// what was found before the cut.
func TestReadPickleTruncatedEverywhere(t *testing.T) {
	data := testmodel.TorchStateDict(4, testmodel.FixtureTensors, func(p *testmodel.Pickler) { p.Call("os", "system", "id") })
	full, err := readPickleBytes(t, data)
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n < len(data); n++ {
		info, err := readPickleBytes(t, data[:n])
		var fe *formats.Error
		if !errors.As(err, &fe) {
			t.Fatalf("cut at %d: err = %v", n, err)
		}
		if fe.Offset < 0 || fe.Offset > int64(n) {
			t.Errorf("cut at %d: offset %d", n, fe.Offset)
		}
		if info == nil || info.Incomplete == "" || len(info.Globals) > len(full.Globals) {
			t.Fatalf("cut at %d: info %+v", n, info)
		}
	}
}

func TestReadPickleHostile(t *testing.T) {
	big := func(op byte, n uint64) []byte {
		b := []byte{0x80, 4, op}
		return binary.LittleEndian.AppendUint64(b, n)
	}
	cases := map[string]struct {
		data []byte
		want string
	}{
		"empty":             {nil, "empty pickle stream"},
		"garbage":           {[]byte("\xff\xfe garbage"), "unknown opcode 0xff"},
		"no STOP":           {[]byte{0x80, 2, 'N'}, "without a STOP"},
		"underflow":         {[]byte{0x80, 2, 'R', '.'}, "underflow"},
		"APPENDS no mark":   {[]byte{0x80, 2, ']', 'e', '.'}, "without a MARK"},
		"negative BINSTR":   {[]byte{0x80, 2, 'T', 0xff, 0xff, 0xff, 0xff, '.'}, "negative length"},
		"huge BINBYTES8":    {big(0x8e, 1<<62), "walk limit"},
		"huge BINUNICODE8":  {big(0x8d, 1<<40), "walk limit"},
		"short BINUNICODE":  {[]byte{0x80, 2, 'X', 10, 0, 0, 0, 'a', 'b'}, "truncated inside BINUNICODE"},
		"bad protocol":      {[]byte{0x80, 9, 'N', '.'}, "unsupported pickle protocol 9"},
		"memo miss":         {[]byte{0x80, 2, 'h', 5, '.'}, "never stored"},
		"odd SETITEMS":      {[]byte{0x80, 2, '}', '(', 'N', 'u', '.'}, "odd number"},
		"bad PUT":           {[]byte("Np-1\n."), "bad index"},
		"STOP empty":        {[]byte{0x80, 2, '.'}, "underflow"},
		"OBJ without class": {[]byte{0x80, 2, '(', 'o', '.'}, "without a class"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			info, err := readPickleBytes(t, c.data)
			var fe *formats.Error
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want a formats.Error containing %q", err, c.want)
			}
			if info == nil || info.Incomplete == "" {
				t.Errorf("info = %+v, want Incomplete", info)
			}
		})
	}
}

func TestReadPickleStackCap(t *testing.T) {
	data := append([]byte{0x80, 2}, bytes.Repeat([]byte{'N'}, limits.MaxPickleStack+1)...)
	_, err := readPickleBytes(t, append(data, '.'))
	if err == nil || !strings.Contains(err.Error(), "stack deeper") {
		t.Fatalf("err = %v", err)
	}
}

func TestReadPickleGlobalsCap(t *testing.T) {
	p := testmodel.NewPickler(2)
	for i := 0; i <= limits.MaxPickleGlobals; i++ {
		p.GlobalOpcode("m", fmt.Sprint("g", i)).Pop()
	}
	info, err := readPickleBytes(t, p.Raw('N').Stop())
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Globals) != limits.MaxPickleGlobals || !strings.Contains(info.Incomplete, "distinct globals") {
		t.Errorf("%d globals, incomplete %q", len(info.Globals), info.Incomplete)
	}
}

func TestReadPickleMemoOverflowIsUnknown(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a memo of a million entries")
	}
	p := testmodel.NewPickler(2)
	p.Str("os").Put(0).Str("system").Put(1)
	p.Raw('N')
	for i := 2; i <= limits.MaxPickleMemo+1; i++ {
		p.Put(i)
	}
	p.Pop().Get(0).Get(1).StackGlobal().Pop().Pop()
	info, err := readPickleBytes(t, p.Stop())
	if err != nil {
		t.Fatal(err)
	}
	if got := globalNames(info); !slices.Equal(got, []string{"unknown.unknown=unsafe"}) {
		t.Errorf("globals = %q", got)
	}
}

// shrinkingReader reports fewer bytes than the size it was opened with, as
// a file truncated while being read does.
type shrinkingReader struct {
	data []byte
	at   int
}

func (r shrinkingReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(r.at) {
		return 0, io.EOF
	}
	n := copy(p, r.data[off:min(int64(len(r.data)), int64(r.at))])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func TestReadPickleFileShrinksWhileRead(t *testing.T) {
	data := testmodel.TorchStateDict(2, testmodel.FixtureTensors, nil)
	_, err := Read(shrinkingReader{data, len(data) / 2}, int64(len(data)))
	var fe *formats.Error
	if !errors.As(err, &fe) || !strings.Contains(fe.Msg, "truncated") {
		t.Fatalf("err = %v", err)
	}
	zipData := testmodel.TorchZip("archive", 2, testmodel.FixtureTensors)
	_, err = Read(shrinkingReader{zipData, len(zipData) - 10}, int64(len(zipData)))
	if err == nil {
		t.Fatal("zip cut while read: no error")
	}
}

// TestPickleOpcodeTable checks the opcode table against the research
// table generated from CPython's pickletools: every byte, name, protocol
// and argument encoding.
func TestPickleOpcodeTable(t *testing.T) {
	f, err := os.Open(testutil.Research(t, "data", "pickle-opcodes.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	args := map[string]pickleOpArg{
		"": argNone, "uint1": argU1, "uint2": argU2, "int4": argI4, "uint4": argU4, "uint8": argU8, "float8": argF8,
		"decimalnl_short": argLine, "decimalnl_long": argLine, "floatnl": argLine,
		"stringnl": argStringNL, "stringnl_noescape": argNoEscNL, "unicodestringnl": argUnicodeNL,
		"stringnl_noescape_pair": argPairNL,
		"bytes1":                 argLen1, "string1": argLen1, "unicodestring1": argLen1, "long1": argLen1,
		"bytes4": argLen4, "unicodestring4": argLen4, "string4": argLen4S, "long4": argLen4S,
		"bytes8": argLen8, "unicodestring8": argLen8, "bytearray8": argLen8,
	}
	sc := bufio.NewScanner(f)
	sc.Scan()
	rows := 0
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 5 {
			continue
		}
		rows++
		b, err := strconv.ParseUint(strings.TrimPrefix(cols[2], "0x"), 16, 8)
		if err != nil {
			t.Fatal(err)
		}
		op := pickleOps[b]
		proto, _ := strconv.Atoi(cols[3])
		want, ok := args[cols[4]]
		if !ok {
			t.Fatalf("unknown argument format %q", cols[4])
		}
		if op.name != cols[0] || op.proto != proto || op.arg != want {
			t.Errorf("0x%02x: have %+v, research says %s proto %d arg %s", b, op, cols[0], proto, cols[4])
		}
	}
	defined := 0
	for _, op := range pickleOps {
		if op.name != "" {
			defined++
		}
	}
	if rows != 68 || defined != 68 {
		t.Errorf("%d research rows, %d opcodes defined; want 68", rows, defined)
	}
}

func TestClassifyPickleGlobal(t *testing.T) {
	for _, c := range []struct{ module, name, want string }{
		{"torch._utils", "_rebuild_tensor_v2", Safe},
		{"torch._utils", "_rebuild_parameter", Safe},
		{"torch", "FloatStorage", Safe},
		{"torch", "bfloat16", Safe},
		{"collections", "OrderedDict", Safe},
		{"numpy.core.multiarray", "_reconstruct", Safe},
		{"__builtin__", "set", Safe},
		{"builtins", "eval", Unsafe},
		{"__builtin__", "eval", Unsafe},
		{"builtins", "getattr", Unsafe},
		{"builtins", "__import__", Unsafe},
		{"os", "system", Unsafe},
		{"os.path", "join", Unsafe},
		{"posix", "system", Unsafe},
		{"nt", "system", Unsafe},
		{"subprocess", "Popen", Unsafe},
		{"aiohttp.client", "request", Unsafe},
		{"operator", "attrgetter", Unsafe},
		{"idlelib.pyshell", "ModifiedInterpreter.runcode", Unsafe},
		{"torch.serialization", "load", Unsafe},
		{"operator", "add", Unknown},
		{"osx", "anything", Unknown},
		{"sklearn.linear_model", "LogisticRegression", Unknown},
		{"torch._utils", "_rebuild_tensor_v9", Unknown},
		{"unknown", "unknown", Unknown},
	} {
		if got := Classify(c.module, c.name); got != c.want {
			t.Errorf("%s.%s = %s, want %s", c.module, c.name, got, c.want)
		}
	}
}

// TestPicklePolicyMatchesResearch checks the embedded lists against the
// research table they were built from: every picklescan and modelscan
// global keeps its class.
func TestPicklePolicyMatchesResearch(t *testing.T) {
	f, err := os.Open(testutil.Research(t, "data", "pickle-globals-policy.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	n := 0
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 4 {
			continue
		}
		want := Unsafe
		if strings.HasPrefix(cols[1], "safe") {
			want = Safe
		}
		for name := range strings.SplitSeq(cols[3], ",") {
			if name == "*" {
				name = "anything"
			}
			if got := Classify(cols[2], name); got != want {
				t.Errorf("%s %s.%s = %s, want %s", cols[0], cols[2], name, got, want)
			}
			n++
		}
	}
	if n < 100 {
		t.Errorf("only %d entries checked", n)
	}
}

func FuzzReadPickle(f *testing.F) {
	f.Add(testmodel.TorchStateDict(2, testmodel.FixtureTensors, nil))
	f.Add(testmodel.TorchStateDict(0, testmodel.FixtureTensors[:1], nil))
	f.Add(testmodel.TorchStateDict(5, testmodel.FixtureTensors[:1], nil))
	f.Add(testmodel.TorchZip("archive", 2, testmodel.FixtureTensors[:1]))
	f.Add(testmodel.TorchLegacy(2, testmodel.FixtureTensors[:1]))
	f.Add(testmodel.TorchLegacy(0, testmodel.FixtureTensors[:1]))
	for how := testmodel.ViaGlobal; how <= testmodel.ViaHidden; how++ {
		f.Add(testmodel.MaliciousPickle(4, how, "os", "system", "id"))
		f.Add(testmodel.MaliciousPickle(1, how, "os", "system", "id"))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := Read(bytes.NewReader(data), int64(len(data)))
		if info == nil {
			t.Fatal("nil info")
		}
		if err != nil {
			var fe *formats.Error
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a formats.Error", err)
			}
			if info.Incomplete == "" {
				t.Fatal("error without Incomplete")
			}
		}
		for i, g := range info.Globals {
			switch g.Class {
			case Safe, Unsafe, Unknown:
			default:
				t.Fatalf("class %q", g.Class)
			}
			if i > 0 && info.Globals[i-1].Module > g.Module {
				t.Fatal("globals not sorted")
			}
		}
		if len(info.Globals) > limits.MaxPickleGlobals {
			t.Fatal("globals over the cap")
		}
	})
}

func BenchmarkReadPickleStateDict(b *testing.B) {
	var ts []testmodel.Tensor
	for i := range 2000 {
		ts = append(ts, testmodel.Tensor{Name: fmt.Sprintf("model.layers.%d.mlp.weight", i), DType: "BF16", Shape: []int64{8, 8}})
	}
	data := testmodel.TorchZip("archive", 2, ts)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(bytes.NewReader(data), int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadPickleLargeRaw(b *testing.B) {
	// A protocol 4 pickle of many small objects: the per-opcode cost.
	p := testmodel.NewPickler(4)
	p.EmptyList()
	for i := range 200_000 {
		p.Mark().Int(int64(i)).Str("x").Float(1.5).Tuple().Raw('a')
	}
	data := p.Stop()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Read(bytes.NewReader(data), int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
}

// The deny-list names what a dangerous callable does; the allow-list
// covers harmless builtins, containers and rebuild helpers.
func TestLookupCategories(t *testing.T) {
	for _, c := range []struct{ module, name, class, category string }{
		{"os", "system", Unsafe, CategoryProcess},
		{"posix", "system", Unsafe, CategoryProcess},
		{"subprocess", "check_output", Unsafe, CategoryProcess},
		{"pty", "spawn", Unsafe, CategoryProcess},
		{"socket", "create_connection", Unsafe, CategoryNetwork},
		{"urllib.request", "urlopen", Unsafe, CategoryNetwork},
		{"requests.api", "get", Unsafe, CategoryNetwork},
		{"http.client", "HTTPSConnection", Unsafe, CategoryNetwork},
		{"io", "open", Unsafe, CategoryFile},
		{"builtins", "open", Unsafe, CategoryFile},
		{"shutil", "rmtree", Unsafe, CategoryFile},
		{"builtins", "eval", Unsafe, CategoryCodeLoading},
		{"__builtin__", "exec", Unsafe, CategoryCodeLoading},
		{"builtins", "compile", Unsafe, CategoryCodeLoading},
		{"importlib", "import_module", Unsafe, CategoryCodeLoading},
		{"marshal", "loads", Unsafe, CategoryCodeLoading},
		{"types", "CodeType", Unsafe, CategoryCodeLoading},
		{"types", "FunctionType", Unsafe, CategoryCodeLoading},
		{"runpy", "_run_code", Unsafe, CategoryCodeLoading},
		{"torch", "load", Unsafe, CategoryCodeLoading},
		{"cPickle", "loads", Unsafe, CategoryCodeLoading},
		{"dill", "loads", Unsafe, CategoryCodeLoading},
		{"builtins", "getattr", Unsafe, CategoryReflection},
		{"operator", "methodcaller", Unsafe, CategoryReflection},
		{"sys", "exit", Unsafe, CategoryInterpreter},
		{"ctypes", "CDLL", Unsafe, CategoryInterpreter},
		{"builtins", "len", Safe, "value"},
		{"builtins", "dict", Safe, "value"},
		{"__builtin__", "frozenset", Safe, "value"},
		{"collections", "deque", Safe, "container"},
		{"collections", "defaultdict", Safe, "container"},
		{"collections", "Counter", Safe, "container"},
		{"collections.abc", "Mapping", Safe, "container"},
		{"__future__", "annotations", Safe, "future"},
		{"numpy.core.multiarray", "scalar", Safe, "array"},
		{"numpy.dtypes", "Float64DType", Safe, "array"},
		{"torch.nn.modules.container", "ModuleList", Safe, "container"},
		{"uuid", "UUID", Safe, "value"},
		{"uuid", "_get_command_stdout", Unsafe, CategoryProcess},
		// A safe module's "*" covers its own names, not submodules or
		// attributes reached through them.
		{"collections.abc.evil", "Mapping", Unknown, ""},
		{"__future__", "annotations.__globals__", Unknown, ""},
		{"collections", "namedtuple", Unknown, ""},
		{"pathlib", "PosixPath", Unknown, ""},
	} {
		class, category := Lookup(c.module, c.name)
		if class != c.class || category != c.category {
			t.Errorf("%s.%s = %s/%s, want %s/%s", c.module, c.name, class, category, c.class, c.category)
		}
	}
}

// Each imported global carries its category; an import through operands
// the walk cannot see is "hidden".
func TestReadPickleGlobalCategories(t *testing.T) {
	info, err := readPickleBytes(t, testmodel.MaliciousPickle(4, testmodel.ViaStackGlobal, "urllib.request", "urlopen", "http://x.invalid"))
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Globals) != 1 || info.Globals[0].Category != CategoryNetwork || info.Globals[0].Class != Unsafe {
		t.Errorf("globals %+v", info.Globals)
	}
	info, err = readPickleBytes(t, testmodel.MaliciousPickle(4, testmodel.ViaHidden, "os", "system", "id"))
	if err != nil {
		t.Fatal(err)
	}
	var hidden bool
	for _, g := range info.Globals {
		if g.Module == "unknown" && g.Category == CategoryHidden && g.Class == Unsafe {
			hidden = true
		}
		if g.Class == Safe && g.Category != "" {
			t.Errorf("safe global %s has category %q", g, g.Category)
		}
	}
	if !hidden {
		t.Errorf("globals %+v", info.Globals)
	}
}

// CPython's unpickler treats FRAME as a read-ahead hint: an opcode that
// runs past the frame's declared end, and the opcodes after it, are read
// from the stream as usual. A global placed past a frame that declares
// fewer bytes than follow it is imported, and must be listed.
func TestReadPickleFrameShorterThanContent(t *testing.T) {
	for _, declared := range []uint64{0, 1, 3} {
		p := testmodel.NewPickler(4).Frame(declared)
		p.Str("harmless").Pop()
		p.GlobalOpcode("os", "system").Str("id").TupleN(1).Reduce()
		data := p.Stop()
		info, err := readPickleBytes(t, data)
		if err != nil {
			t.Fatal(err)
		}
		if got := globalNames(info); !slices.Equal(got, []string{"os.system=unsafe"}) {
			t.Errorf("frame of %d: globals %q", declared, got)
		}
	}
	// A frame that declares more bytes than the file holds: CPython stops
	// at it ("pickle data was truncated"); the walk still lists what
	// follows, erring on the side of reporting.
	p := testmodel.NewPickler(4).Frame(1 << 40)
	p.GlobalOpcode("builtins", "exec").Str("x").TupleN(1).Reduce()
	info, err := readPickleBytes(t, p.Stop())
	if err != nil {
		t.Fatal(err)
	}
	if got := globalNames(info); !slices.Equal(got, []string{"builtins.exec=unsafe"}) {
		t.Errorf("long frame: globals %q", got)
	}
}

// A memo slot holds a reference: a list stored, then filled through
// another fetch of the same slot, is the filled list wherever it is
// fetched. The expansion of a bomb built that way (empty lists first,
// nested before filled) is seen as well as one built bottom-up.
func TestReadPickleExpansionBomb(t *testing.T) {
	for _, c := range []struct {
		name    string
		data    []byte
		atLeast uint64
	}{
		{"bottom-up", testmodel.PickleBomb(4, 12, 10, false), 1e12},
		{"top-down", testmodel.PickleBomb(4, 12, 10, true), 1e12},
		{"protocol 0", testmodel.PickleBomb(0, 9, 10, false), 1e9},
		{"saturating", testmodel.PickleBomb(2, 200, 10, false), limits.MaxPickleExpansionCount},
	} {
		t.Run(c.name, func(t *testing.T) {
			info, err := readPickleBytes(t, c.data)
			if err != nil {
				t.Fatal(err)
			}
			e := info.Expansion
			if e == nil || e.Objects < c.atLeast || e.Opcodes <= 0 || e.Offset <= 0 || e.Offset >= int64(len(c.data)) {
				t.Fatalf("expansion %+v of %d bytes", e, len(c.data))
			}
		})
	}
	// Honest pickles are far below the threshold: a state dict, a long
	// flat list, a structure with a few shared references.
	flat := testmodel.NewPickler(2).EmptyList()
	flat.Mark()
	for i := range 20000 {
		flat.Int(int64(i))
	}
	shared := testmodel.NewPickler(4).EmptyList()
	id := shared.Memoize()
	shared.Mark()
	for range 50 {
		shared.Get(id)
	}
	for _, data := range [][]byte{
		testmodel.TorchStateDict(2, testmodel.FixtureTensors, nil),
		flat.Appends().Stop(),
		shared.Raw('l').Stop(),
		testmodel.PickleBomb(4, 3, 10, false),
	} {
		info, err := readPickleBytes(t, data)
		if err != nil {
			t.Fatal(err)
		}
		if info.Expansion != nil {
			t.Errorf("honest pickle reported as a bomb: %+v", info.Expansion)
		}
	}
}
