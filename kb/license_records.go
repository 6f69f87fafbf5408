package kb

import (
	"path"
	"slices"
	"strconv"
	"strings"
)

// Category says what a licence allows, in one word. Every License record
// has one of the Category values; the report and policies use the same.
type Category string

// License categories.
const (
	CategoryPermissive     Category = "permissive"      // no conditions worth a buyer's attention (CC0, Unlicense, 0BSD)
	CategoryNotice         Category = "notice"          // keep copyright and licence notices (MIT, BSD, Apache-2.0, CC-BY)
	CategoryReciprocal     Category = "reciprocal"      // share changes or derivatives under the same terms (GPL, MPL, CC-BY-SA)
	CategoryNonCommercial  Category = "non-commercial"  // commercial use not granted (CC-BY-NC, FLUX.1 [dev])
	CategoryResearchOnly   Category = "research-only"   // research, evaluation or non-production use only
	CategoryResponsibleUse Category = "responsible-use" // commercial use with use restrictions that travel with the model (Llama, Gemma, OpenRAIL)
	CategoryProprietary    Category = "proprietary"     // use needs a separate permission or agreement
	CategoryUnknown        Category = "unknown"         // not known, or a family too wide to say
)

// Categories lists the categories in a stable order.
func Categories() []Category {
	return []Category{CategoryPermissive, CategoryNotice, CategoryReciprocal, CategoryNonCommercial,
		CategoryResearchOnly, CategoryResponsibleUse, CategoryProprietary, CategoryUnknown}
}

// Valid reports whether c is one of Categories.
func (c Category) Valid() bool { return slices.Contains(Categories(), c) }

// Fact says how a licence fact was established, after the research's
// evidence levels.
type Fact string

// Evidence levels of licence facts.
const (
	// FactPrimary: read from the licence text itself ([P]).
	FactPrimary Fact = "primary"
	// FactSecondary: from a secondary source (a copy, an excerpt, a
	// maintainer's note) and not re-read from the licence ([S]).
	FactSecondary Fact = "secondary"
	// FactUnverified: from general knowledge, not checked against any text ([U]).
	FactUnverified Fact = "unverified"
)

// Facts lists the evidence levels.
func Facts() []Fact { return []Fact{FactPrimary, FactSecondary, FactUnverified} }

// License is a licence modelvet knows: how to recognise it, its category,
// and its terms.
type License struct {
	// ID is the canonical id: the Hugging Face licence id where there is one
	// ("llama3.1", "apache-2.0"), else an id of our own in the same style
	// ("deepseek", "qwen", "flux-1-dev-non-commercial-license").
	ID      string `yaml:"id" json:"id"`
	Name    string `yaml:"name" json:"name"`
	Family  string `yaml:"family,omitempty" json:"family,omitempty"`
	Version string `yaml:"version,omitempty" json:"version,omitempty"`
	// Date is the release or last-modified date of the licence text the
	// terms were read from (YYYY-MM-DD).
	Date string `yaml:"date,omitempty" json:"date,omitempty"`
	// SPDX is the SPDX identifier, expression or LicenseRef used in SPDX
	// expressions.
	SPDX string `yaml:"spdx,omitempty" json:"spdx,omitempty"`
	// Aliases are other ids and names it is declared under: Hugging Face
	// ids (current and retired), ScanCode keys and LicenseRefs, SPDX ids,
	// common license_name values and names in free text.
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	// URLs are pages that hold the licence; a license_link to one of them
	// identifies it.
	URLs []string `yaml:"urls,omitempty" json:"urls,omitempty"`
	// Category is one of Categories().
	Category Category `yaml:"category" json:"category"`
	// HF is set when the id is one the Hugging Face Hub accepts in a card's
	// license field; Retired is set when the Hub has since removed it.
	HF      bool `yaml:"hf,omitempty" json:"hf,omitempty"`
	Retired bool `yaml:"retired,omitempty" json:"retired,omitempty"`
	// Models are glob patterns (path.Match syntax, matched case-insensitively)
	// of model ids released under this licence, used when an ancestor's
	// licence is not otherwise known ("meta-llama/Llama-3.1-*").
	Models []string `yaml:"models,omitempty" json:"models,omitempty"`
	// Confidence says how the facts were established: FactPrimary,
	// FactSecondary or FactUnverified. A Term may override it.
	Confidence Fact       `yaml:"confidence" json:"confidence"`
	Note       string     `yaml:"note,omitempty" json:"note,omitempty"`
	Terms      Terms      `yaml:"terms,omitempty" json:"terms,omitzero"`
	Sources    []Citation `yaml:"sources" json:"sources,omitempty"`
}

func (l *License) key() string { return l.ID }

// MatchesModel reports whether model (a Hugging Face id) is one of the
// models the licence names in Models.
func (l *License) MatchesModel(model string) bool {
	m := strings.ToLower(strings.TrimSpace(model))
	for _, p := range l.Models {
		if ok, _ := path.Match(strings.ToLower(p), m); ok {
			return true
		}
	}
	return false
}

// References returns the citations of the licence and of its terms,
// de-duplicated, in order.
func (l *License) References() []string {
	var out []string
	seen := map[string]bool{}
	add := func(u string) {
		if u != "" && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	for _, s := range l.Sources {
		add(s.URL)
	}
	for _, t := range l.Terms.All() {
		add(t.Term.Source)
	}
	return out
}

// Terms are a licence's terms, each with the clause and source it rests
// on. A nil term is not stated by the licence.
type Terms struct {
	CommercialUse     *Term `yaml:"commercial_use,omitempty" json:"commercial_use,omitempty"`
	UserThreshold     *Term `yaml:"user_threshold,omitempty" json:"user_threshold,omitempty"`
	RevenueThreshold  *Term `yaml:"revenue_threshold,omitempty" json:"revenue_threshold,omitempty"`
	UseRestrictions   *Term `yaml:"use_restrictions,omitempty" json:"use_restrictions,omitempty"`
	OutputRestriction *Term `yaml:"output_restriction,omitempty" json:"output_restriction,omitempty"`
	Naming            *Term `yaml:"naming,omitempty" json:"naming,omitempty"`
	Attribution       *Term `yaml:"attribution,omitempty" json:"attribution,omitempty"`
	Territory         *Term `yaml:"territory,omitempty" json:"territory,omitempty"`
	DerivativeLicense *Term `yaml:"derivative_license,omitempty" json:"derivative_license,omitempty"`
	Copyleft          *Term `yaml:"copyleft,omitempty" json:"copyleft,omitempty"`
}

// NamedTerm is a term with its snake_case name.
type NamedTerm struct {
	Name string
	Term *Term
}

// All returns the terms that are set, in a fixed order.
func (t Terms) All() []NamedTerm {
	var out []NamedTerm
	for _, n := range []NamedTerm{
		{"commercial_use", t.CommercialUse}, {"user_threshold", t.UserThreshold},
		{"revenue_threshold", t.RevenueThreshold}, {"use_restrictions", t.UseRestrictions},
		{"output_restriction", t.OutputRestriction}, {"naming", t.Naming},
		{"attribution", t.Attribution}, {"territory", t.Territory},
		{"derivative_license", t.DerivativeLicense}, {"copyleft", t.Copyleft},
	} {
		if n.Term != nil {
			out = append(out, n)
		}
	}
	return out
}

// Values of Term.Modalities: what a model takes in.
const (
	// ModalityText: a text model (pipeline text-generation, a …ForCausalLM
	// architecture).
	ModalityText = "text"
	// ModalityMultimodal: a model that takes images, video or audio with
	// text (pipeline image-text-to-text, a vision-language architecture).
	ModalityMultimodal = "multimodal"
)

// AppliesTo reports whether the term applies to a model of modality
// (ModalityText, ModalityMultimodal, or "" when not known): a term
// without Modalities applies to every model, and so does any term when
// the modality is not known.
func (t *Term) AppliesTo(modality string) bool {
	if t == nil {
		return false
	}
	if len(t.Modalities) == 0 || modality == "" {
		return true
	}
	for _, m := range t.Modalities {
		if strings.EqualFold(m, modality) {
			return true
		}
	}
	return false
}

// TermValue is the short machine-readable value of a Term. Which values a
// term may take depends on the term (TermValues); thresholds hold a count.
type TermValue string

// Values of permissions (commercial_use).
const (
	TermYes         TermValue = "yes"         // granted
	TermNo          TermValue = "no"          // withheld
	TermConditional TermValue = "conditional" // granted under conditions the summary states
	TermUnknown     TermValue = "unknown"     // the licence does not say clearly
)

// Values of DerivativeLicense.
const (
	// DerivativeSame: derivatives stay under this licence (and must carry it).
	DerivativeSame TermValue = "same"
	// DerivativeRestrictions: derivatives may use other terms, but those
	// must carry this licence's use restrictions.
	DerivativeRestrictions TermValue = "restrictions"
	// DerivativeShareAlike: derivatives must use this licence or a
	// compatible copyleft one.
	DerivativeShareAlike TermValue = "share-alike"
	// DerivativeNone: sharing adapted versions is not allowed.
	DerivativeNone TermValue = "none"
	// DerivativeAny: derivatives may use any licence (keeping notices).
	DerivativeAny TermValue = "any"
)

// Values of OutputRestriction.
const (
	OutputBanned        TermValue = "banned"         // outputs may not train or improve other models
	OutputCompeting     TermValue = "competing"      // outputs may not train competing models
	OutputNaming        TermValue = "naming"         // a model trained on outputs must carry a name or notice
	OutputDerivative    TermValue = "derivative"     // a model trained on outputs is a derivative bound by the licence
	OutputContravene    TermValue = "contravene"     // outputs may not be used against the licence's other terms
	OutputLicenceNeeded TermValue = "licence-needed" // training on outputs needs a separate licence
	OutputNone          TermValue = "none"           // no restriction
)

// Values of Attribution, Copyleft and Territory.
const (
	AttributionNotice TermValue = "notice" // keep the copyright and licence notices
	AttributionCredit TermValue = "credit" // credit the licensor visibly

	CopyleftWeak       TermValue = "weak"        // file-level reciprocity (MPL, LGPL)
	CopyleftStrong     TermValue = "strong"      // the whole work (GPL)
	CopyleftNetwork    TermValue = "network"     // network use counts as distribution (AGPL)
	CopyleftShareAlike TermValue = "share-alike" // adaptations under the same terms (CC-BY-SA)

	TerritoryExcludes     TermValue = "excludes"      // the grant excludes the listed regions
	TerritoryEUMultimodal TermValue = "eu-multimodal" // multimodal models are not licensed in the EU
	TerritorySanctioned   TermValue = "sanctioned"    // sanctioned countries and parties are excluded
)

// TermValues returns the values a term (by its snake_case name) may take;
// nil for terms whose value is a count (user_threshold,
// revenue_threshold) or free text naming a document or a name (naming,
// use_restrictions).
func TermValues(term string) []TermValue {
	switch term {
	case "commercial_use":
		return []TermValue{TermYes, TermNo, TermConditional, TermUnknown}
	case "derivative_license":
		return []TermValue{DerivativeSame, DerivativeRestrictions, DerivativeShareAlike, DerivativeNone, DerivativeAny}
	case "output_restriction":
		return []TermValue{OutputBanned, OutputCompeting, OutputNaming, OutputDerivative, OutputContravene, OutputLicenceNeeded, OutputNone}
	case "attribution":
		return []TermValue{AttributionNotice, AttributionCredit}
	case "copyleft":
		return []TermValue{CopyleftWeak, CopyleftStrong, CopyleftNetwork, CopyleftShareAlike}
	case "territory":
		return []TermValue{TerritoryExcludes, TerritoryEUMultimodal, TerritorySanctioned}
	}
	return nil
}

// countTerms are the terms whose value is a count.
var countTerms = []string{"user_threshold", "revenue_threshold"}

// Term is one term of a licence.
type Term struct {
	// Value is a short machine-readable value: "yes", "no", "conditional"
	// for permissions; a count for thresholds; for derivative_license one
	// of the Derivative* values; for output_restriction one of the
	// Output* values (see TermValues).
	Value TermValue `yaml:"value" json:"value"`
	// Summary says what the term means, in plain words a buyer understands.
	Summary string `yaml:"summary" json:"summary"`
	Clause  string `yaml:"clause,omitempty" json:"clause,omitempty"`
	Source  string `yaml:"source,omitempty" json:"source,omitempty"`
	// Amount is the number in a threshold (monthly active users, or US
	// dollars of annual revenue).
	Amount int64 `yaml:"amount,omitempty" json:"amount,omitempty"`
	// FlowDown is set when derivatives and users must be bound by the term.
	FlowDown bool `yaml:"flow_down,omitempty" json:"flow_down,omitempty"`
	// Regions lists territories a territory term excludes.
	Regions []string `yaml:"regions,omitempty" json:"regions,omitempty"`
	// Prefix is the text a derivative model's name must start with
	// (naming terms).
	Prefix string `yaml:"prefix,omitempty" json:"prefix,omitempty"`
	// Phrases are the words a derivative must display, any one of them
	// ("Built with Llama").
	Phrases []string `yaml:"phrases,omitempty" json:"phrases,omitempty"`
	// Covers lists the lineage relations the term reaches (finetune,
	// adapter, merge, quantized, distilled); empty means all of them.
	Covers []Relation `yaml:"covers,omitempty" json:"covers,omitempty"`
	// Modalities lists the kinds of model the term applies to
	// (ModalityText, ModalityMultimodal); empty means every model under
	// the licence. The Llama 3.2 territory clause reaches only its
	// multimodal models, so a release known to be a text model is not
	// affected; one whose modality is not known still is.
	Modalities []string `yaml:"modalities,omitempty" json:"modalities,omitempty"`
	// Confidence overrides the licence's confidence for this term.
	Confidence Fact `yaml:"confidence,omitempty" json:"confidence,omitempty"`
}

// Allowed reports whether the term grants what it is about without
// conditions (value yes); false for a nil term.
func (t *Term) Allowed() bool { return t != nil && t.Value == TermYes }

// Denied reports whether the term withholds what it is about (value no).
func (t *Term) Denied() bool { return t != nil && t.Value == TermNo }

// Conditional reports whether the term grants what it is about under
// conditions its summary states (value conditional).
func (t *Term) Conditional() bool { return t != nil && t.Value == TermConditional }

// Count returns the number of a threshold term: its Amount, else its value
// read as a whole number; ok is false when neither holds one.
func (t *Term) Count() (n int64, ok bool) {
	if t == nil {
		return 0, false
	}
	if t.Amount > 0 {
		return t.Amount, true
	}
	n, err := strconv.ParseInt(string(t.Value), 10, 64)
	return n, err == nil && n >= 0
}

// Reaches reports whether the term applies to a derivative made by
// relation.
func (t *Term) Reaches(relation Relation) bool {
	if t == nil {
		return false
	}
	if len(t.Covers) == 0 {
		return true
	}
	for _, c := range t.Covers {
		if strings.EqualFold(string(c), string(relation)) {
			return true
		}
	}
	return false
}
