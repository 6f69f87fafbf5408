package fingerprint_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/modelvet/modelvet/fingerprint"
	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/formats/gguf"
	"github.com/modelvet/modelvet/formats/safetensors"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/internal/testutil"
)

// decoderOf lays out the tensors of a corpus config's model.
func decoderOf(t *testing.T, config string) (testmodel.Decoder, fingerprint.Architecture) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testutil.Corpus(t, "fingerprints", "configs"), config))
	if err != nil {
		t.Fatal(err)
	}
	facts, err := fingerprint.ParseFile("config.json", data)
	if err != nil {
		t.Fatal(err)
	}
	a := facts.Architecture
	v := func(f *fingerprint.Fact[int64]) uint64 { n, _ := f.Get(); return uint64(n) }
	doc := gjson.ParseBytes(data)
	d := testmodel.Decoder{
		Layers: int(v(a.Layers)), Hidden: v(a.HiddenSize), Heads: v(a.Heads), KVHeads: v(a.KVHeads), HeadDim: v(a.HeadDim),
		FFN: v(a.FFNSize), Vocab: v(a.VocabSize), Experts: int(v(a.Experts)), MoEFFN: v(a.MoEFFNSize),
		QLoRARank: v(a.QLoRARank), KVLoRARank: v(a.KVLoRARank),
		DenseLayers: int(doc.Get("first_k_dense_replace").Int()), Rope: uint64(doc.Get("qk_rope_head_dim").Int()),
		Mixtral: doc.Get("model_type").Str == "mixtral", QKNorm: strings.HasPrefix(doc.Get("model_type").Str, "qwen3"),
	}
	if d.KVLoRARank > 0 {
		d.HeadDim = uint64(doc.Get("qk_nope_head_dim").Int())
	}
	return d, a
}

// headers writes tensors as shards of header-only safetensors files and
// reads them back.
func headers(t *testing.T, ts []testmodel.SafetensorsTensor, shards int) []fingerprint.SafetensorsHeader {
	t.Helper()
	var out []fingerprint.SafetensorsHeader
	per := (len(ts) + shards - 1) / shards
	for i := 0; i < len(ts); i += per {
		h := testmodel.Safetensors{Tensors: ts[i:min(i+per, len(ts))]}.HeaderBytes()
		info, err := safetensors.Read(bytes.NewReader(h), int64(len(h)))
		if !errors.Is(err, formats.ErrTruncated) {
			t.Fatalf("header-only shard: %v", err)
		}
		out = append(out, fingerprint.SafetensorsHeader{Path: "model-" + string(rune('a'+len(out))) + ".safetensors", Info: info})
	}
	return out
}

// want compares an inferred fact with the value the config states.
func want(t *testing.T, name string, got *fingerprint.Fact[int64], value int64) {
	t.Helper()
	if value == 0 {
		if got != nil {
			t.Errorf("%s = %d from %s, want none", name, got.Value, got.Field)
		}
		return
	}
	if got == nil || got.Value != value || got.Path == "" || got.Field == "" {
		t.Errorf("%s = %+v, want %d citing a tensor", name, got, value)
	}
}

// The shape facts each naming family gives equal what the model's
// config.json states: layers, widths, projections, feed-forward and
// expert sizes, expert count, latent attention ranks.
func TestTensorShapes(t *testing.T) {
	for _, tc := range []struct {
		config string
		family string // the naming family the test covers
	}{
		{"Qwen__Qwen2.5-7B-Instruct.config.json", "dense"},
		{"meta-llama__Llama-3.1-8B.config.json", "dense"},
		{"Qwen__Qwen3-30B-A3B.config.json", "mlp.experts, per-head norms"},
		{"mistralai__Mixtral-8x7B-v0.1.config.json", "block_sparse_moe"},
		{"deepseek-ai__DeepSeek-V3.config.json", "latent attention, dense first layers"},
	} {
		d, a := decoderOf(t, tc.config)
		check := func(t *testing.T, got fingerprint.Architecture, gguf bool) {
			layers, _ := a.Layers.Get()
			want(t, "layers", got.Layers, layers)
			hidden, _ := a.HiddenSize.Get()
			want(t, "hidden", got.HiddenSize, hidden)
			vocab, _ := a.VocabSize.Get()
			want(t, "vocab", got.VocabSize, vocab)
			hd := int64(d.HeadDim)
			if hd == 0 {
				hd = hidden / int64(d.Heads)
			}
			if d.KVLoRARank > 0 {
				want(t, "q_size", got.QSize, 0)
				want(t, "q_lora_rank", got.QLoRARank, int64(d.QLoRARank))
				want(t, "kv_lora_rank", got.KVLoRARank, int64(d.KVLoRARank))
			} else {
				want(t, "q_size", got.QSize, int64(d.Heads)*hd)
				want(t, "kv_size", got.KVSize, int64(d.KVHeads)*hd)
			}
			if d.QKNorm {
				want(t, "head_dim", got.HeadDim, hd)
			}
			experts, _ := a.Experts.Get()
			want(t, "experts", got.Experts, experts)
			switch {
			case d.Mixtral && gguf: // llama.cpp names every expert alike
				want(t, "moe_ffn", got.MoEFFNSize, int64(d.FFN))
			case d.Experts == 0, d.Mixtral, d.DenseLayers > 0:
				want(t, "ffn", got.FFNSize, int64(d.FFN))
			}
			if d.Experts > 0 && !d.Mixtral {
				want(t, "moe_ffn", got.MoEFFNSize, int64(d.MoEFFN))
			}
		}
		t.Run(tc.config+"/safetensors", func(t *testing.T) {
			hs := headers(t, d.SafetensorsTensors("BF16"), 3)
			check(t, fingerprint.Safetensors(hs).Architecture, false)
			// With a shard unread, counts are not inferred, and the facts
			// say so.
			hs[1].Info = nil
			part := fingerprint.Safetensors(hs)
			if part.Architecture.Layers != nil || len(part.Omitted) != 1 || !strings.Contains(part.Omitted[0].Reason, "1 of 3 weight files") {
				t.Errorf("a shard unread: layers %+v, omitted %+v", part.Architecture.Layers, part.Omitted)
			}
		})
		t.Run(tc.config+"/gguf", func(t *testing.T) {
			data := testmodel.GGUF{Tensors: d.GGUFTensors(testmodel.GGMLF16), HeaderOnly: true}.Bytes()
			info, err := gguf.Read(bytes.NewReader(data), int64(len(data)))
			if err != nil && !errors.Is(err, formats.ErrTruncated) {
				t.Fatal(err)
			}
			facts := fingerprint.GGUF("model.gguf", info)
			check(t, facts.Architecture, true)
		})
	}
}

// Names of other models' parts are not read as the language model's: a
// vision tower's layers, LoRA adapters' matrices, a multi-token-prediction
// layer.
func TestTensorShapesIgnore(t *testing.T) {
	d := testmodel.Decoder{Layers: 2, Hidden: 64, Heads: 4, KVHeads: 2, FFN: 128, Vocab: 100}
	ts := d.SafetensorsTensors("F16")
	ts = append(ts,
		testmodel.SafetensorsTensor{Name: "model.vision_tower.encoder.layers.7.self_attn.q_proj.weight", Dtype: "F16", Shape: []uint64{32, 32}},
		testmodel.SafetensorsTensor{Name: "base_model.model.model.layers.5.self_attn.q_proj.lora_A.weight", Dtype: "F16", Shape: []uint64{8, 64}},
		testmodel.SafetensorsTensor{Name: "model.layers.2.eh_proj.weight", Dtype: "F16", Shape: []uint64{64, 128}},
		testmodel.SafetensorsTensor{Name: "model.layers.2.self_attn.q_proj.weight", Dtype: "F16", Shape: []uint64{64, 64}},
	)
	a := fingerprint.Safetensors(headers(t, ts, 1)).Architecture
	want(t, "layers", a.Layers, 2)
	want(t, "q_size", a.QSize, 64)
	// Layers that disagree leave the fact out.
	for i := range ts {
		if ts[i].Name == "model.layers.1.mlp.up_proj.weight" {
			ts[i].Shape = []uint64{96, 64}
		}
	}
	if a := fingerprint.Safetensors(headers(t, ts, 1)).Architecture; a.FFNSize != nil {
		t.Errorf("disagreeing layers give ffn %+v", a.FFNSize)
	}
}

func FuzzSafetensorsShapes(f *testing.F) {
	d := testmodel.Decoder{Layers: 2, Hidden: 8, Heads: 2, KVHeads: 1, FFN: 16, Vocab: 10, Experts: 2, MoEFFN: 4, DenseLayers: 1}
	f.Add(testmodel.Safetensors{Tensors: d.SafetensorsTensors("F16")}.HeaderBytes())
	f.Add(testmodel.Safetensors{Tensors: testmodel.Decoder{Layers: 1, Hidden: 8, Heads: 2, KVHeads: 2, Vocab: 4, KVLoRARank: 4, QLoRARank: 4, Rope: 2, FFN: 8}.SafetensorsTensors("F32")}.HeaderBytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		info, _ := safetensors.Read(bytes.NewReader(data), int64(len(data)))
		if info == nil {
			return
		}
		facts := fingerprint.Safetensors([]fingerprint.SafetensorsHeader{{Path: "m.safetensors", Info: info}})
		checkShapeFacts(t, facts, info.TensorNames)
	})
}

func FuzzGGUFShapes(f *testing.F) {
	d := testmodel.Decoder{Layers: 2, Hidden: 8, Heads: 2, KVHeads: 1, FFN: 16, Vocab: 10, Experts: 2, MoEFFN: 4, QKNorm: true}
	f.Add(testmodel.GGUF{Tensors: d.GGUFTensors(testmodel.GGMLF32), HeaderOnly: true}.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		info, _ := gguf.Read(bytes.NewReader(data), int64(len(data)))
		if info == nil {
			return
		}
		var names []string
		for _, tt := range info.Tensors {
			names = append(names, tt.Name)
		}
		for _, v := range info.Metadata {
			names = append(names, v.Key)
		}
		if v := info.Vocabulary; v != nil {
			names = append(names, "tokenizer.ggml.tokens")
		}
		checkShapeFacts(t, fingerprint.GGUF("m.gguf", info), names)
	})
}

// checkShapeFacts asserts that every integer fact is positive and cites a
// field the file has.
func checkShapeFacts(t *testing.T, facts *fingerprint.Facts, fields []string) {
	a := facts.Architecture
	for _, f := range []*fingerprint.Fact[int64]{a.Layers, a.HiddenSize, a.VocabSize, a.QSize, a.KVSize, a.HeadDim, a.FFNSize, a.MoEFFNSize, a.Experts, a.SharedExpertFFNSize, a.QLoRARank, a.KVLoRARank} {
		if f == nil {
			continue
		}
		if f.Value <= 0 || !containsPrefix(fields, f.Field) {
			t.Fatalf("fact %+v: not positive, or cites no field of the file", *f)
		}
	}
}

func containsPrefix(fields []string, field string) bool {
	for _, f := range fields {
		if f == field || strings.HasPrefix(field, f+"[") {
			return true
		}
	}
	return false
}
