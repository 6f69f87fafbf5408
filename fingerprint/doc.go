// Package fingerprint reads the facts a release's own files declare that
// identify the model — its architecture and its tokenizer — each with the
// file and field it was read from.
//
// A card can name any base, or none. A fine-tune keeps its base's network
// shape, because its weights have that shape, and usually its base's
// vocabulary; the special tokens and chat template it was trained on last
// say whose chat format that training used. This package reads those
// facts; package provenance compares them with the knowledge base.
//
// # What it reads
//
//   - config.json, generation_config.json: the shape (layers, widths,
//     heads, experts, multi-head latent attention ranks, vocabulary size,
//     RoPE, context length) and token ids ([ParseFile], [Read]).
//   - tokenizer_config.json, special_tokens_map.json, tokenizer.json,
//     chat_template.jinja, chat_template.json: special tokens with their
//     ids, the real vocabulary size, a digest of the vocabulary
//     ([Vocabulary]), the chat template's digests and markers
//     ([ChatMarkers]).
//   - GGUF metadata ([GGUF]): the {arch}.* keys (found without
//     general.architecture too), the tokenizer.ggml.* ids (resolved to
//     strings through the token list), pre and model, the token count
//     (without llama.cpp's padding) and the digests the GGUF reader
//     computes while it walks the list, tokenizer.chat_template.
//   - Tensor names and shapes, when nothing states the architecture:
//     safetensors headers ([Safetensors]) and GGUF tensor infos give the
//     embedding's rows and width, the layer count, the attention
//     projections' widths (heads × head size, key-value heads × head
//     size), the feed-forward and expert sizes, the expert count and the
//     latent attention ranks. Counts are taken only when every weight
//     file's header was read.
//
// Every fact keeps where it was read ([Fact]); a fact no file states is
// absent, not zero. Values are kept as declared, never computed from other
// values, so that like is compared with like.
//
// # Limits
//
// No tensor data is read. Hostile files are bounded by the caps of
// internal/limits (file sizes, nesting, vocabulary size, added tokens,
// markers, token lengths, stop ids, tensors); malformed files are
// *formats.Error values naming the file. Fields of unexpected types are
// left out rather than failing a file.
//
// # Usage
//
//	facts, errs := fingerprint.Read([]fingerprint.File{{Path: "config.json", Data: cfg}})
//	if n, ok := facts.Architecture.Layers.Get(); ok {
//		fmt.Println(n, "layers, from", facts.Architecture.Layers.Field)
//	}
package fingerprint
