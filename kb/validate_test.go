package kb

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

const goodPolicy = `policies:
  - id: acme-order
    jurisdiction: acme-state
    jurisdiction_name: ACME State
    body: ACME State government
    instrument: Executive order 1
    status: in-force
    status_text: IN FORCE
    covers:
      countries: [CN]
      scope: all-ai
      self_hosted: "yes"
    summary: Bars AI from developers in China on state devices.
    confidence: high
    sources: [{url: "https://example.com/order-1", date: "2027-01-05"}]
`

// validationErrors loads an overlay of one file and returns the
// *ValidationError values Load reports.
func validationErrors(t *testing.T, file, doc string) []*ValidationError {
	t.Helper()
	_, err := Load(fstest.MapFS{file: {Data: []byte(doc)}})
	if err == nil {
		t.Fatalf("%s was accepted:\n%s", file, doc)
	}
	var out []*ValidationError
	var first *ValidationError
	if !errors.As(err, &first) {
		t.Fatalf("error %v is not a *ValidationError", err)
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			var ve *ValidationError
			if errors.As(e, &ve) {
				out = append(out, ve)
			}
		}
	} else {
		out = append(out, first)
	}
	return out
}

// An overlay with a value outside a field's values, or a country written
// as a name, is rejected with the file, the line, the record and the
// values allowed; every such error of the file is reported.
func TestOverlayValidation(t *testing.T) {
	if _, err := Load(fstest.MapFS{"policies.yaml": {Data: []byte(goodPolicy)}}); err != nil {
		t.Fatalf("a well-formed overlay: %v", err)
	}
	doc := strings.Replace(goodPolicy, "status: in-force", "status: enacted-ish", 1)
	doc = strings.Replace(doc, "countries: [CN]", "countries: [China, cn]", 1)
	errs := validationErrors(t, "policies.yaml", doc)
	want := []string{
		`overlay policies.yaml:7: acme-order: status "enacted-ish": is not an allowed value (want enacted, in-force, proposed, advisory, unverified, lifted, pending)`,
		`overlay policies.yaml:10: acme-order: covers.countries[0] "China": is not an ISO 3166-1 alpha-2 country code (two capital letters, as CN or US); China is CN`,
		`overlay policies.yaml:10: acme-order: covers.countries[1] "cn": is not an ISO 3166-1 alpha-2 country code (two capital letters, as CN or US); China is CN`,
	}
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	if !slices.Equal(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if e := errs[0]; e.File != "overlay policies.yaml" || e.Line != 7 || e.Record != "acme-order" || e.Field != "status" || !slices.Contains(e.Allowed, "in-force") {
		t.Errorf("fields of the first error: %+v", e)
	}

	for _, tc := range []struct{ file, doc, want string }{
		{"organizations.yaml", "organizations:\n  - {id: acme, name: ACME, country: USA, kind: developer, confidence: high, sources: [{url: \"https://example.com\"}]}\n",
			`overlay organizations.yaml:2: acme: country "USA": is not an ISO 3166-1 alpha-2 country code (two capital letters, as CN or US)`},
		{"organizations.yaml", "organizations:\n  - {id: acme, name: ACME, country: US, kind: vendor, confidence: high, sources: [{url: \"https://example.com\"}]}\n",
			`overlay organizations.yaml:2: acme: kind "vendor": is not an allowed value (want developer, repackager, community)`},
		{"models.yaml", "models:\n  - id: acme/m\n    developer: DeepSeek\n    bases: [{model: acme/base, relation: finetuned}]\n    confidence: sure\n    sources: [{url: example.com}]\n",
			`overlay models.yaml:3: acme/m: developer "DeepSeek": is not an organisation id of organizations.yaml; DeepSeek's id is deepseek-ai`},
		{"licenses.yaml", "licenses:\n  - id: acme-l\n    name: ACME\n    category: open\n    confidence: primary\n    terms:\n      commercial_use: {value: maybe, summary: s}\n    sources: [{url: \"https://example.com\"}]\n",
			`overlay licenses.yaml:4: acme-l: category "open": is not an allowed value (want permissive, notice, reciprocal, non-commercial, research-only, responsible-use, proprietary, unknown)`},
		{"output-terms.yaml", "output_terms:\n  - {id: t, vendor: openai, instrument: i, scope: everything, summary: s, confidence: high, sources: [{url: \"https://example.com\"}]}\n",
			`overlay output-terms.yaml:2: t: scope "everything": is not an allowed value (want competing, any, derivative, attribution, non-commercial, none)`},
		{"allegations.yaml", "allegations:\n  - {id: a, countries: [Russia], claim: c, by: b, date: 2025-13, status: ALLEGED, confidence: high, sources: [{url: \"https://example.com\"}]}\n",
			`overlay allegations.yaml:2: a: countries[0] "Russia": is not an ISO 3166-1 alpha-2 country code (two capital letters, as CN or US)`},
		{"policies.yaml", strings.Replace(goodPolicy, "    summary:", "    summery:", 1),
			`overlay policies.yaml:13: unknown field "summery"`},
		{"meta.yaml", "version: acme\nas_of: 2027-1-5\n", `overlay meta.yaml:2: as_of "2027-1-5": is not a date YYYY-MM-DD`},
	} {
		errs := validationErrors(t, tc.file, tc.doc)
		if got := errs[0].Error(); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.file, got, tc.want)
		}
	}
	// The models error above is one of several in its file.
	if errs := validationErrors(t, "models.yaml", "models:\n  - id: acme/m\n    developer: DeepSeek\n    bases: [{model: acme/base, relation: finetuned}]\n    confidence: sure\n    sources: [{url: example.com}]\n"); len(errs) != 4 {
		t.Errorf("models.yaml: %d errors, want 4 (developer, relation, confidence, source URL): %v", len(errs), errs)
	}
}

// Every record type of the knowledge base checks its fields as it loads,
// so that a new section cannot skip validation.
func TestEverySectionValidates(t *testing.T) {
	kt := reflect.TypeFor[KB]()
	for i := range kt.NumField() {
		f := kt.Field(i)
		if f.Type.Kind() != reflect.Slice || f.Type.Elem().Kind() != reflect.Pointer || !f.IsExported() {
			continue
		}
		if !f.Type.Elem().Implements(reflect.TypeFor[validator]()) {
			t.Errorf("KB.%s: %s has no validate method", f.Name, f.Type.Elem())
		}
	}
	if len(sections) < 7 {
		t.Errorf("%d sections", len(sections))
	}
}

func TestCountries(t *testing.T) {
	codes := CountryCodes()
	if len(codes) != 249 || !slices.IsSorted(codes) {
		t.Errorf("%d codes (want the 249 officially assigned), sorted %v", len(codes), slices.IsSorted(codes))
	}
	for code, name := range map[string]string{"CN": "China", "HK": "Hong Kong", "TW": "Taiwan", "US": "United States", "KP": "North Korea", "IR": "Iran"} {
		if !IsCountry(code) || CountryName(code) != name {
			t.Errorf("%s: %v %q", code, IsCountry(code), CountryName(code))
		}
	}
	for _, s := range []string{"UK", "EU", "XK", "ZZ", "cn", "China", "", "CHN"} {
		if IsCountry(s) {
			t.Errorf("IsCountry(%q)", s)
		}
	}
	if CountryCode("china") != "CN" || CountryCode("us") != "US" || CountryCode("Atlantis") != "" {
		t.Error("CountryCode")
	}
}
