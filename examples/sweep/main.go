// Command sweep finds every model on a machine — in the Hugging Face
// cache, the Ollama store, LM Studio's folder and any roots given — audits
// each from its metadata, and flags those a policy fails or a government
// policy bars.
//
// Usage:
//
//	go run ./examples/sweep [flags] [ROOT...]
//
// With no ROOT, the default locations are swept; with ROOTs, only those
// (add -defaults to sweep both). A root may be a Hugging Face cache, an
// Ollama store, or any folder: there every GGUF file is a model and every
// folder holding weights or a model card is one. Files are not hashed
// unless -verify is given, so a sweep reads only headers and cards.
//
// The table names each model as its store knows it (deepseek-r1:7b,
// org/name@1a2b3c4 for a cache snapshot, the file name of a loose file,
// lengthened only where two would read the same), with the store it was
// found in, its origin (developer and country of the weights, from the
// lineage), its verdict and the selected jurisdictions whose government
// policies cover it: plain when an enacted or in-force instrument reaches
// the model itself, marked "?" when the instruments may not reach it (an
// app-only ban, an ancestor, a bill or advisory). -jsonl prints one JSON
// summary per model instead, with the path where it was found, a target
// that audits it on its own, and every policy with its confidence.
// Progress goes to standard error when it is a terminal.
//
// Exit status: 0 every model passes, 3 any needs review, 4 any fails, 1 any
// could not be audited, 2 usage (the worst wins).
//
// This is an example program built on the modelvet library, not a supported
// command-line tool.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/modelvet/modelvet"
	"github.com/modelvet/modelvet/examples/internal/cli"
	"github.com/modelvet/modelvet/internal/textsafe"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, isTerminal(os.Stderr)))
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, progress bool) int {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f cli.Flags
	f.Register(fs, "")
	jobs := fs.Int("j", 2*runtime.GOMAXPROCS(0), "audit at most `N` models at once")
	jsonl := fs.Bool("jsonl", false, "print one JSON summary per model (JSON lines) instead of the table")
	defaults := fs.Bool("defaults", false, "sweep the default locations as well as the ROOTs given")
	quiet := fs.Bool("q", false, "no progress bar")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: sweep [flags] [ROOT...]\n\nFinds every model in the default locations (Hugging Face cache, Ollama, LM Studio)\nor under the ROOTs given, audits each from its metadata, and prints a table.\nExit status: 0 all pass, 3 any review, 4 any fail, 1 any could not be audited, 2 usage.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cli.ParseStatus(err)
	}
	if *jobs < 1 {
		fmt.Fprintf(stderr, "sweep: -j must be at least 1\n")
		return cli.ExitUsage
	}
	for _, r := range fs.Args() {
		fi, err := os.Stat(r)
		switch {
		case err != nil && errors.Is(err, iofs.ErrNotExist):
			fmt.Fprintf(stderr, "sweep: %s: no such directory\n", r)
			return cli.ExitUsage
		case err != nil:
			fmt.Fprintf(stderr, "sweep: %v\n", err)
			return cli.ExitUsage
		case !fi.IsDir():
			fmt.Fprintf(stderr, "sweep: %s is a file, not a directory; audit a single file with examples/audit\n", r)
			return cli.ExitUsage
		}
	}
	dirs := roots(fs.Args(), *defaults)
	auditor, err := f.Auditor()
	if err != nil {
		fmt.Fprintf(stderr, "sweep: %v\n", err)
		return cli.ExitUsage
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()

	start := time.Now()
	var releases []found
	status := cli.ExitPass
	if err := discover(ctx, dirs, stderr, func(fd found) { releases = append(releases, fd) }); err != nil {
		status = cli.ExitError
	}
	if len(dirs) == 0 {
		fmt.Fprintf(stderr, "sweep: no default model locations on this machine; give a ROOT\n")
	}

	var bar *progressbar.ProgressBar
	if progress && !*quiet && len(releases) > 0 {
		bar = progressbar.NewOptions(len(releases),
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("auditing"),
			progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
	summaries := auditAll(ctx, auditor, releases, *jobs, func() {
		if bar != nil {
			_ = bar.Add(1)
		}
	})
	if bar != nil {
		_ = bar.Finish()
	}

	for _, s := range summaries {
		status = cli.Worse(status, s.Status())
	}
	if *jsonl {
		enc := json.NewEncoder(stdout)
		for _, s := range summaries {
			if err := enc.Encode(s); err != nil {
				fmt.Fprintf(stderr, "sweep: %v\n", err)
				return cli.ExitError
			}
		}
	} else if len(summaries) == 0 {
		fmt.Fprintf(stdout, "No models found in %s.\n", cmp.Or(strings.Join(dirs, ", "), "the default locations"))
	} else {
		if err := cli.WriteTable(stdout, summaries, cli.ColName, cli.ColKind, cli.ColOrigin, cli.ColVerdict, cli.ColBarred); err != nil {
			fmt.Fprintf(stderr, "sweep: %v\n", err)
			return cli.ExitError
		}
		fmt.Fprintf(stdout, "Government policies of: %s\n", cmp.Or(strings.Join(auditor.Jurisdictions(), ", "), "no jurisdiction (select some with -jurisdiction)"))
		if l := cli.BarredLegend(summaries); l != "" {
			fmt.Fprintf(stdout, "%sTo see the instruments and the evidence for one model, audit it: go run ./examples/audit TARGET\n(sweep -jsonl prints each model's TARGET).\n", l)
		}
	}
	if progress && !*quiet {
		fmt.Fprintf(stderr, "swept %d models in %s\n", len(summaries), time.Since(start).Round(time.Millisecond))
	}
	return status
}

// auditAll audits the releases with at most jobs audits at once and returns
// their summaries in discovery order.
func auditAll(ctx context.Context, a *modelvet.Auditor, rels []found, jobs int, tick func()) []cli.Summary {
	out := make([]cli.Summary, len(rels))
	work := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range min(jobs, len(rels)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				out[i] = auditOne(ctx, a, rels[i])
				mu.Lock()
				tick()
				mu.Unlock()
			}
		}()
	}
	for i := range rels {
		work <- i
	}
	close(work)
	wg.Wait()
	return out
}

func auditOne(ctx context.Context, a *modelvet.Auditor, fd found) cli.Summary {
	var s cli.Summary
	switch {
	case ctx.Err() != nil:
		s = cli.ErrorSummary(fd.Target, ctx.Err())
	default:
		rep, err := a.Audit(ctx, fd.Source)
		if err != nil {
			s = cli.ErrorSummary(fd.Target, err)
		} else {
			s = cli.Summarize(fd.Target, rep)
		}
	}
	// The store's name for the model, and where it was found.
	s.Name, s.Path = textsafe.Line(fd.Name), textsafe.Line(fd.Path)
	if s.Kind == "" {
		s.Kind = fd.Kind
	}
	return s
}
