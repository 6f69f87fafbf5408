package jsonscan

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/modelvet/modelvet/internal/limits"
)

var jsonCases = []string{
	`{}`, `[]`, `{"a":1}`, ` {"a" : [1, 2.5, -0, 1e3, 1E+2, -1.5e-7, true, false, null, "x"]} `,
	`"\u00e9\ud83d\ude00\n\t\"\\\/\b\f\r"`, `"\ud800"`, `"\udc00\ud800x"`, `"\ud800\u0041"`,
	`01`, `-`, `1.`, `.5`, `1e`, `1e+`, `+1`, `-01`, `0x1`, `Infinity`, `NaN`,
	`tru`, `nulll`, `[1,]`, `{"a":1,}`, `{"a"}`, `{"a":}`, `{1:2}`, `[1 2]`, `{"a":1 "b":2}`,
	"\"a\x01\"", `"\x"`, `"\u12"`, `"\u12G4"`, `"abc`, `[`, `{`, `{"a":[}`, ``, ` `, `"\`,
	`{"a":{"b":{"c":[[[[]]]]}}}`, "[1]\n", "[1] x", `{"dup":1,"dup":2}`,
}

// TestJSONScannerAgreesWithEncodingJSON checks validity and string
// decoding against encoding/json.
func TestJSONScannerAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range jsonCases {
		compareWithEncodingJSON(t, s)
	}
}

func compareWithEncodingJSON(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		return // the scanner's callers check UTF-8 first
	}
	ok, bad, msg := Valid(s)
	if want := json.Valid([]byte(s)); ok != want {
		t.Fatalf("%q: valid = %v (%s at %d), encoding/json says %v", s, ok, msg, bad, want)
	}
	if !ok && (bad < 0 || bad > len(s)) {
		t.Fatalf("%q: fault offset %d out of range", s, bad)
	}
	if ok && strings.HasPrefix(strings.TrimLeft(s, " \t\r\n"), `"`) {
		var want string
		if err := json.Unmarshal([]byte(s), &want); err != nil {
			t.Fatal(err)
		}
		if got, _ := New(s).ReadString(); got != want {
			t.Fatalf("%q decodes to %q, encoding/json to %q", s, got, want)
		}
	}
}

func FuzzJSONScanner(f *testing.F) {
	for _, s := range jsonCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		compareWithEncodingJSON(t, s)
	})
}

// TestJSONScannerDepth: deep nesting is refused at the limit, without
// recursion proportional to the input.
func TestJSONScannerDepth(t *testing.T) {
	deep := strings.Repeat("[", 10_000_000)
	ok, bad, msg := Valid(deep)
	if ok || bad != limits.MaxJSONDepth || !strings.Contains(msg, "nesting") {
		t.Errorf("valid %v at %d: %s", ok, bad, msg)
	}
	within := strings.Repeat("[", limits.MaxJSONDepth) + strings.Repeat("]", limits.MaxJSONDepth)
	if ok, bad, msg := Valid(within); !ok {
		t.Errorf("depth %d refused at %d: %s", limits.MaxJSONDepth, bad, msg)
	}
}
