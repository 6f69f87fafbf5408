// Package textsafe makes attacker-controlled strings safe to show: model
// cards, file names and metadata come from the release being audited and
// may carry terminal escape sequences, bidirectional overrides or Markdown.
package textsafe

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Terminal returns s with every control character (escape sequences
// included), bidirectional control and invisible format character replaced
// by a visible \x.. or \u.... escape, and invalid UTF-8 replaced by U+FFFD.
// Tabs are kept; newlines too when multiline is set.
func Terminal(s string, multiline bool) string {
	if isPlain(s, multiline) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\t', r == '\n' && multiline:
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\x%02x", r)
		case unsafeRune(r):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Line is Terminal for a value that must stay on one line.
func Line(s string) string { return Terminal(s, false) }

func isPlain(s string, multiline bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c == 0x7f || (c < 0x20 && c != '\t' && !(c == '\n' && multiline)) {
			return isPlainSlow(s, multiline)
		}
	}
	return true
}

func isPlainSlow(s string, multiline bool) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r == utf8.RuneError && size == 1 {
			return false
		}
		if r == '\t' || r == '\n' && multiline {
			continue
		}
		if r < 0x20 || r == 0x7f || unsafeRune(r) {
			return false
		}
	}
	return true
}

// unsafeRune reports C1 controls, bidirectional controls, and other
// invisible format characters that can disguise text.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r < 0xa0: // C1 controls, including CSI
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	case r == 0x2028 || r == 0x2029:
		return true
	}
	return unicode.Is(unicode.Cf, r) && r != 0x200d // keep ZWJ used in emoji
}

// Markdown returns s safe to place inside Markdown text: terminal-safe, on
// one line, with Markdown and HTML syntax characters escaped.
func Markdown(s string) string {
	s = Line(s)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '#', '+', '-', '!', '|', '<', '>', '&', '~':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Truncate shortens s to at most n characters (runes), marking the cut
// with "…". It cuts between characters, never inside one, and stops
// reading where it cuts, so a long attacker string costs no more than the
// part kept. Messages and reports shorten text through it alone.
func Truncate(s string, n int) string {
	keep := max(n-1, 0) // characters kept before the mark
	cut, count := 0, 0
	for i := range s {
		if count == keep {
			cut = i
		}
		if count >= n {
			return s[:cut] + "…"
		}
		count++
	}
	return s
}

// Prefix returns at most n bytes of s, cut between characters, never
// inside one, and without a mark: for bounding identifiers and keys kept
// as data, where Truncate's "…" would change the value.
func Prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
