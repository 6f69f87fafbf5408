package main

import (
	"bytes"
	"container/list"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelvet/modelvet/hub"
	"github.com/modelvet/modelvet/internal/limits"
)

// The Hub counts requests in buckets over 5-minute windows: its API
// (/api/…) and its resolvers (/resolve/…); downloads redirected to its CDN
// are in neither. A worker's requests go through one hubTransport, which
// spaces each bucket's requests to the quota given and, after a 429,
// holds every request of that bucket back for as long as the Hub asked,
// so that many audits at once on many workers do not hammer the Hub. It
// also keeps the model records ancestors are read from, which every
// derivative's audit asks for again.
type hubTransport struct {
	base         http.RoundTripper
	api, resolve *pacer
	records      *recordCache
	use          *usage
}

// usage counts what a worker asked of the Hub.
type usage struct {
	api, resolve, other atomic.Int64 // requests by bucket
	bytes               atomic.Int64 // response body bytes read
	throttled           atomic.Int64 // 429 responses
	cached              atomic.Int64 // records answered from the record cache
}

// quotaWindow is the window of the Hub's rate limits.
const quotaWindow = 5 * time.Minute

// newHubTransport spaces API and resolver requests to apiQuota and
// resolveQuota per quotaWindow (0: not spaced).
func newHubTransport(base http.RoundTripper, apiQuota, resolveQuota int, use *usage) *hubTransport {
	return &hubTransport{base: base, api: newPacer(apiQuota), resolve: newPacer(resolveQuota), records: newRecordCache(), use: use}
}

func (t *hubTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	record, isRecord := recordKey(req)
	if isRecord {
		if resp := t.records.get(record, req); resp != nil {
			t.use.cached.Add(1)
			return resp, nil
		}
	}
	p, count := t.bucket(req)
	if p != nil {
		if err := p.wait(req.Context()); err != nil {
			return nil, err
		}
	}
	count.Add(1)
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		t.use.throttled.Add(1)
		if p != nil {
			d, ok := hub.RetryAfter(resp.Header)
			if !ok {
				d = time.Second
			}
			p.holdOff(min(d, limits.MaxHubRetryAfterSeconds*time.Second))
		}
	}
	resp.Body = &countedBody{ReadCloser: resp.Body, n: &t.use.bytes}
	if isRecord && resp.StatusCode == http.StatusOK {
		t.records.keep(record, resp)
	}
	return resp, nil
}

// bucket returns the pacer and counter of a request's rate-limit bucket
// (no pacer for requests outside the Hub's quotas).
func (t *hubTransport) bucket(req *http.Request) (*pacer, *atomic.Int64) {
	switch p := req.URL.EscapedPath(); {
	case strings.Contains(p, "/api/"):
		return t.api, &t.use.api
	case strings.Contains(p, "/resolve/"):
		return t.resolve, &t.use.resolve
	}
	return nil, &t.use.other
}

type countedBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// pacer spaces requests evenly and holds them back after a 429.
type pacer struct {
	interval time.Duration // 0: not spaced

	mu   sync.Mutex
	next time.Time // no request starts before
}

func newPacer(quota int) *pacer {
	p := &pacer{}
	if quota > 0 {
		p.interval = quotaWindow / time.Duration(quota)
	}
	return p
}

// wait waits for the request's turn, or for ctx to end.
func (p *pacer) wait(ctx context.Context) error {
	p.mu.Lock()
	now := time.Now()
	at := now
	if p.next.After(at) {
		at = p.next
	}
	if p.interval > 0 {
		p.next = at.Add(p.interval)
	}
	p.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// holdOff keeps requests back for d from now.
func (p *pacer) holdOff(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until := time.Now().Add(d); until.After(p.next) {
		p.next = until
	}
}

// recordCache keeps the 200 answers to GET {endpoint}/api/models/{id} — the
// records the library reads an audited model's ancestors from — for the
// worker's audits, least recently used first out. The audited repository's
// own record (…/revision/{rev}?blobs=true) is always asked of the Hub.
type recordCache struct {
	mu      sync.Mutex
	entries map[string]*list.Element // of *cachedRecord
	lru     list.List
	size    int
}

type cachedRecord struct {
	key    string
	header http.Header
	body   []byte
}

func newRecordCache() *recordCache { return &recordCache{entries: map[string]*list.Element{}} }

// recordKey is the cache key of a request for a model record, and whether
// it is one: the URL and the credentials sent.
func recordKey(req *http.Request) (string, bool) {
	p := req.URL.EscapedPath()
	if req.Method != http.MethodGet || req.URL.RawQuery != "" || !strings.Contains(p, "/api/models/") || strings.Contains(p, "/revision/") {
		return "", false
	}
	return req.URL.String() + "\x00" + req.Header.Get("Authorization"), true
}

// get returns a copy of the cached answer to req, or nil.
func (c *recordCache) get(key string, req *http.Request) *http.Response {
	c.mu.Lock()
	e := c.entries[key]
	if e == nil {
		c.mu.Unlock()
		return nil
	}
	c.lru.MoveToFront(e)
	r := e.Value.(*cachedRecord)
	c.mu.Unlock()
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: r.header.Clone(), Body: io.NopCloser(bytes.NewReader(r.body)), ContentLength: int64(len(r.body)), Request: req,
	}
}

// keep reads resp's body, up to maxCachedRecord, and caches it; resp reads
// the same bytes afterwards.
func (c *recordCache) keep(key string, resp *http.Response) {
	head, err := io.ReadAll(io.LimitReader(resp.Body, maxCachedRecord+1))
	resp.Body = &prefixedBody{Reader: io.MultiReader(bytes.NewReader(head), resp.Body), Closer: resp.Body}
	if err != nil || len(head) > maxCachedRecord || (resp.ContentLength >= 0 && int64(len(head)) != resp.ContentLength) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries[key] != nil {
		return
	}
	c.entries[key] = c.lru.PushFront(&cachedRecord{key: key, header: resp.Header.Clone(), body: head})
	c.size += len(head)
	for c.size > maxRecordCache {
		old := c.lru.Remove(c.lru.Back()).(*cachedRecord)
		delete(c.entries, old.key)
		c.size -= len(old.body)
	}
}

type prefixedBody struct {
	io.Reader
	io.Closer
}
