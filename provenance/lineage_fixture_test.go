package provenance

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/manifest"
)

// Fixture files that describe what a release holds beyond its card and
// config, until the GGUF reader and the Ollama source build them from real
// files: gguf.json lists the GGUF metadata of one file, ollama.json the
// Ollama store entry.
const (
	fixtureGGUF   = "gguf.json"
	fixtureOllama = "ollama.json"
	fixtureGolden = "expected.golden"
)

// loadFixture reads testdata/lineage/<name> as a release whose repository
// id is the name with "__" read as "/".
func loadFixture(t testing.TB, name string) *manifest.Release {
	t.Helper()
	dir := filepath.Join(testutil.ModuleRoot(t), "testdata", "lineage", name)
	rel, err := manifest.Dir(dir).Open(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	rel.Files = slices.DeleteFunc(rel.Files, func(f *manifest.File) bool {
		return f.Path == fixtureGGUF || f.Path == fixtureOllama || f.Path == fixtureGolden
	})
	rel.Repo = strings.Replace(name, "__", "/", 1)
	rel.Name = rel.Repo
	if data, err := os.ReadFile(filepath.Join(dir, fixtureGGUF)); err == nil {
		rel.Files = append(rel.Files, ggufFixture(t, data))
	}
	if data, err := os.ReadFile(filepath.Join(dir, fixtureOllama)); err == nil {
		var o manifest.OllamaModel
		var raw struct {
			Name         string `json:"name"`
			Host         string `json:"host"`
			Namespace    string `json:"namespace"`
			Model        string `json:"model"`
			Tag          string `json:"tag"`
			ManifestPath string `json:"manifest_path"`
			Layers       []struct {
				MediaType string `json:"media_type"`
				Path      string `json:"path"`
			} `json:"layers"`
		}
		if err := json.Unmarshal(data, &raw); err != nil {
			t.Fatal(err)
		}
		o.Name, o.Host, o.Namespace, o.Model, o.Tag, o.ManifestPath = raw.Name, raw.Host, raw.Namespace, raw.Model, raw.Tag, raw.ManifestPath
		for _, l := range raw.Layers {
			o.Layers = append(o.Layers, manifest.OllamaLayer{MediaType: l.MediaType, Path: l.Path})
		}
		rel.Ollama = &o
		rel.Kind = manifest.KindOllama
		rel.Name, rel.Repo, rel.Source = o.Name, "", "ollama:"+o.Name
	}
	slices.SortFunc(rel.Files, func(a, b *manifest.File) int { return strings.Compare(a.Path, b.Path) })
	return rel
}

// ggufFixture builds the described GGUF file's header facts.
func ggufFixture(t testing.TB, data []byte) *manifest.File {
	t.Helper()
	var doc struct {
		File     string  `json:"file"`
		Metadata [][]any `json:"metadata"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	info := &manifest.GGUFInfo{Version: 3}
	off := int64(24)
	for _, kv := range doc.Metadata {
		k := kv[0].(string)
		v := manifest.GGUFValue{Key: k, Offset: off}
		switch x := kv[1].(type) {
		case string:
			v.Type, v.Value = "string", x
		case float64:
			v.Type, v.Value = "uint32", uint32(x)
		default:
			t.Fatalf("unsupported fixture value %v", x)
		}
		info.Metadata = append(info.Metadata, v)
		off += int64(8 + len(k) + 4 + 16)
	}
	info.KVCount = uint64(len(info.Metadata))
	info.Architecture = info.String("general.architecture")
	return &manifest.File{Path: doc.File, Format: manifest.FormatGGUF, GGUF: info}
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
	fmt.Fprintf(&b, "origin: %+v\n", g.Origin())
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
	}
	return b.String()
}
