package license

import (
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
		want      []string // substrings of inheritance messages; none means no finding
	}{
		{"llama 3.1 fine-tune under apache", card("Llama-3.1-Medical-8B", "apache-2.0"),
			[]Ancestor{{Model: "meta-llama/Llama-3.1-8B", Relation: "finetune", License: "llama3.1", Depth: 1}},
			[]string{"derivatives stay under the base model's licence"}},
		{"llama 3.1 fine-tune without the name", card("medical-8b", "llama3.1"),
			[]Ancestor{{Model: "meta-llama/Llama-3.1-8B", Relation: "finetune", Depth: 1}}, // licence from the model patterns
			[]string{`start with "Llama"`}},
		{"llama 3 fine-tune named Llama 3", card("Llama-3-Medical-8B", "llama3"),
			[]Ancestor{{Model: "meta-llama/Meta-Llama-3-8B", Relation: "finetune", License: "llama3", Depth: 1}}, nil},
		{"llama 3.1 quantisation keeps Meta's name", card("Meta-Llama-3.1-8B-Instruct-GGUF", "llama3.1"),
			[]Ancestor{{Model: "meta-llama/Meta-Llama-3.1-8B-Instruct", Relation: "quantized", License: "llama3.1", Depth: 1}}, nil},
		{"distilled from gemma under apache", card("tiny-student", "apache-2.0"),
			[]Ancestor{{Model: "google/gemma-2-9b-it", Relation: "distilled", Depth: 1}},
			[]string{"Gemma Terms of Use"}},
		{"distilled from deepseek-r1 (mit)", card("r1-student", "apache-2.0"),
			[]Ancestor{{Model: "deepseek-ai/DeepSeek-R1", Relation: "distilled", License: "mit", Depth: 1}}, nil},
		{"openrail fine-tune under mit", card("anime-diffusion", "mit"),
			[]Ancestor{{Model: "runwayml/stable-diffusion-v1-5", Relation: "finetune", Depth: 1}},
			[]string{"drops the use restrictions"}},
		{"openrail fine-tune under another openrail", card("anime-diffusion", "bigscience-openrail-m"),
			[]Ancestor{{Model: "runwayml/stable-diffusion-v1-5", Relation: "finetune", Depth: 1}}, nil},
		{"deepseek licence adapter under apache", card("coder-lora", "apache-2.0"),
			[]Ancestor{{Model: "deepseek-ai/deepseek-coder-6.7b-instruct", Relation: "adapter", Depth: 1}},
			[]string{"drops the use restrictions"}},
		{"non-commercial base, commercial derivative", card("aya-tuned", "apache-2.0"),
			[]Ancestor{{Model: "CohereForAI/aya-expanse-32b", Relation: "finetune", License: "cc-by-nc-4.0", Depth: 1}},
			[]string{"allows commercial use"}},
		{"qwen licence fine-tune without Built with Qwen", card("Chat-72B", "other\nlicense_name: qwen"),
			[]Ancestor{{Model: "Qwen/Qwen2.5-72B-Instruct", Relation: "finetune", Depth: 1}},
			[]string{`"Built with Qwen"`}},
		{"qwen licence fine-tune that says Built with Qwen", map[string]string{"README.md": "---\nlicense: other\nlicense_name: qwen\n---\n# Chat-72B\n\nBuilt with Qwen.\n"},
			[]Ancestor{{Model: "Qwen/Qwen2.5-72B-Instruct", Relation: "finetune", Depth: 1}}, nil},
		{"distilled from llama 2 outputs", card("student-7b", "apache-2.0"),
			[]Ancestor{{Model: "meta-llama/Llama-2-70b-chat-hf", Relation: "distillation", Depth: 1}},
			[]string{"forbids improving other models"}},
		{"unknown base licence", card("x", "apache-2.0"),
			[]Ancestor{{Model: "someone/something", Relation: "finetune", Depth: 1}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			own := Identify(release(t, c.files), k)
			fs := CheckInheritance(own, c.ancestors, k)
			if len(c.want) == 0 && len(fs) > 0 {
				t.Fatalf("unexpected findings: %+v", fs)
			}
			for _, w := range c.want {
				found := false
				for _, f := range fs {
					if f.Code == finding.LicenseInheritance && strings.Contains(f.Message, w) {
						found = true
						if f.Confidence != finding.Inferred || f.Subject == "" || len(f.References) == 0 || f.Severity != "" {
							t.Errorf("finding lacks confidence, subject or references: %+v", f)
						}
					}
				}
				if !found {
					t.Errorf("want a license.inheritance finding saying %q; got %+v", w, fs)
				}
			}
		})
	}
}
