package pystring

import "testing"

func TestUnescape(t *testing.T) {
	for _, c := range []struct {
		in   string
		text bool
		want string
		ok   bool
	}{
		{`plain`, false, "plain", true},
		{`a\nb\tc\\d\'e`, false, "a\nb\tc\\d'e", true},
		{`\x5f\x5fclass\x5f\x5f`, true, "__class__", true},
		{`\u005f\U0000005f`, true, "__", true},
		{`\u005f`, false, `\u005f`, true},
		{`\101\x41`, false, "AA", true},
		{`\377`, false, "\xff", true},
		{`\377`, true, "ÿ", true},
		{`\xZZ`, false, `\xZZ`, false},
		{`\x4`, true, `\x4`, false},
		{"line\\\ncontinued", false, "linecontinued", true},
		{`\q`, false, `\q`, true},
	} {
		got, ok := Unescape(c.in, c.text)
		if got != c.want || ok != c.ok {
			t.Errorf("Unescape(%q, %v) = %q, %v; want %q, %v", c.in, c.text, got, ok, c.want, c.ok)
		}
	}
}
