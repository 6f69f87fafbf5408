// Package yamlnode parses untrusted YAML into a small tree that keeps the
// line of every node, within caps on nodes (alias expansions included),
// depth and the keys of a mapping; flow nesting and mapping keys are
// counted on the library's tokens before its parser, whose time grows with
// the square of either, sees them. Cards, policies and knowledge-base files all go through it, so that
// every value can be cited by line and no document can exhaust memory.
package yamlnode

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
	"github.com/modelvet/modelvet/internal/limits"
)

// Kind is the kind of a node.
type Kind int

// Node kinds.
const (
	Null Kind = iota
	Scalar
	Sequence
	Mapping
)

// Node is one YAML value with the line it starts on.
type Node struct {
	Kind Kind
	Line int
	// Value is the scalar text (for Scalar), as YAML resolved it.
	Value string
	// Typed is the scalar as a Go value: string, bool, int64, uint64 or
	// float64 (nil for Null).
	Typed any
	// Items holds a sequence's elements.
	Items []*Node
	// Keys and Values hold a mapping's entries in document order; KeyLines
	// holds the line of each key.
	Keys     []string
	KeyLines []int
	Values   []*Node
	// Duplicates lists the keys a mapping repeats, when
	// Limits.AllowDuplicateKeys let the document through.
	Duplicates []Duplicate
}

// Duplicate is a key given again in the same mapping: Line is the repeat,
// FirstLine the entry whose value it replaced.
type Duplicate struct {
	Key             string
	Line, FirstLine int
}

// Error is a YAML syntax or structure error at a line.
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// Limits bound one Parse.
type Limits struct {
	MaxNodes int // nodes decoded, counting every alias expansion
	// MaxDepth bounds the nesting of the tree, and of flow collections
	// ([…], {…}) before the document is parsed.
	MaxDepth int
	// MaxMappingKeys bounds the keys of one block mapping, counted before
	// the document is parsed: the YAML library's time grows with the
	// square of that count.
	MaxMappingKeys int
	// AllowDuplicateKeys reads a mapping that repeats a key as PyYAML
	// does (the later value replaces the earlier, in the earlier's place)
	// and records the repeat in Node.Duplicates, instead of failing.
	AllowDuplicateKeys bool
}

// Parse parses the first document of data. An empty document gives a Null
// node. lineOffset is added to every line, for YAML embedded in a larger
// file (front matter).
func Parse(data []byte, lineOffset int, lim Limits) (n *Node, err error) {
	defer func() {
		// The YAML library is third-party code facing hostile input; a panic
		// in it is reported as a parse error, never passed on.
		if r := recover(); r != nil {
			n, err = nil, &Error{Msg: fmt.Sprintf("unparseable YAML (%v)", r)}
		}
	}()
	var opts []parser.Option
	if lim.AllowDuplicateKeys {
		opts = append(opts, parser.AllowDuplicateMapKey())
	}
	// The library's lexer is linear; its parser recurses once per level of
	// flow nesting and once per key of a block mapping, with a cost that
	// grows with the square of either. Its tokens are checked first.
	tokens := lexer.Tokenize(string(data))
	if err := checkTokens(tokens, lim, lineOffset); err != nil {
		return nil, err
	}
	file, err := parser.Parse(tokens, 0, opts...)
	if err != nil {
		return nil, convertError(err, lineOffset)
	}
	if len(file.Docs) == 0 || file.Docs[0] == nil || file.Docs[0].Body == nil {
		return &Node{Kind: Null, Line: lineOffset + 1}, nil
	}
	c := &converter{lim: lim, offset: lineOffset, anchors: map[string]ast.Node{}}
	return c.convert(file.Docs[0].Body, 0)
}

// checkTokens bounds, before the parser sees them, the nesting of flow
// collections and the keys of each block mapping. Keys are siblings when
// their entries start at the same column (after any "- " of sequence
// entries), as the parser groups them.
func checkTokens(tokens token.Tokens, lim Limits, offset int) error {
	type mapping struct{ col, keys int }
	var open []mapping // block mappings whose keys are being counted, by column
	flow, first := 0, 0
	for i, tk := range tokens {
		if tk.Position == nil {
			continue
		}
		line := tk.Position.Line + offset
		if i == 0 || tokens[i-1].Position == nil || tk.Position.Line != tokens[i-1].Position.Line {
			first = i // the token an entry on this line starts with
		}
		switch tk.Type {
		case token.DocumentHeaderType, token.DocumentEndType:
			open, flow = open[:0], 0
		case token.SequenceStartType, token.MappingStartType:
			if flow++; lim.MaxDepth > 0 && flow > lim.MaxDepth {
				return &Error{Line: line, Msg: fmt.Sprintf("YAML nested deeper than %d levels", lim.MaxDepth)}
			}
		case token.SequenceEndType, token.MappingEndType:
			flow = max(flow-1, 0)
		case token.SequenceEntryType:
			if flow == 0 {
				first = i + 1
				for len(open) > 0 && open[len(open)-1].col > tk.Position.Column {
					open = open[:len(open)-1]
				}
			}
		case token.MappingValueType:
			if flow > 0 || first >= len(tokens) || tokens[first].Position == nil {
				continue
			}
			col := tokens[first].Position.Column
			for len(open) > 0 && open[len(open)-1].col > col {
				open = open[:len(open)-1]
			}
			if len(open) == 0 || open[len(open)-1].col < col {
				open = append(open, mapping{col: col})
			}
			m := &open[len(open)-1]
			if m.keys++; lim.MaxMappingKeys > 0 && m.keys > lim.MaxMappingKeys {
				return &Error{Line: line, Msg: fmt.Sprintf("a YAML mapping with more than %d keys", lim.MaxMappingKeys)}
			}
		}
	}
	return nil
}

func convertError(err error, offset int) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		line := 0
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			line = tk.Position.Line + offset
		}
		// The library's messages cite positions relative to the YAML it
		// was given; drop them, Line is the right one.
		return &Error{Line: line, Msg: positionRef.ReplaceAllString(ye.GetMessage(), "")}
	}
	return &Error{Msg: err.Error()}
}

var positionRef = regexp.MustCompile(` at \[\d+:\d+\]`)

type converter struct {
	lim     Limits
	offset  int
	nodes   int
	anchors map[string]ast.Node
}

func (c *converter) line(n ast.Node) int {
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line + c.offset
	}
	return 0
}

func (c *converter) convert(n ast.Node, depth int) (*Node, error) {
	c.nodes++
	if c.lim.MaxNodes > 0 && c.nodes > c.lim.MaxNodes {
		return nil, &Error{Line: c.line(n), Msg: fmt.Sprintf("more than %d YAML nodes (alias expansion included)", c.lim.MaxNodes)}
	}
	if c.lim.MaxDepth > 0 && depth > c.lim.MaxDepth {
		return nil, &Error{Line: c.line(n), Msg: fmt.Sprintf("YAML nested deeper than %d levels", c.lim.MaxDepth)}
	}
	switch v := n.(type) {
	case *ast.NullNode:
		return &Node{Kind: Null, Line: c.line(n)}, nil
	case *ast.StringNode:
		return &Node{Kind: Scalar, Line: c.line(n), Value: v.Value, Typed: v.Value}, nil
	case *ast.LiteralNode:
		s := ""
		if v.Value != nil {
			s = v.Value.Value
		}
		return &Node{Kind: Scalar, Line: c.line(n), Value: s, Typed: s}, nil
	case *ast.BoolNode:
		return &Node{Kind: Scalar, Line: c.line(n), Value: strconv.FormatBool(v.Value), Typed: v.Value}, nil
	case *ast.IntegerNode:
		return &Node{Kind: Scalar, Line: c.line(n), Value: tokenText(n), Typed: v.Value}, nil
	case *ast.FloatNode:
		return &Node{Kind: Scalar, Line: c.line(n), Value: tokenText(n), Typed: v.Value}, nil
	case *ast.InfinityNode, *ast.NanNode:
		return &Node{Kind: Scalar, Line: c.line(n), Value: tokenText(n), Typed: tokenText(n)}, nil
	case *ast.TagNode:
		return c.convert(v.Value, depth)
	case *ast.MappingKeyNode:
		// An explicit key ("? key" then ": value"), as gated cards write
		// long checkbox labels in extra_gated_fields.
		if v.Value == nil {
			return &Node{Kind: Null, Line: c.line(n)}, nil
		}
		return c.convert(v.Value, depth)
	case *ast.AnchorNode:
		if v.Name != nil {
			c.anchors[v.Name.String()] = v.Value
		}
		return c.convert(v.Value, depth)
	case *ast.AliasNode:
		name := ""
		if v.Value != nil {
			name = v.Value.String()
		}
		target, ok := c.anchors[name]
		if !ok {
			return nil, &Error{Line: c.line(n), Msg: fmt.Sprintf("unknown alias %q", name)}
		}
		out, err := c.convert(target, depth+1)
		if err != nil {
			return nil, err
		}
		cp := *out
		cp.Line = c.line(n)
		return &cp, nil
	case *ast.SequenceNode:
		out := &Node{Kind: Sequence, Line: c.line(n)}
		for _, item := range v.Values {
			child, err := c.convert(item, depth+1)
			if err != nil {
				return nil, err
			}
			out.Items = append(out.Items, child)
		}
		return out, nil
	case *ast.MappingNode:
		out := &Node{Kind: Mapping, Line: c.line(n)}
		index := map[string]int{}
		for _, mv := range v.Values {
			if err := c.addEntry(out, index, mv, depth); err != nil {
				return nil, err
			}
		}
		return out, nil
	case *ast.MappingValueNode:
		out := &Node{Kind: Mapping, Line: c.line(n)}
		if err := c.addEntry(out, map[string]int{}, v, depth); err != nil {
			return nil, err
		}
		return out, nil
	}
	return nil, &Error{Line: c.line(n), Msg: fmt.Sprintf("unsupported YAML node %s", n.Type())}
}

// addEntry adds an entry to mapping m, whose keys index maps to their
// position (so that a mapping of many keys is built in linear time).
func (c *converter) addEntry(m *Node, index map[string]int, mv *ast.MappingValueNode, depth int) error {
	if mv.Key == nil {
		return &Error{Line: c.line(mv), Msg: "mapping entry without a key"}
	}
	if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
		// "<<: *anchor" merges the aliased mapping's entries.
		merged, err := c.convert(mv.Value, depth+1)
		if err != nil {
			return err
		}
		if merged.Kind != Mapping {
			return &Error{Line: c.line(mv), Msg: "merge key needs a mapping"}
		}
		for i, k := range merged.Keys {
			if _, ok := index[k]; !ok {
				index[k] = len(m.Keys)
				m.Keys = append(m.Keys, k)
				m.KeyLines = append(m.KeyLines, merged.KeyLines[i])
				m.Values = append(m.Values, merged.Values[i])
			}
		}
		return nil
	}
	key, err := c.convert(mv.Key, depth+1)
	if err != nil {
		return err
	}
	if key.Kind != Scalar && key.Kind != Null {
		return &Error{Line: key.Line, Msg: "mapping key is not a scalar"}
	}
	dup, seen := index[key.Value]
	if !seen {
		dup = -1
	}
	if dup >= 0 && !c.lim.AllowDuplicateKeys {
		return &Error{Line: key.Line, Msg: fmt.Sprintf("duplicate key %q", key.Value)}
	}
	var val *Node
	if mv.Value == nil {
		val = &Node{Kind: Null, Line: key.Line}
	} else if val, err = c.convert(mv.Value, depth+1); err != nil {
		return err
	}
	if dup >= 0 {
		m.Duplicates = append(m.Duplicates, Duplicate{Key: key.Value, Line: key.Line, FirstLine: m.KeyLines[dup]})
		m.KeyLines[dup], m.Values[dup] = key.Line, val
		return nil
	}
	index[key.Value] = len(m.Keys)
	m.Keys = append(m.Keys, key.Value)
	m.KeyLines = append(m.KeyLines, key.Line)
	m.Values = append(m.Values, val)
	return nil
}

func tokenText(n ast.Node) string {
	if tk := n.GetToken(); tk != nil {
		return tk.Value
	}
	return n.String()
}

// Get returns the value of key in a mapping, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != Mapping {
		return nil
	}
	for i, k := range n.Keys {
		if k == key {
			return n.Values[i]
		}
	}
	return nil
}

// KeyLine returns the line of key in a mapping, or 0.
func (n *Node) KeyLine(key string) int {
	if n == nil || n.Kind != Mapping {
		return 0
	}
	for i, k := range n.Keys {
		if k == key {
			return n.KeyLines[i]
		}
	}
	return 0
}

// Strings returns a scalar as a one-element list, or the scalar items of a
// sequence; other shapes give nil. Cards write many fields either way.
func (n *Node) Strings() []*Node {
	switch {
	case n == nil:
		return nil
	case n.Kind == Scalar:
		return []*Node{n}
	case n.Kind == Sequence:
		var out []*Node
		for _, it := range n.Items {
			if it.Kind == Scalar {
				out = append(out, it)
			}
		}
		return out
	}
	return nil
}

// Interface converts the node to plain Go values: map[string]any, []any,
// and the scalar types of Typed.
func (n *Node) Interface() any {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case Scalar:
		return n.Typed
	case Sequence:
		out := make([]any, len(n.Items))
		for i, it := range n.Items {
			out[i] = it.Interface()
		}
		return out
	case Mapping:
		out := make(map[string]any, len(n.Keys))
		for i, k := range n.Keys {
			out[k] = n.Values[i].Interface()
		}
		return out
	}
	return nil
}

// String returns the scalar text of n, or "" for other kinds.
func (n *Node) String() string {
	if n == nil || n.Kind != Scalar {
		return ""
	}
	return strings.TrimSpace(n.Value)
}

// DecodeStrict decodes data into v with the YAML library, rejecting unknown
// keys. The document is first parsed within the limits of internal/limits
// (nodes with alias expansions, nesting, keys per mapping), so that the
// library never meets a document whose decoding would take unbounded time
// or memory. The library panics on some malformed documents (a tag with no
// value where a list is expected: "key: !"); such a panic is returned as an
// error instead of crashing the caller.
func DecodeStrict(data []byte, v any) (err error) {
	if _, err := Parse(data, 0, Limits{MaxNodes: limits.MaxYAMLNodes, MaxDepth: limits.MaxYAMLDepth, MaxMappingKeys: limits.MaxYAMLMappingKeys}); err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the document cannot be decoded (the YAML decoder failed: %v); look for a tag (!…) without a value", r)
		}
	}()
	return yaml.UnmarshalWithOptions(data, v, yaml.Strict())
}
