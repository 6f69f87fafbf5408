package fingerprint

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/bits"
	"regexp"
	"slices"
	"strconv"

	"github.com/tidwall/gjson"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/textsafe"
	"github.com/modelvet/modelvet/internal/vocabhash"
)

// specialTokenFields are the special-token fields of tokenizer_config.json
// and special_tokens_map.json.
var specialTokenFields = []struct {
	name string
	set  func(*Tokenizer, *Fact[string])
}{
	{"bos_token", func(t *Tokenizer, f *Fact[string]) { t.BOS = f }},
	{"eos_token", func(t *Tokenizer, f *Fact[string]) { t.EOS = f }},
	{"pad_token", func(t *Tokenizer, f *Fact[string]) { t.PAD = f }},
	{"unk_token", func(t *Tokenizer, f *Fact[string]) { t.UNK = f }},
}

// parseTokenizerConfig reads tokenizer_config.json: the class, the
// special tokens, the added tokens with their ids, and the chat template.
func parseTokenizerConfig(path string, data []byte) (*Facts, error) {
	doc, err := parseFactsDoc(formatTokenizer, path, data)
	if err != nil {
		return nil, err
	}
	fp := &Facts{}
	t := &fp.Tokenizer
	if c := doc.Get("tokenizer_class"); c.Type == gjson.String && c.Str != "" && len(c.Str) <= limits.MaxModelName {
		t.Class = &Fact[string]{Value: c.Str, Path: path, Field: "tokenizer_class"}
	}
	readSpecialTokens(t, path, doc)
	if added := readAddedTokens(doc.Get("added_tokens_decoder"), true); len(added) > 0 {
		t.Added = &Fact[[]Token]{Value: added, Path: path, Field: "added_tokens_decoder"}
	}
	t.ChatTemplate = readChatTemplateField(path, "chat_template", doc.Get("chat_template"))
	return fp, nil
}

// parseSpecialTokens reads special_tokens_map.json.
func parseSpecialTokens(path string, data []byte) (*Facts, error) {
	doc, err := parseFactsDoc(formatTokenizer, path, data)
	if err != nil {
		return nil, err
	}
	fp := &Facts{}
	readSpecialTokens(&fp.Tokenizer, path, doc)
	return fp, nil
}

// readSpecialTokens reads bos/eos/pad/unk and additional_special_tokens,
// each a string or an AddedToken object with "content".
func readSpecialTokens(t *Tokenizer, path string, doc gjson.Result) {
	for _, f := range specialTokenFields {
		if s, ok := tokenContent(doc.Get(f.name)); ok {
			f.set(t, &Fact[string]{Value: s, Path: path, Field: f.name})
		}
	}
	var named []string
	doc.Get("additional_special_tokens").ForEach(func(_, v gjson.Result) bool {
		if s, ok := tokenContent(v); ok && !slices.Contains(named, s) {
			named = append(named, s)
		}
		return len(named) < limits.MaxTokenizerAddedTokens
	})
	if len(named) > 0 {
		t.Named = &Fact[[]string]{Value: named, Path: path, Field: "additional_special_tokens"}
	}
}

// tokenContent reads a token given as a string or as {"content": …}.
func tokenContent(v gjson.Result) (string, bool) {
	if v.IsObject() {
		v = v.Get("content")
	}
	if v.Type != gjson.String || v.Str == "" || len(v.Str) > limits.MaxTokenLen {
		return "", false
	}
	return v.Str, true
}

// readAddedTokens reads added tokens, either tokenizer_config.json's
// added_tokens_decoder (an object keyed by id) or tokenizer.json's
// added_tokens (a list of objects with "id"), sorted by id, the first of
// duplicate ids kept.
func readAddedTokens(v gjson.Result, keyedByID bool) []Token {
	var out []Token
	v.ForEach(func(k, e gjson.Result) bool {
		var id int64
		var ok bool
		if keyedByID {
			n, err := strconv.ParseInt(k.Str, 10, 64)
			id, ok = n, err == nil
		} else {
			id, ok = factInt(e.Get("id"))
		}
		content, hasContent := tokenContent(e.Get("content"))
		if ok && hasContent && id >= 0 && id < limits.MaxTokenizerTokens {
			out = append(out, Token{ID: id, Content: content, Special: e.Get("special").Type == gjson.True})
		}
		return len(out) < limits.MaxTokenizerAddedTokens
	})
	slices.SortStableFunc(out, func(a, b Token) int { return cmp.Compare(a.ID, b.ID) })
	return slices.CompactFunc(out, func(a, b Token) bool { return a.ID == b.ID })
}

// readChatTemplateField reads a chat template given as a string or as a
// list of {"name", "template"} objects.
func readChatTemplateField(path, field string, v gjson.Result) *Fact[ChatTemplate] {
	var texts []string
	switch {
	case v.Type == gjson.String:
		texts = append(texts, v.Str)
	case v.IsArray():
		v.ForEach(func(_, e gjson.Result) bool {
			if t := e.Get("template"); t.Type == gjson.String {
				texts = append(texts, t.Str)
			}
			return len(texts) < limits.MaxChatTemplateMarkers
		})
	}
	if len(texts) == 0 {
		return nil
	}
	return &Fact[ChatTemplate]{Value: summarizeChatTemplates(texts), Path: path, Field: field}
}

// parseChatTemplate reads chat_template.jinja, the template as text.
func parseChatTemplate(path string, data []byte) (*Facts, error) {
	if max := MaxFileBytes(path); int64(len(data)) > max {
		return nil, &formats.Error{Format: formatTokenizer, Path: path, Offset: -1, Msg: fmt.Sprintf("is larger than the %d-byte cap", max)}
	}
	fp := &Facts{}
	if len(data) > 0 {
		fp.Tokenizer.ChatTemplate = &Fact[ChatTemplate]{Value: summarizeChatTemplates([]string{string(data)}), Path: path}
	}
	return fp, nil
}

// parseChatTemplateJSON reads chat_template.json ({"chat_template": …}).
func parseChatTemplateJSON(path string, data []byte) (*Facts, error) {
	doc, err := parseFactsDoc(formatTokenizer, path, data)
	if err != nil {
		return nil, err
	}
	return &Facts{Tokenizer: Tokenizer{ChatTemplate: readChatTemplateField(path, "chat_template", doc.Get("chat_template"))}}, nil
}

// chatMarkerRE finds the control-token-like strings of a chat template:
// <|im_start|>, <｜User｜> (full-width bars), <start_of_turn>, </think>,
// [INST], [/TOOL_RESULTS], <<SYS>>. Go's regexp runs in linear time.
var chatMarkerRE = regexp.MustCompile(`<\|[^|<>\s]{1,64}\|>|<｜[^｜<>\s]{1,64}｜>|</?[A-Za-z][A-Za-z0-9_]{1,31}>|\[/?[A-Z][A-Z_]{1,31}\]|<<[A-Z]{2,16}>>`)

// ChatMarkers returns the distinct markers of a chat template's text,
// sorted, at most limits.MaxChatTemplateMarkers of them.
func ChatMarkers(text string) []string {
	return summarizeChatTemplates([]string{text}).Markers
}

// summarizeChatTemplates digests each template and collects their markers.
func summarizeChatTemplates(texts []string) ChatTemplate {
	var ct ChatTemplate
	seen := map[string]bool{}
	for _, text := range texts {
		sum := sha256.Sum256([]byte(text))
		ct.Digests = append(ct.Digests, "sha256:"+hex.EncodeToString(sum[:]))
		for rest := text; len(seen) < limits.MaxChatTemplateMarkers; {
			loc := chatMarkerRE.FindStringIndex(rest)
			if loc == nil {
				break
			}
			seen[rest[loc[0]:loc[1]]] = true
			rest = rest[loc[1]:]
		}
	}
	for m := range seen {
		ct.Markers = append(ct.Markers, m)
	}
	slices.Sort(ct.Markers)
	return ct
}

// parseTokenizerJSON reads tokenizer.json: its vocabulary (digest and
// size) and added tokens. The document is read once; the vocabulary is
// walked in place, its tokens hashed as they come when they come in id
// order (they do in every published file), so no map of it is built.
func parseTokenizerJSON(path string, data []byte) (*Facts, error) {
	doc, err := parseFactsDoc(formatTokenizer, path, data)
	if err != nil {
		return nil, err
	}
	fp := &Facts{}
	t := &fp.Tokenizer
	added := readAddedTokens(doc.Get("added_tokens"), false)
	if len(added) > 0 {
		t.Added = &Fact[[]Token]{Value: added, Path: path, Field: "added_tokens"}
	}
	vocab, err := readVocabulary(path, doc.Get("model.vocab"))
	if err != nil {
		return nil, err
	}
	if vocab.ids == nil {
		return fp, nil
	}
	if vocab.digest != nil {
		t.Vocabulary = &Fact[Vocabulary]{Value: *vocab.digest, Path: path, Field: "model.vocab"}
	}
	for _, tok := range added {
		vocab.ids.add(tok.ID)
	}
	t.VocabSize = &Fact[int64]{Value: vocab.ids.count(), Path: path, Field: "model.vocab+added_tokens"}
	return fp, nil
}

// vocabulary is what readVocabulary learns: the ids used, and the digest
// when the ids run from 0 without gaps or duplicates.
type vocabulary struct {
	ids    *idSet
	digest *Vocabulary
}

type idToken struct {
	id    int64
	token string
}

// readVocabulary walks model.vocab: an object {token: id} (BPE, WordPiece,
// WordLevel) or a list of [token, score] pairs in id order (Unigram).
func readVocabulary(path string, v gjson.Result) (vocabulary, error) {
	if !v.IsObject() && !v.IsArray() {
		return vocabulary{}, nil
	}
	ids := newIDSet()
	h := vocabhash.New()
	var next, n int64
	var rest []idToken // tokens met out of id order, sorted later
	var fault string
	v.ForEach(func(k, e gjson.Result) bool {
		if n++; n > limits.MaxTokenizerTokens {
			fault = fmt.Sprintf("model.vocab has more than %d tokens", limits.MaxTokenizerTokens)
			return false
		}
		var token string
		var id int64
		if v.IsArray() {
			piece := e.Get("0")
			if piece.Type != gjson.String {
				fault = fmt.Sprintf("model.vocab[%d] is not a [token, score] pair", n-1)
				return false
			}
			token, id = piece.Str, n-1
		} else {
			var ok bool
			if id, ok = factInt(e); !ok || id >= limits.MaxTokenizerTokens {
				fault = fmt.Sprintf("model.vocab id of %q is not an integer below %d", textsafe.Truncate(k.Str, 64), limits.MaxTokenizerTokens)
				return false
			}
			token = k.Str
		}
		ids.add(id)
		if rest == nil && id == next {
			h.Add(token)
			next++
		} else {
			rest = append(rest, idToken{id, token})
		}
		return true
	})
	if fault != "" {
		return vocabulary{}, &formats.Error{Format: formatTokenizer, Path: path, Offset: -1, Msg: fault}
	}
	if n == 0 {
		return vocabulary{}, nil
	}
	out := vocabulary{ids: ids}
	slices.SortFunc(rest, func(a, b idToken) int { return cmp.Compare(a.id, b.id) })
	for _, t := range rest {
		if t.id != next {
			return out, nil // a gap or a duplicate: no digest
		}
		h.Add(t.token)
		next++
	}
	out.digest = &Vocabulary{Tokens: h.Len(), Digest: h.Sum()}
	return out, nil
}

// idSet is a bitset of token ids below limits.MaxTokenizerTokens.
type idSet struct{ words []uint64 }

func newIDSet() *idSet { return &idSet{} }

func (s *idSet) add(id int64) {
	if id < 0 || id >= limits.MaxTokenizerTokens {
		return
	}
	w := int(id / 64)
	if w >= len(s.words) {
		s.words = append(s.words, make([]uint64, w+1-len(s.words))...)
	}
	s.words[w] |= 1 << (id % 64)
}

func (s *idSet) count() int64 {
	var n int
	for _, w := range s.words {
		n += bits.OnesCount64(w)
	}
	return int64(n)
}
