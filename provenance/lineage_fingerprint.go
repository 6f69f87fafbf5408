package provenance

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/kb"
)

// Recognition in the lineage: the release's own files (its
// fingerprint.Facts) are matched against the knowledge base, and what they
// match becomes lineage: the architecture's base models with relation
// RelationSameOrDerivative, the developer of a distinctive chat format
// other than the base's with RelationPostTrainedBy, both inferred and
// reached ViaFingerprint. A declared base the files confirm gets the
// evidence quietly; one they contradict is a Mismatch, and the inferred
// lineage is added beside it.

// ViaFingerprint marks edges inferred from the release's own files.
const ViaFingerprint = "fingerprint"

// Evidence fields of what the release's own files match.
const (
	// EvidenceFingerprint says what the files match and how many facts
	// agree ("architecture qwen2.5-7b (Qwen2.5, Qwen, CN): 11 of 11 facts
	// agree: layers, hidden_size, …").
	EvidenceFingerprint = finding.FieldFingerprint
	// EvidenceAmbiguity says how the match could be wrong, and which
	// other records the files match as well.
	EvidenceAmbiguity = finding.FieldAmbiguity
)

// declaredVia are the sources of edges the release itself declares.
var declaredVia = []string{ViaCard, ViaGGUF, ViaAdapterConfig, ViaConfig, ViaHub, ViaOllama, ViaName}

// Mismatch is a base the release declares that its own files contradict.
type Mismatch struct {
	*BaseMismatch
	// Node is the declared model's node; Via and Evidence say where it was
	// declared (Via is "" for the release's own name).
	Node     int
	Via      string
	Evidence []finding.Evidence
}

// fingerprints matches the release's facts against the knowledge base and
// adds what they show to the lineage (see above).
func (b *builder) fingerprints(root int) {
	fp := b.rel.Fingerprint
	if fp.Empty() {
		return
	}
	r := Recognize(fp, b.k)
	b.g.Recognition = r
	b.checkDeclared(root)
	weights := b.weightNodes(root)
	agreed := false
	for _, c := range r.Architectures {
		if i := b.nodeOfModels(weights, c.Models); i >= 0 {
			b.confirm(i, c)
			agreed = true
		}
	}
	if !agreed {
		for _, c := range r.Architectures {
			for _, m := range c.Bases {
				b.infer(root, m, RelationSameOrDerivative, c, r.Architectures)
			}
		}
	}
	if len(r.Architectures) == 0 {
		return // whose chat format, without a known base, says nothing of the lineage
	}
	for _, c := range r.ChatFormats {
		if c.Relation != RelationPostTrainedBy {
			continue
		}
		if i := b.nodeOfDeveloper(c.Developer); i >= 0 {
			b.confirm(i, c)
			continue
		}
		if len(c.Bases) > 0 {
			b.infer(root, c.Bases[0], RelationPostTrainedBy, c, r.ChatFormats)
		}
	}
}

// checkDeclared compares the files with every base the release declares
// (and with the model it names itself, when the knowledge base knows it),
// recording the bases they contradict.
func (b *builder) checkDeclared(root int) {
	fp := b.rel.Fingerprint
	type declaration struct {
		node     int
		relation kb.Relation
		via      string
		ev       []finding.Evidence
	}
	var ds []declaration
	if n := b.g.Nodes[root]; n.Known {
		ds = append(ds, declaration{root, Finetune, "", n.Evidence})
	}
	for _, e := range b.g.Edges {
		if slices.Contains(declaredVia, e.Via) && !slices.ContainsFunc(ds, func(d declaration) bool { return d.node == e.Parent }) {
			ds = append(ds, declaration{e.Parent, e.Relation, e.Via, e.Evidence})
		}
	}
	for _, d := range ds {
		if m := CheckDeclaredBase(fp, b.g.Nodes[d.node].Model, d.relation, b.k); m != nil {
			b.g.Mismatches = append(b.g.Mismatches, Mismatch{BaseMismatch: m, Node: d.node, Via: d.via, Evidence: d.ev})
		}
	}
}

// weightNodes returns the nodes whose weights the audited model carries
// by its lineage so far: itself and its ancestors along edges other than
// distillation.
func (b *builder) weightNodes(root int) []int {
	out := []int{root}
	for i := 0; i < len(out); i++ {
		for _, e := range b.g.Edges {
			if e.Child == out[i] && e.Relation != Distilled && !slices.Contains(out, e.Parent) {
				out = append(out, e.Parent)
			}
		}
	}
	return out
}

// nodeOfModels returns the first of nodes that is one of models, or -1.
func (b *builder) nodeOfModels(nodes []int, models []string) int {
	for _, i := range nodes {
		n := b.g.Nodes[i]
		if n.record == nil {
			continue
		}
		if slices.ContainsFunc(models, func(m string) bool { return b.k.ModelByName(m) == n.record }) {
			return i
		}
	}
	return -1
}

// nodeOfDeveloper returns the first node of the lineage made by
// developer, or -1.
func (b *builder) nodeOfDeveloper(developer string) int {
	return slices.IndexFunc(b.g.Nodes, func(n *Node) bool { return n.Developer == developer })
}

// confirm notes on node i (the edge that leads to it, or the node itself
// for the audited model) that the files agree with it.
func (b *builder) confirm(i int, c Candidate) {
	ev := derived(EvidenceFingerprint, "the release's own files agree: "+c.Summary())
	for k := range b.g.Edges {
		if e := &b.g.Edges[k]; e.Parent == i {
			e.Evidence = appendEvidence(e.Evidence, ev)
			return
		}
	}
	b.g.Nodes[i].Evidence = appendEvidence(b.g.Nodes[i].Evidence, ev)
}

// infer adds an edge from the audited model to model, inferred from
// candidate c among all, with the evidence: what matched and how many
// facts, the release's files and fields, how it could be wrong, and, when
// the files match several candidates, which.
func (b *builder) infer(root int, model string, relation kb.Relation, c Candidate, all []Candidate) {
	p := b.node(model, 1)
	if p < 0 {
		return
	}
	ev := []finding.Evidence{derived(EvidenceFingerprint, "the release's own files match "+c.Summary()+": "+factList(c.Matched))}
	for _, f := range c.Matched {
		if f.Path != "" {
			ev = appendEvidence(ev, finding.Evidence{Path: f.Path, Field: f.Field, Value: f.Release})
		}
	}
	ev = append(ev, derived(EvidenceAmbiguity, strings.TrimSpace(c.Ambiguity+" "+candidatesNote(all))))
	for _, o := range b.rel.Fingerprint.Omitted {
		ev = append(ev, derived(EvidenceNote, o.Path+" "+o.Reason))
	}
	b.edge(root, p, relation, ViaFingerprint, finding.Inferred, ev...)
	n := b.g.Nodes[p]
	for _, u := range c.References {
		if !slices.Contains(n.References, u) {
			n.References = append(n.References, u)
		}
	}
}

// factList names the facts that agree: "layers, hidden_size, …".
func factList(fs []FactComparison) string {
	var names []string
	for _, f := range fs {
		names = append(names, f.Fact)
	}
	return strings.Join(names, ", ")
}

// candidatesNote says, when the files match records of several
// developers equally, which, and that no single origin is claimed.
func candidatesNote(cs []Candidate) string {
	var names, devs []string
	for _, c := range cs {
		names = append(names, c.Record)
		who := cmp.Or(c.DeveloperName, c.Developer)
		if c.Country != "" {
			who += ", " + CountryName(c.Country)
		}
		if !slices.Contains(devs, who) {
			devs = append(devs, who)
		}
	}
	if len(devs) < 2 {
		return ""
	}
	return fmt.Sprintf("The files match %d records of %d developers equally (%s: %s): no single origin is claimed.",
		len(cs), len(devs), join(names), strings.Join(devs, "; "))
}

// mismatchFindings returns a provenance.lineage-mismatch finding for each
// declared base the release's own files contradict, citing both sides.
func mismatchFindings(g *Graph) []finding.Finding {
	var out []finding.Finding
	for _, m := range g.Mismatches {
		declared := g.Nodes[m.Node].Model
		var facts []string
		for _, f := range m.Differed {
			facts = append(facts, fmt.Sprintf("%s %s, not %s", f.Fact, f.Release, f.Record))
		}
		msg := fmt.Sprintf("%s %s, but the release's own files contradict it (%s).", declarationText(m.Via), declared, strings.Join(facts, "; "))
		var match []string
		for _, c := range m.Inferred {
			match = append(match, fmt.Sprintf("%s (%s)", join(c.Bases), strings.Join(nonEmpty(c.DeveloperName, CountryName(c.Country)), ", ")))
		}
		if len(match) > 0 {
			msg += " They match " + strings.Join(match, " or ") + "."
		} else {
			msg += " They match no model the knowledge base records."
		}
		ev := slices.Clone(m.Evidence)
		ev = appendEvidence(ev, m.BaseMismatch.Evidence()...)
		var refs []string
		for _, c := range m.Inferred {
			refs = appendStrings(refs, c.References...)
		}
		out = append(out, finding.Finding{
			Code:       finding.ProvenanceLineageMismatch,
			Message:    msg,
			Confidence: finding.Inferred,
			Subject:    declared,
			Evidence:   ev,
			References: capRefs(refs),
		})
	}
	return out
}

// declarationText says who declared a base, to open a sentence.
func declarationText(via string) string {
	switch via {
	case ViaCard:
		return "The card declares the base"
	case ViaGGUF:
		return "The GGUF metadata names the base"
	case ViaAdapterConfig:
		return "adapter_config.json names the base"
	case ViaConfig:
		return "config.json's _name_or_path names the base"
	case ViaHub:
		return "The Hub tags name the base"
	case ViaOllama:
		return "The Ollama library name stands for"
	case ViaName:
		return "The name suggests the base"
	}
	return "The release names itself"
}

func appendStrings(dst []string, ss ...string) []string {
	for _, s := range ss {
		if !slices.Contains(dst, s) {
			dst = append(dst, s)
		}
	}
	return dst
}
