package integrity

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/modelvet/modelvet/internal/jsonscan"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
)

// Trust is what a verifier trusts: keys, certificate roots, and a Sigstore
// trusted root with the identities allowed to sign. The zero Trust trusts
// nothing: every signature is then reported untrusted, though still checked.
type Trust struct {
	// PublicKeys are PEM-encoded public keys for the key method (text
	// before the PEM block, as certtool writes, is skipped).
	PublicKeys [][]byte
	// CertificateRoots anchor the certificate-chain method.
	CertificateRoots []*x509.Certificate
	// TrustedRootJSON is a Sigstore trusted_root.json (or a client trust
	// config holding one) for keyless signatures, used offline.
	TrustedRootJSON []byte
	// Identities are the certificate identities (and OIDC issuers)
	// accepted for keyless signatures; both fields must match exactly.
	Identities []Identity
}

// Identity is a signer identity accepted for keyless signatures: the
// certificate's subject alternative name (an e-mail address or URI) and
// the OIDC issuer that vouched for it.
type Identity struct {
	Identity string `json:"identity" yaml:"identity"`
	Issuer   string `json:"issuer" yaml:"issuer"`
}

// TrustFiles names the files a Trust is loaded from (as the example
// programs' -key, -cert-chain and -trusted-root flags do).
type TrustFiles struct {
	PublicKeys       []string // PEM public keys
	CertificateRoots []string // PEM certificates (CA roots)
	TrustedRoot      string   // trusted_root.json or a client trust config
	Identities       []Identity
}

// LoadTrust reads the files of tf and checks them.
func LoadTrust(tf TrustFiles) (Trust, error) {
	var t Trust
	for _, p := range tf.PublicKeys {
		data, err := safeio.ReadFile(p, limits.MaxTrustFileBytes)
		if err != nil {
			return Trust{}, fmt.Errorf("public key: %w", err)
		}
		if _, err := parsePublicKey(data); err != nil {
			return Trust{}, fmt.Errorf("public key %s: %w", p, err)
		}
		t.PublicKeys = append(t.PublicKeys, data)
	}
	for _, p := range tf.CertificateRoots {
		data, err := safeio.ReadFile(p, limits.MaxTrustFileBytes)
		if err != nil {
			return Trust{}, fmt.Errorf("certificate roots: %w", err)
		}
		certs, err := parseCertificates(data)
		if err != nil {
			return Trust{}, fmt.Errorf("certificate roots: %s: %w", p, err)
		}
		t.CertificateRoots = append(t.CertificateRoots, certs...)
	}
	if tf.TrustedRoot != "" {
		data, err := safeio.ReadFile(tf.TrustedRoot, limits.MaxTrustFileBytes)
		if err != nil {
			return Trust{}, fmt.Errorf("trusted root: %w", err)
		}
		t.TrustedRootJSON = data
	}
	t.Identities = append(t.Identities, tf.Identities...)
	if err := t.Validate(); err != nil {
		return Trust{}, err
	}
	return t, nil
}

// Validate parses every key, certificate and trusted root of t.
func (t Trust) Validate() error {
	_, err := t.compile()
	return err
}

// Empty reports whether t trusts nothing.
func (t Trust) Empty() bool {
	return len(t.PublicKeys) == 0 && len(t.CertificateRoots) == 0 && len(t.TrustedRootJSON) == 0
}

// trustedKey is a public key with its model-signing hint.
type trustedKey struct {
	pub  crypto.PublicKey
	hint string
}

// trustMaterial is a Trust parsed once for a verification.
type trustMaterial struct {
	keys        []trustedKey
	roots       []*x509.Certificate
	trustedRoot *root.TrustedRoot
	identities  verify.CertificateIdentities
	names       []Identity
}

func (t Trust) compile() (*trustMaterial, error) {
	tm := &trustMaterial{roots: t.CertificateRoots, names: t.Identities}
	for i, k := range t.PublicKeys {
		pub, err := parsePublicKey(k)
		if err != nil {
			return nil, fmt.Errorf("trusted public key %d: %w", i+1, err)
		}
		hint, err := keyHint(pub)
		if err != nil {
			return nil, fmt.Errorf("trusted public key %d: %w", i+1, err)
		}
		tm.keys = append(tm.keys, trustedKey{pub: pub, hint: hint})
	}
	for i, c := range t.CertificateRoots {
		if c == nil {
			return nil, fmt.Errorf("certificate root %d is nil", i+1)
		}
	}
	if len(t.TrustedRootJSON) > 0 {
		tr, err := parseTrustedRoot(t.TrustedRootJSON)
		if err != nil {
			return nil, err
		}
		tm.trustedRoot = tr
	}
	for _, id := range t.Identities {
		if id.Identity == "" || id.Issuer == "" {
			return nil, fmt.Errorf("identity %q with issuer %q: both must be given", id.Identity, id.Issuer)
		}
		ci, err := verify.NewShortCertificateIdentity(id.Issuer, "", id.Identity, "")
		if err != nil {
			return nil, fmt.Errorf("identity %q: %w", id.Identity, err)
		}
		tm.identities = append(tm.identities, ci)
	}
	return tm, nil
}

// parsePublicKey parses the first PEM "PUBLIC KEY" block in data, skipping
// any text before it.
func parsePublicKey(data []byte) (crypto.PublicKey, error) {
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, errors.New("no PEM PUBLIC KEY block")
		}
		if b.Type == "PUBLIC KEY" {
			return x509.ParsePKIXPublicKey(b.Bytes)
		}
	}
}

// keyHint returns the key identifier model signatures carry for pub: the
// hex SHA-256 of its PEM-encoded SubjectPublicKeyInfo, exactly as the
// reference implementation computes it.
func keyHint(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	return hex.EncodeToString(sum[:]), nil
}

// parseCertificates parses every PEM CERTIFICATE block in data.
func parseCertificates(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM CERTIFICATE block")
	}
	return out, nil
}

// trustConfigMediaType prefixes the media type of a Sigstore client trust
// config, which holds a trusted root under "trustedRoot".
const trustConfigMediaType = "application/vnd.dev.sigstore.clienttrustconfig"

// parseTrustedRoot parses a Sigstore trusted_root.json, or the trusted
// root inside a client trust config (the --trust-config format of the
// reference implementation).
func parseTrustedRoot(data []byte) (*root.TrustedRoot, error) {
	if err := jsonscan.CheckDepth(data); err != nil {
		return nil, fmt.Errorf("trusted root: %w", err)
	}
	var probe struct {
		MediaType   string          `json:"mediaType"`
		TrustedRoot json.RawMessage `json:"trustedRoot"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("trusted root: %w", err)
	}
	if strings.HasPrefix(probe.MediaType, trustConfigMediaType) || (probe.MediaType == "" && len(probe.TrustedRoot) > 0) {
		if len(bytes.TrimSpace(probe.TrustedRoot)) == 0 || string(probe.TrustedRoot) == "null" {
			return nil, errors.New("trusted root: client trust config holds no trustedRoot")
		}
		data = probe.TrustedRoot
	}
	tr, err := root.NewTrustedRootFromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("trusted root: %w", err)
	}
	return tr, nil
}

// curveHash is the hash model signatures pair with an ECDSA curve.
func curveHash(pub crypto.PublicKey) (crypto.Hash, error) {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return 0, fmt.Errorf("%T is not an ECDSA key", pub)
	}
	switch k.Curve.Params().BitSize {
	case 256:
		return crypto.SHA256, nil
	case 384:
		return crypto.SHA384, nil
	case 521:
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("unsupported curve %s", k.Curve.Params().Name)
}
