package modelvet

import (
	"fmt"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/yamlnode"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/license"
	"github.com/modelvet/modelvet/report"
)

// LicensePolicy says which licences and terms a buyer accepts. The audit
// applies it by adjusting the severity of the license.* findings about each
// licence (a finding's Subject names the licence), using the licence's
// category and terms from the report; docs/POLICY.md gives the exact rules.
type LicensePolicy struct {
	// AllowCategories, when set, lists the only licence categories
	// accepted besides permissive and notice (always accepted); a licence
	// of any other category is treated as denied.
	AllowCategories []kb.Category `yaml:"allow_categories,omitempty"`
	// DenyCategories lists licence categories that fail the audit.
	DenyCategories []kb.Category `yaml:"deny_categories,omitempty"`
	// CommercialUseRequired makes licences that withhold commercial use
	// (license.noncommercial, license.research-only, and licences of the
	// non-commercial and research-only categories) fail the audit; false
	// makes those findings info.
	CommercialUseRequired bool `yaml:"commercial_use_required"`
	// MaxUserThreshold is the most users the buyer will serve (0: not
	// stated). A licence user threshold above it is no obstacle
	// (license.user-threshold becomes low); at or below it, a separate
	// licence is needed (high).
	MaxUserThreshold int64 `yaml:"max_user_threshold,omitempty"`
	// MaxRevenueThreshold is the most annual revenue, in US dollars, of the
	// buyer (0: not stated), compared like MaxUserThreshold with a
	// licence's revenue threshold.
	MaxRevenueThreshold int64 `yaml:"max_revenue_threshold,omitempty"`
	// FlowDownAcceptable says whether the buyer accepts passing
	// acceptable-use restrictions on to its users and derivatives: true
	// makes license.use-restrictions low, false makes it fail; unset
	// leaves it to the severity table.
	FlowDownAcceptable *bool `yaml:"flow_down_acceptable,omitempty"`
	// Territories lists where the buyer operates. A license.territory
	// finding fails the audit when the licence's excluded regions
	// intersect them and becomes info when they do not; unset leaves it to
	// the severity table. Compared case-insensitively.
	Territories []string `yaml:"territories,omitempty"`
}

// categoryCode is the finding code that stands for a licence category when
// a denied licence has no finding of its own. Permissive and notice
// licences grant use and have none: they cannot be denied.
var categoryCode = map[kb.Category]finding.Code{
	kb.CategoryReciprocal:     finding.LicenseCopyleft,
	kb.CategoryNonCommercial:  finding.LicenseNonCommercial,
	kb.CategoryResearchOnly:   finding.LicenseResearchOnly,
	kb.CategoryResponsibleUse: finding.LicenseUseRestrictions,
	kb.CategoryProprietary:    finding.LicenseUseRestrictions,
	kb.CategoryUnknown:        finding.LicenseUnknown,
}

func (l LicensePolicy) clone() LicensePolicy {
	l.AllowCategories = slices.Clone(l.AllowCategories)
	l.DenyCategories = slices.Clone(l.DenyCategories)
	l.Territories = slices.Clone(l.Territories)
	if l.FlowDownAcceptable != nil {
		v := *l.FlowDownAcceptable
		l.FlowDownAcceptable = &v
	}
	return l
}

func (l *LicensePolicy) merge(f *LicensePolicy, n *yamlnode.Node) {
	if n == nil {
		return
	}
	has := func(k string) bool { return n.Get(k) != nil }
	if has("allow_categories") {
		l.AllowCategories = slices.Clone(f.AllowCategories)
	}
	if has("deny_categories") {
		l.DenyCategories = slices.Clone(f.DenyCategories)
	}
	if has("commercial_use_required") {
		l.CommercialUseRequired = f.CommercialUseRequired
	}
	if has("max_user_threshold") {
		l.MaxUserThreshold = f.MaxUserThreshold
	}
	if has("max_revenue_threshold") {
		l.MaxRevenueThreshold = f.MaxRevenueThreshold
	}
	if has("flow_down_acceptable") {
		l.FlowDownAcceptable = f.FlowDownAcceptable
	}
	if has("territories") {
		l.Territories = slices.Clone(f.Territories)
	}
}

// denied reports whether licences of category c fail the audit.
func (l *LicensePolicy) denied(c kb.Category) bool {
	if c == kb.CategoryPermissive || c == kb.CategoryNotice {
		return false
	}
	if slices.Contains(l.DenyCategories, c) {
		return true
	}
	if l.CommercialUseRequired && (c == kb.CategoryNonCommercial || c == kb.CategoryResearchOnly) {
		return true
	}
	return len(l.AllowCategories) > 0 && !slices.Contains(l.AllowCategories, c)
}

func (l *LicensePolicy) check(root *yamlnode.Node) *PolicyError {
	for i, c := range l.AllowCategories {
		if !c.Valid() {
			return &PolicyError{Line: itemLine(root, i, "licenses", "allow_categories"), Msg: fmt.Sprintf("unknown licence category %q (want one of %s)", c, categoryList())}
		}
		if slices.Contains(l.DenyCategories, c) {
			return &PolicyError{Line: itemLine(root, i, "licenses", "allow_categories"), Msg: fmt.Sprintf("licence category %q is both allowed and denied", c)}
		}
	}
	for i, c := range l.DenyCategories {
		line := itemLine(root, i, "licenses", "deny_categories")
		if !c.Valid() {
			return &PolicyError{Line: line, Msg: fmt.Sprintf("unknown licence category %q (want one of %s)", c, categoryList())}
		}
		if c == kb.CategoryPermissive || c == kb.CategoryNotice {
			return &PolicyError{Line: line, Msg: fmt.Sprintf("licence category %q grants use without conditions to deny; it cannot be denied", c)}
		}
	}
	if !l.CommercialUseRequired {
		for _, c := range []kb.Category{kb.CategoryNonCommercial, kb.CategoryResearchOnly} {
			if l.denied(c) {
				return &PolicyError{Line: lineOf(root, "licenses", "commercial_use_required"), Msg: fmt.Sprintf("commercial_use_required is false, but licence category %q, which withholds commercial use, is denied", c)}
			}
		}
	}
	if l.FlowDownAcceptable != nil && *l.FlowDownAcceptable && l.denied(kb.CategoryResponsibleUse) {
		return &PolicyError{Line: lineOf(root, "licenses", "flow_down_acceptable"), Msg: fmt.Sprintf("flow_down_acceptable is true, but licence category %q, whose restrictions flow down, is denied", kb.CategoryResponsibleUse)}
	}
	if l.MaxUserThreshold < 0 {
		return &PolicyError{Line: lineOf(root, "licenses", "max_user_threshold"), Msg: "max_user_threshold must not be negative"}
	}
	if l.MaxRevenueThreshold < 0 {
		return &PolicyError{Line: lineOf(root, "licenses", "max_revenue_threshold"), Msg: "max_revenue_threshold must not be negative"}
	}
	for i, t := range l.Territories {
		if strings.TrimSpace(t) == "" {
			return &PolicyError{Line: itemLine(root, i, "licenses", "territories"), Msg: fmt.Sprintf("territories[%d] is empty", i)}
		}
	}
	return nil
}

func categoryList() string {
	var out []string
	for _, c := range kb.Categories() {
		out = append(out, string(c))
	}
	return strings.Join(out, ", ")
}

// deniedLicenseFindings returns a finding for each licence of a denied
// category that has no license.* finding about it yet, so that the denial
// is visible and counts towards the verdict.
func (p *Policy) deniedLicenseFindings(r *report.Report) []finding.Finding {
	var out []finding.Finding
	for _, l := range r.Licenses {
		if !p.Licenses.denied(l.Category) {
			continue
		}
		covered := slices.ContainsFunc(r.Findings, func(f finding.Finding) bool {
			id := license.SubjectLicense(f.Subject)
			return f.Code.Group() == "license" && (id == l.ID || l.SPDX != "" && id == l.SPDX)
		})
		if covered {
			continue
		}
		out = append(out, finding.Finding{
			Code:       categoryCode[l.Category],
			Message:    fmt.Sprintf("licence %s is of category %s, which policy %s does not accept", l.ID, l.Category, p.Name),
			Confidence: finding.Declared,
			Subject:    l.ID,
			Evidence:   slices.Clone(l.Sources),
			References: slices.Clone(l.References),
		})
	}
	return out
}

// adjustLicense applies the licence settings to a license.* finding about
// lic (nil when the finding names no licence of the report).
func (p *Policy) adjustLicense(f *finding.Finding, lic *report.License) {
	if f.Code.Group() != "license" {
		return
	}
	lp := &p.Licenses
	failAt := p.Verdict.FailAt
	switch f.Code {
	case finding.LicenseNonCommercial, finding.LicenseResearchOnly:
		if lp.CommercialUseRequired {
			f.Severity = atLeast(f.Severity, failAt)
		} else {
			f.Severity = finding.Info
		}
	case finding.LicenseUserThreshold:
		if lic != nil {
			if s, ok := lp.thresholdSeverity(lic); ok {
				f.Severity = s
			}
		}
	case finding.LicenseUseRestrictions:
		if lp.FlowDownAcceptable != nil {
			if *lp.FlowDownAcceptable {
				f.Severity = finding.Low
			} else {
				f.Severity = atLeast(f.Severity, failAt)
			}
		}
	case finding.LicenseTerritory:
		if len(lp.Territories) > 0 && lic != nil && lic.Terms.Territory != nil && len(lic.Terms.Territory.Regions) > 0 {
			if lp.operatesIn(lic.Terms.Territory.Regions) {
				f.Severity = atLeast(f.Severity, failAt)
			} else {
				f.Severity = finding.Info
			}
		}
	}
	category := codeCategory[f.Code]
	if lic != nil {
		category = lic.Category
	}
	if category != "" && lp.denied(category) {
		f.Severity = atLeast(f.Severity, failAt)
	}
}

// codeCategory is the licence category a finding code implies when the
// finding names no licence of the report (an unidentified licence is not
// listed among the report's licences).
var codeCategory = map[finding.Code]kb.Category{
	finding.LicenseUnknown:       kb.CategoryUnknown,
	finding.LicenseCopyleft:      kb.CategoryReciprocal,
	finding.LicenseNonCommercial: kb.CategoryNonCommercial,
	finding.LicenseResearchOnly:  kb.CategoryResearchOnly,
}

// thresholdSeverity compares the licence's user and revenue thresholds with
// the buyer's maxima: high when the buyer reaches any threshold, low when
// every threshold the policy can compare is above the buyer's maximum, and
// ok false when nothing can be compared.
func (l *LicensePolicy) thresholdSeverity(lic *report.License) (finding.Severity, bool) {
	compared := false
	if t := lic.Terms.UserThreshold; t != nil && t.Amount > 0 && l.MaxUserThreshold > 0 {
		if t.Amount <= l.MaxUserThreshold {
			return finding.High, true
		}
		compared = true
	}
	if t := lic.Terms.RevenueThreshold; t != nil && t.Amount > 0 && l.MaxRevenueThreshold > 0 {
		if t.Amount <= l.MaxRevenueThreshold {
			return finding.High, true
		}
		compared = true
	}
	return finding.Low, compared
}

// operatesIn reports whether any excluded region is one of the territories
// of operation.
func (l *LicensePolicy) operatesIn(regions []string) bool {
	for _, r := range regions {
		for _, t := range l.Territories {
			if strings.EqualFold(strings.TrimSpace(r), strings.TrimSpace(t)) {
				return true
			}
		}
	}
	return false
}
