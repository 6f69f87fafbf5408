package report

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// ReadJSON refuses what breaks the contract, naming the field, and reads
// fields it does not know.
func TestReadJSONChecks(t *testing.T) {
	for _, tc := range []struct{ doc, field, value string }{
		{`{"schema": "modelvet.report/v2", "verdict": "pass"}`, "schema", "modelvet.report/v2"},
		{`{"verdict": "pass"}`, "schema", ""},
		{`{"schema": "modelvet.report/v1", "verdict": "maybe"}`, "verdict", "maybe"},
		{`{"schema": "modelvet.report/v1", "verdict": "fail", "findings": [{"code": "license.missing", "severity": "high", "confidence": "declared"}, {"code": "x.y", "severity": "severe", "confidence": "declared"}]}`, "findings[1].severity", "severe"},
		{`{"schema": "modelvet.report/v1", "verdict": "fail", "findings": [{"code": "license.missing", "severity": "high", "confidence": "sure"}]}`, "findings[0].confidence", "sure"},
		{`{"schema": "modelvet.report/v1", "verdict": "fail", "findings": [{"severity": "high", "confidence": "declared"}]}`, "findings[0].code", ""},
		{`{"schema": "modelvet.report/v1", "verdict": "pass", "lineage": [{"model": "m", "depth": 0, "confidence": "probably"}]}`, "lineage[0].confidence", "probably"},
	} {
		_, err := ReadJSON(strings.NewReader(tc.doc))
		var ie *InvalidError
		if !errors.As(err, &ie) || !errors.Is(err, ErrInvalid) || ie.Field != tc.field || ie.Value != tc.value {
			t.Errorf("%s: %v", tc.doc, err)
		}
	}
	r, err := ReadJSON(strings.NewReader(`{"schema": "modelvet.report/v1", "verdict": "review", "added_later": {"x": 1},
		"findings": [{"code": "provenance.new-code", "severity": "medium", "confidence": "inferred", "message": "m"}]}`))
	if err != nil || r.Verdict != Review || r.Findings[0].Code != "provenance.new-code" {
		t.Errorf("a report from a later version: %+v, %v", r, err)
	}
	if _, err := ReadJSON(strings.NewReader(`{"schema": `)); err == nil || errors.Is(err, ErrInvalid) {
		t.Errorf("a syntax error: %v", err)
	}
}

// Metadata values come back with the types an audit gives them.
func TestMetadataNormalize(t *testing.T) {
	var m Metadata
	if err := m.UnmarshalJSON([]byte(`{"n": 7, "f": 0.5, "big": 18446744073709551615, "s": ["a"], "mixed": ["a", 1], "o": {"k": 2}, "null": null, "empty": []}`)); err != nil {
		t.Fatal(err)
	}
	live := Metadata{"n": uint32(7), "f": float32(0.5), "big": uint64(18446744073709551615), "s": []string{"a"}, "mixed": []any{"a", 1},
		"o": map[string]int64{"k": 2}, "null": []string(nil), "empty": []string{}}.normalize()
	for k, v := range m {
		if !equalValue(v, live[k]) {
			t.Errorf("%s: read %#v, live %#v", k, v, live[k])
		}
	}
	if n, ok := m.Int("n"); !ok || n != 7 {
		t.Errorf("Int: %v %v", n, ok)
	}
	if s, ok := m.Strings("s"); !ok || !slices.Equal(s, []string{"a"}) {
		t.Errorf("Strings: %v %v", s, ok)
	}
}

func equalValue(a, b any) bool {
	switch x := a.(type) {
	case []string:
		y, ok := b.([]string)
		return ok && slices.Equal(x, y)
	case []any:
		y, ok := b.([]any)
		return ok && slices.EqualFunc(x, y, equalValue)
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k := range x {
			if !equalValue(x[k], y[k]) {
				return false
			}
		}
		return true
	}
	return a == b
}
