// Package report is the audit report: the one results model that every
// encoder reads, and the JSON (the contract, schema "modelvet.report/v1")
// and text encoders. Further formats live in sub-packages (sarif,
// cyclonedx) and never change the verdict.
//
// The JSON shape is the contract with procurement tooling: fields are
// added, never renamed. Its JSON Schema is schema.json in this directory.
// ReadJSON reads a report back, the same typed values as the audit gave,
// and checks what tooling relies on (*InvalidError). The facts tooling
// asks for most have accessors: Report.Origin, Report.GovernmentBars and
// BarredIn, Report.Ancestors; Report.Roots and Report.Government are
// fields.
package report

import (
	"slices"
	"strings"
	"time"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/fingerprint"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/manifest"
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

// Valid reports whether v is one of the three verdicts.
func (v Verdict) Valid() bool { return v == Pass || v == Review || v == Fail }

// Report is the result of auditing one release.
type Report struct {
	Schema        string        `json:"schema"`
	Tool          Tool          `json:"tool"`
	KnowledgeBase KnowledgeBase `json:"knowledge_base"`
	Policy        Policy        `json:"policy"`
	// AuditedAt is when the audit ran, from the auditor's clock, in UTC
	// to the second (RFC 3339 in JSON).
	AuditedAt time.Time         `json:"audited_at"`
	Subject   Subject           `json:"subject"`
	Verdict   Verdict           `json:"verdict"`
	Findings  []finding.Finding `json:"findings"`
	Licenses  []License         `json:"licenses"`
	// Lineage lists the audited model, then one node per derivation found
	// (a model reached by two derivations appears twice).
	Lineage []LineageNode `json:"lineage"`
	// Roots lists the models at the top of the lineage, sorted: those it
	// names that derive from no other model it names. A model whose base
	// is not known is its own root (a provenance.lineage-unknown finding
	// says when it looks like a derivative).
	Roots []string `json:"roots"`
	// WeightsOrigin is who made the weights the release carries (nil in
	// reports written before it was added); Report.Origin reads it.
	WeightsOrigin *Origin `json:"origin,omitempty"`
	// Government lists the government policies of the selected
	// jurisdictions that cover the model or an ancestor within the
	// policy's reach: the facts behind each
	// provenance.government-policy finding, one entry per instrument.
	Government []Government `json:"government"`
	Files      []File       `json:"files"`
	Integrity  Integrity    `json:"integrity"`
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
	Name   string `json:"name"`
	Source string `json:"source"`
	// Kind says where the release was read from (a directory, a file, a
	// Hugging Face cache, an Ollama store, an OCI layout, the Hub).
	Kind     manifest.Kind `json:"kind"`
	Revision string        `json:"revision,omitempty"`
	// Formats lists the weight formats of the release, sorted.
	Formats []manifest.Format `json:"formats"`
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
	ID       string      `json:"id"`
	Name     string      `json:"name"`
	SPDX     string      `json:"spdx,omitempty"`
	Category kb.Category `json:"category"`
	// Sources are the places that declare it.
	Sources []finding.Evidence `json:"sources"`
	Terms   kb.Terms           `json:"terms"`
	// References cite the licence text and the facts about its terms.
	References []string `json:"references,omitempty"`
}

// LineageNode is the audited model, or one derivation of its lineage:
// Derivative derives from Base (the node's Model) by Relation, read as
// "Derivative is a <relation> of Base".
type LineageNode struct {
	Model string `json:"model"`
	// Relation says how Derivative derives from Base; empty for the
	// audited model itself. Nodes recognised from the release's own files
	// have kb.RelationSameOrDerivative (the same model as Base, or a
	// derivative of it) or kb.RelationPostTrainedBy (trained to the chat
	// format of Base's developer), confidence inferred, and evidence
	// saying what matched (finding.FieldFingerprint) and how it could be
	// wrong (finding.FieldAmbiguity).
	Relation kb.Relation `json:"relation,omitempty"`
	// Parent is Derivative under its first name, kept for readers of
	// earlier reports: despite the name it is the derived model, not the
	// base.
	Parent string `json:"parent,omitempty"`
	// Base is the model derived from (the node's Model) and Derivative
	// the model derived from it; both empty for the audited model.
	Base       string `json:"base,omitempty"`
	Derivative string `json:"derivative,omitempty"`
	Depth      int    `json:"depth"`
	// Developer is the name of the model's developer and DeveloperID its
	// knowledge-base organisation id (the Hub organisation); both empty
	// when not known, and for a repackager's copy, whose developer is that
	// of the model it republishes, listed next.
	Developer   string `json:"developer,omitempty"`
	DeveloperID string `json:"developer_id,omitempty"`
	// Country is the developer's headquarters, ISO 3166-1 alpha-2.
	Country    string             `json:"country,omitempty"`
	License    string             `json:"license,omitempty"`
	Confidence finding.Confidence `json:"confidence"`
	Evidence   []finding.Evidence `json:"evidence,omitempty"`
}

// Origin is who made the weights a release carries: the audited model's
// developer, or for a repackaged copy (a quantisation, a conversion) the
// developer of the model whose weights it carries; failing both, that of
// its nearest ancestor with a known developer.
type Origin struct {
	// Model is the model whose developer this is.
	Model string `json:"model"`
	// Relation says in words how the audited model relates to Model ("the
	// model itself", "a quantisation of …").
	Relation string `json:"relation"`
	// DeveloperID is the developer's organisation id, Developer its name,
	// Country its headquarters (ISO 3166-1 alpha-2); all empty when no
	// developer is known, Country when the knowledge base does not say.
	DeveloperID string `json:"developer_id,omitempty"`
	Developer   string `json:"developer,omitempty"`
	Country     string `json:"country,omitempty"`
	// Confidence says how the developer was established.
	Confidence finding.Confidence `json:"confidence,omitempty"`
	// Repackager is the organisation id of who republished the weights,
	// when not their developer.
	Repackager string `json:"repackager,omitempty"`
	// Alternatives are set, and no developer, when the release's own files
	// match models of several developers equally: each is named, none is
	// claimed.
	Alternatives []Origin `json:"alternatives,omitempty"`
}

// Government is a government policy that covers the audited model or an
// ancestor: the facts behind one provenance.government-policy finding
// (its subject is Policy).
type Government struct {
	// Policy is the knowledge base's id of the instrument (kb.KB.Policy
	// finds its record); Instrument names it.
	Policy     string `json:"policy"`
	Instrument string `json:"instrument,omitempty"`
	// Jurisdiction is the id a policy selects ("us-dod") and
	// JurisdictionName says it in words.
	Jurisdiction     string    `json:"jurisdiction"`
	JurisdictionName string    `json:"jurisdiction_name,omitempty"`
	Status           kb.Status `json:"status"`
	// Covers says what it reaches: the model itself (its weights,
	// self-hosted included), only its developer's apps and services or a
	// product it may not reach, or only an ancestor.
	Covers kb.Covers `json:"covers"`
	// Model is the model of the lineage it matches (the audited model, the
	// weights it quantises, or an ancestor).
	Model string `json:"model"`
	// Certain is set when the instrument certainly bars the model: it is
	// binding (enacted or in force), it covers the model itself, and the
	// model's developer is established (Confidence declared).
	Certain    bool               `json:"certain"`
	Confidence finding.Confidence `json:"confidence"`
}

// File is one file of the release.
type File struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	// SizeUnknown is set when no size is known for the file (Size is 0).
	SizeUnknown bool            `json:"size_unknown,omitempty"`
	Format      manifest.Format `json:"format"`
	// Digest is "sha256:<hex>" when known: computed when the audit hashed
	// the file, else as published by a store.
	Digest string `json:"digest,omitempty"`
	// Verified is set when the digest was computed and matched what was
	// published or signed.
	Verified bool `json:"verified,omitempty"`
	// Metadata holds the facts the file's format declares (see Metadata).
	Metadata Metadata `json:"metadata,omitempty"`
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
	// Method is how the signature was made, when it could be read.
	Method        SignatureMethod `json:"method,omitempty"`
	PredicateType string          `json:"predicate_type,omitempty"`
	Verified      bool            `json:"verified"`
	Identity      string          `json:"identity,omitempty"`
	Issuer        string          `json:"issuer,omitempty"`
	KeyHint       string          `json:"key_hint,omitempty"`
	// SignedAt is when a transparency log recorded the signature, in UTC
	// to the second (zero when not known).
	SignedAt time.Time `json:"signed_at,omitzero"`
	// Checked lists the checks made, in order, each with its outcome.
	Checked []string `json:"checked,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// SignatureMethod is how a model signature was made.
type SignatureMethod string

// Signature methods (those of package integrity).
const (
	MethodSigstore    SignatureMethod = "sigstore"    // keyless: a Fulcio certificate and a transparency log entry
	MethodKey         SignatureMethod = "key"         // a public key
	MethodCertificate SignatureMethod = "certificate" // a certificate chained to a trusted root
)

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
	slices.Sort(r.Roots)
	if r.Roots == nil {
		r.Roots = []string{}
	}
	slices.SortStableFunc(r.Government, compareGovernment)
	if r.Government == nil {
		r.Government = []Government{}
	}
	for i := range r.Files {
		r.Files[i].Metadata = r.Files[i].Metadata.normalize()
	}
	if r.Files == nil {
		r.Files = []File{}
	}
	if r.Subject.Formats == nil {
		r.Subject.Formats = []manifest.Format{}
	}
	if r.Policy.Jurisdictions == nil {
		r.Policy.Jurisdictions = []string{}
	}
	if r.Policy.Unsafe == nil {
		r.Policy.Unsafe = []string{}
	}
}

// joinFormats lists formats for a person: "gguf, safetensors".
func joinFormats(fs []manifest.Format) string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = string(f)
	}
	return strings.Join(out, ", ")
}

// auditedAt is the audit time as the JSON writes it.
func (r *Report) auditedAt() string { return r.AuditedAt.UTC().Format(time.RFC3339) }

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
