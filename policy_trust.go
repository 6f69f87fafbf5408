package modelvet

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/integrity"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
	"github.com/modelvet/modelvet/internal/yamlnode"
)

// SignaturePolicy says whether model signatures are required and whom the
// buyer trusts to sign. Files are named relative to the policy file and
// read when the policy is parsed.
type SignaturePolicy struct {
	// Required makes signature.missing fail the audit; a signature found
	// but not checked (the files were not hashed) counts as missing.
	Required bool `yaml:"required"`
	// Identities are the signer identities (with their OIDC issuers)
	// accepted for keyless Sigstore signatures.
	Identities []integrity.Identity `yaml:"identities,omitempty"`
	// Keys are PEM files of public keys trusted to sign.
	Keys []string `yaml:"keys,omitempty"`
	// CertificateRoots are PEM files of CA certificates trusted to anchor
	// signing certificates.
	CertificateRoots []string `yaml:"certificate_roots,omitempty"`
	// TrustedRoot is a Sigstore trusted_root.json for verifying keyless
	// signatures offline.
	TrustedRoot string `yaml:"trusted_root,omitempty"`

	loaded      bool
	keys        [][]byte
	roots       []*x509.Certificate
	trustedRoot []byte
}

func (s SignaturePolicy) clone() SignaturePolicy {
	s.Identities = slices.Clone(s.Identities)
	s.Keys = slices.Clone(s.Keys)
	s.CertificateRoots = slices.Clone(s.CertificateRoots)
	s.keys = slices.Clone(s.keys)
	s.roots = slices.Clone(s.roots)
	return s
}

func (s *SignaturePolicy) merge(f *SignaturePolicy, n *yamlnode.Node) {
	if n == nil {
		return
	}
	has := func(k string) bool { return n.Get(k) != nil }
	if has("required") {
		s.Required = f.Required
	}
	if has("identities") {
		s.Identities = slices.Clone(f.Identities)
	}
	if has("keys") {
		s.Keys = slices.Clone(f.Keys)
	}
	if has("certificate_roots") {
		s.CertificateRoots = slices.Clone(f.CertificateRoots)
	}
	if has("trusted_root") {
		s.TrustedRoot = f.TrustedRoot
	}
	s.loaded = false
}

func (s *SignaturePolicy) check(root *yamlnode.Node) *PolicyError {
	for i, id := range s.Identities {
		if strings.TrimSpace(id.Identity) == "" || strings.TrimSpace(id.Issuer) == "" {
			return &PolicyError{Line: itemLine(root, i, "signatures", "identities"), Msg: fmt.Sprintf("signatures.identities[%d] needs both an identity and an issuer", i)}
		}
	}
	if s.TrustedRoot != "" && len(s.Identities) == 0 {
		return &PolicyError{Line: lineOf(root, "signatures", "trusted_root"), Msg: "signatures.trusted_root is set but no identities are: a Sigstore trusted root alone would accept any signer"}
	}
	if s.Required && len(s.Keys) == 0 && len(s.CertificateRoots) == 0 && len(s.Identities) == 0 {
		return &PolicyError{Line: lineOf(root, "signatures", "required"), Msg: "signatures.required is true but nobody is trusted to sign: list keys, certificate_roots or identities"}
	}
	for i, k := range s.Keys {
		if strings.TrimSpace(k) == "" {
			return &PolicyError{Line: itemLine(root, i, "signatures", "keys"), Msg: fmt.Sprintf("signatures.keys[%d] is empty", i)}
		}
	}
	for i, k := range s.CertificateRoots {
		if strings.TrimSpace(k) == "" {
			return &PolicyError{Line: itemLine(root, i, "signatures", "certificate_roots"), Msg: fmt.Sprintf("signatures.certificate_roots[%d] is empty", i)}
		}
	}
	return nil
}

// load reads the key, certificate and trusted-root files the policy names,
// relative to the directory of the policy file policyPath ("" for the
// working directory), and checks that each holds what it should.
func (s *SignaturePolicy) load(policyPath string, n *yamlnode.Node) *PolicyError {
	dir := ""
	if policyPath != "" {
		dir = filepath.Dir(policyPath)
	}
	resolve := func(p string) string {
		if filepath.IsAbs(p) || dir == "" {
			return p
		}
		return filepath.Join(dir, p)
	}
	s.keys, s.roots, s.trustedRoot = nil, nil, nil
	for i, k := range s.Keys {
		line := itemLine(n, i, "keys")
		data, err := safeio.ReadFile(resolve(k), limits.MaxPolicyBytes)
		if err != nil {
			return &PolicyError{Line: line, Msg: fmt.Sprintf("signatures.keys: %v", err), Err: err}
		}
		if err := checkPublicKeyPEM(data); err != nil {
			return &PolicyError{Line: line, Msg: fmt.Sprintf("signatures.keys: %s: %v", k, err)}
		}
		s.keys = append(s.keys, data)
	}
	for i, c := range s.CertificateRoots {
		line := itemLine(n, i, "certificate_roots")
		data, err := safeio.ReadFile(resolve(c), limits.MaxPolicyBytes)
		if err != nil {
			return &PolicyError{Line: line, Msg: fmt.Sprintf("signatures.certificate_roots: %v", err), Err: err}
		}
		certs, err := parseCertificatesPEM(data)
		if err != nil {
			return &PolicyError{Line: line, Msg: fmt.Sprintf("signatures.certificate_roots: %s: %v", c, err)}
		}
		s.roots = append(s.roots, certs...)
	}
	if s.TrustedRoot != "" {
		line := lineOf(n, "trusted_root")
		data, err := safeio.ReadFile(resolve(s.TrustedRoot), limits.MaxSignatureBytes)
		if err != nil {
			return &PolicyError{Line: line, Msg: fmt.Sprintf("signatures.trusted_root: %v", err), Err: err}
		}
		if !json.Valid(data) {
			return &PolicyError{Line: line, Msg: fmt.Sprintf("signatures.trusted_root: %s is not JSON", s.TrustedRoot)}
		}
		s.trustedRoot = data
	}
	s.loaded = true
	return nil
}

// checkPublicKeyPEM checks that data holds at least one PEM public key and
// nothing else but whitespace.
func checkPublicKeyPEM(data []byte) error {
	n := 0
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			if strings.TrimSpace(string(rest)) != "" {
				return fmt.Errorf("holds data that is not PEM")
			}
			break
		}
		if _, err := x509.ParsePKIXPublicKey(b.Bytes); err != nil {
			return fmt.Errorf("PEM block %d (%s) is not a public key: %v", n+1, b.Type, err)
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("holds no PEM public key")
	}
	return nil
}

// parseCertificatesPEM parses every CERTIFICATE block of data.
func parseCertificatesPEM(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("holds a %s block, not a CERTIFICATE", b.Type)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("holds no PEM certificate")
	}
	return out, nil
}

// Trust returns what the policy trusts to sign models, as the signature
// verifier takes it. The auditor merges it with WithTrust.
func (p *Policy) Trust() integrity.Trust {
	s := &p.Signatures
	t := integrity.Trust{
		CertificateRoots: slices.Clone(s.roots),
		Identities:       slices.Clone(s.Identities),
	}
	for _, k := range s.keys {
		t.PublicKeys = append(t.PublicKeys, slices.Clone(k))
	}
	if s.trustedRoot != nil {
		t.TrustedRootJSON = slices.Clone(s.trustedRoot)
	}
	return t
}

// mergeTrust combines trust material: keys, roots and identities are
// added together; a later trusted root replaces an earlier one.
func mergeTrust(ts ...integrity.Trust) integrity.Trust {
	var out integrity.Trust
	for _, t := range ts {
		out.PublicKeys = append(out.PublicKeys, t.PublicKeys...)
		out.CertificateRoots = append(out.CertificateRoots, t.CertificateRoots...)
		out.Identities = append(out.Identities, t.Identities...)
		if t.TrustedRootJSON != nil {
			out.TrustedRootJSON = t.TrustedRootJSON
		}
	}
	return out
}

// trustEmpty reports whether t trusts nobody.
func trustEmpty(t integrity.Trust) bool {
	return len(t.PublicKeys) == 0 && len(t.CertificateRoots) == 0 && len(t.Identities) == 0 && t.TrustedRootJSON == nil
}
