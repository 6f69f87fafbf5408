package integrity

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/textsafe"
)

// In-toto and model-signing identifiers.
const (
	InTotoPayloadType = "application/vnd.in-toto+json"
	StatementType     = "https://in-toto.io/Statement/v1"
	// PredicateV1 is the predicate of model_signing 1.x signatures.
	PredicateV1 = "https://model_signing/signature/v1.0"
	// PredicateDigestsV01 is the predicate of model_signing 0.2
	// signatures: one subject per file and no root digest.
	PredicateDigestsV01 = "https://model_signing/Digests/v0.1"
)

// Serialisation methods of a model signature.
const (
	MethodFiles  = "files"
	MethodShards = "shards"
)

// Serialization says how a model was turned into the signed resource list.
type Serialization struct {
	Method        string   `json:"method"`    // MethodFiles or MethodShards
	HashType      string   `json:"hash_type"` // SHA256, BLAKE2b or BLAKE3
	AllowSymlinks bool     `json:"allow_symlinks"`
	ShardSize     int64    `json:"shard_size,omitempty"`
	IgnorePaths   []string `json:"ignore_paths,omitempty"`
}

// resourceAlgorithm is the algorithm label each resource carries under s:
// the hash name for files, "<hash>-sharded-<size>" for shards.
func (s Serialization) resourceAlgorithm() string {
	if s.Method == MethodShards {
		return s.HashType + "-sharded-" + strconv.FormatInt(s.ShardSize, 10)
	}
	return s.HashType
}

// Resource is one signed item: a file, or a shard [Start, End) of one.
type Resource struct {
	Name      string // as signed: "path" or "path:start:end"
	Path      string // the file part of Name
	Sharded   bool
	Start     int64
	End       int64
	Algorithm string
	Digest    []byte
}

// SignedStatement is the in-toto statement a model signature signs.
type SignedStatement struct {
	PredicateType string
	// SubjectName is informational (the model directory's name).
	SubjectName string
	// SubjectDigest is the root digest (SHA-256 over the raw resource
	// digests in listed order); nil for the older Digests/v0.1 predicate,
	// which has none.
	SubjectDigest []byte
	Serialization Serialization
	Resources     []Resource
}

// legacy reports whether st uses the older Digests/v0.1 predicate.
func (st *SignedStatement) legacy() bool { return st.PredicateType == PredicateDigestsV01 }

// PayloadError reports a statement that is malformed or breaks a rule of
// the model-signing format. Field locates the problem in the JSON.
type PayloadError struct {
	Field string
	Msg   string
	Err   error
}

func (e *PayloadError) Error() string { return fieldError("signature payload", e.Field, e.Msg, e.Err) }

func (e *PayloadError) Unwrap() error { return e.Err }

func payloadErr(field, format string, args ...any) error {
	return &PayloadError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// jsonSubject is one in-toto subject.
type jsonSubject struct {
	Name        string            `json:"name"`
	Digest      map[string]string `json:"digest"`
	Annotations map[string]any    `json:"annotations"`
}

// jsonResource is one resource of the v1.0 predicate.
type jsonResource struct {
	Name      string `json:"name"`
	Algorithm string `json:"algorithm"`
	Digest    string `json:"digest"`
}

// jsonSerialization is the serialization object of the v1.0 predicate.
type jsonSerialization struct {
	Method        *string      `json:"method"`
	HashType      *string      `json:"hash_type"`
	AllowSymlinks *bool        `json:"allow_symlinks"`
	ShardSize     *json.Number `json:"shard_size"`
	IgnorePaths   []string     `json:"ignore_paths"`
}

// ParsePayload parses and checks the statement a model signature signs:
// its type, predicate, subject, serialisation and resource list (names
// relative, clean and unique; digests of the right length; labels matching
// the serialisation; shards tiling their files) and, for the v1.0
// predicate, that the subject digest is the root digest of the resources.
// It reads at most limits.MaxSignatureResources resources.
func ParsePayload(data []byte) (*SignedStatement, error) {
	st, err := parseStatement(data)
	if err != nil {
		return nil, err
	}
	if err := st.checkRoot(); err != nil {
		return nil, err
	}
	return st, nil
}

// checkRoot checks that a v1.0 statement's subject digest is the root
// digest of its resources, as the reference verifier does. Statements of
// the older predicate have no root digest and always pass.
func (st *SignedStatement) checkRoot() error {
	if st.legacy() {
		return nil
	}
	if root := rootDigest(st.Resources); !bytes.Equal(root, st.SubjectDigest) {
		return payloadErr("subject[0].digest.sha256", "%x is not the root digest %x of the %d resources: the statement is inconsistent", st.SubjectDigest, root, len(st.Resources))
	}
	return nil
}

// parseStatement is ParsePayload without the root-digest check.
func parseStatement(data []byte) (*SignedStatement, error) {
	if len(data) > limits.MaxSignatureBytes {
		return nil, payloadErr("", "%d bytes, over the %d-byte limit", len(data), limits.MaxSignatureBytes)
	}
	var (
		typ, predType string
		subjects      []jsonSubject
		predicate     json.RawMessage
		seen          = map[string]bool{}
	)
	err := walkObject(json.NewDecoder(bytes.NewReader(data)), "", func(dec *json.Decoder, key string) error {
		seen[key] = true
		switch key {
		case "_type":
			return dec.Decode(&typ)
		case "predicateType":
			return dec.Decode(&predType)
		case "predicate":
			return dec.Decode(&predicate)
		case "subject":
			subjects = subjects[:0]
			return walkArray(dec, "subject", func(dec *json.Decoder) error {
				var s jsonSubject
				if err := dec.Decode(&s); err != nil {
					return err
				}
				subjects = append(subjects, s)
				return nil
			})
		}
		return skipValue(dec)
	})
	if err != nil {
		return nil, asPayloadErr(err)
	}
	if typ != StatementType {
		return nil, payloadErr("_type", "%q, want %q", typ, StatementType)
	}
	st := &SignedStatement{PredicateType: predType}
	switch predType {
	case PredicateV1:
		err = parsePredicateV1(st, subjects, predicate)
	case PredicateDigestsV01:
		err = parseDigestsV01(st, subjects)
	default:
		return nil, payloadErr("predicateType", "unsupported predicate %q (want %q or %q)", predType, PredicateV1, PredicateDigestsV01)
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

func parsePredicateV1(st *SignedStatement, subjects []jsonSubject, predicate json.RawMessage) error {
	if len(subjects) != 1 {
		return payloadErr("subject", "%d subjects, want exactly one", len(subjects))
	}
	st.SubjectName = subjects[0].Name
	d, err := hexDigest(subjects[0].Digest["sha256"], SHA256)
	if err != nil {
		return payloadErr("subject[0].digest.sha256", "%v", err)
	}
	st.SubjectDigest = d
	if len(predicate) == 0 || string(predicate) == "null" {
		return payloadErr("predicate", "missing")
	}
	var ser *jsonSerialization
	var resources []jsonResource
	haveResources := false
	err = walkObject(json.NewDecoder(bytes.NewReader(predicate)), "predicate", func(dec *json.Decoder, key string) error {
		switch key {
		case "serialization":
			ser = new(jsonSerialization)
			return dec.Decode(ser)
		case "resources":
			haveResources = true
			resources = resources[:0]
			return walkArray(dec, "predicate.resources", func(dec *json.Decoder) error {
				var r jsonResource
				if err := dec.Decode(&r); err != nil {
					return err
				}
				resources = append(resources, r)
				return nil
			})
		}
		return skipValue(dec) // v1.0 verifiers ignore unknown predicate fields
	})
	if err != nil {
		return asPayloadErr(err)
	}
	if ser == nil {
		return payloadErr("predicate.serialization", "missing")
	}
	if !haveResources {
		return payloadErr("predicate.resources", "missing")
	}
	if st.Serialization, err = checkSerialization(ser); err != nil {
		return err
	}
	st.Resources = make([]Resource, 0, len(resources))
	label := st.Serialization.resourceAlgorithm()
	for i, jr := range resources {
		field := fmt.Sprintf("predicate.resources[%d]", i)
		r, err := parseResource(jr.Name, st.Serialization, field)
		if err != nil {
			return err
		}
		if jr.Algorithm != label {
			return payloadErr(field+".algorithm", "%q, but the serialization gives %q", jr.Algorithm, label)
		}
		r.Algorithm = label
		if r.Digest, err = hexDigest(jr.Digest, st.Serialization.HashType); err != nil {
			return payloadErr(field+".digest", "%v", err)
		}
		st.Resources = append(st.Resources, r)
	}
	return checkResourceSet(st.Resources, st.Serialization)
}

// parseDigestsV01 reads the model_signing 0.2 statement: one subject per
// file, each with a SHA-256 digest.
func parseDigestsV01(st *SignedStatement, subjects []jsonSubject) error {
	st.Serialization = Serialization{Method: MethodFiles, HashType: SHA256}
	st.Resources = make([]Resource, 0, len(subjects))
	for i, s := range subjects {
		field := fmt.Sprintf("subject[%d]", i)
		r, err := parseResource(s.Name, st.Serialization, field)
		if err != nil {
			return err
		}
		if a, ok := s.Annotations["actual_hash_algorithm"]; ok && a != "file-sha256" {
			return payloadErr(field+".annotations.actual_hash_algorithm", "%v, want \"file-sha256\"", a)
		}
		r.Algorithm = SHA256
		if r.Digest, err = hexDigest(s.Digest["sha256"], SHA256); err != nil {
			return payloadErr(field+".digest.sha256", "%v", err)
		}
		st.Resources = append(st.Resources, r)
	}
	return checkResourceSet(st.Resources, st.Serialization)
}

func checkSerialization(js *jsonSerialization) (Serialization, error) {
	var s Serialization
	if js.Method == nil || js.HashType == nil || js.AllowSymlinks == nil {
		return s, payloadErr("predicate.serialization", "method, hash_type and allow_symlinks are required")
	}
	s.Method, s.AllowSymlinks = *js.Method, *js.AllowSymlinks
	switch *js.HashType {
	case "sha256":
		s.HashType = SHA256
	case "blake2b", "blake2":
		s.HashType = BLAKE2b
	case "blake3":
		s.HashType = BLAKE3
	default:
		return s, payloadErr("predicate.serialization.hash_type", "unsupported %q", *js.HashType)
	}
	switch s.Method {
	case MethodFiles:
		if js.ShardSize != nil {
			return s, payloadErr("predicate.serialization.shard_size", "given for the files method")
		}
	case MethodShards:
		if js.ShardSize == nil {
			return s, payloadErr("predicate.serialization.shard_size", "missing for the shards method")
		}
		n, err := integralNumber(*js.ShardSize)
		if err != nil || n <= 0 {
			return s, payloadErr("predicate.serialization.shard_size", "%q is not a positive integer", js.ShardSize.String())
		}
		s.ShardSize = n
	default:
		return s, payloadErr("predicate.serialization.method", "unsupported %q", s.Method)
	}
	if len(js.IgnorePaths) > limits.MaxSignatureIgnorePaths {
		return s, payloadErr("predicate.serialization.ignore_paths", "%d entries, over the limit of %d", len(js.IgnorePaths), limits.MaxSignatureIgnorePaths)
	}
	for i, p := range js.IgnorePaths {
		if len(p) > limits.MaxSignatureNameLen || !utf8.ValidString(p) || strings.ContainsRune(p, 0) {
			return s, payloadErr(fmt.Sprintf("predicate.serialization.ignore_paths[%d]", i), "not a valid path")
		}
	}
	s.IgnorePaths = js.IgnorePaths
	return s, nil
}

// integralNumber parses a JSON number that must hold an integer, written
// either way (1000000000 or 1000000000.0, as Python writes doubles).
func integralNumber(n json.Number) (int64, error) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i, nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return 0, err
	}
	if f != math.Trunc(f) || f < 0 || f > 1<<53 {
		return 0, errors.New("not an exact integer")
	}
	return int64(f), nil
}

// parseResource splits and checks a resource name.
func parseResource(name string, s Serialization, field string) (Resource, error) {
	r := Resource{Name: name, Path: name}
	if len(name) > limits.MaxSignatureNameLen {
		return r, payloadErr(field+".name", "%d bytes, over the %d-byte limit", len(name), limits.MaxSignatureNameLen)
	}
	if s.Method == MethodShards {
		// The last two ':'-separated fields are the byte range, so a path
		// may itself hold ':'.
		p, end, ok1 := cutLast(name, ":")
		p, start, ok2 := cutLast(p, ":")
		if !ok1 || !ok2 {
			return r, payloadErr(field+".name", "%q is not path:start:end", name)
		}
		a, err1 := strconv.ParseInt(start, 10, 64)
		b, err2 := strconv.ParseInt(end, 10, 64)
		if err1 != nil || err2 != nil || a < 0 || b <= a || start != strconv.FormatInt(a, 10) || end != strconv.FormatInt(b, 10) {
			return r, payloadErr(field+".name", "%q has an invalid byte range", name)
		}
		r.Path, r.Sharded, r.Start, r.End = p, true, a, b
	}
	if err := checkResourcePath(r.Path); err != nil {
		return r, payloadErr(field+".name", "%q: %v", name, err)
	}
	return r, nil
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// checkResourcePath requires a clean, relative, slash-separated path that
// stays inside the model ("." names the model itself, a single file).
func checkResourcePath(p string) error {
	switch {
	case p == "":
		return errors.New("empty path")
	case !utf8.ValidString(p) || strings.ContainsRune(p, 0):
		return errors.New("not valid UTF-8 text")
	case p == ".":
		return nil
	case strings.HasPrefix(p, "/"):
		return errors.New("absolute path")
	case strings.Contains(p, "\\"):
		return errors.New("backslash in path")
	}
	for _, c := range strings.Split(p, "/") {
		switch c {
		case "..":
			return errors.New("path leaves the model (\"..\")")
		case "", ".":
			return errors.New("path is not clean")
		}
	}
	if path.Clean(p) != p {
		return errors.New("path is not clean")
	}
	return nil
}

// checkResourceSet requires unique names, "." only as the sole resource,
// and shards that tile each file from offset 0 in steps of the shard size.
func checkResourceSet(rs []Resource, s Serialization) error {
	names := make(map[string]int, len(rs))
	single := len(rs) > 0 && rs[0].Path == "."
	for i, r := range rs {
		if j, dup := names[r.Name]; dup {
			return payloadErr(fmt.Sprintf("predicate.resources[%d].name", i), "%q is listed twice (also resources[%d])", r.Name, j)
		}
		names[r.Name] = i
		if (r.Path == ".") != single {
			return payloadErr(fmt.Sprintf("predicate.resources[%d].name", i), "\".\" (a single-file model) listed with other files")
		}
	}
	if s.Method != MethodShards {
		return nil
	}
	byPath := map[string][]Resource{}
	for _, r := range rs {
		byPath[r.Path] = append(byPath[r.Path], r)
	}
	for p, shards := range byPath {
		slices.SortFunc(shards, func(a, b Resource) int { return cmp.Compare(a.Start, b.Start) })
		var off int64
		for k, sh := range shards {
			last := k == len(shards)-1
			if sh.Start != off || sh.End-sh.Start > s.ShardSize || (!last && sh.End-sh.Start != s.ShardSize) {
				return payloadErr("predicate.resources", "the shards of %q do not tile the file in steps of %d bytes (at %q)", p, s.ShardSize, sh.Name)
			}
			off = sh.End
		}
	}
	return nil
}

// hexDigest decodes a lower- or upper-case hex digest of alg.
func hexDigest(s, alg string) ([]byte, error) {
	want := digestSize(alg)
	if len(s) != 2*want {
		return nil, fmt.Errorf("%q is not a %d-byte hex digest", textsafe.Truncate(s, 80), want)
	}
	d, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not hex", textsafe.Truncate(s, 80))
	}
	return d, nil
}

// walkObject reads a JSON object from dec, calling fn with each key; fn
// must consume the value.
func walkObject(dec *json.Decoder, field string, fn func(dec *json.Decoder, key string) error) error {
	dec.UseNumber()
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return payloadErr(field, "not a JSON object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := t.(string)
		if err := fn(dec, key); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if field == "" {
		if _, err := dec.Token(); err != io.EOF {
			return payloadErr("", "data after the statement")
		}
	}
	return nil
}

// walkArray reads a JSON array, calling fn for each element, and stops
// past limits.MaxSignatureResources elements.
func walkArray(dec *json.Decoder, field string, fn func(dec *json.Decoder) error) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != '[' {
		return payloadErr(field, "not a JSON array")
	}
	n := 0
	for dec.More() {
		if n++; n > limits.MaxSignatureResources {
			return payloadErr(field, "more than %d entries", limits.MaxSignatureResources)
		}
		if err := fn(dec); err != nil {
			return err
		}
	}
	_, err = dec.Token()
	return err
}

// skipValue consumes one JSON value.
func skipValue(dec *json.Decoder) error {
	var v json.RawMessage
	return dec.Decode(&v)
}

func asPayloadErr(err error) error {
	var pe *PayloadError
	if errors.As(err, &pe) {
		return err
	}
	return &PayloadError{Msg: "malformed JSON", Err: err}
}

// rootDigest is the digest a v1.0 statement's subject carries: SHA-256 over
// the raw resource digests, in the order given.
func rootDigest(rs []Resource) []byte {
	h, _ := newHasher(SHA256, 0)
	for _, r := range rs {
		h.Write(r.Digest)
	}
	return h.Sum(nil)
}
