package kb_test

import (
	"errors"
	"fmt"
	"log"
	"strings"
	"testing/fstest"

	"github.com/modelvet/modelvet/kb"
)

// Overlay the embedded knowledge base with a buyer's own facts: a state
// order the embedded data does not have yet. An overlay is usually a
// folder (os.DirFS("our-kb")); records replace or add to the embedded ones
// by id, and every field is checked as it loads.
func ExampleLoad() {
	overlay := fstest.MapFS{
		"meta.yaml": {Data: []byte("version: acme-2027-01\nas_of: \"2027-01-05\"\n")},
		"policies.yaml": {Data: []byte(`policies:
  - id: acme-state-order-1
    jurisdiction: acme-state
    jurisdiction_name: ACME State (state government)
    body: Governor of ACME State
    instrument: Executive order 1
    status: in-force
    status_text: IN FORCE
    covers: {countries: [CN], scope: all-ai, self_hosted: "yes"}
    summary: Bars AI from developers in China on state devices.
    confidence: high
    sources: [{url: "https://example.com/order-1", date: "2027-01-05"}]
`)},
	}
	k, err := kb.Load(overlay)
	if err != nil {
		log.Fatal(err)
	}
	p := k.Policy("acme-state-order-1")
	fmt.Println(k.Version(), k.Date())
	fmt.Println(p.Jurisdiction, p.Status, kb.Binding(p.Status), p.Covers.Countries)

	// A country written as a name, or a status the schema does not know,
	// is an error naming the file, the line and the values allowed.
	bad := strings.NewReplacer("status: in-force", "status: enacted-ish", "countries: [CN]", "countries: [China]").
		Replace(string(overlay["policies.yaml"].Data))
	overlay["policies.yaml"] = &fstest.MapFile{Data: []byte(bad)}
	_, err = kb.Load(overlay)
	var ve *kb.ValidationError
	if errors.As(err, &ve) {
		fmt.Println(ve.File, ve.Line, ve.Record, ve.Field, ve.Value)
	}
	fmt.Println(err)
	// Output:
	// 2026.11.29+acme-2027-01 2027-01-05
	// acme-state in-force true [CN]
	// overlay policies.yaml 7 acme-state-order-1 status enacted-ish
	// overlay policies.yaml:7: acme-state-order-1: status "enacted-ish": is not an allowed value (want enacted, in-force, proposed, advisory, unverified, lifted, pending)
	// overlay policies.yaml:9: acme-state-order-1: covers.countries[0] "China": is not an ISO 3166-1 alpha-2 country code (two capital letters, as CN or US); China is CN
}
