package integrity

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/textsafe"
)

// Signing methods of model signatures, as the reference implementation
// names them.
const (
	SigningSigstore    = "sigstore"    // keyless: Fulcio certificate + Rekor entry
	SigningKey         = "key"         // a public key
	SigningCertificate = "certificate" // a certificate chain to a private CA
)

// bundleMediaTypePrefix starts the media type of every Sigstore bundle
// version.
const bundleMediaTypePrefix = "application/vnd.dev.sigstore.bundle"

// Bundle is a Sigstore bundle holding a model signature, as read from a
// model.sig file. Nothing in it is verified.
type Bundle struct {
	MediaType string
	// Method is SigningSigstore, SigningKey or SigningCertificate.
	Method string
	// PayloadType, Payload and Signature are the DSSE envelope's (which
	// must hold exactly one signature).
	PayloadType string
	Payload     []byte
	Signature   []byte
	// KeyHint is the key identifier of a key-method bundle ("" when
	// absent); LegacyKey is the PEM key older writers embedded instead
	// (publicKey.rawBytes), parsed when possible.
	KeyHint   string
	LegacyKey crypto.PublicKey
	// Certificates is the signing certificate followed by any chain the
	// bundle carries.
	Certificates []*x509.Certificate
	// TlogEntries counts transparency-log entries.
	TlogEntries int

	raw []byte
}

// BundleError reports a bundle that is malformed or not a model signature.
type BundleError struct {
	Field string
	Msg   string
	Err   error
}

func (e *BundleError) Error() string { return fieldError("signature bundle", e.Field, e.Msg, e.Err) }

// fieldError writes "what: field: msg: err", leaving out what is empty.
func fieldError(what, field, msg string, err error) string {
	s := what
	if field != "" {
		s += ": " + field
	}
	s += ": " + msg
	if err != nil {
		s += ": " + err.Error()
	}
	return s
}

func (e *BundleError) Unwrap() error { return e.Err }

func bundleErr(field, format string, args ...any) error {
	return &BundleError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// b64 is a base64 JSON string, accepted in every alphabet protobuf-JSON
// readers accept (standard or URL-safe, padded or not).
type b64 []byte

func (b *b64) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*b = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if d, err := enc.DecodeString(s); err == nil {
			*b = d
			return nil
		}
	}
	return fmt.Errorf("%q is not base64", textsafe.Truncate(s, 40))
}

type jsonCert struct {
	RawBytes b64 `json:"rawBytes"`
}

type jsonBundle struct {
	MediaType            string `json:"mediaType"`
	VerificationMaterial *struct {
		PublicKey *struct {
			Hint       *string `json:"hint"`
			RawBytes   b64     `json:"rawBytes"`
			KeyDetails string  `json:"keyDetails"`
		} `json:"publicKey"`
		X509CertificateChain *struct {
			Certificates []jsonCert `json:"certificates"`
		} `json:"x509CertificateChain"`
		Certificate *jsonCert         `json:"certificate"`
		TlogEntries []json.RawMessage `json:"tlogEntries"`
	} `json:"verificationMaterial"`
	DsseEnvelope *struct {
		Payload     b64    `json:"payload"`
		PayloadType string `json:"payloadType"`
		Signatures  []struct {
			Sig b64 `json:"sig"`
		} `json:"signatures"`
	} `json:"dsseEnvelope"`
	MessageSignature json.RawMessage `json:"messageSignature"`
}

// ParseBundle reads a model signature bundle (at most
// limits.MaxSignatureBytes) and says which signing method it uses. It
// accepts every layout the reference implementation has written: key
// material as a hint or as legacy rawBytes, keyid absent, empty or null,
// tlogEntries absent.
func ParseBundle(data []byte) (*Bundle, error) {
	if len(data) > limits.MaxSignatureBytes {
		return nil, bundleErr("", "%d bytes, over the %d-byte limit", len(data), limits.MaxSignatureBytes)
	}
	var jb jsonBundle
	if err := json.Unmarshal(data, &jb); err != nil {
		return nil, &BundleError{Msg: "malformed JSON", Err: err}
	}
	b := &Bundle{MediaType: jb.MediaType, raw: data}
	if !strings.HasPrefix(jb.MediaType, bundleMediaTypePrefix) {
		return nil, bundleErr("mediaType", "%q is not a Sigstore bundle", textsafe.Truncate(jb.MediaType, 80))
	}
	if len(jb.MessageSignature) > 0 && string(jb.MessageSignature) != "null" {
		return nil, bundleErr("messageSignature", "a message signature, not a DSSE envelope: not a model signature")
	}
	env := jb.DsseEnvelope
	if env == nil {
		return nil, bundleErr("dsseEnvelope", "missing")
	}
	if len(env.Signatures) != 1 {
		return nil, bundleErr("dsseEnvelope.signatures", "%d signatures, want exactly one", len(env.Signatures))
	}
	b.PayloadType, b.Payload, b.Signature = env.PayloadType, env.Payload, env.Signatures[0].Sig
	if len(b.Signature) == 0 {
		return nil, bundleErr("dsseEnvelope.signatures[0].sig", "empty")
	}
	vm := jb.VerificationMaterial
	if vm == nil {
		return nil, bundleErr("verificationMaterial", "missing")
	}
	b.TlogEntries = len(vm.TlogEntries)
	kinds := 0
	if vm.PublicKey != nil {
		kinds++
		b.Method = SigningKey
		if vm.PublicKey.Hint != nil {
			b.KeyHint = *vm.PublicKey.Hint
		}
		if len(vm.PublicKey.RawBytes) > 0 {
			// Older writers put the PEM text here; tolerate DER too.
			if pub, err := parsePublicKey(vm.PublicKey.RawBytes); err == nil {
				b.LegacyKey = pub
			} else if pub, err := x509.ParsePKIXPublicKey(vm.PublicKey.RawBytes); err == nil {
				b.LegacyKey = pub
			}
		}
	}
	var ders [][]byte
	if vm.X509CertificateChain != nil {
		kinds++
		for _, c := range vm.X509CertificateChain.Certificates {
			ders = append(ders, c.RawBytes)
		}
		if len(ders) == 0 {
			return nil, bundleErr("verificationMaterial.x509CertificateChain", "no certificates")
		}
	}
	if vm.Certificate != nil {
		kinds++
		ders = append(ders, vm.Certificate.RawBytes)
	}
	if kinds != 1 {
		return nil, bundleErr("verificationMaterial", "%d kinds of key material, want exactly one of publicKey, x509CertificateChain, certificate", kinds)
	}
	if len(ders) > limits.MaxCertificateChain {
		return nil, bundleErr("verificationMaterial", "%d certificates, over the limit of %d", len(ders), limits.MaxCertificateChain)
	}
	for i, der := range ders {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, &BundleError{Field: fmt.Sprintf("verificationMaterial certificate %d", i), Msg: "not a certificate", Err: err}
		}
		b.Certificates = append(b.Certificates, c)
	}
	if b.Method == "" {
		// A certificate with a transparency-log entry is Sigstore keyless;
		// a chain without one is the private-CA certificate method.
		b.Method = SigningCertificate
		if b.TlogEntries > 0 {
			b.Method = SigningSigstore
		}
	}
	return b, nil
}

// normalizedJSON returns the bundle as JSON that sigstore-go's strict
// reader accepts: a key-method bundle's publicKey is reduced to {hint}
// (older writers put rawBytes and keyDetails there, which the reference
// verifier also drops) and a missing tlogEntries becomes [].
func (b *Bundle) normalizedJSON(hint string) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b.raw, &top); err != nil {
		return nil, err
	}
	var vm map[string]json.RawMessage
	if err := json.Unmarshal(top["verificationMaterial"], &vm); err != nil {
		return nil, err
	}
	if b.Method == SigningKey {
		pk, err := json.Marshal(map[string]string{"hint": hint})
		if err != nil {
			return nil, err
		}
		vm["publicKey"] = pk
	}
	if t, ok := vm["tlogEntries"]; !ok || bytes.Equal(bytes.TrimSpace(t), []byte("null")) {
		vm["tlogEntries"] = json.RawMessage("[]")
	}
	var err error
	if top["verificationMaterial"], err = json.Marshal(vm); err != nil {
		return nil, err
	}
	// keyid: null is written by older releases; the strict reader wants a
	// string or nothing.
	var env map[string]json.RawMessage
	if err := json.Unmarshal(top["dsseEnvelope"], &env); err != nil {
		return nil, err
	}
	var sigs []map[string]json.RawMessage
	if err := json.Unmarshal(env["signatures"], &sigs); err != nil {
		return nil, err
	}
	for _, s := range sigs {
		if k, ok := s["keyid"]; ok && bytes.Equal(bytes.TrimSpace(k), []byte("null")) {
			delete(s, "keyid")
		}
	}
	if env["signatures"], err = json.Marshal(sigs); err != nil {
		return nil, err
	}
	if top["dsseEnvelope"], err = json.Marshal(env); err != nil {
		return nil, err
	}
	return json.Marshal(top)
}
