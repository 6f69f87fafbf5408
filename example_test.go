package modelvet_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"strings"
	"sync"
	"time"

	"github.com/modelvet/modelvet"
	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/manifest"
	"github.com/modelvet/modelvet/report"
)

// Audit a model folder and read the facts a procurement tool needs: the
// verdict, who made the weights, and which government policies bar them.
// (WithClock and WithoutHashingUnsafe only make the example quick and its
// output fixed.)
func Example() {
	src, err := manifest.Parse("testdata/models/r1-distill-qwen-7b-gguf")
	if err != nil {
		log.Fatal(err)
	}
	rep, err := modelvet.Audit(context.Background(), src,
		modelvet.WithJurisdictions("us-dod"),
		modelvet.WithoutHashingUnsafe(),
		modelvet.WithClock(func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("verdict:", rep.Verdict)
	if o, ok := rep.Origin(); ok {
		fmt.Printf("origin: %s (%s), %s\n", o.Developer, o.DeveloperID, o.Country)
	}
	fmt.Println("roots:", strings.Join(rep.Roots, ", "))
	for _, b := range rep.GovernmentBars() {
		fmt.Printf("bar: %s %s covers=%s certain=%v severity=%s\n", b.Jurisdiction, b.Policy, b.Covers, b.Certain, b.Severity)
	}
	fmt.Println("barred in:", report.BarredIn(rep.GovernmentBars()))
	// Output:
	// verdict: fail
	// origin: DeepSeek (deepseek-ai), CN
	// roots: Qwen/Qwen2.5-7B, deepseek-ai/DeepSeek-V3-Base
	// bar: us-dod us-ndaa-fy2026-s1532 covers=model certain=true severity=high
	// bar: us-dod us-dod-disa-deepseek-block-2025 covers=developer certain=false severity=medium
	// barred in: [us-dod]
}

// Audit many models at once with one Auditor, which is safe for
// concurrent use; the results come back in the order the targets were
// given.
func ExampleAuditor_Audit_concurrent() {
	a, err := modelvet.New(modelvet.WithoutHashingUnsafe())
	if err != nil {
		log.Fatal(err)
	}
	targets := []string{
		"testdata/models/tinyllama-apache",
		"testdata/models/support-bot-llama3",
		"testdata/models/r1-distill-qwen-7b-gguf",
		"testdata/models/no-such-model",
	}
	type result struct {
		rep *modelvet.Report
		err error
	}
	results := make([]result, len(targets))
	sem := make(chan struct{}, 2) // at most two audits at a time
	var wg sync.WaitGroup
	for i, target := range targets {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			src, err := manifest.Parse(target)
			if err == nil {
				results[i].rep, err = a.Audit(context.Background(), src)
			}
			results[i].err = err
		})
	}
	wg.Wait()
	for i, r := range results {
		if r.err != nil {
			fmt.Printf("%s: could not audit (not found: %v)\n", targets[i], errors.Is(r.err, fs.ErrNotExist))
			continue
		}
		fmt.Printf("%s: %s\n", r.rep.Subject.Name, r.rep.Verdict)
	}
	// Output:
	// tinyllama-apache: pass
	// support-bot-llama3: fail
	// r1-distill-qwen-7b-gguf: fail
	// testdata/models/no-such-model: could not audit (not found: true)
}

// A buyer's own rule, denying models from developers in China as the
// model itself or as any ancestor, with a waiver for one model only.
func ExampleParsePolicy() {
	policy, err := modelvet.ParsePolicy("buyer.yaml", []byte(`
name: buyer
jurisdictions: []              # no government's policies: the buyer's rule decides
lineage:
  deny_countries: [CN]         # ISO 3166-1 alpha-2 codes
licenses:
  flow_down_acceptable: true
waivers:
  - code: provenance.denied-origin
    subject: CN                # the denied country or developer
    model: "r1-distill-qwen-*" # this model only (its name or Hub id)
    reason: Approved for the offline translation pilot (PROC-7).
    expires: "2027-06-30"      # the last day it applies
`))
	if err != nil {
		log.Fatal(err)
	}
	a, err := modelvet.New(modelvet.WithPolicy(policy), modelvet.WithoutHashingUnsafe(),
		modelvet.WithClock(func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }))
	if err != nil {
		log.Fatal(err)
	}
	for _, dir := range []string{"testdata/models/r1-distill-qwen-7b-gguf", "testdata/models/tinyllama-apache"} {
		rep, err := a.Audit(context.Background(), manifest.Dir(dir))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(rep.Subject.Name, rep.Verdict)
		for _, f := range rep.Findings {
			if f.Code == finding.ProvenanceDeniedOrigin {
				fmt.Printf("  %s %s (waived: %s)\n", f.Code, f.Subject, f.Waived)
			}
		}
	}
	// Output:
	// r1-distill-qwen-7b-gguf pass
	//   provenance.denied-origin CN (waived: Approved for the offline translation pilot (PROC-7).)
	// tinyllama-apache pass
}
