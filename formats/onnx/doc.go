// Package onnx reads what an ONNX model declares: the protobuf ModelProto
// of a .onnx file, walked field by field without reading its tensor data.
//
// # What it reads
//
// [Read] returns an [Info]: the IR version, the producer, the operator
// sets the model imports ([Opset]), its metadata_props ([Property]), and
// the graph's initializers (sparse ones too), counted, with the tensors
// kept in other files listed as [External] values (the location the
// external_data entry gives, relative to the model's folder, and the
// tensor's offset in the model file). Node lists, documentation and tensor
// bytes are skipped, never read; reads go through an 8 KiB window.
//
// ONNX has no magic: [Sniff] tells whether a file's first bytes start like
// a ModelProto.
//
// # What it checks
//
// Well-formed protobuf: no field running past its message, no varint over
// 10 bytes, no group wire type, no field number 0, at most
// limits.MaxONNXFields fields walked. Faults are *formats.Error values with
// the byte offset; a field or varint cut by the end of its message wraps
// formats.ErrTruncated. Strings kept are cut at limits.MaxONNXString bytes,
// and at most limits.MaxONNXListed opsets, properties and external tensors
// are listed.
//
// # Limitations
//
//   - External data locations are reported as written: whether they stay
//     inside the release, and whether the release holds them, is for the
//     caller to check (package manifest does).
//   - The operators the graph uses, and functions and training info, are
//     not read.
package onnx
