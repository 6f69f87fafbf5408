package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/report"
)

func writeText(t *testing.T, r *report.Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := report.WriteText(&buf, r, report.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestWriteTextLineageTree checks that siblings are drawn as siblings: every
// child but the last with "├", and the rows under a non-last child behind
// a "│".
func TestWriteTextLineageTree(t *testing.T) {
	r := &report.Report{Verdict: report.Pass, Lineage: []report.LineageNode{
		{Model: "q", Depth: 0},
		{Model: "d", Parent: "q", Relation: "quantized", Depth: 1},
		{Model: "math", Parent: "d", Relation: "finetune", Depth: 2},
		{Model: "base", Parent: "math", Relation: "finetune", Depth: 3},
		{Model: "teacher", Parent: "d", Relation: "distilled", Depth: 2},
	}}
	out := writeText(t, r)
	want := strings.Join([]string{
		"  q",
		"  └ quantisation of d []",
		"    ├ fine-tune of math []",
		"    │ └ fine-tune of base []",
		"    └ distilled from teacher []",
	}, "\n")
	if !strings.Contains(out, want) {
		t.Errorf("lineage drawn as\n%s\nwant\n%s", out, want)
	}
}

// TestWriteTextWaivers checks that waived findings are counted apart from
// the severities that count, say what they would have been, and that
// expired and unused waivers are listed.
func TestWriteTextWaivers(t *testing.T) {
	r := &report.Report{
		Verdict: report.Review,
		Policy: report.Policy{
			Name:           "p",
			UnusedWaivers:  []string{"format.pickle nothing.bin"},
			ExpiredWaivers: []string{"license.naming *"},
		},
		Findings: []finding.Finding{
			{Code: finding.LicenseInheritance, Severity: finding.High, Message: "rename it", Confidence: finding.Inferred, Waived: "TICKET-1"},
			{Code: finding.LicenseOutputRestriction, Severity: finding.Medium, Message: "outputs", Confidence: finding.Declared},
		},
	}
	out := writeText(t, r)
	for _, want := range []string{
		"Findings (1 medium, 1 waived)",
		"waived (would be high): TICKET-1",
		"expired waiver, no longer applied: license.naming *",
		"unused waiver, matched no finding: format.pickle nothing.bin",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}
	// With no findings at all, stale waivers are still listed.
	r.Findings = nil
	if out := writeText(t, r); !strings.Contains(out, "unused waiver, matched no finding") {
		t.Errorf("unused waiver not listed without findings:\n%s", out)
	}
}

// TestWriteTextSignatureNotChecked checks that a signature found in a
// release whose files were not hashed reads as not checked, not as failed.
func TestWriteTextSignatureNotChecked(t *testing.T) {
	r := &report.Report{Verdict: report.Pass, Integrity: report.Integrity{
		Files:     2,
		Signature: &report.Signature{Path: "model.sig", Present: true, Error: "not checked: the files were not hashed"},
	}}
	out := writeText(t, r)
	if !strings.Contains(out, "signature: model.sig present, not checked (the files were not hashed)") || strings.Contains(out, "does not verify") {
		t.Errorf("unchecked signature reported as:\n%s", out)
	}
	r.Integrity.Hashed = 2
	r.Integrity.Signature = &report.Signature{Path: "model.sig", Present: true, Error: "bad envelope", Checked: []string{"bundle: FAILED (bad envelope)"}}
	if out := writeText(t, r); !strings.Contains(out, "signature: model.sig does not verify: bad envelope") {
		t.Errorf("failed signature reported as:\n%s", out)
	}
}

// TestWriteTextFilesWithoutWeights checks that a release without weight
// files lists the files it has instead of only counting them.
func TestWriteTextFilesWithoutWeights(t *testing.T) {
	r := &report.Report{Verdict: report.Pass, Files: []report.File{
		{Path: "model.sig", Format: "signature", Size: 10},
		{Path: "signme-1", Format: "other", Size: 8},
	}}
	out := writeText(t, r)
	if !strings.Contains(out, "  signme-1 ") || strings.Contains(out, "other file") {
		t.Errorf("files listed as:\n%s", out)
	}
	r.Files = append(r.Files, report.File{Path: "model.safetensors", Format: "safetensors", Size: 100})
	if out := writeText(t, r); !strings.Contains(out, "… and 2 other files") {
		t.Errorf("with a weight file, the others are not counted:\n%s", out)
	}
}

// Lineage recognised from the release's own files shows what matched and
// how it could be wrong under its node, in text and in Markdown.
func TestRecognitionInLineage(t *testing.T) {
	r := &report.Report{Verdict: report.Review, Lineage: []report.LineageNode{
		{Model: "acme/chat", Depth: 0},
		{Model: "Qwen/Qwen2.5-7B", Parent: "acme/chat", Relation: "same-or-derivative", Depth: 1, Developer: "Qwen", Country: "CN", Confidence: finding.Inferred,
			Evidence: []finding.Evidence{
				{Field: finding.FieldFingerprint, Value: "the release's own files match architecture qwen2.5-7b: 11 of 11 facts agree"},
				{Path: "config.json", Field: "num_hidden_layers", Value: "28"},
				{Field: finding.FieldAmbiguity, Value: "Fine-tunes keep their base's shape."},
			}},
		{Model: "deepseek-ai/DeepSeek-V3", Parent: "acme/chat", Relation: "post-trained-by", Depth: 1, Developer: "DeepSeek", Country: "CN", Confidence: finding.Inferred},
	}}
	out := writeText(t, r)
	for _, want := range []string{
		"  ├ by its files, the same model as or derived from Qwen/Qwen2.5-7B — Qwen (CN) [inferred]\n",
		"  │   the release's own files match architecture qwen2.5-7b: 11 of 11 facts agree\n",
		"  │   could be wrong: Fine-tunes keep their base's shape.\n",
		"  └ by its files, trained to the chat format of deepseek-ai/DeepSeek-V3 — DeepSeek (CN) [inferred]\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	var md bytes.Buffer
	if err := report.WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "base of acme/chat by its own files") || !strings.Contains(md.String(), "11 of 11 facts agree") || !strings.Contains(md.String(), "Could be wrong") {
		t.Errorf("markdown lacks the recognition:\n%s", md.String())
	}
}

// The origin line names one developer, or every one the files match when
// they span several, and the jurisdictions barring the model, certain
// first; release strings are sanitised.
func TestOriginLine(t *testing.T) {
	r := &report.Report{Policy: report.Policy{Jurisdictions: []string{"us-ks", "au"}},
		WeightsOrigin: &report.Origin{Alternatives: []report.Origin{{DeveloperID: "mistralai", Developer: "Mistral AI", Country: "FR"}, {DeveloperID: "internlm", Developer: "Shanghai AI Lab\x1b[31m", Country: "CN"}}},
		Government:    []report.Government{{Policy: "p1", Jurisdiction: "us-ks", Certain: true}, {Policy: "p2", Jurisdiction: "au"}},
		Findings:      []finding.Finding{{Code: finding.ProvenanceGovernmentPolicy, Subject: "p1"}, {Code: finding.ProvenanceGovernmentPolicy, Subject: "p2"}}}
	want := "\n  origin one of Mistral AI (FR), Shanghai AI Lab\\x1b[31m (CN) · barred in us-ks · possibly barred in au\n"
	if got := writeText(t, r); !strings.Contains(got, want) {
		t.Errorf("no line %q in\n%s", want, got)
	}
	r.Findings, r.WeightsOrigin = nil, &report.Origin{DeveloperID: "meta-llama", Developer: "Meta", Country: "US"}
	if got := writeText(t, r); !strings.Contains(got, "\n  origin Meta (US) · barred in none of the jurisdictions\n") {
		t.Errorf("single developer, no bars:\n%s", got)
	}
}
