// Package safetensors reads the header of a safetensors file: an 8-byte
// little-endian length N, then N bytes of JSON naming each tensor's dtype,
// shape and byte range in the data buffer that follows. Tensor data is
// never read.
//
// # What it reads
//
// [Read] returns an [Info]: the header length and data offset,
// __metadata__, the tensor count and names (in data order, so that a
// sharded-weights index can be checked against them) with their shapes
// (for the first limits.MaxTensorShapes tensors), parameter counts in
// total and per dtype, and the size of the data buffer the header indexes.
// A header costs one read, two when it is longer than 64 KiB, so a remote
// file costs one or two range requests.
//
// A sharded checkpoint's index, model.safetensors.index.json, names the
// shard holding each tensor: [ParseIndex] reads it whole (metadata and
// weight_map, shard names checked to be plain relative paths), and
// [ParseIndexPrefix] reads metadata.total_size from the first bytes of an
// index too large to read whole.
//
// # What it checks
//
// As the reference implementation (huggingface/safetensors, tensor.rs)
// does: the length field within limits.MaxSafetensorsHeader and the file;
// a UTF-8 JSON object (right-padding with spaces allowed), read in one pass
// with nesting bounded by limits.MaxJSONDepth; a string-only __metadata__
// without duplicate keys, of at most limits.MaxSafetensorsMetadata
// entries; unique tensor names; for each tensor one of the 22 defined
// dtypes, a shape and data_offsets given once, written as non-negative
// integers without fraction or exponent, spanning exactly
// prod(shape) × bits / 8 bytes (whole bytes for the sub-byte F4 and F6
// types), computed with overflow checks; offsets that cover the data
// buffer from 0 without gaps or overlaps; and a file size of exactly
// 8 + N + the data size.
//
// Faults are *formats.Error values with the byte offset of the fault. A
// file shorter than the data its header indexes yields the header facts
// together with an error wrapping formats.ErrTruncated (a header-only
// capture or an interrupted download; Info.Truncated is set); a longer one
// yields them with an error wrapping formats.ErrTrailingData (unindexed
// bytes would let the file also be read as another format).
//
// # Limitations
//
//   - Tensor data is neither read nor hashed.
//   - Unknown fields of a tensor entry are ignored, as the reference does.
//   - Sharded-weights indexes (model.safetensors.index.json) are read by
//     package manifest, which checks them against the shards' headers.
package safetensors
