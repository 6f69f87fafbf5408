// Package jsonscan reads JSON text in one pass, for the large
// machine-written documents of weight formats: safetensors headers and
// sharded-weights indexes (manifest), and the configurations that gjson
// reads once this package has bounded their nesting.
//
// It follows RFC 8259 as encoding/json does, bounds nesting by
// limits.MaxJSONDepth (a recursive validator would overflow the stack on
// deeply nested hostile input), and reports the byte offset of the first
// fault. The input must already be valid UTF-8 ([InvalidUTF8At] finds
// where it is not). Strings without escapes are returned as substrings of
// the input, without copying.
//
// [CheckDepth] is the nesting check every other decoder of untrusted JSON
// in modelvet (gjson, encoding/json, protojson) runs first.
package jsonscan

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/modelvet/modelvet/internal/limits"
)

// Scanner reads one JSON document. A caller walks the values it expects
// and, when a method reports failure, reads the first fault from Fault.
type Scanner struct {
	s   string
	i   int    // current offset
	bad int    // offset of the first syntax fault, when msg is set
	msg string // what was wrong, or ""
}

// New returns a Scanner at the start of s, which must be valid UTF-8.
func New(s string) *Scanner { return &Scanner{s: s} }

// Input returns the whole document.
func (j *Scanner) Input() string { return j.s }

// Pos returns the current byte offset.
func (j *Scanner) Pos() int { return j.i }

// fail records a syntax fault at offset at (only the first is kept).
func (j *Scanner) fail(at int, msg string) {
	if j.msg == "" {
		j.bad, j.msg = at, msg
	}
}

// Failed reports whether a fault was recorded.
func (j *Scanner) Failed() bool { return j.msg != "" }

// Fault returns the offset of the first syntax fault and what was wrong.
func (j *Scanner) Fault() (at int, msg string) { return j.bad, j.msg }

// SkipSpace skips whitespace.
func (j *Scanner) SkipSpace() {
	for j.i < len(j.s) {
		switch j.s[j.i] {
		case ' ', '\t', '\n', '\r':
			j.i++
		default:
			return
		}
	}
}

// Peek returns the next byte after whitespace, or 0 at the end.
func (j *Scanner) Peek() byte {
	j.SkipSpace()
	if j.i >= len(j.s) {
		return 0
	}
	return j.s[j.i]
}

// Expect consumes byte c after whitespace; what describes c in the fault.
func (j *Scanner) Expect(c byte, what string) bool {
	if j.Peek() != c {
		j.fail(j.i, "expected "+what)
		return false
	}
	j.i++
	return true
}

// More reads what follows a member or element: true after a comma, false
// at the closing byte (consumed) or on a fault.
func (j *Scanner) More(closing byte) bool {
	switch j.Peek() {
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

// Open consumes the '{' or '[' the caller has peeked, and reports whether
// the container is empty (then its closing byte is consumed too).
func (j *Scanner) Open(closing byte) (empty bool) {
	j.i++
	if j.Peek() == closing {
		j.i++
		return true
	}
	return false
}

// ReadString reads a string at the current offset (after whitespace) and
// returns its value.
func (j *Scanner) ReadString() (string, bool) {
	if j.Peek() != '"' {
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
			return j.readEscaped(start, k)
		case c < 0x20:
			j.fail(k, "control character in string")
			return "", false
		}
	}
	j.fail(len(j.s), "unterminated string")
	return "", false
}

// readEscaped finishes a string that has escapes, from start (after the
// quote), the first backslash being at k.
func (j *Scanner) readEscaped(start, k int) (string, bool) {
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

// ReadNumber reads a number and returns its text.
func (j *Scanner) ReadNumber() (string, bool) {
	j.SkipSpace()
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

// Skip reads any value and returns its text; depth is the nesting of the
// value's container.
func (j *Scanner) Skip(depth int) (string, bool) {
	c := j.Peek()
	start := j.i
	switch {
	case c == '"':
		_, ok := j.ReadString()
		return j.s[start:j.i], ok
	case c == '-' || '0' <= c && c <= '9':
		return j.ReadNumber()
	case c == '{' || c == '[':
		if depth >= limits.MaxJSONDepth {
			j.fail(j.i, "nesting deeper than the limit")
			return "", false
		}
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		if j.Open(closing) {
			return j.s[start:j.i], true
		}
		for {
			if c == '{' {
				if _, ok := j.ReadString(); !ok || !j.Expect(':', "':' after an object key") {
					return "", false
				}
			}
			if _, ok := j.Skip(depth + 1); !ok {
				return "", false
			}
			if !j.More(closing) {
				return j.s[start:j.i], !j.Failed()
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

// End checks that only whitespace follows.
func (j *Scanner) End() bool {
	if j.SkipSpace(); j.i < len(j.s) {
		j.fail(j.i, "unexpected data after the top-level value")
		return false
	}
	return true
}

// Valid reports whether s (valid UTF-8) is one JSON value, and where the
// first fault is and what it is.
func Valid(s string) (ok bool, bad int, msg string) {
	j := Scanner{s: s}
	if _, ok := j.Skip(0); !ok || !j.End() {
		return false, j.bad, j.msg
	}
	return true, 0, ""
}

// InvalidUTF8At returns the index of the first byte of s that is not valid
// UTF-8, or len(s).
func InvalidUTF8At(s string) int {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(s)
}

// TooDeep returns the offset of the first '[' or '{' of the JSON text s
// that opens a container nested more than limits.MaxJSONDepth levels deep,
// or -1 when none does. Decoders that recurse once per level (gjson's
// validator, encoding/json, protojson) would exhaust the stack, or spend
// minutes, on megabytes of brackets; this check makes one pass, without
// recursion or allocation, skipping strings. It validates nothing else:
// the decoder that follows does.
func TooDeep[T ~string | ~[]byte](s T) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			if depth++; depth > limits.MaxJSONDepth {
				return i
			}
		case ']', '}':
			// A stray closing byte is the decoder's syntax error; it
			// never lets the decoder go deeper.
			depth = max(depth-1, 0)
		}
	}
	return -1
}

// DepthError reports JSON nested deeper than limits.MaxJSONDepth.
type DepthError struct {
	// Offset is the byte offset of the bracket that goes too deep.
	Offset int
}

func (e *DepthError) Error() string {
	return fmt.Sprintf("nested more than %d levels deep (at offset %d)", limits.MaxJSONDepth, e.Offset)
}

// CheckDepth returns a *DepthError when TooDeep finds s nested too deep.
func CheckDepth[T ~string | ~[]byte](s T) error {
	if at := TooDeep(s); at >= 0 {
		return &DepthError{Offset: at}
	}
	return nil
}
