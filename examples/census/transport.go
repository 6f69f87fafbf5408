package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelvet/modelvet/internal/limits"
)

// The Hub counts requests in buckets over 5-minute windows: its API
// (/api/…) and its resolvers (/resolve/…); downloads redirected to its CDN
// are in neither. A worker's requests go through one hubTransport, which
// spaces each bucket's requests to the quota given and, after a 429,
// holds every request of that bucket back for as long as the Hub asked,
// so that many audits at once on many workers do not hammer the Hub.
type hubTransport struct {
	base         http.RoundTripper
	api, resolve *pacer
	use          *usage
}

// usage counts what a worker asked of the Hub.
type usage struct {
	api, resolve, other atomic.Int64 // requests by bucket
	bytes               atomic.Int64 // response body bytes read
	throttled           atomic.Int64 // 429 responses
}

// quotaWindow is the window of the Hub's rate limits.
const quotaWindow = 5 * time.Minute

// newHubTransport spaces API and resolver requests to apiQuota and
// resolveQuota per quotaWindow (0: not spaced).
func newHubTransport(base http.RoundTripper, apiQuota, resolveQuota int, use *usage) *hubTransport {
	return &hubTransport{base: base, api: newPacer(apiQuota), resolve: newPacer(resolveQuota), use: use}
}

func (t *hubTransport) RoundTrip(req *http.Request) (*http.Response, error) {
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
			d, ok := serverWait(resp.Header)
			if !ok {
				d = time.Second
			}
			p.holdOff(min(d, limits.MaxHubRetryAfterSeconds*time.Second))
		}
	}
	resp.Body = &countedBody{ReadCloser: resp.Body, n: &t.use.bytes}
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
		return sleepCtx(ctx, d)
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
