package provenance

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/modelvet/modelvet/kb"

	"github.com/modelvet/modelvet/finding"
)

// Findings say their conclusion in one or two short sentences; what
// supports it goes into their evidence. Evidence that cites the knowledge
// base has the path "kb:<file>.yaml", the record's id as the field (its
// status or scope as the value), and "<id>.<key>" fields for the record's
// other keys, as written there. Evidence derived from the lineage has no
// path and one of these fields:
const (
	// EvidenceLineage says how the audited model reaches a model of its
	// lineage ("a quantisation of A, which is distilled from B").
	EvidenceLineage = "lineage"
	// EvidenceOrigin says how a model's developer was established.
	EvidenceOrigin = "origin"
	// EvidenceMatch says which model of the lineage a government policy
	// matches, how the audited model relates to it and why it is covered;
	// EvidenceAlso does the same for every further model it matches.
	EvidenceMatch = "match"
	EvidenceAlso  = "also"
	// EvidenceNote qualifies a finding (what an instrument does not say,
	// whom terms of service bind).
	EvidenceNote = "note"
	// EvidenceConcerns names a model whose developer an allegation
	// concerns, and its place in the lineage.
	EvidenceConcerns = "concerns"
	// EvidenceTrained names a model of the lineage trained on a dataset.
	EvidenceTrained = "trained"
	// EvidenceDerivative says why a release looks like a derivative.
	EvidenceDerivative = "derivative"
)

// kbEvidence cites key of a knowledge-base record: path "kb:<file>", field
// "<id>.<key>". Empty values cite nothing.
func kbEvidence[T ~string](file, id, key string, value T) []finding.Evidence {
	if value == "" {
		return nil
	}
	return []finding.Evidence{{Path: "kb:" + file, Field: id + "." + key, Value: string(value)}}
}

// derived is evidence derived from the lineage: no path, one of the
// Evidence* fields.
func derived(field, value string) finding.Evidence {
	return finding.Evidence{Field: field, Value: value}
}

// roleWord names, for the relation of an edge, what the parent is to the
// child: "base", "teacher", …
func roleWord(rel kb.Relation) string {
	switch rel {
	case Adapter:
		return "adapter base"
	case Merge:
		return "merged into"
	case Quantized:
		return "quantised as"
	case Distilled:
		return "teacher"
	case RelationSameOrDerivative:
		return "base, by the release's own files"
	case RelationPostTrainedBy:
		return "chat format the release was trained to, by its files"
	}
	return "base"
}

// role says what a model of the lineage is to the audited model, for a
// parenthesis: "" for the model itself, "the weights this release
// carries", "base", "teacher", "ancestor, teacher of X".
func role(g *Graph, p Path) string {
	switch {
	case len(p.Edges) == 0:
		return ""
	case p.Same():
		return "the weights this release carries"
	case len(p.Edges) == 1:
		if r := p.Edges[0].Relation; r == Merge {
			return "merged into this release"
		} else {
			return roleWord(r)
		}
	}
	last := p.Edges[len(p.Edges)-1]
	w := roleWord(last.Relation)
	if last.Relation != Merge && last.Relation != Quantized {
		w += " of"
	}
	return "ancestor, " + w + " " + g.Nodes[last.Child].Model
}

// nounPhrase names a model of the lineage by what it is to the audited
// model, to be read as the object of a sentence: "X itself", "the
// weights of X", "its base X", "its teacher X", "its ancestor X".
func nounPhrase(g *Graph, p Path) string {
	m := g.Nodes[p.Node].Model
	switch {
	case len(p.Edges) == 0:
		return m + " itself"
	case p.Same():
		return "the weights of " + m
	case len(p.Edges) == 1:
		switch p.Edges[0].Relation {
		case Merge:
			return "its merged-in model " + m
		case Adapter:
			return "its adapter base " + m
		case Distilled:
			return "its teacher " + m
		case RelationSameOrDerivative:
			return "its base by its own files, " + m
		case RelationPostTrainedBy:
			return "the model whose chat format it was trained to, " + m
		}
		return "its base " + m
	}
	return "its ancestor " + m
}

// developerName names a node's developer: its name, else its id.
func developerName(n *Node) string {
	if n.DeveloperName != "" {
		return n.DeveloperName
	}
	return n.Developer
}

// developerText names a node's developer and country: "DeepSeek, China",
// "acme" when the country is unknown.
func developerText(n *Node) string {
	who := developerName(n)
	if n.Country != "" {
		who += ", " + CountryName(n.Country)
	}
	return who
}

// upperFirst capitalises the first letter of a sentence.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// lowerFirst lowers the first letter of a phrase from the knowledge base
// for use inside a sentence, unless its first word is an acronym or a name
// with other capitals ("DoD networks", "ITS-managed devices").
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || !unicode.IsUpper(r) {
		return s
	}
	word, _, _ := strings.Cut(s[n:], " ")
	if strings.IndexFunc(word, unicode.IsUpper) >= 0 || word == "" {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// jurisdictionShort drops a generic qualifier from a jurisdiction's name
// for a message: "US federal government (government-wide)" → "US federal
// government", "Kansas (state government)" → "Kansas"; "Germany (Berlin)"
// keeps its qualifier. The full name is in the evidence.
func jurisdictionShort(name string) string {
	base, q, ok := strings.Cut(name, " (")
	if !ok || !strings.HasSuffix(q, ")") {
		return name
	}
	q = strings.TrimSuffix(q, ")")
	if strings.Contains(q, "government") || q == "Commonwealth" {
		return base
	}
	return name
}

// join lists words as people do: "A", "A and B", "A, B and C".
func join(ws []string) string {
	switch len(ws) {
	case 0:
		return ""
	case 1:
		return ws[0]
	}
	return strings.Join(ws[:len(ws)-1], ", ") + " and " + ws[len(ws)-1]
}
