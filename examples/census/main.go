// Command census audits many Hugging Face Hub repositories at once, on
// Apache Beam, and maps who derives from whom: every repository of an
// organisation, every repository matching a search, or a list of them,
// each audited remotely (headers only) under one policy.
//
// Usage:
//
//	go run . -author ORG -out DIR [flags]
//	go run . -search TEXT -out DIR [flags]
//	go run . -ids FILE -out DIR [flags]
//
// It writes DIR/reports.jsonl (one modelvet.report/v1 report per line),
// DIR/lineage.jsonl (one derivation per line), DIR/errors.jsonl (one line
// per repository that could not be audited) and DIR/summary.json. The
// pipeline runs on Beam's embedded Prism runner by default; Beam's own
// flags (--runner, --endpoint, --project, --region, …) run it on Flink,
// Spark or Dataflow (README.md). Exit status: 0 the census was written,
// 1 it failed, 2 usage.
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
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	beamlog "github.com/apache/beam/sdks/v2/go/pkg/beam/log"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"
	"golang.org/x/term"

	"github.com/modelvet/modelvet/examples/internal/cli"
	"github.com/modelvet/modelvet/hub"
	"github.com/modelvet/modelvet/report"
)

func main() {
	var o options
	own := flag.NewFlagSet("census", flag.ExitOnError)
	o.register(own)
	// Beam's flags live on the command line's flag set; the census's join
	// them there.
	own.VisitAll(func(f *flag.Flag) { flag.CommandLine.Var(f.Value, f.Name, f.Usage) })
	flag.Usage = func() { printUsage(os.Stderr, own) }
	flag.Parse()
	if local() {
		// Prism's own progress is for debugging it; the census prints its
		// own.
		beamlog.LogLevel = "warn"
	}
	// On a remote runner's worker, Init runs the worker and never returns.
	beam.Init()
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	c, err := o.config(set, flag.Args())
	if err != nil {
		fmt.Fprintf(os.Stderr, "census: %v\n", err)
		os.Exit(cli.ExitUsage)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, c, local(), os.Stderr))
}

func printUsage(w io.Writer, own *flag.FlagSet) {
	fmt.Fprintf(w, `usage: census (-author ORG | -search TEXT | -ids FILE) -out DIR [flags]

Audits Hugging Face Hub repositories remotely on Apache Beam (Prism by default)
and writes reports.jsonl, lineage.jsonl, errors.jsonl and summary.json into DIR.
Endpoint and token from HF_ENDPOINT and HF_TOKEN. Beam's flags (--runner,
--endpoint, --environment_type, --project, --region, …) choose where it runs.
Exit status: 0 written, 1 failed, 2 usage.

Flags:
`)
	own.SetOutput(w)
	own.PrintDefaults()
}

// options are the census's flags.
type options struct {
	audit              cli.Flags
	ids, author, query string
	out, at            string
	limit, shards      int
	concurrency        int
	apiQuota           int
	resolveQuota       int
}

// Default quotas, per 5 minutes, from the Hub's rate limits (anonymous
// and free users; https://huggingface.co/docs/hub/rate-limits, September
// 2025): API 500 and 1,000, resolvers 3,000 and 5,000.
const (
	anonymousAPIQuota, anonymousResolveQuota = 500, 3000
	freeAPIQuota, freeResolveQuota           = 1000, 5000
)

func (o *options) register(fs *flag.FlagSet) {
	o.audit.Register(fs, "")
	fs.StringVar(&o.ids, "ids", "", "audit the repositories listed in `FILE`, one ORG/NAME[@REV] per line (local, or gs://… on Dataflow)")
	fs.StringVar(&o.author, "author", "", "audit the repositories of `ORG` (a Hub organisation or user)")
	fs.StringVar(&o.query, "search", "", "audit the repositories whose id contains `TEXT` (with -author: of that author; -search '' lists every model on the Hub)")
	fs.IntVar(&o.limit, "limit", 0, "audit at most `N` repositories (0: all)")
	fs.StringVar(&o.out, "out", "", "write the census into `DIR` (local, or gs://… on Dataflow)")
	fs.StringVar(&o.at, "at", "", "the census's `TIME` (RFC 3339), every report's audited_at (default: now)")
	fs.IntVar(&o.concurrency, "concurrency", 8, "audit at most `N` repositories at once in each worker process")
	fs.IntVar(&o.shards, "shards", 64, "spread the repositories over `N` shards, the units of work the runner hands its workers")
	fs.IntVar(&o.apiQuota, "api-quota", -1, "space each worker process's Hub API requests to `N` per 5 minutes (0: not spaced; default: the anonymous or, with HF_TOKEN, free user's quota)")
	fs.IntVar(&o.resolveQuota, "resolve-quota", -1, "space each worker process's file requests (resolvers) to `N` per 5 minutes (0: not spaced; default as -api-quota)")
}

// config checks the flags and turns them into a census. set names the
// flags given.
func (o *options) config(set map[string]bool, args []string) (config, error) {
	switch {
	case len(args) > 0:
		return config{}, fmt.Errorf("unexpected arguments %q: the repositories come from -ids, -author or -search", args)
	case o.ids != "" && (o.author != "" || set["search"]):
		return config{}, errors.New("-ids and -author/-search are two inputs: give one")
	case o.ids == "" && o.author == "" && !set["search"]:
		return config{}, errors.New("give -author ORG, -search TEXT or -ids FILE")
	case o.out == "":
		return config{}, errors.New("give -out DIR")
	case o.limit < 0:
		return config{}, errors.New("-limit must not be negative")
	case o.concurrency < 1 || o.concurrency > 256:
		return config{}, errors.New("-concurrency must be between 1 and 256")
	case o.shards < 1 || o.shards > 65536:
		return config{}, errors.New("-shards must be between 1 and 65536")
	case o.audit.Signature != "":
		return config{}, errors.New("-signature names one model's signature; a census reads each repository's own")
	}
	at := time.Now().UTC().Truncate(time.Second)
	if o.at != "" {
		t, err := time.Parse(time.RFC3339, o.at)
		if err != nil {
			return config{}, fmt.Errorf("-at: %w", err)
		}
		at = t.UTC()
	}
	a, err := o.audit.Auditor()
	if err != nil {
		return config{}, err
	}
	b, err := newBundle(o.audit)
	if err != nil {
		return config{}, err
	}
	endpoint, authenticated, err := hubEndpoint()
	if err != nil {
		return config{}, err
	}
	api, resolve := anonymousAPIQuota, anonymousResolveQuota
	if authenticated {
		api, resolve = freeAPIQuota, freeResolveQuota
	}
	if o.apiQuota >= 0 {
		api = o.apiQuota
	}
	if o.resolveQuota >= 0 {
		resolve = o.resolveQuota
	}
	return config{
		Input:  input{IDs: o.ids, Query: hub.ModelQuery{Author: o.author, Search: o.query, Limit: o.limit}},
		Spec:   spec{Endpoint: endpoint, Bundle: b, At: at.Format(time.RFC3339), Concurrency: o.concurrency, APIQuota: api, ResolveQuota: resolve},
		Out:    strings.TrimRight(o.out, "/"),
		Shards: o.shards,
		Head: summary{
			AuditedAt:     at.Format(time.RFC3339),
			Policy:        a.Policy().Name,
			Jurisdictions: a.Jurisdictions(),
			KnowledgeBase: report.KnowledgeBase{Version: a.KnowledgeBase().Version(), AsOf: a.KnowledgeBase().Date()},
		},
	}, nil
}

// local reports whether the pipeline runs in this process (Prism, the
// default, with its workers in process), so that the progress line can
// count what the workers do.
func local() bool {
	switch *runners.Runner {
	case "", "prism", "PrismRunner":
		return true
	}
	return false
}

// run runs the census and reports on stderr; with inProcess, a progress
// line while it runs.
func run(ctx context.Context, c config, inProcess bool, stderr io.Writer) int {
	start := time.Now()
	before := snapshot()
	stopProgress := func() {}
	if inProcess {
		stopProgress = progress(stderr, start, before)
	}
	res, err := beamx.RunWithMetrics(ctx, newPipeline(c))
	stopProgress()
	if err != nil {
		fmt.Fprintf(stderr, "census: %v\n", err)
		return cli.ExitError
	}
	counts := map[string]int64{}
	if res != nil {
		for _, r := range res.Metrics().AllMetrics().Counters() {
			if r.Namespace() == "census" {
				counts[r.Name()] += r.Result()
			}
		}
	}
	elapsed := time.Since(start)
	repos := counts["audited"] + counts["errors"]
	requests := counts["requests"] + counts["listing-requests"]
	fmt.Fprintf(stderr, "census: %d repositories (%d audited, %d errors), %d requests made by the audits and the listing, in %.1fs: %.1f repositories/s, %.1f requests/repository\n",
		repos, counts["audited"], counts["errors"], requests, elapsed.Seconds(), perSecond(repos, elapsed), ratio(requests, repos))
	if inProcess {
		d := snapshot().minus(before)
		fmt.Fprintf(stderr, "census: Hub requests sent: %d API, %d resolvers, %d other (CDN); %d throttled (429); %d ancestor records from the workers' caches; %.1f kB read, %.1f kB/repository\n",
			d.api, d.resolve, d.other, d.throttled, d.cached, float64(d.bytes)/1e3, ratio(d.bytes, repos)/1e3)
	}
	fmt.Fprintf(stderr, "census: written to %s\n", c.Out)
	return cli.ExitPass
}

// counted is a snapshot of this process's counts.
type counted struct {
	audited, errors, api, resolve, other, bytes, throttled, cached int64
}

func snapshot() counted {
	return counted{
		audited: stats.audited.Load(), errors: stats.errors.Load(),
		api: stats.hub.api.Load(), resolve: stats.hub.resolve.Load(), other: stats.hub.other.Load(),
		bytes: stats.hub.bytes.Load(), throttled: stats.hub.throttled.Load(), cached: stats.hub.cached.Load(),
	}
}

func (a counted) minus(b counted) counted {
	return counted{a.audited - b.audited, a.errors - b.errors, a.api - b.api, a.resolve - b.resolve, a.other - b.other, a.bytes - b.bytes, a.throttled - b.throttled, a.cached - b.cached}
}

// progress draws a progress line on stderr until the returned function is
// called: redrawn in place on a terminal, else printed every 10 seconds.
func progress(w io.Writer, start time.Time, before counted) (stop func()) {
	f, isFile := w.(*os.File)
	tty := isFile && term.IsTerminal(int(f.Fd()))
	every := 10 * time.Second
	if tty {
		every = 500 * time.Millisecond
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				if tty {
					fmt.Fprint(w, "\r\033[K")
				}
				return
			case <-t.C:
				d := snapshot().minus(before)
				n := d.audited + d.errors
				line := fmt.Sprintf("census: %d repositories done, %d errors, %d requests, %.1f repositories/s", n, d.errors, d.api+d.resolve+d.other, perSecond(n, time.Since(start)))
				if tty {
					fmt.Fprint(w, "\r\033[K"+line)
				} else {
					fmt.Fprintln(w, line)
				}
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

func perSecond(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
