// Package skops reads the schema of a skops file (.skops), the format
// scikit-learn models are shared in as an alternative to pickle: a zip
// archive whose schema.json describes the object tree, each node naming
// the Python type (or function) the loader imports and builds, and whose
// other members hold NumPy arrays.
//
// # What it reads
//
// [Read] lists the zip (entry count checked before the directory is
// read), reads schema.json (at most limits.MaxSkopsSchemaBytes, nesting
// bounded by limits.MaxJSONDepth) and walks every node for the types it
// loads: "__module__" and "__class__" of object, type and method nodes,
// and the module and function of function nodes, with the JSON path of
// the first node of each. skops refuses to load types outside its trusted
// defaults unless the caller trusts them; a type that runs code (os.system
// as a function node) runs once trusted.
//
// # What it does not read
//
// The arrays in the archive's .npy members (package formats/numpy reads
// them, as archive members) and the values of the tree.
package skops
