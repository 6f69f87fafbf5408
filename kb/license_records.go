package kb

// License is a licence modelvet knows: how to recognise it, its category,
// and its terms.
type License struct {
	// ID is the canonical id: the Hugging Face licence id where there is one
	// ("llama3.1", "apache-2.0"), else a "LicenseRef-"-style id of our own.
	ID      string `yaml:"id" json:"id"`
	Name    string `yaml:"name" json:"name"`
	Family  string `yaml:"family,omitempty" json:"family,omitempty"`
	Version string `yaml:"version,omitempty" json:"version,omitempty"`
	// SPDX is the SPDX identifier or LicenseRef used in SPDX expressions.
	SPDX string `yaml:"spdx,omitempty" json:"spdx,omitempty"`
	// Aliases are other ids and names it is declared under: Hugging Face
	// ids (current and retired), ScanCode keys, common license_name values.
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	// URLs are pages that hold the licence; a license_link to one of them
	// identifies it.
	URLs []string `yaml:"urls,omitempty" json:"urls,omitempty"`
	// Category is one of permissive, notice, reciprocal, non-commercial,
	// research-only, responsible-use, proprietary, unknown.
	Category string     `yaml:"category" json:"category"`
	Terms    Terms      `yaml:"terms,omitempty" json:"terms,omitzero"`
	Sources  []Citation `yaml:"sources" json:"sources,omitempty"`
}

func (l *License) key() string { return l.ID }

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

// Term is one term of a licence.
type Term struct {
	// Value is a short machine-readable value: "yes", "no", "conditional"
	// for permissions; a count for thresholds; a phrase for naming.
	Value string `yaml:"value" json:"value"`
	// Summary says what the term means, in plain words.
	Summary string `yaml:"summary" json:"summary"`
	Clause  string `yaml:"clause,omitempty" json:"clause,omitempty"`
	Source  string `yaml:"source,omitempty" json:"source,omitempty"`
	// Amount is the number in a threshold (users, or US dollars).
	Amount int64 `yaml:"amount,omitempty" json:"amount,omitempty"`
	// FlowDown is set when derivatives and users must be bound by the term.
	FlowDown bool `yaml:"flow_down,omitempty" json:"flow_down,omitempty"`
	// Regions lists territories a territory term excludes.
	Regions []string `yaml:"regions,omitempty" json:"regions,omitempty"`
}
