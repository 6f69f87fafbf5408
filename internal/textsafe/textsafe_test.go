package textsafe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTerminal(t *testing.T) {
	tests := []struct {
		in, want  string
		multiline bool
	}{
		{"plain text", "plain text", false},
		{"tab\tkept", "tab\tkept", false},
		{"two\nlines", `two\x0alines`, false},
		{"two\nlines", "two\nlines", true},
		{"\x1b[2J\x1b]0;title\x07", `\x1b[2J\x1b]0;title\x07`, false},
		{"del\x7f", `del\x7f`, false},
		{"csi\u009b31m", `csi\u009b31m`, false},
		{"evil\u202eexe.txt", `evil\u202eexe.txt`, false},
		{"iso\u2066late\u2069", `iso\u2066late\u2069`, false},
		{"zero\u200bwidth", `zero\u200bwidth`, false},
		{"bad \xff utf8", "bad \uFFFD utf8", false},
		{"emoji 👩‍💻 and accents é", "emoji 👩‍💻 and accents é", false},
	}
	for _, tc := range tests {
		if got := Terminal(tc.in, tc.multiline); got != tc.want {
			t.Errorf("Terminal(%q, %v) = %q, want %q", tc.in, tc.multiline, got, tc.want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	got := Markdown("[click](http://x) <img src=x> | *bold* `code`\n# title")
	for _, bad := range []string{"](", " <img", "\n"} {
		if strings.Contains(got, bad) {
			t.Errorf("Markdown left %q in %q", bad, got)
		}
	}
	if !strings.Contains(got, `\[click\]\(http://x\)`) || !strings.Contains(got, `\|`) {
		t.Errorf("Markdown(...) = %q", got)
	}
}

func TestTruncate(t *testing.T) {
	if got := Truncate("héllo wörld", 6); got != "héllo…" || utf8.RuneCountInString(got) != 6 {
		t.Errorf("Truncate = %q", got)
	}
	if got := Truncate("short", 10); got != "short" {
		t.Errorf("Truncate = %q", got)
	}
	// Every cut of multi-byte text keeps whole characters, and text of
	// exactly n characters is kept whole.
	s := "日本語のテキスト😀é"
	for n := range utf8.RuneCountInString(s) + 2 {
		got := Truncate(s, n)
		want := s
		if r := []rune(s); len(r) > n {
			want = string(r[:max(n-1, 0)]) + "…"
		}
		if got != want || !utf8.ValidString(got) {
			t.Errorf("Truncate(%q, %d) = %q, want %q", s, n, got, want)
		}
	}
}

func FuzzTerminal(f *testing.F) {
	f.Add("\x1b[31mred\u202e", false)
	f.Add("a\nb\tc\xff", true)
	f.Fuzz(func(t *testing.T, s string, multiline bool) {
		out := Terminal(s, multiline)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
		for _, r := range out {
			if r < 0x20 && r != '\t' && !(r == '\n' && multiline) || r == 0x7f || unsafeRune(r) {
				t.Fatalf("Terminal(%q) kept %U", s, r)
			}
		}
	})
}
