package savedmodel

import (
	"bytes"
	"testing"

	"github.com/modelvet/modelvet/internal/formattest"
	"github.com/modelvet/modelvet/internal/testmodel"
)

var benign = []testmodel.TFNode{
	{Name: "serving_default_x", Op: "Placeholder"}, {Name: "dense/kernel", Op: "Const"},
	{Name: "dense/MatMul", Op: "MatMul"}, {Name: "saver/RestoreV2", Op: "RestoreV2"}, {Name: "saver/SaveV2", Op: "SaveV2"},
}

func read(t testing.TB, data []byte) *Info {
	t.Helper()
	info, err := Read(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func TestReadBenign(t *testing.T) {
	data := testmodel.TFSavedModel(testmodel.TFGraphDef(benign, testmodel.TFFunction{Name: "__inference_call_42", Nodes: []testmodel.TFNode{{Name: "add", Op: "AddV2"}}}))
	info := read(t, data)
	if info.Kind != "saved_model" || info.MetaGraphs != 1 || info.Nodes != 6 || len(info.Flagged) != 0 || info.Ops["AddV2"] != 1 || info.Ops["Const"] != 1 {
		t.Errorf("%+v", info)
	}
	if !Sniff(data) {
		t.Error("not sniffed")
	}
}

// Python ops hidden in a tf.function and file ops in the graph are named
// with their node, function and offset.
func TestReadFlagged(t *testing.T) {
	nodes := append(append([]testmodel.TFNode{}, benign...), testmodel.TFNode{Name: "exfil/WriteFile", Op: "WriteFile"})
	data := testmodel.TFSavedModel(testmodel.TFGraphDef(nodes,
		testmodel.TFFunction{Name: "__inference_py_7", Nodes: []testmodel.TFNode{{Name: "EagerPyFunc", Op: "EagerPyFunc"}}}))
	info := read(t, data)
	if len(info.Flagged) != 2 {
		t.Fatalf("flagged %+v", info.Flagged)
	}
	w, py := info.Flagged[0], info.Flagged[1]
	if w.Op != "WriteFile" || w.Name != "exfil/WriteFile" || w.Function != "" || py.Op != "EagerPyFunc" || py.Function != "__inference_py_7" {
		t.Errorf("flagged %+v", info.Flagged)
	}
	for _, n := range info.Flagged {
		if !bytes.Contains(data[n.Offset:n.Offset+40], []byte(n.Op)) {
			t.Errorf("%s: offset %d is not its NodeDef", n.Op, n.Offset)
		}
	}
	// A frozen GraphDef (.pb) is read the same way.
	fg := testmodel.TFGraphDef([]testmodel.TFNode{{Name: "py", Op: "PyFunc"}})
	if !Sniff(fg) || Sniff([]byte("\x0a\x05hello")) {
		t.Error("frozen graph sniffing")
	}
	frozen := read(t, fg)
	if frozen.Kind != "graph_def" || len(frozen.Flagged) != 1 || frozen.Flagged[0].Op != "PyFunc" {
		t.Errorf("frozen %+v", frozen)
	}
}

func TestReadHostile(t *testing.T) {
	good := testmodel.TFSavedModel(testmodel.TFGraphDef(benign))
	deep := testmodel.Proto{}.Str(1, "x")
	for range 40 {
		deep = testmodel.Proto{}.Bytes(2, deep)
	}
	for name, data := range map[string][]byte{
		"truncated":    good[:len(good)-7],
		"empty":        {},
		"not protobuf": []byte("GGUF\x03\x00"),
		"group":        {0x08, 0x01, 0x13},
		"length lies":  {0x08, 0x01, 0x12, 0xff, 0xff, 0xff, 0x7f},
		"field 0":      {0x08, 0x01, 0x12, 0x02, 0x00, 0x00},
		"long varint":  append([]byte{0x08}, bytes.Repeat([]byte{0xff}, 12)...),
		"deep nesting": append([]byte{0x08, 0x01}, deep...),
	} {
		t.Run(name, func(t *testing.T) {
			info, err := Read(bytes.NewReader(data), int64(len(data)))
			if err == nil && name != "deep nesting" {
				t.Fatalf("no error: %+v", info)
			}
			formattest.CheckReaderError(t, err, info != nil)
		})
	}
}

func FuzzRead(f *testing.F) {
	f.Add(testmodel.TFSavedModel(testmodel.TFGraphDef(benign, testmodel.TFFunction{Name: "f", Nodes: []testmodel.TFNode{{Name: "p", Op: "PyFunc"}}})))
	f.Add([]byte(testmodel.TFGraphDef(benign)))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := Read(bytes.NewReader(data), int64(len(data)))
		formattest.CheckReaderError(t, err, info != nil)
	})
}
