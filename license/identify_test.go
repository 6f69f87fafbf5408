package license

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/manifest"
)

// readTSV reads a research table, skipping its header.
func readTSV(t *testing.T, elem ...string) [][]string {
	t.Helper()
	f, err := os.Open(testutil.Research(t, elem...))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	sc.Scan()
	for sc.Scan() {
		if sc.Text() != "" {
			rows = append(rows, strings.Split(sc.Text(), "\t"))
		}
	}
	return rows
}

func TestEveryHuggingFaceIDHasCategoryAndTerms(t *testing.T) {
	k := kb.Default()
	ids := readTSV(t, "data", "hf-license-ids.tsv")
	if len(ids) < 80 {
		t.Fatalf("only %d ids read", len(ids))
	}
	for _, row := range append(ids, readTSV(t, "data", "hf-license-ids-history.tsv")...) {
		id := row[0]
		l := k.License(id)
		if l == nil {
			t.Errorf("%s: no licence record", id)
			continue
		}
		if !slices.Contains(kb.Categories(), l.Category) {
			t.Errorf("%s: category %q", id, l.Category)
		}
		if len(l.Terms.All()) == 0 || l.Terms.CommercialUse == nil {
			t.Errorf("%s: no terms (commercial use at least)", id)
		}
		if l.ID == id && !l.HF {
			t.Errorf("%s: not marked as a Hugging Face id", id)
		}
	}
	if l := k.License("tii-falcon-llm"); l == nil || !l.Retired {
		t.Errorf("tii-falcon-llm: want a retired Hugging Face id")
	}
	if l := k.License("open-mdw"); l == nil || l.ID != "openmdw-1.0" {
		t.Errorf("open-mdw (renamed id) does not resolve to openmdw-1.0")
	}
	// The id → SPDX map: every value is a valid expression, and names the
	// licence the id does.
	for _, row := range readTSV(t, "data", "hf-id-to-spdx.tsv") {
		if len(row) < 2 || row[1] == "" || row[1] == "NOASSERTION" {
			continue
		}
		spdxIDs, ok := parseExpression(row[1])
		if !ok {
			t.Errorf("%s: %q does not parse as SPDX", row[0], row[1])
			continue
		}
		for _, s := range spdxIDs {
			if l := k.License(s); l == nil || l.ID != k.License(row[0]).ID {
				t.Errorf("%s: SPDX %s resolves to %v", row[0], s, l)
			}
		}
	}
}

// release builds a release in a temporary directory from files and reads
// it as the audit would.
func release(t *testing.T, files map[string]string) *manifest.Release {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := manifest.Parse(dir)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := src.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

func codes(fs []finding.Finding) []finding.Code {
	var out []finding.Code
	for _, f := range fs {
		out = append(out, f.Code)
	}
	return out
}

func has(fs []finding.Finding, c finding.Code) *finding.Finding {
	for i := range fs {
		if fs[i].Code == c {
			return &fs[i]
		}
	}
	return nil
}

func TestRealCards(t *testing.T) {
	dir := testutil.Corpus(t, "cards", "real")
	want := map[string][]string{
		"CultivatorX__Chinese-Digital-Art.md":                                                  {"creativeml-openrail-m"},
		"HuggingFaceH4__starchat-alpha.md":                                                     {"bigcode-openrail-m"},
		"MaziyarPanahi__Meta-Llama-3.1-405B-Instruct-GGUF.md":                                  {"llama3.1"},
		"Sherry-27__llama-3.2-1b-medical-qlora.md":                                             {"llama3.2"},
		"alimama-creative__PosterMaker.md":                                                     {"stabilityai-ai-community"},
		"bartowski__Codestral-22B-v0.1-GGUF.md":                                                {"mistral-non-production-license"},
		"bartowski__aya-expanse-32b-GGUF.md":                                                   {"cc-by-nc-4.0"},
		"bellcheddar__BINMAN-lm-adapter.md":                                                    {"qwen-research"},
		"chenglu__xiaocaicai-dog-heywhale.md":                                                  {"creativeml-openrail-m"},
		"city96__stable-diffusion-3.5-large-gguf.md":                                           {"stabilityai-ai-community"},
		"emilianJR__chilloutmix_NiPrunedFp32Fix.md":                                            {"creativeml-openrail-m"},
		"hakurei__waifu-diffusion.md":                                                          {"bigscience-bloom-rail-1.0"},
		"jasperai__Flux.1-dev-Controlnet-Depth.md":                                             {"flux-1-dev-non-commercial-license"},
		"k-chirkunov__gemma4-e4b-claims-comparison.md":                                         {"gemma"},
		"pszemraj__bloom-better-riddles.md":                                                    {"bigscience-bloom-rail-1.0"},
		"stabilityai__sv4d.md":                                                                 {"stabilityai-ai-community"},
		"stepfun-ai__StepFun-Formalizer-7B.md":                                                 {"apache-2.0"},
		"tencent__Hunyuan3D-2.md":                                                              {"tencent-hunyuan-3d-2.0"},
		"unknown-org__FLUX-Training-Project.md":                                                {"flux-1-dev-non-commercial-license"},
		"HangGlidersRule__Darkstar-Nemotron-3-Nano-Omni-30B-A3B-Reasoning-Abliterated-BF16.md": {"nvidia-open-model-license"},
		"mlx-community__DeepSeek-R1-Distill-Qwen-14B-4bit.md":                                  nil,
		"onnx-community__DeepSeek-R1-Distill-Qwen-1.5B-ONNX.md":                                nil,
	}
	k := kb.Default()
	for name, ids := range want {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		res := Identify(release(t, map[string]string{"README.md": string(data)}), k)
		var got []string
		for _, l := range res.Declared() {
			got = append(got, l.ID)
		}
		if len(ids) == 0 {
			if len(got) != 0 || has(res.Findings, finding.LicenseMissing) == nil {
				t.Errorf("%s: declared %v, findings %v; want license.missing", name, got, codes(res.Findings))
			}
			continue
		}
		for _, id := range ids {
			if !slices.Contains(got, id) {
				t.Errorf("%s: declared %v, want %s", name, got, id)
			}
		}
		if f := has(res.Findings, finding.LicenseUnknown); f != nil {
			t.Errorf("%s: unexpected %s: %s", name, f.Code, f.Message)
		}
	}
}

// TestModelOpennessToolNames resolves the licence names of the Model
// Openness Tool records (the release's distribution licence and the licence
// of its final parameters).
func TestModelOpennessToolNames(t *testing.T) {
	dir := testutil.Corpus(t, "model-openness-tool", "models")
	files, _ := filepath.Glob(filepath.Join(dir, "*.yml"))
	type rec struct {
		Release struct {
			License struct {
				Distribution struct {
					Name string `yaml:"name"`
				} `yaml:"distribution"`
			} `yaml:"license"`
			Components []struct {
				Name    string `yaml:"name"`
				License string `yaml:"license"`
			} `yaml:"components"`
		} `yaml:"release"`
	}
	notLicences := []string{"unlicensed", "undisclosed", "component", "license", "pubmed", "proprietary", "other license"}
	k := kb.Default()
	names := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r rec
		if err := yaml.Unmarshal(data, &r); err != nil {
			continue
		}
		cands := []string{r.Release.License.Distribution.Name}
		for _, c := range r.Release.Components {
			if c.Name == "Model parameters (Final)" {
				cands = append(cands, c.License)
			}
		}
		for _, n := range cands {
			n = strings.TrimSpace(n)
			if n != "" && !slices.ContainsFunc(notLicences, func(s string) bool { return strings.HasPrefix(strings.ToLower(n), s) }) {
				names[n] = true
			}
		}
	}
	resolved := 0
	var missed []string
	for n := range names {
		_, spdx := parseExpression(n)
		if k.License(n) != nil || len(nameMentions(k, n)) > 0 || spdx {
			resolved++
		} else {
			missed = append(missed, n)
		}
	}
	slices.Sort(missed)
	t.Logf("Model Openness Tool: %d of %d distinct licence names resolve; not resolved: %q", resolved, len(names), missed)
	if resolved*100 < 80*len(names) {
		t.Errorf("only %d of %d licence names resolve", resolved, len(names))
	}
}

func TestConflict(t *testing.T) {
	texts := corpusTexts(t)
	k := kb.Default()
	card := func(lic string) string { return "---\nlicense: " + lic + "\n---\n# Model\n" }

	res := Identify(release(t, map[string]string{"README.md": card("apache-2.0"), "LICENSE": texts["llama-3.2-license-2024"]}), k)
	f := has(res.Findings, finding.LicenseConflict)
	if f == nil {
		t.Fatalf("card apache-2.0 with a Llama 3.2 LICENSE: no conflict in %v", codes(res.Findings))
	}
	paths := map[string]bool{}
	for _, e := range f.Evidence {
		paths[e.Path] = true
	}
	if !paths["README.md"] || !paths["LICENSE"] || f.Subject != "apache-2.0 | llama3.2" {
		t.Errorf("conflict evidence %v subject %q; want both sources", f.Evidence, f.Subject)
	}

	res = Identify(release(t, map[string]string{"README.md": card("llama3.2"), "LICENSE": texts["llama-3.2-license-2024"], "NOTICE": "Llama 3.2 is licensed under the Llama 3.2 Community License, Copyright © Meta Platforms, Inc. All Rights Reserved.\n"}), k)
	if f := has(res.Findings, finding.LicenseConflict); f != nil {
		t.Errorf("consistent release: %s", f.Message)
	}
	if l := res.License("llama3.2"); l == nil || len(l.Sources) < 3 {
		t.Errorf("llama3.2 sources: %+v", l)
	}

	// A code licence beside the model licence is no conflict.
	res = Identify(release(t, map[string]string{"README.md": "---\nlicense: other\nlicense_name: deepseek\nlicense_link: LICENSE-MODEL\n---\n", "LICENSE-CODE": licensecheckText(t, "MIT.t1")}), k)
	if f := has(res.Findings, finding.LicenseConflict); f != nil {
		t.Errorf("code licence: %s", f.Message)
	}
	if l := res.License("mit"); l == nil || l.Sources[0].Scope != "code" {
		t.Errorf("LICENSE-CODE not identified as the code's MIT licence: %+v", l)
	}
}

func TestTermFindings(t *testing.T) {
	k := kb.Default()
	cases := map[string][]finding.Code{
		// Modality unknown: the EU clause of its multimodal models is kept.
		"llama3.2":     {finding.LicenseUserThreshold, finding.LicenseUseRestrictions, finding.LicenseNaming, finding.LicenseTerritory},
		"cc-by-nc-4.0": {finding.LicenseNonCommercial},
		"mrl":          {finding.LicenseResearchOnly},
		"gpl-3.0":      {finding.LicenseCopyleft},
		"qwen":         {finding.LicenseUserThreshold, finding.LicenseNaming},
		"LicenseRef-scancode-llama-2-license-2023": {finding.LicenseOutputRestriction},
	}
	for lic, want := range cases {
		res := Identify(release(t, map[string]string{"README.md": "---\nlicense: other\nlicense_name: " + lic + "\n---\n"}), k)
		got := codes(res.Findings)
		for _, c := range want {
			f := has(res.Findings, c)
			if f == nil {
				t.Errorf("%s: findings %v, want %s", lic, got, c)
				continue
			}
			if f.Severity != "" || f.Subject == "" || len(f.References) == 0 || len(f.Evidence) == 0 || f.Confidence != finding.Declared {
				t.Errorf("%s: %s lacks subject, references, evidence or confidence: %+v", lic, c, f)
			}
		}
	}
	res := Identify(release(t, map[string]string{"README.md": "---\nlicense: apache-2.0\n---\n"}), k)
	if len(res.Findings) != 0 {
		t.Errorf("apache-2.0: findings %v, want none", codes(res.Findings))
	}
	res = Identify(release(t, map[string]string{"README.md": "---\nlicense: other\nlicense_name: acme-model-licence-9\n---\n"}), k)
	if has(res.Findings, finding.LicenseUnknown) == nil {
		t.Errorf("unknown licence name: %v", codes(res.Findings))
	}
	res = Identify(release(t, map[string]string{"model.txt": "weights"}), k)
	if has(res.Findings, finding.LicenseMissing) == nil {
		t.Errorf("no licence: %v", codes(res.Findings))
	}
}

func TestDeclarationSources(t *testing.T) {
	k := kb.Default()
	res := Identify(release(t, map[string]string{"README.md": "---\nlicense:\n  - apache-2.0\n  - cc-by-4.0\n---\n# Model\n\n## License\n\nThe adapter is released under the MIT License.\nBase weights: see https://ai.google.dev/gemma/terms\n"}), k)
	for _, id := range []string{"apache-2.0", "cc-by-4.0", "mit", "gemma"} {
		if res.License(id) == nil {
			t.Errorf("%s not found; got %+v", id, res.Licenses)
		}
	}
	if l := res.License("gemma"); l != nil && (!l.Sources[0].Mention || l.Sources[0].Evidence.Line != 10) {
		t.Errorf("gemma from the card section: %+v", l.Sources)
	}
	res = Identify(release(t, map[string]string{"README.md": "---\nlicense: other\nlicense_link: https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct/blob/main/LICENSE\n---\n"}), k)
	if res.License("llama3.1") == nil {
		t.Errorf("license_link to a known page: %+v", res.Licenses)
	}
	res = Identify(release(t, map[string]string{"README.md": "---\nlicense: other\nlicense_details: llama-2-community-license\n---\n"}), k)
	if res.License("llama2") == nil {
		t.Errorf("legacy license_details: %+v", res.Licenses)
	}
	res = Identify(release(t, map[string]string{"README.md": "---\nlicense: MIT OR LicenseRef-scancode-llama-2-license-2023\n---\n"}), k)
	if res.License("mit") == nil || res.License("llama2") == nil {
		t.Errorf("SPDX expression: %+v", res.Licenses)
	}
}

// TestOCIDeclarations reads the licences an OCI model artifact declares in
// its ModelPack config and manifest annotations, with their places.
func TestOCIDeclarations(t *testing.T) {
	dir := t.TempDir()
	m := testmodel.ModelPackModel("v1", "acme-chat", map[string][]byte{"model.safetensors": testmodel.TinySafetensors()}, "Apache-2.0", "LicenseRef-acme-terms")
	m.Annotations = map[string]string{"org.opencontainers.image.licenses": "Apache-2.0 OR MIT"}
	if err := testmodel.WriteOCILayout(dir, m); err != nil {
		t.Fatal(err)
	}
	rel, err := manifest.OCI(dir, "v1").Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	res := Identify(rel, kb.Default())
	apache, mit := res.License("apache-2.0"), res.License("mit")
	if apache == nil || mit == nil {
		t.Fatalf("licences %+v", res.Licenses)
	}
	kinds := func(l *Identified) []string {
		var out []string
		for _, s := range l.Sources {
			out = append(out, s.Kind+" "+s.Evidence.Field)
		}
		slices.Sort(out)
		return out
	}
	if got := kinds(apache); !slices.Equal(got, []string{"oci-annotation annotations.org.opencontainers.image.licenses", "oci-config descriptor.licenses[0]"}) {
		t.Errorf("apache-2.0 sources %v", got)
	}
	if s := apache.Sources[0]; !strings.HasPrefix(s.Evidence.Path, "blobs/sha256/") || s.Confidence != finding.Declared {
		t.Errorf("evidence %+v", s)
	}
	// A LicenseRef the knowledge base does not know is kept as declared.
	if res.License("LicenseRef-acme-terms") == nil {
		t.Errorf("LicenseRef: %+v", res.Licenses)
	}
}

// A card whose front matter is not valid YAML still gives the licence a
// line-by-line reading finds; when none is found, the finding says the
// front matter could not be parsed, never that the card has no license
// field.
func TestIdentifyBrokenFrontMatter(t *testing.T) {
	k := kb.Default()
	res := Identify(release(t, map[string]string{"README.md": "---\nlicense: apache-2.0\nwidget:\n\t- text: \"x\n---\n"}), k)
	if got := res.Declared(); len(got) != 1 || got[0].ID != "apache-2.0" {
		t.Errorf("declared %v, findings %v", got, codes(res.Findings))
	}
	res = Identify(release(t, map[string]string{"README.md": "---\n  license: [apache-2.0\nwidget:\n\t- text: \"x\n---\n"}), k)
	f := has(res.Findings, finding.LicenseMissing)
	if f == nil || !strings.Contains(f.Message, "the card's front matter could not be parsed") || strings.Contains(f.Message, "the card has no license field") {
		t.Errorf("findings %+v", res.Findings)
	}
}

// A licence text whose heading names one version while its body is another
// (an edited copy of the Llama 3.2 licence under a Llama 3.1 heading, or
// with a Llama 3.1 version line) is identified by the body text that only
// one version has: Llama 3.2. A text that names two versions and holds no
// version's own text is the family with its version unknown, saying what
// named each version.
func TestIdentifyVersionFromBodyNotHeading(t *testing.T) {
	data, err := os.ReadFile(testutil.Corpus(t, "licenses", "llama-3.2-license-2024.txt"))
	if err != nil {
		t.Fatal(err)
	}
	k := kb.Default()
	for name, text := range map[string]string{
		"heading":      strings.Replace(string(data), "LLAMA 3.2 COMMUNITY LICENSE AGREEMENT", "LLAMA 3.1 COMMUNITY LICENSE AGREEMENT", 1),
		"version line": strings.Replace(string(data), "Llama 3.2 Version Release Date: September 25, 2024", "Llama 3.1 Version Release Date: July 23, 2024", 1),
	} {
		res := Identify(release(t, map[string]string{"LICENSE": text}), k)
		var got []string
		for _, l := range res.Declared() {
			got = append(got, l.ID)
		}
		if !slices.Equal(got, []string{"llama3.2"}) || len(res.Unidentified) != 0 {
			t.Errorf("%s: declared %v, unidentified %+v", name, got, res.Unidentified)
		}
	}
	notice := "Llama 3.1 Community License Agreement\n\nLlama 3.2 Version Release Date: September 25, 2024\n\nBuilt with Llama\n"
	res := Identify(release(t, map[string]string{"LICENSE": notice}), k)
	if got := res.Declared(); len(got) != 0 {
		t.Errorf("notice: declared %v", got)
	}
	f := has(res.Findings, finding.LicenseUnknown)
	if f == nil || !strings.Contains(f.Message, "more than one version of the llama licence family") ||
		!strings.Contains(f.Message, "llama3.1: Llama 3.1 Community License Agreement") || !strings.Contains(f.Message, "llama3.2: Llama 3.2 Version Release Date") ||
		!strings.Contains(f.Message, "the version is not") {
		t.Errorf("notice: findings %+v", res.Findings)
	}
}
