// Package gguf reads the header of a GGUF file, the format of llama.cpp
// and ggml: the metadata key-value pairs and the tensor infos, without
// touching tensor data. Versions 2 and 3 are read.
//
// # What it reads
//
// [Read] returns an [Info]: version, counts, alignment and architecture;
// every metadata pair in file order as a [Value] (its type, its value and
// the byte offset of its key); parameter counts in total and per ggml
// tensor type; and where tensor data starts and ends. Arrays of more than
// limits.MaxGGUFShortArray elements (tokenizer vocabularies and merges)
// are walked, every string in them length-checked, but not kept: a
// Value gives their element type and length. [Info.Get], [Info.String],
// [Info.Uint] and [Info.Strings] read keys; [Info.BaseModels] and
// [Info.Datasets] read the general.base_model.{id}.* and
// general.dataset.{id}.* entries (and the older flat general.datasets) as
// [Ref] values with the offset to cite.
//
// The token list (tokenizer.ggml.tokens) is walked, never kept whole:
// [Info.Vocabulary] gives its length, its digest and the digests of its
// prefixes (by the definition in internal/vocabhash, which tokenizer.json
// vocabularies are digested with too), llama.cpp's padding, and its
// control-like tokens with their ids. [Info.Tensors] keeps each tensor's
// name and dimensions, for the first limits.MaxTensorShapes tensors.
//
// [ReadPrefix] reads only a file's first bytes: the keys that end within
// them (llama.cpp writes general.* first), and no tensor facts. A remote
// file is read through a window of 1 MiB blocks, so its header costs few
// range requests.
//
// # What it checks
//
// The caps of internal/limits on counts, key, string, array and tensor
// name lengths, dimensions, metadata bytes and bytes kept, each also
// checked against the bytes left in the file before anything is
// allocated; unique non-empty UTF-8 keys; known value types (a BOOL is 0
// or 1; arrays of arrays are rejected, as ggml does); general.alignment a
// UINT32 power of two; unique tensor names; at most 4 dimensions, none
// negative once read as int64; element and byte counts computed with
// overflow checks, first dimensions a multiple of the type's block size;
// tensor offsets aligned, tensor data not overlapping, and every tensor of
// a known type within the file.
//
// Faults are *formats.Error values with the byte offset of the fault.
// GGUF v1 and byte-swapped (big-endian) files are refused with errors
// wrapping formats.ErrUnsupported. Tensor data that runs past the end of
// the file yields the header facts together with an error wrapping
// formats.ErrTruncated.
//
// # Limitations
//
//   - Big-endian files are detected (by ggml's heuristic on the version
//     field) and refused, not read.
//   - Tensor types whose byte size is not known (types ggml removed, or
//     newer ones, named "type_<id>") are counted in
//     Info.UncheckedTensors, but their fit in the file is not checked.
//   - ggml also requires tensors to follow each other in order, each
//     padded to the alignment; this reader only requires that they do not
//     overlap and that they fit.
//   - The parts of a split model (NAME-00001-of-0000N.gguf) are read one
//     by one; package manifest puts them together.
package gguf
