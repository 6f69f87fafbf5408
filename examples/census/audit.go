package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelvet/modelvet"
	"github.com/modelvet/modelvet/internal/textsafe"
)

// spec is how the census audits, the same on every worker: it travels with
// the pipeline.
type spec struct {
	// Endpoint is the Hub's base URL, as the launcher resolved it.
	Endpoint string
	Bundle   bundle
	// At is every report's audited_at (RFC 3339): the census's time.
	At string
	// Concurrency bounds the audits at once in one worker process.
	Concurrency int
	// APIQuota and ResolveQuota space one worker process's requests to
	// the Hub's API and resolvers, per 5 minutes (0: not spaced).
	APIQuota, ResolveQuota int
}

// stats counts what this process did, for the local runner's progress line.
var stats struct {
	audited, errors atomic.Int64
	hub             usage
}

// worker holds what the audits of one worker process share: the HTTP client
// (with its connections and pacing) and the bound on audits at once.
type worker struct {
	client *http.Client
	slots  chan struct{}
}

var (
	workersMu sync.Mutex
	workers   = map[[3]int]*worker{}
)

// workerFor returns the process's worker for s's settings.
func workerFor(s spec) *worker {
	key := [3]int{s.Concurrency, s.APIQuota, s.ResolveQuota}
	workersMu.Lock()
	defer workersMu.Unlock()
	if w := workers[key]; w != nil {
		return w
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = 128
	w := &worker{
		client: &http.Client{Transport: newHubTransport(base, s.APIQuota, s.ResolveQuota, &stats.hub)},
		slots:  make(chan struct{}, max(s.Concurrency, 1)),
	}
	workers[key] = w
	return w
}

// auditor audits repositories on a worker.
type auditor struct {
	a        *modelvet.Auditor
	endpoint string
	w        *worker
	remove   func()
}

// newAuditor builds the auditor s describes: the audit flags' options, as
// examples/audit builds them, on the census's clock.
func newAuditor(s spec) (*auditor, error) {
	at, err := time.Parse(time.RFC3339, s.At)
	if err != nil {
		return nil, fmt.Errorf("census time: %w", err)
	}
	f, remove, err := s.Bundle.unpack()
	if err != nil {
		return nil, err
	}
	opts, err := f.Options()
	if err != nil {
		remove()
		return nil, err
	}
	// The census draws its own progress line, not hashing bars.
	opts = append(opts, modelvet.WithProgress(nil), modelvet.WithClock(func() time.Time { return at }))
	a, err := modelvet.New(opts...)
	if err != nil {
		remove()
		return nil, err
	}
	return &auditor{a: a, endpoint: s.Endpoint, w: workerFor(s), remove: remove}, nil
}

// close removes the auditor's copy of the flags' files.
func (c *auditor) close() { c.remove() }

// result is what one repository gives the census: a report, or an error
// row.
type result struct {
	ref    string
	report []byte // the JSON report on one line
	edges  []edge
	facts  facts
	// requests counts the requests the audit made to the Hub.
	requests int
	failed   *errorRow
}

// errorRow is one line of errors.jsonl.
type errorRow struct {
	Repository string `json:"repository"`
	// Kind says why: not-found, gated, access-denied, rate-limited,
	// unavailable, invalid-response, budget, empty, timeout, invalid…
	Kind  string `json:"kind"`
	Error string `json:"error"`
	// Requests counts the requests made to the Hub before giving up.
	Requests int `json:"requests"`
}

// audit audits the repository ref ("ORG/NAME[@REV]") within the worker's
// bound on audits at once. The error is the context's: a repository that
// cannot be audited gives an error row.
func (c *auditor) audit(ctx context.Context, ref string) (result, error) {
	select {
	case c.w.slots <- struct{}{}:
	case <-ctx.Done():
		return result{}, ctx.Err()
	}
	defer func() { <-c.w.slots }()
	src, err := hubSource(ref, c.endpoint, c.w.client)
	if err != nil {
		return failure(ref, err, 0), nil
	}
	rep, err := c.a.Audit(ctx, src)
	if err != nil {
		if ctx.Err() != nil {
			return result{}, ctx.Err()
		}
		return failure(ref, err, hubRequests(src)), nil
	}
	line, err := reportLine(rep)
	if err != nil {
		return failure(ref, fmt.Errorf("encoding the report: %w", err), hubRequests(src)), nil
	}
	stats.audited.Add(1)
	return result{ref: ref, report: line, edges: edges(rep), facts: factsOf(rep), requests: hubRequests(src)}, nil
}

func failure(ref string, err error, requests int) result {
	stats.errors.Add(1)
	return result{ref: ref, failed: &errorRow{Repository: textsafe.Line(ref), Kind: errorKind(err), Error: textsafe.Line(err.Error()), Requests: requests}}
}

// reportLine is the report as examples/audit -format json writes it, on
// one line.
func reportLine(rep *modelvet.Report) ([]byte, error) {
	enc, err := modelvet.Encoder(modelvet.FormatJSON)
	if err != nil {
		return nil, err
	}
	var doc, line bytes.Buffer
	if err := enc(&doc, rep); err != nil {
		return nil, err
	}
	if err := json.Compact(&line, doc.Bytes()); err != nil {
		return nil, err
	}
	return line.Bytes(), nil
}
