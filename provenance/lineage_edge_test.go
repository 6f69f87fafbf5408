package provenance

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/formats/modelcard"
	"github.com/modelvet/modelvet/formats/modelconfig"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/manifest"
)

// overlayKB loads the embedded knowledge base with extra models, whose
// developer is the organisation x.
func overlayKB(t testing.TB, models string) *kb.KB {
	t.Helper()
	k, err := kb.Load(fstest.MapFS{
		"models.yaml":        {Data: []byte("models:\n" + models)},
		"organizations.yaml": {Data: []byte("organizations:\n  - {id: x, name: X, country: \"\", confidence: low, sources: [{url: \"https://example.com\"}]}\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestCycles(t *testing.T) {
	k := overlayKB(t, `
  - {id: loop/a, developer: x, confidence: high, sources: [{url: "https://example.com"}], bases: [{model: loop/b, relation: finetune}]}
  - {id: loop/b, developer: x, confidence: high, sources: [{url: "https://example.com"}], bases: [{model: loop/c, relation: merge}]}
  - {id: loop/c, developer: x, confidence: high, sources: [{url: "https://example.com"}], bases: [{model: loop/a, relation: finetune}]}
`)
	g := Lineage(&manifest.Release{Repo: "loop/a"}, k, LineageOptions{})
	if len(g.Cycles) != 1 {
		t.Fatalf("cycles %v, want one", g.Cycles)
	}
	if got := strings.Join(g.Cycles[0], " "); got != "loop/c loop/a loop/b loop/c" {
		t.Errorf("cycle %q", got)
	}
	if len(g.Edges) != 2 {
		t.Errorf("edges %v, want the two that do not close the loop", edgesOf(g))
	}
	fs := LineageFindings(g)
	if len(fs) != 1 || fs[0].Code != finding.ProvenanceLineageUnknown || !strings.Contains(fs[0].Message, "loops") {
		t.Errorf("findings %+v", fs)
	}

	// A two-model loop is a loop too.
	k = overlayKB(t, `
  - {id: pair/a, developer: x, confidence: high, sources: [{url: "https://example.com"}], bases: [{model: pair/b, relation: finetune}]}
  - {id: pair/b, developer: x, confidence: high, sources: [{url: "https://example.com"}], bases: [{model: pair/a, relation: finetune}]}
`)
	g = Lineage(&manifest.Release{Repo: "pair/a"}, k, LineageOptions{})
	if len(g.Cycles) != 1 || strings.Join(g.Cycles[0], " ") != "pair/b pair/a pair/b" || len(g.Edges) != 1 || len(LineageFindings(g)) != 1 {
		t.Errorf("A→B→A: cycles %v, edges %v", g.Cycles, edgesOf(g))
	}
}

// A model named as its own base is the identity it states, not a loop: no
// edge and no finding, whichever source says it.
func TestSelfReferenceIsIdentity(t *testing.T) {
	k := overlayKB(t, `
  - {id: me/self, developer: x, confidence: high, sources: [{url: "https://example.com"}], bases: [{model: me/self, relation: finetune}]}
`)
	// A card naming the model itself as its base; the knowledge base says
	// the same.
	c := &modelcard.Card{Path: "README.md", BaseModel: []modelcard.Field{{Value: "me/self", Line: 3}}}
	g := Lineage(&manifest.Release{Repo: "me/self", Card: c}, k, LineageOptions{})
	if len(g.Cycles) != 0 || len(g.Edges) != 0 || len(LineageFindings(g)) != 0 {
		t.Errorf("self base: cycles %v edges %v findings %v", g.Cycles, edgesOf(g), LineageFindings(g))
	}

	// A quantisation whose card declares the model it quantises, and whose
	// GGUF names that model (general.name) and gives it again as its base
	// (general.base_model.0.repo_url): one quantized edge, no loop.
	const src = "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"
	rel := ggufFile(t, "DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf", testmodel.GGUF{KV: []testmodel.KV{
		{Key: "general.name", Value: testmodel.String("DeepSeek R1 Distill Qwen 7B")},
		{Key: "general.base_model.count", Value: testmodel.Uint32(1)},
		{Key: "general.base_model.0.repo_url", Value: testmodel.String("https://huggingface.co/" + src)},
	}})
	rel.Name, rel.Repo = "r1-distill-gguf", ""
	rel.Card = &modelcard.Card{Path: "README.md", BaseModel: []modelcard.Field{{Value: src, Line: 3}},
		BaseModelRelation: modelcard.Field{Value: "quantized", Line: 4}}
	g = Lineage(rel, nil, LineageOptions{})
	if len(g.Cycles) != 0 {
		t.Errorf("cycles %v", g.Cycles)
	}
	for _, f := range LineageFindings(g) {
		t.Errorf("unexpected %s: %s", f.Code, f.Message)
	}
	want := "r1-distill-gguf -quantized-> " + src
	if e := edgesOf(g); !slices.Contains(e, want) || slices.ContainsFunc(e, func(s string) bool { return strings.HasPrefix(s, src+" -") && strings.HasSuffix(s, "-> "+src) }) {
		t.Errorf("edges %q, want %q and no self edge", e, want)
	}
	if p := g.Parents(0); len(p) != 1 || len(p[0].Evidence) < 3 {
		t.Errorf("root edge %+v, want one quantized edge citing the card and the GGUF", p)
	}

	// The same on the demo release in testdata.
	g = Lineage(openTarget(t, filepath.Join(testutil.ModuleRoot(t), "testdata", "models", "r1-distill-qwen-7b-gguf")), nil, LineageOptions{})
	if len(g.Cycles) != 0 || len(LineageFindings(g)) != 0 {
		t.Errorf("demo GGUF: cycles %v, findings %v", g.Cycles, LineageFindings(g))
	}
}

// A chain deeper than the cap, or wider than the node cap, is cut and
// reported, without unbounded work.
func TestLineageCaps(t *testing.T) {
	var b strings.Builder
	const n = limits.MaxLineageDepth + 10
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - {id: deep/m%d, developer: x, confidence: high, sources: [{url: \"https://example.com\"}], bases: [{model: deep/m%d, relation: finetune}]}\n", i, i+1)
	}
	k := overlayKB(t, b.String())
	g := Lineage(&manifest.Release{Repo: "deep/m0"}, k, LineageOptions{})
	if len(g.Nodes) != limits.MaxLineageDepth+1 {
		t.Errorf("%d nodes, want %d", len(g.Nodes), limits.MaxLineageDepth+1)
	}
	if g.Truncated == "" {
		t.Error("not marked truncated")
	}
	g = Lineage(&manifest.Release{Repo: "deep/m0"}, k, LineageOptions{MaxDepth: 3})
	if len(g.Nodes) != 4 || g.Truncated == "" {
		t.Errorf("MaxDepth 3: %d nodes, truncated %q", len(g.Nodes), g.Truncated)
	}
	// A card with very many bases: capped.
	c := &modelcard.Card{Path: "README.md"}
	for i := 0; i < 10*limits.MaxDeclaredBases; i++ {
		c.BaseModel = append(c.BaseModel, modelcard.Field{Value: fmt.Sprintf("org/base-%d", i), Line: i + 2})
	}
	g = Lineage(&manifest.Release{Repo: "me/wide", Card: c}, nil, LineageOptions{MaxNodes: 20})
	if len(g.Nodes) != 20 || g.Truncated == "" {
		t.Errorf("wide card: %d nodes, truncated %q", len(g.Nodes), g.Truncated)
	}
	// Over-large options are reduced to the caps.
	if o := (LineageOptions{MaxDepth: 1 << 30, MaxNodes: 1 << 30}).normalize(); o.MaxDepth != limits.MaxLineageDepth || o.MaxNodes != limits.MaxLineageNodes {
		t.Errorf("normalize: %+v", o)
	}
}

// Hostile names and values are cut and never break the graph.
func TestHostileDeclarations(t *testing.T) {
	long := strings.Repeat("a/", 10_000)
	c := &modelcard.Card{Path: "README.md", BaseModel: []modelcard.Field{{Value: long}, {Value: "\x00\xff/\u202e"}, {Value: "https://huggingface.co/"}}, Datasets: []modelcard.Field{{Value: long}}, Body: strings.Repeat("trained on GPT-4 outputs ", 100_000)}
	files := ggufFile(t, "m.gguf", testmodel.GGUF{KV: []testmodel.KV{
		{Key: "general.base_model.count", Value: testmodel.Uint64(4_000_000_000)},
		{Key: "general.name", Value: testmodel.String("x")},
	}}).Files
	rel := &manifest.Release{Repo: long, Card: c, Files: files, Config: &modelconfig.Config{NameOrPath: long}}
	g := Lineage(rel, nil, LineageOptions{})
	for _, n := range g.Nodes {
		if len(n.Model) > limits.MaxModelName {
			t.Errorf("node name of %d bytes", len(n.Model))
		}
	}
	if len(g.Statements) > limits.MaxStatements {
		t.Errorf("%d statements", len(g.Statements))
	}
	_ = RestrictedOutputs(g, nil)
	_, _ = Government(g, nil, []string{"*"}, GovernmentOptions{})
}

func TestGovernmentOptions(t *testing.T) {
	k := kb.Default()
	g := Lineage(loadFixture(t, "perplexity-ai__r1-1776"), k, LineageOptions{})
	count := func(j string, o GovernmentOptions) int {
		fs, err := Government(g, k, []string{j}, o)
		if err != nil {
			t.Fatal(err)
		}
		return len(fs)
	}
	// R1 1776 carries DeepSeek-R1's weights: all and weights reach it.
	if count("us-ks", GovernmentOptions{}) != 1 || count("us-ks", GovernmentOptions{Reach: ReachWeights}) != 1 {
		t.Error("Kansas should reach R1 1776 through DeepSeek-R1")
	}
	if count("us-ks", GovernmentOptions{Reach: ReachSelf}) != 0 {
		t.Error("self reach matched an ancestor")
	}
	if count("us-ks", GovernmentOptions{MaxDepth: 1}) != 1 {
		t.Error("depth 1 should reach DeepSeek-R1")
	}

	// An R1 distill on Qwen reaches DeepSeek only by distillation when
	// the model itself is not DeepSeek's: use a third-party distill.
	d := Lineage(&manifest.Release{Repo: "someone/student", Card: &modelcard.Card{Path: "README.md",
		BaseModel: []modelcard.Field{{Value: "meta-llama/Llama-3.1-8B", Line: 2}},
		Datasets:  []modelcard.Field{{Value: "open-thoughts/OpenThoughts-114k", Line: 5}}}}, k, LineageOptions{})
	fs, _ := Government(d, k, []string{"us-ks"}, GovernmentOptions{})
	if len(fs) != 1 || fs[0].Confidence != finding.Inferred || !strings.Contains(fs[0].Message, "its teacher deepseek-ai/DeepSeek-R1") ||
		!hasEvidence(fs[0], "", EvidenceMatch, "distilled from deepseek-ai/DeepSeek-R1") {
		t.Errorf("distillation match: %+v", fs)
	}
	fs, _ = Government(d, k, []string{"us-ks"}, GovernmentOptions{Reach: ReachWeights})
	if len(fs) != 0 {
		t.Errorf("weights reach matched a teacher: %+v", fs)
	}

	// Statuses filter; wildcards select; unknown ids are reported.
	r := Lineage(loadFixture(t, "deepseek-ai__DeepSeek-R1-Distill-Qwen-7B"), k, LineageOptions{})
	all, err := Government(r, k, []string{"us-federal"}, GovernmentOptions{})
	if err != nil || len(all) != 7 {
		t.Errorf("us-federal: %d findings (%v), want 7 (5 bills, 2 advisories)", len(all), err)
	}
	for _, f := range all {
		if f.Confidence != finding.Inferred {
			t.Errorf("non-binding %s has confidence %s", f.Subject, f.Confidence)
		}
	}
	binding, _ := Government(r, k, []string{"us-federal"}, GovernmentOptions{Statuses: []kb.Status{kb.StatusEnacted, kb.StatusInForce}})
	if len(binding) != 0 {
		t.Errorf("binding us-federal findings: %v", binding)
	}
	us, _ := Government(r, k, []string{"us-*"}, GovernmentOptions{})
	if len(us) < 25 {
		t.Errorf("us-*: %d findings", len(us))
	}
	_, err = Government(r, k, []string{"us-ks", "atlantis"}, GovernmentOptions{})
	if _, ok := err.(*kb.UnknownJurisdictionError); !ok || !strings.Contains(err.Error(), "atlantis") {
		t.Errorf("unknown jurisdiction error: %v", err)
	}
	for _, bad := range []string{"sideways", "", "ancestors", "All", " self"} {
		if _, err := ParseReach(bad); err == nil {
			t.Errorf("ParseReach accepted %q", bad)
		}
	}
	for _, r := range []Reach{ReachAll, ReachWeights, ReachSelf} {
		if got, err := ParseReach(r.String()); err != nil || got != r {
			t.Errorf("ParseReach(%q) = %v, %v", r, got, err)
		}
	}

	// A fine-tune by a US company of a DeepSeek distill carries DeepSeek's
	// weights one derivation up: all and weights reach them, self does not.
	p := Lineage(loadFixture(t, "perplexity-ai__r1-1776-distill-llama-70b"), k, LineageOptions{})
	for _, tc := range []struct {
		opts GovernmentOptions
		want int
	}{
		{GovernmentOptions{Reach: ReachAll}, 1},
		{GovernmentOptions{Reach: ReachWeights}, 1},
		{GovernmentOptions{Reach: ReachSelf}, 0},
		{GovernmentOptions{Reach: ReachAll, MaxDepth: 1}, 1},
	} {
		fs, err := Government(p, k, []string{"us-ks"}, tc.opts)
		if err != nil || len(fs) != tc.want {
			t.Errorf("%+v: %d findings (%v), want %d", tc.opts, len(fs), err, tc.want)
		}
	}
}

// India's ministry advisory covers AI tools of every developer, including
// US ones; only the audited model matches.
func TestAnyDeveloperPolicy(t *testing.T) {
	g := Lineage(loadFixture(t, "teknium__OpenHermes-2.5-Mistral-7B"), nil, LineageOptions{})
	fs, err := Government(g, nil, []string{"in"}, GovernmentOptions{})
	if err != nil || len(fs) != 1 || fs[0].Subject != "in-mof-ai-tools-advisory-2025" || fs[0].Confidence != finding.Inferred {
		t.Errorf("India advisory: %+v %v", fs, err)
	}
}

// Assess gives a sweep the origin and the barred flags in one call.
func TestAssess(t *testing.T) {
	a, err := Assess(loadFixture(t, "ollama__deepseek-r1_7b"), nil, []string{"us-ks", "au"}, GovernmentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Origin.Developer != "deepseek-ai" || a.Origin.Country != "CN" || a.Origin.Repackager != "ollama" {
		t.Errorf("origin %+v", a.Origin)
	}
	if len(a.Barred) != 2 {
		t.Errorf("barred %v", a.Barred)
	}
	a, _ = Assess(loadFixture(t, "teknium__OpenHermes-2.5-Mistral-7B"), nil, []string{"us-ks", "au"}, GovernmentOptions{})
	if len(a.Barred) != 0 {
		t.Errorf("OpenHermes barred: %v", a.Barred)
	}
}

// A model distilled from a teacher whose licence bans training other
// models on its outputs is flagged; one distilled from DeepSeek-R1 (MIT)
// is not, and a Llama 3 derivative trained on Llama 3 outputs is exempt.
func TestDistillationLicences(t *testing.T) {
	k := kb.Default()
	rel := func(repo, base, dataset string) *manifest.Release {
		c := &modelcard.Card{Path: "README.md", BaseModel: []modelcard.Field{{Value: base, Line: 2}}}
		if dataset != "" {
			c.Datasets = []modelcard.Field{{Value: dataset, Line: 4}}
		}
		return &manifest.Release{Repo: repo, Card: c}
	}
	subjects := func(r *manifest.Release) []string {
		var out []string
		for _, f := range RestrictedOutputs(Lineage(r, k, LineageOptions{}), k) {
			out = append(out, f.Subject+"="+string(f.Confidence))
		}
		return out
	}
	// Mistral trained on Llama-3-70B-Instruct outputs: Llama 3 §1.b.v.
	if got := subjects(rel("someone/mistral-magpie", "mistralai/Mistral-7B-v0.1", "Magpie-Align/Magpie-Pro-300K-Filtered")); len(got) != 2 ||
		!strings.HasPrefix(got[0], "Magpie-Align/Magpie-Pro-300K-Filtered=") || !strings.HasPrefix(got[1], "meta-llama/Meta-Llama-3-70B-Instruct=inferred") {
		t.Errorf("Mistral on Llama 3 outputs: %q", got)
	}
	// Llama 3 trained on Llama 3 outputs: exempt.
	if got := subjects(rel("someone/llama-magpie", "meta-llama/Meta-Llama-3-8B", "Magpie-Align/Magpie-Pro-300K-Filtered")); len(got) != 0 {
		t.Errorf("Llama 3 on Llama 3 outputs: %q", got)
	}
	// Qwen trained on DeepSeek-R1 outputs: no restriction (MIT).
	if got := subjects(rel("someone/qwen-r1", "Qwen/Qwen2.5-7B", "open-thoughts/OpenThoughts-114k")); len(got) != 0 {
		t.Errorf("Qwen on R1 outputs: %q", got)
	}
	// A model distilled from Gemma (by name in the card text): derivative rule.
	c := &modelcard.Card{Path: "README.md", Body: "We distilled this model from Gemma 2 27B using synthetic data.\n", BodyLine: 5}
	g := Lineage(&manifest.Release{Repo: "someone/gemma-student", Card: c}, k, LineageOptions{})
	fs := RestrictedOutputs(g, k)
	if len(fs) != 1 || fs[0].Confidence != finding.Inferred || fs[0].Evidence[0].Line != 5 || !strings.Contains(fs[0].Message, "outputs of Gemma 2 27B") ||
		!strings.Contains(fs[0].Message, "derivative") || !hasEvidence(fs[0], "kb:output-terms.yaml", "gemma-terms-2024.summary", "Model Derivative") {
		t.Errorf("Gemma distillation: %+v", fs)
	}
	// The licence records' output_restriction term is used for licences
	// no output-terms record covers.
	lk, err := kb.Load(fstest.MapFS{
		"licenses.yaml": {Data: []byte(`licenses:
  - id: acme-model-license
    name: ACME Model License
    category: responsible-use
    confidence: primary
    terms:
      output_restriction: {value: banned, summary: "No training other models on outputs.", clause: "§4"}
    sources: [{url: "https://example.com/acme"}]
`)},
		"organizations.yaml": {Data: []byte(`organizations:
  - {id: acme, name: ACME, country: US, confidence: low, sources: [{url: "https://example.com/acme"}]}
`)},
		"models.yaml": {Data: []byte(`models:
  - {id: acme/teacher, developer: acme, license: acme-model-license, confidence: high, sources: [{url: "https://example.com"}]}
  - {id: acme/student, developer: acme, confidence: high, sources: [{url: "https://example.com"}], bases: [{model: acme/teacher, relation: distilled}]}
`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	g = Lineage(&manifest.Release{Repo: "acme/student"}, lk, LineageOptions{})
	fs = RestrictedOutputs(g, lk)
	if len(fs) != 1 || fs[0].Subject != "acme/teacher" || fs[0].Confidence != finding.Declared ||
		!strings.Contains(fs[0].Message, "the acme-model-license licence") || !hasEvidence(fs[0], "kb:licenses.yaml", "acme-model-license.output_restriction.summary", "No training") {
		t.Errorf("licence fallback: %+v", fs)
	}
}

// hasEvidence reports whether f cites path and field with a value that
// contains value.
func hasEvidence(f finding.Finding, path, field, value string) bool {
	return slices.ContainsFunc(f.Evidence, func(e finding.Evidence) bool {
		return e.Path == path && e.Field == field && strings.Contains(e.Value, value)
	})
}

// The corpus's real cards (as test inputs) parse into lineages without
// trouble, and the MLX R1 distill resolves to DeepSeek.
func TestCorpusCards(t *testing.T) {
	dir := testutil.Corpus(t, "cards", "real")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".md") || e.Name() == "README.md" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		card, _ := modelcard.Parse("README.md", data)
		repo := strings.Replace(strings.TrimSuffix(e.Name(), ".md"), "__", "/", 1)
		g := Lineage(&manifest.Release{Repo: repo, Name: repo, Card: card}, nil, LineageOptions{})
		_ = RestrictedOutputs(g, nil)
		if repo == "mlx-community/DeepSeek-R1-Distill-Qwen-14B-4bit" {
			if o := g.Origin(); o.Developer != "deepseek-ai" || o.Repackager != "mlx-community" {
				t.Errorf("%s origin %+v", repo, o)
			}
		}
	}
}
