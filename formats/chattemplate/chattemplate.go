package chattemplate

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/pystring"
	"github.com/modelvet/modelvet/internal/safeio"
)

// Info is what checking one template found.
type Info struct {
	Bytes int `json:"bytes"`
	// Issues lists the constructs that reach Python internals or escape a
	// sandbox, in template order, at most limits.MaxChatTemplateIssues.
	Issues []Issue `json:"issues,omitempty"`
	// Truncated is set when the template is longer than
	// limits.MaxChatTemplateBytes and only its start was checked, or when
	// more issues were found than are listed.
	Truncated bool `json:"truncated,omitempty"`
}

// Issue is one construct found in a template.
type Issue struct {
	Offset int    `json:"offset"` // byte offset in the template
	Kind   string `json:"kind"`
	// Construct is what was found, as written or decoded ("__globals__",
	// "|attr('__class__')", "os"); Gadget the Jinja global it hangs off,
	// if any.
	Construct string `json:"construct"`
	Gadget    string `json:"gadget,omitempty"`
}

// Kinds of issue.
const (
	KindDunder      = "dunder"  // an attribute or name such as __class__
	KindPrivate     = "private" // a private attribute such as _module
	KindDunderStr   = "dunder-string"
	KindBuiltName   = "built-name"  // a dunder assembled by joining strings or chr()
	KindAttrFilter  = "attr-filter" // |attr() with a dunder or computed name
	KindPythonName  = "python-name" // os, subprocess, eval, getattr, …
	KindCall        = "call"        // .system(), .popen(), …
	KindImport      = "import"      // {% import %}, {% include %}, …
	maxConstructLen = 60
)

// Read checks a template file (chat_template.jinja) of the given size.
func Read(r io.ReaderAt, size int64) (*Info, error) {
	n := min(size, limits.MaxChatTemplateBytes)
	data, err := safeio.ReadAt(r, 0, n)
	if err != nil {
		return nil, &formats.Error{Format: "chat-template", Offset: 0, Msg: "cannot read the template", Err: err}
	}
	info := Check(string(data))
	info.Bytes = int(size)
	if size > n {
		info.Truncated = true
	}
	return info, nil
}

// Check checks a template's source.
func Check(src string) *Info {
	info := &Info{Bytes: len(src)}
	if len(src) > limits.MaxChatTemplateBytes {
		src, info.Truncated = src[:limits.MaxChatTemplateBytes], true
	}
	c := &checker{info: info}
	for _, region := range codeRegions(src) {
		c.region(src, region)
	}
	return info
}

type region struct {
	start, end int  // the code between the delimiters
	statement  bool // {% … %} rather than {{ … }}
}

// codeRegions splits a template into its code: expressions and statements,
// skipping text and comments. An unclosed region runs to the end.
func codeRegions(src string) []region {
	var out []region
	for i := 0; i < len(src); {
		j := strings.IndexByte(src[i:], '{')
		if j < 0 || i+j+1 >= len(src) {
			break
		}
		at := i + j
		var closer string
		switch src[at+1] {
		case '{':
			closer = "}}"
		case '%':
			closer = "%}"
		case '#':
			end := strings.Index(src[at+2:], "#}")
			if end < 0 {
				return out
			}
			i = at + 2 + end + 2
			continue
		default:
			i = at + 1
			continue
		}
		start := at + 2
		end := findCloser(src, start, closer)
		out = append(out, region{start: start, end: end, statement: closer == "%}"})
		i = min(end+2, len(src))
	}
	return out
}

// findCloser finds the end of a code region, skipping string literals.
func findCloser(src string, i int, closer string) int {
	for i < len(src) {
		switch c := src[i]; {
		case c == '\'' || c == '"':
			i = skipString(src, i)
		case strings.HasPrefix(src[i:], closer):
			return i
		default:
			i++
		}
	}
	return len(src)
}

func skipString(src string, i int) int {
	q := src[i]
	for i++; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case q:
			return i + 1
		}
	}
	return len(src)
}

// token is one lexeme of template code.
type token struct {
	kind byte // 'i' identifier, 's' string, 'n' number, 'p' punctuation
	text string
	str  string // decoded value of a string
	off  int
}

func lex(src string, r region) []token {
	var out []token
	for i := r.start; i < r.end; {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '-' && (i == r.start || i == r.end-1) || c == '+' && (i == r.start || i == r.end-1):
			i++
		case c == '_' || 'a' <= c|0x20 && c|0x20 <= 'z':
			j := i + 1
			for j < r.end && (src[j] == '_' || 'a' <= src[j]|0x20 && src[j]|0x20 <= 'z' || '0' <= src[j] && src[j] <= '9') {
				j++
			}
			out = append(out, token{kind: 'i', text: src[i:j], off: i})
			i = j
		case '0' <= c && c <= '9':
			j := i + 1
			for j < r.end && ('0' <= src[j] && src[j] <= '9' || src[j] == '.' || src[j] == '_') {
				j++
			}
			out = append(out, token{kind: 'n', text: src[i:j], off: i})
			i = j
		case c == '\'' || c == '"':
			j := min(skipString(src, i), r.end)
			out = append(out, token{kind: 's', text: src[i:j], str: decodeString(src[i:j]), off: i})
			i = j
		default:
			out = append(out, token{kind: 'p', text: src[i : i+1], off: i})
			i++
		}
	}
	return out
}

// decodeString decodes a Jinja string literal (Python's escapes).
func decodeString(lit string) string {
	if len(lit) < 2 {
		return ""
	}
	body := lit[1:]
	if body[len(body)-1] == lit[0] {
		body = body[:len(body)-1]
	}
	out, _ := pystring.Unescape(body, true)
	return out
}

// dunderRe matches a dunder name inside a string.
var dunderRe = regexp.MustCompile(`__[A-Za-z][A-Za-z0-9_]*__`)

func isDunder(s string) bool {
	return len(s) > 4 && strings.HasPrefix(s, "__") && strings.HasSuffix(s, "__")
}

// pythonNames are modules and builtins a template has no use for; a
// template naming one is reaching for the interpreter.
var pythonNames = map[string]bool{
	"os": true, "subprocess": true, "sys": true, "builtins": true, "importlib": true, "posix": true, "nt": true,
	"eval": true, "exec": true, "compile": true, "getattr": true, "setattr": true, "delattr": true,
	"globals": true, "locals": true, "vars": true, "open": true, "breakpoint": true, "chr": true,
	"socket": true, "shutil": true, "pty": true, "platform": true, "ctypes": true,
}

// dangerousAttrs are attributes that only a payload reaches for.
var dangerousAttrs = map[string]bool{
	"os": true, "subprocess": true, "sys": true, "builtins": true, "modules": true, "environ": true,
	"import_module": true, "f_globals": true, "f_locals": true, "f_back": true, "gi_frame": true,
	"gi_code": true, "co_code": true, "func_globals": true, "tb_frame": true, "mro": true,
}

// dangerousCalls are methods whose call runs a command or code.
var dangerousCalls = map[string]bool{
	"system": true, "popen": true, "Popen": true, "check_output": true, "spawn": true,
	"call": true, "run": true, "exec": true, "eval": true,
}

// gadgets are Jinja's global helpers (and the objects of common web
// frameworks) that sandbox-escape payloads start from.
var gadgets = map[string]bool{
	"cycler": true, "joiner": true, "namespace": true, "lipsum": true, "range": true, "dict": true,
	"self": true, "config": true, "request": true, "url_for": true, "get_flashed_messages": true,
}

type checker struct {
	info *Info
	seen map[int]bool
}

func (c *checker) add(off int, kind, construct, gadget string) {
	if c.seen == nil {
		c.seen = map[int]bool{}
	}
	if c.seen[off] {
		return
	}
	c.seen[off] = true
	if len(c.info.Issues) >= limits.MaxChatTemplateIssues {
		c.info.Truncated = true
		return
	}
	if len(construct) > maxConstructLen {
		construct = construct[:maxConstructLen] + "…"
	}
	c.info.Issues = append(c.info.Issues, Issue{Offset: off, Kind: kind, Construct: construct, Gadget: gadget})
}

// region checks the tokens of one code region.
func (c *checker) region(src string, r region) {
	toks := lex(src, r)
	if r.statement && len(toks) > 0 && toks[0].kind == 'i' {
		switch toks[0].text {
		case "import", "from", "include", "extends":
			c.add(toks[0].off, KindImport, "{% "+toks[0].text+" %}", "")
		}
	}
	for i, t := range toks {
		afterDot := i > 0 && toks[i-1].text == "."
		next := ""
		if i+1 < len(toks) {
			next = toks[i+1].text
		}
		switch t.kind {
		case 'i':
			switch {
			case isDunder(t.text):
				c.add(t.off, KindDunder, t.text, gadgetOf(toks, i))
			case afterDot && strings.HasPrefix(t.text, "_"):
				c.add(t.off, KindPrivate, t.text, gadgetOf(toks, i))
			case afterDot && dangerousAttrs[t.text]:
				c.add(t.off, KindPythonName, "."+t.text, gadgetOf(toks, i))
			case afterDot && next == "(" && dangerousCalls[t.text]:
				c.add(t.off, KindCall, "."+t.text+"()", gadgetOf(toks, i))
			case !afterDot && pythonNames[t.text] && (i == 0 || toks[i-1].text != "|"):
				c.add(t.off, KindPythonName, t.text, "")
			case t.text == "attr" && i > 0 && toks[i-1].text == "|" && next == "(":
				c.attrFilter(toks, i)
			}
		case 's':
			if m := dunderRe.FindString(t.str); m != "" {
				c.add(t.off, KindDunderStr, strconv.Quote(m), gadgetOf(toks, i))
				continue
			}
			c.concatenation(toks, i)
		}
	}
}

// attrFilter checks |attr(NAME): a dunder or private literal, or a name
// the walk cannot read (computed at render time).
func (c *checker) attrFilter(toks []token, i int) {
	if i+2 >= len(toks) {
		return
	}
	arg := toks[i+2]
	closed := i+3 < len(toks) && toks[i+3].text == ")"
	switch {
	case arg.kind == 's' && closed && !strings.HasPrefix(arg.str, "_"):
		return // |attr('role'): an ordinary attribute
	case arg.kind == 's' && closed:
		c.add(toks[i].off, KindAttrFilter, "|attr("+strconv.Quote(arg.str)+")", gadgetOf(toks, i-1))
	default:
		c.add(toks[i].off, KindAttrFilter, "|attr() of a computed name", gadgetOf(toks, i-1))
	}
}

// concatenation looks for a dunder assembled from string pieces starting
// at toks[i]: literals joined with + or ~, or chr() codes of '_'.
func (c *checker) concatenation(toks []token, i int) {
	if i > 0 && (toks[i-1].text == "+" || toks[i-1].text == "~") && i > 1 && toks[i-2].kind == 's' {
		return // inside a chain already checked from its first piece
	}
	joined := toks[i].str
	pieces := 1
	for j := i + 1; j+1 < len(toks) && (toks[j].text == "+" || toks[j].text == "~") && toks[j+1].kind == 's'; j += 2 {
		joined += toks[j+1].str
		pieces++
		if len(joined) > 256 {
			break
		}
	}
	if pieces > 1 && dunderRe.MatchString(joined) {
		c.add(toks[i].off, KindBuiltName, strconv.Quote(dunderRe.FindString(joined)), "")
	}
}

// gadgetOf returns the Jinja global a chain through toks[i] starts from,
// walking back over ".name", "[…]" and "(…)".
func gadgetOf(toks []token, i int) string {
	if toks[i].kind == 's' && i > 0 && toks[i-1].text == "[" {
		i-- // a subscript: the chain is what is subscripted
	}
	depth := 0
	for j := i - 1; j >= 0; j-- {
		t := toks[j]
		switch {
		case t.text == "]" || t.text == ")":
			depth++
		case t.text == "[" || t.text == "(":
			if depth == 0 {
				return ""
			}
			depth--
		case depth > 0:
		case t.text == "." || t.text == "|":
		case t.kind == 'i':
			if j == 0 || toks[j-1].text != "." && toks[j-1].text != "|" {
				if gadgets[t.text] {
					return t.text
				}
				return ""
			}
		case t.kind == 's':
			if j == 0 || toks[j-1].text != "." {
				return ""
			}
		default:
			return ""
		}
	}
	return ""
}

// Summary describes the issues in one line, for a finding's message.
func (info *Info) Summary() string {
	var parts []string
	for _, is := range info.Issues[:min(len(info.Issues), 5)] {
		p := fmt.Sprintf("%s at offset %d", is.Construct, is.Offset)
		if is.Gadget != "" {
			p += " (from " + is.Gadget + ")"
		}
		parts = append(parts, p)
	}
	if len(info.Issues) > 5 {
		parts = append(parts, fmt.Sprintf("and %d more", len(info.Issues)-5))
	}
	return strings.Join(slices.Compact(parts), ", ")
}
