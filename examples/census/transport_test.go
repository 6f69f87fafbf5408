package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestTransportHoldsBackAfter429 sends requests through a worker's
// transport to a server that answers its API's first request with 429
// and Retry-After: 1: the next API request waits that second, a request to
// another bucket does not, and everything is counted by bucket.
func TestTransportHoldsBackAfter429(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, "12345")
	}))
	defer srv.Close()
	var use usage
	c := &http.Client{Transport: newHubTransport(http.DefaultTransport, 0, 0, &use)}
	get := func(path string) time.Duration {
		start := time.Now()
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return time.Since(start)
	}
	get("/api/models/a/b")
	if d := get("/a/b/resolve/main/README.md"); d > 500*time.Millisecond {
		t.Errorf("a resolver request waited %s after the API's 429", d)
	}
	if d := get("/api/models/a/c"); d < 900*time.Millisecond {
		t.Errorf("the next API request waited %s, not the second asked", d)
	}
	get("/cdn/x")
	if use.api.Load() != 2 || use.resolve.Load() != 1 || use.other.Load() != 1 || use.throttled.Load() != 1 || use.bytes.Load() != 15 {
		t.Errorf("counted api %d resolve %d other %d throttled %d bytes %d", use.api.Load(), use.resolve.Load(), use.other.Load(), use.throttled.Load(), use.bytes.Load())
	}
}

// TestPacerSpacesRequests checks a quota of 600 per 5 minutes lets one
// request through every half second.
func TestPacerSpacesRequests(t *testing.T) {
	p := newPacer(600)
	start := time.Now()
	for range 3 {
		if err := p.wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 900*time.Millisecond || d > 3*time.Second {
		t.Errorf("3 requests at 600 per 5 minutes took %s, want about 1s", d)
	}
}

// TestTransportCachesRecords checks that a worker asks the Hub once for a
// model record however many audits read it, gives each the same bytes,
// and always asks for the audited repository's own record and for files.
func TestTransportCachesRecords(t *testing.T) {
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits[r.URL.RequestURI()]++
		if r.URL.Path == "/api/models/gone/model" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, `{"id":"`+r.URL.Path+`"}`)
	}))
	defer srv.Close()
	var use usage
	c := &http.Client{Transport: newHubTransport(http.DefaultTransport, 0, 0, &use)}
	get := func(path string) string {
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for range 3 {
		for _, p := range []string{"/api/models/a/b", "/api/models/a/b/revision/main?blobs=true", "/api/models/gone/model", "/a/b/resolve/main/README.md"} {
			if got := get(p); p == "/api/models/a/b" && got != `{"id":"/api/models/a/b"}` {
				t.Errorf("%s: %q", p, got)
			}
		}
	}
	want := map[string]int{"/api/models/a/b": 1, "/api/models/a/b/revision/main?blobs=true": 3, "/api/models/gone/model": 3, "/a/b/resolve/main/README.md": 3}
	for p, n := range want {
		if hits[p] != n {
			t.Errorf("%s asked %d times, want %d", p, hits[p], n)
		}
	}
	if use.cached.Load() != 2 || use.api.Load() != 7 {
		t.Errorf("cached %d, sent %d API requests", use.cached.Load(), use.api.Load())
	}
}
