package modelvet

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/integrity"
	"github.com/modelvet/modelvet/manifest"
	"github.com/modelvet/modelvet/report"
)

// integrity checks the release's bytes against what was published or
// signed: every file is hashed (unless WithoutHashingUnsafe) and compared
// with every digest a store, listing or manifest publishes for it, and the
// model signature (the release's own or WithSignature's) is verified
// against the configured trust and the files it covers.
func (s *audit) integrity(ctx context.Context) error {
	cfg := s.a.cfg
	verify := integrity.Verify
	if cfg.noHashing {
		// A signature vouches for the files; without reading them there is
		// nothing it can confirm.
		verify = integrity.VerifyFiles
	}
	res, err := verify(ctx, s.rel, integrity.VerifyOptions{
		Trust:     cfg.trust,
		Signature: cfg.signaturePath,
		// An unsigned release is worth a finding whenever the bytes are
		// being verified or a signer is expected.
		RequireSignature:     !cfg.noHashing || cfg.trustSet || cfg.signaturePath != "",
		WithoutHashingUnsafe: cfg.noHashing,
		Hash:                 integrity.HashOptions{Progress: cfg.progress},
	})
	if err != nil {
		return err
	}
	s.add(res.Findings...)
	s.add(s.indexFindings()...)

	files := make(map[string]integrity.FileResult, len(res.Files))
	for _, f := range res.Files {
		files[f.Path] = f
	}
	for i := range s.rep.Files {
		rf := &s.rep.Files[i]
		f, ok := files[rf.Path]
		if !ok {
			continue
		}
		if d := f.Digests[integrity.SHA256]; d != "" {
			rf.Digest = "sha256:" + d
		}
		rf.Verified = f.Verified
	}
	s.rep.Integrity.Hashed = res.Hashed
	s.rep.Integrity.Verified = res.Verified
	s.rep.Integrity.Signature = signatureReport(res.Signature)
	if res.Signature == nil && s.rel.Signature != nil {
		s.rep.Integrity.Signature = &report.Signature{Path: s.rel.Signature.Path, Present: true, Error: "not checked: the files were not hashed"}
	}
	// A policy that requires signatures requires a verified one: a
	// signature found but not checked does not satisfy it.
	if sig := s.rep.Integrity.Signature; s.a.policy.Signatures.Required && sig != nil && sig.Present && len(sig.Checked) == 0 {
		s.add(finding.Finding{
			Code:       finding.SignatureMissing,
			Message:    fmt.Sprintf("No verified model signature: %s is present but was not checked (%s), and the policy requires a verified one.", sig.Path, strings.TrimPrefix(sig.Error, "not checked: ")),
			Confidence: finding.Verified,
			Subject:    sig.Path,
			Evidence:   []finding.Evidence{{Path: sig.Path, Field: "checked", Value: "no"}},
		})
	}
	return ctx.Err()
}

// maxIndexEvidence caps the evidence of one index finding; the message
// still counts every issue.
const maxIndexEvidence = 20

// indexFindings turns the disagreements between the safetensors index and
// its shards into findings: one per shard (or index) and kind, listing the
// tensors concerned. A shard the index names but the release lacks is
// missing; a shard or tensor the index does not name is unlisted; a tensor
// not where the index says, or a total size the shards do not add up to,
// is a mismatch.
func (s *audit) indexFindings() []finding.Finding {
	type key struct {
		kind  manifest.IndexIssueKind
		shard string
	}
	groups := map[key][]manifest.IndexIssue{}
	var order []key
	for _, i := range s.rel.CheckIndex() {
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
			f.Message = fmt.Sprintf("%s holds %s the index %s does not name", first.Shard, countTensors(tensors), first.Index)
		case manifest.IndexTensorMissing:
			f.Code = finding.IntegrityMismatch
			f.Message = fmt.Sprintf("the index %s puts %s in %s, whose header does not hold them", first.Index, countTensors(tensors), first.Shard)
		case manifest.IndexTensorMisplaced:
			f.Code = finding.IntegrityMismatch
			f.Message = fmt.Sprintf("the index %s puts %s in %s, but another shard holds them", first.Index, countTensors(tensors), first.Shard)
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

func countTensors(ts []string) string {
	if len(ts) == 1 {
		return "1 tensor"
	}
	return fmt.Sprintf("%d tensors", len(ts))
}

// signatureReport turns what integrity checked into the report's record.
func signatureReport(sr *integrity.SignatureResult) *report.Signature {
	if sr == nil {
		return &report.Signature{}
	}
	out := &report.Signature{
		Path:          sr.Path,
		Present:       sr.Present,
		Method:        sr.Method,
		PredicateType: sr.PredicateType,
		Verified:      sr.Verified,
		Identity:      sr.Identity,
		Issuer:        sr.Issuer,
		KeyHint:       sr.KeyHint,
		Checked:       sr.CheckStrings(),
		Error:         sr.Err,
	}
	if !sr.SignedAt.IsZero() {
		out.SignedAt = sr.SignedAt.UTC().Format(time.RFC3339)
	}
	return out
}
