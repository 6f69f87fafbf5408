// Package numpy reads the header of NumPy .npy files: the format version,
// the dtype, the memory order and the shape. An array of Python objects
// (dtype "O", alone or inside a structured dtype) is not stored as bytes
// but as a pickle of the whole array, which numpy.load unpickles when
// asked to (allow_pickle=True, the default before NumPy 1.16.3): [Read]
// walks that pickle with package pickle and returns what it imports,
// without loading anything. An .npz archive is a zip of .npy members,
// read member by member by the caller (package formats/archive lists
// them).
//
// # What it checks
//
// The magic "\x93NUMPY", a version of 1.0, 2.0 or 3.0, a header length
// within limits.MaxNPYHeaderBytes and the file, and a header that is a
// Python dict literal with the keys descr, fortran_order and shape (read
// by a small literal parser, nesting bounded by limits.MaxNPYHeaderDepth,
// never evaluated). For arrays of fixed-size elements the data size is
// shape × item size, computed with overflow checks, and compared with the
// bytes that follow: fewer is a truncation (formats.ErrTruncated, header
// facts kept).
//
// # What it does not check
//
// The array data of plain arrays is not read. Item sizes of structured
// dtypes (a list of fields) are not computed.
package numpy
