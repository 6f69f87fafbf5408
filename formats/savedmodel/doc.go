// Package savedmodel reads the graph of a TensorFlow SavedModel
// (saved_model.pb) — or of a frozen GraphDef (.pb) — for the operation
// types it uses, without loading it. Some operations run Python or touch
// files when the graph runs: PyFunc, PyFuncStateless and EagerPyFunc call
// a Python function (tf.py_function, tf.numpy_function), and ReadFile,
// WriteFile, MatchingFiles and their kin read or write files on the
// machine that runs the model.
//
// # What it reads
//
// The protobuf messages SavedModel → MetaGraphDef → GraphDef → NodeDef,
// and the functions of the graph's FunctionDefLibrary (FunctionDef →
// NodeDef, where tf.function code lives), for each node's op type and
// name. [Read] returns every distinct op type with how many nodes use it,
// and the nodes of the ops listed in [PythonOps] and [FileOps] with the
// byte offset of each. Field headers are walked through a small window;
// tensor contents (constants of a frozen graph) are skipped, never read.
//
// # What it checks
//
// Field numbers, wire types, varints and lengths, each length against
// its enclosing message; nesting of at most limits.MaxSavedModelDepth
// messages; at most limits.MaxSavedModelFields fields walked and
// limits.MaxSavedModelNodes nodes recorded. A fault is a *formats.Error
// with its byte offset.
//
// # What it does not read
//
// The variables (variables/), assets, signatures and the object graph;
// Keras metadata (keras_metadata.pb) is not read for Lambda layers.
package savedmodel
