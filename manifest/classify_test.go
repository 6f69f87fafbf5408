package manifest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/internal/testutil"
)

func TestClassifyWeightSignatures(t *testing.T) {
	var keras bytes.Buffer
	zw := zip.NewWriter(&keras)
	for _, n := range []string{"metadata.json", "config.json", "model.weights.h5"} {
		w, _ := zw.Create(n)
		w.Write([]byte("{}"))
	}
	zw.Close()
	onnx := []byte{0x08, 0x08, 0x12, 0x07, 'p', 'y', 't', 'o', 'r', 'c', 'h', 0x1a, 0x05, '2', '.', '5'}
	for _, c := range []struct {
		name string
		head []byte
		want Format
	}{
		{"model.onnx", onnx, FormatONNX},
		{"model.onnx", []byte{0x12, 0x04, 't', 'f', '2', 'o', 0x08, 0x07}, FormatONNX},             // producer_name first
		{"model.onnx", []byte{0x08, 0x07, 0x42, 0x04, 0x0a, 0x00, 0x10, 0x11}, FormatONNX},         // ir_version, opset_import
		{"model.onnx", []byte("this is not onnx at all"), FormatOther},                             // text
		{"model.onnx", []byte{0x08, 0x00, 0x12, 0x01, 'x'}, FormatOther},                           // ir_version 0
		{"model.onnx", []byte{0x08, 0x07, 0x7a, 0x01, 'x'}, FormatOther},                           // unknown field 15
		{"model.onnx", []byte{0x0a, 0x07}, FormatOther},                                            // field 1 with the wrong wire type
		{"model.onnx", []byte{}, FormatOther},                                                      // empty file
		{"model.onnx", nil, FormatONNX},                                                            // not read: trust the name
		{"model.onnx", append([]byte{0x80, 0x02}, bytes.Repeat([]byte{'N'}, 14)...), FormatPickle}, // a pickle in disguise
		{"model.keras", keras.Bytes()[:16], FormatKeras},
		{"model.h5", []byte("\x89HDF\r\n\x1a\n\x00\x00\x00\x00\x00\x08\x08\x00"), FormatHDF5},
		{"weights.bin", []byte("\x89HDF\r\n\x1a\n\x00\x00\x00\x00\x00\x08\x08\x00"), FormatHDF5},
		{"pytorch_model.bin", testmodel.TorchZip("archive", 2, fixtureTensors)[:16], FormatPyTorch},
		{"model.ckpt", testmodel.TorchLegacy(2, fixtureTensors)[:16], FormatPickle},
		{"optimizer.pt", []byte("ccopy_reg\n_reconstructor\n"), FormatPickle}, // protocol 0: no magic
	} {
		if got := classify(c.name, c.head); got != c.want {
			t.Errorf("classify(%s, % x) = %s, want %s", c.name, c.head, got, c.want)
		}
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

func TestParseTargets(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "README.md"), tinyCard, 0o644)
	if src, err := Parse(dir); err != nil || src.String() != dir {
		t.Errorf("plain dir: %T %v", src, err)
	} else if _, ok := src.(dirSource); !ok {
		t.Errorf("plain dir: %T", src)
	}
	if src, err := Parse("ollama:deepseek-r1:7b"); err != nil || src.String() != "ollama:deepseek-r1:7b" {
		t.Errorf("ollama: %v %v", src, err)
	}
	if _, err := Parse("ollama:../../etc/passwd"); err == nil {
		t.Error("hostile ollama name accepted")
	}
	if _, err := Parse(filepath.Join(dir, "missing@v1")); err == nil {
		t.Error("missing@rev accepted")
	}
	// A folder inside a snapshot is a plain directory.
	lay := writeTinyRepo(t, t.TempDir(), false)
	sub := filepath.Join(lay.Dir, "snapshots", lay.Commits[1], "onnx")
	if src, err := Parse(sub); err != nil {
		t.Fatal(err)
	} else if _, ok := src.(dirSource); !ok {
		t.Errorf("snapshot subfolder: %T", src)
	}
	// A file named like an Ollama manifest outside a store is a file.
	p := filepath.Join(dir, "manifests", "h", "n", "m", "t")
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte("{}"), 0o644)
	if src, err := Parse(p); err != nil {
		t.Fatal(err)
	} else if _, ok := src.(fileSource); !ok {
		t.Errorf("manifest-like file: %T", src)
	}
}
