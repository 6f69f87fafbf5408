// Package manifest reads what a model release declares about itself: its
// files and their formats, the model card, the configuration, the headers
// of its weight files, sharded-weights indexes, licence texts and the
// signature file. Everything it returns is declared, not verified: the
// license and provenance packages derive and verify facts from it.
//
// # What it owns
//
//   - Sources: a local directory ([Dir]), a single weight file
//     ([FileSource]), and the targets [Parse] accepts. [Source.Open]
//     returns a [Release].
//   - Stores: Hugging Face cache snapshots ([HFCache]), Ollama models
//     ([Ollama], [ListOllama]), OCI image layouts of model artifacts
//     ([OCI], [ListOCI]), and [Sweep] over a disk; see docs/STORES.md.
//   - The Hugging Face Hub as a source ([Hub] → [HubSource]), over the
//     client of package hub: the API record, then range reads of the card,
//     configs, index and weight headers, planned here (what each format
//     needs, never tensor data) within budgets ([HubOptions] HeaderBudget
//     and IndexBytes) whose unread parts are reported; the ancestors its
//     card names, followed on the Hub ([HubInfo] Ancestors); a local copy
//     checked against a Hub listing ([WithHubDigests], [HubListing]). See
//     docs/HUB.md.
//   - File classification by name and leading bytes.
//   - Weight headers, read without touching tensor data:
//     safetensors ([ReadSafetensors] → [SafetensorsInfo]), GGUF v2 and v3
//     ([ReadGGUF] → [GGUFInfo], with [GGUFInfo.BaseModels] and
//     [GGUFInfo.Datasets] for lineage), pickle-based checkpoints
//     ([ReadPickle]), the Lambda layers of Keras models ([ReadKeras],
//     [ScanHDF5Keras] → [KerasInfo]), and ONNX models' operator sets and
//     external data ([ReadONNX] → [ONNXInfo]).
//   - Sharded checkpoints: [ParseSafetensorsIndex] reads
//     model.safetensors.index.json, and [Release.CheckIndex] compares it
//     with the shards present ([IndexIssue]).
//   - Text files: the model card ([ParseCard]), config.json and friends
//     ([ParseConfig]), adapter configs, licence texts.
//
// # Usage
//
//	src, err := manifest.Parse("path/to/release")
//	if err != nil { ... }
//	rel, err := src.Open(ctx)
//	if err != nil { ... } // the release could not be read at all
//	for _, f := range rel.Files {
//		if f.GGUF != nil {
//			fmt.Println(f.Path, f.GGUF.Architecture, f.GGUF.String("general.license"))
//		}
//	}
//	for _, p := range rel.Problems { ... } // files that could not be parsed
//	for _, i := range rel.CheckIndex() { ... } // index vs shards, as facts
//
// The readers take an [io.ReaderAt] and a size, so the same code reads a
// local file or a remote one through HTTP range requests: a safetensors
// header costs one read (two when it is longer than 64 KiB), and GGUF
// metadata is read through a window of 1 MiB blocks.
//
// # Errors and problems
//
// Operational failures (the release cannot be listed) are errors from
// Open. Content that cannot be parsed is a [Problem] in
// [Release.Problems], and [Release.Findings] turns each into a
// format.malformed finding. Parsers return *[FormatError] values that
// carry the format, the file, and the byte offset (binary formats) or
// line (text formats) of the fault. Sentinels classify some of them:
// [ErrTruncated] (a file shorter than its header declares; the header
// facts are still returned), [ErrTrailingData] (bytes after the data a
// safetensors header indexes) and [ErrUnsupported] (GGUF v1, big-endian
// GGUF).
//
// Index issues are facts, not findings: Findings does not report them,
// and the integrity check decides what they mean.
//
// # Limits
//
// Every cap on untrusted input is a named constant in internal/limits:
// header, string, array, count, key, name and metadata sizes, index size
// and shard count. No reader allocates from a length field before checking
// it against a cap and against the bytes the file actually holds. See
// docs/FORMATS.md for what each weight-format reader reads and checks.
//
// # Limitations
//
//   - Only headers are read: tensor data is never hashed or inspected here
//     (provenance hashes files).
//   - GGUF files written big-endian are detected and refused, not read.
//   - GGUF tensor types whose byte size is not known (types ggml removed,
//     or newer ones) are counted but not checked against the file size.
//   - A release carries one safetensors index: the one nearest the root.
//     Indexes of sub-components (diffusers' text_encoder/ beside a root
//     index) are parsed for problems but not kept.
package manifest
