package modelconfig

import (
	"fmt"
	"slices"

	"github.com/tidwall/gjson"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/jsonscan"
)

// format names a configuration file in a formats.Error.
const format = "config"

// Config is what config.json (or generation_config.json) declares that
// matters to an audit: the architecture, and any request to run code from
// the repository.
type Config struct {
	Path          string   `json:"path"`
	Architectures []string `json:"architectures,omitempty"`
	ModelType     string   `json:"model_type,omitempty"`
	// NameOrPath is "_name_or_path": often the model it was derived from.
	NameOrPath      string `json:"name_or_path,omitempty"`
	TorchDtype      string `json:"torch_dtype,omitempty"`
	TransformersVer string `json:"transformers_version,omitempty"`
	// AutoMap maps auto classes to code in the repository ("auto_map");
	// loading such a model with trust_remote_code runs that code.
	AutoMap map[string]string `json:"auto_map,omitempty"`
	// CustomPipelines lists "custom_pipelines" entries, which also name
	// repository code.
	CustomPipelines []string `json:"custom_pipelines,omitempty"`
	// Quantization summarises "quantization_config".
	Quantization *Quantization `json:"quantization,omitempty"`
}

// Quantization is the quantisation a config declares.
type Quantization struct {
	Method string `json:"method,omitempty"` // quant_method: gptq, awq, bitsandbytes, fp8, …
	Bits   int    `json:"bits,omitempty"`
}

// Parse reads a config.json-shaped document. path is used in errors and
// kept in Config.Path.
func Parse(path string, data []byte) (*Config, error) {
	if err := checkJSON(path, data); err != nil {
		return nil, err
	}
	doc := gjson.ParseBytes(data)
	if !doc.IsObject() {
		return nil, &formats.Error{Format: format, Path: path, Offset: -1, Msg: "is not a JSON object"}
	}
	c := &Config{
		Path:            path,
		ModelType:       doc.Get("model_type").String(),
		NameOrPath:      doc.Get("_name_or_path").String(),
		TorchDtype:      doc.Get("torch_dtype").String(),
		TransformersVer: doc.Get("transformers_version").String(),
	}
	for _, a := range doc.Get("architectures").Array() {
		c.Architectures = append(c.Architectures, a.String())
	}
	doc.Get("auto_map").ForEach(func(k, v gjson.Result) bool {
		if c.AutoMap == nil {
			c.AutoMap = map[string]string{}
		}
		// Values are "module.Class" or a list ["tok.Slow", "tok.Fast"].
		if v.IsArray() {
			var parts []string
			for _, p := range v.Array() {
				if p.String() != "" {
					parts = append(parts, p.String())
				}
			}
			c.AutoMap[k.String()] = fmt.Sprint(parts)
		} else {
			c.AutoMap[k.String()] = v.String()
		}
		return true
	})
	doc.Get("custom_pipelines").ForEach(func(k, _ gjson.Result) bool {
		c.CustomPipelines = append(c.CustomPipelines, k.String())
		return true
	})
	slices.Sort(c.CustomPipelines)
	if q := doc.Get("quantization_config"); q.IsObject() {
		c.Quantization = &Quantization{Method: q.Get("quant_method").String(), Bits: int(q.Get("bits").Int())}
		if c.Quantization.Bits == 0 {
			switch {
			case q.Get("load_in_4bit").Bool():
				c.Quantization.Bits = 4
			case q.Get("load_in_8bit").Bool():
				c.Quantization.Bits = 8
			}
		}
	}
	return c, nil
}

// Adapter is adapter_config.json of a PEFT adapter.
type Adapter struct {
	Path      string `json:"path"`
	BaseModel string `json:"base_model_name_or_path,omitempty"`
	PEFTType  string `json:"peft_type,omitempty"`
}

// ParseAdapter reads adapter_config.json of a PEFT adapter.
func ParseAdapter(path string, data []byte) (*Adapter, error) {
	if err := checkJSON(path, data); err != nil {
		return nil, err
	}
	doc := gjson.ParseBytes(data)
	return &Adapter{
		Path:      path,
		BaseModel: doc.Get("base_model_name_or_path").String(),
		PEFTType:  doc.Get("peft_type").String(),
	}, nil
}

// checkJSON validates a config within the nesting cap before gjson reads
// it: gjson's own validator recurses once per level, so a document of
// nothing but brackets would exhaust the stack.
func checkJSON(path string, data []byte) error {
	if ok, off, msg := jsonscan.Valid(string(data)); !ok {
		return &formats.Error{Format: format, Path: path, Offset: int64(off), Msg: "is not valid JSON: " + msg}
	}
	return nil
}
