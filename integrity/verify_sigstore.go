package integrity

import (
	"crypto/x509"
	"fmt"
	"slices"
	"time"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
)

// verifySigstoreBundle checks a keyless signature with sigstore-go against
// the trusted root, offline: the Fulcio certificate chain judged at the
// time the transparency log attests, the log entry (inclusion promise and
// proof), certificate transparency when the root lists CT logs, the DSSE
// signature over the statement whose subject is bound as the artifact
// digest; then the signer's identity and OIDC issuer against the trusted
// identities.
func verifySigstoreBundle(b *Bundle, st *SignedStatement, tm *trustMaterial, sr *SignatureResult) (outcome, string) {
	leaf := b.Certificates[0]
	if sum, err := certificate.SummarizeCertificate(leaf); err == nil {
		sr.Identity, sr.Issuer = sum.SubjectAlternativeName, sum.Issuer
	}
	signer := fmt.Sprintf("%q (issuer %q)", sr.Identity, sr.Issuer)
	if tm.trustedRoot == nil {
		sr.check("trusted root", false, "no Sigstore trusted root was given")
		return sigUntrusted, "a keyless signature by " + signer + ", but no Sigstore trusted root was given to verify it"
	}
	if !issuedByTrustedCA(leaf, b.Certificates[1:], tm.trustedRoot) {
		sr.check("certificate authority", false, "the certificate of %s was not issued by a certificate authority of the trusted root", signer)
		return sigUntrusted, "the signing certificate of " + signer + " was not issued by a certificate authority of the trusted root"
	}
	sr.check("certificate authority", true, "issued by a certificate authority of the trusted root")
	data, err := b.normalizedJSON("")
	if err != nil {
		sr.check("signature", false, "%v", err)
		return sigInvalid, err.Error()
	}
	sb, err := loadSigstoreBundle(data)
	if err != nil {
		sr.check("signature", false, "sigstore-go cannot read the bundle: %v", err)
		return sigInvalid, "the bundle is not a valid Sigstore bundle: " + err.Error()
	}
	opts := []verify.VerifierOption{verify.WithTransparencyLog(1), verify.WithObserverTimestamps(1), verify.WithoutStatementPredicate()}
	if len(tm.trustedRoot.CTLogs()) > 0 {
		opts = append(opts, verify.WithSignedCertificateTimestamps(1))
	}
	ver, err := verify.NewVerifier(tm.trustedRoot, opts...)
	if err != nil {
		sr.check("signature", false, "%v", err)
		return sigInvalid, err.Error()
	}
	res, err := ver.Verify(sb, verify.NewPolicy(artifactPolicy(st), verify.WithoutIdentitiesUnsafe()))
	if err != nil {
		sr.check("signature", false, "sigstore-go: %v", err)
		return sigInvalid, "the keyless signature does not verify: " + err.Error()
	}
	var times []time.Time
	for _, ts := range res.VerifiedTimestamps {
		times = append(times, ts.Timestamp)
	}
	if len(times) > 0 {
		sr.SignedAt = slices.MinFunc(times, func(a, b time.Time) int { return a.Compare(b) }).UTC()
	}
	ct := ""
	if len(tm.trustedRoot.CTLogs()) > 0 {
		ct = ", certificate transparency"
	}
	sr.check("signature", true, "sigstore-go: certificate chain at the log's time %s, transparency log entry%s, DSSE signature, subject digest", sr.SignedAt.Format(time.RFC3339), ct)
	if res.Signature != nil && res.Signature.Certificate != nil {
		sr.Identity, sr.Issuer = res.Signature.Certificate.SubjectAlternativeName, res.Signature.Certificate.Issuer
		signer = fmt.Sprintf("%q (issuer %q)", sr.Identity, sr.Issuer)
	}
	if len(tm.identities) == 0 {
		sr.check("identity", false, "signed by %s; no identity is trusted", signer)
		return sigUntrusted, "validly signed by " + signer + ", but no signer identity is trusted"
	}
	if res.Signature == nil || res.Signature.Certificate == nil {
		sr.check("identity", false, "no certificate summary")
		return sigInvalid, "the keyless signature carries no certificate identity"
	}
	if _, err := tm.identities.Verify(*res.Signature.Certificate); err != nil {
		sr.check("identity", false, "signed by %s; trusted: %s", signer, identityList(tm.names))
		return sigUntrusted, fmt.Sprintf("validly signed by %s, which is not a trusted identity", signer)
	}
	sr.check("identity", true, "signed by %s, a trusted identity", signer)
	return sigValid, ""
}

// issuedByTrustedCA reports whether leaf chains to a certificate authority
// of tr, judged at the leaf's own notBefore: this separates certificates
// from an unknown authority (untrusted) from signatures made outside a
// known certificate's validity (invalid).
func issuedByTrustedCA(leaf *x509.Certificate, chain []*x509.Certificate, tr *root.TrustedRoot) bool {
	for _, ca := range tr.FulcioCertificateAuthorities() {
		fca, ok := ca.(*root.FulcioCertificateAuthority)
		if !ok || fca.Root == nil {
			continue
		}
		roots := x509.NewCertPool()
		roots.AddCert(fca.Root)
		inter := x509.NewCertPool()
		for _, c := range fca.Intermediates {
			inter.AddCert(c)
		}
		for _, c := range chain {
			inter.AddCert(c)
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: leaf.NotBefore, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err == nil {
			return true
		}
	}
	return false
}

func identityList(ids []Identity) string {
	out := ""
	for i, id := range ids {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%q (issuer %q)", id.Identity, id.Issuer)
	}
	return out
}
