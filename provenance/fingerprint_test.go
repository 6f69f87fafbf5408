package provenance

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/fingerprint"
	"github.com/modelvet/modelvet/formats/gguf"
	"github.com/modelvet/modelvet/formats/safetensors"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/kb"
)

// fingerprintKind maps a corpus file name ("org__model.tokenizer_config.json")
// to the release file it is a copy of, or "".
func fingerprintKind(name string) string {
	kind := ""
	for _, k := range []string{"config.json", "generation_config.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json", "chat_template.jinja"} {
		if (name == k || strings.HasSuffix(name, "."+k)) && len(k) > len(kind) {
			kind = k
		}
	}
	if strings.HasSuffix(name, ".jinja") {
		kind = "chat_template.jinja"
	}
	return kind
}

// corpusFingerprint reads corpus files (paths under fingerprints/) as the
// files of one release, each renamed to what it is a copy of. GGUF
// metadata from Ollama's converter tests is read as a GGUF file's.
func corpusFingerprint(t *testing.T, rel ...string) *fingerprint.Facts {
	t.Helper()
	root := testutil.Corpus(t, "fingerprints")
	var files []fingerprint.File
	fp := &fingerprint.Facts{}
	for _, r := range rel {
		data, err := os.ReadFile(filepath.Join(root, r))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(r, ".gguf-kv.json") {
			fp.Merge(fingerprint.GGUF("model.gguf", testutil.OllamaGGUF(t, data)))
			continue
		}
		kind := fingerprintKind(filepath.Base(r))
		if kind == "" {
			t.Fatalf("%s is not a fingerprint file", r)
		}
		files = append(files, fingerprint.File{Path: kind, Data: data})
	}
	got, errs := fingerprint.Read(files)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	got.Merge(fp)
	return got
}

func recordIDs(cs []Candidate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Record)
	}
	return out
}

// checkCandidates asserts the records named and what every candidate must
// carry: its developer and country, confidence inferred, a relation,
// counts that add up, and a statement of how it could be wrong.
func checkCandidates(t *testing.T, what string, got []Candidate, records []string, developer, country string) {
	t.Helper()
	if ids := recordIDs(got); !slices.Equal(ids, records) {
		t.Errorf("%s: records %v, want %v", what, ids, records)
		return
	}
	for _, c := range got {
		if c.Developer != developer || c.Country != country {
			t.Errorf("%s: %s developer %s (%s), want %s (%s)", what, c.Record, c.Developer, c.Country, developer, country)
		}
		if c.Confidence != finding.Inferred || c.Relation == "" || c.Ambiguity == "" || len(c.References) == 0 {
			t.Errorf("%s: %s confidence %q relation %q ambiguity %q", what, c.Record, c.Confidence, c.Relation, c.Ambiguity)
		}
		if c.Compared != len(c.Matched)+len(c.Differed) || len(c.Matched) == 0 {
			t.Errorf("%s: %s compared %d, matched %d, differed %d", what, c.Record, c.Compared, len(c.Matched), len(c.Differed))
		}
	}
}

// Every config of the corpus is recognised as the right base, with its
// developer and country; GGUF metadata too.
func TestRecognizeCorpusArchitectures(t *testing.T) {
	k := kb.Default()
	C, N, V, O := "configs/", "configs/nonexact/", "configs/verification/", "tokenizers/ollama-convert-testdata/"
	var covered []string
	for _, tc := range []struct {
		file             string
		records          []string
		developer, cntry string
	}{
		{C + "Qwen__Qwen2.5-1.5B-Instruct.config.json", []string{"qwen2-1.5b-instruct", "qwen2.5-1.5b"}, "Qwen", "CN"},
		{C + "Qwen__Qwen2.5-3B-Instruct.config.json", []string{"qwen2.5-3b"}, "Qwen", "CN"},
		{C + "Qwen__Qwen2.5-7B-Instruct.config.json", []string{"qwen2-7b-instruct", "qwen2.5-7b", "qwen2.5-coder-7b"}, "Qwen", "CN"},
		{V + "Qwen__Qwen2.5-7B-Instruct.alain-copy.config.json", []string{"qwen2-7b-instruct", "qwen2.5-7b", "qwen2.5-coder-7b"}, "Qwen", "CN"},
		{V + "Qwen__Qwen2.5-7B-Instruct.tt-metal-copy.config.json", []string{"qwen2-7b-instruct", "qwen2.5-7b", "qwen2.5-coder-7b"}, "Qwen", "CN"},
		{C + "Qwen__Qwen2.5-32B-Instruct.config.json", []string{"qwen2.5-32b", "qwq-32b"}, "Qwen", "CN"},
		{C + "deepseek-ai__DeepSeek-R1-Distill-Qwen-32B.config.json", []string{"qwen2.5-32b", "qwq-32b"}, "Qwen", "CN"},
		{C + "Qwen__Qwen3-0.6B.config.json", []string{"qwen3-0.6b"}, "Qwen", "CN"},
		{V + "Qwen__Qwen3-0.6B.alain-copy.config.json", []string{"qwen3-0.6b"}, "Qwen", "CN"},
		{C + "Qwen__Qwen3-1.7B.config.json", []string{"qwen3-1.7b"}, "Qwen", "CN"},
		{C + "Qwen__Qwen3-32B.config.json", []string{"qwen3-32b"}, "Qwen", "CN"},
		{V + "Qwen__Qwen3-32B.alain-copy.config.json", []string{"qwen3-32b"}, "Qwen", "CN"},
		{C + "Qwen__Qwen3-30B-A3B.config.json", []string{"qwen3-30b-a3b"}, "Qwen", "CN"},
		{C + "Qwen__Qwen3-235B-A22B.config.json", []string{"qwen3-235b-a22b"}, "Qwen", "CN"},
		{C + "Qwen__Qwen3-Coder-480B-A35B-Instruct.config.json", []string{"qwen3-coder-480b-a35b"}, "Qwen", "CN"},
		{C + "Qwen__Qwen3-Next-80B-A3B-Instruct.config.json", []string{"qwen3-next-80b-a3b"}, "Qwen", "CN"},
		{C + "XiaomiMiMo__MiMo-7B-Base.config.json", []string{"mimo-7b"}, "XiaomiMiMo", "CN"},
		{C + "deepseek-ai__DeepSeek-V3.config.json", []string{"deepseek-v3", "deepseek-v3.2"}, "deepseek-ai", "CN"},
		{C + "deepseek-ai__DeepSeek-R1.rev-2025-01.config.json", []string{"deepseek-v3", "deepseek-v3.2"}, "deepseek-ai", "CN"},
		{C + "deepseek-ai__DeepSeek-R1.rev-later.config.json", []string{"deepseek-v3", "deepseek-v3.2"}, "deepseek-ai", "CN"},
		{V + "deepseek-ai__DeepSeek-V3-or-R1.tt-metal-deepseek_v3-reference.config.json", []string{"deepseek-v3", "deepseek-v3.2"}, "deepseek-ai", "CN"},
		{C + "deepseek-ai__DeepSeek-V3.2.config.json", []string{"deepseek-v3.2", "deepseek-v3"}, "deepseek-ai", "CN"},
		{C + "meta-llama__Llama-2-7b-hf.config.json", []string{"llama-2-7b"}, "meta-llama", "US"},
		{C + "meta-llama__Llama-3.1-8B.config.json", []string{"llama-3.1-8b"}, "meta-llama", "US"},
		{C + "meta-llama__Llama-3.1-8B-Instruct.config.json", []string{"llama-3.1-8b"}, "meta-llama", "US"},
		{C + "meta-llama__Llama-3.1-70B.config.json", []string{"llama-3.1-70b", "llama-3.3-70b-instruct"}, "meta-llama", "US"},
		{C + "meta-llama__Llama-3.1-405B.config.json", []string{"llama-3.1-405b"}, "meta-llama", "US"},
		{N + "meta-llama__Llama-3.1-405B-Instruct.dotnet.config.json", []string{"llama-3.1-405b"}, "meta-llama", "US"},
		{C + "meta-llama__Llama-3.2-1B-Instruct.config.json", []string{"llama-3.2-1b"}, "meta-llama", "US"},
		{N + "meta-llama__Llama-3.2-1B-Instruct.dotnet.config.json", []string{"llama-3.2-1b"}, "meta-llama", "US"},
		{C + "meta-llama__Llama-3.2-3B-Instruct.config.json", []string{"llama-3.2-3b"}, "meta-llama", "US"},
		{V + "meta-llama__Llama-3.2-3B-Instruct.tt-metal-copy.config.json", []string{"llama-3.2-3b"}, "meta-llama", "US"},
		{N + "meta-llama__Llama-4-Scout-17B-16E-Instruct.aiconfigurator-trimmed.config.json", []string{"llama-4-scout"}, "meta-llama", "US"},
		{N + "meta-llama__Llama-4-Maverick-17B-128E-Instruct.aiconfigurator-trimmed.config.json", []string{"llama-4-maverick"}, "meta-llama", "US"},
		{C + "TinyLlama__TinyLlama-1.1B-Chat-v1.0.config.json", []string{"tinyllama-1.1b"}, "TinyLlama", "SG"},
		{C + "microsoft__Phi-3-mini-128k-instruct.rev-2024-04.config.json", []string{"phi-3-mini-128k", "phi-3.5-mini-instruct"}, "microsoft", "US"},
		{C + "microsoft__Phi-3-mini-128k-instruct.rev-longrope.config.json", []string{"phi-3-mini-128k", "phi-3.5-mini-instruct"}, "microsoft", "US"},
		{N + "microsoft__Phi-3-mini-4k-instruct.dotnet.config.json", []string{"phi-3-mini-4k"}, "microsoft", "US"},
		{N + "microsoft__Phi-3-medium-4k-instruct.dotnet.config.json", []string{"phi-3-medium-4k"}, "microsoft", "US"},
		{N + "microsoft__Phi-3-medium-128k-instruct.dotnet.config.json", []string{"phi-3-medium-128k"}, "microsoft", "US"},
		{N + "microsoft__phi-2.dotnet.config.json", []string{"phi-2"}, "microsoft", "US"},
		{C + "microsoft__phi-4.config.json", []string{"phi-4"}, "microsoft", "US"},
		{C + "mistralai__Mistral-7B-Instruct-v0.3.config.json", []string{"mistral-7b-v0.3"}, "mistralai", "FR"},
		{C + "mistralai__Mixtral-8x7B-v0.1.config.json", []string{"mixtral-8x7b"}, "mistralai", "FR"},
		{C + "mistralai__Mixtral-8x22B-v0.1.config.json", []string{"mixtral-8x22b"}, "mistralai", "FR"},
		{C + "openai__gpt-oss-120b.config.json", []string{"gpt-oss-120b"}, "openai", "US"},
		{V + "openai__gpt-oss-120b.aiconfigurator-copy.config.json", []string{"gpt-oss-120b"}, "openai", "US"},
		{V + "openai__gpt-oss-120b.alain-copy.config.json", []string{"gpt-oss-120b"}, "openai", "US"},
		// GGUF metadata, as a GGUF stripped of general.* keys still has it.
		{O + "Qwen2.5-0.5B-Instruct.gguf-kv.json", []string{"qwen2-0.5b-instruct", "qwen2.5-0.5b"}, "Qwen", "CN"},
		{O + "Meta-Llama-3-8B-Instruct.gguf-kv.json", []string{"llama-3-8b"}, "meta-llama", "US"},
		{O + "Mixtral-8x7B-Instruct-v0.1.gguf-kv.json", []string{"mixtral-8x7b"}, "mistralai", "FR"},
		{O + "Phi-3-mini-128k-instruct.gguf-kv.json", []string{"phi-3-mini-128k", "phi-3.5-mini-instruct"}, "microsoft", "US"},
		{O + "c4ai-command-r-v01.gguf-kv.json", []string{"command-r-v01"}, "CohereLabs", "CA"},
		{O + "gemma-2b-it.gguf-kv.json", []string{"gemma-2b"}, "google", "US"},
		{O + "gemma-2-2b-it.gguf-kv.json", []string{"gemma-2-2b"}, "google", "US"},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			r := Recognize(corpusFingerprint(t, tc.file), k)
			checkCandidates(t, "architecture", r.Architectures, tc.records, tc.developer, tc.cntry)
		})
		covered = append(covered, tc.file)
	}
	// Without a vocabulary size, Mistral 7B v0.2's GGUF metadata cannot be
	// told from v0.1, v0.3 or InternLM2.5-7B, which share every other
	// size: all are named, and no single developer is claimed.
	r := Recognize(corpusFingerprint(t, O+"Mistral-7B-Instruct-v0.2.gguf-kv.json"), k)
	if got := recordIDs(r.Architectures); !slices.Equal(got, []string{"internlm2_5-7b-chat", "mistral-7b-v0.1", "mistral-7b-v0.2", "mistral-7b-v0.3"}) || commonDeveloper(r.Architectures) != "" {
		t.Errorf("Mistral 7B v0.2 GGUF: %v", got)
	}
	for _, c := range r.Architectures {
		if !strings.Contains(c.Ambiguity, "states no vocabulary size") {
			t.Errorf("%s: ambiguity does not say the vocabulary is missing: %q", c.Record, c.Ambiguity)
		}
	}
	// Files that state too little recognise nothing rather than guess.
	for _, f := range []string{O + "gemma-2-9b-it.gguf-kv.json", O + "Meta-Llama-3.1-8B-Instruct.gguf-kv.json"} {
		if r := Recognize(corpusFingerprint(t, f), k); len(r.Architectures) > 0 {
			t.Errorf("%s: recognised %v from a file with almost no keys", f, recordIDs(r.Architectures))
		}
	}
	covered = append(covered, O+"gemma-2-9b-it.gguf-kv.json", O+"Meta-Llama-3.1-8B-Instruct.gguf-kv.json", O+"Mistral-7B-Instruct-v0.2.gguf-kv.json")
	// Every config and GGUF metadata file of the corpus was tried.
	root := testutil.Corpus(t, "fingerprints")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if (strings.HasPrefix(rel, "configs/") && strings.HasSuffix(rel, ".config.json") || strings.HasSuffix(rel, ".gguf-kv.json")) && !slices.Contains(covered, rel) {
			t.Errorf("corpus file %s is not tried", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A fine-tune re-saves its config with another dtype, name, transformers
// version, key order and keys of its own: it is still recognised.
func TestRecognizeResavedConfigs(t *testing.T) {
	k := kb.Default()
	paths, err := filepath.Glob(filepath.Join(testutil.Corpus(t, "fingerprints", "configs"), "*.config.json"))
	if err != nil || len(paths) < 30 {
		t.Fatalf("%d configs: %v", len(paths), err)
	}
	for _, p := range paths {
		rel := "configs/" + filepath.Base(p)
		want := recordIDs(Recognize(corpusFingerprint(t, rel), k).Architectures)
		if len(want) == 0 {
			t.Errorf("%s: not recognised", rel)
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		doc["torch_dtype"] = "float16"
		doc["_name_or_path"] = "acme/renamed-model"
		doc["transformers_version"] = "4.99.0"
		doc["use_cache"] = false
		doc["acme_training_run"] = map[string]any{"steps": 1200}
		resaved, err := json.MarshalIndent(doc, "", "    ") // keys sorted: another order
		if err != nil {
			t.Fatal(err)
		}
		fp, err := fingerprint.ParseFile("config.json", resaved)
		if err != nil {
			t.Fatal(err)
		}
		if got := recordIDs(Recognize(fp, k).Architectures); !slices.Equal(got, want) {
			t.Errorf("%s re-saved: %v, want %v", rel, got, want)
		}
	}
}

// editedConfig returns a corpus config with fields set (nil deletes).
func editedConfig(t *testing.T, rel string, set map[string]any) *fingerprint.Facts {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testutil.Corpus(t, "fingerprints"), rel))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for key, v := range set {
		if v == nil {
			delete(doc, key)
		} else {
			doc[key] = v
		}
	}
	out, _ := json.Marshal(doc)
	fp, err := fingerprint.ParseFile("config.json", out)
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

// Exact values win over type names: an architecture of a known family's
// type with other values, or a new one, matches nothing; a known shape
// under another type name still matches.
func TestRecognizeExactValuesOnly(t *testing.T) {
	k := kb.Default()
	for _, tc := range []struct {
		name string
		rel  string
		set  map[string]any
	}{
		{"invented sizes under Qwen2's type", "configs/Qwen__Qwen2.5-7B-Instruct.config.json", map[string]any{"num_hidden_layers": 30, "hidden_size": 3840, "intermediate_size": 20480}},
		{"one more layer", "configs/Qwen__Qwen2.5-7B-Instruct.config.json", map[string]any{"num_hidden_layers": 29}},
		{"DeepSeek-V3's type with 64 experts", "configs/deepseek-ai__DeepSeek-V3.config.json", map[string]any{"n_routed_experts": 64}},
		{"Qwen3-30B-A3B's shape, dense", "configs/Qwen__Qwen3-30B-A3B.config.json", map[string]any{"num_experts": nil, "num_experts_per_tok": nil, "moe_intermediate_size": nil}},
		{"Llama 3.1 8B with Qwen's vocabulary", "configs/meta-llama__Llama-3.1-8B.config.json", map[string]any{"vocab_size": 152064}},
		{"a smaller vocabulary", "configs/mistralai__Mistral-7B-Instruct-v0.3.config.json", map[string]any{"vocab_size": 31000}},
		{"type names only", "configs/Qwen__Qwen2.5-7B-Instruct.config.json", map[string]any{"num_hidden_layers": nil, "hidden_size": nil, "num_attention_heads": nil, "num_key_value_heads": nil, "intermediate_size": nil}},
	} {
		if r := Recognize(editedConfig(t, tc.rel, tc.set), k); len(r.Architectures) > 0 {
			t.Errorf("%s: recognised %v", tc.name, recordIDs(r.Architectures))
		}
	}
	llamafied := Recognize(editedConfig(t, "configs/Qwen__Qwen2.5-7B-Instruct.config.json",
		map[string]any{"model_type": "llama", "architectures": []string{"LlamaForCausalLM"}}), k)
	checkCandidates(t, "llamafied Qwen2.5-7B", llamafied.Architectures, []string{"qwen2-7b-instruct", "qwen2.5-7b", "qwen2.5-coder-7b"}, "Qwen", "CN")
	if i := slices.IndexFunc(llamafied.Architectures, func(c Candidate) bool { return c.Record == "qwen2.5-7b" }); i >= 0 {
		c := llamafied.Architectures[i]
		var facts []string
		for _, f := range c.Differed {
			facts = append(facts, f.Fact)
		}
		if !slices.Equal(facts, []string{"model_type", "classes"}) || !strings.Contains(c.Ambiguity, "model_type llama, not qwen2") {
			t.Errorf("llamafied: differed %v, ambiguity %q", facts, c.Ambiguity)
		}
	}
	extended := Recognize(editedConfig(t, "configs/mistralai__Mistral-7B-Instruct-v0.3.config.json", map[string]any{"vocab_size": 32770}), k)
	if c := extended.Architectures; len(c) != 1 || c[0].Record != "mistral-7b-v0.3" || !strings.Contains(c[0].Ambiguity, "vocab_size 32770, not 32768") {
		t.Errorf("extended vocabulary: %+v", c)
	}
	if r := Recognize(&fingerprint.Facts{}, k); !r.Empty() {
		t.Errorf("empty fingerprint recognised %+v", r)
	}
}

// A distill keeps its base's architecture and carries its trainer's
// tokens: DeepSeek-R1-Distill-Qwen-32B is a Qwen2.5-32B post-trained by
// DeepSeek.
func TestRecognizeDistill(t *testing.T) {
	k := kb.Default()
	r := Recognize(corpusFingerprint(t, "configs/deepseek-ai__DeepSeek-R1-Distill-Qwen-32B.config.json",
		"tokenizers/deepseek-ai__DeepSeek-R1-Distill-Qwen-14B.tokenizer_config.json",
		"tokenizers/deepseek-ai__DeepSeek-R1-Distill-Qwen-32B.generation_config.json"), k)
	checkCandidates(t, "architecture", r.Architectures, []string{"qwen2.5-32b", "qwq-32b"}, "Qwen", "CN")
	if len(r.Architectures) == 2 && (!slices.Equal(r.Architectures[0].Bases, []string{"Qwen/Qwen2.5-32B"}) || !strings.Contains(r.Architectures[0].Ambiguity, "Qwen/QwQ-32B")) {
		t.Errorf("bases %v, ambiguity %q", r.Architectures[0].Bases, r.Architectures[0].Ambiguity)
	}
	checkCandidates(t, "tokenizer", r.Tokenizers, []string{"deepseek-r1-distill-qwen"}, "deepseek-ai", "CN")
	checkCandidates(t, "chat format", r.ChatFormats, []string{"deepseek-v3"}, "deepseek-ai", "CN")
	if len(r.ChatFormats) == 1 {
		c := r.ChatFormats[0]
		if c.Relation != RelationPostTrainedBy || !slices.ContainsFunc(c.Matched, func(f FactComparison) bool {
			return f.Fact == "token <｜begin▁of▁sentence｜>" && f.Path == "tokenizer_config.json" && f.Field == "bos_token"
		}) {
			t.Errorf("chat format %+v", c)
		}
		if ev := c.Evidence(); len(ev) == 0 || ev[0].Path != "tokenizer_config.json" {
			t.Errorf("evidence %+v", ev)
		}
	}
	// The same tokens without a known base name the format, not a
	// post-trainer.
	alone := Recognize(corpusFingerprint(t, "tokenizers/deepseek-ai__DeepSeek-R1-Distill-Qwen-14B.tokenizer_config.json"), k)
	if len(alone.ChatFormats) != 1 || alone.ChatFormats[0].Relation != RelationTokenizerOf {
		t.Errorf("tokens alone: %+v", alone.ChatFormats)
	}
	// Qwen's own instruct model carries no other developer's chat tokens.
	own := Recognize(corpusFingerprint(t, "configs/Qwen__Qwen2.5-7B-Instruct.config.json",
		"tokenizers/Qwen__Qwen2.5-Instruct.tokenizer_config.json", "tokenizers/Qwen__Qwen2.5-7B-Instruct.generation_config.json"), k)
	checkCandidates(t, "Qwen2.5-7B-Instruct tokenizer", own.Tokenizers, []string{"qwen2.5"}, "Qwen", "CN")
	if len(own.ChatFormats) > 0 {
		t.Errorf("Qwen2.5-7B-Instruct: chat formats %v", recordIDs(own.ChatFormats))
	}
}

// The corpus's tokenizer files name their tokenizer; files that state only
// generic tokens name none.
func TestRecognizeCorpusTokenizers(t *testing.T) {
	k := kb.Default()
	T, L := "tokenizers/", "llamacpp/templates/"
	var covered []string
	for _, tc := range []struct {
		files            []string
		records          []string // none when nothing may be recognised
		developer, cntry string
	}{
		{[]string{T + "Qwen__Qwen2.5-Instruct.tokenizer_config.json"}, []string{"qwen2.5"}, "Qwen", "CN"},
		{[]string{L + "Qwen-Qwen2.5-7B-Instruct.jinja"}, []string{"qwen2.5"}, "Qwen", "CN"},
		{[]string{T + "Qwen__Qwen3.tokenizer_config.json"}, []string{"qwen3"}, "Qwen", "CN"},
		{[]string{T + "Qwen__Qwen3-30B-A3B.tokenizer_config.json"}, []string{"qwen3"}, "Qwen", "CN"},
		{[]string{T + "Qwen__Qwen3-30B-A3B-Thinking-2507.tokenizer_config.json"}, []string{"qwen3"}, "Qwen", "CN"},
		{[]string{T + "Qwen__Qwen3-Coder.tokenizer_config.json"}, []string{"qwen3"}, "Qwen", "CN"},
		{[]string{T + "deepseek-ai__DeepSeek-V3.tokenizer_config.json"}, []string{"deepseek-v3"}, "deepseek-ai", "CN"},
		{[]string{T + "deepseek-ai__DeepSeek-R1.tokenizer_config.json", T + "deepseek-ai__DeepSeek-R1.generation_config.json"}, []string{"deepseek-v3"}, "deepseek-ai", "CN"},
		{[]string{T + "deepseek-ai__DeepSeek-V3.1.tokenizer_config.json"}, []string{"deepseek-v3"}, "deepseek-ai", "CN"},
		{[]string{T + "deepseek-ai__DeepSeek-R1-Distill-Qwen-14B.tokenizer_config.json"}, []string{"deepseek-r1-distill-qwen"}, "deepseek-ai", "CN"},
		{[]string{L + "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja"}, []string{"deepseek-r1-distill-qwen"}, "deepseek-ai", "CN"},
		{[]string{T + "meta-llama__Llama-3.2-3B-Instruct.tokenizer_config.json", T + "meta-llama__Llama-3.2-3B-Instruct.special_tokens_map.json", T + "meta-llama__Llama-3.2-3B-Instruct.generation_config.json"}, []string{"llama3"}, "meta-llama", "US"},
		{[]string{L + "meta-llama-Llama-3.3-70B-Instruct.jinja"}, []string{"llama3"}, "meta-llama", "US"},
		{[]string{T + "meta-llama__Llama-2-7b-hf.tokenizer.json", T + "meta-llama__Llama-2-7b-hf.tokenizer_config.json", T + "meta-llama__Llama-2-7b-hf.special_tokens_map.json", T + "meta-llama__Llama-2-7b-hf.generation_config.json"}, []string{"llama2"}, "meta-llama", "US"},
		{[]string{T + "microsoft__Phi-3-mini-4k-instruct.tokenizer.json", T + "microsoft__Phi-3-mini-4k-instruct.tokenizer_config.json"}, []string{"phi-3"}, "microsoft", "US"},
		{[]string{T + "microsoft__Phi-3-medium-4k-instruct.tokenizer.json", T + "microsoft__Phi-3-medium-4k-instruct.tokenizer_config.json"}, []string{"phi-3"}, "microsoft", "US"},
		{[]string{T + "microsoft__Phi-3-128k-variant.tokenizer.json", T + "microsoft__Phi-3-128k-variant.tokenizer_config.json"}, []string{"phi-3"}, "microsoft", "US"},
		{[]string{T + "microsoft__Phi-3-mini-128k-instruct.rev-longrope.tokenizer.json", T + "microsoft__Phi-3-mini-128k-instruct.rev-longrope.tokenizer_config.json", T + "microsoft__Phi-3-mini-128k-instruct.rev-longrope.special_tokens_map.json", T + "microsoft__Phi-3-mini-128k-instruct.rev-longrope.generation_config.json"}, []string{"phi-3"}, "microsoft", "US"},
		{[]string{L + "microsoft-Phi-3.5-mini-instruct.jinja"}, []string{"phi-3"}, "microsoft", "US"},
		{[]string{T + "microsoft__phi-4.tokenizer_config.json"}, []string{"phi-4"}, "microsoft", "US"},
		{[]string{T + "microsoft__Phi-4-mini-instruct.tokenizer_config.json"}, []string{"phi-4-mini"}, "microsoft", "US"},
		{[]string{T + "microsoft__phi-2.tokenizer.json", T + "microsoft__phi-2.tokenizer_config.json"}, []string{"phi-2"}, "microsoft", "US"},
		{[]string{T + "mistralai__Mistral-7B-Instruct-v0.3.tokenizer.json", T + "mistralai__Mistral-7B-Instruct-v0.3.tokenizer_config.json", T + "mistralai__Mistral-7B-Instruct-v0.3.special_tokens_map.json", T + "mistralai__Mistral-7B-Instruct-v0.3.generation_config.json"}, []string{"mistral-v3"}, "mistralai", "FR"},
		{[]string{L + "mistralai-Mistral-Nemo-Instruct-2407.jinja"}, []string{"mistral-tekken"}, "mistralai", "FR"},
		{[]string{T + "google__gemma-it.tokenizer_config.json"}, []string{"gemma"}, "google", "US"},
		{[]string{L + "google-gemma-2-2b-it.jinja"}, []string{"gemma"}, "google", "US"},
		{[]string{T + "google__gemma-3.tokenizer_config.json"}, []string{"gemma-3"}, "google", "US"},
		{[]string{T + "THUDM__chatglm3-6b.tokenizer.json", T + "THUDM__chatglm3-6b.tokenizer_config.json"}, []string{"chatglm3"}, "zai-org", "CN"},
		{[]string{T + "tiiuae__falcon-7b.tokenizer.json"}, []string{"falcon"}, "tiiuae", "AE"},
		{[]string{T + "openai__gpt-oss-120b.special_tokens_map.json", T + "openai__gpt-oss-120b.generation_config.json"}, []string{"gpt-oss"}, "openai", "US"},
		{[]string{T + "openai__gpt-oss-120b.rev-later.generation_config.json", T + "openai__gpt-oss-120b.special_tokens_map.json"}, []string{"gpt-oss"}, "openai", "US"},
		{[]string{L + "CohereForAI-c4ai-command-r-plus-tool_use.jinja"}, []string{"command-r"}, "CohereLabs", "CA"},
		{[]string{T + "Qwen__Qwen2.5-Instruct.tokenizer_config.json", T + "Qwen__Qwen2.5-7B-Instruct.generation_config.json", T + "Qwen__Qwen2.5-3B-Instruct.generation_config.json", T + "Qwen__Qwen2.5-1.5B-Instruct.generation_config.json"}, []string{"qwen2.5"}, "Qwen", "CN"},
		{[]string{T + "Qwen__Qwen3.tokenizer_config.json", T + "Qwen__Qwen3-0.6B.generation_config.json", T + "Qwen__Qwen3-32B.generation_config.json", T + "Qwen__Qwen3-Next-80B-A3B-Instruct.generation_config.json"}, []string{"qwen3"}, "Qwen", "CN"},
		{[]string{T + "deepseek-ai__DeepSeek-R1-Distill-Qwen-14B.tokenizer_config.json", T + "deepseek-ai__DeepSeek-R1-Distill-Qwen-32B.generation_config.json"}, []string{"deepseek-r1-distill-qwen"}, "deepseek-ai", "CN"},
		{[]string{T + "microsoft__Phi-3-mini-128k-instruct.rev-2024-04.tokenizer.json", T + "microsoft__Phi-3-mini-128k-instruct.rev-2024-04.tokenizer_config.json", T + "microsoft__Phi-3-mini-128k-instruct.rev-2024-04.special_tokens_map.json", T + "microsoft__Phi-3-mini-128k-instruct.rev-2024-04.generation_config.json"}, []string{"phi-3"}, "microsoft", "US"},
		{[]string{T + "openai__gpt-oss.tokenizer_config.json"}, []string{"gpt-oss"}, "openai", "US"},
		{[]string{L + "meta-llama-Llama-3.1-8B-Instruct.jinja"}, []string{"llama3"}, "meta-llama", "US"},
		{[]string{L + "meta-llama-Llama-3.2-3B-Instruct.jinja"}, []string{"llama3"}, "meta-llama", "US"},
		{[]string{L + "CohereForAI-c4ai-command-r7b-12-2024-tool_use.jinja"}, []string{"command-r"}, "CohereLabs", "CA"},
		// llama.cpp's own DeepSeek-R1 template has DeepSeek's tokens but no
		// published digest: both DeepSeek tokenizers fit.
		{[]string{L + "llama-cpp-deepseek-r1.jinja"}, []string{"deepseek-v3", "deepseek-r1-distill-qwen"}, "deepseek-ai", "CN"},
		// A copy that changed four tokens of Llama 2's vocabulary is
		// another vocabulary; generic ids alone say nothing; a third
		// party's ChatML template is nobody's tokenizer.
		{[]string{T + "meta-llama__Llama-2.ortx-fixture.tokenizer.json"}, nil, "", ""},
		{[]string{T + "TinyLlama__TinyLlama-1.1B-Chat-v1.0.generation_config.json"}, nil, "", ""},
		{[]string{T + "meta-llama__Llama-2.ortx-fixture.tokenizer_config.json"}, nil, "", ""},
		{[]string{L + "NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja"}, nil, "", ""},
		{[]string{L + "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja"}, nil, "", ""},
		{[]string{L + "meetkai-functionary-medium-v3.1.jinja"}, nil, "", ""},
		{[]string{L + "meetkai-functionary-medium-v3.2.jinja"}, nil, "", ""},
		{[]string{L + "fireworks-ai-llama-3-firefunction-v2.jinja"}, nil, "", ""},
		// gpt-oss's template has no published digest in the records, and
		// its markers are not distinctive: precision over recall.
		{[]string{T + "openai__gpt-oss.chat_template.jinja"}, nil, "", ""},
	} {
		t.Run(filepath.Base(tc.files[0]), func(t *testing.T) {
			r := Recognize(corpusFingerprint(t, tc.files...), k)
			checkCandidates(t, "tokenizer", r.Tokenizers, tc.records, tc.developer, tc.cntry)
			covered = append(covered, tc.files...)
		})
	}
	// A third party's template on Meta's chat format names Meta's format,
	// with no base to call it a post-trainer.
	r := Recognize(corpusFingerprint(t, L+"meetkai-functionary-medium-v3.1.jinja"), k)
	if len(r.ChatFormats) != 1 || r.ChatFormats[0].Developer != "meta-llama" || r.ChatFormats[0].Relation != RelationTokenizerOf {
		t.Errorf("functionary template: chat formats %+v", r.ChatFormats)
	}
	// Every tokenizer file and chat template of the corpus was tried.
	root := testutil.Corpus(t, "fingerprints")
	for _, dir := range []string{"tokenizers", "llamacpp/templates"} {
		entries, err := os.ReadDir(filepath.Join(root, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			rel := dir + "/" + e.Name()
			if !e.IsDir() && fingerprintKind(e.Name()) != "" && !slices.Contains(covered, rel) {
				t.Errorf("corpus file %s is not tried", rel)
			}
		}
	}
}

// A declared base the files contradict is reported with both sides; a
// consistent or unknown one is not.
func TestCheckDeclaredBase(t *testing.T) {
	k := kb.Default()
	qwen7 := corpusFingerprint(t, "configs/Qwen__Qwen2.5-7B-Instruct.config.json")
	m := CheckDeclaredBase(qwen7, "meta-llama/Llama-3.1-8B", Finetune, k)
	if m == nil {
		t.Fatal("a Qwen2.5-7B declared as a Llama 3.1 8B fine-tune is not a mismatch")
	}
	var facts []string
	for _, f := range m.Differed {
		facts = append(facts, f.Fact)
	}
	if m.Record != "llama-3.1-8b" || !slices.Contains(facts, "layers") || !slices.Contains(facts, "vocab_size") || !slices.Contains(recordIDs(m.Inferred), "qwen2.5-7b") {
		t.Errorf("mismatch %+v", m)
	}
	if msg := m.Message(); !strings.Contains(msg, "meta-llama/Llama-3.1-8B") || !strings.Contains(msg, "layers 28, not 32") || !strings.Contains(msg, "Qwen/Qwen2.5-7B") {
		t.Errorf("message %q", msg)
	}
	ev := m.Evidence()
	if !slices.ContainsFunc(ev, func(e finding.Evidence) bool {
		return e.Path == "config.json" && e.Field == "num_hidden_layers" && e.Value == "28"
	}) ||
		!slices.ContainsFunc(ev, func(e finding.Evidence) bool {
			return e.Path == "kb:architectures.yaml" && e.Field == "llama-3.1-8b.layers" && e.Value == "32"
		}) {
		t.Errorf("evidence %+v", ev)
	}
	// Through an ancestor: Hermes 3 is a Llama 3.1 8B fine-tune.
	if m := CheckDeclaredBase(qwen7, "NousResearch/Hermes-3-Llama-3.1-8B", Finetune, k); m == nil || m.Record != "llama-3.1-8b" {
		t.Errorf("declared Hermes 3: %+v", m)
	}
	distill := corpusFingerprint(t, "configs/deepseek-ai__DeepSeek-R1-Distill-Qwen-32B.config.json")
	for _, tc := range []struct {
		fp       *fingerprint.Facts
		declared string
		relation kb.Relation
	}{
		{corpusFingerprint(t, "configs/meta-llama__Llama-3.1-8B-Instruct.config.json"), "meta-llama/Llama-3.1-8B", Finetune},
		{distill, "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", Finetune}, // its Qwen2.5-32B base agrees
		{distill, "Qwen/Qwen2.5-32B-Instruct", Finetune},
		{distill, "deepseek-ai/DeepSeek-R1", Distilled}, // a teacher need not share the shape
		{qwen7, "acme/unknown-model", Finetune},
		{&fingerprint.Facts{}, "meta-llama/Llama-3.1-8B", Finetune},
		{corpusFingerprint(t, "tokenizers/ollama-convert-testdata/gemma-2-9b-it.gguf-kv.json"), "meta-llama/Llama-3.1-8B", Finetune},
	} {
		if m := CheckDeclaredBase(tc.fp, tc.declared, tc.relation, k); m != nil {
			t.Errorf("declared %s (%s): unexpected mismatch %s", tc.declared, tc.relation, m.Message())
		}
	}
	if m := CheckDeclaredBase(distill, "meta-llama/Llama-3.1-70B", Finetune, k); m == nil || !slices.Contains(recordIDs(m.Inferred), "qwen2.5-32b") {
		t.Errorf("distill declared as Llama 3.1 70B: %+v", m)
	}
	// No config at all: the vocabulary contradicts the declared base.
	mistral := corpusFingerprint(t, "tokenizers/mistralai__Mistral-7B-Instruct-v0.3.tokenizer.json")
	if m := CheckDeclaredBase(mistral, "meta-llama/Llama-2-7b-chat-hf", Finetune, k); m == nil || m.Record != "llama2" || m.Differed[0].Fact != "vocabulary" {
		t.Errorf("Mistral vocabulary declared as Llama 2 chat: %+v", m)
	}
}

// DeepSeek-R1-Distill-Llama-8B, rebuilt from its published facts: Llama
// 3.1 8B's config with DeepSeek's bos and eos on Llama's ids is a Llama
// 3.1 8B post-trained by DeepSeek.
func TestRecognizeDistillOntoLlama(t *testing.T) {
	k := kb.Default()
	fp := corpusFingerprint(t, "configs/meta-llama__Llama-3.1-8B.config.json")
	tok, err := fingerprint.ParseFile("tokenizer_config.json", []byte(`{"bos_token":"<｜begin▁of▁sentence｜>","eos_token":"<｜end▁of▁sentence｜>","tokenizer_class":"LlamaTokenizerFast"}`))
	if err != nil {
		t.Fatal(err)
	}
	tok.Merge(fp)
	r := Recognize(tok, k)
	checkCandidates(t, "architecture", r.Architectures, []string{"llama-3.1-8b"}, "meta-llama", "US")
	checkCandidates(t, "chat format", r.ChatFormats, []string{"deepseek-v3"}, "deepseek-ai", "CN")
	if len(r.ChatFormats) == 1 && r.ChatFormats[0].Relation != RelationPostTrainedBy {
		t.Errorf("relation %s", r.ChatFormats[0].Relation)
	}
	if !slices.Contains(recordIDs(r.Tokenizers), "deepseek-r1-distill-llama-8b") {
		t.Errorf("tokenizers %v", recordIDs(r.Tokenizers))
	}
}

// Two developers can share a model class: Kimi K2 ships
// DeepseekV3ForCausalLM. Declared with DeepSeek-V3's type names, its
// values still name Kimi K2 (Moonshot AI), never DeepSeek-V3.
func TestRecognizeSharedClass(t *testing.T) {
	k := kb.Default()
	i := slices.IndexFunc(k.Architectures, func(a *kb.Architecture) bool { return a.ID == "kimi-k2-instruct" })
	if i < 0 {
		t.Fatal("no Kimi K2 record")
	}
	kimi := k.Architectures[i]
	cfg, err := json.Marshal(map[string]any{
		"model_type": "deepseek_v3", "architectures": []string{"DeepseekV3ForCausalLM"},
		"num_hidden_layers": *kimi.Layers, "hidden_size": *kimi.HiddenSize, "num_attention_heads": *kimi.Heads,
		"num_key_value_heads": *kimi.KVHeads, "intermediate_size": *kimi.FFNSize, "moe_intermediate_size": *kimi.MoEFFNSize,
		"n_routed_experts": *kimi.Experts, "n_shared_experts": *kimi.SharedExperts, "num_experts_per_tok": *kimi.ExpertsPerToken,
		"q_lora_rank": *kimi.QLoRARank, "kv_lora_rank": *kimi.KVLoRARank, "vocab_size": *kimi.VocabSize, "rope_theta": *kimi.RopeTheta,
	})
	if err != nil {
		t.Fatal(err)
	}
	fp, err := fingerprint.ParseFile("config.json", cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := Recognize(fp, k)
	checkCandidates(t, "architecture", r.Architectures, []string{"kimi-k2-instruct"}, "moonshotai", "CN")
}

// tensorFacts lays out the tensors of a corpus config's model as one
// header-only safetensors file and reads them back: a release with no
// config at all.
func tensorFacts(t *testing.T, config string) *fingerprint.Facts {
	t.Helper()
	cfg := corpusFingerprint(t, "configs/"+config).Architecture
	v := func(f *fingerprint.Fact[int64]) uint64 { n, _ := f.Get(); return uint64(n) }
	data, err := os.ReadFile(filepath.Join(testutil.Corpus(t, "fingerprints", "configs"), config))
	if err != nil {
		t.Fatal(err)
	}
	doc := gjson.ParseBytes(data)
	d := testmodel.Decoder{
		Layers: int(v(cfg.Layers)), Hidden: v(cfg.HiddenSize), Heads: v(cfg.Heads), KVHeads: v(cfg.KVHeads), HeadDim: v(cfg.HeadDim),
		FFN: v(cfg.FFNSize), Vocab: v(cfg.VocabSize), Experts: int(v(cfg.Experts)), MoEFFN: v(cfg.MoEFFNSize),
		QLoRARank: v(cfg.QLoRARank), KVLoRARank: v(cfg.KVLoRARank), DenseLayers: int(doc.Get("first_k_dense_replace").Int()),
		Rope: uint64(doc.Get("qk_rope_head_dim").Int()), Mixtral: doc.Get("model_type").Str == "mixtral",
		QKNorm: strings.HasPrefix(doc.Get("model_type").Str, "qwen3"),
	}
	if d.KVLoRARank > 0 {
		d.HeadDim = uint64(doc.Get("qk_nope_head_dim").Int())
	}
	h := testmodel.Safetensors{Tensors: d.SafetensorsTensors("BF16")}.HeaderBytes()
	info, err := safetensors.Read(bytes.NewReader(h), int64(len(h)))
	if info == nil {
		t.Fatal(err)
	}
	return fingerprint.Safetensors([]fingerprint.SafetensorsHeader{{Path: "model.safetensors", Info: info}})
}

// A safetensors file with no config is recognised from its tensor shapes
// as the config would be.
func TestRecognizeTensorShapes(t *testing.T) {
	k := kb.Default()
	for _, tc := range []struct {
		config  string
		records []string
	}{
		// Without the RoPE settings and context length a config gives, more
		// models of one shape tie: Qwen2.5-Math-7B, Qwen2.5-Coder-32B,
		// Llama 3 8B.
		{"Qwen__Qwen2.5-7B-Instruct.config.json", []string{"qwen2-7b-instruct", "qwen2.5-7b", "qwen2.5-coder-7b", "qwen2.5-math-7b"}},
		{"Qwen__Qwen2.5-32B-Instruct.config.json", []string{"qwen2.5-32b", "qwen2.5-coder-32b", "qwq-32b"}},
		{"Qwen__Qwen3-30B-A3B.config.json", []string{"qwen3-30b-a3b"}},
		{"Qwen__Qwen3-32B.config.json", []string{"qwen3-32b"}},
		{"meta-llama__Llama-3.1-8B.config.json", []string{"llama-3-8b", "llama-3.1-8b"}},
		{"meta-llama__Llama-3.2-3B-Instruct.config.json", []string{"llama-3.2-3b"}},
		{"mistralai__Mistral-7B-Instruct-v0.3.config.json", []string{"mistral-7b-v0.3"}},
		{"mistralai__Mixtral-8x7B-v0.1.config.json", []string{"mixtral-8x7b"}},
		{"deepseek-ai__DeepSeek-V3.config.json", []string{"deepseek-v3", "deepseek-v3.2"}},
		{"microsoft__phi-4.config.json", []string{"phi-4"}},
	} {
		t.Run(tc.config, func(t *testing.T) {
			fp := tensorFacts(t, tc.config)
			if fp.Architecture.ModelType != nil || fp.Architecture.Heads != nil {
				t.Fatalf("tensor shapes stated a model type or head count: %+v", fp.Architecture)
			}
			got := Recognize(fp, k).Architectures
			if ids := recordIDs(got); !slices.Equal(ids, tc.records) {
				t.Errorf("records %v, want %v", ids, tc.records)
			}
			for _, c := range got {
				if c.Compared < minDecisiveFacts || !slices.ContainsFunc(c.Matched, func(f FactComparison) bool {
					return f.Path == "model.safetensors" && strings.HasSuffix(f.Field, ".weight")
				}) {
					t.Errorf("%s: evidence does not cite the tensors: %+v", c.Record, c.Matched)
				}
			}
		})
	}
	// An invented shape matches nothing.
	d := testmodel.Decoder{Layers: 30, Hidden: 3840, Heads: 30, KVHeads: 6, FFN: 20480, Vocab: 152064}
	h := testmodel.Safetensors{Tensors: d.SafetensorsTensors("BF16")}.HeaderBytes()
	info, _ := safetensors.Read(bytes.NewReader(h), int64(len(h)))
	if r := Recognize(fingerprint.Safetensors([]fingerprint.SafetensorsHeader{{Path: "m.safetensors", Info: info}}), k); len(r.Architectures) > 0 {
		t.Errorf("an invented shape matched %v", recordIDs(r.Architectures))
	}
}

// A GGUF file stripped of its general.* keys is recognised from its
// architecture keys and token list: llama.cpp's Phi-3 vocabulary file with
// Phi-3-mini's architecture keys.
func TestRecognizeStrippedGGUF(t *testing.T) {
	k := kb.Default()
	data, err := os.ReadFile(testutil.Corpus(t, "fingerprints", "llamacpp", "vocab", "ggml-vocab-phi-3.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := gguf.Read(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	kv, err := os.ReadFile(testutil.Corpus(t, "fingerprints", "tokenizers", "ollama-convert-testdata", "Phi-3-mini-128k-instruct.gguf-kv.json"))
	if err != nil {
		t.Fatal(err)
	}
	arch := testutil.OllamaGGUF(t, kv)
	var stripped []gguf.Value
	for _, v := range append(arch.Metadata, info.Metadata...) {
		if !strings.HasPrefix(v.Key, "general.") && !slices.ContainsFunc(stripped, func(o gguf.Value) bool { return o.Key == v.Key }) {
			stripped = append(stripped, v)
		}
	}
	info.Metadata, info.Architecture = stripped, ""
	fp := fingerprint.GGUF("renamed.gguf", info)
	r := Recognize(fp, k)
	checkCandidates(t, "architecture", r.Architectures, []string{"phi-3-mini-128k", "phi-3.5-mini-instruct"}, "microsoft", "US")
	if !slices.Contains(recordIDs(r.Tokenizers), "phi-3") {
		t.Errorf("tokenizers %v, want phi-3 (Llama 2's vocabulary with Phi-3's tokens)", recordIDs(r.Tokenizers))
	}
	if i := slices.IndexFunc(r.Tokenizers, func(c Candidate) bool { return c.Record == "phi-3" }); i >= 0 &&
		!slices.ContainsFunc(r.Tokenizers[i].Matched, func(f FactComparison) bool { return f.Fact == "vocabulary" && f.Field == "tokenizer.ggml.tokens" }) {
		t.Errorf("phi-3 matched without its vocabulary digest: %+v", r.Tokenizers[i].Matched)
	}
}
