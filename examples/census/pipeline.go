package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/modelvet/modelvet"
	"github.com/modelvet/modelvet/examples/internal/cli"
	"github.com/modelvet/modelvet/hub"
)

func init() {
	register.DoFn3x1[context.Context, []byte, func(int, string), error](&sourceFn{})
	register.DoFn7x1[context.Context, int, func(*string) bool, func(string, string), func(string, string), func(string, string), func(string), error](&auditFn{})
	register.Combiner3[*tally, string, string](&summaryFn{})
	register.Emitter1[string]()
	register.Emitter2[int, string]()
	register.Emitter2[string, string]()
	register.Iter1[string]()
	beam.RegisterCoder(reflect.TypeOf((*tally)(nil)), encodeTally, decodeTally)
}

// config is one census: what to audit, how, and where the outputs go.
type config struct {
	Input  input
	Spec   spec
	Out    string
	Shards int
	// Head is what summary.json says the census ran with.
	Head summary
}

// input selects the repositories: an -ids file, or a listing query.
type input struct {
	IDs   string
	Query hub.ModelQuery
}

// newPipeline builds the census: the repositories, spread over shards,
// are audited; reports, lineage edges and error rows are written sorted,
// and their facts counted into the summary.
func newPipeline(c config) *beam.Pipeline {
	p, s := beam.NewPipelineWithRoot()
	start := beam.Impulse(s)
	refs := beam.ParDo(s.Scope("repositories"), &sourceFn{Input: c.Input, Spec: c.Spec, Shards: c.Shards}, start)
	reports, lineage, failures, facts := beam.ParDo4(s.Scope("audit"), &auditFn{Spec: c.Spec}, beam.GroupByKey(s, refs))
	writeSorted(s, c.Out, "reports.jsonl", reports, start)
	writeSorted(s, c.Out, "lineage.jsonl", beam.ParDo(s.Scope("lineage.jsonl"), oneEdge, beam.GroupByKey(s, lineage)), start)
	writeSorted(s, c.Out, "errors.jsonl", failures, start)
	ss := s.Scope("summary.json")
	counted := beam.Combine(ss, &summaryFn{Head: c.Head}, beam.Flatten(ss, facts, beam.ParDo(ss, nothing, start)))
	beam.ParDo0(ss, &writeFileFn{Path: joinPath(c.Out, "summary.json")}, counted)
	return p
}

// nothing turns the impulse into an empty string, which steps that must run
// even on an empty census receive and skip.
func nothing(_ []byte, emit func(string)) { emit("") }

func init() { register.Function2x0(nothing) }

// shardOf spreads repositories over n shards, the same way on every run.
func shardOf(ref string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(ref))
	return int(h.Sum32() % uint32(n))
}

// sourceFn emits the census's repositories ("ORG/NAME[@REV]"), each keyed
// by its shard: the lines of the -ids file, or the Hub's listing.
type sourceFn struct {
	Input  input
	Spec   spec
	Shards int

	requests beam.Counter
}

func (f *sourceFn) Setup() { f.requests = beam.NewCounter("census", "listing-requests") }

func (f *sourceFn) ProcessElement(ctx context.Context, _ []byte, emit func(int, string)) error {
	put := func(ref string) error {
		emit(shardOf(ref, f.Shards), ref)
		return nil
	}
	if f.Input.IDs != "" {
		return readIDs(ctx, f.Input.IDs, f.Input.Query.Limit, put)
	}
	n, err := listModels(ctx, f.Spec.Endpoint, workerFor(f.Spec).client, f.Input.Query, put)
	f.requests.Inc(ctx, int64(n))
	return err
}

// readIDs calls put with each repository of an -ids file (one ORG/NAME[@REV]
// per line, "hf:" allowed; blank lines and comments skipped as in a gate
// list), up to limit (0: all).
func readIDs(ctx context.Context, path string, limit int, put func(string) error) error {
	fsys, err := filesystem.New(ctx, path)
	if err != nil {
		return err
	}
	defer fsys.Close()
	r, err := fsys.OpenRead(ctx, path)
	if err != nil {
		return err
	}
	defer r.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxIDLineBytes)
	n, line := 0, 0
	for sc.Scan() {
		line++
		targets, err := cli.ReadTargets(strings.NewReader(sc.Text()))
		if err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
		for _, t := range targets {
			if limit > 0 && n >= limit {
				return nil
			}
			if err := put(strings.TrimPrefix(t, "hf:")); err != nil {
				return err
			}
			n++
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s:%d: %w", path, line+1, err)
	}
	return nil
}

// auditFn audits the repositories of a shard, Spec.Concurrency at once
// (and at most that many in the whole worker process), and emits for each
// its report (keyed by repository), its lineage edges (keyed by edge,
// ranked), or its error row; and its facts for the summary.
type auditFn struct {
	Spec spec

	c                          *auditor
	audited, failed, requested beam.Counter
}

func (f *auditFn) Setup() error {
	c, err := newAuditor(f.Spec)
	if err != nil {
		return err
	}
	f.c = c
	f.audited = beam.NewCounter("census", "audited")
	f.failed = beam.NewCounter("census", "errors")
	f.requested = beam.NewCounter("census", "requests")
	return nil
}

func (f *auditFn) Teardown() {
	if f.c != nil {
		f.c.close()
	}
}

func (f *auditFn) ProcessElement(ctx context.Context, _ int, shard func(*string) bool, reports, lineage, failures func(string, string), facts func(string)) error {
	var refs []string
	var ref string
	for shard(&ref) {
		refs = append(refs, ref)
	}
	slices.Sort(refs)
	refs = slices.Compact(refs)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type outcome struct {
		r   result
		err error
	}
	work, done := make(chan string), make(chan outcome)
	go func() {
		defer close(work)
		for _, r := range refs {
			select {
			case work <- r:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range min(max(f.Spec.Concurrency, 1), len(refs)) {
		wg.Go(func() {
			for r := range work {
				res, err := f.c.audit(ctx, r)
				done <- outcome{res, err}
			}
		})
	}
	go func() {
		wg.Wait()
		close(done)
	}()
	var first error
	for o := range done {
		if o.err != nil {
			if first == nil {
				first = o.err
				cancel()
			}
			continue
		}
		if err := f.emit(ctx, o.r, reports, lineage, failures, facts); err != nil && first == nil {
			first = err
			cancel()
		}
	}
	return first
}

// emit sends one repository's result to the outputs.
func (f *auditFn) emit(ctx context.Context, r result, reports, lineage, failures func(string, string), facts func(string)) error {
	if r.failed != nil {
		row, err := json.Marshal(r.failed)
		if err != nil {
			return err
		}
		failures(r.ref, string(row))
		facts(`{"failed":true}`)
		f.failed.Inc(ctx, 1)
		f.requested.Inc(ctx, int64(r.failed.Requests))
		return nil
	}
	reports(r.ref, string(r.report))
	for _, e := range r.edges {
		line, err := json.Marshal(e)
		if err != nil {
			return err
		}
		rank := "1"
		if e.own {
			rank = "0"
		}
		lineage(e.key(), rank+string(line))
	}
	line, err := json.Marshal(r.facts)
	if err != nil {
		return err
	}
	facts(string(line))
	f.audited.Inc(ctx, 1)
	f.requested.Inc(ctx, int64(r.requests))
	return nil
}

// oneEdge keeps one statement of an edge that several reports make: the
// derivative's own (ranked "0") over a descendant's ("1"), then the first
// in byte order.
func oneEdge(key string, ranked func(*string) bool, emit func(string, string)) {
	best, l := "", ""
	for ranked(&l) {
		if best == "" || l < best {
			best = l
		}
	}
	emit(key, best[1:])
}

func init() { register.Function3x0(oneEdge) }

// summaryFn counts the facts of every repository into summary.json.
type summaryFn struct {
	Head summary
}

func (f *summaryFn) CreateAccumulator() *tally { return newTally() }

func (f *summaryFn) AddInput(t *tally, in string) (*tally, error) {
	if in == "" {
		return t, nil
	}
	var fs facts
	if err := json.Unmarshal([]byte(in), &fs); err != nil {
		return nil, err
	}
	if fs.Failed {
		t.addError()
	} else {
		t.add(fs)
	}
	return t, nil
}

func (f *summaryFn) MergeAccumulators(a, b *tally) *tally {
	a.merge(b)
	return a
}

func (f *summaryFn) ExtractOutput(t *tally) (string, error) {
	data, err := encodeSummary(t.summary(f.Head))
	return string(data), err
}

func encodeTally(t *tally) ([]byte, error) { return json.Marshal(t) }

func decodeTally(data []byte) (*tally, error) {
	t := newTally()
	if err := json.Unmarshal(data, t); err != nil {
		return nil, err
	}
	return t, nil
}

// userAgent is sent with the listing's requests.
func userAgent() string { return "modelvet/" + modelvet.Version + " (census)" }
