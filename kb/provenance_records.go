package kb

import "slices"

// The record types of the provenance files of the knowledge base:
// organizations.yaml, models.yaml, datasets.yaml, output-terms.yaml,
// policies.yaml and allegations.yaml. docs/KNOWLEDGE-BASE.md documents
// every field and its allowed values.

// Confidence is how well a provenance record is sourced, as the research
// marks it.
type Confidence string

// Confidence marks.
const (
	ConfidenceHigh       Confidence = "high" // primary text read, or several independent reports that agree
	ConfidenceMediumHigh Confidence = "medium-high"
	ConfidenceMedium     Confidence = "medium" // one good secondary source, or details inferred
	ConfidenceLowMedium  Confidence = "low-medium"
	ConfidenceLow        Confidence = "low" // aggregators only, or sources conflict
)

// Confidences lists the marks, most confident first.
func Confidences() []Confidence {
	return []Confidence{ConfidenceHigh, ConfidenceMediumHigh, ConfidenceMedium, ConfidenceLowMedium, ConfidenceLow}
}

// OrgKind says what an organisation does with models.
type OrgKind string

// Organisation kinds.
const (
	KindDeveloper  OrgKind = "developer"  // trains models
	KindRepackager OrgKind = "repackager" // republishes other developers' weights: quantisations, conversions
	KindCommunity  OrgKind = "community"  // fine-tunes and merges of others' models
)

// OrgKinds lists the organisation kinds.
func OrgKinds() []OrgKind { return []OrgKind{KindDeveloper, KindRepackager, KindCommunity} }

// Relation says how a model derives from another, as in the Hugging Face
// base_model_relation vocabulary plus distillation.
type Relation string

// Relations.
const (
	RelationFinetune  Relation = "finetune"  // weights trained further
	RelationAdapter   Relation = "adapter"   // an adapter (LoRA, …) on the base's weights
	RelationMerge     Relation = "merge"     // weights merged from several models
	RelationQuantized Relation = "quantized" // the same weights quantised or converted
	RelationDistilled Relation = "distilled" // trained on the base's outputs
)

// Relations the lineage infers from a release's own files (package
// provenance); knowledge-base records do not use them.
const (
	// RelationSameOrDerivative: the release has the base's architecture,
	// so it is the base or derives from it without changing its shape.
	RelationSameOrDerivative Relation = "same-or-derivative"
	// RelationPostTrainedBy: the release carries the distinctive chat
	// tokens of the base's developer: it was trained to that chat format.
	RelationPostTrainedBy Relation = "post-trained-by"
)

// Relations lists the relations in a stable order.
func Relations() []Relation {
	return []Relation{RelationFinetune, RelationAdapter, RelationMerge, RelationQuantized, RelationDistilled}
}

// Valid reports whether r is one of Relations.
func (r Relation) Valid() bool { return slices.Contains(Relations(), r) }

// CarriesWeights reports whether a model derived by r holds (some of) the
// base's weights: every relation but distillation and a chat format.
func (r Relation) CarriesWeights() bool { return r != RelationDistilled && r != RelationPostTrainedBy }

// Organization is a model developer, or a repackager that republishes other
// developers' models (quantisers, format converters).
type Organization struct {
	// ID is the developer's main Hugging Face organisation ("deepseek-ai").
	ID string `yaml:"id" json:"id"`
	// Name is the short name people use ("DeepSeek").
	Name string `yaml:"name" json:"name"`
	// LegalName is the legal entity where known.
	LegalName string `yaml:"legal_name,omitempty" json:"legal_name,omitempty"`
	// Country is where the developer is headquartered (ISO 3166-1 alpha-2),
	// "" when not known.
	Country string `yaml:"country" json:"country"`
	// Kind is KindDeveloper, KindRepackager or KindCommunity ("" reads as
	// a developer).
	Kind OrgKind `yaml:"kind,omitempty" json:"kind,omitempty"`
	// Aliases are other organisations, former names and names in model ids
	// ("THUDM" for zai-org).
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	// Families are model family names the developer publishes ("DeepSeek",
	// "Qwen", "QwQ"), used to recognise models by name.
	Families []string `yaml:"families,omitempty" json:"families,omitempty"`
	// Parent names an organisation that owns or controls this one.
	Parent         string     `yaml:"parent,omitempty" json:"parent,omitempty"`
	Note           string     `yaml:"note,omitempty" json:"note,omitempty"`
	Confidence     Confidence `yaml:"confidence" json:"confidence"`
	ConfidenceNote string     `yaml:"confidence_note,omitempty" json:"confidence_note,omitempty"`
	Sources        []Citation `yaml:"sources" json:"sources"`
}

func (o *Organization) key() string { return o.ID }

// IsRepackager reports whether the organisation republishes other
// developers' weights rather than training its own.
func (o *Organization) IsRepackager() bool { return o != nil && o.Kind == KindRepackager }

// Model is a well-known model with its developer, licence and bases, so that
// an offline audit sees the whole ancestry.
type Model struct {
	ID      string   `yaml:"id" json:"id"` // Hugging Face id
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	// Ollama lists Ollama library names ("deepseek-r1:7b") that are
	// quantisations of this model.
	Ollama    []string `yaml:"ollama,omitempty" json:"ollama,omitempty"`
	Developer string   `yaml:"developer" json:"developer"` // Organization id
	// License is the licence id (as in licenses.yaml: Hugging Face ids where
	// there is one).
	License  string `yaml:"license,omitempty" json:"license,omitempty"`
	Released string `yaml:"released,omitempty" json:"released,omitempty"` // YYYY-MM or YYYY-MM-DD
	Bases    []Base `yaml:"bases,omitempty" json:"bases,omitempty"`
	// Datasets lists datasets (ids) it was trained or distilled on.
	Datasets       []string   `yaml:"datasets,omitempty" json:"datasets,omitempty"`
	Note           string     `yaml:"note,omitempty" json:"note,omitempty"`
	Confidence     Confidence `yaml:"confidence" json:"confidence"`
	ConfidenceNote string     `yaml:"confidence_note,omitempty" json:"confidence_note,omitempty"`
	Sources        []Citation `yaml:"sources" json:"sources"`
}

func (m *Model) key() string { return m.ID }

// Base is one model another was derived from.
type Base struct {
	Model string `yaml:"model" json:"model"`
	// Relation is how the model derives from this base.
	Relation Relation `yaml:"relation" json:"relation"`
	Note     string   `yaml:"note,omitempty" json:"note,omitempty"`
}

// Dataset is a dataset generated (or annotated) by a model, with the
// generator's vendor and the terms that govern training on it.
type Dataset struct {
	// ID is the Hugging Face dataset id; datasets the sources name without
	// one have "dpi:" and the Data Provenance dataset identifier.
	ID      string   `yaml:"id" json:"id"`
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	Name    string   `yaml:"name,omitempty" json:"name,omitempty"`
	// Generators are the models that produced it, with their vendors and
	// the terms on their outputs.
	Generators []Generator `yaml:"generators" json:"generators"`
	// Restrictions lists the OutputTerms ids that restrict training on it
	// (terms of scope competing, any, derivative or attribution).
	Restrictions []string `yaml:"restrictions,omitempty" json:"restrictions,omitempty"`
	// RestrictionNote is the research's own statement of the restriction.
	RestrictionNote string `yaml:"restriction_note,omitempty" json:"restriction_note,omitempty"`
	// DPI lists the Data Provenance Initiative entries (unique dataset
	// identifiers) that describe it.
	DPI        []string   `yaml:"dpi,omitempty" json:"dpi,omitempty"`
	Summary    string     `yaml:"summary,omitempty" json:"summary,omitempty"`
	Confidence Confidence `yaml:"confidence" json:"confidence"`
	Sources    []Citation `yaml:"sources" json:"sources"`
}

func (d *Dataset) key() string { return d.ID }

// Restricted reports whether some terms restrict training on the dataset.
func (d *Dataset) Restricted() bool { return d != nil && len(d.Restrictions) > 0 }

// Generator is a model that generated a dataset.
type Generator struct {
	// Model is the generator as the sources name it ("OpenAI GPT-4",
	// "DeepSeek-R1").
	Model string `yaml:"model" json:"model"`
	// Vendor is the Organization id of its developer, when known.
	Vendor string `yaml:"vendor,omitempty" json:"vendor,omitempty"`
	// Terms lists the OutputTerms ids that govern its outputs.
	Terms []string `yaml:"terms,omitempty" json:"terms,omitempty"`
}

// OutputScope says what output terms restrict.
type OutputScope string

// Output-terms scopes.
const (
	ScopeCompeting     OutputScope = "competing"      // bans developing competing models with outputs
	ScopeAny           OutputScope = "any"            // bans training or improving any other model
	ScopeDerivative    OutputScope = "derivative"     // models trained on outputs are derivatives bound by the licence
	ScopeAttribution   OutputScope = "attribution"    // models trained on outputs must carry a name or notice
	ScopeNonCommercial OutputScope = "non-commercial" // outputs, like the weights, are for non-commercial use
	ScopeNone          OutputScope = "none"           // no restriction on training with outputs
)

// OutputScopes lists the output-terms scopes.
func OutputScopes() []OutputScope {
	return []OutputScope{ScopeCompeting, ScopeAny, ScopeDerivative, ScopeAttribution, ScopeNonCommercial, ScopeNone}
}

// OutputTerms are terms of service or licence clauses that say what may be
// done with a model's outputs, in particular training other models.
type OutputTerms struct {
	ID string `yaml:"id" json:"id"`
	// Row is the research row the record comes from ("T9").
	Row string `yaml:"row,omitempty" json:"row,omitempty"`
	// Vendor is the Organization id of the party that sets the terms.
	Vendor     string `yaml:"vendor" json:"vendor"`
	Instrument string `yaml:"instrument" json:"instrument"`
	Version    string `yaml:"version,omitempty" json:"version,omitempty"`
	Clause     string `yaml:"clause,omitempty" json:"clause,omitempty"`
	// Scope is one of competing, any, derivative, attribution,
	// non-commercial or none.
	Scope   OutputScope `yaml:"scope" json:"scope"`
	Summary string      `yaml:"summary" json:"summary"`
	// Date is when the terms took effect; Until when they were replaced.
	Date  string `yaml:"date,omitempty" json:"date,omitempty"`
	Until string `yaml:"until,omitempty" json:"until,omitempty"`
	// License is the licence id when the terms are a model licence's, so
	// that models under that licence carry them.
	License string `yaml:"license,omitempty" json:"license,omitempty"`
	// ExemptOwnDerivatives is set when the terms exempt models derived from
	// the licensed model itself (Llama 2 §1.b.v: "excluding Llama 2 or
	// derivative works thereof"): training such a model on the outputs is
	// allowed.
	ExemptOwnDerivatives bool `yaml:"exempt_own_derivatives,omitempty" json:"exempt_own_derivatives,omitempty"`
	// Models are name patterns (lower case, "*" matches any run of
	// characters) of the models whose outputs the terms govern, matched
	// against normalised generator names ("gpt-4*", "claude*").
	Models         []string   `yaml:"models,omitempty" json:"models,omitempty"`
	Note           string     `yaml:"note,omitempty" json:"note,omitempty"`
	Confidence     Confidence `yaml:"confidence" json:"confidence"`
	ConfidenceNote string     `yaml:"confidence_note,omitempty" json:"confidence_note,omitempty"`
	Sources        []Citation `yaml:"sources" json:"sources"`
}

func (t *OutputTerms) key() string { return t.ID }

// Restricts reports whether the terms restrict training other models on
// the outputs in some way (everything but scope none).
func (t *OutputTerms) Restricts() bool { return t != nil && t.Scope != ScopeNone && t.Scope != "" }

// Status is where a government policy stands.
type Status string

// Policy statuses.
const (
	StatusEnacted    Status = "enacted"    // statute
	StatusInForce    Status = "in-force"   // executive or agency instrument in effect
	StatusProposed   Status = "proposed"   // bill
	StatusAdvisory   Status = "advisory"   // guidance, warning, recommendation
	StatusUnverified Status = "unverified" // reported, not verified
	StatusLifted     Status = "lifted"     // no longer in effect
	StatusPending    Status = "pending"    // filed, decision pending
)

// Statuses lists the policy statuses.
func Statuses() []Status {
	return []Status{StatusEnacted, StatusInForce, StatusProposed, StatusAdvisory, StatusUnverified, StatusLifted, StatusPending}
}

// Binding reports whether a status binds (enacted or in force).
func Binding(status Status) bool { return status == StatusEnacted || status == StatusInForce }

// Policy is a government-device or government-use policy.
type Policy struct {
	ID string `yaml:"id" json:"id"`
	// Row is the research row the record comes from ("S13").
	Row string `yaml:"row,omitempty" json:"row,omitempty"`
	// Jurisdiction is the id a policy selects (us-federal, us-dod, us-tx,
	// au, tw, …); JurisdictionName says it in words.
	Jurisdiction     string `yaml:"jurisdiction" json:"jurisdiction"`
	JurisdictionName string `yaml:"jurisdiction_name" json:"jurisdiction_name"`
	Body             string `yaml:"body" json:"body"`
	Instrument       string `yaml:"instrument" json:"instrument"`
	// Status is enacted, in-force, proposed, advisory, unverified, lifted
	// or pending; StatusText is the research's mark, as written.
	Status     Status `yaml:"status" json:"status"`
	StatusText string `yaml:"status_text" json:"status_text"`
	// Date is the date of the action; Effective the date it applies from,
	// when known (YYYY-MM-DD, or shorter when only that is known).
	Date      string   `yaml:"date,omitempty" json:"date,omitempty"`
	Effective string   `yaml:"effective,omitempty" json:"effective,omitempty"`
	Covers    Coverage `yaml:"covers" json:"covers"`
	Summary   string   `yaml:"summary" json:"summary"`
	// Devices says where it applies ("state devices and networks").
	Devices        string     `yaml:"devices,omitempty" json:"devices,omitempty"`
	Exceptions     string     `yaml:"exceptions,omitempty" json:"exceptions,omitempty"`
	Confidence     Confidence `yaml:"confidence" json:"confidence"`
	ConfidenceNote string     `yaml:"confidence_note,omitempty" json:"confidence_note,omitempty"`
	Sources        []Citation `yaml:"sources" json:"sources"`
}

func (p *Policy) key() string { return p.ID }

// CoverScope says what kind of product a government policy reaches.
type CoverScope string

// Coverage scopes.
const (
	CoverApp    CoverScope = "app"    // the named apps and web services only
	CoverModels CoverScope = "models" // the developers' models, self-hosted weights included
	CoverAllAI  CoverScope = "all-ai" // all AI from developers in the named countries
)

// CoverScopes lists the coverage scopes.
func CoverScopes() []CoverScope { return []CoverScope{CoverApp, CoverModels, CoverAllAI} }

// SelfHosted says whether a government policy reaches self-hosted open
// weights.
type SelfHosted string

// Answers about self-hosted weights.
const (
	SelfHostedYes       SelfHosted = "yes"
	SelfHostedNo        SelfHosted = "no"
	SelfHostedNotStated SelfHosted = "not-stated"
	SelfHostedContested SelfHosted = "contested"
)

// SelfHostedValues lists the answers about self-hosted weights.
func SelfHostedValues() []SelfHosted {
	return []SelfHosted{SelfHostedYes, SelfHostedNo, SelfHostedNotStated, SelfHostedContested}
}

// Coverage says what a policy reaches.
type Coverage struct {
	// Developers are Organization ids whose products it names.
	Developers []string `yaml:"developers,omitempty" json:"developers,omitempty"`
	// Countries covers every developer headquartered there (ISO codes).
	Countries []string `yaml:"countries,omitempty" json:"countries,omitempty"`
	// AnyDeveloper is set when the policy covers AI tools of every
	// developer (not only named ones).
	AnyDeveloper bool `yaml:"any_developer,omitempty" json:"any_developer,omitempty"`
	// Products names the apps and services it lists, as written.
	Products []string `yaml:"products,omitempty" json:"products,omitempty"`
	// Scope is "app" (the app or service only), "models" (the developers'
	// models, self-hosted weights included) or "all-ai" (all AI from
	// developers in Countries).
	Scope CoverScope `yaml:"scope" json:"scope"`
	// SelfHosted says whether self-hosted open weights are covered.
	SelfHosted SelfHosted `yaml:"self_hosted" json:"self_hosted"`
	// Derivatives is set when models derived from covered ones are covered
	// expressly.
	Derivatives bool `yaml:"derivatives,omitempty" json:"derivatives,omitempty"`
}

// Allegation is a public claim about how a model was trained, kept apart
// from lineage facts.
type Allegation struct {
	ID  string `yaml:"id" json:"id"`
	Row string `yaml:"row,omitempty" json:"row,omitempty"`
	// Subjects are Organization or Model ids the claim is about.
	Subjects []string `yaml:"subjects,omitempty" json:"subjects,omitempty"`
	// Countries makes the claim about every developer headquartered in
	// them (ISO codes), for claims that name no company.
	Countries []string `yaml:"countries,omitempty" json:"countries,omitempty"`
	// Against names whose models were allegedly distilled (Organization ids).
	Against []string `yaml:"against,omitempty" json:"against,omitempty"`
	Claim   string   `yaml:"claim" json:"claim"`
	By      string   `yaml:"by" json:"by"`
	Date    string   `yaml:"date" json:"date"`
	// Status is the research's mark, as written ("ALLEGED", "ALLEGED
	// (committee finding)").
	Status         string     `yaml:"status" json:"status"`
	Confidence     Confidence `yaml:"confidence" json:"confidence"`
	ConfidenceNote string     `yaml:"confidence_note,omitempty" json:"confidence_note,omitempty"`
	Sources        []Citation `yaml:"sources" json:"sources"`
}

func (a *Allegation) key() string { return a.ID }

// Covers says what of a release a government policy reaches.
type Covers string

// What a government policy covers.
const (
	// CoversModel: the model itself (or the weights it quantises, or a
	// derivative of a covered model when the instrument names
	// derivatives), self-hosted weights included.
	CoversModel Covers = "model"
	// CoversDeveloper: the model's developer (or its country), but only
	// the developer's apps and services, or without saying that
	// self-hosted weights are reached.
	CoversDeveloper Covers = "developer"
	// CoversAncestor: only a model the audited one derives from.
	CoversAncestor Covers = "ancestor"
)
