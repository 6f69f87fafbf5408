package gguf_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/formats/gguf"
	"github.com/modelvet/modelvet/internal/formattest"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/testmodel"
)

func FuzzReadGGUF(f *testing.F) {
	seeds := []testmodel.GGUF{
		{Version: 2, KV: []testmodel.KV{{Key: "general.architecture", Value: testmodel.String("llama")}, {Key: "general.alignment", Value: testmodel.Uint32(64)}},
			Tensors: []testmodel.GGUFTensor{{Name: "w", Dims: []uint64{32, 2}, Type: testmodel.GGMLQ8_0}, {Name: "n", Dims: []uint64{4}, Type: testmodel.GGMLF32}}, Alignment: 64},
		{KV: append(everyType(), testmodel.KV{Key: "tok", Value: testmodel.Strings(make([]string, 70)...)})},
		{KV: []testmodel.KV{{Key: "tokenizer.ggml.tokens", Value: testmodel.Strings("<unk>", "a", "<|im_start|>", "[PAD7]")}}},
		{KV: []testmodel.KV{{Key: "general.base_model.count", Value: testmodel.Uint32(1)}, {Key: "general.base_model.0.name", Value: testmodel.String("Base")}}},
		{Version: 1},
		{BigEndian: true},
	}
	for _, g := range seeds {
		f.Add(g.Bytes())
	}
	for _, b := range formattest.CorpusSeeds(f, "gguf", ".gguf") {
		if len(b) <= formattest.MaxSeed {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := gguf.Read(bytes.NewReader(data), int64(len(data)))
		formattest.CheckReaderError(t, err, info != nil)
		if info == nil {
			return
		}
		if uint64(len(info.Metadata)) != info.KVCount || info.Alignment == 0 || info.Alignment&(info.Alignment-1) != 0 {
			t.Fatalf("inconsistent facts: %+v", info)
		}
		var n int
		for _, c := range info.TensorTypes {
			n += c
		}
		// Metadata kept when the tensor infos fail or run past the end of
		// the file has at most the tensors read before the fault.
		if partial := errors.Is(err, formats.ErrPartial) || errors.Is(err, formats.ErrTruncated); partial && uint64(n) > info.TensorCount || !partial && uint64(n) != info.TensorCount {
			t.Fatalf("%d tensors counted by type, %d declared", n, info.TensorCount)
		}
		_ = info.BaseModels()
		_ = info.Datasets()
		if v := info.Vocabulary; v != nil {
			if int64(len(v.Special)) > v.Tokens || len(v.Special) > limits.MaxGGUFSpecialTokens || len(v.Prefixes) > limits.MaxVocabularyPrefixes+1 || v.Padding > v.Tokens {
				t.Fatalf("vocabulary %d tokens, %d special, %d prefixes, padding %d", v.Tokens, len(v.Special), len(v.Prefixes), v.Padding)
			}
			for _, p := range v.Prefixes {
				if p.Tokens <= 0 || p.Tokens >= v.Tokens {
					t.Fatalf("prefix of %d tokens in a list of %d", p.Tokens, v.Tokens)
				}
			}
		}
		if len(info.Tensors) > limits.MaxTensorShapes || uint64(len(info.Tensors)) > info.TensorCount {
			t.Fatalf("%d tensor infos kept of %d", len(info.Tensors), info.TensorCount)
		}
		// Any prefix of a file that reads gives a prefix of its metadata.
		for _, k := range []int64{24, int64(len(data)) / 3, int64(len(data)) / 2} {
			p, err := gguf.ReadPrefix(bytes.NewReader(data), int64(len(data)), k)
			if err != nil {
				continue
			}
			if len(p.Metadata) > len(info.Metadata) || !slices.EqualFunc(p.Metadata, info.Metadata[:len(p.Metadata)], func(a, b gguf.Value) bool { return a.Key == b.Key && a.Offset == b.Offset }) {
				t.Fatalf("prefix %d: metadata %v is not a prefix of %v", k, p.Metadata, info.Metadata)
			}
		}
	})
}
