// Command quickstart audits one model and prints what a procurement tool
// reads from the report. The README shows it as the first program to write.
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/modelvet/modelvet"
	"github.com/modelvet/modelvet/manifest"
	"github.com/modelvet/modelvet/report"
)

func main() {
	// A directory, a weight file, "ollama:NAME:TAG" or "hf:ORG/NAME@REV".
	src, err := manifest.Parse(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	policy, err := modelvet.ParsePolicy("buyer.yaml", []byte(`
jurisdictions: [us-federal, us-dod]
lineage: {deny_countries: [CN]}   # no model from China, nor derived from one
`))
	if err != nil {
		log.Fatal(err)
	}
	a, err := modelvet.New(modelvet.WithPolicy(policy)) // safe for concurrent use
	if err != nil {
		log.Fatal(err)
	}
	rep, err := a.Audit(context.Background(), src) // err: could not audit
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("verdict:", rep.Verdict) // pass, review or fail
	if o, ok := rep.Origin(); ok {
		fmt.Println("made by:", o.Developer, o.Country)
	}
	fmt.Println("barred in:", report.BarredIn(rep.GovernmentBars()))
	for _, f := range rep.Findings {
		fmt.Printf("%-8s %s: %s\n", f.Severity, f.Code, f.Message)
	}
}
