package yamlnode

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/modelvet/modelvet/internal/limits"
)

var lim = Limits{MaxNodes: 10_000, MaxDepth: 32}

func TestLinesAndValues(t *testing.T) {
	doc := "a: 1\nb:\n  - x\n  - 2.5\nc: &k {d: true}\ne: *k\nf: |\n  one\n  two\ng: null\n"
	n, err := Parse([]byte(doc), 10, lim)
	if err != nil {
		t.Fatal(err)
	}
	if got := n.KeyLine("c"); got != 15 {
		t.Errorf("line of c = %d, want 15 (offset 10)", got)
	}
	if v := n.Get("a").Typed; v != uint64(1) && v != int64(1) {
		t.Errorf("a = %#v", v)
	}
	b := n.Get("b")
	if b.Kind != Sequence || len(b.Items) != 2 || b.Items[1].Typed != 2.5 || b.Items[0].Line != 13 {
		t.Errorf("b = %+v", b)
	}
	if e := n.Get("e"); e.Get("d") == nil || e.Get("d").Typed != true || e.Line != 16 {
		t.Errorf("alias e = %+v", e)
	}
	if f := n.Get("f").String(); f != "one\ntwo" {
		t.Errorf("f = %q", f)
	}
	if n.Get("g").Kind != Null {
		t.Errorf("g = %+v", n.Get("g"))
	}
	if got := n.Interface().(map[string]any)["b"].([]any)[0]; got != "x" {
		t.Errorf("Interface b[0] = %v", got)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct{ doc, want string }{
		{"a: [1\nb: 2\n", "line 2"},
		{"a: 1\na: 2\n", "already defined"},
		{"a: *nope\n", "alias"},
		{"a: " + strings.Repeat("[", 40) + strings.Repeat("]", 40), "deeper"},
	}
	for _, tc := range tests {
		_, err := Parse([]byte(tc.doc), 0, lim)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want error containing %q", tc.doc, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "[1:") {
			t.Errorf("error %q cites a library position", err)
		}
	}
}

func TestAliasExpansionBounded(t *testing.T) {
	doc := "a: &a [x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d]\n"
	_, err := Parse([]byte(doc), 0, Limits{MaxNodes: 5000, MaxDepth: 32})
	if err == nil || !strings.Contains(err.Error(), "nodes") {
		t.Fatalf("alias bomb: err = %v", err)
	}
}

func TestEmpty(t *testing.T) {
	for _, doc := range []string{"", "# only a comment\n", "\n\n"} {
		n, err := Parse([]byte(doc), 0, lim)
		if err != nil || n.Kind != Null {
			t.Errorf("Parse(%q) = %+v, %v; want Null", doc, n, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"a: 1\n", "- [x, {y: z}]\n", "a: &a [1]\nb: *a\n<<: {c: d}\n", "? complex\n: key\n", "a: !!binary aGVsbG8=\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := Parse(data, 0, Limits{MaxNodes: 2000, MaxDepth: 16})
		if err == nil && n == nil {
			t.Fatal("nil node without error")
		}
		if n != nil {
			_ = n.Interface()
		}
	})
}

func TestDuplicateKeys(t *testing.T) {
	doc := "a: 1\nb: [x]\na: 2\nc:\n  d: 1\n  d: 2\n"
	if _, err := Parse([]byte(doc), 0, lim); err == nil {
		t.Fatal("duplicate keys accepted by default")
	}
	lenient := lim
	lenient.AllowDuplicateKeys = true
	n, err := Parse([]byte(doc), 0, lenient)
	if err != nil {
		t.Fatal(err)
	}
	// As PyYAML reads it: the later value, in the first key's place.
	if strings.Join(n.Keys, ",") != "a,b,c" || n.Get("a").String() != "2" || n.KeyLine("a") != 3 {
		t.Errorf("keys %v a=%q at %d", n.Keys, n.Get("a").String(), n.KeyLine("a"))
	}
	if len(n.Duplicates) != 1 || n.Duplicates[0] != (Duplicate{Key: "a", Line: 3, FirstLine: 1}) {
		t.Errorf("duplicates %+v", n.Duplicates)
	}
	if c := n.Get("c"); c.Get("d").String() != "2" || len(c.Duplicates) != 1 {
		t.Errorf("nested %+v", c)
	}
}

// TestHostileShapes: documents the size of the largest front matter
// (512 KiB) in the shapes that make the YAML library slow or deep — flow
// nesting, block mappings of many keys, deep indentation, alias bombs —
// are refused or read quickly, with an *Error naming the line.
func TestHostileShapes(t *testing.T) {
	const size = 512 << 10
	lines := func(line func(i int) string) []byte {
		var b strings.Builder
		for i := 0; b.Len() < size; i++ {
			b.WriteString(line(i))
		}
		return []byte(b.String())
	}
	hostile := Limits{MaxNodes: 200_000, MaxDepth: 64, MaxMappingKeys: 4096, AllowDuplicateKeys: true}
	tests := []struct {
		name, want string
		doc        []byte
	}{
		{"flow sequences", "nested deeper than 64", []byte(strings.Repeat("[", size))},
		{"flow mappings", "nested deeper than 64", []byte(strings.Repeat("{a: ", size/4))},
		{"flow after a key", "nested deeper than 64", []byte("license: mit\nbase_model: " + strings.Repeat("[", size))},
		{"keys", "more than 4096 keys", lines(func(i int) string { return fmt.Sprintf("k%d: v\n", i) })},
		{"keys with anchors", "more than 4096 keys", lines(func(i int) string { return fmt.Sprintf("&a%d k%d: v\n", i, i) })},
		{"keys under a sequence entry", "more than 4096 keys", append([]byte("- "), lines(func(i int) string { return fmt.Sprintf("  k%d: v\n", i) })[2:]...)},
		{"nested keys", "more than 4096 keys", append([]byte("a:\n"), lines(func(i int) string { return fmt.Sprintf("  k%d: v\n", i) })...)},
		{"indentation", "deeper than 64", lines(func(i int) string { return strings.Repeat(" ", i) + "a:\n" })},
		{"sequence indentation", "deeper than 64", lines(func(i int) string { return strings.Repeat(" ", i) + "-\n" })},
		{"alias bomb", "more than 200000 YAML nodes", []byte("a: &a [x,x,x,x,x,x,x,x,x,x]\n" + func() string {
			var b strings.Builder
			for i := 1; i < 30; i++ {
				fmt.Fprintf(&b, "a%d: &a%d [*a%s,*a%s,*a%s,*a%s,*a%s,*a%s,*a%s,*a%s,*a%s]\n", i, i, prev(i), prev(i), prev(i), prev(i), prev(i), prev(i), prev(i), prev(i), prev(i))
			}
			return b.String()
		}())},
	}
	for _, tc := range tests {
		start := time.Now()
		_, err := Parse(tc.doc, 3, hostile)
		took := time.Since(start)
		var ye *Error
		if !errors.As(err, &ye) || !strings.Contains(err.Error(), tc.want) || ye.Line < 4 {
			t.Errorf("%s: %v, want an *Error on a line of the document containing %q", tc.name, err, tc.want)
		}
		if took > 5*time.Second {
			t.Errorf("%s: took %v", tc.name, took)
		}
	}
	// Many sequences of a few keys each, as benchmark results in a card
	// are written, are read.
	results := lines(func(i int) string {
		return fmt.Sprintf("- task: t%d\n  dataset: {name: d, type: x}\n  metrics:\n    - type: acc\n      value: 0.5\n", i)
	})
	start := time.Now()
	if _, err := Parse(append([]byte("model-index:\n"), results...), 0, hostile); err != nil && !strings.Contains(err.Error(), "nodes") {
		t.Errorf("benchmark results: %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("benchmark results: took %v", took)
	}
}

func prev(i int) string {
	if i == 1 {
		return ""
	}
	return fmt.Sprint(i - 1)
}

// TestDecodeStrictBounded checks that documents whose decoding would take
// unbounded time or memory are refused before the YAML library decodes
// them: deep flow nesting, a mapping of too many keys, an alias bomb.
func TestDecodeStrictBounded(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i := 'b'; i <= 'k'; i++ {
		bomb += fmt.Sprintf("%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	var keys strings.Builder
	for i := range limits.MaxYAMLMappingKeys + 1 {
		fmt.Fprintf(&keys, "k%d: 1\n", i)
	}
	for name, doc := range map[string]string{
		"deep": "a: " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "\n",
		"keys": keys.String(),
		"bomb": bomb,
	} {
		var v map[string]any
		start := time.Now()
		err := DecodeStrict([]byte(doc), &v)
		if err == nil {
			t.Errorf("%s: decoded", name)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %s", name, d)
		}
	}
	var ok struct{ A []int }
	if err := DecodeStrict([]byte("a: [1, 2]\n"), &ok); err != nil || len(ok.A) != 2 {
		t.Errorf("ordinary document: %v, %+v", err, ok)
	}
}
