// Package report is the audit report: the one results model that every
// encoder reads, and the JSON (the contract, schema "modelvet.report/v1")
// and text encoders. Further formats live in sub-packages (sarif,
// cyclonedx) and never change the verdict.
//
// The JSON shape is the contract with procurement tooling: fields are
// added, never renamed. Its JSON Schema is schema.json in this directory.
package report

import (
	"slices"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/fingerprint"
	"github.com/modelvet/modelvet/kb"
)

// Schema is the schema id every JSON report carries.
const Schema = "modelvet.report/v1"

// Verdict is the outcome of an audit under a policy.
type Verdict string

// Verdicts, from best to worst.
const (
	Pass   Verdict = "pass"
	Review Verdict = "review"
	Fail   Verdict = "fail"
)

// Report is the result of auditing one release.
type Report struct {
	Schema        string        `json:"schema"`
	Tool          Tool          `json:"tool"`
	KnowledgeBase KnowledgeBase `json:"knowledge_base"`
	Policy        Policy        `json:"policy"`
	// AuditedAt is when the audit ran (RFC 3339, UTC), from the auditor's
	// clock.
	AuditedAt string            `json:"audited_at"`
	Subject   Subject           `json:"subject"`
	Verdict   Verdict           `json:"verdict"`
	Findings  []finding.Finding `json:"findings"`
	Licenses  []License         `json:"licenses"`
	Lineage   []LineageNode     `json:"lineage"`
	Files     []File            `json:"files"`
	Integrity Integrity         `json:"integrity"`
}

// Tool names the program that wrote the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// KnowledgeBase identifies the facts the audit used.
type KnowledgeBase struct {
	Version string `json:"version"`
	AsOf    string `json:"as_of"`
}

// Policy identifies the policy applied and any weakening options used.
type Policy struct {
	Name          string   `json:"name"`
	Jurisdictions []string `json:"jurisdictions"`
	// Unsafe lists safety-weakening options the audit ran with
	// ("without-hashing", …); an empty list means none.
	Unsafe []string `json:"unsafe"`
	// UnusedWaivers and ExpiredWaivers list waivers that matched nothing
	// or have passed their expiry date ("code subject").
	UnusedWaivers  []string `json:"unused_waivers,omitempty"`
	ExpiredWaivers []string `json:"expired_waivers,omitempty"`
}

// Subject is the release audited.
type Subject struct {
	Name     string   `json:"name"`
	Source   string   `json:"source"`
	Kind     string   `json:"kind"`
	Revision string   `json:"revision,omitempty"`
	Formats  []string `json:"formats"`
	// Task, Architectures and Datasets are what the card and config
	// declare: the pipeline task, the model classes, and the datasets it
	// was trained or evaluated on (empty when not declared).
	Task          string   `json:"task,omitempty"`
	Architectures []string `json:"architectures,omitempty"`
	Datasets      []string `json:"datasets,omitempty"`
	// Hub is set when the release was read from the Hugging Face Hub, or
	// checked against a Hub listing.
	Hub *Hub `json:"hub,omitempty"`
	// Fingerprint holds the facts the release's own files state that
	// identify the model (architecture, tokenizer, chat template), each
	// with the file and field it was read from; absent when none do.
	Fingerprint *fingerprint.Facts `json:"fingerprint,omitempty"`
}

// Hub is what the Hugging Face Hub says about the release and what the
// audit fetched from it.
type Hub struct {
	ID       string `json:"id"`
	Endpoint string `json:"endpoint"`
	// Revision is the revision asked for, Commit the commit it resolved to
	// (every file was read, or listed, at that commit).
	Revision string `json:"revision,omitempty"`
	Commit   string `json:"commit,omitempty"`
	Author   string `json:"author,omitempty"`
	// Gated is "auto" or "manual" when the Hub makes users accept terms
	// before downloading ("" when not gated); Private is set when only
	// the owner's accounts can see the repository.
	Gated   string `json:"gated,omitempty"`
	Private bool   `json:"private"`
	// Requests and Bytes count the requests made to the Hub and the
	// response bytes read, for this audit.
	Requests int   `json:"requests"`
	Bytes    int64 `json:"bytes"`
	// HeadersRead and HeadersTotal count the safetensors and GGUF files
	// whose header (GGUF metadata) was read in full, and all of them; a
	// remote audit reads headers within a byte budget (both 0 when no
	// header was read remotely).
	HeadersRead  int `json:"headers_read"`
	HeadersTotal int `json:"headers_total"`
	// ParametersFromHeaders counts the parameters the headers read
	// declare; ParametersFromAPI and ParametersByDtypeFromAPI are the Hub
	// API's own summary over all the repository's safetensors files (0 and
	// absent when it gives none).
	ParametersFromHeaders    int64            `json:"parameters_from_headers,omitempty"`
	ParametersFromAPI        int64            `json:"parameters_from_api,omitempty"`
	ParametersByDtypeFromAPI map[string]int64 `json:"parameters_by_dtype_from_api,omitempty"`
	// IndexTotalSize is the metadata.total_size of a sharded index read
	// only in part (its weight_map was not read), or absent.
	IndexTotalSize *int64 `json:"index_total_size,omitempty"`
	// Unmatched counts files the Hub lists that a local copy checked
	// against it does not hold.
	Unmatched int `json:"unmatched,omitempty"`
}

// License is a licence identified for the release.
type License struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	SPDX     string `json:"spdx,omitempty"`
	Category string `json:"category"`
	// Sources are the places that declare it.
	Sources []finding.Evidence `json:"sources"`
	Terms   kb.Terms           `json:"terms"`
	// References cite the licence text and the facts about its terms.
	References []string `json:"references,omitempty"`
}

// LineageNode is the audited model or one of its ancestors.
type LineageNode struct {
	Model string `json:"model"`
	// Relation says how Parent derives from Model, read as "Parent is a
	// <relation> of Model"; empty for the audited model itself. Nodes
	// inferred from the release's own files have "same-or-derivative"
	// (the same model as Model, or a derivative of it) or
	// "post-trained-by" (trained to Model's developer's chat format), with
	// confidence inferred and evidence saying what matched.
	Relation   string             `json:"relation,omitempty"`
	Parent     string             `json:"parent,omitempty"`
	Depth      int                `json:"depth"`
	Developer  string             `json:"developer,omitempty"`
	Country    string             `json:"country,omitempty"`
	License    string             `json:"license,omitempty"`
	Confidence finding.Confidence `json:"confidence"`
	Evidence   []finding.Evidence `json:"evidence,omitempty"`
}

// File is one file of the release.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	Format string `json:"format"`
	// Digest is "sha256:<hex>" when known: computed when the audit hashed
	// the file, else as published by a store.
	Digest string `json:"digest,omitempty"`
	// Verified is set when the digest was computed and matched what was
	// published or signed.
	Verified bool           `json:"verified,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

// Integrity summarises what was checked about the bytes.
type Integrity struct {
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
	// Hashed and Verified count files whose digest was computed, and
	// computed and found to match an expected digest.
	Hashed    int        `json:"hashed"`
	Verified  int        `json:"verified"`
	Signature *Signature `json:"signature"`
}

// Signature is what was found and checked about a model signature.
type Signature struct {
	Path    string `json:"path"`
	Present bool   `json:"present"`
	// Method is "sigstore", "key" or "certificate".
	Method        string `json:"method,omitempty"`
	PredicateType string `json:"predicate_type,omitempty"`
	Verified      bool   `json:"verified"`
	Identity      string `json:"identity,omitempty"`
	Issuer        string `json:"issuer,omitempty"`
	KeyHint       string `json:"key_hint,omitempty"`
	SignedAt      string `json:"signed_at,omitempty"`
	// Checked lists the checks made, in order, each with its outcome.
	Checked []string `json:"checked,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// uncheckedReason says why a signature with no checks was not checked.
func (s *Signature) uncheckedReason() string {
	if s.Error == "" {
		return "no check was made"
	}
	return strings.TrimPrefix(s.Error, "not checked: ")
}

// Normalize sorts every list of r so that output is deterministic, and
// replaces nil lists by empty ones so JSON shows [] rather than null.
func (r *Report) Normalize() {
	slices.SortStableFunc(r.Findings, finding.Compare)
	slices.SortFunc(r.Licenses, func(a, b License) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(r.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	if r.Findings == nil {
		r.Findings = []finding.Finding{}
	}
	if r.Licenses == nil {
		r.Licenses = []License{}
	}
	for i := range r.Licenses {
		if r.Licenses[i].Sources == nil {
			r.Licenses[i].Sources = []finding.Evidence{}
		}
	}
	if r.Lineage == nil {
		r.Lineage = []LineageNode{}
	}
	if r.Files == nil {
		r.Files = []File{}
	}
	if r.Subject.Formats == nil {
		r.Subject.Formats = []string{}
	}
	if r.Policy.Jurisdictions == nil {
		r.Policy.Jurisdictions = []string{}
	}
	if r.Policy.Unsafe == nil {
		r.Policy.Unsafe = []string{}
	}
}

// Counts returns how many unwaived findings the report has at each severity.
func (r *Report) Counts() map[finding.Severity]int {
	out := map[finding.Severity]int{}
	for _, f := range r.Findings {
		if f.Waived == "" {
			out[f.Severity]++
		}
	}
	return out
}
