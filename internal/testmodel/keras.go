package testmodel

import (
	"archive/zip"
	"bytes"
)

// KerasArchive builds a Keras v3 archive: config.json (deflated, as Keras
// writes it), metadata.json and a weights file.
func KerasArchive(config string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range []struct{ name, data string }{
		{"metadata.json", `{"keras_version": "3.6.0", "date_saved": "2026-01-05@10:00:00"}`},
		{"config.json", config},
		{"model.weights.h5", "\x89HDF\r\n\x1a\n"},
	} {
		w, err := zw.Create(m.name)
		if err != nil {
			panic(err)
		}
		if _, err := w.Write([]byte(m.data)); err != nil {
			panic(err)
		}
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// Keras3Config is the config.json of a functional model as Keras 3
// serialises it, with a lambda (bytecode) and a Lambda wrapping a function
// by name.
const Keras3Config = `{"module": "keras", "class_name": "Functional", "config": {"name": "functional", "layers": [
 {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 4], "dtype": "float32", "name": "input_layer"}, "registered_name": null, "name": "input_layer", "inbound_nodes": []},
 {"module": "keras.layers", "class_name": "Lambda", "config": {"name": "scale", "trainable": true, "function": {"module": "builtins", "class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAAAAAAAAEAAAAC", "defaults": null, "closure": null}, "registered_name": null}, "arguments": {}}, "registered_name": null, "name": "scale"},
 {"module": "keras.layers", "class_name": "Lambda", "config": {"name": "normalise", "trainable": true, "function": {"module": "mymodule", "class_name": "function", "config": "normalise", "registered_name": "function"}, "arguments": {}}, "registered_name": null},
 {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 2}, "registered_name": null}
]}, "registered_name": "Functional"}`
