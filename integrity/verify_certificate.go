package integrity

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"time"
)

// verifyCertificateBundle checks a certificate-method signature as the
// reference verifier does: the DSSE signature with the leaf's key (curve
// hash, else the model_signing 0.2 encoding with SHA-256), the chain to a
// trusted root judged at the leaf's notBefore (so an expired certificate
// still verifies a signature made while it was valid), and the leaf's
// key usage. There is no identity to check in this method; the leaf's
// subject is reported.
func verifyCertificateBundle(b *Bundle, tm *trustMaterial, sr *SignatureResult) (outcome, string) {
	leaf := b.Certificates[0]
	sr.Identity, sr.Issuer = leaf.Subject.String(), leaf.Issuer.String()
	h, err := curveHash(leaf.PublicKey)
	if err != nil {
		sr.check("signature", false, "leaf key: %v", err)
		return sigInvalid, "the signing certificate's key is not an ECDSA P-256, P-384 or P-521 key"
	}
	switch {
	case verifyECDSA(leaf.PublicKey, h, pae(b.PayloadType, b.Payload), b.Signature):
		sr.check("signature", true, "ECDSA %s over the DSSE encoding, with the leaf certificate's key", hashName(h))
	case verifyECDSA(leaf.PublicKey, crypto.SHA256, compatPAE(b.PayloadType, b.Payload), b.Signature):
		sr.check("signature", true, "ECDSA SHA-256 over the model_signing 0.2 encoding (\"DSSEV1\"), with the leaf certificate's key")
	default:
		sr.check("signature", false, "does not verify with the leaf certificate's key")
		return sigInvalid, "the signature does not verify with the signing certificate's key"
	}
	if len(tm.roots) == 0 {
		sr.check("certificate chain", false, "no certificate roots are trusted")
		return sigUntrusted, fmt.Sprintf("signed with a certificate for %q, but no certificate roots are trusted", leaf.Subject.String())
	}
	roots := x509.NewCertPool()
	for _, c := range tm.roots {
		roots.AddCert(c)
	}
	inter := x509.NewCertPool()
	for _, c := range b.Certificates[1:] {
		inter.AddCert(c)
	}
	at := leaf.NotBefore
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		sr.check("certificate chain", false, "%v (judged at the leaf's notBefore %s)", err, at.UTC().Format(time.RFC3339))
		var ua x509.UnknownAuthorityError
		if errors.As(err, &ua) {
			return sigUntrusted, fmt.Sprintf("the signing certificate %q does not chain to a trusted root", leaf.Subject.String())
		}
		return sigInvalid, fmt.Sprintf("the certificate chain is not valid: %v", err)
	}
	sr.check("certificate chain", true, "%s, judged at the leaf's notBefore %s", chainNames(chains[0]), at.UTC().Format(time.RFC3339))
	if leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 && !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageCodeSigning) {
		sr.check("key usage", false, "the leaf allows neither digitalSignature nor codeSigning")
		return sigInvalid, "the signing certificate is not for signing (no digitalSignature key usage, no codeSigning extended key usage)"
	}
	sr.check("key usage", true, "digitalSignature or codeSigning")
	return sigValid, ""
}

func chainNames(chain []*x509.Certificate) string {
	var names []string
	for _, c := range chain {
		names = append(names, fmt.Sprintf("%q", c.Subject.String()))
	}
	return "chain " + joinArrow(names)
}

func joinArrow(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " → "
		}
		out += x
	}
	return out
}
