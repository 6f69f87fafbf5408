package modelvet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet"
	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/fingerprint"
	"github.com/modelvet/modelvet/formats/gguf"
	"github.com/modelvet/modelvet/internal/hubtest"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/manifest"
	"github.com/modelvet/modelvet/provenance"
	"github.com/modelvet/modelvet/report"
)

// A card that names no base: the release says nothing of where it came
// from.
const silentCard = "---\nlicense: apache-2.0\npipeline_tag: text-generation\n---\n# Assistant\n\nOur in-house assistant.\n"

// corpusRelease copies corpus files (paths under fingerprints/) into a new
// directory named name, each under the name it is a copy of, with card as
// README.md.
func corpusRelease(t *testing.T, name, card string, files ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(testutil.Corpus(t, "fingerprints", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, releaseName(f)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte(card), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// releaseName is the release file a corpus file ("org__model.config.json")
// is a copy of.
func releaseName(corpus string) string {
	base := filepath.Base(corpus)
	for _, k := range []string{"tokenizer_config.json", "generation_config.json", "special_tokens_map.json", "tokenizer.json", "config.json"} {
		if strings.HasSuffix(base, "."+k) {
			return k
		}
	}
	return "chat_template.jinja"
}

func auditRelease(t *testing.T, dir string, opts ...modelvet.Option) *modelvet.Report {
	t.Helper()
	src, err := manifest.Parse(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, err := modelvet.New(append([]modelvet.Option{modelvet.WithClock(fixedClock), modelvet.WithoutHashingUnsafe()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := a.Audit(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	var js bytes.Buffer
	if err := report.WriteJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	testutil.ValidateReport(t, js.Bytes())
	return rep
}

// inferred returns the lineage nodes the release's own files gave, of a
// relation.
func inferred(rep *modelvet.Report, relation kb.Relation) []report.LineageNode {
	var out []report.LineageNode
	for _, n := range rep.Lineage {
		if n.Relation == relation {
			out = append(out, n)
		}
	}
	return out
}

// checkInferred asserts the inferred nodes of a relation: the models
// named, all of the developer's country, with confidence inferred and
// evidence saying what matched, how many facts, and how it could be wrong.
func checkInferred(t *testing.T, rep *modelvet.Report, relation kb.Relation, models []string, country string) {
	t.Helper()
	ns := inferred(rep, relation)
	var got []string
	for _, n := range ns {
		got = append(got, n.Model)
		if n.Country != country || n.Developer == "" || n.Confidence != finding.Inferred || n.Parent != rep.Lineage[0].Model {
			t.Errorf("%s %s: developer %q (%s), confidence %s, parent %s; want country %s, inferred, of the release", relation, n.Model, n.Developer, n.Country, n.Confidence, n.Parent, country)
		}
		var fp, amb bool
		for _, e := range n.Evidence {
			fp = fp || e.Field == finding.FieldFingerprint && strings.Contains(e.Value, "facts agree")
			amb = amb || e.Field == finding.FieldAmbiguity && e.Value != ""
		}
		if !fp || !amb {
			t.Errorf("%s %s: evidence does not say what matched and how it could be wrong: %+v", relation, n.Model, n.Evidence)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, models) {
		t.Errorf("%s: %v, want %v", relation, got, models)
	}
}

func hasFinding(rep *modelvet.Report, code finding.Code, subject string) *finding.Finding {
	for i, f := range rep.Findings {
		if f.Code == code && (subject == "" || f.Subject == subject) {
			return &rep.Findings[i]
		}
	}
	return nil
}

// Releases built from the real files of well-known models, renamed, with a
// card that names no base, are recognised through the whole audit: the
// base (every model the files cannot tell apart), its developer and
// country, and, for a distill, who post-trained it.
func TestAuditRecognisesCorpusReleases(t *testing.T) {
	C, T := "configs/", "tokenizers/"
	for _, tc := range []struct {
		name    string
		files   []string
		bases   []string
		country string
		chat    []string // post-trained-by nodes
	}{
		{"qwen2.5-7b", []string{C + "Qwen__Qwen2.5-7B-Instruct.config.json", T + "Qwen__Qwen2.5-Instruct.tokenizer_config.json", T + "Qwen__Qwen2.5-7B-Instruct.generation_config.json"},
			[]string{"Qwen/Qwen2-7B-Instruct", "Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-Coder-7B"}, "CN", nil},
		{"qwen3-moe", []string{C + "Qwen__Qwen3-30B-A3B.config.json", T + "Qwen__Qwen3-30B-A3B.tokenizer_config.json"},
			[]string{"Qwen/Qwen3-30B-A3B"}, "CN", nil},
		{"deepseek-v3", []string{C + "deepseek-ai__DeepSeek-V3.config.json", T + "deepseek-ai__DeepSeek-V3.tokenizer_config.json"},
			[]string{"deepseek-ai/DeepSeek-V3-Base", "deepseek-ai/DeepSeek-V3.2"}, "CN", nil},
		{"deepseek-r1", []string{C + "deepseek-ai__DeepSeek-R1.rev-2025-01.config.json", T + "deepseek-ai__DeepSeek-R1.tokenizer_config.json", T + "deepseek-ai__DeepSeek-R1.generation_config.json"},
			[]string{"deepseek-ai/DeepSeek-V3-Base", "deepseek-ai/DeepSeek-V3.2"}, "CN", nil},
		{"r1-distill-qwen", []string{C + "deepseek-ai__DeepSeek-R1-Distill-Qwen-32B.config.json", T + "deepseek-ai__DeepSeek-R1-Distill-Qwen-14B.tokenizer_config.json", T + "deepseek-ai__DeepSeek-R1-Distill-Qwen-32B.generation_config.json"},
			[]string{"Qwen/QwQ-32B", "Qwen/Qwen2.5-32B"}, "CN", []string{"deepseek-ai/DeepSeek-V3"}},
		{"llama-3.1-8b", []string{C + "meta-llama__Llama-3.1-8B-Instruct.config.json"},
			[]string{"meta-llama/Llama-3.1-8B"}, "US", nil},
		{"llama-3.2-3b", []string{C + "meta-llama__Llama-3.2-3B-Instruct.config.json", T + "meta-llama__Llama-3.2-3B-Instruct.tokenizer_config.json", T + "meta-llama__Llama-3.2-3B-Instruct.special_tokens_map.json", T + "meta-llama__Llama-3.2-3B-Instruct.generation_config.json"},
			[]string{"meta-llama/Llama-3.2-3B", "meta-llama/Llama-3.2-3B-Instruct"}, "US", nil},
		{"mistral-7b", []string{C + "mistralai__Mistral-7B-Instruct-v0.3.config.json", T + "mistralai__Mistral-7B-Instruct-v0.3.tokenizer.json", T + "mistralai__Mistral-7B-Instruct-v0.3.tokenizer_config.json"},
			[]string{"mistralai/Mistral-7B-Instruct-v0.3", "mistralai/Mistral-7B-v0.3"}, "FR", nil},
		{"mixtral", []string{C + "mistralai__Mixtral-8x7B-v0.1.config.json"},
			[]string{"mistralai/Mixtral-8x7B-v0.1"}, "FR", nil},
		{"phi-4", []string{C + "microsoft__phi-4.config.json", T + "microsoft__phi-4.tokenizer_config.json"},
			[]string{"microsoft/phi-4"}, "US", nil},
		{"gpt-oss", []string{C + "openai__gpt-oss-120b.config.json", T + "openai__gpt-oss-120b.special_tokens_map.json", T + "openai__gpt-oss-120b.generation_config.json"},
			[]string{"openai/gpt-oss-120b"}, "US", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := auditRelease(t, corpusRelease(t, "acme-assistant", silentCard, tc.files...))
			checkInferred(t, rep, provenance.RelationSameOrDerivative, tc.bases, tc.country)
			chat := tc.chat
			checkInferred(t, rep, provenance.RelationPostTrainedBy, chat, "CN")
			if f := hasFinding(rep, finding.ProvenanceLineageUnknown, ""); f != nil {
				t.Errorf("lineage unknown although recognised: %s", f.Message)
			}
			if f := hasFinding(rep, finding.ProvenanceLineageMismatch, ""); f != nil {
				t.Errorf("mismatch with no base declared: %s", f.Message)
			}
			// Origin follows the inferred ancestors: an origin finding
			// names each, inferred.
			for _, n := range inferred(rep, provenance.RelationSameOrDerivative) {
				if f := hasFinding(rep, finding.ProvenanceOrigin, n.Model); f == nil || f.Confidence != finding.Inferred {
					t.Errorf("no inferred origin finding for %s: %+v", n.Model, f)
				}
			}
			if rep.Subject.Fingerprint == nil || rep.Subject.Fingerprint.Architecture.Layers == nil {
				t.Errorf("the report carries no facts: %+v", rep.Subject.Fingerprint)
			}
		})
	}
}

// A fine-tune that re-saved its base's config (another dtype, its own
// _name_or_path, a newer transformers) is still recognised: the name it
// gives its base is unknown, and the files say what it is.
func TestAuditRecognisesResavedConfig(t *testing.T) {
	data, err := os.ReadFile(testutil.Corpus(t, "fingerprints", "configs", "Qwen__Qwen2.5-7B-Instruct.config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	cfg["torch_dtype"], cfg["_name_or_path"], cfg["transformers_version"] = "float16", "acme/sft-checkpoint-1200", "4.99.0"
	out, _ := json.MarshalIndent(cfg, "", "  ")
	dir := corpusRelease(t, "acme-support", silentCard)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	rep := auditRelease(t, dir)
	checkInferred(t, rep, provenance.RelationSameOrDerivative, []string{"Qwen/Qwen2-7B-Instruct", "Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-Coder-7B"}, "CN")
	if !slices.ContainsFunc(rep.Lineage, func(n report.LineageNode) bool {
		return n.Model == "acme/sft-checkpoint-1200" && n.Relation == "finetune"
	}) {
		t.Errorf("the declared _name_or_path is not kept beside the inferred base: %+v", rep.Lineage)
	}
}

// A GGUF file stripped of its general.* keys (llama.cpp's Phi-3 vocabulary
// file, its keys renamed in place) is recognised from its architecture
// keys and its token list, whose first 32,000 tokens are Llama 2's.
func TestAuditRecognisesStrippedGGUF(t *testing.T) {
	data, err := os.ReadFile(testutil.Corpus(t, "fingerprints", "llamacpp", "vocab", "ggml-vocab-phi-3.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := gguf.Read(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	stripped := bytes.Clone(data)
	for _, v := range info.Metadata {
		if strings.HasPrefix(v.Key, "general.") {
			copy(stripped[v.Offset+8:], "removed.") // the key's bytes follow its 8-byte length
		}
	}
	p := filepath.Join(t.TempDir(), "assistant-v2.gguf")
	if err := os.WriteFile(p, stripped, 0o644); err != nil {
		t.Fatal(err)
	}
	rep := auditRelease(t, p)
	for _, f := range rep.Files {
		for k := range f.Metadata {
			if strings.HasPrefix(k, "general.") {
				t.Fatalf("general.* key left: %s", k)
			}
		}
	}
	checkInferred(t, rep, provenance.RelationSameOrDerivative, []string{"microsoft/Phi-3-mini-4k-instruct"}, "US")
	tk := rep.Subject.Fingerprint.Tokenizer
	if v := tk.Vocabulary; v == nil || !slices.ContainsFunc(v.Value.Prefixes, func(p fingerprint.Vocabulary) bool { return p.Tokens == 32000 }) || tk.BOS == nil || tk.BOS.Value != "<s>" {
		t.Errorf("token list facts: %+v %+v", tk.Vocabulary, tk.BOS)
	}
	if f := hasFinding(rep, finding.ProvenanceLineageUnknown, ""); f != nil {
		t.Errorf("a recognised GGUF is reported as of unknown lineage: %s", f.Message)
	}
}

// A safetensors file alone, no config, no tokenizer, is recognised from
// its tensor shapes: a header-only file in Qwen2.5-7B's shape.
func TestAuditRecognisesTensorShapes(t *testing.T) {
	d := testmodel.Decoder{Layers: 28, Hidden: 3584, Heads: 28, KVHeads: 4, FFN: 18944, Vocab: 152064}
	dir := filepath.Join(t.TempDir(), "weights")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := (testmodel.Safetensors{Tensors: d.SafetensorsTensors("BF16")}).WriteFile(filepath.Join(dir, "model.safetensors"), true); err != nil {
		t.Fatal(err)
	}
	rep := auditRelease(t, dir)
	checkInferred(t, rep, provenance.RelationSameOrDerivative, []string{"Qwen/Qwen2-7B-Instruct", "Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-Coder-7B", "Qwen/Qwen2.5-Math-7B"}, "CN")
	if l := rep.Subject.Fingerprint.Architecture.Layers; l == nil || l.Path != "model.safetensors" || l.Field != "model.layers.27.input_layernorm.weight" {
		t.Errorf("layers fact %+v", l)
	}
}

// A card that names a base its files contradict raises
// provenance.lineage-mismatch, citing both sides; the inferred lineage is
// reported beside the declared one, and origin and government policies
// follow both.
func TestAuditLineageMismatch(t *testing.T) {
	card := "---\nlicense: llama3.1\nbase_model: meta-llama/Llama-3.1-8B\nbase_model_relation: finetune\n---\n# Assistant\n"
	dir := corpusRelease(t, "acme-assistant", card, "configs/Qwen__Qwen2.5-7B-Instruct.config.json", "tokenizers/Qwen__Qwen2.5-Instruct.tokenizer_config.json")
	rep := auditRelease(t, dir, modelvet.WithJurisdictions("us-dod"))
	f := hasFinding(rep, finding.ProvenanceLineageMismatch, "meta-llama/Llama-3.1-8B")
	if f == nil {
		t.Fatalf("no lineage mismatch; findings %v", codes(rep))
	}
	if f.Severity != finding.High || f.Confidence != finding.Inferred || !strings.Contains(f.Message, "The card declares the base meta-llama/Llama-3.1-8B") ||
		!strings.Contains(f.Message, "layers 28, not 32") || !strings.Contains(f.Message, "Qwen/Qwen2.5-7B") {
		t.Errorf("mismatch finding %s %s: %s", f.Severity, f.Confidence, f.Message)
	}
	cites := func(path, field string) bool {
		return slices.ContainsFunc(f.Evidence, func(e finding.Evidence) bool { return e.Path == path && e.Field == field })
	}
	if !cites("README.md", "base_model") || !cites("config.json", "num_hidden_layers") || !cites("kb:architectures.yaml", "llama-3.1-8b.layers") {
		t.Errorf("evidence does not cite both sides: %+v", f.Evidence)
	}
	if !slices.ContainsFunc(rep.Lineage, func(n report.LineageNode) bool {
		return n.Model == "meta-llama/Llama-3.1-8B" && n.Confidence == finding.Declared
	}) {
		t.Error("the declared base is no longer reported")
	}
	checkInferred(t, rep, provenance.RelationSameOrDerivative, []string{"Qwen/Qwen2-7B-Instruct", "Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-Coder-7B"}, "CN")
	if hasFinding(rep, finding.ProvenanceOrigin, "meta-llama/Llama-3.1-8B") == nil || hasFinding(rep, finding.ProvenanceOrigin, "Qwen/Qwen2.5-7B") == nil {
		t.Error("origin does not follow both lineages")
	}
	// The DoD's covered-nations statute reaches the inferred Chinese base,
	// at the confidence of an inference.
	g := hasFinding(rep, finding.ProvenanceGovernmentPolicy, "")
	if g == nil || g.Confidence != finding.Inferred || !strings.Contains(g.Message, "Qwen") {
		t.Errorf("government policy: %+v", g)
	}
}

// Files that match nothing add nothing: an invented architecture with no
// base declared is neither recognised nor reported as of unknown lineage.
func TestAuditInventedArchitecture(t *testing.T) {
	dir := corpusRelease(t, "acme-new", silentCard)
	cfg := `{"model_type":"qwen2","architectures":["Qwen2ForCausalLM"],"num_hidden_layers":30,"hidden_size":3840,"num_attention_heads":30,"num_key_value_heads":6,"intermediate_size":20480,"vocab_size":152064}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := auditRelease(t, dir)
	if len(rep.Lineage) != 1 {
		t.Errorf("an invented architecture gave lineage %+v", rep.Lineage)
	}
	for _, c := range []finding.Code{finding.ProvenanceLineageMismatch, finding.ProvenanceLineageUnknown} {
		if f := hasFinding(rep, c, ""); f != nil {
			t.Errorf("%s: %s", c, f.Message)
		}
	}
}

// A government policy that bars DeepSeek reaches a renamed R1 distill
// through the chat format its files carry, and Kansas's statute, which bars
// DeepSeek's and Chinese developers' AI, through its Qwen base as well.
func TestAuditGovernmentPolicyFollowsInferredAncestors(t *testing.T) {
	dir := corpusRelease(t, "helpful-assistant-32b", silentCard, "configs/deepseek-ai__DeepSeek-R1-Distill-Qwen-32B.config.json",
		"tokenizers/deepseek-ai__DeepSeek-R1-Distill-Qwen-14B.tokenizer_config.json", "tokenizers/deepseek-ai__DeepSeek-R1-Distill-Qwen-32B.generation_config.json")
	rep := auditRelease(t, dir, modelvet.WithJurisdictions("us-ks"))
	g := hasFinding(rep, finding.ProvenanceGovernmentPolicy, "")
	if g == nil {
		t.Fatalf("no government policy finding: %v", codes(rep))
	}
	var matched []string
	for _, e := range g.Evidence {
		if e.Field == provenance.EvidenceMatch || e.Field == provenance.EvidenceAlso {
			matched = append(matched, e.Value)
		}
	}
	if g.Confidence != finding.Inferred || !slices.ContainsFunc(matched, func(v string) bool { return strings.HasPrefix(v, "deepseek-ai/DeepSeek-V3") }) ||
		!slices.ContainsFunc(matched, func(v string) bool { return strings.HasPrefix(v, "Qwen/") }) {
		t.Errorf("government policy %s: %s; matches %q", g.Confidence, g.Message, matched)
	}
	// The release does not carry DeepSeek's weights: no DeepSeek licence
	// is inherited through the chat format.
	for _, f := range rep.Findings {
		if f.Code == finding.LicenseInheritance && strings.Contains(f.Message, "DeepSeek-V3") {
			t.Errorf("licence inherited through a chat format: %s", f.Message)
		}
	}
}

// When the files match models of several developers equally (Mistral 7B's
// GGUF metadata without a vocabulary size also fits InternLM2.5-7B), every
// one is named and no single origin is claimed.
func TestAuditAmbiguousDevelopers(t *testing.T) {
	kv, err := os.ReadFile(testutil.Corpus(t, "fingerprints", "tokenizers", "ollama-convert-testdata", "Mistral-7B-Instruct-v0.2.gguf-kv.json"))
	if err != nil {
		t.Fatal(err)
	}
	var kvs []testmodel.KV
	for _, v := range testutil.OllamaGGUF(t, kv).Metadata {
		if strings.HasPrefix(v.Key, "llama.") {
			kvs = append(kvs, testmodel.KVOf(v.Key, v.Value))
		}
	}
	p := filepath.Join(t.TempDir(), "chat-7b.gguf")
	if err := (testmodel.GGUF{KV: kvs}).WriteFile(p, false); err != nil {
		t.Fatal(err)
	}
	rep := auditRelease(t, p)
	countries := map[string]bool{}
	for _, n := range inferred(rep, provenance.RelationSameOrDerivative) {
		countries[n.Country] = true
		if !slices.ContainsFunc(n.Evidence, func(e finding.Evidence) bool {
			return e.Field == finding.FieldAmbiguity && strings.Contains(e.Value, "no single origin is claimed")
		}) {
			t.Errorf("%s: the ambiguity is not stated: %+v", n.Model, n.Evidence)
		}
	}
	if !countries["FR"] || !countries["CN"] {
		t.Errorf("inferred nodes of %v, want Mistral AI (FR) and Shanghai AI Laboratory (CN)", countries)
	}
	src, _ := manifest.Parse(p)
	rel, err := src.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if o := provenance.LineageDefault(rel).Origin(); o.Developer != "" || len(o.Alternatives) < 2 {
		t.Errorf("origin %+v: one developer claimed", o)
	}
}

func codes(rep *modelvet.Report) []string {
	var out []string
	for _, f := range rep.Findings {
		out = append(out, string(f.Code)+" "+f.Subject)
	}
	return out
}

// The same recognition works for a remote audit against the fake Hub: the
// config and tokenizer files are read whole, one request each, within the
// audit's default budgets; a card that names a base the files contradict
// raises the mismatch remotely too.
func TestHubAuditRecognises(t *testing.T) {
	read := func(rel string) []byte {
		data, err := os.ReadFile(testutil.Corpus(t, "fingerprints", rel))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	d := testmodel.Decoder{Layers: 2, Hidden: 64, Heads: 4, KVHeads: 2, FFN: 128, Vocab: 100}
	weights := testmodel.Safetensors{Tensors: d.SafetensorsTensors("BF16")}
	files := func(card string, facts bool) []*hubtest.File {
		fs := []*hubtest.File{
			{Path: "README.md", Data: []byte(card)},
			{Path: "config.json", Data: read("configs/deepseek-ai__DeepSeek-R1-Distill-Qwen-32B.config.json")},
			{Path: "generation_config.json", Data: read("tokenizers/deepseek-ai__DeepSeek-R1-Distill-Qwen-32B.generation_config.json")},
			{Path: "model.safetensors", Data: weights.HeaderBytes(), Size: int64(len(weights.HeaderBytes())) + int64(weights.DataSize()), LFS: true},
		}
		if facts {
			fs = append(fs, &hubtest.File{Path: "tokenizer_config.json", Data: read("tokenizers/deepseek-ai__DeepSeek-R1-Distill-Qwen-14B.tokenizer_config.json")})
		}
		return fs
	}
	srv := hubtest.New(t,
		&hubtest.Repo{ID: "acme/helper-32b", Files: files(silentCard, true)},
		&hubtest.Repo{ID: "acme/helper-32b-plain", Files: files(silentCard, false)},
		&hubtest.Repo{ID: "acme/helper-32b-llama", Files: files("---\nlicense: llama3.1\nbase_model: meta-llama/Llama-3.1-70B\n---\n# Helper\n", true)},
	)
	rep := auditHub(t, srv, "acme/helper-32b", manifest.HubOptions{}, modelvet.WithJurisdictions("us-ks"))
	checkInferred(t, rep, provenance.RelationSameOrDerivative, []string{"Qwen/QwQ-32B", "Qwen/Qwen2.5-32B"}, "CN")
	checkInferred(t, rep, provenance.RelationPostTrainedBy, []string{"deepseek-ai/DeepSeek-V3"}, "CN")
	if hasFinding(rep, finding.ProvenanceGovernmentPolicy, "") == nil {
		t.Errorf("no government policy finding for an inferred DeepSeek and Qwen lineage: %v", codes(rep))
	}
	plain := auditHub(t, srv, "acme/helper-32b-plain", manifest.HubOptions{})
	if added := rep.Subject.Hub.Requests - plain.Subject.Hub.Requests; added != 1 {
		t.Errorf("the tokenizer config cost %d requests, want 1 (%d in all)", added, rep.Subject.Hub.Requests)
	}
	for _, p := range []*modelvet.Report{rep, plain} {
		if f := hasFinding(p, finding.IntegrityUnverified, ""); f != nil && strings.Contains(f.Message, "not read") {
			t.Errorf("the default budget left files unread: %s", f.Message)
		}
	}
	mis := auditHub(t, srv, "acme/helper-32b-llama", manifest.HubOptions{LineageDepth: -1})
	if f := hasFinding(mis, finding.ProvenanceLineageMismatch, "meta-llama/Llama-3.1-70B"); f == nil || !strings.Contains(f.Message, "Qwen/Qwen2.5-32B") {
		t.Errorf("remote mismatch: %+v", f)
	}
}

// Licence inheritance follows an inferred base: a renamed Llama 3.1 8B
// fine-tune that declares Apache-2.0 must stay under Meta's licence, and
// the finding says how the base was established.
func TestAuditLicenceFollowsInferredBase(t *testing.T) {
	rep := auditRelease(t, corpusRelease(t, "acme-assistant", silentCard, "configs/meta-llama__Llama-3.1-8B-Instruct.config.json"))
	f := hasFinding(rep, finding.LicenseInheritance, "llama3.1")
	if f == nil || !strings.Contains(f.Message, "by its own files the same model as, or a derivative of, meta-llama/Llama-3.1-8B") {
		t.Fatalf("licence inheritance: %+v; findings %v", f, codes(rep))
	}
	if !slices.ContainsFunc(f.Evidence, func(e finding.Evidence) bool { return e.Field == finding.FieldFingerprint }) {
		t.Errorf("the finding does not cite what the files matched: %+v", f.Evidence)
	}
}
