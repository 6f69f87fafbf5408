package hub

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/modelvet/modelvet/internal/jsonscan"
	"github.com/modelvet/modelvet/internal/limits"
)

// ModelInfo is what the Hub's model API (GET /api/models/{id}) says about
// a repository: who published it, at which commit, whether it is gated, the
// card metadata the Hub parsed from its README, and its files with their
// sizes and LFS digests (when asked with blobs=true).
type ModelInfo struct {
	ID           string   `json:"id"`
	Author       string   `json:"author,omitempty"`
	SHA          string   `json:"sha,omitempty"` // commit of the revision read
	Private      bool     `json:"private,omitempty"`
	Disabled     bool     `json:"disabled,omitempty"`
	Gated        string   `json:"gated,omitempty"` // "", "auto", "manual" ("true" for a bare true)
	LastModified string   `json:"last_modified,omitempty"`
	CreatedAt    string   `json:"created_at,omitempty"`
	Tags         []string `json:"tags,omitempty"`
	LibraryName  string   `json:"library_name,omitempty"`
	PipelineTag  string   `json:"pipeline_tag,omitempty"`
	Downloads    int64    `json:"downloads,omitempty"`

	// Card metadata (cardData) as the Hub parsed it from the README.
	License           []string `json:"license,omitempty"`
	LicenseName       string   `json:"license_name,omitempty"`
	LicenseLink       string   `json:"license_link,omitempty"`
	BaseModel         []string `json:"base_model,omitempty"`
	BaseModelRelation string   `json:"base_model_relation,omitempty"`
	Datasets          []string `json:"datasets,omitempty"`

	// SafetensorsParameters is the Hub's own count of the parameters in
	// the repository's safetensors files, by dtype, and SafetensorsTotal
	// their sum (the record's safetensors.parameters and safetensors.total,
	// which the Hub computes from the headers); nil and 0 when the record
	// has none.
	SafetensorsParameters map[string]int64 `json:"safetensors_parameters,omitempty"`
	SafetensorsTotal      int64            `json:"safetensors_total,omitempty"`

	// Files lists the repository's files (siblings).
	Files []File `json:"files,omitempty"`
}

// Summary returns a copy of the record without its file listing, with
// lists and maps of its own: what is worth keeping of a record once its
// listing has been used.
func (m *ModelInfo) Summary() ModelInfo {
	s := *m
	s.Files = nil
	s.Tags, s.License, s.BaseModel, s.Datasets = slices.Clone(m.Tags), slices.Clone(m.License), slices.Clone(m.BaseModel), slices.Clone(m.Datasets)
	s.SafetensorsParameters = maps.Clone(m.SafetensorsParameters)
	return s
}

// File is one file of a Hub listing.
type File struct {
	Path string `json:"path"`
	// Size in bytes, or -1 when the listing gives none.
	Size int64 `json:"size"`
	// BlobID is the git blob id (for an LFS file, that of the pointer).
	BlobID string `json:"blob_id,omitempty"`
	LFS    *LFS   `json:"lfs,omitempty"`
}

// LFS is the LFS pointer of a file stored in LFS.
type LFS struct {
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
	PointerSize int64  `json:"pointer_size,omitempty"`
}

// Bounds on what a model record may hold; longer lists are cut.
const (
	maxRecordString = 4096
	maxRecordList   = 1024
	maxFileSize     = 1 << 50 // a petabyte: larger sizes are nonsense
)

// ParseModelInfo parses a Hub model API record. It fails, with a
// *RecordError, on a document that is not a JSON object, nests deeper than
// limits.MaxJSONDepth, lacks an id, or lists more files than
// limits.MaxHubFileList; odd fields are dropped or
// cut rather than trusted. File paths and digests are returned as listed:
// whoever uses them checks them.
func ParseModelInfo(data []byte) (*ModelInfo, error) {
	bad := func(msg string, args ...any) error {
		return &RecordError{Msg: fmt.Sprintf(msg, args...)}
	}
	if len(data) > limits.MaxHubAPIBytes {
		return nil, bad("record is %d bytes, over the %d-byte limit", len(data), limits.MaxHubAPIBytes)
	}
	// gjson's validator recurses once per level: bound the nesting first.
	if err := jsonscan.CheckDepth(data); err != nil {
		return nil, &RecordError{Msg: "record is " + err.Error(), Err: err}
	}
	if !gjson.ValidBytes(data) {
		return nil, bad("record is not valid JSON")
	}
	doc := gjson.ParseBytes(data)
	if !doc.IsObject() {
		return nil, bad("record is not a JSON object")
	}
	m := &ModelInfo{
		ID:           recordString(doc.Get("id")),
		Author:       recordString(doc.Get("author")),
		SHA:          strings.ToLower(recordString(doc.Get("sha"))),
		Private:      doc.Get("private").Type == gjson.True,
		Disabled:     doc.Get("disabled").Type == gjson.True,
		LastModified: recordString(doc.Get("lastModified")),
		CreatedAt:    recordString(doc.Get("createdAt")),
		LibraryName:  recordString(doc.Get("library_name")),
		PipelineTag:  recordString(doc.Get("pipeline_tag")),
		Tags:         recordStrings(doc.Get("tags")),
	}
	if m.ID == "" {
		m.ID = recordString(doc.Get("modelId"))
	}
	if m.ID == "" {
		return nil, bad("record has no id")
	}
	if d := doc.Get("downloads"); d.Type == gjson.Number && d.Int() > 0 {
		m.Downloads = d.Int()
	}
	switch g := doc.Get("gated"); g.Type {
	case gjson.True:
		m.Gated = "true"
	case gjson.String:
		m.Gated = recordString(g)
	}
	if cd := doc.Get("cardData"); cd.IsObject() {
		m.License = recordStrings(cd.Get("license"))
		m.LicenseName = recordString(cd.Get("license_name"))
		m.LicenseLink = recordString(cd.Get("license_link"))
		m.BaseModel = recordStrings(cd.Get("base_model"))
		m.BaseModelRelation = recordString(cd.Get("base_model_relation"))
		m.Datasets = recordStrings(cd.Get("datasets"))
	}
	if st := doc.Get("safetensors"); st.IsObject() {
		m.SafetensorsParameters, m.SafetensorsTotal = recordParameters(st)
	}
	sib := doc.Get("siblings")
	if sib.Exists() && !sib.IsArray() {
		return nil, bad("siblings is not a list")
	}
	var ferr error
	sib.ForEach(func(_, s gjson.Result) bool {
		if len(m.Files) >= limits.MaxHubFileList {
			ferr = bad("record lists more than %d files", limits.MaxHubFileList)
			return false
		}
		name := s.Get("rfilename")
		if name.Type != gjson.String {
			ferr = bad("file %d of siblings has no rfilename", len(m.Files))
			return false
		}
		f := File{Path: name.String(), Size: -1, BlobID: strings.ToLower(recordString(s.Get("blobId")))}
		f.Size = recordSize(s.Get("size"))
		if l := s.Get("lfs"); l.IsObject() {
			f.LFS = &LFS{
				SHA256:      strings.ToLower(recordString(l.Get("sha256"))),
				Size:        recordSize(l.Get("size")),
				PointerSize: max(0, recordSize(l.Get("pointerSize"))),
			}
		}
		m.Files = append(m.Files, f)
		return true
	})
	if ferr != nil {
		return nil, ferr
	}
	return m, nil
}

// recordParameters reads the record's safetensors summary: parameters by
// dtype and the total. Counts that are not whole non-negative numbers, and
// dtypes past limits.MaxHubDtypes, are dropped; the total is the record's
// own when given, else the sum (0 on overflow).
func recordParameters(st gjson.Result) (map[string]int64, int64) {
	var by map[string]int64
	var sum int64
	overflow := false
	st.Get("parameters").ForEach(func(k, v gjson.Result) bool {
		n := recordCount(v)
		name := recordString(k)
		if n < 0 || name == "" || len(name) > 32 {
			return true
		}
		if by == nil {
			by = map[string]int64{}
		}
		by[name] = n
		if sum > math.MaxInt64-n {
			overflow = true
		}
		sum += n
		return len(by) < limits.MaxHubDtypes
	})
	total := recordCount(st.Get("total"))
	if total < 0 {
		total = sum
		if overflow {
			total = 0
		}
	}
	return by, total
}

// recordCount returns a non-negative whole count, or -1.
func recordCount(r gjson.Result) int64 {
	if r.Type != gjson.Number || strings.ContainsAny(r.Raw, ".eE-") {
		return -1
	}
	n, err := strconv.ParseInt(r.Raw, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// recordString returns a JSON string value, cut to a sane length, or "".
func recordString(r gjson.Result) string {
	if r.Type != gjson.String {
		return ""
	}
	s := r.String()
	if len(s) > maxRecordString {
		s = s[:maxRecordString]
		for !utf8.ValidString(s) && len(s) > 0 {
			s = s[:len(s)-1]
		}
	}
	return s
}

// recordStrings returns a string or the strings of a list, cut to a sane length.
func recordStrings(r gjson.Result) []string {
	if r.Type == gjson.String {
		if s := recordString(r); s != "" {
			return []string{s}
		}
		return nil
	}
	if !r.IsArray() {
		return nil
	}
	var out []string
	r.ForEach(func(_, v gjson.Result) bool {
		if s := recordString(v); s != "" {
			out = append(out, s)
		}
		return len(out) < maxRecordList
	})
	return out
}

// recordSize returns a non-negative integer size, or -1 when absent or nonsense.
func recordSize(r gjson.Result) int64 {
	if r.Type != gjson.Number {
		return -1
	}
	if strings.ContainsAny(r.Raw, ".eE") {
		return -1
	}
	n := r.Int()
	if n < 0 || n > maxFileSize {
		return -1
	}
	return n
}

// RecordError reports a model record that cannot be read.
type RecordError struct {
	Msg string
	// Err is the cause, when there is one (a *jsonscan.DepthError, with
	// the offset of the bracket nested too deep).
	Err error
}

func (e *RecordError) Error() string { return "hf-hub-api: " + e.Msg }

func (e *RecordError) Unwrap() error { return e.Err }
