package license

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/formats/modelcard"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/manifest"
)

// How says how a licence was recognised at a source.
type How string

// Ways a licence is recognised.
const (
	ByID   How = "id"   // a Hugging Face licence id or another known id
	BySPDX How = "spdx" // an SPDX expression or LicenseRef
	ByName How = "name" // a licence name (license_name, free text)
	ByURL  How = "url"  // a link to a page that holds the licence
	ByText How = "text" // the licence text itself
)

// Source is one place that declares a licence.
type Source struct {
	// Kind names the place: "card" (license field), "card:license_name",
	// "card:license_link", "card:extra_gated_prompt", "card:section",
	// "file", "ollama-layer", "oci-layer", "gguf", "safetensors",
	// "oci-config" (a ModelPack descriptor.licenses entry),
	// "oci-annotation" (org.opencontainers.image.licenses).
	Kind     string           `json:"kind"`
	How      How              `json:"how"`
	Evidence finding.Evidence `json:"evidence"`
	// Coverage is, for texts, the percentage of the text's words that the
	// licence's match spans.
	Coverage float64 `json:"coverage,omitempty"`
	// Scope is "code" for a file that licenses only the code of the
	// release (LICENSE-CODE); such sources do not count towards conflicts.
	Scope string `json:"scope,omitempty"`
	// Mention is set when the source only names the licence inside other
	// text (a card section, a gated prompt), rather than declaring it.
	Mention bool `json:"mention,omitempty"`
	// Confidence is declared for explicit declarations and full texts,
	// inferred for partial text matches and mentions.
	Confidence finding.Confidence `json:"confidence"`
}

// Identified is one licence found for a release, with every source that
// declares it.
type Identified struct {
	// ID is the knowledge-base id, or the SPDX or licensecheck id when the
	// knowledge base has no record for it.
	ID      string      `json:"id"`
	License *kb.License `json:"-"`
	Sources []Source    `json:"sources"`
}

// Name returns the licence's name, or its id when the knowledge base does
// not know it.
func (l *Identified) Name() string {
	if l.License != nil {
		return l.License.Name
	}
	return l.ID
}

// Category returns the licence's category, or kb.CategoryUnknown.
func (l *Identified) Category() kb.Category {
	if l.License != nil {
		return l.License.Category
	}
	return kb.CategoryUnknown
}

// Declaration is a licence declaration that could not be identified.
type Declaration struct {
	Kind     string           `json:"kind"`
	Evidence finding.Evidence `json:"evidence"`
	Reason   string           `json:"reason"`
}

// Result is what Identify found about a release's licences.
type Result struct {
	// Model is the release's name, and Names every name it goes by (the
	// name, the card's model_name, GGUF general.name), for naming rules.
	Model string   `json:"model"`
	Names []string `json:"names,omitempty"`
	// Licenses are the identified licences, sorted by id.
	Licenses []*Identified `json:"licenses"`
	// Unidentified are declarations no licence could be found for.
	Unidentified []Declaration `json:"unidentified,omitempty"`
	// Findings are the license.* findings, without severities.
	Findings []finding.Finding `json:"findings"`
	// Modality is what the model takes in, kb.ModalityText or
	// kb.ModalityMultimodal, as the card's pipeline_tag, config.json's
	// architectures, GGUF general.architecture or a name ("…-Vision-…")
	// say; "" when nothing says. Terms limited to some modalities (the
	// Llama 3.2 EU clause, which reaches its multimodal models) are
	// reported only for those, or when the modality is not known.
	Modality string `json:"modality,omitempty"`
	// ModalityEvidence is where the modality was read.
	ModalityEvidence []finding.Evidence `json:"modality_evidence,omitempty"`

	// texts holds the card body and licence texts, to look for phrases a
	// licence requires ("Built with Llama").
	texts []string
}

// License returns the identified licence with id, or nil.
func (r *Result) License(id string) *Identified {
	for _, l := range r.Licenses {
		if l.ID == id {
			return l
		}
	}
	return nil
}

// Declared returns the licences the release declares (not only mentions),
// leaving out those that cover only code.
func (r *Result) Declared() []*Identified {
	var out []*Identified
	for _, l := range r.Licenses {
		if slices.ContainsFunc(l.Sources, func(s Source) bool { return !s.Mention && s.Scope != "code" }) {
			out = append(out, l)
		}
	}
	return out
}

// HasPhrase reports whether the card or a licence text of the release
// contains phrase (case and spacing ignored).
func (r *Result) HasPhrase(phrase string) bool {
	p := strings.Join(strings.Fields(strings.ToLower(phrase)), " ")
	for _, t := range r.texts {
		if strings.Contains(strings.Join(strings.Fields(strings.ToLower(t)), " "), p) {
			return true
		}
	}
	return false
}

// Identify finds the licences of rel from every place they are declared —
// the card's license, license_name, license_link and legacy
// license_details fields, its gated prompt and licence sections, licence
// files and Ollama and OCI licence layers, GGUF general.license keys,
// safetensors metadata, and an OCI artifact's config and annotations — and
// explains them with k. It never fails: what
// cannot be identified is reported as license.unknown, and a release that
// declares nothing as license.missing.
func Identify(rel *manifest.Release, k *kb.KB) *Result {
	if k == nil {
		k = kb.Default()
	}
	c := &collector{k: k, res: &Result{Model: rel.Name}, byID: map[string]*Identified{}}
	c.res.Names = appendName(nil, rel.Name)
	if rel.Repo != "" {
		c.res.Names = appendName(c.res.Names, rel.Repo)
	}
	c.card(rel)
	c.files(rel)
	c.weights(rel)
	c.oci(rel)
	for _, l := range c.byID {
		c.res.Licenses = append(c.res.Licenses, l)
	}
	slices.SortFunc(c.res.Licenses, func(a, b *Identified) int { return strings.Compare(a.ID, b.ID) })
	c.res.Modality, c.res.ModalityEvidence = modality(rel, c.res.Names)
	c.res.Findings = findings(rel, c.res, k)
	return c.res
}

func appendName(names []string, n string) []string {
	n = strings.TrimSpace(n)
	if n == "" || slices.Contains(names, n) {
		return names
	}
	return append(names, n)
}

// collector gathers sources into a Result.
type collector struct {
	k    *kb.KB
	res  *Result
	byID map[string]*Identified
}

// add records that src declares the licence id (a knowledge-base id, or an
// id the knowledge base does not know).
func (c *collector) add(id string, lic *kb.License, src Source) {
	if lic != nil {
		id = lic.ID
	}
	l, ok := c.byID[id]
	if !ok {
		l = &Identified{ID: id, License: lic}
		c.byID[id] = l
	}
	if !slices.Contains(l.Sources, src) {
		l.Sources = append(l.Sources, src)
	}
}

func (c *collector) unidentified(kind string, ev finding.Evidence, reason string) {
	c.res.Unidentified = append(c.res.Unidentified, Declaration{Kind: kind, Evidence: ev, Reason: reason})
}

// card reads the licence fields, gated prompt and licence sections of the
// model card.
func (c *collector) card(rel *manifest.Release) {
	card := rel.Card
	if card == nil {
		return
	}
	if n := strings.TrimSpace(card.ModelName.Value); n != "" && !slices.Contains(c.res.Names, n) {
		c.res.Names = append([]string{n}, c.res.Names...) // the name the card gives wins
	}
	for _, e := range card.ModelIndex {
		c.res.Names = appendName(c.res.Names, e.Name.Value)
	}
	c.res.texts = append(c.res.texts, card.Body)
	hasOther := false
	for _, f := range card.License {
		v := strings.TrimSpace(f.Value)
		ev := manifest.CardEvidence(card, "license", f)
		switch kb.Normalize(v) {
		case "other":
			hasOther = true
			continue
		case "unknown":
			c.unidentified("card", ev, "the card says the licence is unknown")
			continue
		}
		if !c.declared("card", v, ev) {
			c.unidentified("card", ev, fmt.Sprintf("%q is not a licence id modelvet knows", v))
		}
	}
	nameField := card.LicenseName
	nameKey := "license_name"
	if nameField.Value == "" && card.LicenseDetails.Value != "" {
		nameField, nameKey = card.LicenseDetails, "license_details"
	}
	nameOK, linkOK := false, false
	if v := strings.TrimSpace(nameField.Value); v != "" {
		nameOK = c.declared("card:"+nameKey, v, manifest.CardEvidence(card, nameKey, nameField))
	}
	if v := strings.TrimSpace(card.LicenseLink.Value); v != "" {
		linkOK = c.link(rel, manifest.CardEvidence(card, "license_link", card.LicenseLink))
	}
	switch {
	case nameField.Value != "" && !nameOK && !linkOK:
		c.unidentified("card:"+nameKey, manifest.CardEvidence(card, nameKey, nameField),
			fmt.Sprintf("license_name %q is not a licence modelvet knows, and the link does not identify one", nameField.Value))
	case hasOther && nameField.Value == "" && card.LicenseLink.Value == "":
		f := card.License[slices.IndexFunc(card.License, func(f modelcard.Field) bool { return kb.Normalize(f.Value) == "other" })]
		c.unidentified("card", manifest.CardEvidence(card, "license", f), "license: other with no license_name or license_link")
	}
	if f, ok := card.ExtraGated["extra_gated_prompt"]; ok && f.Value != "" {
		c.text(f.Value, Source{Kind: "card:extra_gated_prompt", Evidence: finding.Evidence{Path: card.Path, Line: f.Line, Field: "extra_gated_prompt"}, Mention: true}, textScan{})
	}
	for _, sec := range licenceSections(card) {
		c.text(sec.text, Source{Kind: "card:section", Evidence: finding.Evidence{Path: card.Path, Line: sec.line, Field: sec.heading}, Mention: true}, textScan{})
	}
}

// declared identifies a declared id, SPDX expression, name or URL and
// records it. It reports whether anything was identified.
func (c *collector) declared(kind, v string, ev finding.Evidence) bool {
	ev.Value = v
	if l := c.k.License(v); l != nil {
		c.add("", l, Source{Kind: kind, How: ByID, Evidence: ev, Confidence: finding.Declared})
		return true
	}
	if l := c.k.LicenseByURL(v); l != nil {
		c.add("", l, Source{Kind: kind, How: ByURL, Evidence: ev, Confidence: finding.Declared})
		return true
	}
	if ids, ok := parseExpression(v); ok {
		for _, id := range ids {
			l := c.k.License(id)
			c.add(id, l, Source{Kind: kind, How: BySPDX, Evidence: ev, Confidence: finding.Declared})
		}
		return true
	}
	if ls := nameMentions(c.k, v); len(ls) > 0 {
		for _, l := range ls {
			c.add("", l, Source{Kind: kind, How: ByName, Evidence: ev, Confidence: finding.Inferred})
		}
		return true
	}
	return false
}

// link resolves a card's license_link: a file of the release, or a URL.
func (c *collector) link(rel *manifest.Release, ev finding.Evidence) bool {
	v := strings.TrimSpace(ev.Value)
	if l := c.k.LicenseByURL(v); l != nil {
		c.add("", l, Source{Kind: "card:license_link", How: ByURL, Evidence: ev, Confidence: finding.Declared})
		return true
	}
	// A link to a file of this release: LICENSE, ./LICENSE.md, or a Hub
	// address of this repository's file.
	name := strings.TrimPrefix(v, "./")
	if rel.Repo != "" {
		n := kb.NormalizeURL(v)
		prefix := "huggingface.co/" + strings.ToLower(rel.Repo) + "/"
		if strings.HasPrefix(n, prefix) {
			name = n[len(prefix):]
		}
	}
	for _, t := range rel.LicenseTexts {
		if strings.EqualFold(t.Path, name) {
			// The file itself is a source; the link only points at it.
			return c.textIdentifies(t.Text)
		}
	}
	return false
}

// files identifies the licence texts shipped with the release.
func (c *collector) files(rel *manifest.Release) {
	for _, t := range rel.LicenseTexts {
		c.res.texts = append(c.res.texts, t.Text)
		kind := "file"
		if t.Origin != "" && t.Origin != "file" {
			kind = t.Origin
		}
		src := Source{Kind: kind, Evidence: finding.Evidence{Path: t.Path, Line: t.Line}}
		if isCodeLicense(t.Path) {
			src.Scope = "code"
		}
		base := strings.ToUpper(path.Base(t.Path))
		companion := strings.HasPrefix(base, "NOTICE") || strings.Contains(base, "POLICY") || strings.Contains(base, "USE_POLICY")
		src.Mention = companion
		found := c.text(t.Text, src, textScan{names: true, fallback: !companion})
		if !found && !companion && strings.TrimSpace(t.Text) != "" {
			c.unidentified(kind, src.Evidence, "the licence text is not one modelvet recognises")
		}
	}
}

// isCodeLicense reports whether a licence file covers only the code of the
// release (LICENSE-CODE, LICENSE_CODE.md).
func isCodeLicense(p string) bool {
	b := strings.ToUpper(path.Base(p))
	return strings.Contains(b, "CODE") && !strings.Contains(b, "MODEL")
}

// weights reads licence keys from weight-file metadata.
func (c *collector) weights(rel *manifest.Release) {
	for _, f := range rel.Files {
		if g := f.GGUF; g != nil {
			c.res.Names = appendName(c.res.Names, g.String("general.name"))
			if v := strings.TrimSpace(g.String("general.license")); v != "" {
				if !c.declared("gguf", v, f.GGUFEvidence("general.license")) {
					c.unidentified("gguf", f.GGUFEvidence("general.license"), fmt.Sprintf("general.license %q is not an SPDX expression or licence modelvet knows", v))
				}
			}
			if v := strings.TrimSpace(g.String("general.license.name")); v != "" {
				c.declared("gguf", v, f.GGUFEvidence("general.license.name"))
			}
			if v := strings.TrimSpace(g.String("general.license.link")); v != "" {
				ev := f.GGUFEvidence("general.license.link")
				if l := c.k.LicenseByURL(v); l != nil {
					c.add("", l, Source{Kind: "gguf", How: ByURL, Evidence: ev, Confidence: finding.Declared})
				}
			}
		}
		if s := f.Safetensors; s != nil {
			for _, key := range []string{"license", "License"} {
				if v := strings.TrimSpace(s.Metadata[key]); v != "" {
					ev := finding.Evidence{Path: f.Path, Field: "__metadata__." + key, Value: v}
					if !c.declared("safetensors", v, ev) {
						c.unidentified("safetensors", ev, fmt.Sprintf("metadata licence %q is not one modelvet knows", v))
					}
				}
			}
		}
	}
}

// oci identifies the licences an OCI model artifact declares: the SPDX
// expressions of a ModelPack config's descriptor.licenses, and the
// manifest's org.opencontainers.image.licenses annotation.
func (c *collector) oci(rel *manifest.Release) {
	a := rel.OCI
	if a == nil {
		return
	}
	blob := func(digest string) string { return "blobs/" + strings.Replace(digest, ":", "/", 1) }
	if v := a.Config["descriptor.licenses"]; v != "" {
		for i, e := range strings.Split(v, ",") {
			e = strings.TrimSpace(e)
			if e == "" {
				continue
			}
			ev := finding.Evidence{Path: blob(a.ConfigDigest), Field: fmt.Sprintf("descriptor.licenses[%d]", i)}
			if !c.declared("oci-config", e, ev) {
				ev.Value = e
				c.unidentified("oci-config", ev, fmt.Sprintf("%q is not an SPDX expression or licence modelvet knows", e))
			}
		}
	}
	if v := strings.TrimSpace(a.Annotations["org.opencontainers.image.licenses"]); v != "" {
		ev := finding.Evidence{Path: blob(a.ManifestDigest), Field: "annotations.org.opencontainers.image.licenses"}
		if !c.declared("oci-annotation", v, ev) {
			ev.Value = v
			c.unidentified("oci-annotation", ev, fmt.Sprintf("%q is not an SPDX expression or licence modelvet knows", v))
		}
	}
}

// textScan says what, beyond licence texts, text looks for.
type textScan struct {
	names    bool // licence names and links, when no text is recognised
	fallback bool // ordinary licences too, when the model-licence templates leave the text unexplained
}

// text identifies the licences in a text and records them with src. It
// reports whether any was found.
func (c *collector) text(text string, src Source, how textScan) bool {
	found := false
	for _, m := range c.scan(text, how.fallback) {
		if m.Versions != nil {
			ev := src.Evidence
			ev.Line = max(src.Evidence.Line, 1) + lineOf(text, m.Start)
			ev.Value = excerpt(text[m.Start:m.End])
			c.unidentified(src.Kind, ev, fmt.Sprintf("the text names more than one version of the %s licence family (%s) and no version's own text is recognised in it, so the family is known but the version is not",
				m.ID, strings.Join(m.Versions, "; ")))
			found = true
			continue
		}
		s := src
		s.How = ByText
		s.Coverage = round1(m.Coverage)
		s.Evidence.Line = src.Evidence.Line + lineOf(text, m.Start)
		if src.Evidence.Line == 0 {
			s.Evidence.Line = 1 + lineOf(text, m.Start)
		}
		s.Evidence.Value = excerpt(text[m.Start:m.End])
		s.Confidence = finding.Declared
		if m.Template && !m.Key || m.Coverage < 50 || src.Mention {
			s.Confidence = finding.Inferred
		}
		if m.Template && m.Anchors == 1 && m.Total > 1 {
			// Only the licence's name appears: a reference, not the text.
			s.Mention = true
		}
		l := c.k.License(m.ID)
		c.add(m.ID, l, s)
		found = true
	}
	// Links and names in the text.
	for _, u := range findURLs(text) {
		if l := c.k.LicenseByURL(u.url); l != nil {
			s := src
			s.How, s.Mention, s.Confidence = ByURL, true, finding.Inferred
			s.Evidence.Line = max(src.Evidence.Line, 1) + lineOf(text, u.at)
			s.Evidence.Value = u.url
			c.add("", l, s)
			found = true
		}
	}
	if how.names && !found || src.Kind == "card:section" || src.Kind == "card:extra_gated_prompt" {
		for _, l := range nameMentions(c.k, text) {
			s := src
			s.How, s.Mention, s.Confidence = ByName, true, finding.Inferred
			s.Evidence.Value = l.ID
			if _, seen := c.byID[l.ID]; seen && src.Kind != "file" {
				// Already found in this text by a stronger means.
				if slices.ContainsFunc(c.byID[l.ID].Sources, func(o Source) bool { return o.Kind == src.Kind && o.Evidence.Path == src.Evidence.Path }) {
					continue
				}
			}
			c.add("", l, s)
			found = true
		}
	}
	return found
}

// textIdentifies reports whether a text identifies some licence, without
// recording it.
func (c *collector) textIdentifies(text string) bool {
	return len(c.scan(text, false)) > 0
}

func (c *collector) scan(text string, fallback bool) []textMatch {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	s, err := shared()
	if err != nil {
		return nil
	}
	return s.scanText([]byte(text), scanOptions{fallback: fallback, family: func(id string) string {
		if l := c.k.License(id); l != nil {
			return l.Family
		}
		return ""
	}})
}

func round1(f float64) float64 { return float64(int(f*10+0.5)) / 10 }

// lineOf returns how many line breaks come before offset off.
func lineOf(text string, off int) int {
	return strings.Count(text[:min(off, len(text))], "\n")
}

// excerpt returns the first line of a matched text, shortened.
func excerpt(s string) string {
	for l := range strings.Lines(s) {
		if l = strings.TrimSpace(l); l != "" {
			if len(l) > 120 {
				l = l[:120]
				for len(l) > 0 && l[len(l)-1]&0xC0 == 0x80 {
					l = l[:len(l)-1]
				}
				l += "…"
			}
			return l
		}
	}
	return ""
}

// section is a licence section of a card body.
type section struct {
	heading string
	line    int
	text    string
}

// licenceSections finds the sections of a card body whose heading names a
// licence ("## License", "### Licence and use").
func licenceSections(card *modelcard.Card) []section {
	var out []section
	var cur *section
	level := 0
	card.BodyLines(func(n int, line string) bool {
		t := strings.TrimSpace(line)
		if h := headingLevel(t); h > 0 {
			if cur != nil && h <= level {
				out = append(out, *cur)
				cur = nil
			}
			title := strings.ToLower(strings.TrimSpace(strings.TrimLeft(t, "#")))
			if cur == nil && (strings.Contains(title, "license") || strings.Contains(title, "licence") || strings.Contains(title, "terms of use")) {
				cur = &section{heading: strings.TrimSpace(strings.TrimLeft(t, "# ")), line: n}
				level = h
				return true
			}
		}
		if cur != nil {
			cur.text += line + "\n"
		}
		return len(out) < maxSections
	})
	if cur != nil {
		out = append(out, *cur)
	}
	return out
}

// maxSections caps the licence sections read from one card.
const maxSections = 16

// headingLevel returns the level of a Markdown ATX heading, or 0.
func headingLevel(t string) int {
	n := 0
	for n < len(t) && t[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || n < len(t) && t[n] != ' ' {
		return 0
	}
	return n
}
