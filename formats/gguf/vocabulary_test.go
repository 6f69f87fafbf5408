package gguf_test

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/formats/gguf"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/internal/vocabhash"
)

func digestOf(tokens []string) string {
	h := vocabhash.New()
	for _, t := range tokens {
		h.Add(t)
	}
	return h.Sum()
}

func readGGUF(t *testing.T, g testmodel.GGUF) *gguf.Info {
	t.Helper()
	data := g.Bytes()
	info, err := gguf.Read(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// The token list is digested as it is walked, long or short; each run of
// control-like tokens marks a prefix whose digest is kept, and the
// control-like tokens are kept with their ids (byte tokens are not).
func TestReadGGUFVocabulary(t *testing.T) {
	base := []string{"<unk>", "<s>", "</s>", "<0x00>", "<0x0A>", "▁the", "a", "<div>", "b"}
	for i := len(base); len(base) < 80; i++ {
		base = append(base, fmt.Sprintf("tok%d", i))
	}
	added := []string{"<|im_start|>", "<|im_end|>", "[INST]", "not special", "<|x|>"}
	for _, n := range []int{len(base) + len(added), 6} { // a long list and a short one
		all := append(slices.Clone(base), added...)[:n]
		info := readGGUF(t, testmodel.GGUF{KV: []testmodel.KV{
			{Key: "tokenizer.ggml.model", Value: testmodel.String("llama")},
			{Key: "tokenizer.ggml.tokens", Value: testmodel.Strings(all...)},
			{Key: "tokenizer.ggml.bos_token_id", Value: testmodel.Uint32(1)},
		}})
		v := info.Vocabulary
		if v == nil || v.Tokens != int64(n) || v.Digest != digestOf(all) {
			t.Fatalf("%d tokens: vocabulary %+v, want digest %s", n, v, digestOf(all))
		}
		var special []string
		for _, tok := range v.Special {
			if all[tok.ID] != tok.Text {
				t.Errorf("special token %d is %q, the list has %q", tok.ID, tok.Text, all[tok.ID])
			}
			special = append(special, tok.Text)
		}
		wantSpecial := []string{"<unk>", "<s>", "</s>", "<div>", "<|im_start|>", "<|im_end|>", "[INST]", "<|x|>"}
		if n == 6 {
			wantSpecial = wantSpecial[:3]
		}
		if !slices.Equal(special, wantSpecial) {
			t.Errorf("special %q, want %q", special, wantSpecial)
		}
		if s, ok := v.Token(1); !ok || s != "<s>" {
			t.Errorf("Token(1) = %q %v", s, ok)
		}
		// A prefix digest at each run start after the first token: <div>
		// at 7, the added tokens at len(base), <|x|> after a plain token.
		var at []int64
		for _, p := range v.Prefixes {
			at = append(at, p.Tokens)
			if p.Digest != digestOf(all[:p.Tokens]) {
				t.Errorf("prefix of %d tokens: digest %s, want %s", p.Tokens, p.Digest, digestOf(all[:p.Tokens]))
			}
		}
		want := []int64{7, int64(len(base)), int64(len(base)) + 4}
		if n == 6 {
			want = nil
		}
		if !slices.Equal(at, want) {
			t.Errorf("prefixes at %v, want %v", at, want)
		}
		tv, _ := info.Get("tokenizer.ggml.tokens")
		if kept := tv.Value != nil; kept != (n <= limits.MaxGGUFShortArray) {
			t.Errorf("%d tokens kept as a value: %v", n, kept)
		}
	}
	// Many runs: the last prefixes are kept.
	var many []string
	for i := range 100 {
		many = append(many, fmt.Sprintf("w%d", i), fmt.Sprintf("<c%d>", i))
	}
	v := readGGUF(t, testmodel.GGUF{KV: []testmodel.KV{{Key: "tokenizer.ggml.tokens", Value: testmodel.Strings(many...)}}}).Vocabulary
	if len(v.Prefixes) != limits.MaxVocabularyPrefixes || v.Prefixes[len(v.Prefixes)-1].Tokens != 199 {
		t.Errorf("%d prefixes, last %+v", len(v.Prefixes), v.Prefixes[len(v.Prefixes)-1])
	}
	// llama.cpp pads a list to the embedding's rows; the padding is counted
	// and the padding tokens are not kept.
	padded := readGGUF(t, testmodel.GGUF{KV: []testmodel.KV{{Key: "tokenizer.ggml.tokens", Value: testmodel.Strings("a", "[PAD9]", "b", "<|e|>", "[PAD4]", "[PAD5]")}}}).Vocabulary
	if padded.Padding != 2 || padded.Tokens != 6 || len(padded.Special) != 1 || len(padded.Prefixes) != 2 || padded.Prefixes[1] != (gguf.Prefix{Tokens: 4, Digest: digestOf([]string{"a", "[PAD9]", "b", "<|e|>"})}) {
		t.Errorf("padded list: %+v", padded)
	}
	if info := readGGUF(t, testmodel.GGUF{KV: []testmodel.KV{{Key: "general.architecture", Value: testmodel.String("llama")}}}); info.Vocabulary != nil {
		t.Errorf("a file without a token list has a vocabulary %+v", info.Vocabulary)
	}
}

// The real vocabularies of llama.cpp's test files: the Phi-3 list is Llama
// 2's 32,000 pieces followed by Phi-3's added tokens, so its prefix at the
// first added token has the Llama SPM list's digest.
func TestReadGGUFVocabularyCorpus(t *testing.T) {
	read := func(name string) *gguf.Vocabulary {
		data, err := os.ReadFile(testutil.Corpus(t, "fingerprints", "llamacpp", "vocab", name))
		if err != nil {
			t.Fatal(err)
		}
		info, err := gguf.Read(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		return info.Vocabulary
	}
	spm, phi3 := read("ggml-vocab-llama-spm.gguf"), read("ggml-vocab-phi-3.gguf")
	if spm.Tokens != 32000 || len(spm.Special) == 0 || spm.Special[1].Text != "<s>" {
		t.Fatalf("llama-spm: %d tokens, special %v", spm.Tokens, spm.Special[:min(3, len(spm.Special))])
	}
	i := slices.IndexFunc(phi3.Prefixes, func(p gguf.Prefix) bool { return p.Tokens == 32000 })
	if i < 0 || phi3.Prefixes[i].Digest != spm.Digest {
		t.Errorf("phi-3 prefixes %+v; want one of 32,000 tokens with digest %s", phi3.Prefixes, spm.Digest)
	}
	if s, ok := phi3.Token(32000); !ok || !strings.HasPrefix(s, "<|") {
		t.Errorf("phi-3 token 32000 = %q %v", s, ok)
	}
}

// Tensor infos are kept with their dimensions, up to the cap.
func TestReadGGUFTensorInfos(t *testing.T) {
	info := readGGUF(t, testmodel.GGUF{Tensors: []testmodel.GGUFTensor{
		{Name: "token_embd.weight", Dims: []uint64{64, 100}, Type: testmodel.GGMLF32},
		{Name: "blk.0.ffn_gate_exps.weight", Dims: []uint64{64, 32, 8}, Type: testmodel.GGMLF16},
	}})
	if len(info.Tensors) != 2 || info.Tensors[0].Name != "token_embd.weight" || !slices.Equal(info.Tensors[1].Dims, []uint64{64, 32, 8}) {
		t.Errorf("tensors %+v", info.Tensors)
	}
}
