package gguf_test

import (
	"fmt"
	"testing"

	"github.com/modelvet/modelvet/formats/gguf"
)

func TestParseGGUFSplit(t *testing.T) {
	for name, want := range map[string]string{
		"DeepSeek-R1-Q4_K_M-00001-of-00009.gguf": "DeepSeek-R1-Q4_K_M 1/9",
		"x-00009-of-00009.GGUF":                  "x 9/9",
		"x-00000-of-00009.gguf":                  "",
		"x-00010-of-00009.gguf":                  "",
		"x-0001-of-0009.gguf":                    "",
		"x-00001-of-00009.safetensors":           "",
		"-00001-of-00009.gguf":                   "",
	} {
		got := ""
		if sp, ok := gguf.ParseSplitName(name); ok {
			got = fmt.Sprintf("%s %d/%d", sp.Prefix, sp.No, sp.Count)
		}
		if got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}
