package manifest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/testmodel"
)

// writeTree writes files (slash paths) under dir.
func writeTree(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for p, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func openSource(t *testing.T, src Source) *Release {
	t.Helper()
	rel, err := src.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

func bf16(names ...string) testmodel.Safetensors {
	s := testmodel.Safetensors{Metadata: map[string]string{"format": "pt"}}
	for _, n := range names {
		s.Tensors = append(s.Tensors, testmodel.SafetensorsTensor{Name: n, Dtype: "BF16", Shape: []uint64{4, 4}})
	}
	return s
}

// A repository cloned without Git LFS holds pointer files in place of its
// weights. They must be reported as such — with the digest and size of the
// file they stand for — not as malformed weights, and the sharded index
// must not be reported against them tensor by tensor.
func TestLFSPointerClone(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "Llama-3.2-1B-Instruct")
	s1, s2 := bf16("a"), bf16("b")
	pth := testmodel.TorchZip("consolidated", 2, []testmodel.Tensor{{Name: "w", DType: "BF16", Shape: []int64{2}}})
	writeTree(t, dir, map[string][]byte{
		"README.md":                        []byte("---\nlicense: llama3.2\n---\n"),
		"config.json":                      []byte(`{"architectures":["LlamaForCausalLM"]}`),
		".gitattributes":                   []byte("*.safetensors filter=lfs diff=lfs merge=lfs -text\n"),
		"model-00001-of-00002.safetensors": testmodel.LFSPointer(s1.Bytes()),
		"model-00002-of-00002.safetensors": testmodel.LFSPointer(s2.Bytes()),
		"model.safetensors.index.json":     testmodel.SafetensorsIndexJSON(int64(s1.DataSize()+s2.DataSize()), map[string]string{"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}),
		"original/consolidated.00.pth":     testmodel.LFSPointer(pth),
		"tokenizer.json":                   []byte(`{"version":"1.0"}`),
	})
	rel := openSource(t, Dir(dir))
	want := map[string][]byte{
		"model-00001-of-00002.safetensors": s1.Bytes(),
		"model-00002-of-00002.safetensors": s2.Bytes(),
		"original/consolidated.00.pth":     pth,
	}
	for p, real := range want {
		f := rel.File(p)
		if f == nil || f.Format != FormatLFSPointer || f.LFSPointer == nil {
			t.Fatalf("%s: %+v", p, f)
		}
		if f.LFSPointer.OID != testmodel.SHA256(real) || f.LFSPointer.Size != int64(len(real)) {
			t.Errorf("%s: pointer %+v", p, f.LFSPointer)
		}
		if f.Safetensors != nil || f.Pickle != nil {
			t.Errorf("%s: a pointer was parsed as weights", p)
		}
	}
	if len(rel.Problems) != len(want) {
		t.Fatalf("problems: %v", problemsText(rel))
	}
	for _, p := range rel.Problems {
		real := want[p.Path]
		if !strings.Contains(p.Message, "Git LFS pointer") || !strings.Contains(p.Message, testmodel.SHA256(real)) ||
			!strings.Contains(p.Message, fmt.Sprintf("%d bytes", len(real))) || !strings.Contains(p.Message, "git lfs pull") {
			t.Errorf("problem: %s", p.Message)
		}
	}
	if issues := rel.CheckIndex(); len(issues) != 0 {
		t.Errorf("index issues against pointers: %+v", issues)
	}
	for _, f := range rel.Findings() {
		if f.Code == finding.FormatPickle || f.Code == finding.FormatCodeExecution {
			t.Errorf("pointer taken for a pickle: %s", f.Message)
		}
	}
	if got := rel.Formats(); !slices.Equal(got, []Format{FormatSafetensorsIndex}) {
		t.Errorf("formats %v", got)
	}

	// A sweep finds the clone (its weights are pointers, not weights).
	res, err := Sweep(context.Background(), filepath.Dir(dir), SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Found) != 1 || res.Found[0].Path != dir || res.Found[0].Kind != KindDirectory {
		t.Errorf("sweep found %+v", res.Found)
	}
	// A stray pointer outside a release is not a model.
	os.WriteFile(filepath.Join(t.TempDir(), "x"), nil, 0o644)
	stray := t.TempDir()
	writeTree(t, stray, map[string][]byte{"model.safetensors": testmodel.LFSPointer(s1.Bytes())})
	if res, _ := Sweep(context.Background(), stray, SweepOptions{}); len(res.Found) != 0 {
		t.Errorf("stray pointer swept as a model: %+v", res.Found)
	}
	// A small text file that is not a pointer is classified as before.
	one := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(one, []byte("version 2 of the notes\n"), 0o644)
	if f := openSource(t, FileSource(one)).Files[0]; f.Format != FormatText || f.LFSPointer != nil {
		t.Errorf("text file: %+v", f)
	}
}

// A diffusers pipeline has an index per component, and variants
// (model.safetensors.index.fp16.json) beside the main weights. Every index
// is checked against its own shards; checkpoints that are not shards
// (Mistral's consolidated.safetensors) are not reported as unlisted.
func TestEveryIndexChecked(t *testing.T) {
	dir := t.TempDir()
	idx := testmodel.SafetensorsIndexJSON
	a, b, c := bf16("a"), bf16("b"), bf16("c")
	size := int64(a.DataSize() + b.DataSize())
	writeTree(t, dir, map[string][]byte{
		"README.md":        []byte("---\nlicense: other\n---\n"),
		"model_index.json": []byte(`{"_class_name":"FluxPipeline"}`),
		// transformer/: shard 2 does not hold what the index says.
		"transformer/diffusion_pytorch_model-00001-of-00002.safetensors": a.Bytes(),
		"transformer/diffusion_pytorch_model-00002-of-00002.safetensors": c.Bytes(),
		"transformer/diffusion_pytorch_model.safetensors.index.json":     idx(size, map[string]string{"a": "diffusion_pytorch_model-00001-of-00002.safetensors", "b": "diffusion_pytorch_model-00002-of-00002.safetensors"}),
		// text_encoder_2/: clean, with an fp16 variant index and shards
		// beside the main ones.
		"text_encoder_2/model-00001-of-00002.safetensors":      a.Bytes(),
		"text_encoder_2/model-00002-of-00002.safetensors":      b.Bytes(),
		"text_encoder_2/model.safetensors.index.json":          idx(size, map[string]string{"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}),
		"text_encoder_2/model.fp16-00001-of-00002.safetensors": a.Bytes(),
		"text_encoder_2/model.fp16-00002-of-00002.safetensors": b.Bytes(),
		"text_encoder_2/model.safetensors.index.fp16.json":     idx(size, map[string]string{"a": "model.fp16-00001-of-00002.safetensors", "b": "model.fp16-00002-of-00002.safetensors"}),
		// A Mistral-style root: consolidated.safetensors beside the shards.
		"mistral/consolidated.safetensors":         bf16("layers.0.attention.wq.weight").Bytes(),
		"mistral/model-00001-of-00002.safetensors": a.Bytes(),
		"mistral/model-00002-of-00002.safetensors": b.Bytes(),
		"mistral/model.safetensors.index.json":     idx(size, map[string]string{"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}),
	})
	rel := openSource(t, Dir(dir))
	if len(rel.Problems) != 0 {
		t.Fatalf("problems: %v", problemsText(rel))
	}
	var paths []string
	for _, x := range rel.SafetensorsIndexes {
		paths = append(paths, x.Path)
	}
	want := "mistral/model.safetensors.index.json text_encoder_2/model.safetensors.index.fp16.json text_encoder_2/model.safetensors.index.json transformer/diffusion_pytorch_model.safetensors.index.json"
	if strings.Join(paths, " ") != want {
		t.Errorf("indexes %v", paths)
	}
	if f := rel.File("text_encoder_2/model.safetensors.index.fp16.json"); f.Format != FormatSafetensorsIndex {
		t.Errorf("variant index classified %s", f.Format)
	}
	if rel.SafetensorsIndex.Path != "mistral/model.safetensors.index.json" {
		t.Errorf("primary index %s", rel.SafetensorsIndex.Path)
	}
	var got []string
	for _, i := range rel.CheckIndex() {
		got = append(got, fmt.Sprintf("%s %s %s %s", i.Index, i.Kind, i.Shard, i.Tensor))
	}
	wantIssues := []string{
		"transformer/diffusion_pytorch_model.safetensors.index.json tensor-missing transformer/diffusion_pytorch_model-00002-of-00002.safetensors b",
		"transformer/diffusion_pytorch_model.safetensors.index.json tensor-unmapped transformer/diffusion_pytorch_model-00002-of-00002.safetensors c",
	}
	if strings.Join(got, "\n") != strings.Join(wantIssues, "\n") {
		t.Errorf("issues:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantIssues, "\n"))
	}
	// At the same depth the main index is the release's, not the variant.
	for _, p := range []string{"mistral", "transformer"} {
		os.RemoveAll(filepath.Join(dir, p))
	}
	if rel := openSource(t, Dir(dir)); rel.SafetensorsIndex.Path != "text_encoder_2/model.safetensors.index.json" {
		t.Errorf("primary index %s", rel.SafetensorsIndex.Path)
	}
}

// llama.cpp's gguf-split writes NAME-0000k-of-0000n.gguf parts; only the
// first holds the model's metadata. A part is read with the parts beside
// it, a missing part is reported, and a sweep finds the model once.
func TestSplitGGUF(t *testing.T) {
	dir := t.TempDir()
	const name = "Qwen2.5-72B-Instruct-Q4_K_M-%05d-of-00003.gguf"
	for i := 1; i <= 3; i++ {
		kv := []testmodel.KV{
			{Key: "split.no", Value: testmodel.Uint16(uint16(i - 1))},
			{Key: "split.count", Value: testmodel.Uint16(3)},
			{Key: "split.tensors.count", Value: testmodel.Int32(3)},
		}
		if i == 1 {
			kv = append([]testmodel.KV{
				{Key: "general.architecture", Value: testmodel.String("qwen2")},
				{Key: "general.license", Value: testmodel.String("other")},
				{Key: "tokenizer.chat_template", Value: testmodel.String(strings.Repeat("{%- if messages -%}{{ m }}{%- endif -%}", 1000))},
			}, kv...)
		}
		g := testmodel.GGUF{KV: kv, Tensors: []testmodel.GGUFTensor{{Name: fmt.Sprint("blk.", i, ".w"), Dims: []uint64{256}, Type: 12}}} // Q4_K
		if err := g.WriteFile(filepath.Join(dir, fmt.Sprintf(name, i)), false); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "Qwen2.5-7B-Instruct-Q4_K_M.gguf"), testmodel.TinyGGUF("general.architecture", "qwen2"), 0o644)

	for _, part := range []int{1, 2} {
		rel := openSource(t, FileSource(filepath.Join(dir, fmt.Sprintf(name, part))))
		if len(rel.Files) != 3 || len(rel.Problems) != 0 || rel.Name != fmt.Sprintf(name, part) {
			t.Fatalf("part %d: %d files, problems %v", part, len(rel.Files), problemsText(rel))
		}
		for i, f := range rel.Files {
			if f.Path != fmt.Sprintf(name, i+1) || f.GGUF == nil || f.Size == 0 {
				t.Errorf("part %d: file %+v", part, f)
			}
		}
		if rel.Files[0].GGUF.Architecture != "qwen2" {
			t.Errorf("metadata of part 1 not read")
		}
	}
	res, err := Sweep(context.Background(), dir, SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, f := range res.Found {
		found = append(found, f.Name)
	}
	if strings.Join(found, " ") != fmt.Sprintf(name, 1)+" Qwen2.5-7B-Instruct-Q4_K_M.gguf" {
		t.Errorf("sweep found %v", found)
	}

	// Without part 1: the sweep finds part 2, which opens with part 3 and
	// reports part 1 missing.
	os.Remove(filepath.Join(dir, fmt.Sprintf(name, 1)))
	res, _ = Sweep(context.Background(), dir, SweepOptions{})
	if len(res.Found) != 2 || res.Found[0].Name != fmt.Sprintf(name, 2) {
		t.Fatalf("sweep found %+v", res.Found)
	}
	rel := openSource(t, res.Found[0].Source)
	if len(rel.Files) != 2 || len(rel.Problems) != 1 || rel.Problems[0].Path != fmt.Sprintf(name, 2) ||
		!strings.Contains(rel.Problems[0].Message, "part 1 of 3 is missing") {
		t.Errorf("files %d, problems %v", len(rel.Files), problemsText(rel))
	}
	// A single-file model is still one file.
	if rel := openSource(t, FileSource(filepath.Join(dir, "Qwen2.5-7B-Instruct-Q4_K_M.gguf"))); len(rel.Files) != 1 {
		t.Errorf("files %d", len(rel.Files))
	}
}

// A real ~/.ollama/models: models sharing blobs, a user namespace, and a
// model pulled from the Hugging Face Hub (host hf.co) with a projector and
// parameters.
func TestOllamaRealStore(t *testing.T) {
	root := t.TempDir()
	weights := testmodel.TinyGGUF("general.architecture", "llama", "general.license", "llama3.2")
	license := []byte("LLAMA 3.2 COMMUNITY LICENSE AGREEMENT")
	for _, spec := range []testmodel.OllamaModelSpec{
		{Name: "llama3.2:latest", Layers: []testmodel.OllamaLayerSpec{{MediaType: "model", Data: weights}, {MediaType: "license", Data: license}}},
		{Name: "llama3.2:3b", Layers: []testmodel.OllamaLayerSpec{{MediaType: "model", Data: weights}, {MediaType: "license", Data: license}}},
		{Name: "someuser/llama3.2-tuned:v1", Layers: []testmodel.OllamaLayerSpec{{MediaType: "model", Data: weights}}},
		{Name: "hf.co/bartowski/Llama-3.2-11B-Vision-Instruct-GGUF:Q4_K_M", Layers: []testmodel.OllamaLayerSpec{
			{MediaType: "model", Data: weights},
			{MediaType: "projector", Data: testmodel.TinyGGUF("general.architecture", "clip")},
			{MediaType: "template", Data: []byte("{{ .Prompt }}")},
			{MediaType: "params", Data: []byte(`{"stop":["<|eot_id|>"],"temperature":0.6}`)},
		}},
	} {
		if _, err := testmodel.WriteOllamaModel(root, spec); err != nil {
			t.Fatal(err)
		}
	}
	srcs, err := ListOllama(root)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range srcs {
		rel := openSource(t, s)
		names = append(names, rel.Name)
		if len(rel.Problems) != 0 {
			t.Errorf("%s: %v", rel.Name, problemsText(rel))
		}
		if f := rel.File("model.gguf"); f == nil || f.GGUF == nil || len(f.Expected) != 1 || f.Expected[0].Digest != testmodel.SHA256(weights) {
			t.Errorf("%s: model.gguf %+v", rel.Name, f)
		}
		switch {
		case strings.HasPrefix(rel.Name, "hf.co/"):
			if rel.Repo != "bartowski/Llama-3.2-11B-Vision-Instruct-GGUF" {
				t.Errorf("repo %q", rel.Repo)
			}
			if f := rel.File("projector.gguf"); f == nil || f.GGUF == nil || f.GGUF.Architecture != "clip" {
				t.Errorf("projector %+v", f)
			}
			if !strings.Contains(rel.Ollama.Params, "temperature") || rel.Ollama.Template == "" {
				t.Errorf("params %q template %q", rel.Ollama.Params, rel.Ollama.Template)
			}
		default:
			if rel.Repo != "" {
				t.Errorf("%s: repo %q", rel.Name, rel.Repo)
			}
		}
	}
	want := "hf.co/bartowski/Llama-3.2-11B-Vision-Instruct-GGUF:Q4_K_M llama3.2:3b llama3.2:latest someuser/llama3.2-tuned:v1"
	if strings.Join(names, " ") != want {
		t.Errorf("models %v", names)
	}
	// The target users type opens the same model.
	t.Setenv("OLLAMA_MODELS", root)
	src, err := Parse("ollama:hf.co/bartowski/Llama-3.2-11B-Vision-Instruct-GGUF:Q4_K_M")
	if err != nil {
		t.Fatal(err)
	}
	if rel := openSource(t, src); rel.Repo != "bartowski/Llama-3.2-11B-Vision-Instruct-GGUF" || rel.File("projector.gguf") == nil {
		t.Errorf("%+v", rel)
	}
}

// A PyTorch Lightning checkpoint pickles more than tensors: callbacks,
// numpy scalars of metrics. Its globals are classed against the
// allow-list facts: numpy's array, dtype and scalar helpers are safe
// (they rebuild arrays and scalars from bytes), Lightning classes are on
// neither list (unknown), and
// nothing there is known to run code. training_args.bin holds no tensors
// and is not described as weights.
func TestLightningAndTrainerPickles(t *testing.T) {
	p := testmodel.NewPickler(2)
	p.EmptyDict().Mark()
	p.Str("epoch").Int(3)
	p.Str("pytorch-lightning_version").Str("2.4.0")
	p.Str("state_dict").Global("collections", "OrderedDict").EmptyTuple().Reduce()
	// A parameter rebuilt over a storage, as torch.save writes it.
	p.Str("param").Global("torch._utils", "_rebuild_parameter").Mark().
		Global("torch._utils", "_rebuild_tensor_v2").Mark().
		Mark().Str("storage").Global("torch", "FloatStorage").Str("0").Str("cpu").Int(4).Tuple().BinPersID().
		Int(0).Mark().Int(4).Tuple().Mark().Int(1).Tuple().Bool(false).Global("collections", "OrderedDict").EmptyTuple().Reduce().Tuple().Reduce().
		Bool(true).Global("collections", "OrderedDict").EmptyTuple().Reduce().Tuple().Reduce()
	p.Str("callbacks").Global("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint").EmptyTuple().Reduce()
	p.Str("best_score").Global("numpy.core.multiarray", "scalar").Mark().
		Global("numpy", "dtype").Mark().Str("f8").Bool(false).Bool(true).Tuple().Reduce().
		Global("_codecs", "encode").Mark().Str("\x00\x00").Str("latin1").Tuple().Reduce().Tuple().Reduce()
	p.Str("loops").Global("numpy.core.multiarray", "_reconstruct").Mark().Global("numpy", "ndarray").Mark().Int(0).Tuple().Str("b").Tuple().Reduce()
	p.SetItems()
	ckpt := testmodel.TorchZipWith("epoch=3-step=1000", p.Stop(), []testmodel.Tensor{{Name: "w", DType: "F32", Shape: []int64{4}}}, nil)

	ta := testmodel.NewPickler(4)
	ta.Global("transformers.training_args", "TrainingArguments").EmptyTuple().NewObj().EmptyDict().Mark().
		Str("eval_strategy").Global("transformers.trainer_utils", "IntervalStrategy").Mark().Str("steps").Tuple().Reduce().
		SetItems().Build()
	args := testmodel.TorchZipWith("training_args", ta.Stop(), nil, nil)

	dir := t.TempDir()
	writeTree(t, dir, map[string][]byte{"checkpoints/epoch=3-step=1000.ckpt": ckpt, "training_args.bin": args, "model.safetensors": testmodel.TinySafetensors()})
	rel := openSource(t, Dir(dir))
	if len(rel.Problems) != 0 {
		t.Fatalf("problems %v", problemsText(rel))
	}
	f := rel.File("checkpoints/epoch=3-step=1000.ckpt")
	if f.Format != FormatPyTorch || f.Pickle == nil || f.Pickle.Incomplete != "" {
		t.Fatalf("ckpt %+v", f)
	}
	classes := map[string]string{}
	for _, g := range f.Pickle.Globals {
		classes[g.String()] = g.Class
	}
	for g, want := range map[string]string{
		"collections.OrderedDict": "safe", "torch._utils._rebuild_parameter": "safe", "torch._utils._rebuild_tensor_v2": "safe",
		"torch.FloatStorage": "safe", "numpy.dtype": "safe", "numpy.ndarray": "safe", "_codecs.encode": "safe",
		"numpy.core.multiarray._reconstruct":                           "safe",
		"numpy.core.multiarray.scalar":                                 "safe",
		"pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint": "unknown",
	} {
		if classes[g] != want {
			t.Errorf("%s: class %q, want %q", g, classes[g], want)
		}
	}
	msgs := map[string]string{}
	for _, fd := range rel.Findings() {
		msgs[string(fd.Code)+" "+fd.Subject] = fd.Message
	}
	ce := msgs["format.code-execution checkpoints/epoch=3-step=1000.ckpt"]
	if !strings.Contains(ce, "not on the safe list: pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint)") || strings.Contains(ce, "known to run code") {
		t.Errorf("ckpt code execution: %q", ce)
	}
	if m := msgs["format.pickle checkpoints/epoch=3-step=1000.ckpt"]; !strings.Contains(m, "holds weights") {
		t.Errorf("ckpt pickle: %q", m)
	}
	if m := msgs["format.pickle training_args.bin"]; !strings.Contains(m, "no PyTorch tensor storage") || strings.Contains(m, "holds weights") {
		t.Errorf("training args: %q", m)
	}
	if m := msgs["format.code-execution training_args.bin"]; !strings.Contains(m, "transformers.training_args.TrainingArguments") {
		t.Errorf("training args code execution: %q", m)
	}
}

// An interrupted download leaves blobs/<digest>.incomplete and no link in
// the snapshot: the release says so instead of only lacking the shard.
func TestHFCacheInterruptedDownload(t *testing.T) {
	cache := t.TempDir()
	a, b := bf16("a"), bf16("b")
	size := int64(a.DataSize() + b.DataSize())
	files := map[string][]byte{
		"config.json":                      []byte(`{"architectures":["LlamaForCausalLM"]}`),
		"model-00001-of-00002.safetensors": a.Bytes(),
		"model.safetensors.index.json":     testmodel.SafetensorsIndexJSON(size, map[string]string{"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}),
	}
	lay, err := testmodel.WriteHFRepo(cache, testmodel.HFRepo{ID: "acme/big", Revisions: []testmodel.HFRevision{
		{Refs: []string{"v1"}, Files: map[string][]byte{"config.json": []byte(`{}`), "model.safetensors": testmodel.TinySafetensors()}},
		{Refs: []string{"main"}, Files: files},
	}})
	if err != nil {
		t.Fatal(err)
	}
	// Clean: no problem.
	if rel := openSource(t, HFCache(lay.Dir, "")); len(rel.Problems) != 0 {
		t.Fatalf("problems %v", problemsText(rel))
	}
	partial := testmodel.SHA256(b.Bytes()) + ".incomplete"
	os.WriteFile(filepath.Join(lay.Dir, "blobs", partial), b.Bytes()[:20], 0o644)
	rel := openSource(t, HFCache(lay.Dir, ""))
	if rel.Revision != lay.Commits[1] || len(rel.Problems) != 1 || rel.Problems[0].Path != "blobs/"+partial ||
		!strings.Contains(rel.Problems[0].Message, "1 interrupted download(s) of acme/big") {
		t.Fatalf("revision %s problems %v", rel.Revision, problemsText(rel))
	}
	if issues := rel.CheckIndex(); len(issues) != 1 || issues[0].Kind != IndexShardMissing {
		t.Errorf("issues %+v", issues)
	}
	// Each revision of the cache is swept.
	res, err := Sweep(context.Background(), cache, SweepOptions{})
	if err != nil || len(res.Found) != 2 {
		t.Fatalf("sweep %v %+v", err, res)
	}
}
