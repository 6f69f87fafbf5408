package provenance

import (
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/manifest"
)

func TestParseName(t *testing.T) {
	cases := []struct {
		in                    string
		org, base             string
		suffixes              []string
		teacher, student      string
		derivative, quantized bool
	}{
		{in: "bartowski/Qwen2.5-7B-Instruct-GGUF", org: "bartowski", base: "Qwen2.5-7B-Instruct", suffixes: []string{"gguf"}, quantized: true},
		{in: "mlx-community/DeepSeek-R1-Distill-Qwen-14B-4bit", org: "mlx-community", base: "DeepSeek-R1-Distill-Qwen-14B", suffixes: []string{"4bit"}, teacher: "DeepSeek-R1", student: "Qwen-14B", derivative: true, quantized: true},
		{in: "unsloth/DeepSeek-R1-Distill-Llama-8B-unsloth-bnb-4bit", org: "unsloth", base: "DeepSeek-R1-Distill-Llama-8B", suffixes: []string{"unsloth-bnb-4bit"}, teacher: "DeepSeek-R1", student: "Llama-8B", derivative: true, quantized: true},
		{in: "qwen2.5-7b-instruct-q4_k_m.gguf", base: "qwen2.5-7b-instruct", suffixes: []string{"q4_k_m"}, quantized: true},
		{in: "TheBloke/Llama-2-7B-Chat-GPTQ", org: "TheBloke", base: "Llama-2-7B-Chat", suffixes: []string{"gptq"}, quantized: true},
		{in: "someone/Meta-Llama-3.1-8B-Instruct-AWQ-INT4", org: "someone", base: "Meta-Llama-3.1-8B-Instruct", suffixes: []string{"awq-int4"}, quantized: true},
		{in: "HangGlidersRule/Darkstar-Nemotron-3-Nano-Omni-30B-A3B-Reasoning-Abliterated-BF16", org: "HangGlidersRule", base: "Darkstar-Nemotron-3-Nano-Omni-30B-A3B-Reasoning-Abliterated", suffixes: []string{"bf16"}, derivative: true, quantized: true},
		{in: "someone/llama-3.2-1b-medical-qlora", org: "someone", base: "llama-3.2-1b-medical-qlora", derivative: true},
		{in: "Qwen/QwQ-32B", org: "Qwen", base: "QwQ-32B"},
		{in: "gguf", base: "gguf"},
		{in: "", base: ""},
	}
	for _, tc := range cases {
		n := ParseName(tc.in)
		if n.Org != tc.org || n.Base != tc.base || !slices.Equal(n.Suffixes, tc.suffixes) || n.Teacher != tc.teacher || n.Student != tc.student || n.Derivative != tc.derivative || n.Quantized() != tc.quantized {
			t.Errorf("ParseName(%q) = %+v", tc.in, n)
		}
	}
}

func FuzzParseName(f *testing.F) {
	for _, s := range []string{"bartowski/Qwen_QwQ-32B-GGUF", "a-Distill-b-GGUF-Q4_K_M.gguf", "-gguf", "x/y/z-4bit-4bit", "\xff/\x00-awq", strings.Repeat("-gguf", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := ParseName(s)
		if len(n.Base) > len(n.Name) || len(n.Name) > limits.MaxModelName {
			t.Fatalf("%q: %+v", s, n)
		}
		if !strings.HasPrefix(n.Name, n.Base) {
			t.Fatalf("%q: base %q is not a prefix of %q", s, n.Base, n.Name)
		}
		// The whole lineage builder accepts any name.
		g := Lineage(&manifest.Release{Repo: s, Name: s}, nil, LineageOptions{})
		if len(g.Nodes) == 0 {
			t.Fatal("no root")
		}
	})
}
