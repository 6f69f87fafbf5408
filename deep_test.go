package modelvet_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelvet/modelvet"
	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/manifest"
)

// TestDeepNesting puts a document nested as deep as its size cap allows
// (8 MiB of brackets, 512 KiB for a card's front matter) at every place
// of a local release where JSON or YAML is decoded, and audits it in this
// process: a stack overflow would end the test binary. Each gives a
// finding that names the file and says why, the verdict is not pass, and
// the audit takes seconds, not minutes.
func TestDeepNesting(t *testing.T) {
	brackets := strings.Repeat("[", limits.MaxJSONBytes-1)
	st := func(header string) string {
		return string(binary.LittleEndian.AppendUint64(nil, uint64(len(header)))) + header
	}
	bundle := func(payload string) string {
		b, _ := json.Marshal(map[string]any{
			"mediaType":            "application/vnd.dev.sigstore.bundle.v0.3+json",
			"verificationMaterial": map[string]any{"publicKey": map[string]any{"hint": "k"}},
			"dsseEnvelope": map[string]any{
				"payload":     base64.StdEncoding.EncodeToString([]byte(payload)),
				"payloadType": "application/vnd.in-toto+json",
				"signatures":  []map[string]any{{"sig": "AAAA", "keyid": ""}},
			},
		})
		return string(b)
	}
	gguf := testmodel.GGUF{KV: []testmodel.KV{
		{Key: "general.architecture", Value: testmodel.String("llama")},
		{Key: "general.name", Value: testmodel.String(brackets)},
		{Key: "general.license", Value: testmodel.String(brackets)},
		{Key: "tokenizer.chat_template", Value: testmodel.String(brackets)},
	}}
	card := "---\nlicense: mit\n---\n"
	tests := []struct {
		name  string
		files map[string]string
		code  finding.Code
		path  string
		want  string // in the finding's message
	}{
		{"config", map[string]string{"config.json": brackets}, finding.FormatMalformed, "config.json", "nesting deeper than the limit"},
		{"adapter config", map[string]string{"adapter_config.json": brackets}, finding.FormatMalformed, "adapter_config.json", "nesting deeper than the limit"},
		{"generation config", map[string]string{"generation_config.json": brackets}, finding.FormatMalformed, "generation_config.json", "nesting deeper than the limit"},
		{"index", map[string]string{"model.safetensors.index.json": brackets}, finding.FormatMalformed, "model.safetensors.index.json", "nesting deeper than the limit"},
		{"safetensors header", map[string]string{"model.safetensors": st(`{"a":` + brackets)}, finding.FormatMalformed, "model.safetensors", "nesting deeper than the limit"},
		{"card front matter", map[string]string{"README.md": "---\nlicense: mit\nbase_model: " + strings.Repeat("[", limits.MaxFrontMatterBytes-64) + "\n---\n"}, finding.FormatMalformed, "README.md", "nested deeper than 64"},
		{"card front matter keys", map[string]string{"README.md": "---\n" + func() string {
			var b strings.Builder
			for i := 0; b.Len() < limits.MaxFrontMatterBytes-64; i++ {
				b.WriteString("k" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + strconv.Itoa(i) + ": v\n")
			}
			return b.String()
		}() + "---\n"}, finding.FormatMalformed, "README.md", "more than 4096 keys"},
		{"keras config", map[string]string{"model.keras": string(testmodel.KerasArchive(brackets))}, finding.FormatMalformed, "model.keras", "nesting deeper than the limit"},
		{"tokenizer config", map[string]string{"tokenizer_config.json": brackets}, finding.FormatMalformed, "tokenizer_config.json", "levels deep"},
		{"chat template", map[string]string{"chat_template.json": brackets}, finding.FormatMalformed, "chat_template.json", "levels deep"},
		{"skops schema", map[string]string{"model.skops": string(testmodel.ZipArchive(true, testmodel.Member{Name: "schema.json", Data: []byte(strings.Repeat("[", limits.MaxSkopsSchemaBytes))}))}, finding.FormatMalformed, "model.skops", "levels deep"},
		{"signature bundle", map[string]string{"model.sig": brackets}, finding.SignatureInvalid, "model.sig", "levels deep"},
		{"signature payload", map[string]string{"model.sig": bundle(brackets)}, finding.SignatureInvalid, "model.sig", "levels deep"},
		{"GGUF strings", map[string]string{"model.gguf": string(gguf.Bytes())}, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"README.md": card}
			for k, v := range tc.files {
				files[k] = v
			}
			dir := writeRelease(t, files)
			src, err := manifest.Parse(dir)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			rep, err := modelvet.Audit(context.Background(), src)
			if err != nil {
				t.Fatal(err)
			}
			if took := time.Since(start); took > 20*time.Second {
				t.Errorf("took %v", took)
			}
			if tc.code == "" {
				return // read without a crash is the point
			}
			var msgs []string
			for _, f := range findingsOf(rep, tc.code) {
				msgs = append(msgs, f.Message)
				if strings.Contains(f.Message, tc.want) && strings.Contains(f.Message, tc.path) {
					if rep.Verdict == modelvet.Pass {
						t.Errorf("verdict pass with %s", f.Message)
					}
					return
				}
			}
			t.Errorf("%s findings %q, want one naming %s and saying %q", tc.code, msgs, tc.path, tc.want)
		})
	}
}
