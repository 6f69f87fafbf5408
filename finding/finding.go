// Package finding is the vocabulary every modelvet analysis speaks: finding
// codes, severities, confidences and evidence.
//
// The analysis packages (manifest, license, provenance) emit findings with a
// code, a message, a confidence and evidence, but no severity: only the root
// package modelvet applies a policy, which sets each finding's severity and
// derives the verdict. Codes are stable; tooling matches on them.
package finding

import (
	"cmp"
	"slices"
	"strings"
)

// Code identifies the kind of a finding. Codes are never renamed.
type Code string

// The finding codes of the report contract.
const (
	LicenseMissing           Code = "license.missing"
	LicenseUnknown           Code = "license.unknown"
	LicenseConflict          Code = "license.conflict"
	LicenseInheritance       Code = "license.inheritance"
	LicenseNonCommercial     Code = "license.noncommercial"
	LicenseResearchOnly      Code = "license.research-only"
	LicenseUserThreshold     Code = "license.user-threshold"
	LicenseUseRestrictions   Code = "license.use-restrictions"
	LicenseOutputRestriction Code = "license.output-restriction"
	LicenseNaming            Code = "license.naming"
	LicenseTerritory         Code = "license.territory"
	LicenseCopyleft          Code = "license.copyleft"

	IntegrityMismatch   Code = "integrity.mismatch"
	IntegrityMissing    Code = "integrity.missing"
	IntegrityUnlisted   Code = "integrity.unlisted"
	IntegrityUnverified Code = "integrity.unverified"

	SignatureMissing   Code = "signature.missing"
	SignatureInvalid   Code = "signature.invalid"
	SignatureUntrusted Code = "signature.untrusted"

	FormatPickle        Code = "format.pickle"
	FormatCodeExecution Code = "format.code-execution"
	FormatMalformed     Code = "format.malformed"

	ProvenanceOrigin              Code = "provenance.origin"
	ProvenanceRestrictedOutputs   Code = "provenance.restricted-outputs"
	ProvenanceAllegedDistillation Code = "provenance.alleged-distillation"
	ProvenanceGovernmentPolicy    Code = "provenance.government-policy"
	ProvenanceLineageUnknown      Code = "provenance.lineage-unknown"
	ProvenanceDeniedOrigin        Code = "provenance.denied-origin"
	ProvenanceLineageMismatch     Code = "provenance.lineage-mismatch"
)

// Codes lists every known code in a stable order.
func Codes() []Code {
	return []Code{
		LicenseMissing, LicenseUnknown, LicenseConflict, LicenseInheritance,
		LicenseNonCommercial, LicenseResearchOnly, LicenseUserThreshold,
		LicenseUseRestrictions, LicenseOutputRestriction, LicenseNaming,
		LicenseTerritory, LicenseCopyleft,
		IntegrityMismatch, IntegrityMissing, IntegrityUnlisted, IntegrityUnverified,
		SignatureMissing, SignatureInvalid, SignatureUntrusted,
		FormatPickle, FormatCodeExecution, FormatMalformed,
		ProvenanceOrigin, ProvenanceRestrictedOutputs, ProvenanceAllegedDistillation,
		ProvenanceGovernmentPolicy, ProvenanceLineageUnknown, ProvenanceDeniedOrigin,
		ProvenanceLineageMismatch,
	}
}

// Known reports whether c is one of the codes of the contract.
func (c Code) Known() bool { return slices.Contains(Codes(), c) }

// Group is the part of the code before the dot: "license", "integrity", ...
func (c Code) Group() string {
	g, _, _ := strings.Cut(string(c), ".")
	return g
}

// Severity ranks how much a finding matters under a policy.
type Severity string

// Severities, from least to most serious.
const (
	Info     Severity = "info"
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Rank orders severities: info 1 … critical 5; an unset or unknown severity
// ranks 0.
func (s Severity) Rank() int {
	switch s {
	case Info:
		return 1
	case Low:
		return 2
	case Medium:
		return 3
	case High:
		return 4
	case Critical:
		return 5
	}
	return 0
}

// Valid reports whether s is one of the five severities.
func (s Severity) Valid() bool { return s.Rank() > 0 }

// Severities lists the severities, least serious first.
func Severities() []Severity { return []Severity{Info, Low, Medium, High, Critical} }

// Confidence says how sure a finding is.
type Confidence string

// Confidences, from most to least certain.
const (
	Verified Confidence = "verified" // cryptographic or byte check
	Declared Confidence = "declared" // the release says so
	Inferred Confidence = "inferred" // derived by rule, e.g. from a dataset or a name
	Alleged  Confidence = "alleged"  // public claims only
)

// Confidences lists the confidences, most certain first.
func Confidences() []Confidence { return []Confidence{Verified, Declared, Inferred, Alleged} }

// Certain reports whether c establishes the fact: verified or declared.
func (c Confidence) Certain() bool { return c == Verified || c == Declared }

// Valid reports whether c is one of the four confidences.
func (c Confidence) Valid() bool {
	switch c {
	case Verified, Declared, Inferred, Alleged:
		return true
	}
	return false
}

// Evidence points at the place in a release (or in the knowledge base) that
// supports a finding. Empty fields are unknown.
type Evidence struct {
	Path   string `json:"path,omitempty"`   // file, slash-separated, relative to the release root
	Line   int    `json:"line,omitempty"`   // 1-based line in Path
	Offset int64  `json:"offset,omitempty"` // byte offset in Path, for binary formats
	Field  string `json:"field,omitempty"`  // field or key, e.g. "license" or "general.license"
	Value  string `json:"value,omitempty"`  // the value found there, as written
}

// Fields of evidence that lineage recognised from a release's own files
// carries, with no path (package provenance writes them, encoders show
// them): what the files match and how many facts agree, and how that
// could be wrong.
const (
	FieldFingerprint = "fingerprint"
	FieldAmbiguity   = "ambiguity"
)

// Finding is one fact that policy turns into a severity. Analysis packages
// leave Severity empty; the root package sets it.
type Finding struct {
	Code       Code       `json:"code"`
	Severity   Severity   `json:"severity"`
	Message    string     `json:"message"`
	Confidence Confidence `json:"confidence"`
	// Subject names what the finding is about (a licence id, a model id, a
	// file path, a policy id). With Code it identifies the finding across
	// runs: waivers and fingerprints match on it.
	Subject    string     `json:"subject,omitempty"`
	Evidence   []Evidence `json:"evidence,omitempty"`
	References []string   `json:"references,omitempty"`
	// Waived holds the reason of the waiver that matched, if any; a waived
	// finding stays in the report but does not count towards the verdict.
	Waived string `json:"waived,omitempty"`
}

// Compare orders findings for deterministic output: most severe first, then
// by code, subject, message and first evidence.
func Compare(a, b Finding) int {
	if c := cmp.Compare(b.Severity.Rank(), a.Severity.Rank()); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Code, b.Code); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Subject, b.Subject); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Message, b.Message); c != 0 {
		return c
	}
	return slices.CompareFunc(a.Evidence, b.Evidence, compareEvidence)
}

func compareEvidence(a, b Evidence) int {
	return cmp.Or(
		cmp.Compare(a.Path, b.Path),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Offset, b.Offset),
		cmp.Compare(a.Field, b.Field),
		cmp.Compare(a.Value, b.Value),
	)
}
