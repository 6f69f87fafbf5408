package fingerprint_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/fingerprint"
	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/testutil"
)

func parseFP(t *testing.T, name, doc string) *fingerprint.Facts {
	t.Helper()
	fp, err := fingerprint.ParseFile(name, []byte(doc))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return fp
}

// intFact asserts an integer fact's value and field.
func intFact(t *testing.T, what string, f *fingerprint.Fact[int64], value int64, field string) {
	t.Helper()
	if f == nil {
		t.Errorf("%s: absent, want %d from %s", what, value, field)
		return
	}
	if f.Value != value || f.Field != field {
		t.Errorf("%s = %d from %s, want %d from %s", what, f.Value, f.Field, value, field)
	}
}

// Families name the same facts differently; each name is read, and the
// field says which one was.
func TestConfigFactFieldNames(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		check     func(t *testing.T, a fingerprint.Architecture)
	}{
		{"gpt-2", `{"model_type":"gpt2","n_layer":12,"n_embd":768,"n_head":12,"n_positions":1024,"n_inner":null,"vocab_size":50257}`,
			func(t *testing.T, a fingerprint.Architecture) {
				intFact(t, "layers", a.Layers, 12, "n_layer")
				intFact(t, "hidden", a.HiddenSize, 768, "n_embd")
				intFact(t, "heads", a.Heads, 12, "n_head")
				intFact(t, "context", a.ContextLength, 1024, "n_positions")
				if a.FFNSize != nil {
					t.Errorf("n_inner null read as %v", a.FFNSize.Value)
				}
			}},
		{"falcon-7b multi-query", `{"model_type":"falcon","num_hidden_layers":32,"hidden_size":4544,"num_attention_heads":71,"multi_query":true,"new_decoder_architecture":false,"vocab_size":65024}`,
			func(t *testing.T, a fingerprint.Architecture) { intFact(t, "kv", a.KVHeads, 1, "multi_query") }},
		{"falcon-40b new decoder", `{"num_hidden_layers":60,"hidden_size":8192,"num_attention_heads":128,"num_kv_heads":8,"multi_query":true,"new_decoder_architecture":true}`,
			func(t *testing.T, a fingerprint.Architecture) { intFact(t, "kv", a.KVHeads, 8, "num_kv_heads") }},
		{"chatglm", `{"num_layers":28,"hidden_size":4096,"num_attention_heads":32,"multi_query_attention":true,"multi_query_group_num":2,"kv_channels":128,"ffn_hidden_size":13696,"padded_vocab_size":65024,"seq_length":8192}`,
			func(t *testing.T, a fingerprint.Architecture) {
				intFact(t, "layers", a.Layers, 28, "num_layers")
				intFact(t, "kv", a.KVHeads, 2, "multi_query_group_num")
				intFact(t, "head_dim", a.HeadDim, 128, "kv_channels")
				intFact(t, "ffn", a.FFNSize, 13696, "ffn_hidden_size")
				intFact(t, "vocab", a.VocabSize, 65024, "padded_vocab_size")
				intFact(t, "context", a.ContextLength, 8192, "seq_length")
			}},
		{"mpt", `{"d_model":4096,"n_layers":32,"n_heads":32,"max_seq_len":2048,"attn_config":{"kv_n_heads":8}}`,
			func(t *testing.T, a fingerprint.Architecture) {
				intFact(t, "hidden", a.HiddenSize, 4096, "d_model")
				intFact(t, "layers", a.Layers, 32, "n_layers")
				intFact(t, "kv", a.KVHeads, 8, "attn_config.kv_n_heads")
				intFact(t, "context", a.ContextLength, 2048, "max_seq_len")
			}},
		{"dbrx", `{"d_model":6144,"n_layers":40,"n_heads":48,"ffn_config":{"moe_num_experts":16,"moe_top_k":4}}`,
			func(t *testing.T, a fingerprint.Architecture) {
				intFact(t, "experts", a.Experts, 16, "ffn_config.moe_num_experts")
				intFact(t, "top-k", a.ExpertsPerToken, 4, "ffn_config.moe_top_k")
			}},
		{"rope_parameters", `{"num_hidden_layers":2,"hidden_size":8,"rope_parameters":{"rope_theta":500000.0,"rope_type":"llama3","factor":8.0}}`,
			func(t *testing.T, a fingerprint.Architecture) {
				if v, _ := a.RopeTheta.Get(); v != 500000 || a.RopeTheta.Field != "rope_parameters.rope_theta" {
					t.Errorf("rope theta %v from %v", v, a.RopeTheta)
				}
				if v, _ := a.RopeScaling.Get(); v != "llama3" {
					t.Errorf("rope scaling %q", v)
				}
				if v, _ := a.RopeFactor.Get(); v != 8 {
					t.Errorf("rope factor %v", v)
				}
			}},
		{"text_config", `{"model_type":"gemma3","architectures":["Gemma3ForConditionalGeneration"],"vocab_size":262208,"vision_config":{"hidden_size":1152,"num_hidden_layers":27},"text_config":{"model_type":"gemma3_text","hidden_size":2560,"num_hidden_layers":34,"vocab_size":1}}`,
			func(t *testing.T, a fingerprint.Architecture) {
				intFact(t, "layers", a.Layers, 34, "text_config.num_hidden_layers")
				intFact(t, "hidden", a.HiddenSize, 2560, "text_config.hidden_size")
				intFact(t, "vocab", a.VocabSize, 262208, "vocab_size") // the top level wins
				if v, _ := a.ModelType.Get(); v != "gemma3" {
					t.Errorf("model type %q, want the top level's", v)
				}
			}},
		{"absent is not zero", `{"num_hidden_layers":0,"hidden_size":"4096","num_attention_heads":-1,"intermediate_size":1.5,"vocab_size":1e300,"tie_word_embeddings":false}`,
			func(t *testing.T, a fingerprint.Architecture) {
				intFact(t, "layers", a.Layers, 0, "num_hidden_layers")
				for name, f := range map[string]*fingerprint.Fact[int64]{"hidden": a.HiddenSize, "heads": a.Heads, "ffn": a.FFNSize, "vocab": a.VocabSize} {
					if f != nil {
						t.Errorf("%s read from a value that is not a count: %+v", name, *f)
					}
				}
				if v, ok := a.TiedEmbeddings.Get(); !ok || v {
					t.Errorf("tied embeddings %v %v, want a stated false", v, ok)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, parseFP(t, "config.json", tc.doc).Architecture)
		})
	}
}

func TestTokenizerConfigFacts(t *testing.T) {
	fp := parseFP(t, "sub/tokenizer_config.json", `{
		"tokenizer_class": "LlamaTokenizerFast",
		"bos_token": {"__type": "AddedToken", "content": "<B>"},
		"eos_token": "<E>", "pad_token": null, "unk_token": {"content": 5},
		"additional_special_tokens": ["<x>", {"content": "<y>"}, "<x>"],
		"added_tokens_decoder": {"7": {"content": "<E>", "special": true}, "3": {"content": "<B>", "special": true}, "x": {"content": "bad"}, "4": {"content": "<t>"}},
		"chat_template": [{"name": "default", "template": "{{'<|im_start|>' + m}}<|im_end|>[INST]"}, {"name": "tool_use", "template": "<think>"}]
	}`)
	tk := fp.Tokenizer
	if tk.Class.Value != "LlamaTokenizerFast" || tk.BOS.Value != "<B>" || tk.EOS.Value != "<E>" || tk.PAD != nil || tk.UNK != nil {
		t.Errorf("special tokens: %+v", tk)
	}
	if tk.BOS.Path != "sub/tokenizer_config.json" || tk.BOS.Field != "bos_token" {
		t.Errorf("bos read from %s %s", tk.BOS.Path, tk.BOS.Field)
	}
	want := []fingerprint.Token{{ID: 3, Content: "<B>", Special: true}, {ID: 4, Content: "<t>"}, {ID: 7, Content: "<E>", Special: true}}
	if !slices.Equal(tk.Added.Value, want) {
		t.Errorf("added %+v, want %+v", tk.Added.Value, want)
	}
	if !slices.Equal(tk.Named.Value, []string{"<x>", "<y>"}) {
		t.Errorf("named %v", tk.Named.Value)
	}
	ct := tk.ChatTemplate.Value
	if len(ct.Digests) != 2 || !slices.Equal(ct.Markers, []string{"<think>", "<|im_end|>", "<|im_start|>", "[INST]"}) {
		t.Errorf("chat template %+v", ct)
	}
	if tok, ok := tk.AddedByID(7); !ok || tok.Content != "<E>" {
		t.Errorf("AddedByID(7) = %v %v", tok, ok)
	}
	if _, ok := tk.AddedByID(5); ok {
		t.Error("AddedByID(5) found a token")
	}
	if got := tk.Strings(); !slices.Equal(got, []string{"<B>", "<E>", "<t>", "<think>", "<x>", "<y>", "<|im_end|>", "<|im_start|>", "[INST]"}) {
		t.Errorf("Strings() = %q", got)
	}
}

// The digest is SHA-256 over each token's LEB128 length and bytes, in id
// order, whatever order the file lists the vocabulary in.
func TestTokenizerJSONVocabulary(t *testing.T) {
	want := sha256.Sum256([]byte("\x01a\x02bc\x00"))
	wantDigest := "sha256:" + hex.EncodeToString(want[:])
	for _, tc := range []struct {
		name, vocab string
		digest      bool
		size        int64
	}{
		{"in order", `{"a":0,"bc":1,"":2}`, true, 4},
		{"out of order", `{"":2,"bc":1,"a":0}`, true, 4},
		{"unigram", `[["a",-1.0],["bc",-2.5],["",0]]`, true, 4},
		{"gap", `{"a":0,"bc":1,"":3}`, false, 5},
		{"duplicate id", `{"a":0,"bc":1,"x":1,"":2}`, false, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fp := parseFP(t, "tokenizer.json", `{"added_tokens":[{"id":2,"content":"<s>","special":true},{"id":9,"content":"<z>","special":false}],"model":{"type":"BPE","vocab":`+tc.vocab+`}}`)
			tk := fp.Tokenizer
			if got := tk.Vocabulary != nil; got != tc.digest {
				t.Fatalf("digest present %v, want %v", got, tc.digest)
			}
			if tc.digest && (tk.Vocabulary.Value.Digest != wantDigest || tk.Vocabulary.Value.Tokens != 3) {
				t.Errorf("digest %+v, want %s over 3 tokens", tk.Vocabulary.Value, wantDigest)
			}
			if tk.VocabSize.Value != tc.size {
				t.Errorf("vocab size %d, want %d (distinct ids of vocabulary and added tokens)", tk.VocabSize.Value, tc.size)
			}
			if len(tk.Added.Value) != 2 || tk.Added.Value[1] != (fingerprint.Token{ID: 9, Content: "<z>"}) {
				t.Errorf("added %+v", tk.Added.Value)
			}
		})
	}
}

// Hostile and malformed files are *formats.Error values naming the file.
func TestFingerprintHostileFiles(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"config.json", strings.Repeat("[", limits.MaxJSONDepth+5), "not valid JSON"},
		{"config.json", `[1,2]`, "not a JSON object"},
		{"tokenizer_config.json", `{"a":`, "not valid JSON"},
		{"tokenizer.json", `{"model":{"vocab":{"a":"0"}}}`, "not an integer"},
		{"tokenizer.json", fmt.Sprintf(`{"model":{"vocab":{"a":%d}}}`, limits.MaxTokenizerTokens), "not an integer below"},
		{"tokenizer.json", `{"model":{"vocab":[[1,0]]}}`, "not a [token, score] pair"},
		{"chat_template.json", `"x"`, "not a JSON object"},
	} {
		_, err := fingerprint.ParseFile(tc.name, []byte(tc.doc))
		var fe *formats.Error
		if !errors.As(err, &fe) || fe.Path != tc.name || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %.40q: err = %v, want a FormatError about %q", tc.name, tc.doc, err, tc.want)
		}
	}
	big := make([]byte, limits.MaxJSONBytes+1)
	if _, err := fingerprint.ParseFile("generation_config.json", big); err == nil || !strings.Contains(err.Error(), "cap") {
		t.Errorf("oversized file: err = %v", err)
	}
	if _, err := fingerprint.ParseFile("README.md", []byte("{}")); !errors.Is(err, formats.ErrUnsupported) {
		t.Errorf("README.md: err = %v, want ErrUnsupported", err)
	}
}

// ReadFingerprint merges files by precedence, not by the order given.
func TestReadFingerprintPrecedence(t *testing.T) {
	files := []fingerprint.File{
		{Path: "config.json", Data: []byte(`{"num_hidden_layers":2,"hidden_size":8,"bos_token_id":1,"eos_token_id":2}`)},
		{Path: "generation_config.json", Data: []byte(`{"bos_token_id":1,"eos_token_id":[2,3]}`)},
		{Path: "tokenizer_config.json", Data: []byte(`{"eos_token":"</s>","chat_template":"<|old|>"}`)},
		{Path: "chat_template.jinja", Data: []byte("<|new|>")},
		{Path: "special_tokens_map.json", Data: []byte(`{"eos_token":"<other>","bos_token":"<s>"}`)},
		{Path: "broken/config.json", Data: []byte(`{`)},
		{Path: "README.md", Data: []byte(`# card`)},
	}
	var first *fingerprint.Facts
	for i := range files {
		shuffled := append(slices.Clone(files[i:]), files[:i]...)
		fp, errs := fingerprint.Read(shuffled)
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), "broken/config.json") {
			t.Fatalf("errors %v, want the broken config's only", errs)
		}
		tk := fp.Tokenizer
		if tk.EOS.Value != "</s>" || tk.BOS.Value != "<s>" || !slices.Equal(tk.EOSIDs.Value, []int64{2, 3}) || tk.EOSIDs.Path != "generation_config.json" {
			t.Errorf("tokens %+v %+v %+v", tk.EOS, tk.BOS, tk.EOSIDs)
		}
		if tk.ChatTemplate.Path != "chat_template.jinja" || !slices.Equal(tk.ChatTemplate.Value.Markers, []string{"<|new|>"}) {
			t.Errorf("chat template from %s: %v", tk.ChatTemplate.Path, tk.ChatTemplate.Value.Markers)
		}
		a, _ := json.Marshal(fp)
		if first == nil {
			first = fp
		} else if b, _ := json.Marshal(first); string(a) != string(b) {
			t.Errorf("order %d gives\n%s\nnot\n%s", i, a, b)
		}
	}
	var empty fingerprint.Facts
	if !empty.Empty() || first.Empty() {
		t.Error("Empty")
	}
}

func TestGGUFFingerprint(t *testing.T) {
	data, err := os.ReadFile(testutil.Corpus(t, "fingerprints", "tokenizers", "ollama-convert-testdata", "Qwen2.5-0.5B-Instruct.gguf-kv.json"))
	if err != nil {
		t.Fatal(err)
	}
	fp := fingerprint.GGUF("model.gguf", testutil.OllamaGGUF(t, data))
	a, tk := fp.Architecture, fp.Tokenizer
	intFact(t, "layers", a.Layers, 24, "qwen2.block_count")
	intFact(t, "hidden", a.HiddenSize, 896, "qwen2.embedding_length")
	intFact(t, "heads", a.Heads, 14, "qwen2.attention.head_count")
	intFact(t, "kv", a.KVHeads, 2, "qwen2.attention.head_count_kv")
	intFact(t, "ffn", a.FFNSize, 4864, "qwen2.feed_forward_length")
	intFact(t, "context", a.ContextLength, 32768, "qwen2.context_length")
	intFact(t, "pad", tk.PADID, 151643, "tokenizer.ggml.padding_token_id")
	if a.RopeTheta.Value != 1e6 || tk.GGMLPre.Value != "qwen2" || tk.GGMLModel.Value != "gpt2" || tk.EOSIDs.Value[0] != 151645 {
		t.Errorf("facts %+v %+v", a, tk)
	}
	if a.ModelType != nil {
		t.Error("the GGUF architecture name was reported as a model_type")
	}
}

// Every fingerprint file of the corpus parses, and a few facts that need
// care (nested text_config, MLA ranks, AddedToken objects) come out right.
func TestFingerprintCorpusFiles(t *testing.T) {
	root := testutil.Corpus(t, "fingerprints")
	parsed := 0
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		kind := fingerprintKind(d.Name())
		if kind == "" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if _, err := fingerprint.ParseFile(kind, data); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		parsed++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if parsed < 90 {
		t.Errorf("parsed %d corpus files, want the corpus's 90 or more", parsed)
	}
	read := func(elem ...string) *fingerprint.Facts {
		data, err := os.ReadFile(filepath.Join(append([]string{root}, elem...)...))
		if err != nil {
			t.Fatal(err)
		}
		fp, err := fingerprint.ParseFile(fingerprintKind(elem[len(elem)-1]), data)
		if err != nil {
			t.Fatal(err)
		}
		return fp
	}
	scout := read("configs", "nonexact", "meta-llama__Llama-4-Scout-17B-16E-Instruct.aiconfigurator-trimmed.config.json").Architecture
	intFact(t, "scout experts", scout.Experts, 16, "text_config.num_local_experts")
	intFact(t, "scout vocab", scout.VocabSize, 202048, "text_config.vocab_size")
	v3 := read("configs", "deepseek-ai__DeepSeek-V3.config.json").Architecture
	intFact(t, "v3 q_lora", v3.QLoRARank, 1536, "q_lora_rank")
	intFact(t, "v3 experts", v3.Experts, 256, "n_routed_experts")
	intFact(t, "v3 shared", v3.SharedExperts, 1, "n_shared_experts")
	distill := read("tokenizers", "deepseek-ai__DeepSeek-R1-Distill-Qwen-14B.tokenizer_config.json").Tokenizer
	if distill.BOS.Value != "<｜begin▁of▁sentence｜>" || !slices.Contains(distill.ChatTemplate.Value.Markers, "<｜User｜>") {
		t.Errorf("distill tokenizer facts %+v", distill)
	}
	llama2 := read("tokenizers", "meta-llama__Llama-2-7b-hf.tokenizer.json").Tokenizer
	phi3 := read("tokenizers", "microsoft__Phi-3-mini-4k-instruct.tokenizer.json").Tokenizer
	if !reflect.DeepEqual(llama2.Vocabulary.Value, phi3.Vocabulary.Value) || llama2.VocabSize.Value != 32000 || phi3.VocabSize.Value != 32011 {
		t.Errorf("Phi-3 keeps Llama 2's 32,000 pieces and adds 11: %+v %d, %+v %d",
			llama2.Vocabulary.Value, llama2.VocabSize.Value, phi3.Vocabulary.Value, phi3.VocabSize.Value)
	}
}

// fingerprintKind maps a corpus file name ("org__model.tokenizer_config.json")
// to the fingerprint file it is a copy of, or "".
func fingerprintKind(name string) string {
	kind := ""
	for _, k := range []string{"config.json", "generation_config.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json", "chat_template.jinja", "chat_template.json"} {
		if (name == k || strings.HasSuffix(name, "."+k)) && len(k) > len(kind) {
			kind = k
		}
	}
	return kind
}

func FuzzParseFile(f *testing.F) {
	names := []string{"config.json", "generation_config.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json", "chat_template.jinja", "chat_template.json"}
	for i, seed := range []string{
		`{"num_hidden_layers":2,"text_config":{"hidden_size":8},"eos_token_id":[1,2],"rope_scaling":{"type":"yarn","factor":4}}`,
		`{"bos_token_id":1,"eos_token_id":2}`,
		`{"bos_token":{"content":"<s>"},"added_tokens_decoder":{"1":{"content":"<s>","special":true}},"chat_template":[{"name":"a","template":"<|x|>"}]}`,
		`{"eos_token":"</s>","additional_special_tokens":["<a>"]}`,
		`{"added_tokens":[{"id":0,"content":"<s>"}],"model":{"vocab":{"a":1,"b":0}}}`,
		"{{ '<|im_start|>' }}[INST]<<SYS>>",
		`{"chat_template":"<think>"}`,
	} {
		f.Add(uint8(i), []byte(seed))
	}
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		name := names[int(kind)%len(names)]
		fp, err := fingerprint.ParseFile(name, data)
		if err != nil {
			var fe *formats.Error
			if !errors.As(err, &fe) {
				t.Fatalf("%s: error %v is not a *formats.Error", name, err)
			}
			return
		}
		tk := fp.Tokenizer
		if added, ok := tk.Added.Get(); ok {
			if len(added) > limits.MaxTokenizerAddedTokens || !slices.IsSortedFunc(added, func(a, b fingerprint.Token) int { return int(a.ID - b.ID) }) {
				t.Fatalf("added tokens unbounded or unsorted: %d", len(added))
			}
		}
		if ct, ok := tk.ChatTemplate.Get(); ok && len(ct.Markers) > limits.MaxChatTemplateMarkers {
			t.Fatalf("%d markers", len(ct.Markers))
		}
		if v, ok := tk.Vocabulary.Get(); ok && (v.Tokens <= 0 || !strings.HasPrefix(v.Digest, "sha256:")) {
			t.Fatalf("vocabulary %+v", v)
		}
	})
}
