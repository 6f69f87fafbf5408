// Package reporttest holds a report for the encoders' tests: one that exercises
// every part of the report model, with hostile strings from the release.
package reporttest

import (
	"time"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/manifest"
	"github.com/modelvet/modelvet/report"
)

// Hostile is a string as a hostile release might write it: terminal escape
// sequences, a bidirectional override, Markdown and HTML, a table-cell
// separator, a newline and JSON-significant characters.
const Hostile = "evil\x1b[2J\u202e|<img src=x onerror=alert(1)>[click](http://x)\n\"}{"

// SampleReport returns a report that exercises every part of the report
// model, as an audit would hand it to the encoders: licences with terms,
// a lineage two levels deep, files with digests and metadata, findings of
// every severity with evidence by line and by offset, a waived finding,
// unused and expired waivers, and hostile strings from the release. The
// verdict is v (the encoders must carry it, never recompute it).
func SampleReport(v report.Verdict) *report.Report {
	r := &report.Report{
		Schema:        report.Schema,
		Tool:          report.Tool{Name: "modelvet", Version: "0.1.0"},
		KnowledgeBase: report.KnowledgeBase{Version: "2026.11.29", AsOf: "2026-11-29"},
		Policy: report.Policy{
			Name: "acme-procurement", Jurisdictions: []string{"us-federal", "us-tx"}, Unsafe: []string{"without-hashing"},
			UnusedWaivers: []string{"license.naming *"}, ExpiredWaivers: []string{"format.pickle old.bin"},
		},
		AuditedAt: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC),
		Subject: report.Subject{
			Name: "acme/DeepThought-8B-Instruct", Source: "hf:acme/DeepThought-8B-Instruct", Kind: "hf-cache",
			Revision: "0123456789abcdef0123456789abcdef01234567", Formats: []manifest.Format{manifest.FormatGGUF, manifest.FormatSafetensors},
			Task: "text-generation", Architectures: []string{"LlamaForCausalLM"},
			Datasets: []string{"acme/instructions-v2", "teknium/OpenHermes-2.5"},
		},
		Verdict: v,
		Findings: []finding.Finding{
			{Code: finding.ProvenanceGovernmentPolicy, Severity: finding.High, Confidence: finding.Inferred, Subject: "us-tx-ga-2025",
				Message:    "Texas bans DeepSeek products on state devices; an ancestor of this model is DeepSeek-R1",
				Evidence:   []finding.Evidence{{Path: "README.md", Line: 5, Field: "base_model", Value: "deepseek-ai/DeepSeek-R1"}},
				References: []string{"https://gov.texas.gov/news/post/governor-abbott-bans-chinese-communist-party-owned-and-influenced-ai-apps"}},
			{Code: finding.LicenseUseRestrictions, Severity: finding.Medium, Confidence: finding.Declared, Subject: "llama3.1",
				Message:  "the Llama 3.1 acceptable use policy must be passed on " + Hostile,
				Evidence: []finding.Evidence{{Path: "README.md", Line: 3, Field: "license", Value: "llama3.1"}, {Path: "LICENSE", Line: 12}}},
			{Code: finding.FormatPickle, Severity: finding.Medium, Confidence: finding.Verified, Subject: "pytorch_model.bin",
				Message: "pytorch_model.bin holds weights in a pickle-based format", Waived: "converted in the sandbox " + Hostile,
				Evidence: []finding.Evidence{{Path: "pytorch_model.bin", Field: "container", Value: "zip"}}},
			{Code: finding.LicenseUserThreshold, Severity: finding.Low, Confidence: finding.Declared, Subject: "llama3.1",
				Message: "above 700 million monthly active users a separate licence is needed"},
			{Code: finding.IntegrityUnverified, Severity: finding.Low, Confidence: finding.Verified, Subject: "acme/DeepThought-8B-Instruct",
				Message: "the files were not hashed"},
			{Code: finding.ProvenanceOrigin, Severity: finding.Info, Confidence: finding.Declared, Subject: "deepseek-ai/DeepSeek-R1",
				Message:  "DeepSeek-R1 is developed by DeepSeek (CN)",
				Evidence: []finding.Evidence{{Path: "weights/model-q4 " + "ü.gguf", Offset: 1234, Field: "general.base_model.0.name", Value: Hostile}}},
		},
		Licenses: []report.License{
			{ID: "apache-2.0", Name: "Apache License 2.0", SPDX: "Apache-2.0", Category: "permissive",
				Sources: []finding.Evidence{{Path: "LICENSE", Line: 1}}},
			{ID: "llama3.1", Name: "Llama 3.1 Community License", SPDX: "LicenseRef-llama3.1", Category: "responsible-use",
				Sources: []finding.Evidence{{Path: "README.md", Line: 3, Field: "license", Value: "llama3.1"}},
				Terms: kb.Terms{
					CommercialUse:   &kb.Term{Value: "yes", Summary: "commercial use granted"},
					UserThreshold:   &kb.Term{Value: "700000000", Summary: "separate licence above 700M monthly active users", Clause: "2", Amount: 700_000_000},
					UseRestrictions: &kb.Term{Value: "yes", Summary: "Acceptable Use Policy applies " + Hostile, FlowDown: true},
					Naming:          &kb.Term{Value: "Llama prefix", Summary: "derivative names start with Llama"},
				},
				References: []string{"https://www.llama.com/llama3_1/license/"}},
			{ID: Hostile, Name: Hostile, Category: "unknown"},
		},
		Lineage: []report.LineageNode{
			{Model: "acme/DeepThought-8B-Instruct", Depth: 0, Confidence: finding.Declared, Developer: "ACME", DeveloperID: "acme", Country: "US"},
			{Model: "deepseek-ai/DeepSeek-R1-Distill-Llama-8B", Relation: kb.RelationFinetune, Parent: "acme/DeepThought-8B-Instruct",
				Base: "deepseek-ai/DeepSeek-R1-Distill-Llama-8B", Derivative: "acme/DeepThought-8B-Instruct", Depth: 1,
				Developer: "DeepSeek", DeveloperID: "deepseek-ai", Country: "CN", License: "mit", Confidence: finding.Declared},
			{Model: "meta-llama/Llama-3.1-8B", Relation: kb.RelationDistilled, Parent: "deepseek-ai/DeepSeek-R1-Distill-Llama-8B",
				Base: "meta-llama/Llama-3.1-8B", Derivative: "deepseek-ai/DeepSeek-R1-Distill-Llama-8B", Depth: 2,
				Developer: "Meta", DeveloperID: "meta-llama", Country: "US", License: "llama3.1", Confidence: finding.Inferred},
			{Model: Hostile, Relation: kb.RelationMerge, Parent: "acme/DeepThought-8B-Instruct", Base: Hostile, Derivative: "acme/DeepThought-8B-Instruct",
				Depth: 1, Confidence: finding.Alleged},
		},
		Roots:         []string{"meta-llama/Llama-3.1-8B", Hostile},
		WeightsOrigin: &report.Origin{Model: "acme/DeepThought-8B-Instruct", Relation: "the model itself", DeveloperID: "acme", Developer: "ACME", Country: "US", Confidence: finding.Declared},
		Government: []report.Government{{Policy: "us-tx-ga-2025", Instrument: "Governor's order", Jurisdiction: "us-tx",
			JurisdictionName: "Texas (state government)", Status: kb.StatusInForce, Covers: kb.CoversAncestor,
			Model: "deepseek-ai/DeepSeek-R1", Confidence: finding.Inferred}},
		Files: []report.File{
			{Path: "LICENSE", Size: 7020, Format: "license"},
			{Path: "README.md", Size: 2048, Format: "card"},
			{Path: "config.json", Size: 880, Format: "config"},
			{Path: "model.safetensors", Size: 16_060_522_496, Format: "safetensors",
				Digest: "sha256:" + "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Verified: true,
				Metadata: report.Metadata{"parameters": int64(8_030_261_248), "tensors": 291}},
			{Path: "pytorch_model.bin", Size: 1 << 20, Format: "pytorch"},
			{Path: "weights/model-q4 ü.gguf", Size: 4_920_000_000, Format: "gguf",
				Metadata: report.Metadata{"architecture": "llama", "parameters": int64(8_030_261_248)}},
		},
		Integrity: report.Integrity{Files: 6, Bytes: 20_981_576_444, Hashed: 1, Verified: 1,
			Signature: &report.Signature{Path: "model.sig", Present: true, Method: "sigstore", Error: "no trusted root " + Hostile,
				Checked: []string{"read: ok (4096 bytes)", "signature: FAILED (no trusted root " + Hostile + ")"}}},
	}
	r.Normalize()
	return r
}
