package provenance

import "crypto/x509"

// Trust is what a verifier trusts: keys, certificate roots, and a Sigstore
// trusted root with the identities allowed to sign.
type Trust struct {
	// PublicKeys are PEM-encoded public keys for the key method.
	PublicKeys [][]byte
	// CertificateRoots anchor the certificate-chain method.
	CertificateRoots []*x509.Certificate
	// TrustedRootJSON is a Sigstore trusted_root.json (or a client trust
	// config holding one) for keyless signatures, used offline.
	TrustedRootJSON []byte
	// Identities are the certificate identities (and OIDC issuers)
	// accepted for keyless signatures.
	Identities []Identity
}

// Identity is a signer identity accepted for keyless signatures.
type Identity struct {
	Identity string `json:"identity" yaml:"identity"`
	Issuer   string `json:"issuer" yaml:"issuer"`
}

// Progress reports hashing progress.
type Progress struct {
	Path       string // file being hashed
	Done       int64  // bytes hashed so far, over all files
	Total      int64  // bytes to hash
	FilesDone  int
	FilesTotal int
}
