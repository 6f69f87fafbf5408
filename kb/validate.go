package kb

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/yamlnode"
)

// ValidationError is a knowledge-base file that breaks the schema: a value
// outside the values its field allows, a country that is not an ISO
// 3166-1 alpha-2 code, a reference to a record that does not exist, an
// unknown field, a malformed date. Load reports every such error of a
// file (up to maxValidationErrors), joined; errors.As finds the first.
type ValidationError struct {
	// File names the file as Load read it: "overlay policies.yaml".
	File string
	// Line is the 1-based line of the value at fault (0 when not known).
	Line int
	// Record is the id of the record at fault ("" for the file as a
	// whole), Field the field in it ("covers.countries[1]").
	Record string
	Field  string
	// Value is the value at fault, as written.
	Value string
	// Allowed lists the values the field accepts, when they are a list.
	Allowed []string
	// Msg says what is wrong.
	Msg string
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Record != "" {
		b.WriteString(e.Record + ": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		if e.Value != "" {
			fmt.Fprintf(&b, " %q", e.Value)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if len(e.Allowed) > 0 {
		b.WriteString(" (want " + strings.Join(e.Allowed, ", ") + ")")
	}
	return b.String()
}

// maxValidationErrors bounds the errors reported for one file.
const maxValidationErrors = 20

var (
	dateRE         = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)
	dayRE          = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	yearRangeRE    = regexp.MustCompile(`^\d{4}-\d{4}$`)
	jurisdictionRE = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
)

// validator is a record that checks its own fields. A section's record
// type implements it, so adding a section adds its checks.
type validator interface {
	validate(c *checker)
}

// checker collects the validation errors of one file. Records call its
// methods with the path of each field; lines are looked up only when
// something is wrong.
type checker struct {
	k    *KB // the knowledge base with the whole layer merged, for references
	file string
	key  string // the file's top-level key
	// index and id name the record being checked.
	index int
	id    string
	errs  []*fieldError
	// names holds the normalised ids and aliases of k's models and
	// organisations, built on first use (the index of k may not be built
	// before k has loaded).
	names map[string]bool
}

// named reports whether some model or organisation of k (which, says the
// caller) has id or alias name.
func (c *checker) named(which, name string) bool {
	if c.names == nil {
		c.names = map[string]bool{}
		for _, m := range c.k.Models {
			for _, n := range append([]string{m.ID}, m.Aliases...) {
				c.names["model "+Normalize(n)] = true
			}
		}
		for _, o := range c.k.Organizations {
			for _, n := range append([]string{o.ID}, o.Aliases...) {
				c.names["organization "+Normalize(n)] = true
			}
		}
	}
	return c.names[which+" "+Normalize(name)]
}

// fieldError is a ValidationError before its line is known.
type fieldError struct {
	index int // the record's index in the file, -1 for the file itself
	err   *ValidationError
}

func (c *checker) fail(field, value, msg string, allowed ...string) {
	if len(c.errs) >= maxValidationErrors {
		return
	}
	c.errs = append(c.errs, &fieldError{index: c.index, err: &ValidationError{
		File: c.file, Record: c.id, Field: field, Value: value, Allowed: allowed, Msg: msg,
	}})
}

// oneOf checks that v is one of allowed; an empty v passes when optional.
func oneOf[T ~string](c *checker, field string, v T, allowed []T, optional bool) {
	if v == "" && optional || slices.Contains(allowed, v) {
		return
	}
	want := make([]string, len(allowed))
	for i, a := range allowed {
		want[i] = string(a)
	}
	msg := "is not an allowed value"
	if v == "" {
		msg = "is required"
	}
	c.fail(field, string(v), msg, want...)
}

func (c *checker) required(field, v string) {
	if strings.TrimSpace(v) == "" {
		c.fail(field, v, "is required")
	}
}

// country checks an ISO 3166-1 alpha-2 code; "" passes when optional.
func (c *checker) country(field, code string, optional bool) {
	if code == "" && optional || IsCountry(code) {
		return
	}
	msg := "is not an ISO 3166-1 alpha-2 country code (two capital letters, as CN or US)"
	if s := CountryCode(code); s != "" {
		msg += "; " + CountryName(s) + " is " + s
	}
	c.fail(field, code, msg)
}

func (c *checker) countries(field string, codes []string) {
	for i, code := range codes {
		c.country(field+"["+strconv.Itoa(i)+"]", code, false)
	}
}

// date checks YYYY-MM-DD, or YYYY-MM / YYYY when only that is known.
func (c *checker) date(field, v string) {
	if v != "" && !dateRE.MatchString(v) {
		c.fail(field, v, "is not a date (YYYY-MM-DD, or YYYY-MM / YYYY when only that is known)")
	}
}

func (c *checker) sources(cs []Citation) {
	if len(cs) == 0 {
		c.fail("sources", "", "is required: every record cites where its facts come from")
	}
	for i, s := range cs {
		f := "sources[" + strconv.Itoa(i) + "]"
		if !strings.HasPrefix(s.URL, "https://") && !strings.HasPrefix(s.URL, "http://") {
			c.fail(f+".url", s.URL, "is not an http(s) URL")
		}
		c.date(f+".date", s.Date)
	}
}

// organization checks that id names an organisation of organizations.yaml
// by its id, suggesting the id when id is an alias or a name.
func (c *checker) organization(field, id string) {
	n := Normalize(id)
	for _, o := range c.k.Organizations {
		if Normalize(o.ID) == n {
			return
		}
	}
	msg := "is not an organisation id of organizations.yaml"
	for _, o := range c.k.Organizations {
		if Normalize(o.Name) == n || slices.ContainsFunc(o.Aliases, func(a string) bool { return Normalize(a) == n }) {
			msg += "; " + o.Name + "'s id is " + o.ID
			break
		}
	}
	c.fail(field, id, msg)
}

// check runs the checks of every record of a merged file.
func check[T record](c *checker, records []T) {
	for i, r := range records {
		c.index, c.id = i, r.key()
		if v, ok := any(r).(validator); ok {
			v.validate(c)
		}
	}
}

// result returns the file's errors with their lines, read from data.
func (c *checker) result(data []byte) []error {
	if len(c.errs) == 0 {
		return nil
	}
	records := parseLines(data).Get(c.key)
	out := make([]error, len(c.errs))
	for i, fe := range c.errs {
		if fe.index >= 0 && records != nil && records.Kind == yamlnode.Sequence && fe.index < len(records.Items) {
			fe.err.Line = lineOf(records.Items[fe.index], fe.err.Field)
		}
		out[i] = fe.err
	}
	return out
}

// parseLines parses a file that decoded, for the lines of its values (nil
// if it does not parse, which the decoder has ruled out).
func parseLines(data []byte) *yamlnode.Node {
	root, _ := yamlnode.Parse(data, 0, yamlnode.Limits{MaxNodes: limits.MaxYAMLNodes, MaxDepth: limits.MaxYAMLDepth})
	return root
}

// lineOf returns the line of the value at field ("covers.countries[1]") in
// a record, or of the nearest enclosing node that exists.
func lineOf(n *yamlnode.Node, field string) int {
	if n == nil {
		return 0
	}
	line := n.Line
	for _, part := range strings.Split(field, ".") {
		name, idx, hasIdx := strings.Cut(part, "[")
		if name != "" {
			if l := n.KeyLine(name); l > 0 {
				line = l
			}
			if n = n.Get(name); n == nil {
				return line
			}
			if n.Line > 0 {
				line = n.Line
			}
		}
		if hasIdx {
			i, err := strconv.Atoi(strings.TrimSuffix(idx, "]"))
			if err != nil || n.Kind != yamlnode.Sequence || i >= len(n.Items) {
				return line
			}
			n = n.Items[i]
			line = n.Line
		}
	}
	return line
}

// decodeError turns an error of the strict YAML decoder (an unknown field,
// a wrong type) into a ValidationError with its line.
func decodeError(file string, err error) *ValidationError {
	ve := &ValidationError{File: file, Msg: err.Error()}
	var ye yaml.Error
	if errors.As(err, &ye) {
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			ve.Line = tk.Position.Line
		}
		ve.Msg = positionRef.ReplaceAllString(ye.GetMessage(), "")
	}
	return ve
}

var positionRef = regexp.MustCompile(` at \[\d+:\d+\]`)

// The checks of each record type. docs/KNOWLEDGE-BASE.md documents the
// fields and their values.

func (m *Meta) validate(c *checker) {
	c.required("version", m.Version)
	if !dayRE.MatchString(m.AsOf) {
		c.fail("as_of", m.AsOf, "is not a date YYYY-MM-DD")
	}
}

func (l *License) validate(c *checker) {
	c.required("name", l.Name)
	oneOf(c, "category", l.Category, Categories(), false)
	oneOf(c, "confidence", l.Confidence, Facts(), false)
	c.date("date", l.Date)
	for _, t := range l.Terms.All() {
		f := "terms." + t.Name
		if want := TermValues(t.Name); want != nil {
			oneOf(c, f+".value", t.Term.Value, want, false)
		} else if slices.Contains(countTerms, t.Name) {
			if _, ok := t.Term.Count(); !ok {
				c.fail(f+".value", string(t.Term.Value), "is not a count (a whole number, or an amount)")
			}
		} else {
			c.required(f+".value", string(t.Term.Value))
		}
		oneOf(c, f+".confidence", t.Term.Confidence, Facts(), true)
		for i, r := range t.Term.Covers {
			oneOf(c, f+".covers["+strconv.Itoa(i)+"]", r, Relations(), false)
		}
		for i, m := range t.Term.Modalities {
			oneOf(c, f+".modalities["+strconv.Itoa(i)+"]", m, []string{ModalityText, ModalityMultimodal}, false)
		}
	}
}

func (o *Organization) validate(c *checker) {
	c.country("country", o.Country, true)
	oneOf(c, "kind", o.Kind, OrgKinds(), true)
	oneOf(c, "confidence", o.Confidence, Confidences(), false)
	if o.Parent != "" {
		c.organization("parent", o.Parent)
	}
	c.sources(o.Sources)
}

func (m *Model) validate(c *checker) {
	c.organization("developer", m.Developer)
	if !yearRangeRE.MatchString(m.Released) {
		// A range of years ("2023-2024") is what some sources give.
		c.date("released", m.Released)
	}
	for i, b := range m.Bases {
		f := "bases[" + strconv.Itoa(i) + "]"
		c.required(f+".model", b.Model)
		oneOf(c, f+".relation", b.Relation, Relations(), false)
	}
	oneOf(c, "confidence", m.Confidence, Confidences(), false)
	c.sources(m.Sources)
}

func (d *Dataset) validate(c *checker) {
	oneOf(c, "confidence", d.Confidence, Confidences(), false)
	c.sources(d.Sources)
}

func (t *OutputTerms) validate(c *checker) {
	oneOf(c, "scope", t.Scope, OutputScopes(), false)
	c.date("date", t.Date)
	c.date("until", t.Until)
	oneOf(c, "confidence", t.Confidence, Confidences(), false)
	c.sources(t.Sources)
}

func (p *Policy) validate(c *checker) {
	if !jurisdictionRE.MatchString(p.Jurisdiction) {
		c.fail("jurisdiction", p.Jurisdiction, "is not a jurisdiction id (lower-case words joined by -, as us-tx)")
	}
	oneOf(c, "status", p.Status, Statuses(), false)
	c.date("date", p.Date)
	c.date("effective", p.Effective)
	oneOf(c, "covers.scope", p.Covers.Scope, CoverScopes(), false)
	oneOf(c, "covers.self_hosted", p.Covers.SelfHosted, SelfHostedValues(), false)
	c.countries("covers.countries", p.Covers.Countries)
	for i, d := range p.Covers.Developers {
		c.organization("covers.developers["+strconv.Itoa(i)+"]", d)
	}
	oneOf(c, "confidence", p.Confidence, Confidences(), false)
	c.sources(p.Sources)
}

func (a *Allegation) validate(c *checker) {
	c.countries("countries", a.Countries)
	c.date("date", a.Date)
	oneOf(c, "confidence", a.Confidence, Confidences(), false)
	c.sources(a.Sources)
}
