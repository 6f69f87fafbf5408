package gguf

import (
	"slices"
	"strings"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/vocabhash"
)

// tokensKey is the key of a GGUF file's token list.
const tokensKey = "tokenizer.ggml.tokens"

// Vocabulary is what the reader learns of tokenizer.ggml.tokens while it
// walks the list, which it does not keep: its length and digest (the
// definition of internal/vocabhash, which tokenizer.json vocabularies are
// digested with too), the digests of its prefixes, and its control-like
// tokens with their ids.
type Vocabulary struct {
	Tokens int64  `json:"tokens"`
	Digest string `json:"digest"` // "sha256:<hex>"
	// Prefixes digest the list's first Tokens tokens at each point where a
	// run of control-like tokens starts: a converted tokenizer's list holds
	// its base vocabulary, then the added tokens, so one of them is the
	// base vocabulary's digest. The last limits.MaxVocabularyPrefixes are
	// kept.
	Prefixes []Prefix `json:"prefixes,omitempty"`
	// Padding counts the tokens at the end of the list named [PAD<n>],
	// which llama.cpp's converter adds to fill the embedding's rows: the
	// tokenizer's real size is Tokens - Padding, and Prefixes then holds
	// the digest of the list without them.
	Padding int64 `json:"padding,omitempty"`
	// Special lists the control-like tokens ("<|im_start|>", "<s>",
	// "[INST]"; not the byte tokens "<0x0A>"), in id order, at most
	// limits.MaxGGUFSpecialTokens of them.
	Special []Token `json:"special,omitempty"`
}

// Prefix is the digest of a token list's first Tokens tokens.
type Prefix struct {
	Tokens int64  `json:"tokens"`
	Digest string `json:"digest"`
}

// Token is a token of the list with its id.
type Token struct {
	ID   int64  `json:"id"`
	Text string `json:"text"`
}

// Token returns the control-like token with id, if the list has one.
func (v *Vocabulary) Token(id int64) (string, bool) {
	for _, t := range v.Special {
		if t.ID == id {
			return t.Text, true
		}
	}
	return "", false
}

// vocabWalk digests a token list as the reader walks it.
type vocabWalk struct {
	h      *vocabhash.Hasher
	v      *Vocabulary
	prev   bool   // the previous token was control-like
	padded Prefix // the list before the last run of padding
}

func newVocabWalk() *vocabWalk { return &vocabWalk{h: vocabhash.New(), v: &Vocabulary{}} }

// add takes the next token; it returns the bytes it kept.
func (w *vocabWalk) add(tok []byte) int {
	id := w.h.Len()
	control := controlLike(tok)
	if control && !w.prev && id > 0 {
		if len(w.v.Prefixes) == limits.MaxVocabularyPrefixes {
			w.v.Prefixes = append(w.v.Prefixes[:0], w.v.Prefixes[1:]...)
		}
		w.v.Prefixes = append(w.v.Prefixes, Prefix{Tokens: id, Digest: w.h.Sum()})
	}
	w.prev = control
	if isPadding(tok) {
		if w.v.Padding == 0 {
			w.padded = Prefix{Tokens: id, Digest: w.h.Sum()}
		}
		w.v.Padding++
	} else {
		w.v.Padding = 0
	}
	w.h.Add(string(tok))
	if control && len(w.v.Special) < limits.MaxGGUFSpecialTokens {
		w.v.Special = append(w.v.Special, Token{ID: id, Text: string(tok)})
		return len(tok)
	}
	return 0
}

func (w *vocabWalk) done() *Vocabulary {
	w.v.Tokens, w.v.Digest = w.h.Len(), w.h.Sum()
	if w.v.Padding > 0 && !slices.Contains(w.v.Prefixes, w.padded) {
		w.v.Prefixes = append(w.v.Prefixes, w.padded)
	}
	return w.v
}

// isPadding matches llama.cpp's padding tokens, "[PAD151665]".
func isPadding(tok []byte) bool {
	digits, ok := strings.CutPrefix(string(tok), "[PAD")
	digits, ok2 := strings.CutSuffix(digits, "]")
	if !ok || !ok2 || digits == "" {
		return false
	}
	return strings.Trim(digits, "0123456789") == ""
}

// controlLike reports whether a token reads as a control token: <|…|>,
// <｜…｜>, <…> (not a byte token <0x0A>) or […] (not padding), without
// spaces.
func controlLike(tok []byte) bool {
	n := len(tok)
	if n < 3 || n > limits.MaxTokenLen {
		return false
	}
	s := string(tok)
	if strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	switch {
	case s[0] == '<' && s[n-1] == '>':
		return !(n == 6 && strings.HasPrefix(s, "<0x"))
	case s[0] == '[' && s[n-1] == ']':
		return !isPadding(tok)
	}
	return false
}
