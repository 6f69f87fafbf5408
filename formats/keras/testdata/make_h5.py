"""Writes the HDF5 fixtures of the Keras tests, laid out as Keras 2 saves a
whole model with model.save("x.h5"): root attributes keras_version, backend
and model_config (the model's JSON, as bytes), and the weights under
model_weights/<layer>/<layer>/. Needs h5py and numpy:

    /usr/bin/python3 make_h5.py
"""
import json

import h5py
import numpy as np

# A marshalled function, base64: what Keras 2 stores for a lambda.
BYTECODE = "4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMIAAAAfABkARQAUwCpAk7pAgAAAKkAKQHaAXhyAgAAAHICAAAA+gg8c3RyaW5nPtoIPGxhbWJkYT4BAAAA8wAAAAA=\n"


def layer(cls, name, **config):
    config = {"name": name, "trainable": True, "dtype": "float32", **config}
    return {"class_name": cls, "config": config}


def model(layers):
    return {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}}


def write(path, cfg, dense_units=2):
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.15.0"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(cfg).encode("utf8")
        g = f.create_group("model_weights/dense/dense")
        g.create_dataset("kernel:0", data=np.zeros((4, dense_units), dtype="float32"))
        g.create_dataset("bias:0", data=np.zeros((dense_units,), dtype="float32"))


inputs = layer("InputLayer", "input_1", batch_input_shape=[None, 4], sparse=False, ragged=False)
dense = layer("Dense", "dense", units=2, activation="linear", use_bias=True)

write("dense.h5", model([inputs, dense]))
write("lambda.h5", model([
    inputs,
    layer("Lambda", "scale", function=[BYTECODE, None, None], function_type="lambda",
          module="__main__", output_shape=None, output_shape_type="raw", output_shape_module=None, arguments={}),
    layer("Lambda", "named_fn", function="preprocess", function_type="function",
          module="mymodule", output_shape=None, output_shape_type="raw", output_shape_module=None, arguments={}),
    dense,
]))
