// Command audit audits AI model releases and prints a report with a verdict.
//
// Usage:
//
//	go run ./examples/audit [flags] TARGET...
//
// TARGET is a model directory, a weight file, ollama:NAME[:TAG] or
// hf:ORG/NAME[@REV]. A folder that holds unrelated releases (a Downloads
// folder with two models) is audited one release at a time, one report
// each (manifest.MultipleReleasesError says what counts as one release).
// Exit status: 0 pass, 1 could not audit, 2 usage, 3 review, 4 fail (the
// worst over all targets and releases).
//
// This is an example program built on the modelvet library, not a supported
// command-line tool.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/modelvet/modelvet"
	"github.com/modelvet/modelvet/examples/internal/cli"
	"github.com/modelvet/modelvet/manifest"
	"github.com/modelvet/modelvet/report"
)

// Exit statuses.
const (
	exitPass   = cli.ExitPass
	exitError  = cli.ExitError
	exitUsage  = cli.ExitUsage
	exitReview = cli.ExitReview
	exitFail   = cli.ExitFail
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f cli.Flags
	f.Register(fs, "text")
	var hub cli.HubFlags
	hub.Register(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: audit [flags] TARGET...\n\nTARGET is a model directory, a weight file, ollama:NAME[:TAG] or hf:ORG/NAME[@REV].\nExit status: 0 pass, 1 could not audit, 2 usage, 3 review, 4 fail.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cli.ParseStatus(err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	if err := hub.Check(fs.Args()); err != nil {
		fmt.Fprintf(stderr, "audit: %v\n", err)
		return exitUsage
	}
	if hub.Digests != "" && !f.Hashes() {
		fmt.Fprintf(stderr, "audit: note: -hub-digests compares digests only when the files are hashed; add -verify\n")
	}
	encode, err := encoder(f.Format)
	if err != nil {
		fmt.Fprintf(stderr, "audit: %v\n", err)
		return exitUsage
	}
	auditor, err := f.Auditor()
	if err != nil {
		fmt.Fprintf(stderr, "audit: %v\n", err)
		return exitUsage
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	status := exitPass
	for _, target := range fs.Args() {
		st := auditOne(ctx, auditor, hub.Source, target, encode, stdout, stderr)
		status = worse(status, st)
	}
	return status
}

// auditOne audits a target, or each release of a folder that holds
// unrelated ones (one report each), and returns the exit status.
func auditOne(ctx context.Context, a *modelvet.Auditor, source func(string) (manifest.Source, error), target string, encode func(io.Writer, *report.Report) error, stdout, stderr io.Writer) int {
	src, err := source(target)
	var multi *manifest.MultipleReleasesError
	if errors.As(err, &multi) {
		fmt.Fprintf(stderr, "audit: %s holds %d unrelated releases; auditing each on its own\n", target, len(multi.Releases))
		status := exitPass
		for _, src := range multi.Sources() {
			status = worse(status, auditSource(ctx, a, src, src.String(), encode, stdout, stderr))
		}
		return status
	}
	if err != nil {
		fmt.Fprintf(stderr, "audit: %v\n", err)
		if errors.Is(err, manifest.ErrUnsupported) {
			return exitUsage
		}
		return exitError
	}
	return auditSource(ctx, a, src, target, encode, stdout, stderr)
}

// auditSource audits one release and writes its report.
func auditSource(ctx context.Context, a *modelvet.Auditor, src manifest.Source, target string, encode func(io.Writer, *report.Report) error, stdout, stderr io.Writer) int {
	rep, err := a.Audit(ctx, src)
	if err != nil {
		msg := err.Error()
		if !strings.Contains(msg, target) {
			msg = target + ": " + msg
		}
		fmt.Fprintf(stderr, "audit: %s\n", msg)
		return exitError
	}
	if err := encode(stdout, rep); err != nil {
		fmt.Fprintf(stderr, "audit: writing report: %v\n", err)
		return exitError
	}
	switch rep.Verdict {
	case modelvet.Fail:
		return exitFail
	case modelvet.Review:
		return exitReview
	}
	return exitPass
}

// worse returns the more serious of two exit statuses: usage and
// could-not-audit outrank any verdict.
func worse(a, b int) int { return cli.Worse(a, b) }

func encoder(format string) (func(io.Writer, *report.Report) error, error) {
	enc, err := modelvet.Encoder(format)
	if err != nil {
		return nil, fmt.Errorf("-format: %w", err)
	}
	return enc, nil
}
