package integrity

import (
	"cmp"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"unicode/utf8"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
)

// DefaultShardSize is the shard size of the shards serialisation unless
// told otherwise, as in the reference implementation (decimal gigabyte).
const DefaultShardSize = 1_000_000_000

// maxShardSize bounds SignOptions.ShardSize.
const maxShardSize = 1 << 50

// Signer holds the key a model signature is made with and says which
// signing method to use: a plain key (the default), a certificate chain
// to a private CA, or Sigstore keyless.
type Signer struct {
	// Key signs: an ECDSA P-256, P-384 or P-521 private key (the reference
	// verifier accepts no other). The signature hashes with the curve's
	// hash: SHA-256, SHA-384, SHA-512.
	Key crypto.Signer
	// Certificates, when set, makes a certificate-method signature: DER
	// certificates, the one for Key first, then any intermediates (not
	// the root).
	Certificates [][]byte
	// Keyless, when set, makes a Sigstore keyless signature.
	Keyless *Keyless
}

// Keyless is how a Sigstore keyless signature is obtained: a certificate
// authority (Fulcio) that certifies Key for an identity, transparency logs
// (Rekor) that record the signature, and optional timestamp authorities.
type Keyless struct {
	CertificateProvider        sign.CertificateProvider
	CertificateProviderOptions *sign.CertificateProviderOptions
	TransparencyLogs           []sign.Transparency
	TimestampAuthorities       []*sign.TimestampAuthority
}

// SignOptions configures Sign.
type SignOptions struct {
	// Method is MethodFiles (the default) or MethodShards.
	Method string
	// HashType is SHA256 (the default), BLAKE2b or BLAKE3. BLAKE3 always
	// uses the files method, as in the reference implementation.
	HashType string
	// ShardSize is the shard size of the shards method; 0 means
	// DefaultShardSize.
	ShardSize int64
	// AllowSymlinks follows symbolic links to files inside the model
	// (they are an error otherwise).
	AllowSymlinks bool
	// IgnorePaths are left out of the signature, relative to the model
	// (or absolute inside it), in addition to the git files at its root
	// (.git, .gitattributes, .github, .gitignore) and the signature file.
	// All are recorded in the signature.
	IgnorePaths []string
	// Output is where the bundle is written: by default model.sig in a
	// model directory; required for a single-file model.
	Output string
	// Hash tunes hashing.
	Hash HashOptions
}

// withDefaults returns o with its zero fields set to their defaults (and
// the files method for BLAKE3, as the reference implementation does), or
// an error for a field out of range.
func (o SignOptions) withDefaults() (SignOptions, error) {
	o.Method = cmp.Or(o.Method, MethodFiles)
	o.HashType = cmp.Or(o.HashType, SHA256)
	switch o.HashType {
	case SHA256, BLAKE2b:
	case BLAKE3:
		o.Method = MethodFiles
	default:
		return o, fmt.Errorf("sign: unsupported hash %q (want sha256, blake2b or blake3)", o.HashType)
	}
	switch o.Method {
	case MethodFiles:
		o.ShardSize = 0
	case MethodShards:
		if o.ShardSize == 0 {
			o.ShardSize = DefaultShardSize
		}
		if o.ShardSize < 0 || o.ShardSize > maxShardSize {
			return o, fmt.Errorf("sign: shard size %d outside [1, %d]", o.ShardSize, int64(maxShardSize))
		}
	default:
		return o, fmt.Errorf("sign: unknown method %q (want files or shards)", o.Method)
	}
	var err error
	o.Hash, err = o.Hash.withDefaults()
	return o, err
}

// Sign signs the model at modelPath (a directory, or a single file) as
// the OpenSSF model-signing reference implementation does, writes the
// bundle to opts.Output and returns it: a v0.3 Sigstore bundle holding a
// DSSE envelope over an in-toto statement with the v1.0 predicate, the
// resources in the reference's order (so the subject digest is the one it
// computes), the key hint of model_signing 1.1, and the ignored paths
// recorded. The reference verifier accepts what Sign writes.
func Sign(ctx context.Context, modelPath string, s Signer, opts SignOptions) ([]byte, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	kp, err := newKeypair(s.Key)
	if err != nil {
		return nil, err
	}
	if err := checkSigner(s, kp); err != nil {
		return nil, err
	}
	model, err := filepath.Abs(modelPath)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(model)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	out := o.Output
	if out == "" {
		if !fi.IsDir() {
			return nil, errors.New("sign: a single-file model needs SignOptions.Output")
		}
		out = filepath.Join(model, DefaultSignatureName)
	}
	if out, err = filepath.Abs(out); err != nil {
		return nil, err
	}
	var ign ignoreSet
	var recorded []string
	if fi.IsDir() {
		for _, p := range defaultIgnorePaths {
			ign.add(p, ignoreDefault)
		}
		if r, err := filepath.Rel(model, out); err == nil && safeio.Within(out, model) {
			ign.add(r, ignoreSignature)
		}
		for _, p := range o.IgnorePaths {
			if filepath.IsAbs(p) {
				r, err := filepath.Rel(model, p)
				if err != nil || !safeio.Within(p, model) {
					return nil, fmt.Errorf("sign: ignore path %s is outside the model", p)
				}
				p = r
			}
			if !ign.add(p, ignoreVerifier) {
				return nil, fmt.Errorf("sign: ignore path %s is outside the model", p)
			}
		}
		recorded = ign.paths()
	}
	allowed := model
	if !fi.IsDir() {
		allowed = filepath.Dir(model)
	}
	ser := Serialization{Method: o.Method, HashType: o.HashType, AllowSymlinks: o.AllowSymlinks, ShardSize: o.ShardSize, IgnorePaths: recorded}
	payload, err := buildStatement(ctx, model, allowed, ign, ser, o.Hash)
	if err != nil {
		return nil, err
	}
	data, err := signPayload(ctx, payload, kp, s)
	if err != nil {
		return nil, err
	}
	if err := writeAtomic(out, data); err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return data, nil
}

// signPayload wraps a statement in a DSSE envelope signed by kp and
// returns the Sigstore bundle as JSON.
func signPayload(ctx context.Context, payload []byte, kp *keypair, s Signer) ([]byte, error) {
	bopts := sign.BundleOptions{Context: ctx}
	if err := checkSigner(s, kp); err != nil {
		return nil, err
	}
	switch {
	case s.Keyless != nil:
		bopts.CertificateProvider = s.Keyless.CertificateProvider
		bopts.CertificateProviderOptions = s.Keyless.CertificateProviderOptions
		bopts.TransparencyLogs = s.Keyless.TransparencyLogs
		bopts.TimestampAuthorities = s.Keyless.TimestampAuthorities
	case len(s.Certificates) > 0:
		bopts.CertificateChainProvider = staticChain(s.Certificates)
	}
	pb, err := sign.Bundle(&sign.DSSEData{Data: payload, PayloadType: InTotoPayloadType}, kp, bopts)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	data, err := protojson.Marshal(pb)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return data, nil
}

// checkSigner checks that the signer's parts fit together.
func checkSigner(s Signer, kp *keypair) error {
	switch {
	case s.Keyless != nil && len(s.Certificates) > 0:
		return errors.New("sign: give either certificates or keyless, not both")
	case s.Keyless != nil && s.Keyless.CertificateProvider == nil:
		return errors.New("sign: keyless signing needs a certificate provider")
	case len(s.Certificates) > limits.MaxCertificateChain:
		return fmt.Errorf("sign: %d certificates, over the limit of %d", len(s.Certificates), limits.MaxCertificateChain)
	case len(s.Certificates) > 0:
		leaf, err := x509.ParseCertificate(s.Certificates[0])
		if err != nil {
			return fmt.Errorf("sign: certificate: %w", err)
		}
		if !publicKeysEqual(leaf.PublicKey, kp.pub) {
			return errors.New("sign: the first certificate is not for the signing key")
		}
	}
	return nil
}

// buildStatement lists, hashes and describes the model as a v1.0 payload.
func buildStatement(ctx context.Context, model, allowed string, ign ignoreSet, ser Serialization, hopts HashOptions) ([]byte, error) {
	rs, err := buildResources(ctx, model, allowed, ign, ser, hopts)
	if err != nil {
		return nil, err
	}
	return statementJSON(filepath.Base(model), rootDigest(rs), ser, rs), nil
}

// buildResources lists and hashes the model into its signed resources, in
// the reference implementation's order.
func buildResources(ctx context.Context, model, allowed string, ign ignoreSet, ser Serialization, hopts HashOptions) ([]Resource, error) {
	files, err := listModel(ctx, model, allowed, ign)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	var reqs []HashRequest
	for _, f := range files {
		if f.Ignored != nil {
			continue
		}
		if f.Problem != "" {
			return nil, fmt.Errorf("sign: %s is %s", f.Path, f.Problem)
		}
		if f.Symlink && !ser.AllowSymlinks {
			return nil, fmt.Errorf("sign: %s is a symbolic link (set AllowSymlinks to follow it)", f.Path)
		}
		if !utf8.ValidString(f.Path) {
			return nil, fmt.Errorf("sign: %q is not a UTF-8 path", f.Path)
		}
		r := HashRequest{Path: f.Path, LocalPath: f.LocalPath}
		if ser.Method == MethodShards {
			if f.Size == 0 {
				continue // an empty file has no shards
			}
			r.ShardSize, r.ShardAlgorithm = ser.ShardSize, ser.HashType
		} else {
			r.Algorithms = []string{ser.HashType}
		}
		reqs = append(reqs, r)
	}
	if len(reqs) > limits.MaxSignatureResources {
		return nil, fmt.Errorf("sign: %d files, over the limit of %d resources", len(reqs), limits.MaxSignatureResources)
	}
	results, err := Hash(ctx, reqs, hopts)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	label := ser.resourceAlgorithm()
	var rs []Resource
	for _, r := range results {
		if r.Err != nil {
			return nil, fmt.Errorf("sign: %w", r.Err)
		}
		if ser.Method == MethodShards {
			for _, sh := range r.Shards {
				rs = append(rs, Resource{Name: shardName(r.Path, sh.Start, sh.End), Path: r.Path, Sharded: true, Start: sh.Start, End: sh.End, Algorithm: label, Digest: sh.Digest})
			}
			continue
		}
		rs = append(rs, Resource{Name: r.Path, Path: r.Path, Algorithm: label, Digest: r.Digests[ser.HashType]})
	}
	if len(rs) > limits.MaxSignatureResources {
		return nil, fmt.Errorf("sign: %d resources, over the limit of %d", len(rs), limits.MaxSignatureResources)
	}
	slices.SortFunc(rs, compareResources)
	return rs, nil
}

// keypair adapts an ECDSA private key to sigstore-go's signer, with the
// key hint the reference implementation writes.
type keypair struct {
	key     crypto.Signer
	pub     *ecdsa.PublicKey
	hint    string
	hash    crypto.Hash
	pem     string
	details protocommon.PublicKeyDetails
	hashAlg protocommon.HashAlgorithm
}

func newKeypair(k crypto.Signer) (*keypair, error) {
	if k == nil {
		return nil, errors.New("sign: no key")
	}
	pub, ok := k.Public().(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("sign: %T is not an ECDSA key", k.Public())
	}
	h, err := curveHash(pub)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	hint, err := keyHint(pub)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	kp := &keypair{key: k, pub: pub, hint: hint, hash: h, pem: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))}
	switch h {
	case crypto.SHA256:
		kp.details, kp.hashAlg = protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256, protocommon.HashAlgorithm_SHA2_256
	case crypto.SHA384:
		kp.details, kp.hashAlg = protocommon.PublicKeyDetails_PKIX_ECDSA_P384_SHA_384, protocommon.HashAlgorithm_SHA2_384
	default:
		kp.details, kp.hashAlg = protocommon.PublicKeyDetails_PKIX_ECDSA_P521_SHA_512, protocommon.HashAlgorithm_SHA2_512
	}
	return kp, nil
}

func (k *keypair) GetHashAlgorithm() protocommon.HashAlgorithm       { return k.hashAlg }
func (k *keypair) GetSigningAlgorithm() protocommon.PublicKeyDetails { return k.details }
func (k *keypair) GetHint() []byte                                   { return []byte(k.hint) }
func (k *keypair) GetKeyAlgorithm() string                           { return "ECDSA" }
func (k *keypair) GetPublicKey() crypto.PublicKey                    { return k.pub }
func (k *keypair) GetPublicKeyPem() (string, error)                  { return k.pem, nil }

// SignData signs data (the DSSE encoding) and returns the ASN.1 signature
// and the digest signed.
func (k *keypair) SignData(_ context.Context, data []byte) ([]byte, []byte, error) {
	h := k.hash.New()
	h.Write(data)
	digest := h.Sum(nil)
	sig, err := k.key.Sign(rand.Reader, digest, k.hash)
	if err != nil {
		return nil, nil, err
	}
	return sig, digest, nil
}

// staticChain provides a fixed certificate chain.
type staticChain [][]byte

func (c staticChain) GetCertificateChain(context.Context, sign.Keypair, *sign.CertificateProviderOptions) ([][]byte, error) {
	return c, nil
}

func publicKeysEqual(a crypto.PublicKey, b *ecdsa.PublicKey) bool {
	k, ok := a.(*ecdsa.PublicKey)
	return ok && k.Equal(b)
}

// writeAtomic writes data to path through a temporary file in the same
// directory.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
