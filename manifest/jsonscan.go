package manifest

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/modelvet/modelvet/internal/limits"
)

// jsonScanner reads JSON text in one pass, for the large machine-written
// documents of weight formats (safetensors headers, sharded-weights
// indexes). It follows RFC 8259 as encoding/json does, bounds nesting by
// limits.MaxJSONDepth (a recursive validator would overflow the stack on
// deeply nested hostile input), and reports the byte offset of the first
// fault. The input must already be valid UTF-8. Strings without escapes
// are returned as substrings of the input, without copying.
type jsonScanner struct {
	s   string
	i   int    // current offset
	bad int    // offset of the first syntax fault, when msg is set
	msg string // what was wrong, or ""
}

// fail records a syntax fault at offset at (only the first is kept).
func (j *jsonScanner) fail(at int, msg string) {
	if j.msg == "" {
		j.bad, j.msg = at, msg
	}
}

// failed reports whether a fault was recorded.
func (j *jsonScanner) failed() bool { return j.msg != "" }

// ws skips whitespace.
func (j *jsonScanner) ws() {
	for j.i < len(j.s) {
		switch j.s[j.i] {
		case ' ', '\t', '\n', '\r':
			j.i++
		default:
			return
		}
	}
}

// peek returns the next byte after whitespace, or 0 at the end.
func (j *jsonScanner) peek() byte {
	j.ws()
	if j.i >= len(j.s) {
		return 0
	}
	return j.s[j.i]
}

// expect consumes byte c after whitespace.
func (j *jsonScanner) expect(c byte, what string) bool {
	if j.peek() != c {
		j.fail(j.i, "expected "+what)
		return false
	}
	j.i++
	return true
}

// more reads what follows a member or element: true after a comma, false
// at the closing byte (consumed) or on a fault.
func (j *jsonScanner) more(closing byte) bool {
	switch j.peek() {
	case ',':
		j.i++
		return true
	case closing:
		j.i++
		return false
	}
	j.fail(j.i, "expected ',' or '"+string(closing)+"'")
	return false
}

// open consumes '{' or '[' and reports whether the container is empty
// (then its closing byte is consumed too).
func (j *jsonScanner) open(c, closing byte) (empty bool) {
	j.i++ // c, checked by the caller
	if j.peek() == closing {
		j.i++
		return true
	}
	return false
}

// str reads a string at the current offset (after whitespace) and returns
// its value.
func (j *jsonScanner) str() (string, bool) {
	if j.peek() != '"' {
		j.fail(j.i, "expected a string")
		return "", false
	}
	start := j.i + 1
	for k := start; k < len(j.s); k++ {
		switch c := j.s[k]; {
		case c == '"':
			j.i = k + 1
			return j.s[start:k], true
		case c == '\\':
			return j.strEscaped(start, k)
		case c < 0x20:
			j.fail(k, "control character in string")
			return "", false
		}
	}
	j.fail(len(j.s), "unterminated string")
	return "", false
}

// strEscaped finishes a string that has escapes, from start (after the
// quote), the first backslash being at k.
func (j *jsonScanner) strEscaped(start, k int) (string, bool) {
	var b strings.Builder
	b.WriteString(j.s[start:k])
	for k < len(j.s) {
		c := j.s[k]
		switch {
		case c == '"':
			j.i = k + 1
			return b.String(), true
		case c < 0x20:
			j.fail(k, "control character in string")
			return "", false
		case c != '\\':
			b.WriteByte(c)
			k++
			continue
		}
		if k+1 >= len(j.s) {
			break
		}
		switch e := j.s[k+1]; e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := hex4(j.s, k+2)
			if !ok {
				j.fail(k, "invalid \\u escape")
				return "", false
			}
			k += 6
			if utf16.IsSurrogate(r) {
				// A pair makes one rune; a lone half becomes U+FFFD, as
				// in encoding/json.
				if r2, ok := hex4(j.s, k+2); ok && k+1 < len(j.s) && j.s[k] == '\\' && j.s[k+1] == 'u' {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						b.WriteRune(dec)
						k += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			b.WriteRune(r)
			continue
		default:
			j.fail(k, "invalid escape in string")
			return "", false
		}
		k += 2
	}
	j.fail(len(j.s), "unterminated string")
	return "", false
}

// hex4 decodes four hex digits at s[k:].
func hex4(s string, k int) (rune, bool) {
	if k+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[k : k+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number reads a number and returns its text.
func (j *jsonScanner) number() (string, bool) {
	j.ws()
	start, k := j.i, j.i
	digits := func() int {
		n := 0
		for k < len(j.s) && '0' <= j.s[k] && j.s[k] <= '9' {
			k++
			n++
		}
		return n
	}
	if k < len(j.s) && j.s[k] == '-' {
		k++
	}
	switch {
	case k < len(j.s) && j.s[k] == '0':
		k++
	case digits() == 0:
		j.fail(k, "invalid number")
		return "", false
	}
	if k < len(j.s) && j.s[k] == '.' {
		k++
		if digits() == 0 {
			j.fail(k, "invalid number")
			return "", false
		}
	}
	if k < len(j.s) && (j.s[k] == 'e' || j.s[k] == 'E') {
		k++
		if k < len(j.s) && (j.s[k] == '+' || j.s[k] == '-') {
			k++
		}
		if digits() == 0 {
			j.fail(k, "invalid number")
			return "", false
		}
	}
	j.i = k
	return j.s[start:k], true
}

// skip reads any value and returns its text; depth is the nesting of the
// value's container.
func (j *jsonScanner) skip(depth int) (string, bool) {
	c := j.peek()
	start := j.i
	switch {
	case c == '"':
		_, ok := j.str()
		return j.s[start:j.i], ok
	case c == '-' || '0' <= c && c <= '9':
		return j.number()
	case c == '{' || c == '[':
		if depth >= limits.MaxJSONDepth {
			j.fail(j.i, "nesting deeper than the limit")
			return "", false
		}
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		if j.open(c, closing) {
			return j.s[start:j.i], true
		}
		for {
			if c == '{' {
				if _, ok := j.str(); !ok || !j.expect(':', "':' after an object key") {
					return "", false
				}
			}
			if _, ok := j.skip(depth + 1); !ok {
				return "", false
			}
			if !j.more(closing) {
				return j.s[start:j.i], !j.failed()
			}
		}
	}
	for _, lit := range []string{"true", "false", "null"} {
		if strings.HasPrefix(j.s[j.i:], lit) {
			j.i += len(lit)
			return lit, true
		}
	}
	j.fail(j.i, "expected a value")
	return "", false
}

// end checks that only whitespace follows.
func (j *jsonScanner) end() bool {
	if j.ws(); j.i < len(j.s) {
		j.fail(j.i, "unexpected data after the top-level value")
		return false
	}
	return true
}

// jsonValid reports whether s (valid UTF-8) is one JSON value, and where
// the first fault is and what it is.
func jsonValid(s string) (ok bool, bad int, msg string) {
	j := jsonScanner{s: s}
	if _, ok := j.skip(0); !ok || !j.end() {
		return false, j.bad, j.msg
	}
	return true, 0, ""
}
