package provenance

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/manifest"
)

const fixtureGolden = "expected.golden"

// loadFixture writes testdata/lineage/<name> as its store holds it (a
// Hugging Face cache folder, or a model of an Ollama store, with the
// weight files generated for it; see testmodel.WriteLineageFixture) and
// reads it back through manifest.Parse, as an audit would.
func loadFixture(t testing.TB, name string) *manifest.Release {
	t.Helper()
	src := filepath.Join(testutil.ModuleRoot(t), "testdata", "lineage", name)
	target, err := testmodel.WriteLineageFixture(src, t.TempDir())
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return openTarget(t, target)
}

// openTarget reads a release with manifest.Parse and Open.
func openTarget(t testing.TB, target string) *manifest.Release {
	t.Helper()
	s, err := manifest.Parse(target)
	if err != nil {
		t.Fatalf("Parse(%s): %v", target, err)
	}
	rel, err := s.Open(context.Background())
	if err != nil {
		t.Fatalf("Open(%s): %v", target, err)
	}
	if len(rel.Problems) > 0 {
		t.Fatalf("%s: problems %v", target, rel.Problems)
	}
	return rel
}

// ggufFile writes g as a loose file named name and reads it back.
func ggufFile(t testing.TB, name string, g testmodel.GGUF) *manifest.Release {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := g.WriteFile(p, false); err != nil {
		t.Fatal(err)
	}
	return openTarget(t, p)
}

// edgesOf renders a graph's edges as "child -relation-> parent" lines.
func edgesOf(g *Graph) []string {
	var out []string
	for _, e := range g.Edges {
		out = append(out, fmt.Sprintf("%s -%s-> %s", g.Nodes[e.Child].Model, e.Relation, g.Nodes[e.Parent].Model))
	}
	slices.Sort(out)
	return out
}

// summary renders everything the provenance analysis says about a release,
// for golden comparison.
func summary(g *Graph, k *kb.KB, juris []string) string {
	var b strings.Builder
	o := g.Origin()
	alt := o.Alternatives
	o.Alternatives = nil
	fmt.Fprintf(&b, "origin: %s\n", strings.TrimSuffix(fmt.Sprintf("%+v", o), " Alternatives:[]}")+"}")
	for _, a := range alt {
		fmt.Fprintf(&b, "  or: %s %s (%s) %s\n", a.Model, a.Developer, a.Country, a.Confidence)
	}
	b.WriteString("nodes:\n")
	for _, n := range g.Nodes {
		fmt.Fprintf(&b, "  %s depth=%d developer=%s country=%s license=%s known=%v origin=%s\n", n.Model, n.Depth, n.Developer, n.Country, n.License, n.Known, n.OriginConfidence)
	}
	b.WriteString("edges:\n")
	for _, e := range g.Edges {
		fmt.Fprintf(&b, "  %s -%s-> %s via=%s confidence=%s\n", g.Nodes[e.Child].Model, e.Relation, g.Nodes[e.Parent].Model, e.Via, e.Confidence)
	}
	fs := LineageFindings(g)
	fs = append(fs, Origins(g)...)
	fs = append(fs, RestrictedOutputs(g, k)...)
	fs = append(fs, Allegations(g, k)...)
	gov, _ := Government(g, k, juris, GovernmentOptions{})
	fs = append(fs, gov...)
	slices.SortStableFunc(fs, finding.Compare)
	b.WriteString("findings:\n")
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s %s %s\n    %s\n", f.Code, f.Confidence, f.Subject, f.Message)
		for _, e := range f.Evidence {
			loc := e.Path
			switch {
			case e.Line > 0:
				loc += fmt.Sprintf(":%d", e.Line)
			case e.Offset > 0:
				loc += fmt.Sprintf("@%d", e.Offset)
			}
			fmt.Fprintf(&b, "      %s %s = %q\n", strings.TrimSpace(loc), e.Field, e.Value)
		}
	}
	return b.String()
}
