// Command intake audits models into a CSV, one row per model (a folder of
// unrelated models gives a row each): verdict, who made the weights, the
// models its lineage starts from, where government policies bar it, its
// licences. Exit status: 0 all pass, 3 any review, 4 any fail, 1 any could
// not be audited, 2 usage. An example built on modelvet, not a supported tool.
//
//	go run ./examples/intake [-policy FILE] TARGET... > intake.csv
package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/modelvet/modelvet"
	"github.com/modelvet/modelvet/manifest"
	"github.com/modelvet/modelvet/report"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("intake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	policyFile := fs.String("policy", "", "policy `FILE` (default: the embedded cautious-buyer policy)")
	if fs.Parse(args) != nil || fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: intake [-policy FILE] TARGET...")
		return 2
	}
	var opts []modelvet.Option
	if *policyFile != "" {
		p, err := modelvet.LoadPolicy(*policyFile)
		if err != nil {
			fmt.Fprintln(stderr, "intake:", err)
			return 2
		}
		opts = append(opts, modelvet.WithPolicy(p))
	}
	a, err := modelvet.New(opts...)
	if err != nil {
		fmt.Fprintln(stderr, "intake:", err)
		return 2
	}
	w := csv.NewWriter(stdout)
	w.Write([]string{"target", "name", "verdict", "developer", "country", "roots", "barred_in", "licenses", "error"})
	order, worst := []string{"pass", "review", "fail", "error"}, 0 // the worst sets the exit status
	for _, target := range fs.Args() {
		src, err := manifest.Parse(target)
		var multi *manifest.MultipleReleasesError
		if !errors.As(err, &multi) {
			row := audit(a, target, src, err)
			w.Write(row)
			worst = max(worst, slices.Index(order, row[2]))
			continue
		}
		for _, s := range multi.Sources() {
			row := audit(a, s.String(), s, nil)
			w.Write(row)
			worst = max(worst, slices.Index(order, row[2]))
		}
	}
	if w.Flush(); w.Error() != nil {
		return 1
	}
	return []int{0, 3, 4, 1}[worst]
}

// audit audits one release into a row (err: its target did not parse).
func audit(a *modelvet.Auditor, target string, src manifest.Source, err error) []string {
	var r *report.Report
	if err == nil {
		r, err = a.Audit(context.Background(), src)
	}
	if err != nil {
		return cells(target, "", "error", "", "", "", "", "", err.Error())
	}
	o, _ := r.Origin() // zero when no developer is known
	var licenses []string
	for _, l := range r.Licenses {
		licenses = append(licenses, l.ID)
	}
	return cells(target, r.Subject.Name, string(r.Verdict), o.Developer, o.Country, strings.Join(r.Roots, " "),
		strings.Join(report.BarredIn(r.GovernmentBars()), " "), strings.Join(licenses, " "), "")
}

// cells quotes values a spreadsheet would run as formulas: release names
// are anyone's to choose.
func cells(vs ...string) []string {
	for i, v := range vs {
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			vs[i] = "'" + v
		}
	}
	return vs
}
