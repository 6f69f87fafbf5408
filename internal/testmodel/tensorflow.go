package testmodel

// TFNode is a NodeDef of a fixture graph.
type TFNode struct{ Name, Op string }

// TFFunction is a FunctionDef of a fixture graph's library (the graph of
// a tf.function).
type TFFunction struct {
	Name  string
	Nodes []TFNode
}

// TFGraphDef returns a GraphDef message: its nodes (field 1) and a
// function library (field 2) of the functions.
func TFGraphDef(nodes []TFNode, functions ...TFFunction) Proto {
	var g Proto
	for _, n := range nodes {
		g = g.Bytes(1, tfNode(n))
	}
	if len(functions) > 0 {
		var lib Proto
		for _, f := range functions {
			fd := Proto{}.Bytes(1, Proto{}.Str(1, f.Name)) // signature: OpDef name
			for _, n := range f.Nodes {
				fd = fd.Bytes(3, tfNode(n))
			}
			lib = lib.Bytes(1, fd)
		}
		g = g.Bytes(2, lib)
	}
	// versions { producer: 1205 }
	return g.Bytes(4, Proto{}.Varint(1, 1205))
}

func tfNode(n TFNode) Proto {
	// A Const node carries a tensor attr, as real graphs do: attr { key:
	// "value" value { tensor { ... } } } with some bytes.
	p := Proto{}.Str(1, n.Name).Str(2, n.Op).Str(3, "input:0")
	if n.Op == "Const" {
		tensor := Proto{}.Varint(1, 1).Bytes(4, make([]byte, 64))
		p = p.Bytes(5, Proto{}.Str(1, "value").Bytes(2, Proto{}.Bytes(8, tensor)))
	}
	return p
}

// TFSavedModel returns a saved_model.pb: schema version 1 and one
// MetaGraphDef (meta_info_def with a tag, then the graph).
func TFSavedModel(graph Proto) []byte {
	meta := Proto{}.Bytes(1, Proto{}.Str(4, "serve")).Bytes(2, graph)
	return Proto{}.Varint(1, 1).Bytes(2, meta)
}
