package jsondoc

import (
	"fmt"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/jsonscan"
	"github.com/modelvet/modelvet/internal/textsafe"
)

// Flatten returns the scalar fields of a JSON object by dotted path, down
// to maxDepth nested objects, with arrays of scalars joined by commas. It
// keeps at most 128 fields of at most 1024 characters each. The document is
// checked within limits.MaxJSONDepth first (gjson's own validator
// recurses): a fault is a *formats.Error of the given format with its
// offset.
func Flatten(data []byte, format string, maxDepth int) (map[string]string, error) {
	if ok, off, msg := jsonscan.Valid(string(data)); !ok {
		return nil, &formats.Error{Format: format, Offset: int64(off), Msg: "is not valid JSON: " + msg}
	}
	doc := gjson.ParseBytes(data)
	if !doc.IsObject() {
		return nil, fmt.Errorf("not a JSON object")
	}
	out := map[string]string{}
	var walk func(prefix string, o gjson.Result, depth int)
	walk = func(prefix string, o gjson.Result, depth int) {
		o.ForEach(func(k, v gjson.Result) bool {
			key := prefix + k.Str
			var parts []string
			switch {
			case v.IsObject() && depth < maxDepth:
				walk(key+".", v, depth+1)
			case v.IsArray():
				v.ForEach(func(_, e gjson.Result) bool {
					if s, ok := scalarString(e); ok {
						parts = append(parts, s)
					}
					return true
				})
			default:
				if s, ok := scalarString(v); ok {
					parts = []string{s}
				}
			}
			if len(parts) > 0 {
				out[key] = textsafe.Truncate(strings.Join(parts, ","), 1024)
			}
			return len(out) < 128
		})
	}
	walk("", doc, 0)
	return out, nil
}

func scalarString(v gjson.Result) (string, bool) {
	switch v.Type {
	case gjson.String:
		return v.Str, true
	case gjson.Number, gjson.True, gjson.False:
		return v.Raw, true
	}
	return "", false
}
