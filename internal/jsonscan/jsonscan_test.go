package jsonscan

import (
	"encoding/json"
	"errors"
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

// TestTooDeep: the nesting check counts containers, not brackets inside
// strings, stops at the first bracket past the limit, and allocates
// nothing, whatever the size of the input.
func TestTooDeep(t *testing.T) {
	max := limits.MaxJSONDepth
	over := strings.Repeat("[", max+1)
	tests := []struct {
		in   string
		want int
	}{
		{``, -1},
		{`{"a":[1,{"b":[]}]}`, -1},
		{strings.Repeat("[", max) + strings.Repeat("]", max), -1},
		{strings.Repeat(`{"a":`, max) + "1" + strings.Repeat("}", max), -1},
		{over, max},
		{strings.Repeat(`{"k":`, max+1), max * 5},
		{`"` + over + `"`, -1},                                 // brackets in a string
		{`"\"` + over + `"`, -1},                               // after an escaped quote
		{`"\\"` + over, max + 4},                               // after an escaped backslash, the string has ended
		{`[]` + over, max + 2},                                 // depth, not the count of brackets
		{strings.Repeat("]", 100) + over, max + 100},           // stray closers do not buy depth
		{`["` + strings.Repeat("[", 2*max) + `"]`, -1},         // unterminated strings end the scan
		{strings.Repeat(`[{"a":"]"},`, 3*max), (max-1)*11 + 1}, // closers in strings do not count
	}
	for _, tc := range tests {
		if got := TooDeep(tc.in); got != tc.want {
			t.Errorf("TooDeep(%.40q…) = %d, want %d", tc.in, got, tc.want)
		}
		if got := TooDeep([]byte(tc.in)); got != tc.want {
			t.Errorf("TooDeep([]byte(%.40q…)) = %d, want %d", tc.in, got, tc.want)
		}
	}
	bomb := []byte(strings.Repeat("[", 8<<20))
	if allocs := testing.AllocsPerRun(3, func() { TooDeep(bomb) }); allocs != 0 {
		t.Errorf("TooDeep allocates %v times", allocs)
	}
	var de *DepthError
	if err := CheckDepth(bomb); !errors.As(err, &de) || de.Offset != max || !strings.Contains(err.Error(), "levels deep") {
		t.Errorf("CheckDepth: %v", err)
	}
	if err := CheckDepth(`{"a":1}`); err != nil {
		t.Errorf("CheckDepth of a flat document: %v", err)
	}
}

// FuzzTooDeep: a document TooDeep lets through never nests deeper than the
// limit by encoding/json's count, and one it refuses does.
func FuzzTooDeep(f *testing.F) {
	for _, s := range jsonCases {
		f.Add(s)
	}
	f.Add(strings.Repeat("[", limits.MaxJSONDepth+1))
	f.Fuzz(func(t *testing.T, s string) {
		at := TooDeep(s)
		if at >= len(s) || at < -1 {
			t.Fatalf("offset %d out of range", at)
		}
		if !json.Valid([]byte(s)) {
			return
		}
		if deep := jsonDepth(t, s) > limits.MaxJSONDepth; deep != (at >= 0) {
			t.Fatalf("%q: TooDeep %d, encoding/json depth %d", s, at, jsonDepth(t, s))
		}
	})
}

// jsonDepth measures the nesting of valid JSON with encoding/json's tokens.
func jsonDepth(t *testing.T, s string) int {
	dec := json.NewDecoder(strings.NewReader(s))
	depth, deepest := 0, 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return deepest
		}
		switch tok {
		case json.Delim('['), json.Delim('{'):
			depth++
			deepest = max(deepest, depth)
		case json.Delim(']'), json.Delim('}'):
			depth--
		}
	}
}

func BenchmarkTooDeep(b *testing.B) {
	doc := []byte(strings.Repeat(`{"name":"model.layers.0.mlp.experts.0.gate_proj.weight","shape":[2048,7168],"escaped":"a\"b"},`, 100_000))
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if TooDeep(doc) >= 0 {
			b.Fatal("too deep")
		}
	}
}
