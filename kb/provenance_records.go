package kb

// Organization is a model developer.
type Organization struct {
	// ID is the developer's main Hugging Face organisation ("deepseek-ai").
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	// Country is where the developer is headquartered (ISO 3166-1 alpha-2).
	Country string `yaml:"country" json:"country"`
	// Aliases are other organisations, former names and names in model ids
	// ("THUDM" for zai-org).
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	// Families are model family names the developer publishes ("DeepSeek",
	// "Qwen", "QwQ"), used to recognise models by name.
	Families   []string   `yaml:"families,omitempty" json:"families,omitempty"`
	Confidence string     `yaml:"confidence" json:"confidence"`
	Sources    []Citation `yaml:"sources" json:"sources"`
}

func (o *Organization) key() string { return o.ID }

// Model is a well-known model with its developer, licence and bases, so that
// an offline audit sees the whole ancestry.
type Model struct {
	ID        string   `yaml:"id" json:"id"` // Hugging Face id
	Aliases   []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	Developer string   `yaml:"developer" json:"developer"` // Organization id
	License   string   `yaml:"license,omitempty" json:"license,omitempty"`
	Bases     []Base   `yaml:"bases,omitempty" json:"bases,omitempty"`
	// Datasets lists datasets (ids) it was trained or distilled on.
	Datasets   []string   `yaml:"datasets,omitempty" json:"datasets,omitempty"`
	Note       string     `yaml:"note,omitempty" json:"note,omitempty"`
	Confidence string     `yaml:"confidence" json:"confidence"`
	Sources    []Citation `yaml:"sources" json:"sources"`
}

func (m *Model) key() string { return m.ID }

// Base is one model another was derived from.
type Base struct {
	Model string `yaml:"model" json:"model"`
	// Relation is finetune, adapter, merge, quantized or distilled.
	Relation string `yaml:"relation" json:"relation"`
	Note     string `yaml:"note,omitempty" json:"note,omitempty"`
}

// Dataset is a dataset generated (or annotated) by a model whose terms may
// restrict training on its outputs.
type Dataset struct {
	ID      string   `yaml:"id" json:"id"` // Hugging Face dataset id
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	// Generators are the models that produced it, with their vendors.
	Generators []Generator `yaml:"generators" json:"generators"`
	// Restriction says which terms restrict training on it (OutputTerms
	// ids or licence ids), and how.
	Restrictions []string   `yaml:"restrictions,omitempty" json:"restrictions,omitempty"`
	Summary      string     `yaml:"summary,omitempty" json:"summary,omitempty"`
	Confidence   string     `yaml:"confidence" json:"confidence"`
	Sources      []Citation `yaml:"sources" json:"sources"`
}

func (d *Dataset) key() string { return d.ID }

// Generator is a model that generated a dataset.
type Generator struct {
	Model  string `yaml:"model" json:"model"`
	Vendor string `yaml:"vendor" json:"vendor"` // Organization id or vendor name
}

// OutputTerms are terms of service or licence clauses that restrict using a
// model's outputs to train other models.
type OutputTerms struct {
	ID         string `yaml:"id" json:"id"`
	Vendor     string `yaml:"vendor" json:"vendor"`
	Instrument string `yaml:"instrument" json:"instrument"`
	Clause     string `yaml:"clause,omitempty" json:"clause,omitempty"`
	// Scope is "competing" (bans developing competing models) or "any"
	// (bans training or improving any other model), or "none".
	Scope      string     `yaml:"scope" json:"scope"`
	Summary    string     `yaml:"summary" json:"summary"`
	Date       string     `yaml:"date,omitempty" json:"date,omitempty"`
	Confidence string     `yaml:"confidence" json:"confidence"`
	Sources    []Citation `yaml:"sources" json:"sources"`
}

func (t *OutputTerms) key() string { return t.ID }

// Policy is a government-device or government-use policy.
type Policy struct {
	ID           string `yaml:"id" json:"id"`
	Jurisdiction string `yaml:"jurisdiction" json:"jurisdiction"` // e.g. us-federal, us-dod, us-tx, au, tw
	Body         string `yaml:"body" json:"body"`
	Instrument   string `yaml:"instrument" json:"instrument"`
	// Status is enacted, in-force, proposed or advisory.
	Status    string   `yaml:"status" json:"status"`
	Effective string   `yaml:"effective,omitempty" json:"effective,omitempty"` // YYYY-MM-DD
	Covers    Coverage `yaml:"covers" json:"covers"`
	Summary   string   `yaml:"summary" json:"summary"`
	// Devices says where it applies ("state devices and networks").
	Devices    string     `yaml:"devices,omitempty" json:"devices,omitempty"`
	Confidence string     `yaml:"confidence" json:"confidence"`
	Sources    []Citation `yaml:"sources" json:"sources"`
}

func (p *Policy) key() string { return p.ID }

// Coverage says what a policy reaches.
type Coverage struct {
	// Developers are Organization ids whose products it names.
	Developers []string `yaml:"developers,omitempty" json:"developers,omitempty"`
	// Countries covers every developer headquartered there.
	Countries []string `yaml:"countries,omitempty" json:"countries,omitempty"`
	// Scope is "app" (the app or service only), "models" (the developer's
	// models, self-hosted weights included) or "all-ai".
	Scope string `yaml:"scope" json:"scope"`
	// Derivatives is set when models derived from covered ones are covered.
	Derivatives bool `yaml:"derivatives,omitempty" json:"derivatives,omitempty"`
}

// Allegation is a public claim about how a model was trained, kept apart
// from lineage facts.
type Allegation struct {
	ID string `yaml:"id" json:"id"`
	// Subjects are Organization or Model ids the claim is about.
	Subjects   []string   `yaml:"subjects" json:"subjects"`
	Claim      string     `yaml:"claim" json:"claim"`
	By         string     `yaml:"by" json:"by"`
	Date       string     `yaml:"date" json:"date"`
	Confidence string     `yaml:"confidence" json:"confidence"`
	Sources    []Citation `yaml:"sources" json:"sources"`
}

func (a *Allegation) key() string { return a.ID }
