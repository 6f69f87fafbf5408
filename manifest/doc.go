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
//     The layouts of the stores are read by the packages under stores
//     (stores/hfcache, stores/ollama, stores/oci, stores/lmstudio), which
//     know no release; the sources here turn what they read into
//     releases, and [DefaultLocations] gathers where each is kept.
//   - The Hugging Face Hub as a source ([Hub] → [HubSource]), over the
//     client of package hub: the API record, then range reads of the card,
//     configs, index and weight headers, planned here (what each format
//     needs, never tensor data) within budgets ([HubOptions] HeaderBudget
//     and IndexBytes) whose unread parts are reported; the ancestors its
//     card names, followed on the Hub ([HubInfo] Ancestors); a local copy
//     checked against a Hub listing ([WithHubDigests], [HubListing]). See
//     docs/HUB.md.
//   - File classification by content — leading bytes, a zip's members, a
//     compressed stream's first bytes — with the name as a hint; a name
//     that claims another format is reported (File.Mismatch).
//   - The weight files of a release, each read by the package of its
//     format (package formats and below), without touching tensor data:
//     safetensors (File.Safetensors), GGUF v2 and v3 (File.GGUF; cited
//     with [File.GGUFEvidence]), pickle-based checkpoints (File.Pickle),
//     the Lambda layers of Keras models (File.Keras), ONNX models'
//     operator sets and external data (File.ONNX), NumPy arrays
//     (File.NumPy), joblib files (File.Joblib), skops schemas
//     (File.Skops), TensorFlow graphs (File.SavedModel), and archives
//     (File.Archive), whose members are read as files (File.Members).
//   - Chat templates (Release.TemplateChecks): GGUF, tokenizer configs and
//     .jinja files, checked by formats/chattemplate.
//   - The format findings (format.*), all made in one place, findings.go:
//     [Release.Findings] reports unparseable files, pickle-based weights,
//     imports and Lambda layers that run code, configs that ask to, and
//     ONNX external data outside or missing from the release (with what a
//     remote audit left unread).
//   - Sharded checkpoints: safetensors.ParseIndex reads
//     model.safetensors.index.json, and [Release.CheckIndex] compares it
//     with the shards present ([IndexIssue]).
//   - Text files: the model card (Release.Card, read by
//     formats/modelcard; its fields cited with [CardEvidence]),
//     config.json and friends (Release.Config, read by
//     formats/modelconfig), adapter configs, licence texts.
//   - The facts that identify the model (package fingerprint): the
//     config, the tokenizer files and chat templates, GGUF metadata and
//     token lists, and tensor shapes when nothing else states the shape,
//     read from every kind of source into [Release.Fingerprint]; a remote
//     audit reads tokenizer.json only within limits.MaxHubTokenizerBytes
//     and says so when it did not.
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
// The format readers take an [io.ReaderAt] and a size, so the same code
// reads a local file or a remote one through HTTP range requests: a
// safetensors header costs one read (two when it is longer than 64 KiB),
// and GGUF metadata is read through a window of 1 MiB blocks.
//
// # Errors and problems
//
// Operational failures (the release cannot be listed) are errors from
// Open. Content that cannot be parsed is a [Problem] in
// [Release.Problems], and [Release.Findings] turns each into a
// format.malformed finding; the *[formats.Error] of a parser carries the
// file and the byte offset or line of the fault. Index issues are facts,
// not findings: the integrity check decides what they mean.
//
// # Limits
//
// Every cap on untrusted input is a named constant in internal/limits, and
// no reader allocates from a length field before checking it against a cap
// and against the bytes the file holds (docs/FORMATS.md). Only headers are
// read: tensor data is never hashed or inspected here (package integrity
// hashes files).
package manifest
