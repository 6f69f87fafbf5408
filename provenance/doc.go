// Package provenance establishes whether a release's bytes are the ones
// published and signed, and where the model came from: file hashes against
// every published digest, OpenSSF model signatures (Sigstore bundles),
// lineage and the origin of each ancestor, training on restricted outputs,
// and government-device policies.
//
// It returns facts and findings without severities; the root package
// modelvet applies policy.
package provenance
