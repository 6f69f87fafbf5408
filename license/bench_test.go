package license

import (
	"os"
	"testing"

	"github.com/modelvet/modelvet/formats/modelcard"
	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/manifest"
)

// typicalRelease is a Llama 3.2 fine-tune: a card with a licence section,
// the licence text and a notice.
func typicalRelease(b *testing.B) *manifest.Release {
	text, err := os.ReadFile(testutil.Corpus(b, "licenses", "llama-3.2-license-2024.txt"))
	if err != nil {
		b.Fatal(err)
	}
	card, err := os.ReadFile(testutil.Corpus(b, "cards", "real", "Sherry-27__llama-3.2-1b-medical-qlora.md"))
	if err != nil {
		b.Fatal(err)
	}
	c, _ := modelcard.Parse("README.md", card)
	return &manifest.Release{
		Name: "Sherry-27/llama-3.2-1b-medical-qlora",
		Card: c,
		LicenseTexts: []*manifest.LicenseText{
			{Path: "LICENSE.txt", Origin: "file", Text: string(text)},
			{Path: "NOTICE", Origin: "file", Text: "Llama 3.2 is licensed under the Llama 3.2 Community License, Copyright © Meta Platforms, Inc. All Rights Reserved.\n"},
		},
	}
}

// BenchmarkIdentifyRelease measures identifying the licences of a typical
// release once the scanner is built.
func BenchmarkIdentifyRelease(b *testing.B) {
	rel := typicalRelease(b)
	k := kb.Default()
	Identify(rel, k) // warm up: builds the scanner
	b.ReportAllocs()
	for b.Loop() {
		Identify(rel, k)
	}
}

// BenchmarkScannerBuild measures building the shared scanner (templates and
// the fast set of ordinary licences), which happens once per process.
func BenchmarkScannerBuild(b *testing.B) {
	for b.Loop() {
		if _, err := newScanner(); err != nil {
			b.Fatal(err)
		}
	}
}
