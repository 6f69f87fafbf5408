package integrity

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/manifest"
)

// maxIndexEvidence caps the evidence of one index finding; the message
// still counts every issue.
const maxIndexEvidence = 20

// indexFindings turns the disagreements between a safetensors index and
// its shards (manifest.Release.CheckIndex) into findings: one per shard
// (or index) and kind, listing the tensors concerned. A shard the index
// names but the release lacks is missing; a shard or tensor the index does
// not name is unlisted; a tensor not where the index says, or a total size
// the shards do not add up to, is a mismatch.
func indexFindings(rel *manifest.Release) []finding.Finding {
	type key struct {
		kind  manifest.IndexIssueKind
		shard string
	}
	groups := map[key][]manifest.IndexIssue{}
	var order []key
	for _, i := range rel.CheckIndex() {
		k := key{i.Kind, i.Shard}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	var out []finding.Finding
	for _, k := range order {
		is := groups[k]
		first := is[0]
		subject := cmp.Or(first.Shard, first.Index)
		f := finding.Finding{Confidence: finding.Verified, Subject: subject}
		var tensors []string
		for _, i := range is {
			if i.Tensor != "" {
				tensors = append(tensors, i.Tensor)
			}
			if len(f.Evidence) < maxIndexEvidence {
				f.Evidence = append(f.Evidence, i.Evidence...)
			}
		}
		switch k.kind {
		case manifest.IndexShardMissing:
			f.Code = finding.IntegrityMissing
			f.Message = fmt.Sprintf("%s is named by the index %s but absent", first.Shard, first.Index)
		case manifest.IndexShardUnlisted:
			f.Code = finding.IntegrityUnlisted
			f.Message = fmt.Sprintf("%s sits beside the index %s, which names no tensor in it", first.Shard, first.Index)
		case manifest.IndexTensorUnmapped:
			f.Code = finding.IntegrityUnlisted
			f.Message = fmt.Sprintf("%s holds %s the index %s does not name", first.Shard, countOf(len(tensors), "tensor", "tensors"), first.Index)
		case manifest.IndexTensorMissing:
			f.Code = finding.IntegrityMismatch
			f.Message = fmt.Sprintf("the index %s puts %s in %s, whose header does not hold them", first.Index, countOf(len(tensors), "tensor", "tensors"), first.Shard)
		case manifest.IndexTensorMisplaced:
			f.Code = finding.IntegrityMismatch
			f.Message = fmt.Sprintf("the index %s puts %s in %s, but another shard holds them", first.Index, countOf(len(tensors), "tensor", "tensors"), first.Shard)
		case manifest.IndexTotalSize:
			f.Code = finding.IntegrityMismatch
			f.Message = fmt.Sprintf("the index %s declares a total size of %s bytes, but its shards hold %s", first.Index, first.Expected, first.Actual)
		default:
			f.Code = finding.IntegrityMismatch
			f.Message = fmt.Sprintf("the index %s disagrees with its shards in %s more ways not listed", first.Index, first.Actual)
		}
		if len(tensors) > 0 {
			f.Message += ": " + strings.Join(tensors[:min(len(tensors), 5)], ", ")
			if len(tensors) > 5 {
				f.Message += ", …"
			}
		}
		out = append(out, f)
	}
	return out
}
