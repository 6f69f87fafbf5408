package integrity

import (
	"encoding/hex"
	"strconv"
	"strings"
)

// statementJSON writes a v1.0 statement exactly as the reference
// implementation does (protobuf's MessageToJson: two-space indentation,
// non-ASCII escaped, shard_size as a double).
func statementJSON(subjectName string, root []byte, ser Serialization, resources []Resource) []byte {
	var b strings.Builder
	b.WriteString("{\n")
	b.WriteString(`  "_type": ` + pyQuote(StatementType) + ",\n")
	b.WriteString("  \"subject\": [\n    {\n")
	b.WriteString(`      "name": ` + pyQuote(subjectName) + ",\n")
	b.WriteString("      \"digest\": {\n")
	b.WriteString(`        "sha256": ` + pyQuote(hex.EncodeToString(root)) + "\n")
	b.WriteString("      }\n    }\n  ],\n")
	b.WriteString(`  "predicateType": ` + pyQuote(PredicateV1) + ",\n")
	b.WriteString("  \"predicate\": {\n    \"serialization\": {\n")
	fields := []string{
		`      "method": ` + pyQuote(ser.Method),
		`      "hash_type": ` + pyQuote(ser.HashType),
		`      "allow_symlinks": ` + strconv.FormatBool(ser.AllowSymlinks),
	}
	if ser.Method == MethodShards {
		fields = append(fields, `      "shard_size": `+pyFloat(ser.ShardSize))
	}
	if len(ser.IgnorePaths) > 0 {
		var items []string
		for _, p := range ser.IgnorePaths {
			items = append(items, "        "+pyQuote(p))
		}
		fields = append(fields, "      \"ignore_paths\": [\n"+strings.Join(items, ",\n")+"\n      ]")
	}
	b.WriteString(strings.Join(fields, ",\n"))
	b.WriteString("\n    },\n")
	if len(resources) == 0 {
		b.WriteString("    \"resources\": []\n")
	} else {
		b.WriteString("    \"resources\": [\n")
		for i, r := range resources {
			b.WriteString("      {\n")
			b.WriteString(`        "algorithm": ` + pyQuote(r.Algorithm) + ",\n")
			b.WriteString(`        "digest": ` + pyQuote(hex.EncodeToString(r.Digest)) + ",\n")
			b.WriteString(`        "name": ` + pyQuote(r.Name) + "\n")
			b.WriteString("      }")
			if i < len(resources)-1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString("    ]\n")
	}
	b.WriteString("  }\n}")
	return []byte(b.String())
}

// pyFloat writes an integer as Python writes a whole double (the shard
// size is a protobuf Struct number): "1000000000.0". Sizes are bounded by
// maxShardSize, well below where Python switches to exponent notation.
func pyFloat(n int64) string { return strconv.FormatInt(n, 10) + ".0" }

// pyQuote is Python's json.dumps of a string with ensure_ascii: quotes,
// backslashes and control characters escaped, non-ASCII as \uXXXX
// (surrogate pairs beyond the BMP), as are DEL and invalid UTF-8 (U+FFFD).
func pyQuote(s string) string {
	const hexdigits = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	u4 := func(r rune) {
		b.WriteString(`\u`)
		b.WriteByte(hexdigits[r>>12&0xf])
		b.WriteByte(hexdigits[r>>8&0xf])
		b.WriteByte(hexdigits[r>>4&0xf])
		b.WriteByte(hexdigits[r&0xf])
	}
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || (r > 0x7e && r <= 0xffff):
			u4(r)
		case r > 0xffff:
			r -= 0x10000
			u4(0xd800 + (r>>10)&0x3ff)
			u4(0xdc00 + r&0x3ff)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
