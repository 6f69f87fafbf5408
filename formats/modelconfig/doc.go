// Package modelconfig reads the configuration files of a Hugging Face
// model repository: config.json as Transformers writes it (and
// generation_config.json, of the same shape), and adapter_config.json of a
// PEFT adapter. [Parse] returns a [Config]: the architectures and model
// type, _name_or_path (often the model it was derived from), the dtype
// and Transformers version, the quantisation declared ([Quantization]),
// and every request to run the repository's code (auto_map,
// custom_pipelines). [ParseAdapter] returns an [Adapter]: the base model
// and the PEFT type.
//
// The document is checked by internal/jsonscan, which bounds its nesting
// by limits.MaxJSONDepth, before it is read: a fault is a *formats.Error
// (format "config") with the byte offset. The package passes no judgement
// on what a configuration asks for: package manifest reads a release's
// configs with it (Release.Config, GenerationConfig, AdapterConfig) and
// reports code that would run (format.code-execution).
package modelconfig
