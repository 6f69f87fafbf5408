package modelvet

import (
	"fmt"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/yamlnode"
	"github.com/modelvet/modelvet/provenance"
)

// LineagePolicy says how far along a model's lineage the government
// policies of the selected jurisdictions reach: a policy that covers a
// model within reach raises provenance.government-policy.
type LineagePolicy struct {
	// GovernmentReach is "all" (the model and every ancestor, the teachers
	// it was distilled from included), "weights" (the model and the
	// ancestors whose weights it carries: fine-tunes, adapters, merges and
	// quantisations, not teachers) or "self" (the model itself and the
	// weights it is a quantisation or conversion of). See provenance.Reach.
	GovernmentReach string `yaml:"government_reach"`
	// MaxDepth is how many derivations from the audited model count (1 =
	// direct bases only), from 1 to limits.MaxLineageDepth.
	MaxDepth int `yaml:"max_depth"`
}

func (l *LineagePolicy) merge(f *LineagePolicy, n *yamlnode.Node) {
	if n == nil {
		return
	}
	if n.Get("government_reach") != nil {
		l.GovernmentReach = f.GovernmentReach
	}
	if n.Get("max_depth") != nil {
		l.MaxDepth = f.MaxDepth
	}
}

func (l *LineagePolicy) check(root *yamlnode.Node) *PolicyError {
	if _, err := provenance.ParseReach(l.GovernmentReach); err != nil {
		return &PolicyError{Line: lineOf(root, "lineage", "government_reach"), Msg: fmt.Sprintf("lineage.government_reach must be all, weights or self, not %q", l.GovernmentReach)}
	}
	if l.MaxDepth < 1 || l.MaxDepth > limits.MaxLineageDepth {
		return &PolicyError{Line: lineOf(root, "lineage", "max_depth"), Msg: fmt.Sprintf("lineage.max_depth must be between 1 and %d, not %d", limits.MaxLineageDepth, l.MaxDepth)}
	}
	return nil
}

// GovernmentOptions returns the lineage settings as the options the
// government-policy analysis takes (provenance.Government): how far along
// the lineage a policy's coverage is followed, and to what depth. The
// audit passes them for every release. Call it on a validated policy; an
// invalid reach reads as "all".
func (p *Policy) GovernmentOptions() provenance.GovernmentOptions {
	reach, _ := provenance.ParseReach(p.Lineage.GovernmentReach)
	return provenance.GovernmentOptions{Reach: reach, MaxDepth: p.Lineage.MaxDepth}
}
