// Package modelcard reads a Hugging Face model card: the README.md of a
// model repository, a YAML front matter block of metadata followed by a
// Markdown body. [Parse] returns a [Card]: the fields an audit relies on
// (licence, licence name and link, base models and their relation,
// datasets, language, tags, gating, the model-index's evaluation
// datasets), each a [Field] with the line it is on, the whole front matter
// as plain values, and the body with the line it starts on.
//
// # How it reads
//
// As huggingface_hub does: the front matter is a "---" line preceded only
// by blank lines, closed by "---" or "..."; a byte-order mark and Windows
// line endings are accepted; a repeated key keeps its later value, as
// PyYAML reads it. The YAML is decoded by internal/yamlnode, which keeps
// line numbers and bounds nodes, depth and keys (limits.MaxYAMLNodes,
// MaxYAMLDepth, MaxYAMLMappingKeys), so an alias bomb or a deep nesting is
// an error, not an exhaustion. The card is capped at limits.MaxCardBytes,
// its front matter at limits.MaxFrontMatterBytes.
//
// # Faults
//
// Faults are *formats.Error values (format "card") with the line of the
// fault, returned together with the card, so its body and whatever fields
// were read can still be used: an unclosed block, front matter that is not
// a mapping, a repeat of a field the audit relies on (the error names the
// value dropped). Front matter that is not valid YAML is read line by line
// instead — top-level "key: value" lines, "[a, b]" lists and "- item"
// lists — and [Card] FrontMatterError says why the YAML failed.
//
// The package passes no judgement on what a card says: it produces no
// findings. Package manifest reads a release's card with it (Release.Card)
// and cites its fields as evidence (manifest.CardEvidence).
package modelcard
