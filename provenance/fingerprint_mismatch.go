package provenance

import (
	"fmt"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/fingerprint"
	"github.com/modelvet/modelvet/kb"
)

// BaseMismatch is a declared base that the release's own files contradict:
// its shape (or its vocabulary) is not the declared base's.
type BaseMismatch struct {
	// Declared is the base as declared; Record the knowledge-base record
	// of its architecture or tokenizer that the files were compared with.
	Declared string `json:"declared"`
	Record   string `json:"record"`
	// Differed lists the decisive facts that differ, Compared how many
	// decisive facts were compared.
	Differed []FactComparison `json:"differed"`
	Compared int              `json:"compared"`
	// Inferred are the architectures the files match instead; empty when
	// they match no record.
	Inferred   []Candidate        `json:"inferred,omitempty"`
	Confidence finding.Confidence `json:"confidence"`
}

// Message says the mismatch in a sentence.
func (m *BaseMismatch) Message() string {
	var facts []string
	for _, f := range m.Differed {
		facts = append(facts, fmt.Sprintf("%s %s, not %s", f.Fact, f.Release, f.Record))
	}
	msg := fmt.Sprintf("The declared base %s does not fit the release's own files (%s).", m.Declared, strings.Join(facts, "; "))
	if len(m.Inferred) > 0 {
		var names []string
		for _, c := range m.Inferred {
			names = append(names, modelList(c.Bases))
		}
		msg += fmt.Sprintf(" They match %s.", strings.Join(names, " or "))
	}
	return msg
}

// Evidence cites both sides: each differing fact where the release states
// it and as the declared base's record has it.
func (m *BaseMismatch) Evidence() []finding.Evidence {
	file := "architectures.yaml"
	if len(m.Differed) > 0 && m.Differed[0].Fact == "vocabulary" {
		file = "tokenizers.yaml"
	}
	var out []finding.Evidence
	for _, f := range m.Differed {
		out = append(out, finding.Evidence{Path: f.Path, Field: f.Field, Value: f.Release})
		out = append(out, kbEvidence(file, m.Record, f.Fact, f.Record)...)
	}
	return out
}

// CheckDeclaredBase compares the release's fingerprint with a declared
// base (from the card, GGUF general.base_model.*, a name) and reports a
// mismatch when the files contradict it, or nil: when they agree, when
// the knowledge base has no fingerprint of the base or of an ancestor it
// keeps the shape of, or when the files state too little to judge. A base
// declared as distilled is not checked: distillation trains another
// network on the teacher's outputs.
func CheckDeclaredBase(fp *fingerprint.Facts, declared string, relation kb.Relation, k *kb.KB) *BaseMismatch {
	if fp == nil || relation == Distilled {
		return nil
	}
	if m := checkDeclaredArchitecture(fp, declared, k); m != nil {
		return m
	}
	return checkDeclaredVocabulary(fp, declared, k)
}

// fingerprintedAncestors returns the declared model and the ancestors
// whose weights it carries, nearest first, as the knowledge base knows them.
func fingerprintedAncestors(k *kb.KB, declared string) []string {
	m := k.ModelByName(declared)
	if m == nil {
		return nil
	}
	return append([]string{m.ID}, weightAncestors(k, declared)...)
}

// checkDeclaredArchitecture compares the shape with the nearest of the
// declared model and its ancestors that has an architecture record. Only
// decisive facts count: a differing context length or RoPE setting is a
// derivative's choice, not a contradiction.
func checkDeclaredArchitecture(fp *fingerprint.Facts, declared string, k *kb.KB) *BaseMismatch {
	for _, id := range fingerprintedAncestors(k, declared) {
		records := k.ArchitecturesOf(id)
		if len(records) == 0 {
			continue
		}
		var closest *BaseMismatch
		for _, r := range records {
			cmp := compareArchitecture(&fp.Architecture, r)
			if !cmp.rejected {
				return nil
			}
			if !cmp.layers || !cmp.hiddenSize || cmp.decisive < minDecisiveFacts {
				continue // too little stated to judge
			}
			m := &BaseMismatch{Declared: declared, Record: r.ID, Compared: cmp.decisive, Confidence: finding.Inferred}
			for _, f := range cmp.facts {
				if f.Decisive && f.Outcome == FactDiffers {
					m.Differed = append(m.Differed, f)
				}
			}
			if closest == nil || len(m.Differed) < len(closest.Differed) {
				closest = m
			}
		}
		if closest == nil {
			return nil
		}
		closest.Inferred = recognizeArchitecture(&fp.Architecture, k)
		return closest
	}
	return nil
}

// checkDeclaredVocabulary compares the release's base vocabulary with the
// tokenizer records of the declared model and its ancestors: a derivative
// keeps its base's vocabulary even when it adds or renames special tokens.
func checkDeclaredVocabulary(fp *fingerprint.Facts, declared string, k *kb.KB) *BaseMismatch {
	if fp.Tokenizer.Vocabulary == nil {
		return nil
	}
	for _, id := range fingerprintedAncestors(k, declared) {
		var m *BaseMismatch
		for _, r := range k.TokenizersOf(id) {
			f, ok := compareVocabulary(&fp.Tokenizer, r.Vocabulary)
			switch {
			case !ok:
				continue
			case f.Outcome == FactSame:
				return nil
			case m == nil:
				m = &BaseMismatch{Declared: declared, Record: r.ID, Compared: 1, Confidence: finding.Inferred, Differed: []FactComparison{f}}
			}
		}
		if m != nil {
			m.Inferred = recognizeArchitecture(&fp.Architecture, k)
			return m
		}
	}
	return nil
}
