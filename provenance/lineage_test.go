package provenance

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/formats/gguf"
	"github.com/modelvet/modelvet/formats/modelcard"
	"github.com/modelvet/modelvet/formats/modelconfig"
	"github.com/modelvet/modelvet/hub"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/manifest"
)

// goldenJurisdictions are the jurisdictions the golden summaries select.
var goldenJurisdictions = []string{"us-ks", "us-tx", "au", "us-dod", "tw"}

// fixtureCase is what a fixture modelled on a real release must produce.
type fixtureCase struct {
	name  string
	edges []string // "child -relation-> parent", sorted
	// depth of some nodes.
	depths map[string]int
	// origin of the audited model (developer id, country), and the model
	// it is taken from.
	originModel, developer, country string
	// restricted lists the subjects of provenance.restricted-outputs.
	restricted []string
	// barred maps a jurisdiction to the policy ids (subjects) it raises,
	// each with "=confidence".
	barred map[string][]string
	// unknown is set when provenance.lineage-unknown is expected.
	unknown bool
}

const (
	r1     = "deepseek-ai/DeepSeek-R1"
	v3base = "deepseek-ai/DeepSeek-V3-Base"
)

func r1Distill(size, base string, extra ...string) fixtureCase {
	id := "deepseek-ai/DeepSeek-R1-Distill-" + size
	edges := append([]string{
		id + " -distilled-> " + r1,
		id + " -finetune-> " + base,
		r1 + " -finetune-> " + v3base,
	}, extra...)
	slices.Sort(edges)
	return fixtureCase{
		name:        "deepseek-ai__DeepSeek-R1-Distill-" + size,
		edges:       edges,
		depths:      map[string]int{id: 0, r1: 1, base: 1, v3base: 2},
		originModel: id, developer: "deepseek-ai", country: "CN",
		restricted: nil, // MIT permits distillation; the bases' licences do not restrict
		barred: map[string][]string{
			// Kansas names DeepSeek's models, self-hosted weights included.
			"us-ks": {"us-ks-hb-2313=declared"},
			// Texas covers the DeepSeek app: it may not reach weights.
			"us-tx": {"us-tx-governor-prohibited-apps-2025=inferred"},
			// Australia's direction: whether weights are covered is contested.
			"au": {"au-pspf-direction-001-2025=inferred"},
			"us-dod": {
				"us-dod-disa-deepseek-block-2025=inferred",
				"us-ndaa-fy2026-s1532=declared",
			},
			"us-ny": {"us-ny-its-deepseek-2025=inferred"},
			"us-nc": {"us-nc-deepseek-unverified=alleged"},
			"it":    {"it-garante-deepseek-2025=inferred"},
		},
	}
}

var fixtureCases = []fixtureCase{
	r1Distill("Qwen-1.5B", "Qwen/Qwen2.5-Math-1.5B", "Qwen/Qwen2.5-Math-1.5B -finetune-> Qwen/Qwen2.5-1.5B"),
	r1Distill("Qwen-7B", "Qwen/Qwen2.5-Math-7B", "Qwen/Qwen2.5-Math-7B -finetune-> Qwen/Qwen2.5-7B"),
	r1Distill("Qwen-14B", "Qwen/Qwen2.5-14B"),
	r1Distill("Qwen-32B", "Qwen/Qwen2.5-32B"),
	r1Distill("Llama-8B", "meta-llama/Llama-3.1-8B"),
	r1Distill("Llama-70B", "meta-llama/Llama-3.3-70B-Instruct"),
	{
		// A post-training of DeepSeek-R1 by a US company.
		name: "perplexity-ai__r1-1776",
		edges: []string{
			"deepseek-ai/DeepSeek-R1 -finetune-> " + v3base,
			"perplexity-ai/r1-1776 -finetune-> " + r1,
		},
		depths:      map[string]int{"perplexity-ai/r1-1776": 0, r1: 1, v3base: 2},
		originModel: "perplexity-ai/r1-1776", developer: "perplexity-ai", country: "US",
		barred: map[string][]string{
			// An ancestor is DeepSeek's; Kansas does not name derivatives.
			// Bans of DeepSeek's apps and services (the DISA network
			// block, Taiwan's) do not reach another company's model.
			"us-ks":  {"us-ks-hb-2313=inferred"},
			"us-dod": {"us-ndaa-fy2026-s1532=inferred"},
			"tw":     nil,
		},
	},
	{
		// A post-training by a US company of a DeepSeek distill: the
		// DeepSeek weights are an ancestor, not the model itself.
		name: "perplexity-ai__r1-1776-distill-llama-70b",
		edges: []string{
			"deepseek-ai/DeepSeek-R1 -finetune-> " + v3base,
			"deepseek-ai/DeepSeek-R1-Distill-Llama-70B -distilled-> " + r1,
			"deepseek-ai/DeepSeek-R1-Distill-Llama-70B -finetune-> meta-llama/Llama-3.3-70B-Instruct",
			"perplexity-ai/r1-1776-distill-llama-70b -finetune-> deepseek-ai/DeepSeek-R1-Distill-Llama-70B",
		},
		depths:      map[string]int{"deepseek-ai/DeepSeek-R1-Distill-Llama-70B": 1, r1: 2, v3base: 3},
		originModel: "perplexity-ai/r1-1776-distill-llama-70b", developer: "perplexity-ai", country: "US",
		barred: map[string][]string{
			"us-ks":  {"us-ks-hb-2313=inferred"},
			"us-dod": {"us-ndaa-fy2026-s1532=inferred"},
			"tw":     nil,
		},
	},
	{
		// A plain Llama model: Meta, United States.
		name:        "meta-llama__Llama-3.2-1B-Instruct",
		originModel: "meta-llama/Llama-3.2-1B-Instruct", developer: "meta-llama", country: "US",
		barred: map[string][]string{"us-ks": nil, "us-dod": nil, "us-federal": nil, "us-tx": nil},
	},
	{
		name:        "Qwen__QwQ-32B",
		edges:       []string{"Qwen/QwQ-32B -finetune-> Qwen/Qwen2.5-32B"},
		depths:      map[string]int{"Qwen/QwQ-32B": 0, "Qwen/Qwen2.5-32B": 1},
		originModel: "Qwen/QwQ-32B", developer: "Qwen", country: "CN",
		barred: map[string][]string{
			// Kansas covers any AI model controlled by China.
			"us-ks": {"us-ks-hb-2313=declared"},
			// Texas names DeepSeek only.
			"us-tx":  nil,
			"au":     nil,
			"us-dod": {"us-ndaa-fy2026-s1532=declared"},
		},
	},
	{
		// An OpenHermes fine-tune: trained on GPT-4-generated data.
		name:        "teknium__OpenHermes-2.5-Mistral-7B",
		edges:       []string{"teknium/OpenHermes-2.5-Mistral-7B -finetune-> mistralai/Mistral-7B-v0.1"},
		depths:      map[string]int{"mistralai/Mistral-7B-v0.1": 1},
		originModel: "teknium/OpenHermes-2.5-Mistral-7B", developer: "teknium", country: "",
		restricted: []string{"statement:gpt-4", "teknium/OpenHermes-2.5"},
		barred:     map[string][]string{"us-ks": nil, "us-dod": nil},
	},
	{
		// A Dolphin fine-tune of Llama 3 on OpenAI-generated datasets.
		name:        "cognitivecomputations__dolphin-2.9-llama3-8b",
		edges:       []string{"cognitivecomputations/dolphin-2.9-llama3-8b -finetune-> meta-llama/Meta-Llama-3-8B"},
		originModel: "cognitivecomputations/dolphin-2.9-llama3-8b", developer: "cognitivecomputations",
		restricted: []string{"microsoft/orca-math-word-problems-200k", "teknium/OpenHermes-2.5"},
		barred:     map[string][]string{"us-ks": nil},
	},
	{
		// A Llama 3 derivative trained on Llama-3-70B-Instruct outputs: the
		// Llama 3 licence exempts its own derivatives from §1.b.v.
		name: "Magpie-Align__Llama-3-8B-Magpie-Pro-SFT-v0.1",
		edges: []string{
			"Magpie-Align/Llama-3-8B-Magpie-Pro-SFT-v0.1 -distilled-> meta-llama/Meta-Llama-3-70B-Instruct",
			"Magpie-Align/Llama-3-8B-Magpie-Pro-SFT-v0.1 -finetune-> meta-llama/Meta-Llama-3-8B",
			"meta-llama/Meta-Llama-3-70B-Instruct -finetune-> meta-llama/Meta-Llama-3-70B",
		},
		originModel: "Magpie-Align/Llama-3-8B-Magpie-Pro-SFT-v0.1", developer: "Magpie-Align",
		restricted: nil,
		barred:     map[string][]string{"us-ks": nil},
	},
	{
		// A Qwen GGUF quantisation by a repackager.
		name: "bartowski__Qwen2.5-7B-Instruct-GGUF",
		edges: []string{
			"Qwen/Qwen2.5-7B-Instruct -finetune-> Qwen/Qwen2.5-7B",
			"bartowski/Qwen2.5-7B-Instruct-GGUF -quantized-> Qwen/Qwen2.5-7B-Instruct",
		},
		depths:      map[string]int{"Qwen/Qwen2.5-7B-Instruct": 1, "Qwen/Qwen2.5-7B": 2},
		originModel: "Qwen/Qwen2.5-7B-Instruct", developer: "Qwen", country: "CN",
		barred: map[string][]string{
			// The quantisation carries Qwen's own weights: Kansas's country
			// rule matches "the model itself".
			"us-ks": {"us-ks-hb-2313=declared"},
			"us-tx": nil,
		},
	},
	{
		// The Ollama library's deepseek-r1:7b.
		name: "ollama__deepseek-r1_7b",
		edges: []string{
			"Qwen/Qwen2.5-Math-7B -finetune-> Qwen/Qwen2.5-7B",
			"deepseek-ai/DeepSeek-R1 -finetune-> " + v3base,
			"deepseek-ai/DeepSeek-R1-Distill-Qwen-7B -distilled-> " + r1,
			"deepseek-ai/DeepSeek-R1-Distill-Qwen-7B -finetune-> Qwen/Qwen2.5-Math-7B",
			"deepseek-r1:7b -quantized-> deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
		},
		depths:      map[string]int{"deepseek-r1:7b": 0, "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B": 1, r1: 2},
		originModel: "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", developer: "deepseek-ai", country: "CN",
		barred: map[string][]string{
			"us-ks": {"us-ks-hb-2313=declared"},
			"us-tx": {"us-tx-governor-prohibited-apps-2025=inferred"},
		},
	},
	{
		// The Ollama library's llama3.2 (latest is the 3B Instruct model).
		name:        "ollama__llama3.2_latest",
		edges:       []string{"llama3.2:latest -quantized-> meta-llama/Llama-3.2-3B-Instruct"},
		depths:      map[string]int{"llama3.2:latest": 0, "meta-llama/Llama-3.2-3B-Instruct": 1},
		originModel: "meta-llama/Llama-3.2-3B-Instruct", developer: "meta-llama", country: "US",
		barred: map[string][]string{"us-ks": nil, "us-dod": nil, "us-federal": nil},
	},
}

func TestFixtures(t *testing.T) {
	k := kb.Default()
	for _, tc := range fixtureCases {
		t.Run(tc.name, func(t *testing.T) {
			rel := loadFixture(t, tc.name)
			g := Lineage(rel, k, LineageOptions{})
			if got := edgesOf(g); !slices.Equal(got, tc.edges) {
				t.Errorf("edges:\n got %q\nwant %q", got, tc.edges)
			}
			for model, d := range tc.depths {
				i := slices.IndexFunc(g.Nodes, func(n *Node) bool { return n.Model == model })
				if i < 0 {
					t.Errorf("no node %s", model)
				} else if g.Nodes[i].Depth != d {
					t.Errorf("%s depth %d, want %d", model, g.Nodes[i].Depth, d)
				}
			}
			o := g.Origin()
			if o.Model != tc.originModel || o.Developer != tc.developer || o.Country != tc.country {
				t.Errorf("origin = %+v, want %s by %s (%s)", o, tc.originModel, tc.developer, tc.country)
			}
			var restricted []string
			for _, f := range RestrictedOutputs(g, k) {
				restricted = append(restricted, f.Subject)
			}
			slices.Sort(restricted)
			if !slices.Equal(restricted, tc.restricted) {
				t.Errorf("restricted-outputs subjects = %q, want %q", restricted, tc.restricted)
			}
			for j, want := range tc.barred {
				fs, err := Government(g, k, []string{j}, GovernmentOptions{})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, f := range fs {
					got = append(got, f.Subject+"="+string(f.Confidence))
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("%s: government findings %q, want %q", j, got, want)
				}
			}
			if got := LineageFindings(g); (len(got) > 0) != tc.unknown {
				t.Errorf("lineage-unknown findings %v, want %v", got, tc.unknown)
			}
			testutil.Golden(t, filepath.Join(testutil.ModuleRoot(t), "testdata", "lineage", tc.name, fixtureGolden), []byte(summary(g, k, goldenJurisdictions)))
		})
	}
}

// Every origin finding names the developer and country of a model in the
// lineage; an R1 distill lists DeepSeek (CN) for itself and R1, and the
// base's developer.
func TestOriginsOfDistill(t *testing.T) {
	g := Lineage(loadFixture(t, "deepseek-ai__DeepSeek-R1-Distill-Llama-8B"), nil, LineageOptions{})
	got := map[string]string{}
	for _, f := range Origins(g) {
		if f.Code != finding.ProvenanceOrigin || f.Confidence != finding.Declared {
			t.Errorf("%s: %s %s", f.Subject, f.Code, f.Confidence)
		}
		got[f.Subject] = f.Message
	}
	for model, want := range map[string]string{
		"deepseek-ai/DeepSeek-R1-Distill-Llama-8B": "was developed by DeepSeek, China.",
		r1:                        "was developed by DeepSeek, China (teacher).",
		v3base:                    "was developed by DeepSeek, China (ancestor, base of deepseek-ai/DeepSeek-R1).",
		"meta-llama/Llama-3.1-8B": "was developed by Meta, United States (base).",
	} {
		if !strings.HasPrefix(got[model], model+" ") || !strings.HasSuffix(got[model], want) {
			t.Errorf("origin of %s = %q, want it to say it %s", model, got[model], want)
		}
	}
	if len(got) != 4 {
		t.Errorf("%d origin findings, want 4", len(got))
	}
}

// The licence of each node comes from the knowledge base, so the licence
// checks see that an R1 distill on Llama 3.1 carries the Llama 3.1 licence.
func TestNodeLicenses(t *testing.T) {
	g := Lineage(loadFixture(t, "deepseek-ai__DeepSeek-R1-Distill-Llama-8B"), nil, LineageOptions{})
	want := map[string]string{
		"deepseek-ai/DeepSeek-R1-Distill-Llama-8B": "mit",
		r1:                        "mit",
		"meta-llama/Llama-3.1-8B": "llama3.1",
	}
	for _, n := range g.Nodes {
		if w, ok := want[n.Model]; ok && n.License != w {
			t.Errorf("%s licence %q, want %q", n.Model, n.License, w)
		}
	}
}

func TestAllegationsKeptApart(t *testing.T) {
	k := kb.Default()
	g := Lineage(loadFixture(t, "perplexity-ai__r1-1776"), k, LineageOptions{})
	fs := Allegations(g, k)
	var ids []string
	for _, f := range fs {
		if f.Code != finding.ProvenanceAllegedDistillation || f.Confidence != finding.Alleged {
			t.Errorf("%s: %s %s", f.Subject, f.Code, f.Confidence)
		}
		if !strings.HasSuffix(f.Message, "It concerns the developer of its base deepseek-ai/DeepSeek-R1.") ||
			!slices.Contains(f.Evidence, finding.Evidence{Field: EvidenceConcerns, Value: "deepseek-ai/DeepSeek-R1 (DeepSeek, base)"}) {
			t.Errorf("%s does not name the ancestor: %s %+v", f.Subject, f.Message, f.Evidence)
		}
		ids = append(ids, f.Subject)
	}
	// A1-A6 name DeepSeek; A7 names Chinese entities.
	if len(ids) != 7 {
		t.Errorf("allegations %q, want the 7 of the research", ids)
	}
	// None reaches the lineage: no edge comes from an allegation.
	for _, e := range g.Edges {
		if e.Confidence == finding.Alleged {
			t.Errorf("edge with alleged confidence: %+v", e)
		}
	}
	// A US model with no PRC ancestor has none.
	g = Lineage(loadFixture(t, "teknium__OpenHermes-2.5-Mistral-7B"), k, LineageOptions{})
	if fs := Allegations(g, k); len(fs) != 0 {
		t.Errorf("allegations for OpenHermes: %v", fs)
	}
}

// The relation declared by base_model_relation wins; without it, the
// relation is inferred from the release.
func TestDeclaredRelations(t *testing.T) {
	k := kb.Default()
	card := func(fields ...modelcard.Field) *modelcard.Card {
		return &modelcard.Card{Path: "README.md", HasFrontMatter: true, BaseModel: fields}
	}
	cases := []struct {
		name string
		rel  *manifest.Release
		want []string
	}{
		{"adapter", &manifest.Release{Repo: "someone/lora", Card: card(modelcard.Field{Value: "meta-llama/Llama-3.1-8B", Line: 2}),
			AdapterConfig: &modelconfig.Adapter{Path: "adapter_config.json", BaseModel: "meta-llama/Llama-3.1-8B"}},
			[]string{"someone/lora -adapter-> meta-llama/Llama-3.1-8B"}},
		{"merge", &manifest.Release{Repo: "someone/merged", Card: card(modelcard.Field{Value: "mistralai/Mistral-7B-v0.1", Line: 2}, modelcard.Field{Value: "teknium/OpenHermes-2.5-Mistral-7B", Line: 3})},
			[]string{"someone/merged -merge-> mistralai/Mistral-7B-v0.1", "someone/merged -merge-> teknium/OpenHermes-2.5-Mistral-7B", "teknium/OpenHermes-2.5-Mistral-7B -finetune-> mistralai/Mistral-7B-v0.1"}},
		{"declared-relation", func() *manifest.Release {
			c := card(modelcard.Field{Value: "Qwen/Qwen2.5-7B", Line: 2})
			c.BaseModelRelation = modelcard.Field{Value: "quantized", Line: 3}
			return &manifest.Release{Repo: "someone/qwen-int4", Card: c}
		}(), []string{"someone/qwen-int4 -quantized-> Qwen/Qwen2.5-7B"}},
		{"awq-name", &manifest.Release{Repo: "someone/Qwen2.5-7B-Instruct-AWQ", Card: card(modelcard.Field{Value: "Qwen/Qwen2.5-7B-Instruct", Line: 2})},
			[]string{"Qwen/Qwen2.5-7B-Instruct -finetune-> Qwen/Qwen2.5-7B", "someone/Qwen2.5-7B-Instruct-AWQ -quantized-> Qwen/Qwen2.5-7B-Instruct"}},
		{"hub-tags", &manifest.Release{Repo: "someone/model", Hub: &manifest.HubInfo{ModelInfo: hub.ModelInfo{ID: "someone/model", Tags: []string{"base_model:finetune:Qwen/Qwen2.5-7B", "license:apache-2.0"}}}},
			[]string{"someone/model -finetune-> Qwen/Qwen2.5-7B"}},
		{"config-name-or-path", &manifest.Release{Repo: "someone/model", Config: &modelconfig.Config{Path: "config.json", NameOrPath: "/scratch/ckpt/Qwen2.5-7B-Instruct"}},
			[]string{"Qwen/Qwen2.5-7B-Instruct -finetune-> Qwen/Qwen2.5-7B", "someone/model -finetune-> Qwen/Qwen2.5-7B-Instruct"}},
		{"finetuned-from", &manifest.Release{Repo: "someone/model", Card: &modelcard.Card{Path: "README.md", FinetunedFrom: modelcard.Field{Value: "mistralai/Mistral-7B-v0.1", Line: 4}}},
			[]string{"someone/model -finetune-> mistralai/Mistral-7B-v0.1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := Lineage(tc.rel, k, LineageOptions{})
			if got := edgesOf(g); !slices.Equal(got, tc.want) {
				t.Errorf("edges:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// Names alone establish quantisations and distillations, with inferred
// confidence.
func TestLineageFromNames(t *testing.T) {
	k := kb.Default()
	cases := []struct {
		repo string
		want []string
	}{
		{"mlx-community/DeepSeek-R1-Distill-Qwen-14B-4bit", []string{"mlx-community/DeepSeek-R1-Distill-Qwen-14B-4bit -quantized-> deepseek-ai/DeepSeek-R1-Distill-Qwen-14B"}},
		{"bartowski/Qwen_QwQ-32B-GGUF", []string{"bartowski/Qwen_QwQ-32B-GGUF -quantized-> Qwen/QwQ-32B"}},
		{"unsloth/DeepSeek-R1-Distill-Llama-8B-unsloth-bnb-4bit", []string{"unsloth/DeepSeek-R1-Distill-Llama-8B-unsloth-bnb-4bit -quantized-> deepseek-ai/DeepSeek-R1-Distill-Llama-8B"}},
		{"someone/DeepSeek-R1-Distill-Qwen2.5-7B", []string{"someone/DeepSeek-R1-Distill-Qwen2.5-7B -distilled-> deepseek-ai/DeepSeek-R1", "someone/DeepSeek-R1-Distill-Qwen2.5-7B -finetune-> Qwen/Qwen2.5-7B"}},
	}
	for _, tc := range cases {
		g := Lineage(&manifest.Release{Repo: tc.repo, Name: tc.repo}, k, LineageOptions{})
		var root []string
		for _, e := range g.Edges {
			if e.Child == 0 {
				root = append(root, edgesOf(&Graph{Nodes: g.Nodes, Edges: []Edge{e}})...)
				if e.Confidence != finding.Inferred || e.Via != ViaName {
					t.Errorf("%s: edge %s via %s confidence %s", tc.repo, g.Nodes[e.Parent].Model, e.Via, e.Confidence)
				}
			}
		}
		slices.Sort(root)
		if !slices.Equal(root, tc.want) {
			t.Errorf("%s: root edges %q, want %q", tc.repo, root, tc.want)
		}
	}
}

// A loose GGUF file names its source model in general.name.
func TestLooseGGUF(t *testing.T) {
	rel := ggufFile(t, "qwen2.5-7b-instruct-q4_k_m.gguf", testmodel.GGUF{KV: []testmodel.KV{
		{Key: "general.architecture", Value: testmodel.String("qwen2")},
		{Key: "general.name", Value: testmodel.String("Qwen2.5 7B Instruct")},
		{Key: "general.license", Value: testmodel.String("apache-2.0")},
	}})
	g := Lineage(rel, nil, LineageOptions{})
	want := []string{"Qwen/Qwen2.5-7B-Instruct -finetune-> Qwen/Qwen2.5-7B", "qwen2.5-7b-instruct-q4_k_m.gguf -quantized-> Qwen/Qwen2.5-7B-Instruct"}
	if got := edgesOf(g); !slices.Equal(got, want) {
		t.Errorf("edges %q, want %q", got, want)
	}
	if o := g.Origin(); o.Developer != "Qwen" || o.Country != "CN" {
		t.Errorf("origin %+v", o)
	}
}

// A derivative whose base cannot be established is reported.
func TestLineageUnknown(t *testing.T) {
	cases := []struct {
		name string
		rel  *manifest.Release
		want bool
	}{
		{"adapter without base", &manifest.Release{Repo: "someone/my-lora", AdapterConfig: &modelconfig.Adapter{Path: "adapter_config.json"}}, true},
		{"unknown quantisation", &manifest.Release{Repo: "someone/FooBar-13B-GGUF"}, true},
		{"repackager copy of an unknown model", &manifest.Release{Repo: "TheBloke/Mystery-7B"}, true},
		{"gguf-only release naming nothing", &manifest.Release{Name: "x.gguf", Files: []*manifest.File{{Path: "x.gguf", Format: manifest.FormatGGUF, GGUF: &gguf.Info{}}}}, true},
		{"unknown Ollama entry", &manifest.Release{Name: "mystery:latest", Ollama: &manifest.OllamaModel{Name: "mystery:latest", Namespace: "library", Model: "mystery", ManifestPath: "manifests/registry.ollama.ai/library/mystery/latest"}}, true},
		{"original model", &manifest.Release{Repo: "someone/original-model"}, false},
		{"known model", &manifest.Release{Repo: "Qwen/Qwen2.5-7B"}, false},
	}
	for _, tc := range cases {
		g := Lineage(tc.rel, nil, LineageOptions{})
		fs := LineageFindings(g)
		if (len(fs) > 0) != tc.want {
			t.Errorf("%s: findings %v, want %v", tc.name, fs, tc.want)
		}
		for _, f := range fs {
			if f.Code != finding.ProvenanceLineageUnknown || f.Subject == "" {
				t.Errorf("%s: %+v", tc.name, f)
			}
		}
	}
}

// maxMessage bounds what a provenance finding's message may say: a
// conclusion in a sentence or two, with the details in the evidence.
// Allegations quote their claim as recorded and are bounded by it.
const maxMessage = 300

// Every finding on the fixtures says its conclusion briefly, names the
// model or instrument once, and keeps lists and details in the evidence.
func TestMessagesAreShort(t *testing.T) {
	k := kb.Default()
	for _, tc := range fixtureCases {
		g := Lineage(loadFixture(t, tc.name), k, LineageOptions{})
		fs := LineageFindings(g)
		fs = append(fs, Origins(g)...)
		fs = append(fs, RestrictedOutputs(g, k)...)
		gov, _ := Government(g, k, goldenJurisdictions, GovernmentOptions{})
		fs = append(fs, gov...)
		for _, f := range fs {
			if len(f.Message) > maxMessage || strings.Contains(f.Message, "; also ") || strings.Contains(f.Message, "Note:") || strings.Contains(f.Message, "\n") {
				t.Errorf("%s: %s %s: message of %d bytes: %s", tc.name, f.Code, f.Subject, len(f.Message), f.Message)
			}
			if !strings.HasSuffix(f.Message, ".") || len(f.Evidence) == 0 && f.Code != finding.ProvenanceLineageUnknown {
				t.Errorf("%s: %s %s: not a sentence, or no evidence: %+v", tc.name, f.Code, f.Subject, f)
			}
		}
		for _, f := range Allegations(g, k) {
			i := slices.IndexFunc(k.Allegations, func(a *kb.Allegation) bool { return a.ID == f.Subject })
			if i < 0 {
				t.Fatalf("%s: unknown allegation %s", tc.name, f.Subject)
			}
			a := k.Allegations[i]
			if !strings.Contains(f.Message, strings.TrimSuffix(a.Claim, ".")) || len(f.Message) > len(a.Claim)+maxMessage/2 {
				t.Errorf("%s: %s: the claim is not quoted, or the message says more than the claim: %s", tc.name, f.Subject, f.Message)
			}
		}
	}
}
