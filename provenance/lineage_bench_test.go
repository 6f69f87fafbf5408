package provenance

import (
	"testing"

	"github.com/modelvet/modelvet/kb"
)

// BenchmarkAssess measures what a sweep pays per release for lineage,
// origin and government matching (metadata only).
func BenchmarkAssess(b *testing.B) {
	rel := loadFixture(b, "ollama__deepseek-r1_7b")
	k := kb.Default()
	juris := []string{"us-*", "au", "tw"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Assess(rel, k, juris, GovernmentOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRestricted measures the dataset, statement and distillation
// checks for a card with a dataset list and a body.
func BenchmarkRestricted(b *testing.B) {
	rel := loadFixture(b, "cognitivecomputations__dolphin-2.9-llama3-8b")
	k := kb.Default()
	b.ReportAllocs()
	for b.Loop() {
		g := Lineage(rel, k, LineageOptions{})
		_ = RestrictedOutputs(g, k)
	}
}
