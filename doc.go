// Package modelvet audits an AI model release before an organisation buys,
// deploys or allows it, and answers with evidence: what the model is, under
// which licence and terms, whether its bytes are the ones published and
// signed, where it came from, and whether a policy lets it be used.
//
// # Usage
//
// Audit a release with the default policy:
//
//	src, err := manifest.Parse("path/to/model")     // or "hf:org/name", "ollama:name:tag"
//	rep, err := modelvet.Audit(ctx, src)
//	fmt.Println(rep.Verdict)                         // pass, review or fail
//
// Or configure an Auditor once and use it for many releases, concurrently:
//
//	a, err := modelvet.New(modelvet.WithPolicy(p), modelvet.WithJurisdictions("us-federal", "us-tx"))
//	rep, err := a.Audit(ctx, src)
//	report.WriteJSON(os.Stdout, rep)
//
// The sub-packages may be used on their own: manifest reads a release,
// license identifies licences and their terms, integrity verifies hashes
// and signatures, provenance traces lineage and origin, kb holds the
// knowledge base.
//
// # Results
//
// A Report carries the verdict, the findings (each with a stable code, a
// severity, a confidence and evidence pointing into the release), the
// licences with their terms, the lineage with each ancestor's developer and
// country, the files with their format facts, and what was verified. Typed
// facts answer the usual questions of procurement tooling directly:
// Report.Origin (who made the weights), Report.Roots, Report.Government and
// Report.GovernmentBars (which instruments bar the model, and whether
// certainly), each lineage node's Base, Derivative and DeveloperID. The
// error returned by Audit means the release could not be audited at all;
// problems in the release are findings, never errors.
//
// A Policy is the buyer's: severities by code, confidence and subject,
// acceptable licences, jurisdictions, the countries and developers it
// denies anywhere in a model's lineage (provenance.denied-origin), and
// waivers for every model or for some (docs/POLICY.md).
//
// Data flows one way: source → manifest (declared facts) → license,
// integrity and provenance (derived and verified facts) → policy
// (severities, verdict) → report → encoders. Only this package applies
// policy.
//
// # Limitations
//
// Licence identification and terms, lineage, origins, restricted datasets
// and government policies come from an embedded knowledge base dated in
// every report; facts after that date are unknown unless overlaid with
// WithKnowledgeBase. Terms are summaries for triage, not legal advice.
// A model's card and metadata are declarations by whoever published it:
// modelvet reports them as declared, and only hashes and signatures are
// verified.
package modelvet
