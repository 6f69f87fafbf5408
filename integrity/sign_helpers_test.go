package integrity

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"

	"github.com/modelvet/modelvet/manifest"
)

// bundleMediaTypeV03 is the media type of the bundles model signatures
// use, and Sign writes.
const bundleMediaTypeV03 = "application/vnd.dev.sigstore.bundle.v0.3+json"

// writeModel creates a model directory holding files (path → content).
func writeModel(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "model")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// openRelease reads a model directory or file with the manifest package.
func openRelease(t testing.TB, path string) *manifest.Release {
	t.Helper()
	src, err := manifest.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := src.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

func newKey(t testing.TB, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func publicPEM(t testing.TB, pub crypto.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func keyTrust(t testing.TB, keys ...*ecdsa.PrivateKey) Trust {
	var tr Trust
	for _, k := range keys {
		tr.PublicKeys = append(tr.PublicKeys, publicPEM(t, k.Public()))
	}
	return tr
}

// testCA is a private certificate authority: a root, an intermediate and
// leaves for signing.
type testCA struct {
	root, inter       *x509.Certificate
	rootKey, interKey *ecdsa.PrivateKey
}

func newTestCA(t testing.TB) *testCA {
	t.Helper()
	c := &testCA{rootKey: newKey(t, elliptic.P256()), interKey: newKey(t, elliptic.P256())}
	now := time.Now()
	c.root = makeCert(t, &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test root"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}, nil, c.rootKey.Public(), c.rootKey)
	c.inter = makeCert(t, &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "test intermediate"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}, c.root, c.interKey.Public(), c.rootKey)
	return c
}

// leaf certifies key for signing, valid from notBefore for a day.
func (c *testCA) leaf(t testing.TB, key *ecdsa.PrivateKey, notBefore time.Time, usage x509.KeyUsage, eku []x509.ExtKeyUsage) *x509.Certificate {
	return makeCert(t, &x509.Certificate{
		SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "model signer"},
		NotBefore: notBefore, NotAfter: notBefore.Add(24 * time.Hour),
		KeyUsage: usage, ExtKeyUsage: eku,
	}, c.inter, key.Public(), c.interKey)
}

func (c *testCA) signer(t testing.TB, key *ecdsa.PrivateKey) Signer {
	l := c.leaf(t, key, time.Now().Add(-time.Minute), x509.KeyUsageDigitalSignature, nil)
	return Signer{Key: key, Certificates: [][]byte{l.Raw, c.inter.Raw}}
}

func makeCert(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// virtualSigstore wraps sigstore-go's in-memory Sigstore (Fulcio, Rekor)
// so that Sign can write real keyless bundles offline.
type virtualSigstore struct {
	vs *ca.VirtualSigstore
}

func newVirtualSigstore(t testing.TB) *virtualSigstore {
	t.Helper()
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	return &virtualSigstore{vs: vs}
}

// trustedRootJSON is the virtual Sigstore's trusted_root.json (Fulcio CA
// and Rekor key; no CT log, as the virtual certificates carry no SCT).
func (v *virtualSigstore) trustedRootJSON(t testing.TB) []byte {
	t.Helper()
	logs := map[string]*root.TransparencyLog{}
	for _, l := range v.vs.RekorLogs() {
		raw, err := hex.DecodeString(string(l.ID))
		if err != nil {
			t.Fatal(err)
		}
		c := *l
		c.ID = raw
		logs[hex.EncodeToString(raw)] = &c
	}
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, v.vs.FulcioCertificateAuthorities(), nil, nil, logs)
	if err != nil {
		t.Fatal(err)
	}
	data, err := tr.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// signer returns a keyless signer for identity and issuer whose signature
// the virtual Rekor records at integratedTime.
func (v *virtualSigstore) signer(t testing.TB, identity, issuer string, integratedTime time.Time) Signer {
	t.Helper()
	leaf, priv, err := v.vs.GenerateLeafCert(identity, issuer)
	if err != nil {
		t.Fatal(err)
	}
	return Signer{Key: priv.(crypto.Signer), Keyless: &Keyless{
		CertificateProvider: fixedCertificate(leaf.Raw),
		TransparencyLogs:    []sign.Transparency{&virtualRekor{vs: v.vs, leaf: leaf, at: integratedTime}},
	}}
}

type fixedCertificate []byte

func (c fixedCertificate) GetCertificate(context.Context, sign.Keypair, *sign.CertificateProviderOptions) ([]byte, error) {
	return c, nil
}

// virtualRekor records a DSSE signature in the virtual log: a dsse entry
// with an inclusion promise and an inclusion proof.
type virtualRekor struct {
	vs   *ca.VirtualSigstore
	leaf *x509.Certificate
	at   time.Time
}

func (r *virtualRekor) GetTransparencyLogEntry(_ context.Context, _ []byte, b *protobundle.Bundle) error {
	env := b.GetDsseEnvelope()
	sig := env.GetSignatures()[0].GetSig()
	denv := &dsse.Envelope{
		PayloadType: env.GetPayloadType(),
		Payload:     base64.StdEncoding.EncodeToString(env.GetPayload()),
		Signatures:  []dsse.Signature{{Sig: base64.StdEncoding.EncodeToString(sig)}},
	}
	entry, err := r.vs.GenerateTlogEntry(r.leaf, denv, sig, r.at.Unix(), true)
	if err != nil {
		return err
	}
	tle := entry.TransparencyLogEntry()
	logID, err := r.vs.RekorLogID()
	if err != nil {
		return err
	}
	set, err := r.vs.RekorSignPayload(tlog.RekorPayload{
		Body:           base64.StdEncoding.EncodeToString(tle.GetCanonicalizedBody()),
		IntegratedTime: tle.GetIntegratedTime(),
		LogIndex:       tle.GetLogIndex(),
		LogID:          logID,
	})
	if err != nil {
		return err
	}
	tle.KindVersion = &protorekor.KindVersion{Kind: "dsse", Version: "0.0.1"}
	tle.InclusionPromise = &protorekor.InclusionPromise{SignedEntryTimestamp: set}
	b.VerificationMaterial.TlogEntries = append(b.VerificationMaterial.TlogEntries, tle)
	return nil
}
