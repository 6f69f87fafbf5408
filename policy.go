package modelvet

import (
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
	"github.com/modelvet/modelvet/internal/yamlnode"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/license"
	"github.com/modelvet/modelvet/report"
)

//go:embed default-policy.yaml
var defaultPolicyYAML []byte

// Policy decides what findings mean for a buyer: the severity of each
// finding code (by confidence), which licence terms are acceptable, which
// jurisdictions' government policies apply, whose signatures are trusted,
// the thresholds of the verdict, and waivers. Policies are written in YAML;
// docs/POLICY.md documents every key, and default-policy.yaml is the
// embedded default (a cautious commercial buyer).
//
// Start from DefaultPolicy, ParsePolicy or LoadPolicy: a zero Policy has no
// verdict thresholds and is rejected by New.
type Policy struct {
	Name        string        `yaml:"name"`
	Description string        `yaml:"description,omitempty"`
	Verdict     VerdictPolicy `yaml:"verdict"`
	// Severity maps each finding code to its severity.
	Severity map[finding.Code]finding.Severity `yaml:"severity"`
	// SeverityByConfidence overrides Severity for findings of a given
	// confidence.
	SeverityByConfidence map[finding.Code]map[finding.Confidence]finding.Severity `yaml:"severity_by_confidence,omitempty"`
	// SeverityBySubject sets the severity of the findings of a code about
	// one subject (a government policy id, a licence id, a file path), the
	// most specific setting: it applies after every other (docs/POLICY.md).
	SeverityBySubject map[finding.Code]map[string]finding.Severity `yaml:"severity_by_subject,omitempty"`
	// Jurisdictions selects whose government policies apply: ids of the
	// knowledge base, prefixes ending in "*", or "*" (see
	// WithJurisdictions). ParsePolicy checks them against the embedded
	// knowledge base, New against the one it uses.
	Jurisdictions []string `yaml:"jurisdictions"`
	// Licenses says which licence categories and terms are acceptable.
	Licenses LicensePolicy `yaml:"licenses"`
	// Lineage says how far along a model's ancestry policies reach.
	Lineage LineagePolicy `yaml:"lineage"`
	// Signatures says whether signatures are required and whom to trust.
	Signatures SignaturePolicy `yaml:"signatures"`
	Waivers    []Waiver        `yaml:"waivers"`
}

// VerdictPolicy holds the thresholds of the verdict: "fail" when any
// unwaived finding reaches FailAt, else "review" when any reaches ReviewAt,
// else "pass".
type VerdictPolicy struct {
	FailAt   finding.Severity `yaml:"fail_at"`
	ReviewAt finding.Severity `yaml:"review_at"`
}

// Waiver accepts one finding (a code, and a subject or "*" for any),
// for every model or for the models Model names, until it expires.
type Waiver struct {
	Code    finding.Code `yaml:"code"`
	Subject string       `yaml:"subject"`
	// Model, when set, limits the waiver to the models it matches: a glob
	// in which "*" stands for any run of characters ("/" included),
	// matched, ignoring case, against the release's name
	// (report.Subject.Name), its Hub id (report.Subject.Hub.ID) and the
	// model id its lineage starts from (report.Report.Lineage[0].Model).
	Model  string `yaml:"model,omitempty"`
	Reason string `yaml:"reason"`
	// Expires is the last day the waiver applies, inclusive: it applies
	// through 23:59:59 UTC of that day (YYYY-MM-DD) and no longer from the
	// next. Empty means it never expires.
	Expires string `yaml:"expires,omitempty"`
}

// key names the waiver in the report's unused and expired lists: "code
// subject", and " model GLOB" when it is limited to some models.
func (w Waiver) key() string {
	k := string(w.Code) + " " + w.Subject
	if w.Model != "" {
		k += " model " + w.Model
	}
	return k
}

// matchesModel reports whether the waiver applies to the release r
// reports on.
func (w Waiver) matchesModel(r *report.Report) bool {
	if w.Model == "" {
		return true
	}
	names := []string{r.Subject.Name}
	if r.Subject.Hub != nil {
		names = append(names, r.Subject.Hub.ID)
	}
	if len(r.Lineage) > 0 {
		names = append(names, r.Lineage[0].Model)
	}
	pattern := strings.ToLower(w.Model)
	return slices.ContainsFunc(names, func(n string) bool { return n != "" && kb.GlobMatch(pattern, strings.ToLower(n)) })
}

var (
	defaultPolicyOnce sync.Once
	defaultPolicy     *Policy
)

// DefaultPolicy returns a copy of the embedded default policy: a cautious
// commercial buyer (see default-policy.yaml and docs/POLICY.md).
func DefaultPolicy() *Policy {
	defaultPolicyOnce.Do(func() {
		p, err := parsePolicy("default-policy.yaml", defaultPolicyYAML, nil, kb.Default())
		if err != nil {
			panic("modelvet: embedded default policy: " + err.Error())
		}
		defaultPolicy = p
	})
	return defaultPolicy.clone()
}

func (p *Policy) clone() *Policy {
	c := *p
	c.Severity = maps.Clone(p.Severity)
	if c.Severity == nil {
		c.Severity = map[finding.Code]finding.Severity{}
	}
	c.SeverityByConfidence = make(map[finding.Code]map[finding.Confidence]finding.Severity, len(p.SeverityByConfidence))
	for k, m := range p.SeverityByConfidence {
		c.SeverityByConfidence[k] = maps.Clone(m)
	}
	c.SeverityBySubject = make(map[finding.Code]map[string]finding.Severity, len(p.SeverityBySubject))
	for k, m := range p.SeverityBySubject {
		c.SeverityBySubject[k] = maps.Clone(m)
	}
	c.Lineage = p.Lineage.clone()
	c.Jurisdictions = slices.Clone(p.Jurisdictions)
	c.Waivers = slices.Clone(p.Waivers)
	c.Licenses = p.Licenses.clone()
	c.Signatures = p.Signatures.clone()
	return &c
}

// PolicyError is an invalid policy file, with the line at fault (0 when
// the fault is not on one line, e.g. a setting inherited from the default
// policy that contradicts the file).
type PolicyError struct {
	File string
	Line int
	Msg  string
	Err  error // underlying error, if any (e.g. reading a key file)
}

func (e *PolicyError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

func (e *PolicyError) Unwrap() error { return e.Err }

// PolicyOption configures how a policy is parsed.
type PolicyOption func(*policyOptions)

type policyOptions struct {
	kb *kb.KB
}

// ValidateWith checks the knowledge-base ids a policy names (its
// jurisdictions, its denied developers) against k — the embedded knowledge
// base with an overlay, as kb.Load returns it — instead of the embedded
// one, so that a policy may name what only the overlay defines.
func ValidateWith(k *kb.KB) PolicyOption {
	return func(o *policyOptions) { o.kb = k }
}

// LoadPolicy reads and validates a policy file. Key and certificate files
// the policy names are read relative to the policy file's directory.
func LoadPolicy(path string, opts ...PolicyOption) (*Policy, error) {
	data, err := safeio.ReadFile(path, limits.MaxPolicyBytes)
	if err != nil {
		return nil, err
	}
	return ParsePolicy(path, data, opts...)
}

// ParsePolicy parses and validates a policy. name is the file name used in
// errors; files the policy names (signature keys, certificate roots, a
// trusted root) are read relative to its directory. Settings the policy
// leaves out keep the default policy's values (maps such as severity are
// merged entry by entry; lists are replaced); unknown keys, wrong types and
// contradictory settings are errors (*PolicyError with the line).
// Knowledge-base ids are checked against the embedded knowledge base, or
// the one ValidateWith gives.
func ParsePolicy(name string, data []byte, opts ...PolicyOption) (*Policy, error) {
	o := policyOptions{kb: kb.Default()}
	for _, opt := range opts {
		opt(&o)
	}
	if o.kb == nil {
		return nil, &PolicyError{File: name, Msg: "ValidateWith: nil knowledge base"}
	}
	return parsePolicy(name, data, DefaultPolicy(), o.kb)
}

// parsePolicy parses data over base (nil for none), checking
// knowledge-base ids against k.
func parsePolicy(name string, data []byte, base *Policy, k *kb.KB) (*Policy, error) {
	if len(data) > limits.MaxPolicyBytes {
		return nil, &PolicyError{File: name, Msg: fmt.Sprintf("over the %d-byte limit", limits.MaxPolicyBytes)}
	}
	root, err := yamlnode.Parse(data, 0, yamlnode.Limits{MaxNodes: limits.MaxYAMLNodes, MaxDepth: limits.MaxYAMLDepth})
	if err != nil {
		var ye *yamlnode.Error
		if errors.As(err, &ye) {
			return nil, &PolicyError{File: name, Line: ye.Line, Msg: ye.Msg}
		}
		return nil, &PolicyError{File: name, Msg: err.Error()}
	}
	switch root.Kind {
	case yamlnode.Mapping:
	case yamlnode.Null:
		root = &yamlnode.Node{Kind: yamlnode.Mapping, Line: root.Line}
	default:
		return nil, &PolicyError{File: name, Line: root.Line, Msg: "a policy is a mapping of settings"}
	}
	var file Policy
	if len(root.Keys) > 0 {
		if err := yamlnode.DecodeStrict(data, &file); err != nil {
			return nil, yamlPolicyError(name, err)
		}
	}
	p := &file
	if base != nil {
		p = base.clone()
		p.merge(&file, root)
	}
	if perr := p.check(root); perr != nil {
		perr.File = name
		return nil, perr
	}
	if perr := p.checkKB(root, k); perr != nil {
		perr.File = name
		return nil, perr
	}
	if perr := p.Signatures.load(name, root.Get("signatures")); perr != nil {
		perr.File = name
		return nil, perr
	}
	if p.Name == "" {
		p.Name = strings.TrimSuffix(name[strings.LastIndexAny(name, `/\`)+1:], ".yaml")
	}
	return p, nil
}

// yamlPolicyError converts an error of the YAML decoder (wrong type,
// unknown key) into a PolicyError with its line.
func yamlPolicyError(name string, err error) *PolicyError {
	line := 0
	msg := err.Error()
	var ye yaml.Error
	if errors.As(err, &ye) {
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			line = tk.Position.Line
		}
		msg = ye.GetMessage()
	}
	return &PolicyError{File: name, Line: line, Msg: msg}
}

// merge overlays the settings a policy file states (those present in root)
// onto p. Name, description and waivers are the file's own; maps merge
// entry by entry; every other stated setting replaces p's.
func (p *Policy) merge(f *Policy, root *yamlnode.Node) {
	has := func(n *yamlnode.Node, key string) bool { return n.Get(key) != nil }
	p.Name, p.Description, p.Waivers = f.Name, f.Description, f.Waivers
	if v := root.Get("verdict"); v != nil {
		if has(v, "fail_at") {
			p.Verdict.FailAt = f.Verdict.FailAt
		}
		if has(v, "review_at") {
			p.Verdict.ReviewAt = f.Verdict.ReviewAt
		}
	}
	maps.Copy(p.Severity, f.Severity)
	for code, m := range f.SeverityByConfidence {
		if p.SeverityByConfidence[code] == nil {
			p.SeverityByConfidence[code] = map[finding.Confidence]finding.Severity{}
		}
		maps.Copy(p.SeverityByConfidence[code], m)
	}
	for code, m := range f.SeverityBySubject {
		if p.SeverityBySubject[code] == nil {
			p.SeverityBySubject[code] = map[string]finding.Severity{}
		}
		maps.Copy(p.SeverityBySubject[code], m)
	}
	if has(root, "jurisdictions") {
		p.Jurisdictions = slices.Clone(f.Jurisdictions)
	}
	p.Licenses.merge(&f.Licenses, root.Get("licenses"))
	p.Lineage.merge(&f.Lineage, root.Get("lineage"))
	p.Signatures.merge(&f.Signatures, root.Get("signatures"))
}

// lineOf returns the line of the value at path in root (or of its key when
// the value has no line), or 0 when the setting is not in the file.
func lineOf(root *yamlnode.Node, path ...string) int {
	n := root
	line := 0
	for _, k := range path {
		if l := n.KeyLine(k); l > 0 {
			line = l
		}
		if n = n.Get(k); n == nil {
			break
		}
	}
	return line
}

// itemLine returns the line of the i-th item of the sequence at path, or
// the line of the sequence's key.
func itemLine(root *yamlnode.Node, i int, path ...string) int {
	n := root
	for _, k := range path {
		n = n.Get(k)
	}
	if n != nil && n.Kind == yamlnode.Sequence && i < len(n.Items) {
		return n.Items[i].Line
	}
	return lineOf(root, path...)
}

// Validate checks a policy built or changed in code, as ParsePolicy checks
// a file (errors then carry no line). New calls it.
// Key and certificate files of a policy built in code are read relative to
// the working directory the first time it is validated.
func (p *Policy) Validate() error {
	perr := p.check(&yamlnode.Node{Kind: yamlnode.Mapping})
	if perr == nil && !p.Signatures.loaded {
		perr = p.Signatures.load("", nil)
	}
	if perr != nil {
		perr.File = "policy " + p.Name
		return perr
	}
	return nil
}

// check validates settings, citing the line of the first bad one.
func (p *Policy) check(root *yamlnode.Node) *PolicyError {
	if !p.Verdict.FailAt.Valid() || !p.Verdict.ReviewAt.Valid() {
		return &PolicyError{Line: lineOf(root, "verdict"), Msg: "verdict.fail_at and verdict.review_at must each be one of info, low, medium, high, critical"}
	}
	if p.Verdict.ReviewAt.Rank() > p.Verdict.FailAt.Rank() {
		return &PolicyError{Line: lineOf(root, "verdict", "review_at"), Msg: fmt.Sprintf("verdict.review_at (%s) is above verdict.fail_at (%s): nothing could be sent to review", p.Verdict.ReviewAt, p.Verdict.FailAt)}
	}
	for _, code := range slices.Sorted(maps.Keys(p.Severity)) {
		sev := p.Severity[code]
		if !code.Known() {
			return &PolicyError{Line: lineOf(root, "severity", string(code)), Msg: fmt.Sprintf("unknown finding code %q", code)}
		}
		if !sev.Valid() {
			return &PolicyError{Line: lineOf(root, "severity", string(code)), Msg: fmt.Sprintf("severity of %s must be one of info, low, medium, high, critical, not %q", code, sev)}
		}
	}
	for _, code := range slices.Sorted(maps.Keys(p.SeverityByConfidence)) {
		m := p.SeverityByConfidence[code]
		if !code.Known() {
			return &PolicyError{Line: lineOf(root, "severity_by_confidence", string(code)), Msg: fmt.Sprintf("unknown finding code %q", code)}
		}
		for _, conf := range slices.Sorted(maps.Keys(m)) {
			sev := m[conf]
			if !conf.Valid() {
				return &PolicyError{Line: lineOf(root, "severity_by_confidence", string(code), string(conf)), Msg: fmt.Sprintf("unknown confidence %q (want verified, declared, inferred or alleged)", conf)}
			}
			if !sev.Valid() {
				return &PolicyError{Line: lineOf(root, "severity_by_confidence", string(code), string(conf)), Msg: fmt.Sprintf("invalid severity %q", sev)}
			}
		}
	}
	for _, code := range slices.Sorted(maps.Keys(p.SeverityBySubject)) {
		m := p.SeverityBySubject[code]
		if !code.Known() {
			return &PolicyError{Line: lineOf(root, "severity_by_subject", string(code)), Msg: fmt.Sprintf("unknown finding code %q", code)}
		}
		for _, subject := range slices.Sorted(maps.Keys(m)) {
			line := lineOf(root, "severity_by_subject", string(code), subject)
			if strings.TrimSpace(subject) == "" {
				return &PolicyError{Line: line, Msg: fmt.Sprintf("severity_by_subject.%s: a subject is empty", code)}
			}
			if !m[subject].Valid() {
				return &PolicyError{Line: line, Msg: fmt.Sprintf("severity of %s for %q must be one of info, low, medium, high, critical, not %q", code, subject, m[subject])}
			}
		}
	}
	for i, j := range p.Jurisdictions {
		if strings.TrimSpace(j) == "" {
			return &PolicyError{Line: itemLine(root, i, "jurisdictions"), Msg: fmt.Sprintf("jurisdictions[%d] is empty", i)}
		}
	}
	if perr := p.Licenses.check(root); perr != nil {
		return perr
	}
	if perr := p.Lineage.check(root); perr != nil {
		return perr
	}
	if perr := p.Signatures.check(root); perr != nil {
		return perr
	}
	return p.checkWaivers(root)
}

// checkKB checks the knowledge-base ids the policy names against k,
// citing the line of the first unknown one: its jurisdictions and its
// denied developers.
func (p *Policy) checkKB(root *yamlnode.Node, k *kb.KB) *PolicyError {
	for i, j := range p.Jurisdictions {
		if err := checkJurisdictions(k, []string{j}); err != nil {
			return &PolicyError{Line: itemLine(root, i, "jurisdictions"), Msg: err.Error(), Err: err}
		}
	}
	return p.Lineage.checkDevelopers(root, k)
}

func (p *Policy) checkWaivers(root *yamlnode.Node) *PolicyError {
	seen := map[string]int{}
	for i, w := range p.Waivers {
		line := itemLine(root, i, "waivers")
		if !w.Code.Known() {
			return &PolicyError{Line: line, Msg: fmt.Sprintf("waiver %d: unknown finding code %q", i+1, w.Code)}
		}
		if w.Subject == "" {
			return &PolicyError{Line: line, Msg: fmt.Sprintf("waiver %d: subject is required (use \"*\" to waive %s for every subject)", i+1, w.Code)}
		}
		if strings.TrimSpace(w.Reason) == "" {
			return &PolicyError{Line: line, Msg: fmt.Sprintf("waiver %d: a reason is required", i+1)}
		}
		if w.Expires != "" {
			if _, err := time.Parse(time.DateOnly, w.Expires); err != nil {
				return &PolicyError{Line: line, Msg: fmt.Sprintf("waiver %d: expires must be a date YYYY-MM-DD, not %q", i+1, w.Expires)}
			}
		}
		if w.Model != "" && strings.TrimSpace(w.Model) == "" {
			return &PolicyError{Line: line, Msg: fmt.Sprintf("waiver %d: model is blank (leave it out to waive for every model)", i+1)}
		}
		key := w.key()
		if prev, ok := seen[key]; ok {
			return &PolicyError{Line: line, Msg: fmt.Sprintf("waiver %d: waives %s for %q again (see waiver %d)", i+1, w.Code, w.Subject, prev)}
		}
		seen[key] = i + 1
	}
	return nil
}

// severity returns the severity the code and confidence tables give f.
func (p *Policy) severity(f finding.Finding) finding.Severity {
	if m, ok := p.SeverityByConfidence[f.Code]; ok {
		if s, ok := m[f.Confidence]; ok {
			return s
		}
	}
	if s, ok := p.Severity[f.Code]; ok {
		return s
	}
	return finding.Medium
}

// apply sets the severity of every finding (code and confidence tables,
// then the licence and signature settings), applies waivers, and sets the
// verdict. See docs/POLICY.md.
func (p *Policy) apply(r *report.Report, now time.Time) {
	r.Findings = append(r.Findings, p.deniedLicenseFindings(r)...)
	licenses := make(map[string]*report.License, len(r.Licenses))
	for i := range r.Licenses {
		l := &r.Licenses[i]
		licenses[l.ID] = l
		if l.SPDX != "" {
			if _, ok := licenses[l.SPDX]; !ok {
				licenses[l.SPDX] = l
			}
		}
	}
	used := make([]bool, len(p.Waivers))
	today := now.UTC().Format(time.DateOnly)
	for i := range r.Findings {
		f := &r.Findings[i]
		f.Severity = p.severity(*f)
		p.adjustLicense(f, licenses[license.SubjectLicense(f.Subject)])
		if f.Code == finding.SignatureMissing && p.Signatures.Required {
			f.Severity = atLeast(f.Severity, p.Verdict.FailAt)
		}
		if s, ok := p.SeverityBySubject[f.Code][f.Subject]; ok {
			f.Severity = s
		}
		for j, w := range p.Waivers {
			if w.Code != f.Code || (w.Subject != "*" && w.Subject != f.Subject) || !w.matchesModel(r) {
				continue
			}
			if w.Expires != "" && today > w.Expires {
				continue
			}
			used[j] = true
			f.Waived = w.Reason
			break
		}
	}
	for j, w := range p.Waivers {
		key := w.key()
		switch {
		case w.Expires != "" && today > w.Expires:
			r.Policy.ExpiredWaivers = append(r.Policy.ExpiredWaivers, key)
		case !used[j]:
			r.Policy.UnusedWaivers = append(r.Policy.UnusedWaivers, key)
		}
	}
	r.Verdict = p.verdict(r.Findings)
}

// verdict derives the verdict from the severities of unwaived findings.
func (p *Policy) verdict(fs []finding.Finding) report.Verdict {
	v := report.Pass
	for _, f := range fs {
		if f.Waived != "" {
			continue
		}
		switch rank := f.Severity.Rank(); {
		case rank >= p.Verdict.FailAt.Rank():
			return report.Fail
		case rank >= p.Verdict.ReviewAt.Rank():
			v = report.Review
		}
	}
	return v
}

// atLeast returns the more severe of s and floor.
func atLeast(s, floor finding.Severity) finding.Severity {
	if s.Rank() < floor.Rank() {
		return floor
	}
	return s
}

// validate checks the auditor's settings together.
func (a *Auditor) validate() error {
	if err := a.policy.Validate(); err != nil {
		return err
	}
	// The policy's trusted signers come first; WithTrust adds to them.
	if pt := a.policy.Trust(); !trustEmpty(pt) {
		a.cfg.trust = mergeTrust(pt, a.cfg.trust)
	}
	for _, j := range a.juris {
		if strings.TrimSpace(j) == "" {
			return errors.New("empty jurisdiction id")
		}
	}
	if err := checkJurisdictions(a.kb, a.policy.Jurisdictions); err != nil {
		return fmt.Errorf("policy %s: jurisdictions: %w", a.policy.Name, err)
	}
	if perr := a.policy.Lineage.checkDevelopers(&yamlnode.Node{Kind: yamlnode.Mapping}, a.kb); perr != nil {
		perr.File = "policy " + a.policy.Name
		return perr
	}
	if a.cfg.jurisSet {
		if err := checkJurisdictions(a.kb, a.cfg.jurisdictions); err != nil {
			return err
		}
	}
	if a.cfg.signaturePath != "" {
		if _, err := os.Stat(a.cfg.signaturePath); err != nil {
			return fmt.Errorf("signature: %w", err)
		}
	}
	return nil
}

// Jurisdictions returns the jurisdictions whose government policies the
// auditor applies: WithJurisdictions if given, else the policy's.
func (a *Auditor) Jurisdictions() []string { return slices.Clone(a.juris) }

// checkJurisdictions checks a selection of jurisdictions (ids, prefixes
// ending in "*", or "*") against k. The error names the unknown ones and
// lists those k knows; it wraps a *kb.UnknownJurisdictionError.
func checkJurisdictions(k *kb.KB, ids []string) error {
	_, err := k.ExpandJurisdictions(ids)
	var uerr *kb.UnknownJurisdictionError
	if !errors.As(err, &uerr) {
		return err
	}
	return &jurisdictionError{err: uerr, known: k.Jurisdictions()}
}

// jurisdictionError is an unknown jurisdiction, with the ones the
// knowledge base knows.
type jurisdictionError struct {
	err   *kb.UnknownJurisdictionError
	known []kb.Jurisdiction
}

func (e *jurisdictionError) Error() string {
	quoted := make([]string, len(e.err.IDs))
	for i, id := range e.err.IDs {
		quoted[i] = fmt.Sprintf("%q", id)
	}
	known := make([]string, len(e.known))
	for i, j := range e.known {
		known[i] = j.ID
	}
	noun := "jurisdiction"
	if len(quoted) > 1 {
		noun = "jurisdictions"
	}
	return fmt.Sprintf("unknown %s %s; the knowledge base knows %s (a trailing * selects by prefix, as in us-*; * selects all)",
		noun, strings.Join(quoted, ", "), strings.Join(known, ", "))
}

func (e *jurisdictionError) Unwrap() error { return e.err }
