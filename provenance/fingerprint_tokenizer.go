package provenance

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/modelvet/modelvet/fingerprint"
	"github.com/modelvet/modelvet/kb"
)

// genericTokens are special-token strings many unrelated tokenizers share;
// matching them says little about whose tokenizer a release carries.
var genericTokens = []string{"<s>", "</s>", "<unk>", "<pad>", "<bos>", "<eos>", "<mask>", "<|endoftext|>", "<|startoftext|>"}

// tokComparison is a release's tokenizer compared with one record.
type tokComparison struct {
	facts []FactComparison
	// strong counts agreements that identify a tokenizer on their own: the
	// vocabulary digest, a chat template's digest, llama.cpp's
	// pre-tokenizer name, a distinctive token. specific counts tokens
	// matched by id and content that are not generic.
	strong, specific int
	// rejected is set when the vocabulary or the pre-tokenizer differs:
	// then it is another tokenizer.
	rejected bool
}

func (c tokComparison) differs() int {
	n := 0
	for _, f := range c.facts {
		if f.Outcome == FactDiffers {
			n++
		}
	}
	return n
}

// accepted reports whether the record names the release's tokenizer: no
// decisive difference, something specific agreeing, and more agreeing
// than not.
func (c tokComparison) accepted() bool {
	return !c.rejected && (c.strong > 0 || c.specific >= 2) && len(c.facts)-c.differs() > c.differs()
}

func (c *tokComparison) add(f FactComparison, strong bool) {
	c.facts = append(c.facts, f)
	if f.Outcome == FactDiffers && f.Decisive {
		c.rejected = true
	}
	if f.Outcome == FactSame && strong {
		c.strong++
	}
}

// compareTokenizer compares a release's tokenizer facts with a record.
func compareTokenizer(t *fingerprint.Tokenizer, r *kb.Tokenizer) tokComparison {
	var c tokComparison
	if f, ok := compareVocabulary(t, r.Vocabulary); ok {
		c.add(f, true)
	}
	if p, ok := t.GGMLPre.Get(); ok && r.GGMLPre != "" {
		c.add(FactComparison{Fact: "ggml_pre", Release: p, Record: r.GGMLPre, Outcome: factOutcome(p == r.GGMLPre), Decisive: true,
			Path: t.GGMLPre.Path, Field: t.GGMLPre.Field}, true)
	}
	if n, ok := t.VocabSize.Get(); ok && r.VocabSize != nil {
		c.add(FactComparison{Fact: "vocab_size", Release: strconv.FormatInt(n, 10), Record: strconv.FormatInt(*r.VocabSize, 10),
			Outcome: factOutcome(n == *r.VocabSize), Path: t.VocabSize.Path, Field: t.VocabSize.Field}, false)
	}
	if cl, ok := t.Class.Get(); ok && r.Class != "" {
		c.add(compareText("class", t.Class, r.Class, cl == r.Class), false)
	}
	if ct, ok := t.ChatTemplate.Get(); ok && len(r.ChatTemplates) > 0 {
		same := slices.ContainsFunc(ct.Digests, func(d string) bool { return slices.Contains(r.ChatTemplates, d) })
		c.add(FactComparison{Fact: "chat_template", Release: strings.Join(ct.Digests, ", "), Record: strings.Join(r.ChatTemplates, ", "),
			Outcome: factOutcome(same), Path: t.ChatTemplate.Path, Field: t.ChatTemplate.Field}, true)
	}
	// A template whose markers all belong to the developer's templates may
	// be an edited one; a marker of another format says the format changed.
	if ct, ok := t.ChatTemplate.Get(); ok && len(ct.Markers) > 0 && len(r.ChatMarkers) > 0 {
		var foreign []string
		for _, m := range ct.Markers {
			if !slices.Contains(r.ChatMarkers, m) {
				foreign = append(foreign, m)
			}
		}
		f := FactComparison{Fact: "chat_markers", Release: strings.Join(ct.Markers, " "), Record: strings.Join(r.ChatMarkers, " "),
			Outcome: factOutcome(len(foreign) == 0), Path: t.ChatTemplate.Path, Field: t.ChatTemplate.Field}
		if len(foreign) > 0 {
			f.Note = "not in the developer's templates: " + strings.Join(foreign, " ")
		}
		c.add(f, false)
	}
	compareRoles(&c, t, r)
	strs := t.Strings()
	realSize, sized := t.VocabSize.Get()
	for _, tok := range r.Tokens {
		if tok.ID == nil {
			if slices.Contains(strs, tok.Content) {
				c.add(FactComparison{Fact: "token " + tok.Content, Release: tok.Content, Record: tok.Content, Outcome: FactSame}, tok.Distinctive)
			}
			continue
		}
		fact := "token " + strconv.FormatInt(*tok.ID, 10)
		got, ok := t.AddedByID(*tok.ID)
		switch {
		case ok:
			f := FactComparison{Fact: fact, Release: got.Content, Record: tok.Content, Outcome: factOutcome(got.Content == tok.Content),
				Path: t.Added.Path, Field: t.Added.Field}
			c.add(f, tok.Distinctive)
			if f.Outcome == FactSame && !slices.Contains(genericTokens, tok.Content) {
				c.specific++
			}
		case sized && *tok.ID >= realSize:
			c.add(FactComparison{Fact: fact, Release: "(no such id)", Record: tok.Content, Outcome: FactDiffers,
				Note: fmt.Sprintf("the release's tokenizer has %d ids", realSize), Path: t.VocabSize.Path, Field: t.VocabSize.Field}, false)
		}
	}
	return c
}

// compareVocabulary compares the release's vocabulary with a record's: the
// digest of as many tokens as the record's. A GGUF token list goes on
// with added tokens after its base vocabulary, so when none of its
// digests covers the record's length, and it is longer, nothing is
// compared.
func compareVocabulary(t *fingerprint.Tokenizer, rec *kb.VocabularyDigest) (FactComparison, bool) {
	v, ok := t.Vocabulary.Get()
	if !ok || rec == nil {
		return FactComparison{}, false
	}
	d, covered := v.DigestOf(rec.Tokens)
	if !covered && v.WithAdded && v.Tokens > rec.Tokens {
		return FactComparison{}, false
	}
	release := fmt.Sprintf("%d tokens, %s", v.Tokens, v.Digest)
	if covered {
		release = fmt.Sprintf("%d tokens, %s", rec.Tokens, d)
	}
	return FactComparison{Fact: "vocabulary", Release: release, Record: fmt.Sprintf("%d tokens, %s", rec.Tokens, rec.Digest),
		Outcome: factOutcome(covered && d == rec.Digest), Decisive: true, Path: t.Vocabulary.Path, Field: t.Vocabulary.Field}, true
}

// compareRoles compares the bos, eos, pad and unk tokens, by string and
// by id, with the record's tokens of those roles.
func compareRoles(c *tokComparison, t *fingerprint.Tokenizer, r *kb.Tokenizer) {
	for _, role := range []struct {
		name string
		str  *fingerprint.Fact[string]
		ids  *fingerprint.Fact[[]int64]
	}{
		{"bos", t.BOS, single(t.BOSID)}, {"eos", t.EOS, t.EOSIDs}, {"pad", t.PAD, single(t.PADID)}, {"unk", t.UNK, single(t.UNKID)},
	} {
		var contents []string
		var ids []int64
		distinctive := map[string]bool{}
		for _, tok := range r.Tokens {
			if slices.Contains(tok.Roles, role.name) {
				contents = append(contents, tok.Content)
				distinctive[tok.Content] = tok.Distinctive
				if tok.ID != nil {
					ids = append(ids, *tok.ID)
				}
			}
		}
		if s, ok := role.str.Get(); ok && len(contents) > 0 {
			f := FactComparison{Fact: role.name, Release: s, Record: strings.Join(contents, " or "),
				Outcome: factOutcome(slices.Contains(contents, s)), Path: role.str.Path, Field: role.str.Field}
			c.add(f, distinctive[s])
			if f.Outcome == FactSame && !slices.Contains(genericTokens, s) {
				c.specific++
			}
		}
		if got, ok := role.ids.Get(); ok && len(ids) > 0 {
			same := slices.ContainsFunc(got, func(id int64) bool { return slices.Contains(ids, id) })
			c.add(FactComparison{Fact: role.name + "_id", Release: joinIDs(got), Record: joinIDs(ids),
				Outcome: factOutcome(same), Path: role.ids.Path, Field: role.ids.Field}, false)
		}
	}
}

func single(f *fingerprint.Fact[int64]) *fingerprint.Fact[[]int64] {
	if f == nil {
		return nil
	}
	return &fingerprint.Fact[[]int64]{Value: []int64{f.Value}, Path: f.Path, Field: f.Field}
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}

// recognizeTokenizer returns the tokenizer records the release's tokenizer
// matches with the fewest disagreements.
func recognizeTokenizer(t *fingerprint.Tokenizer, k *kb.KB) []Candidate {
	var cs []Candidate
	strong := map[string]int{}
	for _, r := range k.Tokenizers {
		cmp := compareTokenizer(t, r)
		if !cmp.accepted() {
			continue
		}
		c := newCandidate(k, KindTokenizer, RelationTokenizerOf, tokenizerInfo(r), cmp.facts)
		strong[r.ID] = cmp.strong
		cs = append(cs, c)
	}
	if len(cs) == 0 {
		return nil
	}
	best, _ := rankBy(cs, func(c Candidate) int { return len(c.Differed) })
	// A record matched by an identifying fact (digest, template, pre-
	// tokenizer, distinctive token) outranks one matched by strings alone.
	if slices.ContainsFunc(best, func(c Candidate) bool { return strong[c.Record] > 0 }) {
		best = slices.DeleteFunc(best, func(c Candidate) bool { return strong[c.Record] == 0 })
	}
	for i := range best {
		c := &best[i]
		var b strings.Builder
		fmt.Fprintf(&b, "Fine-tunes and distillations usually keep their base's tokenizer, so this says the release carries %s tokenizer (%s), not who trained it.",
			possessive(c.DeveloperName, c.Developer), c.Family)
		if ties := others(best, *c, func(o Candidate) string { return o.Family }); len(ties) > 0 {
			fmt.Fprintf(&b, " The files match the %s tokenizers equally.", strings.Join(ties, ", "))
		}
		if len(c.Differed) > 0 {
			fmt.Fprintf(&b, " %d of %d facts differ: the tokenizer was changed.", len(c.Differed), c.Compared)
		}
		c.Ambiguity = b.String()
	}
	return best
}

func possessive(name, id string) string {
	if name == "" {
		name = id
	}
	return name + "'s"
}

// recognizeChatFormat finds the distinctive tokens of developers other
// than base (the architecture's developer, "" when unknown) among the
// release's bos, eos, pad and unk strings and chat-template markers: the
// tokens a chat model is trained to read and write. Distinctive tokens
// elsewhere in the vocabulary only say whose vocabulary it is.
func recognizeChatFormat(t *fingerprint.Tokenizer, k *kb.KB, base string) []Candidate {
	roles := map[string]*fingerprint.Fact[string]{}
	for _, f := range []*fingerprint.Fact[string]{t.BOS, t.EOS, t.PAD, t.UNK} {
		if s, ok := f.Get(); ok {
			roles[s] = f
		}
	}
	var markers []string
	if ct, ok := t.ChatTemplate.Get(); ok {
		markers = ct.Markers
	}
	byDev := map[string]*Candidate{}
	var order []string
	for _, r := range k.Tokenizers {
		org := k.Organization(r.Developer)
		if org == nil || (base != "" && org.ID == base) {
			continue
		}
		for _, tok := range r.Tokens {
			if !tok.Distinctive {
				continue
			}
			f := FactComparison{Fact: "token " + tok.Content, Release: tok.Content, Record: tok.Content, Outcome: FactSame}
			if src, ok := roles[tok.Content]; ok {
				f.Path, f.Field = src.Path, src.Field
			} else if slices.Contains(markers, tok.Content) {
				f.Path, f.Field = t.ChatTemplate.Path, t.ChatTemplate.Field
			} else {
				continue
			}
			c, ok := byDev[org.ID]
			if !ok {
				// Without a known base, the developer's own model cannot
				// be told from another's trained to its format.
				relation := RelationTokenizerOf
				if base != "" {
					relation = RelationPostTrainedBy
				}
				nc := newCandidate(k, KindChatFormat, relation, tokenizerInfo(r), nil)
				c = &nc
				byDev[org.ID] = c
				order = append(order, org.ID)
			}
			if !slices.ContainsFunc(c.Matched, func(m FactComparison) bool { return m.Fact == f.Fact }) {
				c.Matched = append(c.Matched, f)
				c.Compared++
			}
		}
	}
	var out []Candidate
	for _, dev := range order {
		c := byDev[dev]
		c.Ambiguity = fmt.Sprintf("The release's special tokens or chat template carry %s own tokens; anyone can train a model to another developer's chat format, so this says whose format its last training used, not who published it.",
			possessive(c.DeveloperName, c.Developer))
		if len(order) > 1 {
			c.Ambiguity += " Tokens of several developers are present."
		}
		out = append(out, *c)
	}
	return out
}
