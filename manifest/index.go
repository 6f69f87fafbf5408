package manifest

import (
	"cmp"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/formats/safetensors"
	"github.com/modelvet/modelvet/internal/limits"
)

// IndexIssueKind says how a sharded-weights index and its shards disagree.
type IndexIssueKind string

// Kinds of index issue.
const (
	// IndexShardMissing: weight_map names a shard file that is not in the
	// release.
	IndexShardMissing IndexIssueKind = "shard-missing"
	// IndexShardUnlisted: a safetensors file sits beside the index but
	// weight_map names no tensor in it.
	IndexShardUnlisted IndexIssueKind = "shard-unlisted"
	// IndexTensorMissing: weight_map puts a tensor in a shard whose header
	// does not hold it, and no other shard beside the index holds it.
	IndexTensorMissing IndexIssueKind = "tensor-missing"
	// IndexTensorMisplaced: weight_map puts a tensor in one shard, but a
	// different shard's header holds it.
	IndexTensorMisplaced IndexIssueKind = "tensor-misplaced"
	// IndexTensorUnmapped: a listed shard's header holds a tensor that
	// weight_map does not name.
	IndexTensorUnmapped IndexIssueKind = "tensor-unmapped"
	// IndexTotalSize: metadata.total_size differs from the sum of the
	// tensor data sizes the shards' headers declare.
	IndexTotalSize IndexIssueKind = "total-size-mismatch"
	// IndexIssuesOmitted: more than limits.MaxIndexIssues issues were found;
	// Actual gives how many more were left out.
	IndexIssuesOmitted IndexIssueKind = "issues-omitted"
)

// IndexIssue is one disagreement between a sharded-weights index and the
// shard files present. Issues are facts about the release, not findings:
// the integrity check decides what they mean.
type IndexIssue struct {
	Kind IndexIssueKind `json:"kind"`
	// Index is the path of the index file.
	Index string `json:"index"`
	// Shard is the release path of the shard concerned, if any.
	Shard string `json:"shard,omitempty"`
	// Tensor is the tensor concerned, if any.
	Tensor string `json:"tensor,omitempty"`
	// Expected is what the index declares and Actual what the shards hold
	// (a shard path, or a byte count for IndexTotalSize); "" for nothing.
	Expected string             `json:"expected,omitempty"`
	Actual   string             `json:"actual,omitempty"`
	Evidence []finding.Evidence `json:"evidence"`
}

// CheckIndex compares every safetensors index of the release
// (SafetensorsIndexes: the release's own, those of diffusers components
// and variants) with the shard files present and the tensors their headers
// declare. Shard names are resolved against the directory holding the
// index, and only safetensors files in that directory are considered.
//
// A safetensors file beside an index that no index of that directory names
// is reported as an unlisted shard when its name is numbered like a shard
// (NAME-00004-of-00004.safetensors). A file with a name of its own is
// another checkpoint of the release, not a shard (Mistral's
// consolidated.safetensors beside its Hugging Face shards, a single-file
// copy beside the shards of the same weights), and is read and verified as
// a file of its own.
//
// A shard whose header could not be read at all is skipped (its Problem
// already says why); the total size is checked only when every listed
// shard was read. Issues are sorted by index, shard, kind and tensor; at
// most limits.MaxIndexIssues are returned per index, followed by one
// IndexIssuesOmitted issue counting the rest.
func (r *Release) CheckIndex() []IndexIssue {
	indexes := r.SafetensorsIndexes
	if len(indexes) == 0 && r.SafetensorsIndex != nil {
		indexes = []*safetensors.Index{r.SafetensorsIndex}
	}
	// Shards some index of their directory names.
	claimed := map[string]bool{}
	for _, idx := range indexes {
		dir := path.Dir(idx.Path)
		for _, s := range idx.Shards {
			claimed[path.Join(dir, s)] = true
		}
	}
	var out []IndexIssue
	for _, idx := range indexes {
		out = append(out, r.checkIndex(idx, claimed)...)
	}
	return out
}

// shardNumbered matches the names sharded writers give shards:
// "model-00001-of-00004.safetensors", "model.fp16-00001-of-00002.safetensors".
var shardNumbered = regexp.MustCompile(`-[0-9]{5}-of-[0-9]{5}\.safetensors$`)

func (r *Release) checkIndex(idx *safetensors.Index, claimed map[string]bool) []IndexIssue {
	dir := path.Dir(idx.Path)
	resolve := func(shard string) string {
		if dir == "." {
			return shard
		}
		return dir + "/" + shard
	}
	var issues []IndexIssue
	add := func(i IndexIssue) {
		i.Index = idx.Path
		issues = append(issues, i)
	}

	// Shards named by the index: present, and read?
	listed := make(map[string]*safetensors.Info, len(idx.Shards)) // release path → header (nil when unread)
	complete := true
	for _, s := range idx.Shards {
		p := resolve(s)
		f := r.File(p)
		if f == nil {
			complete = false
			add(IndexIssue{Kind: IndexShardMissing, Shard: p, Expected: p,
				Evidence: []finding.Evidence{{Path: idx.Path, Line: idx.ShardLines[s], Field: "weight_map", Value: s}}})
			continue
		}
		listed[p] = f.Safetensors
		if f.Safetensors == nil {
			complete = false
		}
	}

	// Which shard beside the index holds each tensor.
	n := 0
	for _, f := range r.Files {
		if f.Safetensors != nil && path.Dir(f.Path) == dir {
			n += len(f.Safetensors.TensorNames)
		}
	}
	holder := make(map[string]string, n)
	also := map[string][]string{} // further holders of tensors declared twice
	for _, f := range r.Files {
		if f.Format != FormatSafetensors || path.Dir(f.Path) != dir {
			continue
		}
		if _, ok := listed[f.Path]; !ok && !claimed[f.Path] && looksLikeShard(f) {
			add(IndexIssue{Kind: IndexShardUnlisted, Shard: f.Path, Actual: f.Path,
				Evidence: []finding.Evidence{{Path: f.Path}, {Path: idx.Path, Field: "weight_map"}}})
		}
		if f.Safetensors == nil {
			continue
		}
		for _, name := range f.Safetensors.TensorNames {
			if _, ok := holder[name]; !ok {
				holder[name] = f.Path
			} else {
				also[name] = append(also[name], f.Path)
			}
		}
	}

	// Every mapped tensor where the index says.
	type target struct {
		path string
		read bool
	}
	targets := make(map[string]target, len(idx.Shards))
	for _, s := range idx.Shards {
		p := resolve(s)
		st, present := listed[p]
		targets[s] = target{p, present && st != nil}
	}
	for tensor, s := range idx.WeightMap {
		tg := targets[s]
		if !tg.read {
			continue // reported as a missing shard, or as a problem reading it
		}
		got, ok := holder[tensor]
		switch {
		case !ok:
			add(IndexIssue{Kind: IndexTensorMissing, Shard: tg.path, Tensor: tensor, Expected: tg.path,
				Evidence: []finding.Evidence{{Path: idx.Path, Field: "weight_map." + tensor, Value: s}, {Path: tg.path, Field: "header"}}})
		case got != tg.path && !slices.Contains(also[tensor], tg.path):
			add(IndexIssue{Kind: IndexTensorMisplaced, Shard: tg.path, Tensor: tensor, Expected: tg.path, Actual: got,
				Evidence: []finding.Evidence{{Path: idx.Path, Field: "weight_map." + tensor, Value: s}, {Path: got, Field: tensor}}})
		}
	}

	// Every tensor of a listed shard named by the index.
	var sum int64
	for p, st := range listed {
		if st == nil {
			continue
		}
		sum += st.DataSize
		for _, name := range st.TensorNames {
			if _, ok := idx.WeightMap[name]; !ok {
				add(IndexIssue{Kind: IndexTensorUnmapped, Shard: p, Tensor: name, Actual: p,
					Evidence: []finding.Evidence{{Path: p, Field: name}, {Path: idx.Path, Field: "weight_map"}}})
			}
		}
	}
	if complete && idx.TotalSize >= 0 && sum != idx.TotalSize {
		add(IndexIssue{Kind: IndexTotalSize, Expected: strconv.FormatInt(idx.TotalSize, 10), Actual: strconv.FormatInt(sum, 10),
			Evidence: []finding.Evidence{{Path: idx.Path, Line: idx.TotalSizeLine, Field: "metadata.total_size", Value: strconv.FormatInt(idx.TotalSize, 10)}}})
	}

	slices.SortFunc(issues, func(a, b IndexIssue) int {
		return cmp.Or(cmp.Compare(a.Shard, b.Shard), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Tensor, b.Tensor))
	})
	if n := len(issues); n > limits.MaxIndexIssues {
		issues = append(issues[:limits.MaxIndexIssues:limits.MaxIndexIssues], IndexIssue{
			Kind: IndexIssuesOmitted, Index: idx.Path, Actual: strconv.Itoa(n - limits.MaxIndexIssues),
			Evidence: []finding.Evidence{{Path: idx.Path, Value: fmt.Sprintf("%d more issues", n-limits.MaxIndexIssues)}},
		})
	}
	return issues
}

// looksLikeShard reports whether an unlisted safetensors file beside an
// index is numbered like a shard. Files with names of their own are other
// checkpoints of the release (consolidated.safetensors, or model.safetensors
// beside the shards of the same weights), read and verified on their own.
func looksLikeShard(f *File) bool {
	return shardNumbered.MatchString(strings.ToLower(path.Base(f.Path)))
}
