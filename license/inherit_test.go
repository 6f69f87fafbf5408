package license

import (
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/kb"
)

func TestInheritance(t *testing.T) {
	k := kb.Default()
	card := func(name, lic string) map[string]string {
		return map[string]string{"README.md": "---\nlicense: " + lic + "\nmodel_name: " + name + "\n---\n# " + name + "\n"}
	}
	cases := []struct {
		name      string
		files     map[string]string
		ancestors []Ancestor
		// subjects are the subjects of the findings expected (none means no
		// finding), and says a fact every message states.
		subjects []string
		says     string
	}{
		{"llama 3.1 fine-tune under apache", card("Llama-3.1-Medical-8B", "apache-2.0"),
			[]Ancestor{{Model: "meta-llama/Llama-3.1-8B", Relation: "finetune", License: "llama3.1", Depth: 1}},
			[]string{"llama3.1"}, "must stay under llama3.1, not apache-2.0"},
		// Two rules broken: two findings, each with its own subject.
		{"llama 3.1 fine-tune under apache, without the name", card("medical-8b", "apache-2.0"),
			[]Ancestor{{Model: "meta-llama/Llama-3.1-8B", Relation: "finetune", Depth: 1}},
			[]string{"llama3.1", "llama3.1#naming"}, "it is a fine-tune of meta-llama/Llama-3.1-8B, whose licence (llama3.1)"},
		{"llama 3.1 fine-tune without the name", card("medical-8b", "llama3.1"),
			[]Ancestor{{Model: "meta-llama/Llama-3.1-8B", Relation: "finetune", Depth: 1}}, // licence from the model patterns
			[]string{"llama3.1#naming"}, `start with "Llama"`},
		{"llama 3 fine-tune named Llama 3", card("Llama-3-Medical-8B", "llama3"),
			[]Ancestor{{Model: "meta-llama/Meta-Llama-3-8B", Relation: "finetune", License: "llama3", Depth: 1}}, nil, ""},
		{"llama 3.1 quantisation keeps Meta's name", card("Meta-Llama-3.1-8B-Instruct-GGUF", "llama3.1"),
			[]Ancestor{{Model: "meta-llama/Meta-Llama-3.1-8B-Instruct", Relation: "quantized", License: "llama3.1", Depth: 1}}, nil, ""},
		{"distilled from gemma under apache", card("tiny-student", "apache-2.0"),
			[]Ancestor{{Model: "google/gemma-2-9b-it", Relation: "distilled", Depth: 1}},
			[]string{"gemma"}, "distilled from the outputs of google/gemma-2-9b-it"},
		{"distilled from deepseek-r1 (mit)", card("r1-student", "apache-2.0"),
			[]Ancestor{{Model: "deepseek-ai/DeepSeek-R1", Relation: "distilled", License: "mit", Depth: 1}}, nil, ""},
		{"openrail fine-tune under mit", card("anime-diffusion", "mit"),
			[]Ancestor{{Model: "runwayml/stable-diffusion-v1-5", Relation: "finetune", Depth: 1}},
			[]string{"creativeml-openrail-m"}, "must keep the use restrictions of creativeml-openrail-m, not mit"},
		{"openrail fine-tune under another openrail", card("anime-diffusion", "bigscience-openrail-m"),
			[]Ancestor{{Model: "runwayml/stable-diffusion-v1-5", Relation: "finetune", Depth: 1}}, nil, ""},
		{"deepseek licence adapter under apache", card("coder-lora", "apache-2.0"),
			[]Ancestor{{Model: "deepseek-ai/deepseek-coder-6.7b-instruct", Relation: "adapter", Depth: 1}},
			[]string{"deepseek"}, "an adapter on deepseek-ai/deepseek-coder-6.7b-instruct"},
		{"non-commercial base, commercial derivative", card("aya-tuned", "apache-2.0"),
			[]Ancestor{{Model: "CohereForAI/aya-expanse-32b", Relation: "finetune", License: "cc-by-nc-4.0", Depth: 1}},
			[]string{"cc-by-nc-4.0#noncommercial"}, "may not be used commercially"},
		{"qwen licence fine-tune without Built with Qwen", card("Chat-72B", "other\nlicense_name: qwen"),
			[]Ancestor{{Model: "Qwen/Qwen2.5-72B-Instruct", Relation: "finetune", Depth: 1}},
			[]string{"qwen#naming"}, `must display "Built with Qwen"`},
		{"qwen licence fine-tune that says Built with Qwen", map[string]string{"README.md": "---\nlicense: other\nlicense_name: qwen\n---\n# Chat-72B\n\nBuilt with Qwen.\n"},
			[]Ancestor{{Model: "Qwen/Qwen2.5-72B-Instruct", Relation: "finetune", Depth: 1}}, nil, ""},
		{"distilled from llama 2 outputs", card("student-7b", "apache-2.0"),
			[]Ancestor{{Model: "meta-llama/Llama-2-70b-chat-hf", Relation: "distillation", Depth: 1}},
			[]string{"llama2#outputs"}, "trained on outputs of meta-llama/Llama-2-70b-chat-hf"},
		// The licensor's own derivative: Qwen's instruct model of its base
		// is not bound by the rules its licence sets for others.
		{"licensor's own derivative", card("Qwen2.5-72B-Instruct", "other\nlicense_name: qwen"),
			[]Ancestor{{Model: "Qwen/Qwen2.5-72B", Relation: "finetune", Depth: 1, SameDeveloper: true}}, nil, ""},
		// A developer's own base under a licence it took from someone
		// else (its record does not name that base) is still checked.
		{"own base under another's licence", card("acme-chat-7b", "apache-2.0"),
			[]Ancestor{{Model: "acme/base-7b", Relation: "finetune", License: "llama3.1", Depth: 1, SameDeveloper: true}},
			[]string{"llama3.1", "llama3.1#naming"}, "a fine-tune of acme/base-7b"},
		// Another developer's ancestor in the same lineage is still checked.
		{"licensor's derivative of another's model", card("DeepSeek-R1-Distill-Llama-8B", "mit"),
			[]Ancestor{{Model: "deepseek-ai/DeepSeek-R1", Relation: "distilled", License: "mit", Depth: 1, SameDeveloper: true},
				{Model: "meta-llama/Llama-3.1-8B", Relation: "finetune", Depth: 1}},
			[]string{"llama3.1", "llama3.1#naming"}, "meta-llama/Llama-3.1-8B"},
		// The licence section names the base's licence as applying too.
		{"base licence acknowledged in the licence section", map[string]string{"README.md": "---\nlicense: other\nlicense_name: nvidia-open-model-license\nmodel_name: Llama-3.1-Nemotron-Nano-8B-v1\n---\n# Llama-3.1-Nemotron-Nano-8B-v1\n\n## License/Terms of Use\n\nGOVERNING TERMS: Your use of this model is governed by the NVIDIA Open Model License. Additional Information: Llama 3.1 Community License Agreement. Built with Llama.\n"},
			[]Ancestor{{Model: "meta-llama/Llama-3.1-8B-Instruct", Relation: "finetune", Depth: 1}}, nil, ""},
		// Without that sentence it must stay under the base's licence.
		{"base licence not acknowledged", map[string]string{"README.md": "---\nlicense: other\nlicense_name: nvidia-open-model-license\nmodel_name: Llama-3.1-Nemotron-Nano-8B-v1\n---\n# Llama-3.1-Nemotron-Nano-8B-v1\n\n## License/Terms of Use\n\nGOVERNING TERMS: Your use of this model is governed by the NVIDIA Open Model License.\n"},
			[]Ancestor{{Model: "meta-llama/Llama-3.1-8B-Instruct", Relation: "finetune", Depth: 1}}, []string{"llama3.1"}, "must stay under llama3.1, not nvidia-open-model-license"},
		{"unknown base licence", card("x", "apache-2.0"),
			[]Ancestor{{Model: "someone/something", Relation: "finetune", Depth: 1}}, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			own := Identify(release(t, c.files), k)
			fs := CheckInheritance(own, c.ancestors, k)
			var subjects []string
			for _, f := range fs {
				subjects = append(subjects, f.Subject)
				if f.Code != finding.LicenseInheritance || f.Confidence != finding.Inferred || len(f.References) == 0 || f.Severity != "" {
					t.Errorf("finding lacks code, confidence or references: %+v", f)
				}
				if !strings.Contains(f.Message, c.says) {
					t.Errorf("message %q does not say %q", f.Message, c.says)
				}
				if !slices.ContainsFunc(f.Evidence, func(e finding.Evidence) bool { return e.Path == KBPath }) {
					t.Errorf("%s: no knowledge-base term in the evidence: %+v", f.Subject, f.Evidence)
				}
			}
			if !slices.Equal(subjects, c.subjects) {
				t.Errorf("subjects %q, want %q; findings %+v", subjects, c.subjects, fs)
			}
		})
	}
}

// Each rule's subject names its licence, and only the rule subjects are
// read back as that licence.
func TestInheritanceSubjects(t *testing.T) {
	for _, c := range []struct{ id, rule, subject string }{
		{"llama3.1", RuleLicense, "llama3.1"},
		{"llama3.1", RuleNaming, "llama3.1#naming"},
		{"cc-by-nc-4.0", RuleNonCommercial, "cc-by-nc-4.0#noncommercial"},
		{"llama2", RuleOutputs, "llama2#outputs"},
	} {
		if got := InheritanceSubject(c.id, c.rule); got != c.subject {
			t.Errorf("InheritanceSubject(%q, %q) = %q, want %q", c.id, c.rule, got, c.subject)
		}
		if got := SubjectLicense(c.subject); got != c.id {
			t.Errorf("SubjectLicense(%q) = %q, want %q", c.subject, got, c.id)
		}
	}
	for _, s := range []string{"acme#internal", "apache-2.0 | mit", ""} {
		if got := SubjectLicense(s); got != s {
			t.Errorf("SubjectLicense(%q) = %q, want it unchanged", s, got)
		}
	}
}
