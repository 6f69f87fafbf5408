package license

import (
	"slices"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/kb"
)

// The Llama 3.2 EU clause reaches its multimodal models only: a release
// known to be a text model has no license.territory finding, a
// vision-language one has it with the evidence that says so, and one
// whose modality nothing states keeps it.
func TestTerritoryByModality(t *testing.T) {
	k := kb.Default()
	card := func(extra string) string {
		return "---\nlicense: llama3.2\n" + extra + "---\n# Model\n"
	}
	textGGUF := testmodel.Llama32InstructGGUF("1B")
	visionGGUF := testmodel.Llama32InstructGGUF("11B")
	for i, kv := range visionGGUF.KV {
		if kv.Key == "general.architecture" {
			visionGGUF.KV[i].Value = testmodel.String("mllama")
		}
	}
	cases := []struct {
		name     string
		files    map[string]string
		modality string
		field    string // the evidence field that decided, when territory is reported
	}{
		{"text pipeline", map[string]string{"README.md": card("pipeline_tag: text-generation\n")}, kb.ModalityText, ""},
		{"causal LM config", map[string]string{"README.md": card(""),
			"config.json": `{"architectures":["LlamaForCausalLM"],"model_type":"llama"}`}, kb.ModalityText, ""},
		{"text GGUF", map[string]string{"README.md": card(""), "model.gguf": string(textGGUF.Bytes())}, kb.ModalityText, ""},
		{"vision pipeline", map[string]string{"README.md": card("pipeline_tag: image-text-to-text\n")}, kb.ModalityMultimodal, "pipeline_tag"},
		{"vision config", map[string]string{"README.md": card(""),
			"config.json": `{"architectures":["MllamaForConditionalGeneration"],"model_type":"mllama"}`}, kb.ModalityMultimodal, "architectures"},
		// A vision architecture outweighs a text pipeline tag.
		{"mis-tagged vision model", map[string]string{"README.md": card("pipeline_tag: text-generation\n"),
			"config.json": `{"architectures":["MllamaForConditionalGeneration"]}`}, kb.ModalityMultimodal, "architectures"},
		{"vision GGUF", map[string]string{"README.md": card(""), "model.gguf": string(visionGGUF.Bytes())}, kb.ModalityMultimodal, "general.architecture"},
		{"vision name", map[string]string{"README.md": card("model_name: Llama-3.2-11B-Vision-Instruct-abliterated\n")}, kb.ModalityMultimodal, "name"},
		{"nothing says", map[string]string{"README.md": card("")}, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := Identify(release(t, c.files), k)
			if res.Modality != c.modality {
				t.Errorf("modality %q, want %q (evidence %+v)", res.Modality, c.modality, res.ModalityEvidence)
			}
			f := has(res.Findings, finding.LicenseTerritory)
			if (f != nil) != (c.modality != kb.ModalityText) {
				t.Fatalf("territory finding %v with modality %q; findings %v", f != nil, res.Modality, codes(res.Findings))
			}
			if f != nil && c.field != "" && !slices.ContainsFunc(f.Evidence, func(e finding.Evidence) bool { return e.Field == c.field }) {
				t.Errorf("territory evidence lacks %s: %+v", c.field, f.Evidence)
			}
			// Everything else about the licence is unchanged.
			for _, code := range []finding.Code{finding.LicenseUseRestrictions, finding.LicenseNaming, finding.LicenseUserThreshold} {
				if has(res.Findings, code) == nil {
					t.Errorf("no %s: %v", code, codes(res.Findings))
				}
			}
		})
	}
	// Llama 4's clause names no modality (every Llama 4 model is
	// multimodal): it stays on a text-tagged release.
	res := Identify(release(t, map[string]string{"README.md": "---\nlicense: llama4\npipeline_tag: text-generation\n---\n"}), k)
	if has(res.Findings, finding.LicenseTerritory) == nil {
		t.Errorf("llama4 text-tagged: %v, want license.territory", codes(res.Findings))
	}
}

// Licences that let outputs train other models under their name (Llama
// 3.1+, Qwen) give a naming finding citing the output term, not an
// output restriction; those that bar it (Llama 2, 3) keep theirs.
func TestNamedOutputsAreNaming(t *testing.T) {
	k := kb.Default()
	for _, c := range []struct {
		id       string
		restrict bool
	}{{"llama3.1", false}, {"llama3.3", false}, {"qwen", false}, {"llama3", true}, {"llama2", true}, {"gemma", true}} {
		res := Identify(release(t, map[string]string{"README.md": "---\nlicense: other\nlicense_name: " + c.id + "\n---\n"}), k)
		if got := has(res.Findings, finding.LicenseOutputRestriction) != nil; got != c.restrict {
			t.Errorf("%s: output restriction %v, want %v (%v)", c.id, got, c.restrict, codes(res.Findings))
		}
		if c.restrict {
			continue
		}
		n := has(res.Findings, finding.LicenseNaming)
		if n == nil || !slices.ContainsFunc(n.Evidence, func(e finding.Evidence) bool { return e.Field == c.id+".output_restriction" }) {
			t.Errorf("%s: naming finding does not cite the output term: %+v", c.id, n)
		}
	}
}
