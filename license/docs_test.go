package license

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/kb"
)

// TestKnowledgeBaseLicences checks every licence record: a valid category,
// sources with an address and a date, a known confidence, aliases that
// belong to one record only, and a record for every template.
func TestKnowledgeBaseLicences(t *testing.T) {
	k := kb.Default()
	owner := map[string]string{}
	for _, l := range k.Licenses {
		if !slices.Contains(kb.Categories(), l.Category) {
			t.Errorf("%s: category %q", l.ID, l.Category)
		}
		if !slices.Contains(kb.Facts(), l.Confidence) {
			t.Errorf("%s: confidence %q", l.ID, l.Confidence)
		}
		if len(l.Sources) == 0 {
			t.Errorf("%s: no sources", l.ID)
		}
		for _, s := range l.Sources {
			if s.URL == "" || s.Date == "" {
				t.Errorf("%s: source without address or date: %+v", l.ID, s)
			}
		}
		for _, nt := range l.Terms.All() {
			if nt.Term.Summary == "" || nt.Term.Value == "" {
				t.Errorf("%s: term %s without value or summary", l.ID, nt.Name)
			}
		}
		for _, n := range append([]string{l.ID, l.SPDX, l.Name}, l.Aliases...) {
			if n == "" {
				continue
			}
			key := kb.Normalize(n)
			if o, ok := owner[key]; ok && o != l.ID {
				t.Errorf("%q names both %s and %s", n, o, l.ID)
			}
			owner[key] = l.ID
		}
	}
	s, err := shared()
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range s.set.templates {
		if k.License(tp.ID) == nil || k.License(tp.ID).ID != tp.ID {
			t.Errorf("template %s names no licence record", tp.File)
		}
	}
	// An anchor inside another template's anchor would be hidden by it.
	for i, a := range s.set.anchors {
		for j, b := range s.set.anchors {
			if i != j && strings.Contains(" "+anchorKey(b.LRE)+" ", " "+anchorKey(a.LRE)+" ") && !sharesTemplate(a, b) {
				t.Errorf("anchor %q lies inside %q of another template", a.LRE, b.LRE)
			}
		}
	}
}

func sharesTemplate(a, b *anchor) bool {
	return slices.ContainsFunc(a.Templates, func(t int) bool { return slices.Contains(b.Templates, t) })
}

// TestLicensesDoc keeps docs/LICENSES.md in step with the knowledge base
// and the templates (go test ./license -update rewrites it).
func TestLicensesDoc(t *testing.T) {
	testutil.Golden(t, filepath.Join(testutil.ModuleRoot(t), "docs", "LICENSES.md"), []byte(licensesDoc(t)))
}

func licensesDoc(t *testing.T) string {
	k := kb.Default()
	s, err := shared()
	if err != nil {
		t.Fatal(err)
	}
	byText := map[string][]string{}
	for _, tp := range s.set.templates {
		part := "licence"
		if tp.Part != "" {
			part = tp.Part
		}
		byText[tp.ID] = append(byText[tp.ID], part)
	}
	fast := map[string]bool{}
	for _, id := range fastBuiltins {
		if l := k.License(id); l != nil {
			fast[l.ID] = true
		}
	}
	var b strings.Builder
	b.WriteString(docHead)
	fmt.Fprintf(&b, "Knowledge base %s (as of %s): %d licences.\n\n", k.Version(), k.Date(), len(k.Licenses))
	b.WriteString("| id | name | category | key terms | recognised by | facts |\n|---|---|---|---|---|---|\n")
	for _, l := range k.Licenses {
		var how []string
		how = append(how, "id")
		if l.SPDX != "" {
			how = append(how, "SPDX `"+l.SPDX+"`")
		}
		if len(l.Aliases) > 0 {
			how = append(how, "name")
		}
		if len(l.URLs) > 0 {
			how = append(how, "link")
		}
		if parts, ok := byText[l.ID]; ok {
			how = append(how, "text ("+strings.Join(parts, ", ")+")")
		} else if fast[l.ID] {
			how = append(how, "text (licensecheck)")
		}
		id := "`" + l.ID + "`"
		if l.HF {
			id += " (HF"
			if l.Retired {
				id += ", retired"
			}
			id += ")"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", id, cell(l.Name), l.Category, cell(keyTerms(l)), strings.Join(how, ", "), l.Confidence)
	}
	b.WriteString(docTail)
	return b.String()
}

func cell(s string) string { return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s) }

// keyTerms summarises a licence's terms in a few words.
func keyTerms(l *kb.License) string {
	t := l.Terms
	var out []string
	if c := t.CommercialUse; c != nil {
		out = append(out, "commercial: "+string(c.Value))
	}
	if u := t.UserThreshold; u != nil {
		out = append(out, fmt.Sprintf("licence needed above %s monthly users", humanCount(u.Amount)))
	}
	if r := t.RevenueThreshold; r != nil {
		out = append(out, fmt.Sprintf("licence needed above US$%s revenue", humanCount(r.Amount)))
	}
	if u := t.UseRestrictions; u != nil {
		s := "use restrictions"
		if u.FlowDown {
			s += " (flow down)"
		}
		out = append(out, s)
	}
	if o := t.OutputRestriction; o != nil && o.Value != "none" {
		out = append(out, "outputs: "+string(o.Value))
	}
	if n := t.Naming; n != nil {
		out = append(out, "naming: "+string(n.Value))
	}
	if tr := t.Territory; tr != nil {
		s := "territory: " + string(tr.Value)
		if len(tr.Regions) > 0 {
			s += " " + strings.Join(tr.Regions, "/")
		}
		out = append(out, s)
	}
	if d := t.DerivativeLicense; d != nil {
		out = append(out, "derivatives: "+string(d.Value))
	}
	return strings.Join(out, "; ")
}

func humanCount(n int64) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

const docHead = `# Licences modelvet recognises

This file is generated from the knowledge base (` + "`kb/data/licenses.yaml`" + `) and the
licence templates (` + "`license/templates/*.lre`" + `) by ` + "`go test ./license -run TestLicensesDoc -update`" + `;
a test fails when it is out of date.

## How a licence is recognised

- **id** — a Hugging Face ` + "`license:`" + ` id (current or retired), or another id the record lists.
- **SPDX** — an SPDX expression (GGUF ` + "`general.license`" + `, an OCI model artifact's ModelPack
  ` + "`descriptor.licenses`" + ` and ` + "`org.opencontainers.image.licenses`" + ` annotation, SPDX ids anywhere),
  parsed with github.com/github/go-spdx; ` + "`LicenseRef-`" + ` ids resolve through the aliases.
- **name** — a ` + "`license_name`" + `, a ` + "`general.license.name`" + `, or a name in free text (a card's
  licence section, a gated prompt), ignoring case and punctuation.
- **link** — a ` + "`license_link`" + ` or a link in the text to a page that holds the licence.
- **text** — the licence text in LICENSE, LICENSE.md, NOTICE, USE_POLICY files, Ollama licence
  layers, the card's gated prompt and licence sections. Model licences are matched by modelvet's
  templates (title and version lines, then distinctive clauses, so that versions are told apart);
  ordinary licences by github.com/google/licensecheck (a fast set first, its full set for texts the
  fast set leaves unexplained). Rewrapped, Markdown and framed copies are recognised.

Categories: permissive, notice, reciprocal, non-commercial, research-only, responsible-use
(commercial use with use restrictions that travel with the model), proprietary (use needs separate
permission), unknown. The *facts* column says how the terms were established: primary (read from
the licence text), secondary (from a copy, excerpt or summary), unverified (not checked against
any text; treat with care).

## Table

`

const docTail = `
## Adding or correcting a licence with an overlay

Licence facts are data. To add a licence, or correct one, without rebuilding, put a
` + "`licenses.yaml`" + ` in a directory and pass it with ` + "`-kb DIR`" + ` (example program) or
` + "`modelvet.WithKnowledgeBase(os.DirFS(DIR))`" + ` (library). A record with the id of an embedded
one replaces it; a new id adds a licence. Add a ` + "`meta.yaml`" + ` with your overlay's version and
date so reports cite it.

` + "```yaml" + `
# overlay/licenses.yaml
licenses:
  - id: acme-model-license-1.0
    name: ACME Model License 1.0
    aliases: [acme-model-license, "ACME Model License"]
    urls: [https://acme.example/model-license]
    category: responsible-use
    confidence: primary
    terms:
      commercial_use: {value: "yes", summary: "Commercial use is allowed.", clause: "§2", source: "https://acme.example/model-license"}
      use_restrictions: {value: aup, flow_down: true, summary: "Use must follow the ACME use policy, which binds your users.", clause: "§4", source: "https://acme.example/model-license"}
      territory: {value: eu-multimodal, regions: [EU], modalities: [multimodal], summary: "The vision models are not licensed in the EU.", clause: "§6", source: "https://acme.example/model-license"}
      derivative_license: {value: same, covers: [finetune, adapter, merge], summary: "Derivatives stay under this licence.", clause: "§5", source: "https://acme.example/model-license"}
    sources:
      - {url: "https://acme.example/model-license", date: "2026-01-15", title: "ACME Model License 1.0"}
` + "```" + `

A term's ` + "`covers`" + ` lists the derivations it reaches (finetune, adapter, merge, quantized,
distilled; all when absent). ` + "`modalities`" + ` limits a term to text or multimodal models: a
release is multimodal when its ` + "`pipeline_tag`" + `, ` + "`config.json`" + ` architecture, GGUF
` + "`general.architecture`" + ` or name says so (` + "`image-text-to-text`" + `, ` + "`MllamaForConditionalGeneration`" + `,
` + "`mllama`" + `, "Vision"), a text model when they say only text; a term limited to multimodal
models is not reported for a text model, and is reported when nothing says (the Llama 3.2 EU
clause: Llama-3.2-1B-Instruct has no ` + "`license.territory`" + ` finding, Llama-3.2-11B-Vision-Instruct has one).

An overlay licence is recognised by its id, aliases, name, SPDX id and links. Recognising its
*text* needs a template in ` + "`license/templates/`" + ` (a code change): one ` + "`.lre`" + ` file named after
the licence id, holding its title and version lines first, then ` + "`__N__`" + ` separator lines and a
few distinctive clauses in text order (licensecheck's LRE syntax); never the licence text itself.
`
