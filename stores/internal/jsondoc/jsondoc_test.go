package jsondoc

import (
	"errors"
	"strings"
	"testing"

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
