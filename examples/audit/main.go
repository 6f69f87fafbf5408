// Command audit audits AI model releases and prints a report with a verdict.
//
// Usage:
//
//	go run ./examples/audit [flags] TARGET...
//
// TARGET is a model directory, a weight file, ollama:NAME[:TAG] or
// hf:ORG/NAME[@REV]. Exit status: 0 pass, 1 could not audit, 2 usage,
// 3 review, 4 fail (the worst over all targets).
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
	"github.com/modelvet/modelvet/manifest"
	"github.com/modelvet/modelvet/report"
)

// Exit statuses.
const (
	exitPass   = 0
	exitError  = 1
	exitUsage  = 2
	exitReview = 3
	exitFail   = 4
)

type flags struct {
	format       string
	policy       string
	jurisdiction string
	kbDir        string
	verify       bool
	signature    string
	key          string
	certChain    string
	trustedRoot  string
	identity     string
	issuer       string
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f flags
	fs.StringVar(&f.format, "format", "text", "output format: text or json")
	fs.StringVar(&f.policy, "policy", "", "policy `FILE` (YAML); default: the embedded cautious-buyer policy")
	fs.StringVar(&f.jurisdiction, "jurisdiction", "", "comma-separated `LIST` of jurisdictions whose government policies apply (e.g. us-federal,us-tx)")
	fs.StringVar(&f.kbDir, "kb", "", "knowledge-base overlay `DIR` merged over the embedded facts")
	fs.BoolVar(&f.verify, "verify", false, "hash every file and verify it against published digests and the signature")
	fs.StringVar(&f.signature, "signature", "", "model signature `FILE` (default: model.sig in the release)")
	fs.StringVar(&f.key, "key", "", "public key `FILE` (PEM) trusted to sign models")
	fs.StringVar(&f.certChain, "cert-chain", "", "certificate `FILE` (PEM) of CA roots trusted to sign models")
	fs.StringVar(&f.trustedRoot, "trusted-root", "", "Sigstore trusted_root.json `FILE` for keyless signatures (offline)")
	fs.StringVar(&f.identity, "identity", "", "signer identity required of keyless signatures")
	fs.StringVar(&f.issuer, "issuer", "", "OIDC issuer required of keyless signatures")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: audit [flags] TARGET...\n\nTARGET is a model directory, a weight file, ollama:NAME[:TAG] or hf:ORG/NAME[@REV].\nExit status: 0 pass, 1 could not audit, 2 usage, 3 review, 4 fail.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	opts, err := options(f)
	if err != nil {
		fmt.Fprintf(stderr, "audit: %v\n", err)
		return exitUsage
	}
	encode, err := encoder(f.format)
	if err != nil {
		fmt.Fprintf(stderr, "audit: %v\n", err)
		return exitUsage
	}
	auditor, err := modelvet.New(opts...)
	if err != nil {
		fmt.Fprintf(stderr, "audit: %v\n", err)
		return exitUsage
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	status := exitPass
	for _, target := range fs.Args() {
		st := auditOne(ctx, auditor, target, encode, stdout, stderr)
		status = worse(status, st)
	}
	return status
}

func auditOne(ctx context.Context, a *modelvet.Auditor, target string, encode func(io.Writer, *report.Report) error, stdout, stderr io.Writer) int {
	src, err := manifest.Parse(target)
	if err != nil {
		fmt.Fprintf(stderr, "audit: %v\n", err)
		if errors.Is(err, manifest.ErrUnsupported) {
			return exitUsage
		}
		return exitError
	}
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
func worse(a, b int) int {
	rank := map[int]int{exitPass: 0, exitReview: 1, exitFail: 2, exitError: 3, exitUsage: 4}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func options(f flags) ([]modelvet.Option, error) {
	var opts []modelvet.Option
	if f.policy != "" {
		p, err := modelvet.LoadPolicy(f.policy)
		if err != nil {
			return nil, err
		}
		opts = append(opts, modelvet.WithPolicy(p))
	}
	if f.jurisdiction != "" {
		var ids []string
		for _, j := range strings.Split(f.jurisdiction, ",") {
			if j = strings.TrimSpace(j); j != "" {
				ids = append(ids, j)
			}
		}
		opts = append(opts, modelvet.WithJurisdictions(ids...))
	}
	if f.kbDir != "" {
		if fi, err := os.Stat(f.kbDir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("-kb %s: not a directory", f.kbDir)
		}
		opts = append(opts, modelvet.WithKnowledgeBase(os.DirFS(f.kbDir)))
	}
	for name, v := range map[string]string{"-signature": f.signature, "-key": f.key, "-cert-chain": f.certChain, "-trusted-root": f.trustedRoot, "-identity": f.identity, "-issuer": f.issuer} {
		if v != "" {
			return nil, fmt.Errorf("%s: signature verification is not yet supported", name)
		}
	}
	if f.verify {
		return nil, errors.New("-verify: hashing is not yet supported")
	}
	opts = append(opts, modelvet.WithoutHashingUnsafe())
	return opts, nil
}

func encoder(format string) (func(io.Writer, *report.Report) error, error) {
	switch format {
	case "json":
		return report.WriteJSON, nil
	case "text":
		return func(w io.Writer, r *report.Report) error { return report.WriteText(w, r, report.TextOptions{}) }, nil
	case "sarif", "cyclonedx":
		return nil, fmt.Errorf("-format %s: not yet supported", format)
	}
	return nil, fmt.Errorf("-format %q: want text or json", format)
}
