// Package formats holds what the weight-format readers in its
// sub-packages share: the error they return and the sentinels that
// classify it. Each weight format has a package of its own, in the manner
// of image/png or debug/elf.
//
// # What the readers share
//
// Every reader takes an [io.ReaderAt] and the file's size, and reads only
// what it needs (headers, never tensor data), so the same code reads a
// local file or a remote one through HTTP range requests. It returns what
// the file declares, and passes no judgement on it: the readers produce no
// findings and import neither net/http nor the release model (package
// manifest, which turns their facts into findings).
//
// Faults are *[Error] values that carry the format and the byte offset
// (binary formats) or line (text formats) of the fault; a reader leaves
// Path empty for the caller that knows the file to fill in. Sentinels
// classify some of them: [ErrTruncated] (a file shorter than its header
// declares; the reader still returns the header facts), [ErrTrailingData]
// (bytes after the data a safetensors header indexes),
// [ErrPartial] (a fault after a part read whole, whose facts come with
// the error: the metadata of a GGUF file whose tensor infos fail) and
// [ErrUnsupported] (GGUF v1, big-endian GGUF). The readers of a
// repository's text files (formats/modelcard, formats/modelconfig) return
// the same [Error] with a line or offset, and so do the store readers
// (package stores and below) for store manifests.
//
// Every cap on untrusted input is a named constant in internal/limits. No
// reader allocates from a length field before checking it against a cap
// and against the bytes the file actually holds.
//
// # Picking a reader
//
// By the file's content first — its first bytes, a zip's directory, a
// compressed stream's first decompressed bytes — then by its name (package
// manifest classifies a release's files this way, and reports a name that
// claims another format than the content):
//
//   - formats/safetensors: an 8-byte header length, then '{'
//     (*.safetensors). safetensors.Read.
//   - formats/gguf: "GGUF" (*.gguf). gguf.Read, or gguf.ReadPrefix for
//     the keys within a file's first bytes.
//   - formats/pickle: 0x80 and a protocol byte, or (protocols 0 and 1
//     have no magic) a name such as *.pkl or *.pt; a zip archive named
//     *.pt, *.pth, *.ckpt or *.bin is a PyTorch checkpoint.
//     pickle.Read reads all three.
//   - formats/keras: a zip archive named *.keras (keras.Read), or an HDF5
//     file, by its signature or as *.h5 (keras.ScanHDF5, or
//     keras.ScanHDF5Prefix for a file's first bytes).
//   - formats/onnx: no magic; a *.onnx file whose first bytes onnx.Sniff
//     accepts. onnx.Read.
//   - formats/numpy: "\x93NUMPY" (*.npy). numpy.Read, which walks the
//     pickle of an object array.
//   - formats/joblib: a pickle named *.joblib, or a zlib, gzip, bz2, LZMA,
//     xz or LZ4 stream of a pickle. joblib.Read.
//   - formats/skops: a zip with schema.json at its root. skops.Read.
//   - formats/savedmodel: saved_model.pb, or a *.pb of that protobuf shape
//     or of a GraphDef. savedmodel.Read.
//   - formats/archive: any other zip (an .npz among them), a tar, a 7z.
//     archive.Open, whose members are read as files.
//   - formats/chattemplate: not a file format but the Jinja chat
//     templates of GGUF metadata, tokenizer configs and *.jinja files.
//     chattemplate.Check.
//   - formats/modelcard: not weights but the model card, README.md: YAML
//     front matter, then Markdown. modelcard.Parse, from the card's bytes.
//   - formats/modelconfig: not weights but config.json (and
//     generation_config.json, adapter_config.json). modelconfig.Parse and
//     ParseAdapter, from the file's bytes.
//
// A file that is none of them may be a Git LFS pointer standing in for
// one: formats/lfs, "version https://git-lfs…" in at most 1024 bytes
// (lfs.Maybe, lfs.Parse).
package formats
