package provenance

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/formats/modelcard"
	"github.com/modelvet/modelvet/hub"
	"github.com/modelvet/modelvet/manifest"
)

// edgeStrings lists a graph's edges as "child -relation(via)-> parent".
func edgeStrings(g *Graph) []string {
	var out []string
	for _, e := range g.Edges {
		out = append(out, g.Nodes[e.Child].Model+" -"+string(e.Relation)+"("+e.Via+")-> "+g.Nodes[e.Parent].Model)
	}
	slices.Sort(out)
	return out
}

func nodeOf(g *Graph, id string) *Node {
	for _, n := range g.Nodes {
		if strings.EqualFold(n.Model, id) {
			return n
		}
	}
	return nil
}

// TestHubAncestors builds the lineage of a Hub release from the ancestor
// records read on the Hub: edges with the relations the records declare
// (merge for several bases, finetune by default), a diamond joined, the
// knowledge base's licence kept over a record's, a record's licence used
// where the knowledge base has none, a record that could not be fetched
// still joined to its child, and nothing without the records.
func TestHubAncestors(t *testing.T) {
	card, err := modelcard.Parse("README.md", []byte("---\nlicense: apache-2.0\nbase_model: team/tuned\n---\n"))
	if err != nil {
		t.Fatal(err)
	}
	rel := &manifest.Release{Name: "team/chat", Repo: "team/chat", Kind: manifest.KindHub, Card: card, Hub: &manifest.HubInfo{
		ModelInfo: hub.ModelInfo{ID: "team/chat"}, Endpoint: "https://hub.example",
		Ancestors: []hub.Ancestor{
			{ModelInfo: hub.ModelInfo{ID: "team/tuned", Author: "team", License: []string{"other"}, LicenseName: "team-licence",
				BaseModel: []string{"team/a", "team/b"}}, Parent: "team/chat", Depth: 1},
			{ModelInfo: hub.ModelInfo{ID: "team/a", Author: "team", License: []string{"mit"}, BaseModel: []string{"meta-llama/Llama-3.1-8B"}, BaseModelRelation: "quantized"}, Parent: "team/tuned", Depth: 2},
			{ModelInfo: hub.ModelInfo{ID: "team/b", Author: "team", License: []string{"cc-by-nc-4.0"}, BaseModel: []string{"meta-llama/Llama-3.1-8B", "gone/model"}}, Parent: "team/tuned", Depth: 2},
			{ModelInfo: hub.ModelInfo{ID: "meta-llama/Llama-3.1-8B", Author: "meta-llama", License: []string{"mit"}}, Parent: "team/a", Relation: "quantized", Depth: 3},
			{ModelInfo: hub.ModelInfo{ID: "gone/model"}, Parent: "team/b", Depth: 3, Err: errors.New("not found")},
		},
	}}
	g := LineageDefault(rel)
	want := []string{
		"team/a -quantized(hub-record)-> meta-llama/Llama-3.1-8B",
		"team/b -merge(hub-record)-> gone/model",
		"team/b -merge(hub-record)-> meta-llama/Llama-3.1-8B",
		"team/chat -finetune(card)-> team/tuned",
		"team/tuned -merge(hub-record)-> team/a",
		"team/tuned -merge(hub-record)-> team/b",
	}
	if got := edgeStrings(g); !slices.Equal(got, want) {
		t.Errorf("edges:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	for id, lic := range map[string]string{"team/tuned": "team-licence", "team/a": "mit", "team/b": "cc-by-nc-4.0", "meta-llama/Llama-3.1-8B": "llama3.1", "gone/model": ""} {
		if n := nodeOf(g, id); n == nil || n.License != lic {
			t.Errorf("%s: node %+v, want licence %q", id, n, lic)
		}
	}
	if n := nodeOf(g, "meta-llama/Llama-3.1-8B"); n.Depth != 3 || n.Country != "US" {
		t.Errorf("Llama: depth %d, country %q", n.Depth, n.Country)
	}
	// The card's edge keeps its relation, and cites where the base's
	// licence came from.
	for _, e := range g.Edges {
		if g.Nodes[e.Parent].Model != "team/tuned" {
			continue
		}
		if !slices.Contains(e.Evidence, finding.Evidence{Path: "https://hub.example/api/models/team/tuned", Field: "cardData.license_name", Value: "team-licence"}) {
			t.Errorf("card edge evidence %+v", e.Evidence)
		}
	}
	if len(g.Cycles) != 0 || g.Truncated != "" {
		t.Errorf("cycles %v, truncated %q", g.Cycles, g.Truncated)
	}
	// The record that could not be read is a verified gap in the lineage.
	want1 := UnreadAncestor{Model: "gone/model", Parent: "team/b", Record: "https://hub.example/api/models/gone/model", Reason: "not found"}
	if len(g.Unread) != 1 || g.Unread[0] != want1 {
		t.Errorf("unread %+v", g.Unread)
	}
	var unread []finding.Finding
	for _, f := range LineageFindings(g) {
		if f.Confidence == finding.Verified {
			unread = append(unread, f)
		}
	}
	if len(unread) != 1 || unread[0].Code != finding.ProvenanceLineageUnknown || !strings.Contains(unread[0].Message, "gone/model (not found)") ||
		unread[0].Evidence[0] != (finding.Evidence{Path: want1.Record, Field: "base_model of team/b", Value: "not found"}) {
		t.Errorf("findings on unread records: %+v", unread)
	}
	// Bases the walk did not follow cut the lineage short.
	rel.Hub.AncestorsUnfollowed = 3
	if g := LineageDefault(rel); !strings.Contains(g.Truncated, "name 3 more bases, which were not looked up") {
		t.Errorf("truncated %q", g.Truncated)
	}

	// Without the records, only the card's base.
	rel.Hub.Ancestors = nil
	if got := edgeStrings(LineageDefault(rel)); !slices.Equal(got, []string{"team/chat -finetune(card)-> team/tuned"}) {
		t.Errorf("without Hub records: %v", got)
	}
}
