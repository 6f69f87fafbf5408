package modelvet

import (
	_ "embed"
	"errors"
	"fmt"
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
	"github.com/modelvet/modelvet/report"
)

//go:embed default-policy.yaml
var defaultPolicyYAML []byte

// Policy decides what findings mean for a buyer: the severity of each
// finding code (by confidence), the thresholds of the verdict, which
// jurisdictions' government policies apply, and waivers. Policies are
// written in YAML; see default-policy.yaml and the README.
type Policy struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description,omitempty"`
	Verdict     struct {
		FailAt   finding.Severity `yaml:"fail_at"`
		ReviewAt finding.Severity `yaml:"review_at"`
	} `yaml:"verdict"`
	// Severity maps each finding code to its severity.
	Severity map[finding.Code]finding.Severity `yaml:"severity"`
	// SeverityByConfidence overrides Severity for findings of a given
	// confidence.
	SeverityByConfidence map[finding.Code]map[finding.Confidence]finding.Severity `yaml:"severity_by_confidence,omitempty"`
	// Jurisdictions selects whose government policies apply.
	Jurisdictions []string `yaml:"jurisdictions"`
	Waivers       []Waiver `yaml:"waivers"`
}

// Waiver accepts one finding (a code, and a subject or "*" for any) until
// it expires.
type Waiver struct {
	Code    finding.Code `yaml:"code"`
	Subject string       `yaml:"subject"`
	Reason  string       `yaml:"reason"`
	// Expires is the last day (YYYY-MM-DD, UTC) the waiver applies; empty
	// means it never expires.
	Expires string `yaml:"expires,omitempty"`
}

var (
	defaultPolicyOnce sync.Once
	defaultPolicy     *Policy
)

// DefaultPolicy returns a copy of the embedded default policy: a cautious
// commercial buyer (see default-policy.yaml).
func DefaultPolicy() *Policy {
	defaultPolicyOnce.Do(func() {
		p, err := parsePolicy("default-policy.yaml", defaultPolicyYAML, nil)
		if err != nil {
			panic("modelvet: embedded default policy: " + err.Error())
		}
		defaultPolicy = p
	})
	return defaultPolicy.clone()
}

func (p *Policy) clone() *Policy {
	c := *p
	c.Severity = make(map[finding.Code]finding.Severity, len(p.Severity))
	for k, v := range p.Severity {
		c.Severity[k] = v
	}
	c.SeverityByConfidence = make(map[finding.Code]map[finding.Confidence]finding.Severity, len(p.SeverityByConfidence))
	for k, m := range p.SeverityByConfidence {
		c.SeverityByConfidence[k] = make(map[finding.Confidence]finding.Severity, len(m))
		for ck, cv := range m {
			c.SeverityByConfidence[k][ck] = cv
		}
	}
	c.Jurisdictions = slices.Clone(p.Jurisdictions)
	c.Waivers = slices.Clone(p.Waivers)
	return &c
}

// PolicyError is an invalid policy file, with the line at fault.
type PolicyError struct {
	File string
	Line int
	Msg  string
}

func (e *PolicyError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// LoadPolicy reads and validates a policy file.
func LoadPolicy(path string) (*Policy, error) {
	data, err := safeio.ReadFile(path, limits.MaxPolicyBytes)
	if err != nil {
		return nil, err
	}
	return ParsePolicy(path, data)
}

// ParsePolicy parses and validates a policy. Settings the policy leaves out
// keep the default policy's values; unknown keys and contradictory settings
// are errors.
func ParsePolicy(name string, data []byte) (*Policy, error) {
	return parsePolicy(name, data, DefaultPolicy())
}

// parsePolicy parses data over base (nil for none).
func parsePolicy(name string, data []byte, base *Policy) (*Policy, error) {
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
	if root.Kind != yamlnode.Mapping {
		return nil, &PolicyError{File: name, Line: root.Line, Msg: "a policy is a mapping of settings"}
	}
	var p Policy
	if base != nil {
		p = *base
		p.Name, p.Description, p.Waivers = "", "", nil
	}
	if err := yaml.UnmarshalWithOptions(data, &p, yaml.Strict()); err != nil {
		line := 0
		var ye yaml.Error
		if errors.As(err, &ye) && ye.GetToken() != nil && ye.GetToken().Position != nil {
			line = ye.GetToken().Position.Line
		}
		msg := err.Error()
		if ye != nil {
			msg = ye.GetMessage()
		}
		return nil, &PolicyError{File: name, Line: line, Msg: msg}
	}
	if err := p.check(root); err != nil {
		err.File = name
		return nil, err
	}
	if p.Name == "" {
		p.Name = strings.TrimSuffix(name[strings.LastIndexAny(name, `/\`)+1:], ".yaml")
	}
	return &p, nil
}

// check validates settings, citing the line of the first bad one.
func (p *Policy) check(root *yamlnode.Node) *PolicyError {
	at := func(path ...string) int {
		n := root
		line := 0
		for _, k := range path {
			line = n.KeyLine(k)
			if n = n.Get(k); n == nil {
				break
			}
		}
		return line
	}
	if !p.Verdict.FailAt.Valid() || !p.Verdict.ReviewAt.Valid() {
		return &PolicyError{Line: at("verdict"), Msg: "verdict.fail_at and verdict.review_at must each be one of info, low, medium, high, critical"}
	}
	if p.Verdict.ReviewAt.Rank() > p.Verdict.FailAt.Rank() {
		return &PolicyError{Line: at("verdict", "review_at"), Msg: fmt.Sprintf("verdict.review_at (%s) is above verdict.fail_at (%s): nothing could be sent to review", p.Verdict.ReviewAt, p.Verdict.FailAt)}
	}
	for code, sev := range p.Severity {
		if !code.Known() {
			return &PolicyError{Line: at("severity", string(code)), Msg: fmt.Sprintf("unknown finding code %q", code)}
		}
		if !sev.Valid() {
			return &PolicyError{Line: at("severity", string(code)), Msg: fmt.Sprintf("severity of %s must be one of info, low, medium, high, critical, not %q", code, sev)}
		}
	}
	for code, m := range p.SeverityByConfidence {
		if !code.Known() {
			return &PolicyError{Line: at("severity_by_confidence", string(code)), Msg: fmt.Sprintf("unknown finding code %q", code)}
		}
		for conf, sev := range m {
			if !conf.Valid() {
				return &PolicyError{Line: at("severity_by_confidence", string(code), string(conf)), Msg: fmt.Sprintf("unknown confidence %q (want verified, declared, inferred or alleged)", conf)}
			}
			if !sev.Valid() {
				return &PolicyError{Line: at("severity_by_confidence", string(code), string(conf)), Msg: fmt.Sprintf("invalid severity %q", sev)}
			}
		}
	}
	wn := root.Get("waivers")
	for i, w := range p.Waivers {
		line := 0
		if wn != nil && i < len(wn.Items) {
			line = wn.Items[i].Line
		}
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
	}
	return nil
}

// severity returns the severity policy gives f.
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

// apply sets the severity of every finding, applies waivers, and sets the
// verdict.
func (p *Policy) apply(r *report.Report, now time.Time) {
	used := make([]bool, len(p.Waivers))
	today := now.UTC().Format(time.DateOnly)
	for i := range r.Findings {
		f := &r.Findings[i]
		f.Severity = p.severity(*f)
		for j, w := range p.Waivers {
			if w.Code != f.Code || (w.Subject != "*" && w.Subject != f.Subject) {
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
		key := string(w.Code) + " " + w.Subject
		switch {
		case w.Expires != "" && today > w.Expires:
			r.Policy.ExpiredWaivers = append(r.Policy.ExpiredWaivers, key)
		case !used[j]:
			r.Policy.UnusedWaivers = append(r.Policy.UnusedWaivers, key)
		}
	}
	r.Verdict = report.Pass
	for _, f := range r.Findings {
		if f.Waived != "" {
			continue
		}
		switch rank := f.Severity.Rank(); {
		case rank >= p.Verdict.FailAt.Rank():
			r.Verdict = report.Fail
		case rank >= p.Verdict.ReviewAt.Rank() && r.Verdict == report.Pass:
			r.Verdict = report.Review
		}
	}
}

// validate checks the auditor's settings together.
func (a *Auditor) validate() error {
	for _, j := range a.juris {
		if strings.TrimSpace(j) == "" {
			return errors.New("empty jurisdiction id")
		}
	}
	if a.cfg.signaturePath != "" {
		if _, err := os.Stat(a.cfg.signaturePath); err != nil {
			return fmt.Errorf("signature: %w", err)
		}
	}
	return nil
}
