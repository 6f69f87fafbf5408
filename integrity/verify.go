package integrity

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/manifest"
)

// VerifyOptions configures Verify, VerifyFiles and VerifySignature. The
// zero value hashes every file with GOMAXPROCS workers, verifies the
// release's own signature (if any) against an empty Trust, and does not
// require a signature.
type VerifyOptions struct {
	// Trust is what signatures are verified against.
	Trust Trust
	// Signature is the signature file to verify; "" means the one the
	// release holds (manifest locates model.sig).
	Signature string
	// RequireSignature reports signature.missing when there is none.
	RequireSignature bool
	// RequireVerifiedSignature, set when the caller's policy accepts only
	// a verified signature, also reports signature.missing for one that
	// is present but was not checked (the files were not hashed, or a
	// remote release's signature was not downloaded).
	RequireVerifiedSignature bool
	// IgnorePaths leaves paths (relative to the model root) out of the
	// signature check, as the reference verifier's --ignore-paths does.
	IgnorePaths []string
	// IgnoreUnsignedFiles checks only the files the signature names, as
	// the reference verifier's --ignore-unsigned-files does: a file it
	// does not name is not reported unlisted, and VerifySignature does not
	// hash it (Verify hashes every file for the other digest sources).
	IgnoreUnsignedFiles bool
	// WithoutHashingUnsafe reads no file: sizes and published digests are
	// compared with what the release lists, but no digest is computed.
	// VerifySignature still checks the signature itself; Verify does not
	// (a signature vouches for bytes, and none are read): it records the
	// signature (Signature, else the release's own) as present but not
	// checked, and reports none missing unless RequireVerifiedSignature
	// is set.
	WithoutHashingUnsafe bool
	// Hash tunes hashing: workers, buffer size, progress callback.
	Hash HashOptions
}

// FileResult is what was computed and verified about one file.
type FileResult struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	// Digests holds the computed digests, hex, by algorithm.
	Digests map[string]string `json:"digests,omitempty"`
	// VerifiedBy lists the sources whose digest the file matched
	// ("signature", "hf-cache", "ollama", …); Verified is set when it
	// matched at least one and differed from none.
	VerifiedBy []string `json:"verified_by,omitempty"`
	Verified   bool     `json:"verified"`
	// Err says why the file could not be hashed.
	Err error `json:"-"`
}

// Result is the outcome of a verification. Findings carry no severity.
type Result struct {
	// Files lists the files hashed or checked, sorted by path.
	Files []FileResult
	// Hashed counts files whose digests were computed; Verified those that
	// matched an expected digest and differed from none.
	Hashed, Verified int
	// Signature is what was found and checked about the signature; nil
	// under VerifyFiles, and under Verify without hashing when the release
	// holds no signature.
	Signature *SignatureResult
	Findings  []finding.Finding
}

// SignatureResult records a signature and every check made on it.
type SignatureResult struct {
	// Path is the signature file as reported (relative to the release
	// root when inside it).
	Path    string
	Present bool
	// Method is SigningSigstore, SigningKey or SigningCertificate.
	Method        string
	MediaType     string
	PredicateType string
	// Verified is set when the signature is valid, made by a trusted
	// signer, and its statement is consistent. Whether the files match is
	// reported by findings and Result.Files.
	Verified bool
	// Identity and Issuer name a keyless signer (certificate SAN and OIDC
	// issuer); for the certificate method, the leaf's subject and issuer.
	Identity, Issuer string
	// KeyHint identifies the key of a key-method signature.
	KeyHint string
	// SignedAt is when the signature was made, as attested by a
	// transparency log (keyless); zero when unknown.
	SignedAt time.Time
	// Serialization, Resources, SubjectName and SubjectDigest describe
	// the signed statement.
	Serialization Serialization
	Resources     int
	SubjectName   string
	SubjectDigest string
	// Checks lists every check made, in order.
	Checks []Check
	// Err is the reason verification failed, if it did.
	Err string

	statement *SignedStatement
}

// Check is one verification step and its outcome.
type Check struct {
	Name   string
	OK     bool
	Detail string
}

func (c Check) String() string {
	s := c.Name + ": ok"
	if !c.OK {
		s = c.Name + ": FAILED"
	}
	if c.Detail != "" {
		s += " (" + c.Detail + ")"
	}
	return s
}

func (sr *SignatureResult) check(name string, ok bool, format string, args ...any) {
	sr.Checks = append(sr.Checks, Check{Name: name, OK: ok, Detail: fmt.Sprintf(format, args...)})
}

// CheckStrings returns the checks as "name: ok (detail)" lines.
func (sr *SignatureResult) CheckStrings() []string {
	var out []string
	for _, c := range sr.Checks {
		out = append(out, c.String())
	}
	return out
}

// Verify hashes the release's files once and compares them with every
// source of expected digests: the digests and sizes stores, Hub listings
// and OCI manifests publish (manifest.File.Expected), the safetensors
// index's map of tensors to shards, and the model signature, verified
// against opts.Trust. Every bad file is reported, not only the first. The
// error reports only a failure to verify at all (invalid options, the end
// of ctx); problems are findings.
func Verify(ctx context.Context, rel *manifest.Release, opts VerifyOptions) (*Result, error) {
	if opts.WithoutHashingUnsafe {
		return verifyRelease(ctx, rel, opts, checks{published: true, signatureUnread: true})
	}
	return verifyRelease(ctx, rel, opts, checks{published: true, signature: true})
}

// VerifyFiles compares the release's files with the digests and sizes
// published for them (manifest.File.Expected) and with the safetensors
// index, without signatures.
func VerifyFiles(ctx context.Context, rel *manifest.Release, opts VerifyOptions) (*Result, error) {
	return verifyRelease(ctx, rel, opts, checks{published: true})
}

// VerifySignature verifies the model signature (opts.Signature, else the
// release's own) against opts.Trust, and the release's files against it:
// the bundle, the signer, the statement, then every file by the
// signature's own serialisation. A missing signature is a
// signature.missing finding, whatever opts.RequireSignature says.
func VerifySignature(ctx context.Context, rel *manifest.Release, opts VerifyOptions) (*Result, error) {
	return verifyRelease(ctx, rel, opts, checks{signature: true, signatureRequired: true})
}

// checks says what a verification compares the files with.
type checks struct {
	// published: the digests and sizes published for the files
	// (manifest.File.Expected), and the safetensors index.
	published bool
	// signature: the model signature; signatureRequired reports its
	// absence even when VerifyOptions.RequireSignature is not set.
	signature, signatureRequired bool
	// signatureUnread records the release's own signature as present but
	// not checked, since the files are not hashed.
	signatureUnread bool
}

// planEntry gathers what must be computed for one release path.
type planEntry struct {
	path      string
	localPath string
	relFile   *manifest.File
	algs      []string
	shardSize int64
	shardAlg  string
	result    *HashResult
}

func (e *planEntry) want(alg string) {
	if !slices.Contains(e.algs, alg) {
		e.algs = append(e.algs, alg)
	}
}

// verification is the state of one verifyRelease call.
type verification struct {
	rel      *manifest.Release
	opts     VerifyOptions
	with     checks
	remote   bool // a Hub release: its weights were not downloaded
	entries  map[string]*planEntry
	order    []string
	findings []finding.Finding
	matched  map[string][]string // path → sources matched
	bad      map[string]bool     // path → differs from some source
}

func (v *verification) entry(path string) *planEntry {
	e, ok := v.entries[path]
	if !ok {
		e = &planEntry{path: path}
		v.entries[path] = e
		v.order = append(v.order, path)
	}
	return e
}

func (v *verification) add(f finding.Finding) { v.findings = append(v.findings, f) }

func verifyRelease(ctx context.Context, rel *manifest.Release, opts VerifyOptions, with checks) (*Result, error) {
	if rel == nil {
		return nil, errors.New("verify: nil release")
	}
	if _, err := opts.Hash.withDefaults(); err != nil {
		return nil, err
	}
	tm, err := opts.Trust.compile()
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	remote := rel.Kind == manifest.KindHub
	v := &verification{rel: rel, opts: opts, with: with, remote: remote, entries: map[string]*planEntry{}, matched: map[string][]string{}, bad: map[string]bool{}}
	res := &Result{}

	// The signature first: it decides what else must be computed.
	var sc *signedCheck
	switch {
	case with.signature:
		res.Signature, sc = v.checkSignature(ctx, tm)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	case with.signatureUnread:
		res.Signature = unreadSignature(rel, opts.Signature)
	}
	if opts.RequireVerifiedSignature {
		v.unverifiedSignature(res.Signature)
	}
	if remote {
		if err := v.fetched(sc); err != nil {
			return nil, err
		}
	}
	if with.published && !remote {
		for _, f := range rel.Files {
			if f.LocalPath == "" {
				continue
			}
			e := v.entry(f.Path)
			e.relFile, e.localPath = f, f.LocalPath
			for _, x := range f.Expected {
				if KnownAlgorithm(x.Algorithm) {
					e.want(x.Algorithm)
				}
			}
		}
	}
	if sc != nil {
		if err := sc.plan(ctx, v); err != nil {
			return nil, err
		}
	}
	// SHA-256 always, unless a sharded signature covers the file (its
	// shard digests verify every byte, and a second pass would double
	// the reading).
	for _, p := range v.order {
		e := v.entries[p]
		if e.shardSize == 0 || len(e.algs) > 0 {
			e.want(SHA256)
		}
	}

	if !opts.WithoutHashingUnsafe {
		if err := v.hash(ctx); err != nil {
			return nil, err
		}
	}
	if with.published {
		v.compareExpected()
		v.findings = append(v.findings, indexFindings(rel)...)
		v.findings = append(v.findings, externalFindings(rel)...)
		v.findings = append(v.findings, remoteFindings(rel)...)
	}
	if with.published && remote && !opts.WithoutHashingUnsafe {
		msg := "The release was read remotely and its weights were not downloaded, so their bytes are not hashed: published sizes and digests are not checked against them."
		if n := len(v.order); n > 0 {
			msg = fmt.Sprintf("The release was read remotely: the %s downloaded whole were checked against the Hub's listing, but the weights were not downloaded, so their bytes are not hashed.", countOf(n, "file", "files"))
		}
		v.add(finding.Finding{
			Code:       finding.IntegrityUnverified,
			Message:    msg,
			Confidence: finding.Verified,
			Subject:    rel.Name,
		})
	}
	if sc != nil {
		sc.compare(v)
	}
	if with.published && !remote {
		v.unlistedByStores(sc)
	}
	v.summarise(res, sc)
	return res, nil
}

// unreadSignature records the signature (given, else the release's own)
// as present but not checked, since the files are not hashed; nil when
// there is none.
func unreadSignature(rel *manifest.Release, given string) *SignatureResult {
	const why = "not checked: the files were not hashed"
	switch {
	case given != "":
		if _, err := os.Stat(given); err != nil {
			return nil
		}
		return &SignatureResult{Path: displayPath(rel, given), Present: true, Err: why}
	case rel.Signature != nil:
		return &SignatureResult{Path: rel.Signature.Path, Present: true, Err: why}
	}
	return nil
}

// unverifiedSignature reports, for a caller that accepts only a verified
// signature, a signature that was not checked, or none at all, as
// signature.missing (once: the signature check may have reported it).
func (v *verification) unverifiedSignature(sr *SignatureResult) {
	if slices.ContainsFunc(v.findings, func(f finding.Finding) bool { return f.Code == finding.SignatureMissing }) {
		return
	}
	if sr == nil || !sr.Present {
		v.add(finding.Finding{
			Code:       finding.SignatureMissing,
			Message:    "No model signature: the release holds no model.sig and none was given, and the policy requires a verified one.",
			Confidence: finding.Verified,
			Subject:    v.rel.Name,
		})
		return
	}
	if len(sr.Checks) > 0 {
		return
	}
	v.add(finding.Finding{
		Code:       finding.SignatureMissing,
		Message:    fmt.Sprintf("No verified model signature: %s is present but was not checked (%s), and the policy requires a verified one.", sr.Path, strings.TrimPrefix(sr.Err, "not checked: ")),
		Confidence: finding.Verified,
		Subject:    sr.Path,
		Evidence:   []finding.Evidence{{Path: sr.Path, Field: "checked", Value: "no"}},
	})
}

// hash computes every planned digest.
func (v *verification) hash(ctx context.Context) error {
	var reqs []HashRequest
	var idx []*planEntry
	for _, p := range v.order {
		e := v.entries[p]
		if e.localPath == "" || (len(e.algs) == 0 && e.shardSize == 0) {
			continue
		}
		reqs = append(reqs, HashRequest{Path: e.path, LocalPath: e.localPath, Algorithms: e.algs, ShardSize: e.shardSize, ShardAlgorithm: e.shardAlg})
		idx = append(idx, e)
	}
	results, err := Hash(ctx, reqs, v.opts.Hash)
	if err != nil {
		return err
	}
	for i := range results {
		idx[i].result = &results[i]
	}
	return nil
}

// fetched hashes the bytes a remote source downloaded whole (a Hub
// release's card, configs, licence texts, small files) in every algorithm
// that its listing or the signature uses, as if they had been read from
// disk.
func (v *verification) fetched(sc *signedCheck) error {
	for _, f := range v.rel.Files {
		if f.Content == nil {
			continue
		}
		algs := []string{SHA256}
		for _, x := range f.Expected {
			algs = append(algs, x.Algorithm)
		}
		if sc != nil && sc.st.Serialization.Method == MethodFiles {
			algs = append(algs, sc.st.Serialization.HashType)
		}
		r := &HashResult{Path: f.Path, Size: int64(len(f.Content)), Digests: map[string][]byte{}}
		for _, alg := range algs {
			if _, done := r.Digests[alg]; done || !KnownAlgorithm(alg) {
				continue
			}
			h, err := newHasher(alg, r.Size)
			if err != nil {
				return err
			}
			h.Write(f.Content)
			r.Digests[alg] = h.Sum(nil)
		}
		e := v.entry(f.Path)
		e.relFile, e.result = f, r
	}
	return nil
}

// compareExpected checks every file against the digests and sizes
// published for it, one finding per bad file listing every difference.
func (v *verification) compareExpected() {
	for _, f := range v.rel.Files {
		if len(f.Expected) == 0 {
			continue
		}
		e := v.entries[f.Path]
		if f.LocalPath == "" && (e == nil || e.result == nil) {
			if v.rel.Kind != manifest.KindHub {
				v.absent(f)
			}
			continue // a remote file not downloaded
		}
		size := f.Size
		var digests map[string][]byte
		if e.result != nil {
			if e.result.Err != nil {
				v.unhashable(f.Path, e.result.Err, expectationSources(f))
				continue
			}
			size, digests = e.result.Size, e.result.Digests
		}
		var ev []finding.Evidence
		var matched []string
		for _, x := range f.Expected {
			src := cmp.Or(x.Source, "published")
			if x.Size >= 0 && x.Size != size {
				ev = append(ev, finding.Evidence{Path: f.Path, Field: src + " size", Value: fmt.Sprintf("expected %d bytes, found %d", x.Size, size)})
			}
			got, ok := digests[x.Algorithm]
			if !ok {
				continue
			}
			if want := strings.ToLower(x.Digest); hex.EncodeToString(got) != want {
				ev = append(ev, finding.Evidence{Path: f.Path, Field: src + " " + x.Algorithm, Value: fmt.Sprintf("expected %s, computed %x", want, got)})
			} else if !slices.Contains(matched, src) {
				matched = append(matched, src)
			}
		}
		if len(ev) > 0 {
			v.bad[f.Path] = true
			v.add(finding.Finding{
				Code:       finding.IntegrityMismatch,
				Message:    fmt.Sprintf("%s differs from what %s published for it", f.Path, strings.Join(expectationSources(f), " and ")),
				Confidence: finding.Verified,
				Subject:    f.Path,
				Evidence:   ev,
			})
			continue
		}
		v.matched[f.Path] = append(v.matched[f.Path], matched...)
	}
}

// absent reports a listed file with no readable local copy: missing when
// nothing is there, a mismatch when something unreadable is.
func (v *verification) absent(f *manifest.File) {
	srcs := strings.Join(expectationSources(f), " and ")
	if v.rel.Root != "" {
		full := filepath.Join(v.rel.Root, filepath.FromSlash(f.Path))
		if _, err := os.Lstat(full); err == nil {
			if _, err := os.Stat(full); err == nil || !errors.Is(err, os.ErrNotExist) {
				v.bad[f.Path] = true
				v.add(finding.Finding{
					Code:       finding.IntegrityMismatch,
					Message:    fmt.Sprintf("%s is listed by %s but cannot be read (a special file or a link leaving the release), so its bytes are not the published ones", f.Path, srcs),
					Confidence: finding.Verified,
					Subject:    f.Path,
					Evidence:   []finding.Evidence{{Path: f.Path, Field: "file", Value: "unreadable"}},
				})
				return
			}
		}
	}
	v.bad[f.Path] = true
	v.add(finding.Finding{
		Code:       finding.IntegrityMissing,
		Message:    fmt.Sprintf("%s is listed by %s but absent", f.Path, srcs),
		Confidence: finding.Verified,
		Subject:    f.Path,
		Evidence:   []finding.Evidence{{Path: f.Path, Field: "file", Value: "absent"}},
	})
}

// unhashable reports a covered file that could not be hashed.
func (v *verification) unhashable(path string, err error, sources []string) {
	v.bad[path] = true
	v.add(finding.Finding{
		Code:       finding.IntegrityMismatch,
		Message:    fmt.Sprintf("%s could not be hashed, so it does not match what %s gave: %v", path, strings.Join(sources, " and "), err),
		Confidence: finding.Verified,
		Subject:    path,
		Evidence:   []finding.Evidence{{Path: path, Field: "read", Value: err.Error()}},
	})
}

func expectationSources(f *manifest.File) []string {
	var out []string
	for _, x := range f.Expected {
		if s := cmp.Or(x.Source, "published"); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// unlistedByStores reports local files no store lists when the others
// are listed, unless a trusted signature already accounted for every file.
func (v *verification) unlistedByStores(sc *signedCheck) {
	if sc != nil {
		return
	}
	var srcs []string
	for _, f := range v.rel.Files {
		for _, s := range expectationSources(f) {
			if !slices.Contains(srcs, s) {
				srcs = append(srcs, s)
			}
		}
	}
	if len(srcs) == 0 {
		return
	}
	slices.Sort(srcs)
	for _, f := range v.rel.Files {
		if len(f.Expected) > 0 || f.LocalPath == "" || f.Format == manifest.FormatSignature {
			continue
		}
		v.add(finding.Finding{
			Code:       finding.IntegrityUnlisted,
			Message:    fmt.Sprintf("%s is present but not listed by %s, which list the other files", f.Path, strings.Join(srcs, " and ")),
			Confidence: finding.Verified,
			Subject:    f.Path,
			Evidence:   []finding.Evidence{{Path: f.Path, Field: "listed by", Value: "none"}},
		})
	}
}

// summarise fills res from the plan and the comparisons.
func (v *verification) summarise(res *Result, sc *signedCheck) {
	slices.SortFunc(v.order, comparePaths)
	for _, p := range v.order {
		e := v.entries[p]
		fr := FileResult{Path: p}
		if e.relFile != nil {
			fr.Size = e.relFile.Size
		}
		if r := e.result; r != nil {
			fr.Size = r.Size
			if r.Err != nil {
				fr.Err = r.Err
			} else {
				if len(r.Digests) > 0 || len(r.Shards) > 0 {
					res.Hashed++
				}
				fr.Digests = map[string]string{}
				for a, d := range r.Digests {
					fr.Digests[a] = hex.EncodeToString(d)
				}
			}
		}
		fr.VerifiedBy = v.matched[p]
		slices.Sort(fr.VerifiedBy)
		fr.Verified = len(fr.VerifiedBy) > 0 && !v.bad[p] && fr.Err == nil
		if fr.Verified {
			res.Verified++
		}
		res.Files = append(res.Files, fr)
	}
	trusted := sc != nil
	published := false
	for _, f := range v.rel.Files {
		published = published || len(f.Expected) > 0
	}
	switch {
	case v.opts.WithoutHashingUnsafe:
		v.add(finding.Finding{
			Code:       finding.IntegrityUnverified,
			Message:    "The files were not hashed, so the bytes are not checked against any published digest or signature.",
			Confidence: finding.Verified,
			Subject:    v.rel.Name,
		})
	case v.with.published && !v.remote && !trusted && !published && len(v.rel.Files) > 0:
		msg := "nothing to verify the bytes against: no store, index or listing publishes digests for these files, and there is no model signature"
		if res.Signature != nil && res.Signature.Present {
			msg = "nothing to verify the bytes against: no store, index or listing publishes digests for these files, and the model signature is not verified"
		}
		v.add(finding.Finding{
			Code:       finding.IntegrityUnverified,
			Message:    msg,
			Confidence: finding.Verified,
			Subject:    v.rel.Name,
		})
	}
	slices.SortFunc(v.findings, finding.Compare)
	res.Findings = v.findings
}
