package modelvet

import (
	"context"
	"time"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/provenance"
	"github.com/modelvet/modelvet/report"
)

// integrity checks the release's bytes against what was published or
// signed: every file is hashed (unless WithoutHashingUnsafe) and compared
// with every digest a store, listing or manifest publishes for it, and the
// model signature (the release's own or WithSignature's) is verified
// against the configured trust and the files it covers.
func (s *audit) integrity(ctx context.Context) error {
	cfg := s.a.cfg
	verify := provenance.Verify
	if cfg.noHashing {
		// A signature vouches for the files; without reading them there is
		// nothing it can confirm.
		verify = provenance.VerifyFiles
	}
	res, err := verify(ctx, s.rel, provenance.VerifyOptions{
		Trust:     cfg.trust,
		Signature: cfg.signaturePath,
		// An unsigned release is worth a finding whenever the bytes are
		// being verified or a signer is expected.
		RequireSignature:     !cfg.noHashing || cfg.trustSet || cfg.signaturePath != "",
		WithoutHashingUnsafe: cfg.noHashing,
		Hash:                 provenance.HashOptions{Progress: cfg.progress},
	})
	if err != nil {
		return err
	}
	s.add(res.Findings...)
	s.add(s.indexFindings()...)

	files := make(map[string]provenance.FileResult, len(res.Files))
	for _, f := range res.Files {
		files[f.Path] = f
	}
	for i := range s.rep.Files {
		rf := &s.rep.Files[i]
		f, ok := files[rf.Path]
		if !ok {
			continue
		}
		if d := f.Digests[provenance.SHA256]; d != "" {
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
	return ctx.Err()
}

// indexFindings is where the safetensors index is checked against its
// shards (shards named but absent, total_size against the tensors the
// shards hold), from manifest.Release.CheckIndex once the manifest package
// provides it; until then no index finding is raised.
func (s *audit) indexFindings() []finding.Finding {
	return nil
}

// signatureReport turns what provenance checked into the report's record.
func signatureReport(sr *provenance.SignatureResult) *report.Signature {
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
