package modelcard

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/yamlnode"
)

// format names the model card in a formats.Error.
const format = "card"

// Field is one value from a card's front matter with the line it is on.
type Field struct {
	Value string `json:"value"`
	Line  int    `json:"line"`
}

// Card is a Hugging Face model card: the YAML front matter of README.md,
// decoded field by field with line numbers, and the Markdown body.
type Card struct {
	Path string `json:"path"`
	// HasFrontMatter is false for a card with no metadata block.
	HasFrontMatter bool `json:"has_front_matter"`
	// FrontMatterError says why the front matter could not be parsed as
	// YAML; the fields are then those a line-by-line reading recovered
	// (top-level "key: value" lines and their "- item" lists).
	FrontMatterError string `json:"front_matter_error,omitempty"`

	License        []Field `json:"license,omitempty"` // a string or a list in the card
	LicenseName    Field   `json:"license_name,omitzero"`
	LicenseLink    Field   `json:"license_link,omitzero"`
	LicenseDetails Field   `json:"license_details,omitzero"` // legacy name of license_name

	BaseModel         []Field `json:"base_model,omitempty"`
	BaseModelRelation Field   `json:"base_model_relation,omitzero"`
	FinetunedFrom     Field   `json:"finetuned_from,omitzero"`
	NewVersion        Field   `json:"new_version,omitzero"`
	ModelName         Field   `json:"model_name,omitzero"`

	Datasets    []Field `json:"datasets,omitempty"`
	Language    []Field `json:"language,omitempty"`
	Tags        []Field `json:"tags,omitempty"`
	Metrics     []Field `json:"metrics,omitempty"`
	LibraryName Field   `json:"library_name,omitzero"`
	PipelineTag Field   `json:"pipeline_tag,omitzero"`

	// ModelIndex lists the model names and the evaluation datasets of the
	// model-index block.
	ModelIndex []ModelIndexEntry `json:"model_index,omitempty"`

	// Gated is the gated setting ("true", "auto", "manual") when present.
	Gated Field `json:"gated,omitzero"`
	// ExtraGated holds the extra_gated_* text fields by their full key;
	// extra_gated_fields is summarised as its field names.
	ExtraGated       map[string]Field `json:"extra_gated,omitempty"`
	ExtraGatedFields []Field          `json:"extra_gated_fields,omitempty"`

	// Metadata holds the whole front matter as plain values, for fields
	// this type does not name.
	Metadata map[string]any `json:"-"`
	// Lines maps each top-level key to the line it is on.
	Lines map[string]int `json:"-"`

	// Body is the Markdown after the front matter; BodyLine is the line
	// of the card on which it starts.
	Body     string `json:"-"`
	BodyLine int    `json:"-"`
}

// ModelIndexEntry is one entry of a card's model-index.
type ModelIndexEntry struct {
	Name     Field   `json:"name"`
	Datasets []Field `json:"datasets,omitempty"` // results[].dataset.type (the dataset id)
}

// BodyLines calls fn for each line of the body with its line number in the
// card, stopping early if fn returns false.
func (c *Card) BodyLines(fn func(line int, text string) bool) {
	n := c.BodyLine
	for text := range strings.Lines(c.Body) {
		if !fn(n, strings.TrimRight(text, "\r\n")) {
			return
		}
		n++
	}
}

// Parse parses a model card. path is used in errors and kept in Card.Path.
// A card without front matter parses to a Card with HasFrontMatter false;
// broken front matter is an error (a *formats.Error with the line),
// returned with the card's body so the rest of the card can still be used.
func Parse(path string, data []byte) (*Card, error) {
	c := &Card{Path: path, BodyLine: 1}
	if len(data) > limits.MaxCardBytes {
		return nil, &formats.Error{Format: format, Path: path, Offset: -1, Msg: fmt.Sprintf("card is %d bytes, over the %d-byte limit", len(data), limits.MaxCardBytes)}
	}
	if !utf8.Valid(data) {
		data = bytes.ToValidUTF8(data, []byte("\uFFFD"))
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))

	front, openLine, bodyStart, bodyLine, ok, err := splitFrontMatter(data)
	if err != nil {
		c.Body = string(data)
		return c, &formats.Error{Format: format, Path: path, Offset: -1, Line: openLine, Msg: err.Error()}
	}
	if !ok {
		c.Body = string(data)
		return c, nil
	}
	c.HasFrontMatter = true
	c.Body = string(data[bodyStart:])
	c.BodyLine = bodyLine
	if len(front) > limits.MaxFrontMatterBytes {
		return c, &formats.Error{Format: format, Path: path, Offset: -1, Line: openLine + 1, Msg: fmt.Sprintf("front matter is %d bytes, over the %d-byte limit", len(front), limits.MaxFrontMatterBytes)}
	}
	// Windows line endings become plain ones: the YAML library counts a
	// comment ended by CRLF as two lines, which would shift every later
	// line number. Lines are unchanged, as each CRLF becomes one LF.
	front = bytes.ReplaceAll(front, []byte("\r\n"), []byte("\n"))
	// The front matter starts on the line after the opening "---".
	root, err := yamlnode.Parse(front, openLine, yamlnode.Limits{MaxNodes: limits.MaxYAMLNodes, MaxDepth: limits.MaxYAMLDepth, MaxMappingKeys: limits.MaxYAMLMappingKeys, AllowDuplicateKeys: true})
	if err != nil {
		fe := &formats.Error{Format: format, Path: path, Offset: -1, Msg: "front matter is not valid YAML", Err: err}
		if ye, ok := err.(*yamlnode.Error); ok {
			fe.Line = ye.Line
			fe.Err = fmt.Errorf("%s", ye.Msg)
		}
		c.FrontMatterError = fe.Err.Error()
		if fe.Line > 0 {
			c.FrontMatterError = fmt.Sprintf("line %d: %s", fe.Line, c.FrontMatterError)
		}
		fe.Msg = "front matter is not valid YAML; the fields were read line by line"
		c.fill(lineByLine(front, openLine))
		return c, fe
	}
	switch root.Kind {
	case yamlnode.Null:
		return c, nil
	case yamlnode.Mapping:
	default:
		return c, &formats.Error{Format: format, Path: path, Offset: -1, Line: root.Line, Msg: "front matter is not a mapping of fields"}
	}
	c.fill(root)
	return c, duplicateKeys(path, root)
}

// auditedKeys are the front-matter fields whose value an audit relies on:
// a repeat of one of them makes the card ambiguous.
var auditedKeys = map[string]bool{
	"license": true, "license_name": true, "license_link": true, "license_details": true,
	"base_model": true, "base_model_relation": true, "finetuned_from": true, "new_version": true,
	"datasets": true, "gated": true, "extra_gated_prompt": true,
}

// duplicateKeys reports top-level fields the audit relies on that the
// front matter gives more than once. The card is read as huggingface_hub
// reads it (PyYAML: the later value wins); the error says which value was
// dropped. Other repeated keys are read the same way, silently.
func duplicateKeys(path string, root *yamlnode.Node) error {
	var parts []string
	line := 0
	for _, d := range root.Duplicates {
		if !auditedKeys[d.Key] {
			continue
		}
		if line == 0 {
			line = d.Line
		}
		parts = append(parts, fmt.Sprintf("%q on line %d replaces line %d", d.Key, d.Line, d.FirstLine))
	}
	if len(parts) == 0 {
		return nil
	}
	return &formats.Error{Format: format, Path: path, Offset: -1, Line: line,
		Msg: "front matter repeats a field (" + strings.Join(parts, "; ") + "); the later value is read, as huggingface_hub reads it, but the card is ambiguous"}
}

// splitFrontMatter finds a front matter block: a line "---", preceded
// only by blank lines (huggingface_hub's pattern allows leading
// whitespace), and a closing line "---" (or "..."). It returns the YAML,
// the line of the opening "---", where the body starts (byte offset and
// line), and whether there was a block.
func splitFrontMatter(data []byte) (front []byte, openLine, bodyStart, bodyLine int, ok bool, err error) {
	rest := data
	off, line := 0, 1
	for {
		l, next, more := bytes.Cut(rest, []byte("\n"))
		t := string(bytes.TrimRight(l, " \t\r"))
		if t == "---" && more {
			off += len(l) + 1
			rest = next
			break
		}
		if strings.TrimLeft(t, " \t") != "" || !more {
			return nil, 0, 0, 1, false, nil
		}
		off += len(l) + 1
		line++
		rest = next
	}
	openLine = line
	start := off
	line++
	for len(rest) > 0 {
		l, next, more := bytes.Cut(rest, []byte("\n"))
		t := string(bytes.TrimRight(l, " \t\r"))
		if t == "---" || t == "..." {
			end := off + len(l)
			if more {
				end++
			}
			return data[start:off], openLine, end, line + 1, true, nil
		}
		if !more {
			break
		}
		off += len(l) + 1
		line++
		rest = next
	}
	return nil, openLine, 0, 0, false, fmt.Errorf("front matter opened with --- on line %d is never closed", openLine)
}

func fields(n *yamlnode.Node) []Field {
	var out []Field
	for _, s := range n.Strings() {
		if v := s.String(); v != "" {
			out = append(out, Field{Value: v, Line: s.Line})
		}
	}
	return out
}

func field(n *yamlnode.Node) Field {
	if n == nil || n.Kind != yamlnode.Scalar {
		return Field{}
	}
	return Field{Value: n.String(), Line: n.Line}
}

func (c *Card) fill(root *yamlnode.Node) {
	c.Metadata, _ = root.Interface().(map[string]any)
	c.Lines = make(map[string]int, len(root.Keys))
	for i, k := range root.Keys {
		c.Lines[k] = root.KeyLines[i]
	}
	c.License = fields(root.Get("license"))
	c.LicenseName = field(root.Get("license_name"))
	c.LicenseLink = field(root.Get("license_link"))
	c.LicenseDetails = field(root.Get("license_details"))
	c.BaseModel = fields(root.Get("base_model"))
	c.BaseModelRelation = field(root.Get("base_model_relation"))
	c.FinetunedFrom = field(root.Get("finetuned_from"))
	c.NewVersion = field(root.Get("new_version"))
	c.ModelName = field(root.Get("model_name"))
	c.Datasets = fields(root.Get("datasets"))
	c.Language = fields(root.Get("language"))
	c.Tags = fields(root.Get("tags"))
	c.Metrics = fields(root.Get("metrics"))
	c.LibraryName = field(root.Get("library_name"))
	c.PipelineTag = field(root.Get("pipeline_tag"))
	c.Gated = field(root.Get("gated"))
	for i, k := range root.Keys {
		if !strings.HasPrefix(k, "extra_gated_") {
			continue
		}
		v := root.Values[i]
		if k == "extra_gated_fields" {
			for j, name := range v.Keys {
				c.ExtraGatedFields = append(c.ExtraGatedFields, Field{Value: name, Line: v.KeyLines[j]})
			}
			continue
		}
		if f := field(v); f.Value != "" {
			if c.ExtraGated == nil {
				c.ExtraGated = map[string]Field{}
			}
			c.ExtraGated[k] = f
		}
	}
	if mi := root.Get("model-index"); mi != nil && mi.Kind == yamlnode.Sequence {
		for _, e := range mi.Items {
			ent := ModelIndexEntry{Name: field(e.Get("name"))}
			if res := e.Get("results"); res != nil {
				for _, r := range res.Items {
					if ds := field(r.Get("dataset").Get("type")); ds.Value != "" {
						ent.Datasets = append(ent.Datasets, ds)
					}
				}
			}
			c.ModelIndex = append(c.ModelIndex, ent)
		}
	}
}

// Keys returns the card's top-level keys in line order.
func (c *Card) Keys() []string {
	keys := make([]string, 0, len(c.Lines))
	for k := range c.Lines {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return c.Lines[a] - c.Lines[b] })
	return keys
}

// lineByLine recovers what it can of front matter that is not valid YAML:
// top-level "key: value" lines, with quotes and trailing comments removed,
// "[a, b]" flow lists, and the "- item" lines under a key with no value.
// Nested blocks are skipped. It returns a mapping node, as the YAML parse
// would, so the card's fields are filled the same way.
func lineByLine(front []byte, openLine int) *yamlnode.Node {
	root := &yamlnode.Node{Kind: yamlnode.Mapping, Line: openLine + 1}
	var list *yamlnode.Node // the sequence being filled, if any
	line := openLine
	for text := range strings.Lines(string(front)) {
		line++
		text = strings.TrimRight(text, "\r\n")
		trimmed := strings.TrimSpace(text)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if text[0] == ' ' || text[0] == '\t' || text[0] == '-' {
			if item, ok := strings.CutPrefix(trimmed, "- "); ok && list != nil {
				if v := plainScalar(item); v != "" {
					list.Items = append(list.Items, &yamlnode.Node{Kind: yamlnode.Scalar, Line: line, Value: v, Typed: v})
				}
			}
			continue
		}
		list = nil
		key, value, ok := strings.Cut(text, ":")
		key = strings.TrimSpace(key)
		if !ok || key == "" || strings.ContainsAny(key, "\"'{}[]?&*!|>%@`") {
			continue
		}
		value = strings.TrimSpace(value)
		var node *yamlnode.Node
		switch {
		case value == "":
			list = &yamlnode.Node{Kind: yamlnode.Sequence, Line: line}
			node = list
		case strings.HasPrefix(value, "[") && strings.HasSuffix(value, "]"):
			node = &yamlnode.Node{Kind: yamlnode.Sequence, Line: line}
			for item := range strings.SplitSeq(value[1:len(value)-1], ",") {
				if v := plainScalar(item); v != "" {
					node.Items = append(node.Items, &yamlnode.Node{Kind: yamlnode.Scalar, Line: line, Value: v, Typed: v})
				}
			}
		default:
			v := plainScalar(value)
			node = &yamlnode.Node{Kind: yamlnode.Scalar, Line: line, Value: v, Typed: v}
		}
		if i := slices.Index(root.Keys, key); i >= 0 {
			root.KeyLines[i], root.Values[i] = line, node // the later value, as PyYAML reads it
			continue
		}
		root.Keys = append(root.Keys, key)
		root.KeyLines = append(root.KeyLines, line)
		root.Values = append(root.Values, node)
	}
	return root
}

// plainScalar strips a scalar written on one line of its quotes, or of a
// trailing comment when unquoted.
func plainScalar(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') {
		if end := strings.IndexByte(s[1:], s[0]); end >= 0 {
			return s[1 : 1+end]
		}
		return strings.TrimSpace(s[1:])
	}
	if i := strings.Index(s, " #"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}
