// Package pickle walks the pickle streams of PyTorch checkpoints and other
// Python pickles and lists every global they import, without executing
// anything. Loading a pickle runs the callables it imports; this package
// only says which ones they are.
//
// # What it reads
//
// [Read] recognises PyTorch zip checkpoints (every *.pkl and *.pickle
// member, and any other member outside the data/ folders of raw storages
// that starts like a protocol 2-5 pickle), legacy PyTorch files (the
// magic-number pickle, then the protocol, system-info, object and
// storage-key pickles) and raw pickle streams of protocols 0 to 5, back to
// back. It returns an [Info]: the container ([Zip], [Legacy] or [Raw]),
// the highest protocol, the members and streams walked, the opcodes that
// call or build objects, the persistent ids (one per PyTorch tensor
// storage), and each imported [Global] with its opcode, first offset and
// zip member.
//
// The walker decodes all 68 opcodes of protocols 0 to 5 with their exact
// argument encodings, skipping large byte arguments without reading them,
// and simulates the stack and memo only as far as needed to resolve the
// operands of STACK_GLOBAL. [IsOpcode] tells whether a byte can start a
// stream (protocols 0 and 1 have no magic).
//
// [Classify] classes a global against the allow-list and deny-list of
// data/pickle-globals.tsv (embedded; it cites its sources): [Safe] for
// tensor-rebuild helpers, [Unsafe] for globals known to run code (a listed
// module covers its submodules) and for imports whose operands a static
// walk cannot see, [Unknown] for the rest, extension-registry codes
// included. Python 2 module names are read as their Python 3 names.
//
// # What it checks
//
// The zip entry count against limits.MaxZipEntries before the central
// directory is read, and the caps of internal/limits on stream bytes,
// opcodes, streams, members, stack depth, memo entries, operand length,
// bytes kept and distinct globals. A stream that is truncated or malformed
// (an unknown opcode, a stack underflow, a missing MARK, a negative
// length, a memo fetch of a slot never stored) or that reaches a cap is a
// *formats.Error with the byte offset (in the file for raw, legacy and
// stored zip members; in the member for compressed ones), returned
// together with the globals found so far and Info.Incomplete set.
//
// # Limitations
//
//   - The walk is static: an import built from strings computed at load
//     time is seen as an import of "unknown", classed unsafe, not resolved.
//   - Past limits.MaxPickleMemo memo entries, fetched operands are unknown.
//   - The raw tensor storages of a checkpoint are not read.
package pickle
