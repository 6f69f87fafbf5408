package skops

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/zipcheck"
)

const format = "skops"

// Info is what a skops schema declares.
type Info struct {
	// Protocol is the schema's "protocol" (the skops format version).
	Protocol int `json:"protocol,omitempty"`
	// Types lists every type or function the loader would import, sorted.
	Types []Type `json:"types"`
	// Members lists the archive's other members (arrays).
	Members []string `json:"members,omitempty"`
}

// Type is one type or function a skops file loads.
type Type struct {
	Module string `json:"module"`
	Name   string `json:"name"`
	// Loader is the node kind that loads it ("ObjectNode", "FunctionNode",
	// "TypeNode", "MethodNode", …).
	Loader string `json:"loader,omitempty"`
	Path   string `json:"path"` // JSON path of its first node
}

// String returns "module.name".
func (t Type) String() string { return t.Module + "." + t.Name }

// Sniff reports whether a zip's member names are a skops file's: a
// schema.json at the root.
func Sniff(names []string) bool { return slices.Contains(names, "schema.json") }

// Read reads a skops file's schema.
func Read(r io.ReaderAt, size int64) (*Info, error) {
	n, err := zipcheck.EntryCount(r, size, format)
	if err != nil {
		return nil, err
	}
	if n > limits.MaxArchiveEntries {
		return nil, &formats.Error{Format: format, Offset: -1, Msg: fmt.Sprintf("zip lists %d entries, over the %d-entry limit", n, limits.MaxArchiveEntries)}
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, &formats.Error{Format: format, Offset: -1, Msg: "not a readable zip archive", Err: err}
	}
	info := &Info{Types: []Type{}}
	var schema *zip.File
	for _, f := range zr.File {
		if f.Name == "schema.json" {
			schema = f
		} else {
			info.Members = append(info.Members, f.Name)
		}
	}
	if schema == nil {
		return nil, &formats.Error{Format: format, Offset: -1, Msg: "archive holds no schema.json; not a skops file"}
	}
	if schema.UncompressedSize64 > limits.MaxSkopsSchemaBytes {
		return nil, &formats.Error{Format: format, Offset: -1, Msg: fmt.Sprintf("schema.json is %d bytes, over the %d-byte limit", schema.UncompressedSize64, limits.MaxSkopsSchemaBytes)}
	}
	rc, err := schema.Open()
	if err != nil {
		return nil, &formats.Error{Format: format, Offset: -1, Msg: "schema.json cannot be opened", Err: err}
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(rc, limits.MaxSkopsSchemaBytes+1)); err != nil {
		return nil, &formats.Error{Format: format, Offset: -1, Msg: "schema.json cannot be read", Err: err}
	}
	if buf.Len() > limits.MaxSkopsSchemaBytes {
		return nil, &formats.Error{Format: format, Offset: -1, Msg: fmt.Sprintf("schema.json is over the %d-byte limit", limits.MaxSkopsSchemaBytes)}
	}
	if d := jsonDepth(buf.Bytes()); d > limits.MaxJSONDepth {
		return nil, &formats.Error{Format: format, Offset: -1, Msg: fmt.Sprintf("schema.json nests deeper than %d levels", limits.MaxJSONDepth)}
	}
	var root any
	dec := json.NewDecoder(&buf)
	dec.UseNumber()
	if err := dec.Decode(&root); err != nil {
		return nil, &formats.Error{Format: format, Offset: -1, Msg: "schema.json is not valid JSON", Err: err}
	}
	top, ok := root.(map[string]any)
	if !ok {
		return nil, &formats.Error{Format: format, Offset: -1, Msg: "schema.json is not an object"}
	}
	if p, ok := top["protocol"].(json.Number); ok {
		v, _ := p.Int64()
		info.Protocol = int(v)
	}
	seen := map[string]bool{}
	walk(root, "$", 0, func(t Type) {
		key := t.Module + "\x00" + t.Name
		if seen[key] || len(info.Types) >= limits.MaxSkopsTypes {
			return
		}
		seen[key] = true
		info.Types = append(info.Types, t)
	})
	slices.SortFunc(info.Types, func(a, b Type) int { return strings.Compare(a.String(), b.String()) })
	return info, nil
}

// walk visits every node of the tree; a node is an object with
// "__class__" and "__module__" (and a "__loader__"); a function node's
// content names the function.
func walk(v any, path string, depth int, add func(Type)) {
	if depth > limits.MaxJSONDepth {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		class, _ := x["__class__"].(string)
		module, _ := x["__module__"].(string)
		loader, _ := x["__loader__"].(string)
		// A function, type or method node is itself a builtins.function
		// (type, method); what it loads is named in its content.
		named := loader == "FunctionNode" || loader == "TypeNode" || loader == "MethodNode"
		if class != "" && module != "" && !named {
			add(Type{Module: module, Name: class, Loader: loader, Path: path})
		}
		if c, ok := x["content"].(map[string]any); ok && named {
			m, _ := c["module_path"].(string)
			f, _ := c["function"].(string)
			if f == "" {
				f, _ = c["__class__"].(string)
			}
			if m == "" {
				m, _ = c["__module__"].(string)
			}
			if m != "" && f != "" {
				add(Type{Module: m, Name: f, Loader: loader, Path: path + ".content"})
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			walk(x[k], path+"."+k, depth+1, add)
		}
	case []any:
		for i, it := range x {
			walk(it, fmt.Sprintf("%s[%d]", path, i), depth+1, add)
		}
	}
}

// jsonDepth returns the deepest nesting of a JSON text, outside strings.
func jsonDepth(b []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}
