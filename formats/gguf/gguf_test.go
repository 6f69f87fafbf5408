package gguf_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/formats/gguf"
	"github.com/modelvet/modelvet/internal/formattest"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/internal/testutil"
)

var ggufTypeName = map[uint32]string{0: "uint8", 1: "int8", 2: "uint16", 3: "int16", 4: "uint32", 5: "int32", 6: "float32", 7: "bool", 8: "string", 10: "uint64", 11: "int64", 12: "float64"}

// checkGGUFAgainstIndependentDecode compares every key ReadGGUF reports
// with an encoding/binary walk of the same bytes.
func checkGGUFAgainstIndependentDecode(t *testing.T, data []byte, info *gguf.Info) {
	t.Helper()
	version, tensors, kvs, meta, _ := decodeGGUF(t, data)
	if info.Version != version || info.TensorCount != tensors || info.KVCount != kvs {
		t.Errorf("version, tensors, kvs = %d, %d, %d; want %d, %d, %d", info.Version, info.TensorCount, info.KVCount, version, tensors, kvs)
	}
	if len(info.Metadata) != len(meta) {
		t.Errorf("%d keys, want %d", len(info.Metadata), len(meta))
	}
	for _, kv := range info.Metadata {
		want, ok := meta[kv.Key]
		if !ok {
			t.Errorf("key %q not in the file", kv.Key)
			continue
		}
		if kv.Offset != int64(want.offset) {
			t.Errorf("%s: offset %d, want %d", kv.Key, kv.Offset, want.offset)
		}
		if want.typ == 9 {
			if wt := "array[" + ggufTypeName[want.value.(uint32)] + "]"; kv.Type != wt || kv.Len != want.length {
				t.Errorf("%s: %s of %d, want %s of %d", kv.Key, kv.Type, kv.Len, wt, want.length)
			}
			if (kv.Value == nil) != (want.length > limits.MaxGGUFShortArray) {
				t.Errorf("%s: array of %d kept = %v", kv.Key, want.length, kv.Value != nil)
			}
			continue
		}
		if kv.Type != ggufTypeName[want.typ] {
			t.Errorf("%s: type %s, want %s", kv.Key, kv.Type, ggufTypeName[want.typ])
		}
		wv := want.value
		if want.typ == 7 {
			wv = want.value.(uint64) == 1
		}
		// JSON has no NaN or infinity: the reader names them.
		if f, ok := wv.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
			wv = map[bool]string{true: "NaN"}[math.IsNaN(f)]
			if math.IsInf(f, 1) {
				wv = "+Inf"
			} else if math.IsInf(f, -1) {
				wv = "-Inf"
			}
		}
		if kv.Value != wv {
			t.Errorf("%s = %v (%T), want %v (%T)", kv.Key, kv.Value, kv.Value, wv, wv)
		}
	}
}

func TestReadGGUFCorpus(t *testing.T) {
	dir := testutil.Corpus(t, "gguf")
	for _, tc := range []struct {
		file string
		kvs  uint64
		arch string
		want map[string]any // values stated in the corpus README
		lens map[string]uint64
	}{
		{"ggml-vocab-bert-bge.gguf", 20, "bert",
			map[string]any{"general.name": "bert-bge", "bert.embedding_length": uint64(384), "bert.attention.layer_norm_epsilon": float64(float32(1e-12))}, nil},
		{"ggml-vocab-gpt-2.gguf", 16, "gpt2",
			map[string]any{"tokenizer.ggml.model": "gpt2", "tokenizer.ggml.bos_token_id": uint64(50256), "tokenizer.ggml.eos_token_id": uint64(50256), "gpt2.attention.layer_norm_epsilon": float64(float32(1e-5))},
			map[string]uint64{"tokenizer.ggml.tokens": 50257, "tokenizer.ggml.token_type": 50257, "tokenizer.ggml.merges": 50000}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			cr := formattest.NewCountingReader(data)
			info, err := gguf.Read(cr, int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			if max := int64(len(data))/(1<<20) + 2; cr.Calls.Load() > max {
				t.Errorf("%d reads for a %d-byte file, want at most %d", cr.Calls.Load(), len(data), max)
			}
			checkGGUFAgainstIndependentDecode(t, data, info)
			if info.Version != 3 || info.TensorCount != 0 || info.KVCount != tc.kvs || info.Architecture != tc.arch {
				t.Errorf("v%d, %d tensors, %d kvs, arch %q; README says v3, 0, %d, %q", info.Version, info.TensorCount, info.KVCount, info.Architecture, tc.kvs, tc.arch)
			}
			// The reconstructed files end exactly where the metadata does.
			if info.DataOffset != int64(len(data)) || info.Alignment != 32 || info.Parameters != 0 {
				t.Errorf("DataOffset %d (file %d), alignment %d, parameters %d", info.DataOffset, len(data), info.Alignment, info.Parameters)
			}
			for k, want := range tc.want {
				if v, _ := info.Get(k); v.Value != want {
					t.Errorf("%s = %v (%T), want %v", k, v.Value, v.Value, want)
				}
			}
			for k, want := range tc.lens {
				if v, _ := info.Get(k); v.Len != want || v.Value != nil {
					t.Errorf("%s: len %d (kept %v), want %d summarised", k, v.Len, v.Value != nil, want)
				}
			}
		})
	}
}

// TestReadGGUFCorpusMangled: the damaged vocabulary must fail cleanly at
// the first bad string length, which the corpus README locates.
func TestReadGGUFCorpusMangled(t *testing.T) {
	path := testutil.Corpus(t, "gguf", "ggml-vocab-llama-spm.utf8-mangled.gguf")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := gguf.Read(bytes.NewReader(data), int64(len(data)))
	if info != nil {
		t.Errorf("info returned for a corrupt file: %+v", info)
	}
	formattest.Error(t, err, "gguf", 399, "length 73939795391 exceeds limit")
}

func TestReadGGUFOllamaBlob(t *testing.T) {
	path := testutil.Corpus(t, "ollama", "registry-testdata", "models", "blobs", "sha256-a4e5e156ddec27e286f75328784d7106b60a4eb1d246e950a001a3f944fbda99")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := gguf.Read(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if info.Version != 3 || info.TensorCount != 0 || info.KVCount != 0 || info.DataOffset != 24 {
		t.Errorf("%+v, want v3, 0 tensors, 0 kvs, data at 24", info)
	}
}

// everyType returns one key of each scalar type and a short array of each.
func everyType() []testmodel.KV {
	return []testmodel.KV{
		{Key: "t.uint8", Value: testmodel.Uint8(200)},
		{Key: "t.int8", Value: testmodel.Int8(-100)},
		{Key: "t.uint16", Value: testmodel.Uint16(60000)},
		{Key: "t.int16", Value: testmodel.Int16(-30000)},
		{Key: "t.uint32", Value: testmodel.Uint32(4_000_000_000)},
		{Key: "t.int32", Value: testmodel.Int32(-2_000_000_000)},
		{Key: "t.float32", Value: testmodel.Float32(0.5)},
		{Key: "t.bool", Value: testmodel.Bool(true)},
		{Key: "t.string", Value: testmodel.String("héllo")},
		{Key: "t.uint64", Value: testmodel.Uint64(1 << 63)},
		{Key: "t.int64", Value: testmodel.Int64(-1 << 62)},
		{Key: "t.float64", Value: testmodel.Float64(-2.25)},
		{Key: "t.nan", Value: testmodel.Float32(float32(math.NaN()))},
		{Key: "t.inf", Value: testmodel.Float64(math.Inf(-1))},
		{Key: "a.int32", Value: testmodel.ArrayOf(testmodel.GGUFInt32, testmodel.Int32(1), testmodel.Int32(-2))},
		{Key: "a.bool", Value: testmodel.ArrayOf(testmodel.GGUFBool, testmodel.Bool(false), testmodel.Bool(true))},
		{Key: "a.empty", Value: testmodel.ArrayOf(testmodel.GGUFFloat64)},
		{Key: "general.tags", Value: testmodel.Strings("text-generation", "gguf")},
	}
}

func TestReadGGUFValues(t *testing.T) {
	for _, version := range []uint32{2, 3} {
		t.Run(fmt.Sprint("v", version), func(t *testing.T) {
			kv := append(everyType(),
				testmodel.KV{Key: "general.architecture", Value: testmodel.String("llama")},
				testmodel.KV{Key: "long.strings", Value: testmodel.Strings(strings.Split(strings.Repeat("tok,", 1000), ",")...)},
				testmodel.KV{Key: "long.bytes", Value: testmodel.ArrayOf(testmodel.GGUFUint8, repeatValue(testmodel.Uint8(7), 5000)...)},
				testmodel.KV{Key: "long.bools", Value: testmodel.ArrayOf(testmodel.GGUFBool, repeatValue(testmodel.Bool(true), 65)...)},
			)
			data := testmodel.GGUF{Version: version, KV: kv}.Bytes()
			info, err := gguf.Read(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			checkGGUFAgainstIndependentDecode(t, data, info)
			want := map[string]any{
				"t.uint8": uint64(200), "t.int8": int64(-100), "t.uint16": uint64(60000), "t.int16": int64(-30000),
				"t.uint32": uint64(4_000_000_000), "t.int32": int64(-2_000_000_000), "t.float32": 0.5, "t.bool": true,
				"t.string": "héllo", "t.uint64": uint64(1 << 63), "t.int64": int64(-1 << 62), "t.float64": -2.25,
				"t.nan": "NaN", "t.inf": "-Inf", "general.architecture": "llama",
			}
			for k, w := range want {
				if v, _ := info.Get(k); v.Value != w {
					t.Errorf("%s = %v (%T), want %v", k, v.Value, v.Value, w)
				}
			}
			if v, _ := info.Get("a.int32"); fmt.Sprint(v.Value) != "[1 -2]" || v.Type != "array[int32]" || v.Len != 2 {
				t.Errorf("a.int32 = %+v", v)
			}
			if v, _ := info.Get("a.bool"); fmt.Sprint(v.Value) != "[false true]" {
				t.Errorf("a.bool = %+v", v)
			}
			if got := info.Strings("general.tags"); fmt.Sprint(got) != "[text-generation gguf]" {
				t.Errorf("general.tags = %v", got)
			}
			for k, n := range map[string]uint64{"long.strings": 1001, "long.bytes": 5000, "long.bools": 65} {
				if v, _ := info.Get(k); v.Len != n || v.Value != nil {
					t.Errorf("%s: %+v, want %d elements summarised", k, v, n)
				}
			}
			if info.Architecture != "llama" || info.Version != version {
				t.Errorf("architecture %q, version %d", info.Architecture, info.Version)
			}
		})
	}
}

func repeatValue(v testmodel.Value, n int) []testmodel.Value {
	out := make([]testmodel.Value, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestReadGGUFTensors(t *testing.T) {
	g := testmodel.GGUF{
		KV: []testmodel.KV{{Key: "general.architecture", Value: testmodel.String("llama")}, {Key: "general.alignment", Value: testmodel.Uint32(64)}},
		Tensors: []testmodel.GGUFTensor{
			{Name: "token_embd.weight", Dims: []uint64{4096, 32000}, Type: testmodel.GGMLQ4_K},
			{Name: "blk.0.attn_q.weight", Dims: []uint64{4096, 4096}, Type: testmodel.GGMLQ8_0},
			{Name: "blk.0.attn_norm.weight", Dims: []uint64{4096}, Type: testmodel.GGMLF32},
			{Name: "blk.0.ffn_up.weight", Dims: []uint64{4096, 11008}, Type: testmodel.GGMLMXFP4},
			{Name: "blk.0.ffn_down.weight", Dims: []uint64{256, 4, 3}, Type: testmodel.GGMLTQ1_0},
			{Name: "output.weight", Dims: []uint64{4096, 32000}, Type: testmodel.GGMLQ6_K},
			{Name: "rope_freqs", Dims: []uint64{64}, Type: testmodel.GGMLBF16},
			{Name: "future.weight", Dims: []uint64{10}, Type: 99}, // a type this reader does not know
		},
		Alignment: 64,
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "m.gguf")
	if err := g.WriteFile(path, true); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	info, err := gguf.Read(f, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	var params int64
	for _, tt := range g.Tensors {
		params += int64(tt.Elements())
	}
	types := map[string]int{"Q4_K": 1, "Q8_0": 1, "F32": 1, "MXFP4": 1, "TQ1_0": 1, "Q6_K": 1, "BF16": 1, "type_99": 1}
	if info.Parameters != params || !maps.Equal(info.TensorTypes, types) {
		t.Errorf("Parameters %d, TensorTypes %v; want %d, %v", info.Parameters, info.TensorTypes, params, types)
	}
	if info.ParametersByType["Q4_K"] != 4096*32000 || info.ParametersByType["type_99"] != 10 {
		t.Errorf("ParametersByType = %v", info.ParametersByType)
	}
	if info.UncheckedTensors != 1 || info.Alignment != 64 {
		t.Errorf("UncheckedTensors %d, Alignment %d", info.UncheckedTensors, info.Alignment)
	}
	if info.DataOffset != int64(g.DataOffset()) || info.DataOffset%64 != 0 {
		t.Errorf("DataOffset = %d, want %d", info.DataOffset, g.DataOffset())
	}
	// The last sized tensor ends DataSize bytes into the data section.
	if info.DataOffset+info.DataSize > fi.Size() || info.DataSize < int64(g.DataSize())-64 {
		t.Errorf("DataSize %d, builder %d, file %d", info.DataSize, g.DataSize(), fi.Size())
	}
	// Byte sizes, as laid out independently by the builder: Q4_K 144 bytes
	// per 256 elements, and so on.
	if want := uint64(4096*32000/256*144 + 4096*4096/32*34 + 4096*4 + 4096*11008/32*17 + 3*4*54 + 4096*32000/256*210 + 64*2); sumSizes(g) != want {
		t.Errorf("builder sizes %d, want %d", sumSizes(g), want)
	}
}

func sumSizes(g testmodel.GGUF) uint64 {
	var n uint64
	for _, t := range g.Tensors {
		n += t.Size()
	}
	return n
}

func TestGGUFLineage(t *testing.T) {
	g := testmodel.GGUF{KV: []testmodel.KV{
		{Key: "general.architecture", Value: testmodel.String("qwen2")},
		{Key: "general.license", Value: testmodel.String("apache-2.0")},
		{Key: "general.license.name", Value: testmodel.String("Apache 2.0")},
		{Key: "general.license.link", Value: testmodel.String("https://www.apache.org/licenses/LICENSE-2.0")},
		{Key: "general.base_model.count", Value: testmodel.Uint32(2)},
		{Key: "general.base_model.1.name", Value: testmodel.String("Qwen2.5 Math 7B")},
		{Key: "general.base_model.1.organization", Value: testmodel.String("Qwen")},
		{Key: "general.base_model.1.repo_url", Value: testmodel.String("https://huggingface.co/Qwen/Qwen2.5-Math-7B")},
		{Key: "general.base_model.0.name", Value: testmodel.String("DeepSeek R1")},
		{Key: "general.base_model.0.organization", Value: testmodel.String("Deepseek Ai")},
		{Key: "general.base_model.0.version", Value: testmodel.String("v1")},
		{Key: "general.dataset.count", Value: testmodel.Uint32(1)},
		{Key: "general.dataset.0.name", Value: testmodel.String("OpenThoughts")},
		{Key: "general.dataset.0.url", Value: testmodel.String("https://example.org/ot")},
		{Key: "general.datasets", Value: testmodel.Strings("legacy/flat")},
		{Key: "general.base_model.x.name", Value: testmodel.String("ignored: not a number")},
	}}
	data := g.Bytes()
	info, err := gguf.Read(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	bases := info.BaseModels()
	if len(bases) != 2 || bases[0].Name != "DeepSeek R1" || bases[0].Version != "v1" || bases[1].Organization != "Qwen" || bases[1].RepoURL != "https://huggingface.co/Qwen/Qwen2.5-Math-7B" {
		t.Fatalf("BaseModels = %+v", bases)
	}
	// Evidence offsets point at the first key of each entry in the file.
	if want := int64(bytes.Index(data, []byte("general.base_model.0.name")) - 8); bases[0].Offset != want {
		t.Errorf("base 0 offset %d, want %d", bases[0].Offset, want)
	}
	if b := bases[1]; b.Key != "general.base_model.1" || b.Name != "Qwen2.5 Math 7B" || b.Offset != int64(bytes.Index(data, []byte("general.base_model.1.name"))-8) {
		t.Errorf("base 1 = %+v", b)
	}
	if n, ok := info.Uint("general.base_model.count"); !ok || n != 2 {
		t.Errorf("base_model.count = %d, %v", n, ok)
	}
	ds := info.Datasets()
	if len(ds) != 2 || ds[0].Name != "OpenThoughts" || ds[0].URL != "https://example.org/ot" || ds[1].Name != "legacy/flat" || ds[1].Key != "general.datasets" {
		t.Errorf("Datasets = %+v", ds)
	}
	if info.String("general.license") != "apache-2.0" || info.String("general.license.link") == "" {
		t.Errorf("license keys: %q %q", info.String("general.license"), info.String("general.license.link"))
	}
	if v, _ := info.Get("general.license"); v.Offset != int64(bytes.Index(data, []byte("general.license"))-8) || v.Value != "apache-2.0" {
		t.Errorf("general.license = %+v", v)
	}
}

// GGUF as current llama.cpp writes it: no general.alignment (32), a
// 150,000-token vocabulary with scores, types and merges, and a chat
// template of tens of KB, kept whole.
func TestGGUFRealShapes(t *testing.T) {
	const n = 150_000
	tokens := make([]testmodel.Value, n)
	scores := make([]testmodel.Value, n)
	types := make([]testmodel.Value, n)
	for i := range tokens {
		tokens[i] = testmodel.String(fmt.Sprintf("tok%d", i))
		scores[i] = testmodel.Float32(float32(-i))
		types[i] = testmodel.Int32(1)
	}
	merges := make([]testmodel.Value, n)
	for i := range merges {
		merges[i] = testmodel.String(fmt.Sprintf("Ġ t%d", i))
	}
	tmpl := strings.Repeat("{%- if message['role'] == 'user' -%}{{ '<|im_start|>user\\n' + message['content'] }}{%- endif -%}\n", 400)
	g := testmodel.GGUF{KV: []testmodel.KV{
		{Key: "general.architecture", Value: testmodel.String("qwen2")},
		{Key: "general.file_type", Value: testmodel.Uint32(15)},
		{Key: "tokenizer.ggml.model", Value: testmodel.String("gpt2")},
		{Key: "tokenizer.ggml.tokens", Value: testmodel.ArrayOf(testmodel.GGUFString, tokens...)},
		{Key: "tokenizer.ggml.scores", Value: testmodel.ArrayOf(testmodel.GGUFFloat32, scores...)},
		{Key: "tokenizer.ggml.token_type", Value: testmodel.ArrayOf(testmodel.GGUFInt32, types...)},
		{Key: "tokenizer.ggml.merges", Value: testmodel.ArrayOf(testmodel.GGUFString, merges...)},
		{Key: "tokenizer.chat_template", Value: testmodel.String(tmpl)},
		{Key: "general.quantization_version", Value: testmodel.Uint32(2)},
	}, Tensors: []testmodel.GGUFTensor{
		{Name: "token_embd.weight", Dims: []uint64{256, 4}, Type: 12},   // Q4_K
		{Name: "blk.0.attn_q.weight", Dims: []uint64{256, 2}, Type: 18}, // IQ3_XXS
		{Name: "blk.0.ffn_up.weight", Dims: []uint64{64, 2}, Type: 39},  // MXFP4
		{Name: "output_norm.weight", Dims: []uint64{256}, Type: 0},
	}}
	data := g.Bytes()
	info, err := gguf.Read(strings.NewReader(string(data)), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if info.Alignment != 32 || info.String("tokenizer.chat_template") != tmpl || info.UncheckedTensors != 0 || info.DataSize != int64(g.DataSize()) {
		t.Errorf("alignment %d template %d bytes unchecked %d data %d", info.Alignment, len(info.String("tokenizer.chat_template")), info.UncheckedTensors, info.DataSize)
	}
	if v, _ := info.Get("tokenizer.ggml.tokens"); v.Len != n || v.Type != "array[string]" || v.Value != nil {
		t.Errorf("tokens %+v", v)
	}
	for _, name := range []string{"Q4_K", "IQ3_XXS", "MXFP4", "F32"} {
		if info.TensorTypes[name] != 1 {
			t.Errorf("tensor types %v", info.TensorTypes)
		}
	}
}

// rawGGUF builds a GGUF v3 file from counts and hand-written body bytes.
func rawGGUF(tensors, kvs uint64, body ...[]byte) []byte {
	b := []byte("GGUF")
	b = binary.LittleEndian.AppendUint32(b, 3)
	b = binary.LittleEndian.AppendUint64(b, tensors)
	b = binary.LittleEndian.AppendUint64(b, kvs)
	for _, p := range body {
		b = append(b, p...)
	}
	return b
}

func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
func gstr(s string) []byte {
	return append(u64(uint64(len(s))), s...)
}

// keyAt returns the offset of the k-th (0-based) key or tensor name s in
// a file: the start of its length field.
func keyAt(data []byte, s string, k int) int64 {
	off := 0
	for range k {
		off += bytes.Index(data[off:], []byte(s)) + 1
	}
	return int64(off+bytes.Index(data[off:], []byte(s))) - 8
}

func TestReadGGUFHostile(t *testing.T) {
	arch := testmodel.KV{Key: "general.architecture", Value: testmodel.String("llama")}
	p := func(v uint64) *uint64 { return &v }
	type tc struct {
		name string
		file []byte
		off  int64
		want string
		is   error
		info bool
	}
	// g builds a file and locates the fault relative to a string in it.
	g := func(name string, m testmodel.GGUF, locate string, k int, delta int64, want string) tc {
		data := m.Bytes()
		return tc{name: name, file: data, off: keyAt(data, locate, k) + delta, want: want}
	}
	kv1 := func(key string, v testmodel.Value) testmodel.GGUF {
		return testmodel.GGUF{KV: []testmodel.KV{arch, {Key: key, Value: v}}}
	}
	longStrings := make([]testmodel.Value, 100)
	for i := range longStrings {
		longStrings[i] = testmodel.String("t")
	}
	longStrings[70] = testmodel.LyingString(1<<40, "x")
	longBools := repeatValue(testmodel.Bool(false), 100)
	longBools[80] = testmodel.BoolByte(7)
	tensor := func(ts ...testmodel.GGUFTensor) testmodel.GGUF {
		return testmodel.GGUF{KV: []testmodel.KV{arch}, Tensors: ts}
	}
	f32 := func(name string, dims ...uint64) testmodel.GGUFTensor {
		return testmodel.GGUFTensor{Name: name, Dims: dims, Type: testmodel.GGMLF32}
	}
	withOff := func(t testmodel.GGUFTensor, off uint64) testmodel.GGUFTensor { t.Offset = &off; return t }
	// A fault in the tensor infos keeps the metadata read before them.
	gt := func(name string, m testmodel.GGUF, locate string, k int, delta int64, want string) tc {
		c := g(name, m, locate, k, delta, want)
		c.is, c.info = formats.ErrPartial, true
		return c
	}

	cases := []tc{
		{name: "3 bytes", file: []byte("GGU"), off: 0, want: "too short for the GGUF magic", is: formats.ErrTruncated},
		{name: "bad magic", file: append([]byte("GGML"), make([]byte, 20)...), off: 0, want: `magic "GGML" is not "GGUF"`},
		{name: "header cut", file: []byte("GGUF\x03\x00\x00\x00\x00"), off: 8, want: "tensor count of 8 bytes runs past the end", is: formats.ErrTruncated},
		{name: "v1", file: testmodel.GGUF{Version: 1}.Bytes(), off: 4, want: "GGUF version 1 is not supported", is: formats.ErrUnsupported},
		{name: "v4", file: testmodel.GGUF{Version: 4}.Bytes(), off: 4, want: "GGUF version 4 is not supported", is: formats.ErrUnsupported},
		{name: "v0", file: rawGGUF(0, 0)[:4:4], off: 4, want: "version of 4 bytes runs past the end", is: formats.ErrTruncated},
		{name: "big-endian", file: testmodel.GGUF{BigEndian: true, KV: []testmodel.KV{arch}}.Bytes(), off: 4, want: "appears to be big-endian", is: formats.ErrUnsupported},
		{name: "2^60 tensors", file: testmodel.GGUF{TensorCount: p(1 << 60)}.Bytes(), off: 8, want: "tensor count 1152921504606846976 exceeds limit 1048576"},
		{name: "2^32 kvs", file: testmodel.GGUF{KVCount: p(1 << 32)}.Bytes(), off: 16, want: "metadata key-value count 4294967296 exceeds limit 65536"},
		{name: "counts beyond file", file: testmodel.GGUF{TensorCount: p(1000), KV: []testmodel.KV{arch}}.Bytes(), off: 8, want: "1000 tensors and 1 key-value pairs need at least 24013 bytes", is: formats.ErrTruncated},
		{name: "empty key", file: rawGGUF(0, 1, gstr(""), u32(0), []byte{1}), off: 24, want: "empty metadata key"},
		{name: "key over cap", file: rawGGUF(0, 1, u64(limits.MaxGGUFKeyLen+1), make([]byte, 64)), off: 24, want: "key length 65536 exceeds limit 65535"},
		{name: "key past end", file: rawGGUF(0, 1, u64(50), []byte("general.name.and.more")), off: 24, want: "key length 50 runs past the end", is: formats.ErrTruncated},
		{name: "key not UTF-8", file: rawGGUF(0, 1, gstr("k\xffey"), u32(0), []byte{1}), off: 24, want: "not valid UTF-8"},
		g("duplicate key", testmodel.GGUF{KV: []testmodel.KV{arch, {Key: "general.name", Value: testmodel.String("a")}, {Key: "general.name", Value: testmodel.String("b")}}}, "general.name", 1, 0, `duplicate metadata key "general.name" (first at offset 69)`),
		g("unknown value type", kv1("x.y", testmodel.Raw(13, []byte{0})), "x.y", 0, 8+3, `key "x.y" has unknown value type 13`),
		g("bool 2", kv1("x.flag", testmodel.BoolByte(2)), "x.flag", 0, 8+6+4, "bool value is 2, not 0 or 1"),
		g("nested array", kv1("x.nested", testmodel.ArrayOf(testmodel.GGUFArray, testmodel.ArrayOf(testmodel.GGUFUint8, testmodel.Uint8(1)))), "x.nested", 0, 8+8+4, "array of arrays, which is not supported"),
		g("array of unknown type", kv1("x.arr", testmodel.Raw(9, append(u32(42), u64(1)...))), "x.arr", 0, 8+5+4, "array of unknown value type 42"),
		g("array over cap", kv1("x.arr", testmodel.LyingArray(testmodel.GGUFUint8, limits.MaxGGUFArrayLen+1)), "x.arr", 0, 8+5+4+4, "array length 16777217 exceeds limit 16777216"),
		g("array count lies", kv1("x.arr", testmodel.LyingArray(testmodel.GGUFUint32, 1000, testmodel.Uint32(1))), "x.arr", 0, 8+5+4+4, "array of 1000 uint32 needs at least 4000 bytes"),
		g("string array count lies", kv1("x.arr", testmodel.LyingArray(testmodel.GGUFString, 1<<20, testmodel.String("a"))), "x.arr", 0, 8+5+4+4, "array of 1048576 string needs at least 8388608 bytes"),
		g("string over cap", kv1("x.s", testmodel.LyingString(limits.MaxGGUFString+1, "abc")), "x.s", 0, 8+3+4, "string length 16777217 exceeds limit 16777216"),
		g("string past end", kv1("x.s", testmodel.LyingString(1000, "abc")), "x.s", 0, 8+3+4, "string length 1000 runs past the end"),
		g("long array element lies", kv1("x.vocab", testmodel.ArrayOf(testmodel.GGUFString, longStrings...)), "x.vocab", 0, 8+7+4+4+8+70*9, "string length 1099511627776 exceeds limit"),
		g("long bool array", kv1("x.bools", testmodel.ArrayOf(testmodel.GGUFBool, longBools...)), "x.bools", 0, 8+7+4+4+8+80, "bool element is 7, not 0 or 1"),
		g("alignment not uint32", kv1("general.alignment", testmodel.Uint64(32)), "general.alignment", 0, 8+17, "general.alignment is uint64, not uint32"),
		g("alignment 48", kv1("general.alignment", testmodel.Uint32(48)), "general.alignment", 0, 8+17+4, "general.alignment 48 is not a power of two"),
		g("alignment 0", kv1("general.alignment", testmodel.Uint32(0)), "general.alignment", 0, 8+17+4, "general.alignment 0 is not a power of two"),
		gt("tensor name over cap", tensor(f32(strings.Repeat("n", limits.MaxGGUFTensorNameLen+1), 4)), "nnnn", 0, 0, "tensor name length 4097 exceeds limit 4096"),
		gt("duplicate tensor", tensor(f32("w", 4), f32("w", 4)), "\x01\x00\x00\x00\x00\x00\x00\x00w", 1, 8, `duplicate tensor name "w"`),
		gt("5 dimensions", tensor(f32("w5", 1, 1, 1, 1, 1)), "w5", 0, 8+2, `tensor "w5" has 5 dimensions, over the limit of 4`),
		gt("negative dimension", tensor(f32("neg", 1<<63)), "neg", 0, 8+3+4, "dimension 0 is 9223372036854775808, which ggml reads as negative"),
		gt("dimension overflow", tensor(f32("big", 1<<32, 1<<32)), "big", 0, 8+3+4+8, "dimensions overflow the element count"),
		gt("misaligned offset", tensor(withOff(f32("mis", 4), 16)), "mis", 0, 8+3+4+8+4, `tensor "mis" offset 16 is not a multiple of the alignment 32`),
		gt("block size", tensor(testmodel.GGUFTensor{Name: "q", Dims: []uint64{100, 2}, Type: testmodel.GGMLQ4_K}), "\x01\x00\x00\x00\x00\x00\x00\x00q", 0, 8+8+1+4+16, "first dimension 100 is not a multiple of the Q4_K block size 256"),
		gt("overlap", tensor(f32("a", 64), withOff(f32("b", 16), 128)), "\x01\x00\x00\x00\x00\x00\x00\x00b", 0, 8, `tensor "b" data at offset 128 overlaps tensor "a", which ends at 256`),
		gt("offset overflows", tensor(withOff(f32("far", 64), 1<<63)), "far", 0, 0, "overflows the file size"),
	}
	// Tensor data past the end: header facts kept, formats.ErrTruncated.
	ho := tensor(f32("w", 1024))
	ho.HeaderOnly = true
	hb := ho.Bytes()
	cases = append(cases, tc{name: "tensor data missing", file: hb, off: int64(len(hb)), want: fmt.Sprintf("tensor data ends at byte %d", ho.DataOffset()+4096), is: formats.ErrTruncated, info: true})
	cut := tensor(f32("w", 1024)).Bytes()
	cases = append(cases, tc{name: "last tensor cut", file: cut[:len(cut)-1], off: int64(len(cut) - 1), want: "but the file ends at", is: formats.ErrTruncated, info: true})
	// Metadata cut in the middle: nothing returned.
	mid := kv1("general.name", testmodel.String("a long enough name")).Bytes()
	cases = append(cases, tc{name: "metadata cut", file: mid[:len(mid)-5], off: keyAt(mid, "general.name", 0) + 8 + 12 + 4, want: "string length 18 runs past the end", is: formats.ErrTruncated})

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			info, err := gguf.Read(bytes.NewReader(c.file), int64(len(c.file)))
			if err == nil {
				t.Fatalf("no error; info %+v", info)
			}
			formattest.Error(t, err, "gguf", c.off, c.want)
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %v does not wrap %v", err, c.is)
			}
			if (info != nil) != c.info {
				t.Errorf("info returned = %v, want %v", info != nil, c.info)
			}
			if c.info && errors.Is(c.is, formats.ErrTruncated) && !info.Truncated {
				t.Errorf("Truncated not set")
			}
			if errors.Is(c.is, formats.ErrPartial) && (info.Architecture != "llama" || len(info.Metadata) == 0 || info.Parameters != 0 || info.TensorTypes != nil) {
				t.Errorf("partial info %+v: want the metadata and no tensor facts", info)
			}
		})
	}
}

// TestReadGGUFHugeClaimsFailFast: hostile counts and lengths are refused
// without allocating what they claim.
func TestReadGGUFHugeClaimsFailFast(t *testing.T) {
	p := func(v uint64) *uint64 { return &v }
	for name, data := range map[string][]byte{
		"tensors":      testmodel.GGUF{TensorCount: p(1 << 60)}.Bytes(),
		"kvs":          testmodel.GGUF{KVCount: p(limits.MaxGGUFKV)}.Bytes(),
		"string":       testmodel.GGUF{KV: []testmodel.KV{{Key: "k", Value: testmodel.LyingString(limits.MaxGGUFString, "x")}}}.Bytes(),
		"string array": testmodel.GGUF{KV: []testmodel.KV{{Key: "k", Value: testmodel.LyingArray(testmodel.GGUFString, limits.MaxGGUFArrayLen)}}}.Bytes(),
	} {
		var err error
		allocs := testing.AllocsPerRun(5, func() { _, err = gguf.Read(bytes.NewReader(data), int64(len(data))) })
		if err == nil {
			t.Errorf("%s: no error", name)
		}
		if allocs > 50 {
			t.Errorf("%s: %d allocations", name, int(allocs))
		}
	}
}

// TestReadGGUFMetadataBudget: metadata walked without being kept still
// counts against MaxGGUFMetadataBytes. The file is sparse: four arrays of
// 2^24 uint64 zeros (128 MiB each) are holes on disk.
func TestReadGGUFMetadataBudget(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.gguf")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const n = limits.MaxGGUFArrayLen
	var keyAt []int64
	w := func(b []byte) {
		if _, err := f.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	w(rawGGUF(0, 5))
	for i := range 5 {
		off, _ := f.Seek(0, 1)
		keyAt = append(keyAt, off)
		w(gstr(fmt.Sprint("big.", i)))
		w(u32(9))
		w(u32(10)) // uint64 elements
		w(u64(n))
		if _, err := f.Seek(n*8, 1); err != nil {
			t.Fatal(err)
		}
	}
	w([]byte{0})
	fi, _ := f.Stat()
	info, err := gguf.Read(f, fi.Size())
	if info != nil {
		t.Fatalf("info returned: %+v", info)
	}
	// The fourth array would end past the limit.
	formattest.Error(t, err, "gguf", keyAt[3]+8+5+4+4+8, "exceed the 536870912-byte limit")
}

// TestReadGGUFPrefix reads a GGUF file's first bytes only: cut inside the
// header, inside the metadata, after it, and past the tensor infos.
func TestReadGGUFPrefix(t *testing.T) {
	data := testmodel.GGUF{KV: []testmodel.KV{
		{Key: "general.architecture", Value: testmodel.String("llama")},
		{Key: "general.license", Value: testmodel.String("apache-2.0")},
		{Key: "tokenizer.ggml.tokens", Value: testmodel.Strings(make([]string, 5000)...)},
		{Key: "llama.context_length", Value: testmodel.Uint32(4096)},
	}, Tensors: []testmodel.GGUFTensor{{Name: "w", Dims: []uint64{32, 2}, Type: testmodel.GGMLQ8_0}}}.Bytes()
	full, err := gguf.Read(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	read := func(prefix int64) (*gguf.Info, error) {
		// A reader that fails past the prefix proves nothing beyond it is read.
		r := io.NewSectionReader(bytes.NewReader(data), 0, prefix)
		return gguf.ReadPrefix(r, int64(len(data)), prefix)
	}
	if _, err := read(20); !errors.Is(err, formats.ErrTruncated) {
		t.Errorf("prefix inside the header: %v", err)
	}
	licenceEnd := full.Metadata[2].Offset // the vocabulary starts here
	p, err := read(licenceEnd + 100)
	if err != nil || p.PrefixBytes != licenceEnd+100 || len(p.Metadata) != 2 || p.Architecture != "llama" || p.Parameters != 0 {
		t.Fatalf("prefix inside the vocabulary: %+v, %v", p, err)
	}
	if v, _ := p.Get("general.license"); v.Value != "apache-2.0" {
		t.Errorf("licence = %+v", v)
	}
	// The last key: 8-byte length, the key, 4-byte type, 4-byte value;
	// the tensor infos follow.
	last := full.Metadata[3]
	p, err = read(last.Offset + 8 + int64(len(last.Key)) + 8 + 5)
	if err != nil || len(p.Metadata) != 4 || p.PrefixBytes == 0 || p.TensorTypes != nil {
		t.Errorf("prefix inside the tensor infos: %+v, %v", p, err)
	}
	p, err = read(int64(len(data)))
	if err != nil || p.PrefixBytes != 0 || p.Parameters != full.Parameters {
		t.Errorf("whole file as prefix: %+v, %v", p, err)
	}
}

// ggufKV is a GGUF metadata pair as decoded independently of the package.
type ggufKV struct {
	typ    uint32
	value  any // scalars; for arrays, the element type
	length uint64
	offset int
}

// decodeGGUF walks a whole GGUF file held in memory with encoding/binary:
// version, counts and every key with its type and (scalar) value. It
// trusts the file and is meant for the well-formed corpus files only.
func decodeGGUF(t *testing.T, b []byte) (version uint32, tensors, kvs uint64, meta map[string]ggufKV, end int) {
	t.Helper()
	le := binary.LittleEndian
	if string(b[:4]) != "GGUF" {
		t.Fatalf("independent decode: bad magic")
	}
	version = le.Uint32(b[4:])
	tensors, kvs = le.Uint64(b[8:]), le.Uint64(b[16:])
	p := 24
	str := func() string {
		n := int(le.Uint64(b[p:]))
		s := string(b[p+8 : p+8+n])
		p += 8 + n
		return s
	}
	size := map[uint32]int{0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
	scalar := func(typ uint32) any {
		if typ == 8 {
			return str()
		}
		v := b[p : p+size[typ]]
		p += size[typ]
		switch typ {
		case 0, 7:
			return uint64(v[0])
		case 1:
			return int64(int8(v[0]))
		case 2:
			return uint64(le.Uint16(v))
		case 3:
			return int64(int16(le.Uint16(v)))
		case 4:
			return uint64(le.Uint32(v))
		case 5:
			return int64(int32(le.Uint32(v)))
		case 6:
			return float64(math.Float32frombits(le.Uint32(v)))
		case 10:
			return le.Uint64(v)
		case 11:
			return int64(le.Uint64(v))
		case 12:
			return math.Float64frombits(le.Uint64(v))
		}
		t.Fatalf("independent decode: type %d", typ)
		return nil
	}
	meta = map[string]ggufKV{}
	for range kvs {
		at := p
		key := str()
		typ := le.Uint32(b[p:])
		p += 4
		kv := ggufKV{typ: typ, offset: at}
		if typ == 9 {
			elem := le.Uint32(b[p:])
			n := le.Uint64(b[p+4:])
			p += 12
			for range n {
				scalar(elem)
			}
			kv.value, kv.length = elem, n
		} else {
			kv.value = scalar(typ)
		}
		meta[key] = kv
	}
	return version, tensors, kvs, meta, p
}
