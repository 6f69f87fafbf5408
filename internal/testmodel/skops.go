package testmodel

import "encoding/json"

// SkopsNode is a node of a skops schema.
type SkopsNode map[string]any

// SkopsObject is an object node of the given type with attributes.
func SkopsObject(module, class string, attrs map[string]any) SkopsNode {
	return SkopsNode{"__class__": class, "__module__": module, "__loader__": "ObjectNode", "__id__": 1, "content": attrs}
}

// SkopsFunction is a function node, which loads module.function.
func SkopsFunction(module, function string) SkopsNode {
	return SkopsNode{"__class__": "function", "__module__": "builtins", "__loader__": "FunctionNode", "__id__": 2,
		"content": map[string]any{"module_path": module, "function": function}}
}

// SkopsArray is an array node stored in a member.
func SkopsArray(file string) SkopsNode {
	return SkopsNode{"__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode", "__id__": 3, "type": "numpy", "file": file}
}

// Skops returns a .skops file: a zip of schema.json (the root node and
// the protocol) and array members.
func Skops(root SkopsNode, arrays map[string][]byte) []byte {
	schema := map[string]any{"protocol": 2, "_skops_version": "0.10.0"}
	for k, v := range root {
		schema[k] = v
	}
	data, err := json.Marshal(schema)
	if err != nil {
		panic(err)
	}
	members := []Member{{Name: "schema.json", Data: data}}
	for _, name := range sortedKeys(arrays) {
		members = append(members, Member{Name: name, Data: arrays[name]})
	}
	return ZipArchive(true, members...)
}

// SkopsEstimator is a benign skops file: a LogisticRegression with its
// coefficient array.
func SkopsEstimator() []byte {
	root := SkopsObject("sklearn.linear_model._logistic", "LogisticRegression", map[string]any{
		"C":     map[string]any{"__class__": "float", "__module__": "builtins", "__loader__": "json", "content": "1.0"},
		"coef_": SkopsArray("0.npy"),
	})
	return Skops(root, map[string][]byte{"0.npy": NPY("<f8", false, []int64{1, 4}, make([]byte, 32))})
}
