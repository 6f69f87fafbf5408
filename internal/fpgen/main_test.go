package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/kb"
)

const header = "model_id\tdeveloper\tfamily\tmodel_type\tarchitectures\tlayers\thidden\theads\tkv_heads\thead_dim\tintermediate\tmoe_intermediate\texperts\tshared_experts\texperts_per_tok\tq_lora_rank\tkv_lora_rank\tvocab\trope_theta\trope_scaling\tmax_pos\ttie_emb\tbos_id\teos_id\tbos_token\teos_token\tspecial_tokens\tchat_markers\tggml_pre\tsource_url\tsource_date\tsource_title\tsource_kind\tnotes\n"

// row builds a table row from column values.
func row(cells map[string]string) string {
	var out []string
	for _, col := range strings.Split(strings.TrimSpace(header), "\t") {
		out = append(out, cells[col])
	}
	return strings.Join(out, "\t") + "\n"
}

func TestGenerate(t *testing.T) {
	kbDir := filepath.Join(testutil.ModuleRoot(t), "kb", "data")
	corpus := testutil.Corpus(t, "fingerprints")
	src := map[string]string{"source_date": "2026-12-06", "source_title": "a config copy"}
	with := func(m map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range src {
			out[k] = v
		}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	table := header +
		// An architecture, read twice: the exact copy is taken, the other
		// adds its citation.
		row(with(map[string]string{"model_id": "acme/Test-7B", "developer": "Qwen", "family": "Test", "model_type": "qwen2 (text part)", "architectures": "Qwen2ForCausalLM",
			"layers": "30", "hidden": "4000", "heads": "40", "kv_heads": "8", "intermediate": "12,000", "vocab": "150000", "rope_theta": "1000000.0",
			"rope_scaling": "yarn:4.0 (orig 32768)", "max_pos": "131072", "tie_emb": "false",
			"source_url": "https://example.com/other-copy", "source_kind": "other", "notes": "second copy"})) +
		row(with(map[string]string{"model_id": "acme/Test-7B", "developer": "Qwen", "family": "Test", "layers": "30", "hidden": "4000", "vocab": "150000",
			"source_url": "https://example.com/exact + search-index file id 123 (not an address)", "source_kind": "exact-config", "notes": "exact copy"})) +
		// A row that disagrees with the taken one is skipped.
		row(with(map[string]string{"model_id": "acme/Test-7B", "developer": "Qwen", "family": "Test", "layers": "31", "hidden": "4000",
			"source_url": "https://example.com/wrong", "source_kind": "vendored-config"})) +
		// A tokenizer row, its sources partly in the corpus.
		row(with(map[string]string{"model_id": "acme/Test-7B-Chat", "developer": "THUDM (zai-org)", "family": "Test chat",
			"special_tokens": "<|a|>=100 | <|b|>=101 (a remark) | 13 single-character tokens 5-17 | <|c|> | /nothink", "bos_token": "<|a|>", "bos_id": "100",
			"eos_token": "<|b|>", "eos_id": "101,102", "chat_markers": "<|a|> | <|b|> (as text)", "ggml_pre": "gemma",
			"source_url":  "../shared/corpus/fingerprints/tokenizers/Qwen__Qwen2.vocab.json (rtp-llm copy) + https://example.com/tok",
			"source_kind": "other", "notes": "TOKENIZER ROW; real tokenizer size 102,400; LOW CONFIDENCE"})) +
		// Skipped: another developer's base, a model a hand-kept record
		// lists, no address, no organisation.
		row(with(map[string]string{"model_id": "deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "developer": "deepseek-ai", "family": "x", "layers": "32", "hidden": "4096",
			"source_url": "https://example.com/a", "source_kind": "other"})) +
		row(with(map[string]string{"model_id": "Qwen/Qwen2.5-7B", "developer": "Qwen", "family": "x", "layers": "28", "hidden": "3584",
			"source_url": "https://example.com/b", "source_kind": "other"})) +
		row(with(map[string]string{"model_id": "acme/NoSource", "developer": "Qwen", "family": "x", "layers": "2", "hidden": "8",
			"source_url": "search-index file id 9", "source_kind": "other"})) +
		row(with(map[string]string{"model_id": "acme/NoOrg", "developer": "Acme Labs", "family": "x", "layers": "2", "hidden": "8",
			"source_url": "https://example.com/c", "source_kind": "other"}))
	path := filepath.Join(t.TempDir(), "published.tsv")
	if err := os.WriteFile(path, []byte(table), 0o644); err != nil {
		t.Fatal(err)
	}
	out, skipped, err := run(path, corpus, kbDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"acme/Test-7B (vendored-config): architecture disagrees", "DeepSeek-R1-Distill-Llama-8B (other): architecture is its base meta-llama/Llama-3.1-8B's",
		"Qwen/Qwen2.5-7B (other): architecture listed by architectures.yaml record qwen2.5-7b", "acme/NoSource (other): no source address", "acme/NoOrg (other): developer Acme Labs"} {
		if !slices.ContainsFunc(skipped, func(s string) bool { return strings.Contains(s, want) }) {
			t.Errorf("skipped %q, want a line containing %q", skipped, want)
		}
	}
	overlay := fstest.MapFS{}
	for name, data := range out {
		overlay[name] = &fstest.MapFile{Data: data}
	}
	k, err := kb.Load(overlay)
	if err != nil {
		t.Fatalf("generated files do not load: %v\n%s", err, out["architectures-published.yaml"])
	}
	a := k.ArchitecturesOf("acme/Test-7B")
	if len(a) != 1 {
		t.Fatalf("architectures of acme/Test-7B: %v", a)
	}
	if r := a[0]; r.ID != "test-7b" || *r.FFNSize != 12000 || r.ModelType != "qwen2" || r.RopeScaling != "yarn" || *r.RopeFactor != 4 ||
		*r.TiedEmbeddings || r.Confidence != kb.ConfidenceHigh || len(r.Sources) != 2 || r.Sources[0].URL != "https://example.com/exact" {
		t.Errorf("record %+v", r)
	}
	tk := k.TokenizersOf("acme/Test-7B-Chat")
	if len(tk) != 1 {
		t.Fatalf("tokenizers of acme/Test-7B-Chat: %v", tk)
	}
	r := tk[0]
	var tokens []string
	for _, tok := range r.Tokens {
		id := "-"
		if tok.ID != nil {
			id = string(rune('0' + *tok.ID - 100))
		}
		tokens = append(tokens, tok.Content+"="+id+strings.Join(tok.Roles, ","))
	}
	if !slices.Equal(tokens, []string{"<|a|>=0bos", "<|b|>=1eos", "<|c|>=-"}) || r.Developer != "zai-org" || *r.VocabSize != 102400 ||
		r.GGMLPre != "" || !slices.Equal(r.ChatMarkers, []string{"<|a|>", "<|b|>"}) || r.Confidence != kb.ConfidenceLow {
		t.Errorf("tokenizer %+v, tokens %v", r, tokens)
	}
	if r.Sources[0].URL != "https://github.com/alibaba/rtp-llm/blob/4b8d39cd5cbe4eff0cf0661411e15be21ccc58b9/rtp_llm/test/tokenizer_test/testdata/qwen2_tokenizer/vocab.json" {
		t.Errorf("corpus path cited as %s", r.Sources[0].URL)
	}
	if m := k.Model("acme/Test-7B"); m == nil || m.License != "unknown" || m.Developer != "Qwen" {
		t.Errorf("model stub %+v", m)
	}
}

// The generated files in kb/data are what the table gives, when the table
// is where the research left it (next to the module, in ../notes).
func TestPublishedUpToDate(t *testing.T) {
	root := testutil.ModuleRoot(t)
	tsv := filepath.Join(root, "..", "notes", "fp-published.tsv")
	if _, err := os.Stat(tsv); err != nil {
		t.Skipf("research table not available (%s)", tsv)
	}
	out, _, err := run(tsv, testutil.Corpus(t, "fingerprints"), filepath.Join(root, "kb", "data"))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range out {
		got, err := os.ReadFile(filepath.Join(root, "kb", "data", name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("kb/data/%s is stale: run go run ./internal/fpgen (see its doc comment)", name)
		}
	}
}
