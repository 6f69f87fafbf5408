package manifest

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/formats/safetensors"
	"github.com/modelvet/modelvet/internal/jsonscan"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/textsafe"
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
		indexes = []*SafetensorsIndex{r.SafetensorsIndex}
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

func (r *Release) checkIndex(idx *SafetensorsIndex, claimed map[string]bool) []IndexIssue {
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

// SafetensorsIndex is model.safetensors.index.json: which shard holds each
// tensor, and the declared total size.
type SafetensorsIndex struct {
	Path      string            `json:"path"`
	TotalSize int64             `json:"total_size"` // -1 when absent
	Metadata  map[string]string `json:"metadata,omitempty"`
	// Shards lists the distinct shard files named by weight_map, sorted.
	// They are relative to the directory holding the index.
	Shards []string `json:"shards"`
	// Tensors counts the weight_map entries.
	Tensors   int               `json:"tensors"`
	WeightMap map[string]string `json:"-"`
	// ShardLines gives the line of the first weight_map entry naming each
	// shard, for evidence.
	ShardLines map[string]int `json:"-"`
	// TotalSizeLine is the line of metadata.total_size, or 0.
	TotalSizeLine int `json:"-"`
}

// ParseSafetensorsIndex parses model.safetensors.index.json: the
// metadata (total_size and any other entries) and the weight_map from
// tensor names to shard files. Shard names must be plain relative paths
// (no "..", no absolute path, no backslash). Errors are *formats.Error
// values with the line and byte offset of the fault. An unusable
// total_size or metadata is reported with the rest of the index still
// returned.
func ParseSafetensorsIndex(path string, data []byte) (*SafetensorsIndex, error) {
	ierr := func(off int, format string, args ...any) *formats.Error {
		return &formats.Error{Format: string(FormatSafetensorsIndex), Path: path, Offset: int64(off), Line: lineAt(data, int64(off)), Msg: fmt.Sprintf(format, args...)}
	}
	if len(data) > limits.MaxIndexBytes {
		return nil, &formats.Error{Format: string(FormatSafetensorsIndex), Path: path, Offset: -1, Msg: fmt.Sprintf("index is %d bytes, over the %d-byte limit", len(data), limits.MaxIndexBytes)}
	}
	if !utf8.Valid(data) {
		return nil, ierr(jsonscan.InvalidUTF8At(string(data)), "is not valid UTF-8")
	}
	doc := string(data) // one copy; names in the weight map are substrings of it
	j := jsonscan.New(doc)
	syntax := func() error { return syntaxError(j, ierr) }
	if j.Peek() != '{' {
		if ok, bad, msg := jsonscan.Valid(doc); !ok {
			return nil, ierr(bad, "is not valid JSON: %s", msg)
		}
		return nil, ierr(0, "is not a JSON object")
	}
	idx := &SafetensorsIndex{Path: path, TotalSize: -1}
	var soft error // reported with the index
	lines := lineCounter{data: data}
	sawMetadata, sawWeightMap := false, false
	if !j.Open('}') {
		for {
			j.SkipSpace()
			keyAt := j.Pos()
			key, ok := j.ReadString()
			if !ok || !j.Expect(':', "':' after an object key") {
				return nil, syntax()
			}
			j.SkipSpace()
			valAt := j.Pos()
			switch key {
			case "metadata":
				if sawMetadata {
					return nil, ierr(keyAt, "duplicate %q", key)
				}
				sawMetadata = true
				if err := indexMetadata(j, idx, ierr, &soft); err != nil {
					return nil, err
				}
			case "weight_map":
				if sawWeightMap {
					return nil, ierr(keyAt, "duplicate %q", key)
				}
				sawWeightMap = true
				if j.Peek() != '{' {
					return nil, ierr(valAt, "weight_map is not a JSON object")
				}
				if err := indexWeightMap(j, idx, ierr, &lines); err != nil {
					return nil, err
				}
			default:
				if _, ok := j.Skip(1); !ok {
					return nil, syntax()
				}
			}
			if !j.More('}') {
				break
			}
		}
	}
	if j.Failed() || !j.End() {
		return nil, syntax()
	}
	if !sawWeightMap {
		return nil, ierr(0, "has no weight_map")
	}
	idx.Tensors = len(idx.WeightMap)
	slices.Sort(idx.Shards)
	if soft != nil {
		return idx, soft
	}
	return idx, nil
}

type indexErrorFunc func(off int, format string, args ...any) *formats.Error

// syntaxError reports the scanner's fault in an index.
func syntaxError(j *jsonscan.Scanner, ierr indexErrorFunc) error {
	at, msg := j.Fault()
	return ierr(at, "is not valid JSON: %s", msg)
}

// indexWeightMap reads the weight_map object.
func indexWeightMap(j *jsonscan.Scanner, idx *SafetensorsIndex, ierr indexErrorFunc, lines *lineCounter) error {
	// Entries are comma-separated: a bound from bytes actually present.
	idx.WeightMap = make(map[string]string, min(strings.Count(j.Input()[j.Pos():], ",")+1, limits.MaxIndexTensors))
	idx.ShardLines = map[string]int{}
	if j.Open('}') {
		return nil
	}
	last := "\x00" // no shard name has a control character
	for {
		j.SkipSpace()
		at := j.Pos()
		tensor, ok := j.ReadString()
		if !ok || !j.Expect(':', "':' after an object key") {
			return syntaxError(j, ierr)
		}
		if len(idx.WeightMap) >= limits.MaxIndexTensors {
			return ierr(at, "weight_map has more than %d tensors", limits.MaxIndexTensors)
		}
		j.SkipSpace()
		valAt := j.Pos()
		if j.Peek() != '"' {
			return ierr(valAt, "weight_map entry for %q is not a string", tensor)
		}
		shard, ok := j.ReadString()
		if !ok {
			return syntaxError(j, ierr)
		}
		// Consecutive entries mostly name the same shard.
		if shard != last {
			if _, known := idx.ShardLines[shard]; !known {
				if msg := checkShardName(shard); msg != "" {
					return ierr(valAt, "weight_map entry for %q: shard %q %s", tensor, shard, msg)
				}
				if len(idx.ShardLines) >= limits.MaxIndexShards {
					return ierr(valAt, "weight_map names more than %d shards", limits.MaxIndexShards)
				}
				idx.ShardLines[shard] = lines.at(int64(valAt))
				idx.Shards = append(idx.Shards, shard)
			}
		}
		n := len(idx.WeightMap)
		if idx.WeightMap[tensor] = shard; len(idx.WeightMap) == n {
			return ierr(at, "weight_map names tensor %q twice", tensor)
		}
		last = shard
		if !j.More('}') {
			break
		}
	}
	if j.Failed() {
		return syntaxError(j, ierr)
	}
	return nil
}

// indexMetadata reads the metadata object; problems with it are recorded
// in soft, syntax errors returned.
func indexMetadata(j *jsonscan.Scanner, idx *SafetensorsIndex, ierr indexErrorFunc, soft *error) error {
	valAt := j.Pos()
	if j.Peek() != '{' {
		raw, ok := j.Skip(1)
		if !ok {
			return syntaxError(j, ierr)
		}
		if raw != "null" && *soft == nil {
			*soft = ierr(valAt, "metadata is not a JSON object")
		}
		return nil
	}
	if j.Open('}') {
		return nil
	}
	for {
		key, ok := j.ReadString()
		if !ok || !j.Expect(':', "':' after an object key") {
			return syntaxError(j, ierr)
		}
		j.SkipSpace()
		at := j.Pos()
		var value string
		isString := j.Peek() == '"'
		if isString {
			value, ok = j.ReadString()
		} else {
			value, ok = j.Skip(2)
		}
		if !ok {
			return syntaxError(j, ierr)
		}
		switch {
		case key == "total_size":
			idx.TotalSizeLine = lineAtString(j.Input(), at)
			n, whole := jsonWholeNumber(value, isString)
			if !whole {
				if *soft == nil {
					*soft = ierr(at, "metadata.total_size %s is not a non-negative whole number of bytes", textsafe.Truncate(j.Input()[at:j.Pos()], 64))
				}
			} else {
				idx.TotalSize = n
			}
		case len(idx.Metadata) < limits.MaxSafetensorsMetadata:
			if idx.Metadata == nil {
				idx.Metadata = map[string]string{}
			}
			idx.Metadata[key] = textsafe.Truncate(value, 1024)
		}
		if !j.More('}') {
			break
		}
	}
	if j.Failed() {
		return syntaxError(j, ierr)
	}
	return nil
}

// jsonWholeNumber reads a non-negative integer below 2^63 from a number's
// text, also when a writer printed it as a float ("1.6e10", "123.0").
func jsonWholeNumber(raw string, isString bool) (int64, bool) {
	if isString || raw == "" || raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return 0, false
	}
	if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
		return n, n >= 0
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || f < 0 || f >= math.MaxInt64 || f != math.Trunc(f) {
		return 0, false
	}
	return int64(f), true
}

// checkShardName says what is wrong with a shard file name from an index,
// or returns "". Shards are plain relative paths below the index's
// directory.
func checkShardName(s string) string {
	switch {
	case s == "":
		return "is empty"
	case strings.ContainsRune(s, '\\'):
		return "contains a backslash"
	case strings.HasPrefix(s, "/") || len(s) >= 2 && s[1] == ':':
		return "is an absolute path"
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "contains a control character"
	}
	for _, elem := range strings.Split(s, "/") {
		if elem == ".." {
			return "leaves the index's directory"
		}
	}
	if path.Clean(s) != s {
		return "is not a clean relative path"
	}
	return ""
}

// lineAtString returns the 1-based line of byte offset off in s.
func lineAtString(s string, off int) int {
	if off < 0 || off > len(s) {
		return 0
	}
	return 1 + strings.Count(s[:off], "\n")
}

// lineAt returns the 1-based line of byte offset off in data.
func lineAt(data []byte, off int64) int {
	if off < 0 || off > int64(len(data)) {
		return 0
	}
	return 1 + bytes.Count(data[:off], []byte{'\n'})
}

// lineCounter finds lines of increasing offsets in one pass.
type lineCounter struct {
	data []byte
	off  int64
	line int
}

func (c *lineCounter) at(off int64) int {
	if c.line == 0 {
		c.line = 1
	}
	if off < c.off {
		return lineAt(c.data, off)
	}
	c.line += bytes.Count(c.data[c.off:off], []byte{'\n'})
	c.off = off
	return c.line
}
