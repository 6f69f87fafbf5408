// Package pystring decodes the backslash escapes of Python string
// literals, as pickles (protocol 0's STRING opcode) and Jinja templates
// write them.
package pystring

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Unescape decodes the escapes of a literal's body (without its quotes).
// With text set it reads a Python 3 str: \u and \U escapes, and \x and
// octal escapes name code points; without, a Python 2 byte string: \x and
// octal escapes are bytes and \u is not an escape. ok is false when an
// escape is malformed; the result then keeps it as written.
func Unescape(s string, text bool) (out string, ok bool) {
	if !strings.Contains(s, `\`) {
		return s, true
	}
	ok = true
	var b strings.Builder
	put := func(v uint64) {
		if text {
			b.WriteRune(rune(v))
		} else {
			b.WriteByte(byte(v))
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		digits := 0
		switch e := s[i]; e {
		case '\\', '\'', '"':
			b.WriteByte(e)
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'a':
			b.WriteByte(7)
		case 'b':
			b.WriteByte(8)
		case 'f':
			b.WriteByte(12)
		case 'v':
			b.WriteByte(11)
		case '\n':
		case 'x':
			digits = 2
		case 'u', 'U':
			if !text {
				b.WriteByte('\\')
				b.WriteByte(e)
				continue
			}
			digits = 4
			if e == 'U' {
				digits = 8
			}
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			v, _ := strconv.ParseUint(s[i:j], 8, 16)
			put(v)
			i = j - 1
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
		}
		if digits > 0 {
			v, err := strconv.ParseUint(s[i+1:min(i+1+digits, len(s))], 16, 32)
			if i+digits >= len(s) || err != nil || v > utf8.MaxRune {
				ok = false
				b.WriteByte('\\')
				b.WriteByte(s[i])
				continue
			}
			put(v)
			i += digits
		}
	}
	return b.String(), ok
}
