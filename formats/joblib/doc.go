// Package joblib reads the files joblib.dump writes — the format
// scikit-learn models and many other Python objects ship in — and lists
// what their pickles import, without loading anything.
//
// # What it reads
//
// [Read] recognises the framings joblib writes: an uncompressed pickle in
// which the bytes of each NumPy array follow its NumpyArrayWrapper object
// (walked by package pickle, which skips the array bytes and walks the
// pickle joblib writes for an array of Python objects); the same stream
// compressed whole with zlib, gzip, bz2, LZMA (.lzma), xz or LZ4, as
// joblib 0.10 and later write it (compress=…); and the zlib files of
// joblib before 0.10, which start with "ZF" and a length. Compressed
// streams are decompressed as they are walked, never into memory, and
// never past limits.MaxJoblibDecompressedBytes; decoders whose memory a
// header sets (LZMA, xz) are checked against
// limits.MaxDecompressWindowBytes first (internal/decompress).
//
// # What it does not read
//
// Older joblib releases wrote arrays into separate .npy files beside the
// pickle (model.pkl_01.npy); those are NumPy files of their own. Offsets
// in a compressed file's pickle are offsets in the decompressed stream.
package joblib
