package safetensors

import (
	"bytes"
	"fmt"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/jsonscan"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/textsafe"
)

// indexFormat names the index in errors.
const indexFormat = "safetensors-index"

// Index is a sharded checkpoint's index, model.safetensors.index.json: which shard holds each
// tensor, and the declared total size.
type Index struct {
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

// ParseIndex parses model.safetensors.index.json: the
// metadata (total_size and any other entries) and the weight_map from
// tensor names to shard files. Shard names must be plain relative paths
// (no "..", no absolute path, no backslash). Errors are *formats.Error
// values with the line and byte offset of the fault. An unusable
// total_size or metadata is reported with the rest of the index still
// returned.
func ParseIndex(path string, data []byte) (*Index, error) {
	ierr := func(off int, format string, args ...any) *formats.Error {
		return &formats.Error{Format: indexFormat, Path: path, Offset: int64(off), Line: lineAt(data, int64(off)), Msg: fmt.Sprintf(format, args...)}
	}
	if len(data) > limits.MaxIndexBytes {
		return nil, &formats.Error{Format: indexFormat, Path: path, Offset: -1, Msg: fmt.Sprintf("index is %d bytes, over the %d-byte limit", len(data), limits.MaxIndexBytes)}
	}
	if !utf8.Valid(data) {
		return nil, ierr(jsonscan.InvalidUTF8At(string(data)), "is not valid UTF-8")
	}
	doc := string(data) // one copy; names in the weight map are substrings of it
	j := jsonscan.New(doc)
	syntax := func() error { return indexSyntaxError(j, ierr) }
	if j.Peek() != '{' {
		if ok, bad, msg := jsonscan.Valid(doc); !ok {
			return nil, ierr(bad, "is not valid JSON: %s", msg)
		}
		return nil, ierr(0, "is not a JSON object")
	}
	idx := &Index{Path: path, TotalSize: -1}
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

// indexSyntaxError reports the scanner's fault in an index.
func indexSyntaxError(j *jsonscan.Scanner, ierr indexErrorFunc) error {
	at, msg := j.Fault()
	return ierr(at, "is not valid JSON: %s", msg)
}

// indexWeightMap reads the weight_map object.
func indexWeightMap(j *jsonscan.Scanner, idx *Index, ierr indexErrorFunc, lines *lineCounter) error {
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
			return indexSyntaxError(j, ierr)
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
			return indexSyntaxError(j, ierr)
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
		return indexSyntaxError(j, ierr)
	}
	return nil
}

// indexMetadata reads the metadata object; problems with it are recorded
// in soft, syntax errors returned.
func indexMetadata(j *jsonscan.Scanner, idx *Index, ierr indexErrorFunc, soft *error) error {
	valAt := j.Pos()
	if j.Peek() != '{' {
		raw, ok := j.Skip(1)
		if !ok {
			return indexSyntaxError(j, ierr)
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
			return indexSyntaxError(j, ierr)
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
			return indexSyntaxError(j, ierr)
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
		return indexSyntaxError(j, ierr)
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

// ParseIndexPrefix reads what the first bytes (data) of an index of the
// given size say: metadata.total_size, when the metadata object precedes
// the weight_map and ends within them. The weight_map is not read. Running
// out of bytes is not an error; a syntax error in the metadata is, when
// data is the whole file. Like ParseIndex, an unusable total_size is
// reported with the index still returned.
func ParseIndexPrefix(path string, data []byte, size int64) (*Index, error) {
	idx := &Index{Path: path, TotalSize: -1}
	// The prefix may end inside a character.
	cut := data
	for i := 0; i < utf8.UTFMax && len(cut) > 0 && !utf8.Valid(cut); i++ {
		cut = cut[:len(cut)-1]
	}
	if !utf8.Valid(cut) {
		return nil, &formats.Error{Format: indexFormat, Path: path, Offset: -1, Msg: "is not valid UTF-8"}
	}
	j := jsonscan.New(string(cut))
	if j.Peek() != '{' {
		return nil, &formats.Error{Format: indexFormat, Path: path, Offset: -1, Line: 1, Msg: "is not a JSON object"}
	}
	ierr := func(off int, format string, args ...any) *formats.Error {
		return &formats.Error{Format: indexFormat, Path: path, Offset: int64(off), Line: lineAt(cut, int64(off)), Msg: fmt.Sprintf(format, args...)}
	}
	if j.Open('}') {
		return idx, nil
	}
	for {
		j.SkipSpace()
		key, ok := j.ReadString()
		if !ok || !j.Expect(':', "':' after an object key") {
			return idx, nil // cut short, or a fault the full read would report
		}
		j.SkipSpace()
		switch key {
		case "metadata":
			var soft error
			if err := indexMetadata(j, idx, ierr, &soft); err != nil {
				if int64(len(data)) == size {
					return nil, err // a fault, not the end of the bytes read
				}
				return idx, nil
			}
			return idx, soft
		case "weight_map":
			return idx, nil // the metadata, if any, comes after: not read
		}
		if _, ok := j.Skip(1); !ok || !j.More('}') {
			return idx, nil
		}
	}
}
