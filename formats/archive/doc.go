// Package archive lists the members of the archives a model release may
// ship — zip (and the zip-based .npz), tar (plain or gzip-compressed) and
// 7z — and opens their bytes within caps, so that the caller can read each
// member with the reader of its own format, as if it were a file.
//
// # What it reads
//
// [Open] recognises the archive by its first bytes, lists its entries
// (name, size, compression, whether it is a directory, a link or
// encrypted) and returns a [Reader] whose Member method serves a member's
// bytes: stored zip members and plain-tar members in place, compressed
// members decompressed into memory up to limits.MaxArchiveMemberBytes,
// within limits.MaxArchiveBytes for the whole archive. [Read] returns the
// listing alone.
//
// # What it checks
//
// Entry counts against limits.MaxArchiveEntries before the directory is
// read (zip) or while it is (tar, 7z); every name for the ways it could
// leave the folder it is extracted to (Entry.Unsafe: "..", an absolute
// path, a drive letter, a control character), as extractors have been
// open to such names ("zip slip"); the 7z header's counts and sizes
// against the caps and the bytes the file holds, before any table is
// made, and the dictionaries of its LZMA and LZMA2 coders against
// limits.MaxDecompressWindowBytes (PPMd coders, whose memory the header
// sets, are not decoded).
//
// # What it does not check
//
// Encrypted members are listed, not read. Tar archives compressed with
// anything but gzip are not opened here (package formats/joblib reads
// compressed pickles). Member contents are not judged: that is for the
// readers of their formats.
package archive
