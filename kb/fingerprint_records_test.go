package kb

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// The embedded fingerprint records name developers with a country, and a
// distinctive token string belongs to one developer only.
func TestFingerprintRecords(t *testing.T) {
	k := Default()
	if len(k.Architectures) < 30 || len(k.Tokenizers) < 20 {
		t.Fatalf("%d architectures, %d tokenizers", len(k.Architectures), len(k.Tokenizers))
	}
	for _, a := range k.Architectures {
		if o := k.Organization(a.Developer); o == nil || o.Country == "" {
			t.Errorf("architecture %s: developer %q has no country", a.ID, a.Developer)
		}
		for _, m := range a.Models {
			if mm := k.Model(m); mm != nil && k.Organization(mm.Developer) != k.Organization(a.Developer) {
				t.Errorf("architecture %s: model %s is %s's, the record says %s", a.ID, m, mm.Developer, a.Developer)
			}
		}
	}
	owner := map[string]string{}
	for _, tk := range k.Tokenizers {
		if o := k.Organization(tk.Developer); o == nil || o.Country == "" {
			t.Errorf("tokenizer %s: developer %q has no country", tk.ID, tk.Developer)
		}
		for _, tok := range tk.Tokens {
			if !tok.Distinctive {
				continue
			}
			dev := k.Organization(tk.Developer).ID
			if prev, ok := owner[tok.Content]; ok && prev != dev {
				t.Errorf("tokenizer %s: distinctive %q is also %s's", tk.ID, tok.Content, prev)
			}
			owner[tok.Content] = dev
		}
	}
	for _, tk := range k.Tokenizers {
		dev := k.Organization(tk.Developer).ID
		for _, tok := range tk.Tokens {
			if o, ok := owner[tok.Content]; ok && o != dev {
				t.Errorf("tokenizer %s uses %q, which %s's records mark distinctive", tk.ID, tok.Content, o)
			}
		}
		for _, m := range tk.ChatMarkers {
			if o, ok := owner[m]; ok && o != dev {
				t.Errorf("tokenizer %s's chat template writes %q, which %s's records mark distinctive", tk.ID, m, o)
			}
		}
	}
}

func TestFingerprintLookups(t *testing.T) {
	k := Default()
	ids := func(as []*Architecture) (out []string) {
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	if got := ids(k.ArchitecturesOf("deepseek-ai/DeepSeek-R1")); !slices.Equal(got, []string{"deepseek-v3"}) {
		t.Errorf("ArchitecturesOf(DeepSeek-R1) = %v", got)
	}
	if got := ids(k.ArchitecturesOf("https://huggingface.co/Qwen/Qwen2.5-7B")); !slices.Equal(got, []string{"qwen2.5-7b"}) {
		t.Errorf("ArchitecturesOf(Qwen2.5-7B URL) = %v", got)
	}
	if got := k.ArchitecturesOf("nobody/nothing"); got != nil {
		t.Errorf("ArchitecturesOf(unknown) = %v", got)
	}
	if got := k.TokenizersOf("DeepSeek-R1-Distill-Qwen-32B"); len(got) != 1 || got[0].ID != "deepseek-r1-distill-qwen" {
		t.Errorf("TokenizersOf(distill) = %v", got)
	}
}

// Overlaid fingerprint records are checked as they load: every error names
// the file and the record.
func TestFingerprintOverlayChecked(t *testing.T) {
	good := "architectures:\n- id: tiny-test\n  models: [Qwen/Qwen2.5-7B]\n  family: Test\n  developer: Qwen\n  layers: 2\n  hidden_size: 8\n  rope_scaling: yarn\n  confidence: low\n  sources: [{url: \"https://example.com/config.json\"}]\n"
	k, err := Load(fstest.MapFS{"architectures.yaml": {Data: []byte(good)}})
	if err != nil {
		t.Fatal(err)
	}
	if got := k.ArchitecturesOf("Qwen/Qwen2.5-7B"); len(got) != 2 {
		t.Errorf("overlay record not added: %v", got)
	}
	for _, tc := range []struct{ file, doc, want string }{
		{"architectures.yaml", strings.Replace(good, "Qwen/Qwen2.5-7B", "nobody/model", 1), `models[0] "nobody/model": has no record in models.yaml`},
		{"architectures.yaml", strings.Replace(good, "developer: Qwen", "developer: nobody", 1), `developer "nobody"`},
		{"architectures.yaml", strings.Replace(good, "rope_scaling: yarn", "rope_scaling: stretchy", 1), `rope_scaling "stretchy"`},
		{"architectures.yaml", strings.Replace(good, "  layers: 2\n", "", 1), "layers and hidden_size are required"},
		{"architectures.yaml", strings.Replace(good, "layers: 2", "layers: -2", 1), `layers "-2": is not positive`},
		{"architectures.yaml", strings.Replace(good, "confidence: low", "confidence: sure", 1), `confidence "sure"`},
		{"architectures.yaml", strings.Replace(good, "layers: 2", "layerz: 2", 1), "unknown field"},
		{"architectures.yaml", good + strings.TrimPrefix(good, "architectures:\n"), "the id is given twice"},
		{"tokenizers.yaml", "tokenizers:\n- id: t\n  family: T\n  developer: Qwen\n  tokens: [{content: x, roles: [start]}]\n  confidence: low\n  sources: [{url: \"https://example.com\"}]\n", `roles[0] "start": is not an allowed value (want bos, eos, pad, unk)`},
		{"tokenizers.yaml", "tokenizers:\n- id: t\n  family: T\n  developer: Qwen\n  vocabulary: {tokens: 3, digest: \"md5:00\"}\n  confidence: low\n  sources: [{url: \"https://example.com\"}]\n", "sha256:<64 hex>"},
		{"tokenizers.yaml", "tokenizers:\n- id: t\n  family: T\n  developer: Qwen\n  confidence: low\n  sources: [{url: \"https://example.com\"}]\n", "states nothing to match"},
	} {
		_, err := Load(fstest.MapFS{tc.file: {Data: []byte(tc.doc)}})
		var ve *ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), tc.file) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one naming the file and %q", tc.want, err, tc.want)
		}
	}
}
