package modelconfig

import (
	"strings"
	"testing"
)

func TestParseDeepNesting(t *testing.T) {
	for _, doc := range []string{strings.Repeat("[", 8<<20), `{"a":` + strings.Repeat("[", 100_000)} {
		if _, err := Parse("config.json", []byte(doc)); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
			t.Errorf("deeply nested config: err = %v, want a formats.Error", err)
		}
		if _, err := ParseAdapter("adapter_config.json", []byte(doc)); err == nil {
			t.Error("deeply nested adapter config parsed")
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"architectures":["LlamaForCausalLM"],"auto_map":{"AutoModel":"m.M","AutoTokenizer":["a.A",null]},"quantization_config":{"quant_method":"gptq","bits":4}}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"custom_pipelines":{"p":{}}}`))
	f.Add([]byte(strings.Repeat("[", 5000)))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("config.json", data)
		if err == nil && c == nil {
			t.Fatal("nil config without error")
		}
	})
}

func TestParse(t *testing.T) {
	c, err := Parse("config.json", []byte(`{
		"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "_name_or_path": "Qwen/Qwen2.5-7B",
		"torch_dtype": "bfloat16", "transformers_version": "4.44.0",
		"auto_map": {"AutoModel": "modeling_x.X", "AutoTokenizer": ["tok.Slow", null, "tok.Fast"]},
		"custom_pipelines": {"b": {}, "a": {}},
		"quantization_config": {"quant_method": "bitsandbytes", "load_in_4bit": true}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != "config.json" || len(c.Architectures) != 1 || c.Architectures[0] != "Qwen2ForCausalLM" || c.ModelType != "qwen2" ||
		c.NameOrPath != "Qwen/Qwen2.5-7B" || c.TorchDtype != "bfloat16" || c.TransformersVer != "4.44.0" {
		t.Errorf("config %+v", c)
	}
	if c.AutoMap["AutoModel"] != "modeling_x.X" || c.AutoMap["AutoTokenizer"] != "[tok.Slow tok.Fast]" {
		t.Errorf("auto_map %q", c.AutoMap)
	}
	if strings.Join(c.CustomPipelines, ",") != "a,b" {
		t.Errorf("custom_pipelines %q", c.CustomPipelines)
	}
	if c.Quantization == nil || *c.Quantization != (Quantization{Method: "bitsandbytes", Bits: 4}) {
		t.Errorf("quantization %+v", c.Quantization)
	}
	if _, err := Parse("config.json", []byte(`[1]`)); err == nil || !strings.Contains(err.Error(), "config.json: config is not a JSON object") {
		t.Errorf("array: %v", err)
	}
	a, err := ParseAdapter("adapter_config.json", []byte(`{"base_model_name_or_path":"meta-llama/Llama-3.1-8B","peft_type":"LORA"}`))
	if err != nil || *a != (Adapter{Path: "adapter_config.json", BaseModel: "meta-llama/Llama-3.1-8B", PEFTType: "LORA"}) {
		t.Errorf("adapter %+v, %v", a, err)
	}
}
