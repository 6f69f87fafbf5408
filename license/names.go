package license

import (
	"regexp"
	"slices"
	"strings"

	"github.com/github/go-spdx/v2/spdxexp"

	"github.com/modelvet/modelvet/kb"
)

// parseExpression parses an SPDX licence expression ("MIT OR Apache-2.0",
// "LicenseRef-scancode-llama-2-license-2023") with go-spdx and returns the
// licence ids it names, sorted. ok is false for text that is not a valid
// expression.
func parseExpression(v string) (ids []string, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > maxExpressionBytes {
		return nil, false
	}
	ids, err := spdxexp.ExtractLicenses(v)
	if err != nil || len(ids) == 0 {
		return nil, false
	}
	for i, id := range ids {
		// "Apache-2.0+" and "GPL-2.0 WITH Classpath-exception-2.0" name the
		// licence before the suffix.
		id, _, _ = strings.Cut(id, " ")
		ids[i] = strings.TrimSuffix(id, "+")
	}
	slices.Sort(ids)
	return slices.Compact(ids), true
}

// maxExpressionBytes caps an SPDX expression handed to the parser.
const maxExpressionBytes = 4 << 10

// Caps on free-text name search.
const (
	// maxNameWords caps the words of a text searched for licence names.
	maxNameWords = 20_000
	// maxNameGram is the longest licence name, in words, looked up.
	maxNameGram = 9
)

// nameMentions finds licences named in free text by id, SPDX id, alias or
// name ("released under the Apache 2.0 licence", "llama3.1",
// "CC BY-NC 4.0"). Single words count only when they look like ids (they
// hold a digit, a dot or a hyphen), so that ordinary words ("other",
// "gemma") do not.
func nameMentions(k *kb.KB, text string) []*kb.License {
	words := strings.FieldsFunc(text, func(r rune) bool {
		switch r {
		case ' ', '\t', '\n', '\r', ',', ';', ':', '(', ')', '[', ']', '{', '}', '"', '\'', '`', '*', '|', '<', '>', '!', '?', '“', '”', '‘', '’':
			return true
		}
		return false
	})
	if len(words) > maxNameWords {
		words = words[:maxNameWords]
	}
	for i, w := range words {
		words[i] = strings.Trim(w, ".-_/#")
	}
	var out []*kb.License
	for i := 0; i < len(words); i++ {
		for n := min(maxNameGram, len(words)-i); n >= 1; n-- {
			gram := words[i : i+n]
			if n == 1 && !idLike(gram[0]) {
				continue
			}
			l := k.License(strings.Join(gram, " "))
			if l == nil || l.ID == "other" || l.ID == "unknown" {
				continue
			}
			if !slices.Contains(out, l) {
				out = append(out, l)
			}
			i += n - 1
			break
		}
	}
	return out
}

// idLike reports whether a single word looks like a licence id rather than
// an ordinary word.
func idLike(w string) bool {
	if len(w) < 3 || strings.HasPrefix(strings.ToLower(w), "http") {
		return false
	}
	return strings.ContainsAny(w, "0123456789.-") || strings.HasPrefix(w, "LicenseRef")
}

var urlRE = regexp.MustCompile(`https?://[^\s()<>\[\]"'` + "`" + `]+`)

type foundURL struct {
	url string
	at  int
}

// maxURLs caps the links looked up in one text.
const maxURLs = 256

// findURLs returns the http(s) links in a text with their offsets.
func findURLs(text string) []foundURL {
	var out []foundURL
	for _, m := range urlRE.FindAllStringIndex(text, maxURLs) {
		out = append(out, foundURL{url: strings.TrimRight(text[m[0]:m[1]], ".,;:*"), at: m[0]})
	}
	return out
}
