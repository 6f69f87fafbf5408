// Package keras finds the Lambda layers of Keras models: the layers that
// wrap a Python function, saved as marshalled bytecode (a lambda) or as a
// reference to a function by module and name, which loading the model
// calls. Keras 3 refuses bytecode unless safe_mode is off; Keras 2 and
// tf.keras do not ask.
//
// # What it reads
//
// [Read] reads the config.json of a Keras v3 archive (a .keras file, a
// zip) and walks every serialised object in it. [ScanHDF5] looks for the
// model configuration of a Keras 2 HDF5 file: the JSON of the root
// group's model_config attribute, stored as a string whose bytes appear in
// the file. It scans the file's bytes for "class_name" markers rather than
// parsing HDF5 structure: the first and last limits.MaxKerasScanBytes,
// the whole file when it is smaller. [ScanHDF5Prefix] scans only the first
// bytes of a file (a remote one): Keras writes the attribute before the
// weights, so a small model's configuration lies there.
//
// Both return an [Info]: where the configuration was read, how many
// serialised objects it holds, and each [Lambda] with its name, whether
// its function is bytecode, and its place (a field of config.json, or a
// byte offset in an HDF5 file). An HDF5 file with no serialised object (a
// file of weights only) yields nil.
//
// # What it checks
//
// For an archive: the zip entry count against limits.MaxZipEntries before
// the directory is read, config.json present and at most
// limits.MaxKerasConfigBytes, and valid JSON with nesting bounded by
// limits.MaxJSONDepth. At most limits.MaxKerasLambdas layers are listed.
// Faults are *formats.Error values (format "keras"; "hdf5" when an HDF5
// file cannot be read).
//
// # Limitations
//
//   - HDF5 structure is not parsed: a Lambda found by its marker is
//     inferred, not read from a parsed configuration, and a configuration
//     beyond the bytes scanned is not seen (Info.Partial says so).
//   - Only Lambda layers are looked for; custom layers and objects
//     registered by name are counted, not judged.
package keras
