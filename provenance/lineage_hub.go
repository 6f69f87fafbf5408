package provenance

import (
	"slices"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/hub"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/kb"
)

// ViaHubRecord marks what an ancestor's own record on the Hugging Face Hub
// declares (its cardData base_model, base_model_relation, license and
// datasets), fetched remotely when the release was opened
// (manifest.HubInfo.Ancestors).
const ViaHubRecord = "hub-record"

// hubRelation is the relation of a model to one base its Hub record (at
// api) names, with the evidence: the declared base_model_relation when it
// is one modelvet knows, else merge when the record names several bases
// and finetune when it names one.
func hubRelation(api, base, declared string, bases int) (kb.Relation, []finding.Evidence) {
	ev := []finding.Evidence{{Path: api, Field: "cardData.base_model", Value: cut(base)}}
	switch relation := kb.Relation(strings.ToLower(strings.TrimSpace(declared))); relation {
	case Finetune, Adapter, Merge, Quantized:
		return relation, append(ev, finding.Evidence{Path: api, Field: "cardData.base_model_relation", Value: cut(declared)})
	}
	if bases > 1 {
		return Merge, ev
	}
	return Finetune, ev
}

// hubAncestors adds what the Hub records of the release's ancestors
// declare: an edge from each model to the bases its record names (relation
// from its base_model_relation; merge when it names several bases, else
// finetune), each ancestor's licence when the knowledge base has none for
// it, its author as developer when its id names no organisation the
// knowledge base knows, and the datasets it declares. Edges the card
// already declares are kept as the card says; the Hub evidence is added.
func (b *builder) hubAncestors(root int) {
	h := b.rel.Hub
	if h == nil || len(h.Ancestors) == 0 {
		return
	}
	rootKeys := map[string]bool{key(b.g.Nodes[root].Model): true}
	for _, id := range []string{b.rel.Name, b.rel.Repo, h.ID} {
		if id != "" {
			rootKeys[key(id)] = true
		}
	}
	bases := map[string]int{} // parent → how many bases its record names
	for _, a := range h.Ancestors {
		bases[key(a.Parent)]++
	}
	for _, a := range h.Ancestors {
		if n := len(a.BaseModel); n > bases[key(a.ID)] {
			bases[key(a.ID)] = n
		}
	}
	nodes := map[string]int{} // ancestor id → node
	for i := range h.Ancestors {
		a := &h.Ancestors[i]
		parent := -1
		if rootKeys[key(a.Parent)] {
			parent = root
		} else if p, ok := nodes[key(a.Parent)]; ok {
			parent = p
		}
		if parent < 0 {
			continue // its parent was not added (the graph's caps)
		}
		n := b.node(a.ID, b.g.Nodes[parent].Depth+1)
		if n < 0 {
			continue
		}
		nodes[key(a.ID)] = n
		relation, ev := hubRelation(hubAPIPath(h.Endpoint, a.Parent), a.ID, a.Relation, bases[key(a.Parent)])
		lev, hasLicense := b.hubFacts(n, a, h.Endpoint)
		if parent == root && slices.ContainsFunc(b.g.Edges, func(e Edge) bool { return e.Child == root && e.Parent == n }) {
			// The card declares this base: keep its relation, and cite where
			// the base's licence came from.
			if hasLicense {
				b.edge(parent, n, relation, ViaHubRecord, finding.Declared, lev)
			}
			continue
		}
		if hasLicense {
			ev = append(ev, lev)
		}
		b.edge(parent, n, relation, ViaHubRecord, finding.Declared, ev...)
	}
	// A base met again (a diamond, or a loop back to a model already in
	// the lineage) is not fetched twice, so it has no entry of its own:
	// add the edge from each record that names it.
	for _, a := range h.Ancestors {
		child, ok := nodes[key(a.ID)]
		if !ok || a.Err != nil {
			continue
		}
		for j, base := range a.BaseModel {
			if j >= limits.MaxDeclaredBases {
				break
			}
			parent, ok := nodes[key(base)]
			if rootKeys[key(base)] {
				parent, ok = root, true
			}
			if !ok || slices.ContainsFunc(b.g.Edges, func(e Edge) bool { return e.Child == child && e.Parent == parent }) {
				continue
			}
			relation, ev := hubRelation(hubAPIPath(h.Endpoint, a.ID), base, a.BaseModelRelation, len(a.BaseModel))
			b.edge(child, parent, relation, ViaHubRecord, finding.Declared, ev...)
		}
	}
}

// hubFacts fills in what an ancestor's Hub record says about it where the
// knowledge base says nothing: its licence, its developer, its datasets.
// It returns the evidence of the licence when the licence came from the
// record.
func (b *builder) hubFacts(i int, a *hub.Ancestor, endpoint string) (finding.Evidence, bool) {
	if a.Err != nil {
		return finding.Evidence{}, false
	}
	n := b.g.Nodes[i]
	api := hubAPIPath(endpoint, a.ID)
	if n.org == nil && a.Author != "" {
		if o := b.k.Organization(a.Author); o != nil {
			n.org = o
			n.Developer, n.DeveloperName, n.Country, n.DeveloperKind = o.ID, o.Name, o.Country, o.Kind
			if n.DeveloperKind == "" {
				n.DeveloperKind = "developer"
			}
			n.OriginConfidence, n.OriginBasis = finding.Declared, "the Hub record's author "+cut(a.Author)
			for _, u := range citations(o.Sources) {
				if !slices.Contains(n.References, u) {
					n.References = append(n.References, u)
				}
			}
		} else if n.Developer == "" {
			n.Developer, n.DeveloperName, n.DeveloperKind = cut(a.Author), cut(a.Author), "developer"
			n.OriginConfidence, n.OriginBasis = finding.Declared, "the Hub record's author "+cut(a.Author)+" (not in the knowledge base)"
		}
	}
	for j, d := range a.Datasets {
		if j >= limits.MaxDeclaredBases || len(b.g.Datasets) >= limits.MaxLineageNodes {
			break
		}
		id := cut(kb.TrimHubURL(d))
		if id == "" || slices.ContainsFunc(b.g.Datasets, func(u DatasetUse) bool { return u.Node == i && key(u.ID) == key(id) }) {
			continue
		}
		b.g.Datasets = append(b.g.Datasets, DatasetUse{ID: id, Node: i, Record: b.k.DatasetByName(id), Confidence: finding.Declared, Via: ViaHubRecord,
			Evidence: finding.Evidence{Path: api, Field: "cardData.datasets", Value: id}})
	}
	if n.License != "" || len(a.License) == 0 {
		return finding.Evidence{}, false
	}
	id, field := cut(a.License[0]), "cardData.license"
	if id == "other" && a.LicenseName != "" {
		id, field = cut(a.LicenseName), "cardData.license_name"
	}
	if l := b.k.License(id); l != nil {
		n.License = l.ID
	} else {
		n.License = id
	}
	return finding.Evidence{Path: api, Field: field, Value: id}, true
}

// hubAPIPath is the Hub API record of model id, for evidence.
func hubAPIPath(endpoint, id string) string {
	return hub.RecordURL(endpoint, cut(kb.TrimHubURL(id)), "")
}
