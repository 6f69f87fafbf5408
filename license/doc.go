// Package license identifies the licences of a model release from every
// place they are declared, explains their terms from the knowledge base,
// and checks that the sources agree and that derivatives honour the
// licences of the models they came from.
//
// # What it owns
//
// Identification: Identify reads a manifest.Release (already parsed) and
// finds licences in
//   - the card's license field (a Hugging Face id, current or retired, or a
//     list of them), license_name and the legacy license_details, and
//     license_link (a URL, or a LICENSE file of the release);
//   - SPDX expressions, parsed with github.com/github/go-spdx (GGUF
//     general.license, an OCI artifact's ModelPack descriptor.licenses and
//     org.opencontainers.image.licenses annotation, SPDX ids anywhere),
//     LicenseRef- ids through the knowledge base's aliases;
//   - licence texts: LICENSE*, NOTICE and USE_POLICY files, Ollama licence
//     layers, the card's extra_gated_prompt and licence sections. Model
//     licences are matched by templates of distinctive title, version and
//     clause lines (templates/*.lre), each version apart; ordinary licences
//     by github.com/google/licensecheck;
//   - names and links alone, in any of those places.
//
// Every source is kept with its evidence (path, line, field, value, and for
// texts the share of words the match covers) and a confidence: declared for
// explicit declarations and full texts, inferred for partial matches and
// mentions.
//
// Explanation: each licence carries its knowledge-base record — category
// (permissive, notice, reciprocal, non-commercial, research-only,
// responsible-use, proprietary, unknown) and terms (commercial use, user
// and revenue thresholds, use restrictions and whether they flow down,
// output restrictions, naming and attribution, territory, what licence
// derivatives must carry), each with its clause and citation. The terms
// become findings: license.noncommercial, license.research-only,
// license.user-threshold, license.use-restrictions,
// license.output-restriction, license.naming, license.territory,
// license.copyleft; and license.missing, license.unknown and
// license.conflict (declared sources that disagree, with every source as
// evidence). Findings carry no severity: the root package applies policy.
// A term's message is its plain summary followed by the licence id and
// clause ("… [llama3 §1.b.v]"); the evidence lists where the licence is
// declared, then the term in the knowledge base ([KBPath], field
// "<id>.<term>").
//
// Inheritance: CheckInheritance takes the lineage as plain input (Ancestor
// values; the root wires them from provenance) and reports
// license.inheritance when a fine-tune, adapter, merge, quantisation or
// distillation drops or contradicts a base's licence: a Llama 3.x
// derivative under Apache-2.0, a name that lacks the required "Llama"
// prefix, a model distilled from Gemma or trained on a DeepSeek-licence
// model without its use restrictions, a non-commercial base under a
// commercial licence. Each rule has its own subject ([InheritanceSubject]:
// "llama3.1" for the licence a derivative must carry, "llama3.1#naming",
// "…#noncommercial", "…#outputs"), so a waiver for one is not a waiver for
// another; [SubjectLicense] reads the licence id back.
//
// # Usage
//
//	rel, _ := src.Open(ctx)
//	res := license.Identify(rel, kb.Default())
//	for _, l := range res.Licenses {
//		fmt.Println(l.ID, l.Category(), len(l.Sources))
//	}
//	findings := append(res.Findings, license.CheckInheritance(res, ancestors, kb.Default())...)
//
// The scanner is built once per process, on first use, and shared: the
// model-licence templates take a few milliseconds, the fast set of
// ordinary licences about a tenth of a second (only when a text needs it),
// and licensecheck's full set over a second (only for texts the fast set
// leaves unexplained). Identify is safe for concurrent use.
//
// # Limitations
//
// Licences added through a knowledge-base overlay are recognised by id,
// name, SPDX id and link, not by text: text templates are part of the code.
// Several templates were written from titles and version lines only (the
// texts were not available); their records say so in their confidence.
// Ambiguous texts (a Llama 3.1 body with its title removed) are not
// identified rather than guessed. Naming rules are checked against the
// release's names (repository, card model_name, GGUF general.name) and
// phrase rules against its card and licence texts.
package license
