package modelvet

import (
	"fmt"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/yamlnode"
)

// Government coverage settings (LineagePolicy.GovernmentCoverage).
const (
	// CoverageSelf raises provenance.government-policy only when a policy
	// covers the audited model itself or its developer.
	CoverageSelf = "self"
	// CoverageAncestors also raises it when a policy covers an ancestor
	// (a base model, or the model distilled from) within MaxDepth.
	CoverageAncestors = "ancestors"
)

// LineagePolicy says how far along a model's ancestry the government
// policies of the selected jurisdictions reach.
type LineagePolicy struct {
	// GovernmentCoverage is CoverageSelf or CoverageAncestors.
	GovernmentCoverage string `yaml:"government_coverage"`
	// MaxDepth is how many generations of ancestors count (1 = direct
	// bases only), at most limits.MaxLineageDepth.
	MaxDepth int `yaml:"max_depth"`
}

func (l *LineagePolicy) merge(f *LineagePolicy, n *yamlnode.Node) {
	if n == nil {
		return
	}
	if n.Get("government_coverage") != nil {
		l.GovernmentCoverage = f.GovernmentCoverage
	}
	if n.Get("max_depth") != nil {
		l.MaxDepth = f.MaxDepth
	}
}

func (l *LineagePolicy) check(root *yamlnode.Node) *PolicyError {
	switch l.GovernmentCoverage {
	case CoverageSelf, CoverageAncestors:
	default:
		return &PolicyError{Line: lineOf(root, "lineage", "government_coverage"), Msg: fmt.Sprintf("lineage.government_coverage must be %q or %q, not %q", CoverageSelf, CoverageAncestors, l.GovernmentCoverage)}
	}
	if l.MaxDepth < 1 || l.MaxDepth > limits.MaxLineageDepth {
		return &PolicyError{Line: lineOf(root, "lineage", "max_depth"), Msg: fmt.Sprintf("lineage.max_depth must be between 1 and %d, not %d", limits.MaxLineageDepth, l.MaxDepth)}
	}
	return nil
}

// GovernmentCoverage returns how far government policies reach along the
// lineage: CoverageSelf (the model and its developer only) or
// CoverageAncestors, and the number of generations of ancestors that count
// (0 for CoverageSelf). The lineage analysis raises
// provenance.government-policy accordingly.
func (p *Policy) GovernmentCoverage() (coverage string, maxDepth int) {
	if p.Lineage.GovernmentCoverage == CoverageSelf {
		return CoverageSelf, 0
	}
	return CoverageAncestors, p.Lineage.MaxDepth
}
