// Package integrity establishes whether a release's bytes are the ones
// published and signed: file hashes against every published digest, and
// OpenSSF model signatures (Sigstore bundles) against the signers a
// [Trust] accepts.
//
// It returns facts and findings (integrity.* and signature.*) without
// severities; the root package modelvet applies policy. It knows nothing
// of licences, lineage or the knowledge base.
//
// # Verifying
//
// [Verify] hashes a [manifest.Release] once and compares every file with
// every source of expected digests: the digests and sizes a Hugging Face
// cache, an Ollama store, an OCI manifest or a Hub listing publish
// (manifest.File.Expected), the safetensors index's map of tensors to
// shards, and the OpenSSF model signature (model.sig), verified against a
// [Trust]. Every bad file is reported, as integrity.mismatch,
// integrity.missing or integrity.unlisted with the expected and computed
// values as evidence; integrity.unverified says that nothing vouches for
// the bytes. [VerifyFiles] uses the published digests and the index only,
// [VerifySignature] the signature only. [VerifyOptions] says whether a
// signature is required, and whether only a verified one will do.
//
// # Hashing
//
// [Hash] is the engine: fixed-size buffers, many files (and, for sharded
// signatures, many pieces of one file) at once, cancellation through the
// context, a [Progress] callback, and detection of files that change while
// read. Memory stays bounded whatever the file sizes.
//
// # Signatures
//
// Signatures are verified as the reference implementation (the
// model_signing Python package) does, for its three methods — Sigstore
// keyless against a trusted root, offline, with a required identity and
// OIDC issuer (sigstore-go); a public key (ECDSA P-256, P-384, P-521,
// matched by its hint); a certificate chain to given roots — and its older
// formats (the Digests/v0.1 predicate and its "DSSEV1" encoding, legacy
// rawBytes key material, signatures without recorded ignore paths). A bad
// signature is signature.invalid, a good one by a signer not trusted is
// signature.untrusted, an absent one signature.missing; the
// [SignatureResult] lists every check made. [ParseBundle] and
// [ParsePayload] read a signature without verifying it.
//
// [Sign] writes signatures the reference verifier accepts, with a key, a
// certificate chain, or Sigstore keyless.
//
// # Usage
//
//	trust, err := integrity.LoadTrust(integrity.TrustFiles{PublicKeys: []string{"signer.pub"}})
//	rel, err := manifest.Dir("path/to/model").Open(ctx)
//	res, err := integrity.Verify(ctx, rel, integrity.VerifyOptions{Trust: trust, RequireSignature: true})
//	for _, f := range res.Findings { … }
//
// # Limitations
//
// Verification is offline: a keyless signature needs a trusted_root.json
// recent enough to hold the keys of the log and authorities that made it,
// and revocation is not checked. The certificate method, as in the
// reference, judges the chain at the leaf's notBefore, so it does not
// notice a certificate that expired or was revoked before signing.
// Signatures in the proposed claims.jsonl format are not read. A remote
// Hub release's weights are not hashed (their bytes are not downloaded):
// its signature is checked against the files the audit downloaded and the
// LFS digests the Hub publishes.
package integrity
