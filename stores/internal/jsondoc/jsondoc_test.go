package jsondoc

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
)

func TestDecode(t *testing.T) {
	var v struct {
		A int `json:"a"`
	}
	if err := Decode([]byte(`{"a":7}`), "doc", "document", &v); err != nil || v.A != 7 {
		t.Fatalf("Decode = %+v, %v", v, err)
	}
	for name, tc := range map[string]struct {
		data   string
		offset int64
		msg    string
	}{
		"syntax":    {`{"a":7,}`, 8, "is not a valid document"},
		"too deep":  {strings.Repeat("[", limits.MaxJSONDepth+1), int64(limits.MaxJSONDepth), "is not a valid document: "},
		"too large": {`"` + strings.Repeat("a", limits.MaxJSONBytes) + `"`, -1, "over the"},
		"type":      {`{"a":"x"}`, -1, "is not a valid document"},
	} {
		err := Decode([]byte(tc.data), "doc", "document", &v)
		var fe *formats.Error
		if !errors.As(err, &fe) {
			t.Errorf("%s: %v is not a formats.Error", name, err)
			continue
		}
		if fe.Format != "doc" || fe.Offset != tc.offset || !strings.Contains(fe.Msg, tc.msg) {
			t.Errorf("%s: %v (offset %d), want offset %d and %q", name, err, fe.Offset, tc.offset, tc.msg)
		}
	}
}

func TestFlatten(t *testing.T) {
	doc := `{"a":"x","n":7,"t":true,"z":null,"list":["p",1,{"o":1},"q"],"o":{"b":"y","deep":{"c":"z"}},"empty":[]}`
	got, err := Flatten([]byte(doc), "config", 1)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "x", "n": "7", "t": "true", "list": "p,1,q", "o.b": "y"}
	if len(got) != len(want) {
		t.Errorf("Flatten = %q, want %q", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if got, _ := Flatten([]byte(doc), "config", 2); got["o.deep.c"] != "z" {
		t.Errorf("depth 2: %q", got)
	}
	var many strings.Builder
	many.WriteString("{")
	for i := range 200 {
		if i > 0 {
			many.WriteString(",")
		}
		many.WriteString(`"k` + strings.Repeat("x", i) + `":"` + strings.Repeat("v", 2000) + `"`)
	}
	many.WriteString("}")
	got, err = Flatten([]byte(many.String()), "config", 1)
	if err != nil || len(got) != 128 || utf8.RuneCountInString(got["k"]) != 1024 {
		t.Errorf("caps: %d fields, %d characters, %v", len(got), utf8.RuneCountInString(got["k"]), err)
	}
	var fe *formats.Error
	if _, err := Flatten([]byte(`{"a":`), "config", 1); !errors.As(err, &fe) || fe.Format != "config" || fe.Offset != 5 {
		t.Errorf("invalid: %v", err)
	}
	if _, err := Flatten([]byte(strings.Repeat("[", 100_000)), "config", 1); !errors.As(err, &fe) {
		t.Errorf("deep: %v", err)
	}
	if _, err := Flatten([]byte(`[1]`), "config", 1); err == nil || !strings.Contains(err.Error(), "not a JSON object") {
		t.Errorf("array: %v", err)
	}
}
