package integrity

import (
	"errors"
	"fmt"
	"strings"
	"time"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
	"google.golang.org/protobuf/encoding/protojson"
)

// verifyKeyBundle checks a key-method signature: the key hint against the
// trusted keys, then the DSSE signature with the matching key (through
// sigstore-go, falling back to the model_signing 0.2 encoding).
func verifyKeyBundle(b *Bundle, st *SignedStatement, tm *trustMaterial, sr *SignatureResult) (outcome, string) {
	embeddedHint := ""
	if b.LegacyKey != nil {
		embeddedHint, _ = keyHint(b.LegacyKey)
	}
	sr.KeyHint = b.KeyHint
	if sr.KeyHint == "" {
		sr.KeyHint = embeddedHint
	}
	var candidates []trustedKey
	switch {
	case b.KeyHint != "":
		for _, k := range tm.keys {
			if k.hint == b.KeyHint {
				candidates = append(candidates, k)
			}
		}
		if len(candidates) == 0 {
			if len(tm.keys) == 0 {
				sr.check("key", false, "hint %s; no public key is trusted", b.KeyHint)
				return sigUntrusted, fmt.Sprintf("signed by the key with hint %s, but no public key is trusted", b.KeyHint)
			}
			sr.check("key", false, "hint %s is not the hint of a trusted key (trusted: %s)", b.KeyHint, trustedHints(tm))
			return sigUntrusted, fmt.Sprintf("signed by the key with hint %s, which is not a trusted key", b.KeyHint)
		}
		sr.check("key", true, "hint %s matches a trusted key", b.KeyHint)
	default:
		candidates = tm.keys
		note := "no hint in the bundle (written before model_signing 1.1); every trusted key is tried"
		if embeddedHint != "" {
			note += fmt.Sprintf("; the embedded key, not itself trusted, has hint %s", embeddedHint)
		}
		sr.check("key", len(candidates) > 0, "%s", note)
	}
	for _, k := range candidates {
		if how, ok := verifyWithKey(b, st, k); ok {
			sr.KeyHint = k.hint
			sr.check("signature", true, "%s with trusted key %s", how, k.hint)
			return sigValid, ""
		}
	}
	if b.KeyHint != "" {
		sr.check("signature", false, "does not verify with the trusted key %s over the DSSE encoding or the model_signing 0.2 one", b.KeyHint)
		return sigInvalid, "the signature does not verify with the trusted key it names"
	}
	if b.LegacyKey != nil {
		if how, ok := verifyWithKey(b, st, trustedKey{pub: b.LegacyKey, hint: embeddedHint}); ok {
			sr.check("signature", false, "%s with the embedded key %s, which is not trusted", how, embeddedHint)
			return sigUntrusted, fmt.Sprintf("validly signed by the embedded key with hint %s, which is not a trusted key", embeddedHint)
		}
	}
	if len(tm.keys) == 0 {
		sr.check("signature", false, "no public key is trusted, and the bundle carries no key that verifies it")
		return sigUntrusted, "no public key is trusted to verify this key-method signature"
	}
	sr.check("signature", false, "does not verify with any of the %d trusted keys", len(tm.keys))
	return sigInvalid, "the signature does not verify with any trusted key"
}

func trustedHints(tm *trustMaterial) string {
	var hs []string
	for _, k := range tm.keys {
		hs = append(hs, k.hint)
	}
	return strings.Join(hs, ", ")
}

// verifyWithKey checks the DSSE signature with one key: through
// sigstore-go (standard encoding, curve hash), else the model_signing 0.2
// encoding with the curve hash, as the reference key verifier does.
func verifyWithKey(b *Bundle, st *SignedStatement, k trustedKey) (string, bool) {
	if err := sigstoreKeyVerify(b, st, k); err == nil {
		return "DSSE signature verified by sigstore-go", true
	}
	if h, err := curveHash(k.pub); err == nil && verifyECDSA(k.pub, h, compatPAE(b.PayloadType, b.Payload), b.Signature) {
		return "ECDSA " + hashName(h) + " signature over the model_signing 0.2 encoding (\"DSSEV1\")", true
	}
	return "", false
}

// sigstoreKeyVerify verifies a key-method bundle with sigstore-go, the
// statement's subject bound as the artifact digest.
func sigstoreKeyVerify(b *Bundle, st *SignedStatement, k trustedKey) error {
	data, err := b.normalizedJSON(k.hint)
	if err != nil {
		return err
	}
	sb, err := loadSigstoreBundle(data)
	if err != nil {
		return err
	}
	sv, err := signature.LoadDefaultVerifier(k.pub)
	if err != nil {
		return err
	}
	tm := root.NewTrustedPublicKeyMaterial(func(hint string) (root.TimeConstrainedVerifier, error) {
		if hint != k.hint {
			return nil, errors.New("unknown key hint")
		}
		return root.NewExpiringKey(sv, zeroTime, zeroTime), nil
	})
	ver, err := verify.NewVerifier(tm, verify.WithNoObserverTimestamps(), verify.WithoutStatementPredicate())
	if err != nil {
		return err
	}
	_, err = ver.Verify(sb, verify.NewPolicy(artifactPolicy(st), verify.WithKey()))
	return err
}

// artifactPolicy binds the statement's subject: the root digest of a v1.0
// statement. The older predicate has one subject per file and no root;
// its files are checked one by one afterwards.
func artifactPolicy(st *SignedStatement) verify.ArtifactPolicyOption {
	if st.legacy() || st.SubjectDigest == nil {
		return verify.WithoutArtifactUnsafe()
	}
	return verify.WithArtifactDigest("sha256", st.SubjectDigest)
}

// loadSigstoreBundle reads bundle JSON with sigstore-go, allowing a
// certificate chain in v0.3 bundles.
func loadSigstoreBundle(data []byte) (*bundle.Bundle, error) {
	var pb protobundle.Bundle
	if err := protojson.Unmarshal(data, &pb); err != nil {
		return nil, err
	}
	return bundle.NewBundle(&pb, bundle.AllowCertificateChain())
}

// zeroTime leaves a trusted key without validity bounds.
var zeroTime time.Time
