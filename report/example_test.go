package report_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/modelvet/modelvet/report"
)

// Read a JSON report back, as a dashboard reading an audit's output
// would: the same typed facts as the audit returned, and an error for a
// document that is not a modelvet report.
func ExampleReadJSON() {
	f, err := os.Open("../testdata/golden/r1-distill-qwen-7b-gguf.json")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	r, err := report.ReadJSON(f)
	if err != nil {
		log.Fatal(err)
	}
	o, _ := r.Origin()
	fmt.Println(r.Verdict, o.DeveloperID, o.Country)
	fmt.Println(report.BarredIn(r.GovernmentBars()))
	for _, file := range r.Files {
		if n, ok := file.Metadata.Int("parameters"); ok {
			fmt.Println(file.Path, file.Format, n)
		}
	}

	_, err = report.ReadJSON(strings.NewReader(`{"schema": "modelvet.report/v1", "verdict": "maybe"}`))
	var ie *report.InvalidError
	fmt.Println(errors.As(err, &ie), errors.Is(err, report.ErrInvalid), ie.Field)
	// Output:
	// fail deepseek-ai CN
	// [us-dod us-federal?]
	// DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf gguf 1280
	// true true verdict
}
