// Package sarif encodes a modelvet report as SARIF 2.1.0
// (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html), the
// format code-scanning dashboards (GitHub code scanning, Azure DevOps,
// DefectDojo, …) import.
//
// # Mapping
//
//   - One run, tool driver "modelvet" with one rule per finding code (every
//     code of the contract, in the contract's order, so rule indexes are
//     stable), each with a short description and, as help, what a buyer
//     should do (report.Advice).
//   - One result per finding: level "error" for critical and high, "warning"
//     for medium, "note" for low and info; the message is the finding's,
//     sanitised; properties carry the severity, confidence and subject.
//   - Locations are the finding's evidence in the release: an artifact
//     location relative to the release root (uriBaseId "RELEASEROOT") with
//     the line (or byte offset) when known. A finding with no file evidence
//     points at its subject file, else at the model card, else at the first
//     file, so every result has a location.
//   - partialFingerprints["modelvet/v1"] is a SHA-256 of the code, the
//     subject and the evidence in the release (not knowledge-base
//     citations): stable across runs, machines and knowledge-base updates,
//     free of timestamps and paths outside the release.
//   - A waived finding keeps its level and gains an accepted external
//     suppression whose justification is the waiver's reason.
//   - The run's properties carry the verdict ("verdict"), the subject, the
//     policy and the knowledge base, so the SARIF file gives the same verdict
//     as every other format. The encoder never changes the verdict.
//
// # Limitations
//
// SARIF has no notion of a verdict or a licence; those travel in property
// bags that dashboards may not show.
package sarif

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	gosarif "github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/textsafe"
	"github.com/modelvet/modelvet/report"
)

// BaseID is the uriBaseId of every artifact location: the root of the
// audited release.
const BaseID = "RELEASEROOT"

// FingerprintKey names the partial fingerprint modelvet computes.
const FingerprintKey = "modelvet/v1"

// InformationURI is where the rules are documented.
const InformationURI = "https://github.com/modelvet/modelvet"

// Write encodes r as an indented SARIF 2.1.0 log with a final newline.
func Write(w io.Writer, r *report.Report) error {
	log, err := Build(r)
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(log, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// Build converts r into a SARIF log.
func Build(r *report.Report) (*gosarif.Report, error) {
	log, err := gosarif.New(gosarif.Version210)
	if err != nil {
		return nil, err
	}
	run := gosarif.NewRunWithInformationURI(r.Tool.Name, InformationURI)
	if run.Tool.Driver.Name == "" {
		run.Tool.Driver.Name = "modelvet"
	}
	run.Tool.Driver.Version = str(r.Tool.Version)
	run.Tool.Driver.SemanticVersion = str(r.Tool.Version)

	ruleIndex := map[finding.Code]uint{}
	for i, c := range finding.Codes() {
		ruleIndex[c] = uint(i)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, rule(c))
	}

	root := &gosarif.ArtifactLocation{Description: textMessage("The root of the audited release " + textsafe.Line(r.Subject.Source))}
	if abs := r.Subject.Source; filepath.IsAbs(abs) && r.Subject.Kind != "file" && !strings.Contains(abs, ":") {
		u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs) + "/"}
		root.URI = str(u.String())
	}
	run.OriginalUriBaseIDs = map[string]*gosarif.ArtifactLocation{BaseID: root}

	files := map[string]bool{}
	for _, f := range r.Files {
		files[f.Path] = true
		a := &gosarif.Artifact{Location: artifactLocation(f.Path), Length: int(f.Size)}
		if alg, hex, ok := strings.Cut(f.Digest, ":"); ok && alg == "sha256" {
			a.Hashes = map[string]string{"sha-256": hex}
		}
		a.PropertyBag.Properties = gosarif.Properties{"format": f.Format}
		run.Artifacts = append(run.Artifacts, a)
	}

	for _, f := range r.Findings {
		res, err := result(r, f, files)
		if err != nil {
			return nil, err
		}
		if i, ok := ruleIndex[f.Code]; ok {
			res.RuleIndex = &i
		}
		run.AddResult(res)
	}

	ok := true
	inv := &gosarif.Invocation{ExecutionSuccessful: &ok}
	if !r.AuditedAt.IsZero() {
		t := r.AuditedAt.UTC()
		inv.EndTimeUTC = &t
	}
	run.Invocations = []*gosarif.Invocation{inv}

	counts := r.Counts()
	props := gosarif.Properties{
		"verdict":       string(r.Verdict),
		"schema":        r.Schema,
		"subject":       textsafe.Line(r.Subject.Name),
		"source":        textsafe.Line(r.Subject.Source),
		"kind":          r.Subject.Kind,
		"policy":        textsafe.Line(r.Policy.Name),
		"jurisdictions": nonNil(r.Policy.Jurisdictions),
		"knowledgeBase": r.KnowledgeBase.Version + " (as of " + r.KnowledgeBase.AsOf + ")",
		"unsafeOptions": nonNil(r.Policy.Unsafe),
		"findingsBySeverity": map[string]int{
			"critical": counts[finding.Critical], "high": counts[finding.High], "medium": counts[finding.Medium],
			"low": counts[finding.Low], "info": counts[finding.Info],
		},
	}
	if r.Subject.Revision != "" {
		props["revision"] = textsafe.Line(r.Subject.Revision)
	}
	if len(r.Policy.UnusedWaivers) > 0 {
		props["unusedWaivers"] = r.Policy.UnusedWaivers
	}
	if len(r.Policy.ExpiredWaivers) > 0 {
		props["expiredWaivers"] = r.Policy.ExpiredWaivers
	}
	run.PropertyBag.Properties = props
	log.AddRun(run)
	return log, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func str(s string) *string { return &s }

func textMessage(s string) *gosarif.Message { return &gosarif.Message{Text: str(s)} }

// rule describes a finding code.
func rule(c finding.Code) *gosarif.ReportingDescriptor {
	d := gosarif.NewRule(string(c))
	d.Name = str(ruleName(c))
	d.ShortDescription = &gosarif.MultiformatMessageString{Text: str(Summaries[c])}
	advice := report.Advice[c]
	d.Help = &gosarif.MultiformatMessageString{Text: str(advice), Markdown: str(advice)}
	d.HelpURI = str(InformationURI + "#finding-codes")
	d.Properties = gosarif.Properties{"tags": []string{"modelvet", c.Group()}}
	return d
}

// ruleName turns "license.user-threshold" into "LicenseUserThreshold", the
// PascalCase name SARIF recommends.
func ruleName(c finding.Code) string {
	var b strings.Builder
	up := true
	for _, r := range string(c) {
		if r == '.' || r == '-' {
			up = true
			continue
		}
		if up && r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		up = false
		b.WriteRune(r)
	}
	return b.String()
}

// Level maps a severity to a SARIF result level.
func Level(s finding.Severity) string {
	switch s {
	case finding.Critical, finding.High:
		return "error"
	case finding.Medium:
		return "warning"
	}
	return "note"
}

func result(r *report.Report, f finding.Finding, files map[string]bool) (*gosarif.Result, error) {
	res := gosarif.NewRuleResult(string(f.Code))
	res.WithLevel(Level(f.Severity))
	res.WithMessage(textMessage(textsafe.Line(f.Message)))
	var cited []string
	for _, e := range f.Evidence {
		switch {
		case e.Path == "":
		case strings.HasPrefix(e.Path, KnowledgeBasePrefix):
			// A knowledge-base record is no place in the release: it is
			// cited in the result's properties, not as a location.
			cited = append(cited, citation(e))
		default:
			res.AddLocation(location(e))
		}
	}
	if len(res.Locations) == 0 {
		if p := fallbackPath(r, f, files); p != "" {
			res.AddLocation(location(finding.Evidence{Path: p}))
		}
	}
	fp := Fingerprint(f)
	res.PartialFingerprints = map[string]interface{}{FingerprintKey: fp}
	props := gosarif.Properties{"severity": string(f.Severity), "confidence": string(f.Confidence)}
	if f.Subject != "" {
		props["subject"] = textsafe.Line(f.Subject)
	}
	if len(f.References) > 0 {
		props["references"] = f.References
	}
	if len(cited) > 0 {
		props["knowledgeBase"] = cited
	}
	res.PropertyBag.Properties = props
	if f.Waived != "" {
		s := gosarif.NewSuppression("external").WithStatus("accepted").WithJustifcation(textsafe.Line(f.Waived)).WithGuid(guid(fp))
		if len(res.Locations) > 0 {
			s.WithLocation(res.Locations[0])
		} else {
			s.WithLocation(&gosarif.Location{Message: textMessage("the audited release")})
		}
		res.AddSuppression(s)
	}
	return res, nil
}

// fallbackPath chooses a file to point a finding without file evidence at.
func fallbackPath(r *report.Report, f finding.Finding, files map[string]bool) string {
	if files[f.Subject] {
		return f.Subject
	}
	for _, rf := range r.Files {
		if rf.Format == "card" {
			return rf.Path
		}
	}
	if len(r.Files) > 0 {
		return r.Files[0].Path
	}
	return ""
}

func location(e finding.Evidence) *gosarif.Location {
	pl := gosarif.NewPhysicalLocation().WithArtifactLocation(artifactLocation(e.Path))
	switch {
	case e.Line > 0:
		pl.WithRegion(gosarif.NewRegion().WithStartLine(e.Line))
	case e.Offset > 0 && e.Offset <= int64(^uint32(0)>>1):
		pl.WithRegion(gosarif.NewRegion().WithByteOffset(int(e.Offset)))
	}
	loc := gosarif.NewLocationWithPhysicalLocation(pl)
	if e.Field != "" {
		text := textsafe.Line(e.Field)
		if e.Value != "" {
			text += " = " + textsafe.Truncate(textsafe.Line(e.Value), 200)
		}
		loc.Message = textMessage(text)
	}
	return loc
}

// KnowledgeBasePrefix starts the path of evidence citing a knowledge-base
// file ("kb:policies.yaml").
const KnowledgeBasePrefix = "kb:"

// citation renders knowledge-base evidence as "file field = value".
func citation(e finding.Evidence) string {
	text := textsafe.Line(strings.TrimPrefix(e.Path, KnowledgeBasePrefix))
	if e.Field != "" {
		text += " " + textsafe.Line(e.Field)
	}
	if e.Value != "" {
		text += " = " + textsafe.Truncate(textsafe.Line(e.Value), 200)
	}
	return text
}

// artifactLocation makes a relative URI reference from a release path:
// each segment percent-encoded, colons included (a first segment holding
// one would read as a URI scheme), so that no path can escape the base.
func artifactLocation(p string) *gosarif.ArtifactLocation {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
	}
	u := strings.Join(segs, "/")
	u = strings.TrimPrefix(u, "/")
	if u == "" {
		u = "."
	}
	return gosarif.NewSimpleArtifactLocation(u).WithUriBaseId(BaseID)
}

// Fingerprint identifies a finding across runs: a SHA-256 over its code,
// subject and evidence (path, line, offset, field, value), hex-encoded.
func Fingerprint(f finding.Finding) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", f.Code, f.Subject)
	for _, e := range f.Evidence {
		// Only places in the release count: citations of the knowledge
		// base and facts worked out from the lineage change with the
		// knowledge base, not with the release.
		if e.Path == "" || strings.HasPrefix(e.Path, KnowledgeBasePrefix) {
			continue
		}
		fmt.Fprintf(h, "%s\x00%d\x00%d\x00%s\x00%s\x00", e.Path, e.Line, e.Offset, e.Field, e.Value)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// guid formats the first 16 bytes of a hex fingerprint as a UUID-shaped
// GUID (version 8, name-based), for SARIF's guid fields.
func guid(fp string) string {
	b, _ := hex.DecodeString(fp[:32])
	b[6] = b[6]&0x0f | 0x80
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Summaries says in a line what each finding code reports.
var Summaries = map[finding.Code]string{
	finding.LicenseMissing:                "No licence is declared anywhere in the release.",
	finding.LicenseUnknown:                "A licence is declared but could not be identified.",
	finding.LicenseConflict:               "The release's declared licences disagree.",
	finding.LicenseInheritance:            "A derivative's licence drops or contradicts the terms of a base model's licence.",
	finding.LicenseNonCommercial:          "The licence does not grant commercial use.",
	finding.LicenseResearchOnly:           "The licence permits research use only.",
	finding.LicenseUserThreshold:          "The licence requires a separate licence above a user or revenue threshold.",
	finding.LicenseUseRestrictions:        "The licence carries acceptable-use terms that must flow down to users and derivatives.",
	finding.LicenseOutputRestriction:      "The licence limits using the model's outputs to train or improve other models.",
	finding.LicenseNaming:                 "The licence imposes naming or attribution requirements.",
	finding.LicenseTerritory:              "The licence excludes territories from its grant.",
	finding.LicenseCopyleft:               "The licence has reciprocal (copyleft) terms.",
	finding.IntegrityMismatch:             "A file's size or digest differs from what was published or signed.",
	finding.IntegrityMissing:              "A file listed by the signature, index or store is absent.",
	finding.IntegrityUnlisted:             "A file is covered by no signature or manifest.",
	finding.IntegrityUnverified:           "There was nothing to verify the bytes against, or they were not hashed.",
	finding.SignatureMissing:              "The release has no model signature.",
	finding.SignatureInvalid:              "The model signature does not verify.",
	finding.SignatureUntrusted:            "The model signature is valid but by a signer the policy does not trust.",
	finding.FormatPickle:                  "Weights are stored in a pickle-based format that can run code when loaded.",
	finding.FormatCodeExecution:           "Loading the model runs code: unsafe pickle imports, repository code in the config, or Keras Lambda layers.",
	finding.FormatMalformed:               "A file could not be parsed, so its audit is inconclusive.",
	finding.ProvenanceOrigin:              "The developer and country of the model and of each ancestor.",
	finding.ProvenanceRestrictedOutputs:   "The model was trained or distilled on outputs whose terms forbid it.",
	finding.ProvenanceAllegedDistillation: "Public allegations concern an ancestor's training data.",
	finding.ProvenanceGovernmentPolicy:    "A government policy in a selected jurisdiction bars the model, its developer or an ancestor.",
	finding.ProvenanceLineageUnknown:      "The release is a derivative whose base cannot be established.",
	finding.ProvenanceDeniedOrigin:        "The model or an ancestor comes from a country or developer the policy denies.",
	finding.ProvenanceLineageMismatch:     "A declared base that the release's own files (architecture, tokenizer, chat template, tensor shapes) contradict.",
}
