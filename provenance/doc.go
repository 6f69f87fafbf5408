// Package provenance establishes whether a release's bytes are the ones
// published and signed, and where the model came from: file hashes against
// every published digest, OpenSSF model signatures (Sigstore bundles),
// lineage and the origin of each ancestor, training on restricted outputs,
// and government-device policies.
//
// It returns facts and findings without severities; the root package
// modelvet applies policy. A finding's message says its conclusion in a
// sentence or two; its evidence holds the rest: the places in the release
// that support it, the knowledge-base records it rests on (path
// "kb:<file>.yaml", field "<id>" or "<id>.<key>"), and facts derived from
// the lineage (no path; fields [EvidenceLineage], [EvidenceMatch], …).
package provenance
