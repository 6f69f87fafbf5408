package license_test

import (
	"fmt"

	"github.com/modelvet/modelvet/license"
)

// Identify the licence of one text, with no model release around it, and
// read its category and terms.
func ExampleIdentifyText() {
	r := license.IdentifyText("LICENSE", "                                 Apache License\n                           Version 2.0, January 2004\n                        http://www.apache.org/licenses/\n")
	for _, l := range r.Licenses {
		fmt.Println(l.ID, l.Category(), "commercial use allowed:", l.License.Terms.CommercialUse.Allowed())
	}
	r = license.IdentifyText("LICENSE", "You may use these weights for anything except selling them.")
	for _, f := range r.Findings {
		fmt.Println(f.Code)
	}
	// Output:
	// apache-2.0 notice commercial use allowed: true
	// license.unknown
}
