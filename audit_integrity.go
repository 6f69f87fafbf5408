package modelvet

import (
	"context"
	"time"

	"github.com/modelvet/modelvet/integrity"
	"github.com/modelvet/modelvet/report"
)

// integrity checks the release's bytes against what was published or
// signed: every file is hashed (unless WithoutHashingUnsafe) and compared
// with every digest a store, listing, index or manifest publishes for it,
// and the model signature (the release's own or WithSignature's) is
// verified against the configured trust and the files it covers.
func (s *audit) integrity(ctx context.Context) error {
	cfg := s.a.cfg
	res, err := integrity.Verify(ctx, s.rel, integrity.VerifyOptions{
		Trust:     cfg.trust,
		Signature: cfg.signaturePath,
		// An unsigned release is worth a finding whenever the bytes are
		// being verified (without hashing, the signature is not checked).
		RequireSignature: true,
		// A policy that requires signatures requires a verified one: a
		// signature found but not checked does not satisfy it.
		RequireVerifiedSignature: s.a.policy.Signatures.Required,
		WithoutHashingUnsafe:     cfg.noHashing,
		Hash:                     integrity.HashOptions{Progress: cfg.progress},
	})
	if err != nil {
		return err
	}
	s.add(res.Findings...)

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
	return ctx.Err()
}

// signatureReport turns what integrity checked into the report's record.
func signatureReport(sr *integrity.SignatureResult) *report.Signature {
	if sr == nil {
		return &report.Signature{}
	}
	out := &report.Signature{
		Path:          sr.Path,
		Present:       sr.Present,
		Method:        report.SignatureMethod(sr.Method),
		PredicateType: sr.PredicateType,
		Verified:      sr.Verified,
		Identity:      sr.Identity,
		Issuer:        sr.Issuer,
		KeyHint:       sr.KeyHint,
		Checked:       sr.CheckStrings(),
		Error:         sr.Err,
		SignedAt:      sr.SignedAt.UTC().Truncate(time.Second),
	}
	return out
}
