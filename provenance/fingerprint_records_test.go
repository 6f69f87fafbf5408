package provenance

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/fingerprint"
	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/kb"
)

// corpusSources maps the upstream URL of every file of the fingerprint
// corpus (as its SOURCES.tsv gives it, and as the knowledge base cites it)
// to the file's path under fingerprints/.
func corpusSources(t *testing.T) map[string]string {
	t.Helper()
	root := testutil.Corpus(t, "fingerprints")
	out := map[string]string{}
	for _, folder := range []string{"configs", "tokenizers", "llamacpp"} {
		f, err := os.Open(filepath.Join(root, folder, "SOURCES.tsv"))
		if err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(f)
		r.Comma, r.LazyQuotes, r.FieldsPerRecord = '\t', true, -1
		rows, err := r.ReadAll()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		col := map[string]int{}
		for i, name := range rows[0] {
			col[name] = i
		}
		for _, row := range rows[1:] {
			repo, _, _ := strings.Cut(row[col["github_repo"]], " ")
			url := "https://github.com/" + repo + "/blob/" + row[col["commit"]] + "/" + row[col["path"]]
			out[url] = folder + "/" + row[col["file"]]
		}
	}
	return out
}

// sourceFingerprint reads a cited corpus file for comparison with a
// record, or returns nil for files that state no fingerprint facts.
func sourceFingerprint(t *testing.T, rel string) *fingerprint.Facts {
	t.Helper()
	root := testutil.Corpus(t, "fingerprints")
	switch {
	case strings.HasSuffix(rel, ".gguf-kv.json"), fingerprintKind(filepath.Base(rel)) != "":
		return corpusFingerprint(t, rel)
	case strings.HasSuffix(rel, "vocab.json"), strings.HasSuffix(rel, "encoder.json"):
		// A bare vocabulary ({token: id}) is read as tokenizer.json's
		// model.vocab; it holds no added tokens, so its size is not the
		// tokenizer's.
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		fp, err := fingerprint.ParseFile("tokenizer.json", bytes.Join([][]byte{[]byte(`{"model":{"vocab":`), data, []byte(`}}`)}, nil))
		if err != nil {
			t.Fatal(err)
		}
		fp.Tokenizer.VocabSize = nil
		return fp
	}
	return nil
}

// Every fingerprint record built from the corpus agrees with every corpus
// file it cites, on every fact both state, so the data cannot drift from
// its sources; and every value of such a record is stated by one of them.
func TestFingerprintRecordsAgreeWithCorpus(t *testing.T) {
	sources := corpusSources(t)
	k := kb.Default()
	pres := chkhshNames(t)
	fromCorpus := 0
	for _, r := range k.Architectures {
		confirmed := map[string]bool{}
		published := false
		for _, s := range r.Sources {
			rel, ok := sources[s.URL]
			if !ok {
				published = true
				continue
			}
			fp := sourceFingerprint(t, rel)
			if fp == nil {
				t.Errorf("architecture %s cites %s, which states no architecture", r.ID, rel)
				continue
			}
			cmp := compareArchitecture(&fp.Architecture, r)
			for _, f := range cmp.facts {
				if f.Outcome != FactSame {
					t.Errorf("architecture %s: %s says %s %s, the record %s", r.ID, rel, f.Fact, f.Release, f.Record)
				}
				confirmed[f.Fact] = true
			}
			if len(cmp.facts) < minDecisiveFacts {
				t.Errorf("architecture %s: %s confirms only %d facts", r.ID, rel, len(cmp.facts))
			}
		}
		if len(confirmed) == 0 {
			continue
		}
		fromCorpus++
		if published {
			continue
		}
		for _, fact := range statedArchitectureFacts(r) {
			if !confirmed[fact] {
				t.Errorf("architecture %s states %s, which none of its corpus files does", r.ID, fact)
			}
		}
	}
	for _, r := range k.Tokenizers {
		for _, s := range r.Sources {
			rel, ok := sources[s.URL]
			if !ok {
				continue
			}
			if strings.HasSuffix(rel, "convert_hf_to_gguf.py") {
				if !pres[r.GGMLPre] {
					t.Errorf("tokenizer %s cites llama.cpp's converter for ggml_pre %q, which its table lacks", r.ID, r.GGMLPre)
				}
				continue
			}
			fp := sourceFingerprint(t, rel)
			if fp == nil {
				continue // a Hub API record: not a release file
			}
			cmp := compareTokenizer(&fp.Tokenizer, r)
			if len(cmp.facts) == 0 {
				t.Errorf("tokenizer %s: %s confirms nothing", r.ID, rel)
			}
			for _, f := range cmp.facts {
				if f.Outcome != FactSame {
					t.Errorf("tokenizer %s: %s says %s %q, the record %q", r.ID, rel, f.Fact, f.Release, f.Record)
				}
			}
			fromCorpus++
		}
	}
	if fromCorpus < 50 {
		t.Errorf("only %d records and files compared", fromCorpus)
	}
}

// statedArchitectureFacts names the facts an architecture record states.
func statedArchitectureFacts(r *kb.Architecture) []string {
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"model_type", r.ModelType != ""}, {"classes", len(r.Classes) > 0}, {"layers", r.Layers != nil}, {"hidden_size", r.HiddenSize != nil},
		{"heads", r.Heads != nil}, {"kv_heads", r.KVHeads != nil}, {"head_dim", r.HeadDim != nil}, {"ffn_size", r.FFNSize != nil},
		{"moe_ffn_size", r.MoEFFNSize != nil}, {"experts", r.Experts != nil}, {"shared_experts", r.SharedExperts != nil},
		{"shared_expert_ffn_size", r.SharedExpertFFNSize != nil}, {"experts_per_token", r.ExpertsPerToken != nil},
		{"q_lora_rank", r.QLoRARank != nil}, {"kv_lora_rank", r.KVLoRARank != nil}, {"vocab_size", r.VocabSize != nil},
		{"rope_theta", r.RopeTheta != nil}, {"rope_scaling", r.RopeScaling != ""}, {"rope_factor", r.RopeFactor != nil},
		{"context_length", r.ContextLength != nil}, {"tied_embeddings", r.TiedEmbeddings != nil},
	} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return out
}

// chkhshNames reads the pre-tokenizer names of llama.cpp's table.
func chkhshNames(t *testing.T) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(testutil.Corpus(t, "fingerprints", "llamacpp", "chkhsh.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
		if f := strings.Split(line, "\t"); len(f) > 1 {
			out[f[1]] = true
		}
	}
	return out
}
