package manifest

import (
	"strings"
	"testing"
)

func TestParseConfigDeepNesting(t *testing.T) {
	for _, doc := range []string{strings.Repeat("[", 8<<20), `{"a":` + strings.Repeat("[", 100_000)} {
		if _, err := ParseConfig("config.json", []byte(doc)); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
			t.Errorf("deeply nested config: err = %v, want a formats.Error", err)
		}
		if _, err := ParseAdapterConfig("adapter_config.json", []byte(doc)); err == nil {
			t.Error("deeply nested adapter config parsed")
		}
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`{"architectures":["LlamaForCausalLM"],"auto_map":{"AutoModel":"m.M","AutoTokenizer":["a.A",null]},"quantization_config":{"quant_method":"gptq","bits":4}}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"custom_pipelines":{"p":{}}}`))
	f.Add([]byte(strings.Repeat("[", 5000)))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig("config.json", data)
		if err == nil && c == nil {
			t.Fatal("nil config without error")
		}
	})
}
