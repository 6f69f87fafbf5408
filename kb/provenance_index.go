package kb

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// provIndex holds the provenance lookups, built once per KB.
type provIndex struct {
	// bare maps a model name without its organisation to the models of
	// that name (several when two organisations publish the same name).
	bare   map[string][]*Model
	ollama map[string]*Model
	// families lists (normalised family, organisation), longest first.
	families []familyEntry
	terms    map[string]*OutputTerms
	byLic    map[string][]*OutputTerms
	policies map[string][]*Policy
	byID     map[string]*Policy
	juris    []Jurisdiction
	alleged  map[string][]*Allegation
}

type familyEntry struct {
	family string
	org    *Organization
}

// Jurisdiction is a jurisdiction id that policies select, with its name
// and the number of instruments the knowledge base records for it.
type Jurisdiction struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Policies int    `json:"policies"`
}

func buildProvIndex(k *KB) *provIndex {
	p := &provIndex{
		bare:     map[string][]*Model{},
		ollama:   map[string]*Model{},
		terms:    map[string]*OutputTerms{},
		byLic:    map[string][]*OutputTerms{},
		policies: map[string][]*Policy{},
		byID:     map[string]*Policy{},
		alleged:  map[string][]*Allegation{},
	}
	for _, m := range k.Models {
		for _, n := range append([]string{m.ID}, m.Aliases...) {
			b := Normalize(bareName(n))
			if !slices.Contains(p.bare[b], m) {
				p.bare[b] = append(p.bare[b], m)
			}
		}
		for _, o := range m.Ollama {
			p.ollama[normalizeOllama(o)] = m
		}
	}
	for _, o := range k.Organizations {
		for _, f := range o.Families {
			if f = Normalize(f); f != "" {
				p.families = append(p.families, familyEntry{f, o})
			}
		}
	}
	slices.SortStableFunc(p.families, func(a, b familyEntry) int {
		return cmp.Or(cmp.Compare(len(b.family), len(a.family)), strings.Compare(a.family, b.family))
	})
	for _, t := range k.OutputTerms {
		p.terms[Normalize(t.ID)] = t
		if t.License != "" {
			l := Normalize(t.License)
			p.byLic[l] = append(p.byLic[l], t)
		}
	}
	names := map[string]string{}
	for _, pol := range k.Policies {
		j := Normalize(pol.Jurisdiction)
		p.policies[j] = append(p.policies[j], pol)
		p.byID[Normalize(pol.ID)] = pol
		if names[j] == "" {
			names[j] = pol.JurisdictionName
		}
	}
	for j, ps := range p.policies {
		p.juris = append(p.juris, Jurisdiction{ID: j, Name: names[j], Policies: len(ps)})
	}
	slices.SortFunc(p.juris, func(a, b Jurisdiction) int { return strings.Compare(a.ID, b.ID) })
	for _, a := range k.Allegations {
		for _, s := range a.Subjects {
			n := Normalize(s)
			p.alleged[n] = append(p.alleged[n], a)
		}
	}
	return p
}

func (k *KB) prov() *provIndex { return k.idx().prov }

// bareName returns a model id without its organisation and without a
// Hugging Face URL prefix.
func bareName(id string) string {
	id = TrimHubURL(id)
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		return id[i+1:]
	}
	return id
}

// TrimHubURL turns a Hugging Face URL ("https://huggingface.co/org/name",
// ".../datasets/org/name", with or without /tree/… or /blob/…) into the
// repository id; other strings are returned trimmed.
func TrimHubURL(s string) string {
	s = strings.TrimSpace(s)
	low := strings.ToLower(s)
	for _, p := range []string{"https://huggingface.co/", "http://huggingface.co/", "https://hf.co/", "http://hf.co/", "huggingface.co/", "hf.co/"} {
		if strings.HasPrefix(low, p) {
			s = s[len(p):]
			if strings.HasPrefix(strings.ToLower(s), "datasets/") {
				s = s[len("datasets/"):]
			}
			parts := strings.SplitN(s, "/", 3)
			if len(parts) >= 2 {
				s = parts[0] + "/" + parts[1]
			}
			s = strings.TrimSuffix(s, ".git")
			break
		}
	}
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	return strings.Trim(s, "/")
}

func normalizeOllama(name string) string {
	n := Normalize(name)
	n = strings.TrimPrefix(n, "registry.ollama.ai/")
	n = strings.TrimPrefix(n, "library/")
	if !strings.Contains(n, ":") {
		n += ":latest"
	}
	return n
}

// ModelByName finds a model by id or alias, then by its name without the
// organisation when exactly one model has that name. It accepts Hugging
// Face URLs.
func (k *KB) ModelByName(name string) *Model {
	name = TrimHubURL(name)
	if name == "" {
		return nil
	}
	if m := k.Model(name); m != nil {
		return m
	}
	if ms := k.prov().bare[Normalize(bareName(name))]; len(ms) == 1 {
		return ms[0]
	}
	return nil
}

// ModelByOllama finds the model an Ollama library name ("deepseek-r1:7b",
// "registry.ollama.ai/library/deepseek-r1:7b") is a quantisation of. A name
// without a tag means ":latest".
func (k *KB) ModelByOllama(name string) *Model {
	return k.prov().ollama[normalizeOllama(name)]
}

// OrganizationByFamily finds the developer of a model family that the
// model name starts with, or that appears in it as a whole word (the
// longest family wins), and returns it with the family matched.
func (k *KB) OrganizationByFamily(name string) (*Organization, string) {
	n := Normalize(bareName(name))
	if n == "" {
		return nil, ""
	}
	for _, f := range k.prov().families {
		if familyIn(n, f.family) {
			return f.org, f.family
		}
	}
	return nil, ""
}

// familyIn reports whether family occurs in name at a word start: the start
// of the name or after a separator, and followed by a separator, a digit,
// a dot or the end.
func familyIn(name, family string) bool {
	for i := 0; i+len(family) <= len(name); {
		j := strings.Index(name[i:], family)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(family)
		startOK := j == 0 || isSep(name[j-1])
		endOK := end == len(name) || isSep(name[end]) || name[end] >= '0' && name[end] <= '9' || name[end] == '.'
		if startOK && endOK {
			return true
		}
		i = j + 1
	}
	return false
}

func isSep(c byte) bool { return c == '-' || c == '_' || c == '.' || c == '/' || c == ' ' }

// OrganizationOf returns the developer of a model id: the KB model's
// developer, else the organisation of its Hugging Face id.
func (k *KB) OrganizationOf(id string) *Organization {
	if m := k.ModelByName(id); m != nil {
		if o := k.Organization(m.Developer); o != nil {
			return o
		}
	}
	id = TrimHubURL(id)
	if i := strings.IndexByte(id, '/'); i > 0 {
		return k.Organization(id[:i])
	}
	return nil
}

// OutputTermsByID finds output terms by id.
func (k *KB) OutputTermsByID(id string) *OutputTerms { return k.prov().terms[Normalize(id)] }

// OutputTermsForLicense returns the output terms of a model licence.
func (k *KB) OutputTermsForLicense(licenseID string) []*OutputTerms {
	if licenseID == "" {
		return nil
	}
	if ts := k.prov().byLic[Normalize(licenseID)]; ts != nil {
		return ts
	}
	// The licence may be declared under an alias the licence records know.
	if l := k.License(licenseID); l != nil && Normalize(l.ID) != Normalize(licenseID) {
		return k.prov().byLic[Normalize(l.ID)]
	}
	return nil
}

// OutputTermsForGenerator returns the output terms whose model patterns
// match a generator's name ("OpenAI GPT-4", "Claude 2.1", "gpt-3.5-turbo"),
// most specific pattern first. Terms of the model's own licence come first
// when the name is a known model.
func (k *KB) OutputTermsForGenerator(name string) []*OutputTerms {
	n := Normalize(name)
	if n == "" {
		return nil
	}
	var out []*OutputTerms
	if m := k.ModelByName(name); m != nil {
		// The model's own licence, then those of the models it derives
		// from (a distillation onto Llama 3.3 carries the Llama 3.3 terms).
		for _, lic := range k.ancestorLicenses(m) {
			for _, t := range k.OutputTermsForLicense(lic) {
				if !slices.Contains(out, t) {
					out = append(out, t)
				}
			}
		}
	}
	type hit struct {
		t   *OutputTerms
		len int
	}
	var hits []hit
	for _, t := range k.OutputTerms {
		best := -1
		for _, p := range t.Models {
			if GlobMatch(Normalize(p), n) && len(p) > best {
				best = len(p)
			}
		}
		if best >= 0 && !slices.Contains(out, t) {
			hits = append(hits, hit{t, best})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return cmp.Compare(b.len, a.len) })
	for _, h := range hits {
		out = append(out, h.t)
	}
	return out
}

// maxKBAncestry bounds the walk over knowledge-base bases when collecting
// the licences of a model's ancestors (the data is trusted but may be
// overlaid with cycles).
const maxKBAncestry = 16

// ancestorLicenses returns the licence of m and of every model it derives
// from by weights (finetune, adapter, merge, quantized), breadth first,
// without duplicates.
func (k *KB) ancestorLicenses(m *Model) []string {
	var out []string
	seen := map[*Model]bool{m: true}
	queue := []*Model{m}
	for depth := 0; len(queue) > 0 && depth <= maxKBAncestry; depth++ {
		var next []*Model
		for _, x := range queue {
			if x.License != "" && !slices.Contains(out, x.License) {
				out = append(out, x.License)
			}
			for _, b := range x.Bases {
				if b.Relation == "distilled" {
					continue
				}
				if bm := k.ModelByName(b.Model); bm != nil && !seen[bm] {
					seen[bm] = true
					next = append(next, bm)
				}
			}
		}
		queue = next
	}
	return out
}

// GlobMatch reports whether s matches pattern, in which "*" matches any run
// of characters (including none) and every other character itself.
func GlobMatch(pattern, s string) bool {
	// Iterative matching with backtracking to the last star: linear in
	// practice, never exponential.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// Jurisdictions lists every jurisdiction some policy names, sorted by id.
func (k *KB) Jurisdictions() []Jurisdiction { return slices.Clone(k.prov().juris) }

// Policy finds a government policy by id ("us-ks-hb-2313"), or nil.
func (k *KB) Policy(id string) *Policy { return k.prov().byID[Normalize(id)] }

// PoliciesFor returns the policies of one jurisdiction id.
func (k *KB) PoliciesFor(jurisdiction string) []*Policy {
	return k.prov().policies[Normalize(jurisdiction)]
}

// UnknownJurisdictionError reports selected jurisdictions that no policy
// names.
type UnknownJurisdictionError struct {
	IDs []string
}

func (e *UnknownJurisdictionError) Error() string {
	return fmt.Sprintf("unknown jurisdiction %s (see docs/KNOWLEDGE-BASE.md for the list)", strings.Join(e.IDs, ", "))
}

// ExpandJurisdictions resolves a selection of jurisdiction ids into the ids
// the knowledge base knows, sorted and without duplicates. An entry may end
// in "*" to select every id with that prefix ("us-*"), and "*" alone selects
// all. Entries that match nothing are reported in an
// *UnknownJurisdictionError.
func (k *KB) ExpandJurisdictions(sel []string) ([]string, error) {
	var out, unknown []string
	for _, s := range sel {
		n := Normalize(s)
		found := false
		for _, j := range k.prov().juris {
			if GlobMatch(n, j.ID) {
				out = append(out, j.ID)
				found = true
			}
		}
		if !found {
			unknown = append(unknown, s)
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(unknown) > 0 {
		return out, &UnknownJurisdictionError{IDs: unknown}
	}
	return out, nil
}

// AllegationsAbout returns the allegations whose subjects include id (an
// Organization or Model id).
func (k *KB) AllegationsAbout(id string) []*Allegation {
	return k.prov().alleged[Normalize(id)]
}

// DatasetByName finds a dataset by id, alias or Hugging Face URL.
func (k *KB) DatasetByName(name string) *Dataset {
	return k.Dataset(TrimHubURL(name))
}
