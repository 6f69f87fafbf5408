package manifest

import (
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/modelvet/modelvet/formats/chattemplate"
	"github.com/modelvet/modelvet/formats/gguf"
	"github.com/tidwall/gjson"
)

// TemplateCheck is a Jinja chat template the release ships, with what
// checking it found. Inference servers render it on every request.
type TemplateCheck struct {
	// Path is the file; Field the key that holds the template
	// ("tokenizer.chat_template", "chat_template", "chat_template[tool_use]"),
	// empty for a template file.
	Path  string `json:"path"`
	Field string `json:"field,omitempty"`
	// Offset is where the template's first byte is in the file (-1 when
	// unknown), so that an issue's offset in the template cites the file.
	Offset int64              `json:"offset"`
	Info   *chattemplate.Info `json:"check"`

	// raw is the JSON text of a template held in a JSON string, from
	// after its opening quote: offsets in the decoded template shift with
	// its escapes.
	raw []byte
}

// fileOffset returns the offset in the file of byte off of the template.
func (t *TemplateCheck) fileOffset(off int) int64 {
	switch {
	case t.Offset < 0:
		return 0
	case t.raw != nil:
		return t.Offset + int64(rawOffset(t.raw, off))
	}
	return t.Offset + int64(off)
}

// isChatTemplateName matches the files that carry chat templates:
// tokenizer_config.json, chat_template.json and *.jinja templates.
func isChatTemplateName(p string) bool {
	base := strings.ToLower(path.Base(p))
	return base == "tokenizer_config.json" || base == "chat_template.json" || strings.HasSuffix(base, ".jinja")
}

// chatTemplatesOf checks the templates of a file: a JSON file's
// chat_template (a string, or a list of named templates), or a template
// file's text.
func chatTemplatesOf(p string, data []byte) []*TemplateCheck {
	if strings.HasSuffix(strings.ToLower(p), ".jinja") {
		return []*TemplateCheck{{Path: p, Offset: 0, Info: chattemplate.Check(string(data))}}
	}
	if !gjson.ValidBytes(data) {
		return nil
	}
	var out []*TemplateCheck
	add := func(field string, r gjson.Result) {
		if r.Type != gjson.String {
			return
		}
		t := &TemplateCheck{Path: p, Field: field, Offset: jsonStringOffset(data, r), Info: chattemplate.Check(r.Str)}
		if t.Offset > 0 {
			t.raw = data[t.Offset:]
		}
		out = append(out, t)
	}
	ct := gjson.GetBytes(data, "chat_template")
	switch {
	case ct.Type == gjson.String:
		add("chat_template", ct)
	case ct.IsArray():
		for i := range ct.Array() {
			name := gjson.GetBytes(data, fmt.Sprintf("chat_template.%d.name", i)).String()
			add(fmt.Sprintf("chat_template[%s]", name), gjson.GetBytes(data, fmt.Sprintf("chat_template.%d.template", i)))
		}
	}
	return out
}

// jsonStringOffset maps byte 0 of a decoded JSON string to its offset in
// the file: the byte after the opening quote. Offsets inside the string
// shift with escapes; jsonDecodedOffset maps them.
func jsonStringOffset(data []byte, r gjson.Result) int64 {
	if r.Index <= 0 || r.Index >= len(data) || data[r.Index] != '"' {
		return -1
	}
	return int64(r.Index + 1)
}

// rawOffset maps an offset in a decoded JSON string to the offset in its
// raw text (after the opening quote), walking the escapes.
func rawOffset(raw []byte, decoded int) int {
	d := 0
	i := 0
	for i < len(raw) && raw[i] != '"' && d < decoded {
		if raw[i] != '\\' || i+1 >= len(raw) {
			i++
			d++
			continue
		}
		if raw[i+1] != 'u' || i+6 > len(raw) {
			i += 2
			d++
			continue
		}
		var r rune
		fmt.Sscanf(string(raw[i+2:i+6]), "%04x", &r)
		i += 6
		if r >= 0xd800 && r < 0xdc00 && i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
			i += 6
			d += 4
			continue
		}
		d += utf8.RuneLen(r)
	}
	return i
}

// ggufChatTemplates checks the chat templates of a GGUF file's metadata:
// tokenizer.chat_template and the named tokenizer.chat_template.NAME.
func ggufChatTemplates(p string, g *gguf.Info) []*TemplateCheck {
	var out []*TemplateCheck
	for _, v := range g.Metadata {
		if v.Key != "tokenizer.chat_template" && !strings.HasPrefix(v.Key, "tokenizer.chat_template.") {
			continue
		}
		s, ok := v.Value.(string)
		if !ok {
			continue
		}
		// The key's offset, then its length (8), the key, the value type (4)
		// and the string's length (8).
		start := v.Offset + 8 + int64(len(v.Key)) + 4 + 8
		out = append(out, &TemplateCheck{Path: p, Field: v.Key, Offset: start, Info: chattemplate.Check(s)})
	}
	return out
}
