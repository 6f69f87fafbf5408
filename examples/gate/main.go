// Command gate is a procurement gate: it audits a list of models under one
// policy, concurrently, prints a summary table naming every model with its
// verdict, and exits non-zero if any model fails.
//
// Usage:
//
//	go run ./examples/gate [flags] TARGET...
//	go run ./examples/gate [flags] -list FILE
//
// TARGET is a model directory, a weight file, ollama:NAME[:TAG] or
// hf:ORG/NAME[@REV]. A list file has one target per line; blank lines and
// "#" comments are ignored. The table lists models in input order.
//
// Exit status: 0 every model passes, 3 any needs review, 4 any fails, 1 any
// could not be audited, 2 usage (the worst wins).
//
// This is an example program built on the modelvet library, not a supported
// command-line tool.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/modelvet/modelvet"
	"github.com/modelvet/modelvet/examples/internal/cli"
	"github.com/modelvet/modelvet/manifest"
	"github.com/modelvet/modelvet/report"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// Result is the JSON summary of a gate run (-json).
type Result struct {
	Schema        string         `json:"schema"`
	Policy        string         `json:"policy"`
	Jurisdictions []string       `json:"jurisdictions"`
	Models        []cli.Summary  `json:"models"`
	Totals        map[string]int `json:"totals"`
	Exit          int            `json:"exit"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f cli.Flags
	f.Register(fs, "json")
	fs.Lookup("format").Usage = "`FORMAT` of the reports -reports writes: " + strings.Join(modelvet.Formats(), ", ") + " (the summary is a table, or JSON with -json)"
	list := fs.String("list", "", "read targets from `FILE`, one per line (\"-\" for standard input)")
	jobs := fs.Int("j", runtime.GOMAXPROCS(0), "audit at most `N` models at once")
	jsonOut := fs.Bool("json", false, "print the summary as JSON instead of a table")
	reports := fs.String("reports", "", "write each model's full report, in -format, into `DIR`")
	var hf cli.HubFlags
	hf.RegisterDeadline(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: gate [flags] TARGET...\n       gate [flags] -list FILE\n\nAudits every target under one policy and prints a summary table.\nExit status: 0 all pass, 3 any review, 4 any fail, 1 any could not be audited, 2 usage.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cli.ParseStatus(err)
	}
	targets := fs.Args()
	if *list != "" {
		more, err := readList(*list)
		if err != nil {
			fmt.Fprintf(stderr, "gate: -list: %v\n", err)
			return cli.ExitUsage
		}
		targets = append(targets, more...)
	}
	if len(targets) == 0 {
		fs.Usage()
		return cli.ExitUsage
	}
	if *jobs < 1 {
		fmt.Fprintf(stderr, "gate: -j must be at least 1\n")
		return cli.ExitUsage
	}
	var encode modelvet.EncodeFunc
	if *reports != "" {
		var err error
		if encode, err = f.Encoder(); err != nil {
			fmt.Fprintf(stderr, "gate: %v\n", err)
			return cli.ExitUsage
		}
		if err := os.MkdirAll(*reports, 0o755); err != nil {
			fmt.Fprintf(stderr, "gate: -reports: %v\n", err)
			return cli.ExitUsage
		}
	}
	auditor, err := f.Auditor()
	if err != nil {
		fmt.Fprintf(stderr, "gate: %v\n", err)
		return cli.ExitUsage
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	summaries := auditAll(ctx, auditor, hf.Source, targets, *jobs, func(i int, rep *report.Report) error {
		if encode == nil {
			return nil
		}
		return writeReport(*reports, i, rep, f.Format, encode)
	})

	status := cli.ExitPass
	for _, s := range summaries {
		status = cli.Worse(status, s.Status())
	}
	if *jsonOut {
		res := Result{
			Schema:        "modelvet.gate/v1",
			Policy:        auditor.Policy().Name,
			Jurisdictions: auditor.Jurisdictions(),
			Models:        summaries,
			Totals:        cli.Tally(summaries),
			Exit:          status,
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			fmt.Fprintf(stderr, "gate: %v\n", err)
			return cli.ExitError
		}
		return status
	}
	if err := cli.WriteTable(stdout, summaries, cli.ColModel, cli.ColVerdict, cli.ColCounts, cli.ColTop); err != nil {
		fmt.Fprintf(stderr, "gate: %v\n", err)
		return cli.ExitError
	}
	return status
}

func readList(path string) ([]string, error) {
	if path == "-" {
		return cli.ReadTargets(os.Stdin)
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return cli.ReadTargets(fh)
}

// auditAll audits targets, whose sources source returns, with at most jobs
// audits at once and returns their summaries in input order. done is
// called with each report.
func auditAll(ctx context.Context, a *modelvet.Auditor, source func(string) (manifest.Source, error), targets []string, jobs int, done func(int, *report.Report) error) []cli.Summary {
	out := make([]cli.Summary, len(targets))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(jobs, len(targets)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				out[i] = auditOne(ctx, a, source, i, targets[i], done)
			}
		}()
	}
	for i := range targets {
		work <- i
	}
	close(work)
	wg.Wait()
	return out
}

func auditOne(ctx context.Context, a *modelvet.Auditor, source func(string) (manifest.Source, error), i int, target string, done func(int, *report.Report) error) cli.Summary {
	if err := ctx.Err(); err != nil {
		return cli.ErrorSummary(target, err)
	}
	src, err := source(target)
	if err != nil {
		return cli.ErrorSummary(target, err)
	}
	rep, err := a.Audit(ctx, src)
	if err != nil {
		return cli.ErrorSummary(target, err)
	}
	if err := done(i, rep); err != nil {
		return cli.ErrorSummary(target, fmt.Errorf("writing report: %w", err))
	}
	return cli.Summarize(target, rep)
}

// writeReport writes rep into dir as NNN-name.ext.
func writeReport(dir string, i int, rep *report.Report, format string, encode modelvet.EncodeFunc) error {
	name := fmt.Sprintf("%03d-%s.%s", i+1, fileSafe(rep.Subject.Name), extension(format))
	fh, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	if err := encode(fh, rep); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

// fileSafe keeps letters, digits, '.', '-' and '_' of a model name.
func fileSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 80 {
			break
		}
	}
	out := strings.Trim(b.String(), ".")
	if out == "" {
		return "model"
	}
	return out
}

func extension(format string) string {
	switch strings.ToLower(format) {
	case modelvet.FormatText:
		return "txt"
	case modelvet.FormatMarkdown, "md":
		return "md"
	case modelvet.FormatSARIF:
		return "sarif"
	case modelvet.FormatCycloneDX:
		return "cdx.json"
	}
	return "json"
}
