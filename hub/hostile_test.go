package hub

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelvet/modelvet/internal/hubtest"
	"github.com/modelvet/modelvet/internal/jsonscan"
	"github.com/modelvet/modelvet/internal/limits"
)

// The client against a hostile Hub: every case runs a fake Hub that
// misbehaves in one way and asserts the outcome — the error or what was
// read, how long it took, how many bytes, and that the token went nowhere
// but the Hub. Budgets are set short through Options so that the suite
// runs in seconds; each bound is generous for a loaded 2-core machine.

const hostileToken = "hf_hostile_secret"

// hostileCase is one misbehaviour and what the client must do about it.
type hostileCase struct {
	name  string
	opts  Options
	setup func(t *testing.T, s *hubtest.Server)
	// check asserts the outcome; within bounds the time taken.
	check  func(t *testing.T, s *hubtest.Server, c *Client, err error, errs map[string]error)
	within time.Duration
}

func TestHostileHub(t *testing.T) {
	shard := "model-00001-of-00002.safetensors"
	onFile := func(p string) func(string, *http.Request) bool {
		return func(_ string, r *http.Request) bool {
			return strings.HasSuffix(r.URL.Query().Get("path"), p) || strings.HasSuffix(r.URL.Path, p)
		}
	}
	onAPI := func(_ string, r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }
	wantErr := func(kind error, text string) func(*testing.T, *hubtest.Server, *Client, error, map[string]error) {
		return func(t *testing.T, _ *hubtest.Server, _ *Client, err error, _ map[string]error) {
			t.Helper()
			if !errors.Is(err, kind) || !strings.Contains(err.Error(), text) {
				t.Errorf("error %v, want %v saying %q", err, kind, text)
			}
		}
	}
	wantFileErr := func(path string, kind error, text string) func(*testing.T, *hubtest.Server, *Client, error, map[string]error) {
		return func(t *testing.T, _ *hubtest.Server, _ *Client, err error, errs map[string]error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			if e := errs[path]; !errors.Is(e, kind) || !strings.Contains(e.Error(), text) {
				t.Errorf("%s: %v, want %v saying %q (all: %v)", path, e, kind, text, errs)
			}
		}
	}
	redirectTo := func(loc func(s *hubtest.Server, r *http.Request) string) func(*testing.T, *hubtest.Server) {
		return func(_ *testing.T, s *hubtest.Server) {
			s.Misbehave(hubtest.Misbehaviour{Match: onFile(shard), Redirect: func(r *http.Request) string { return loc(s, r) }})
		}
	}
	cdnPath := func(s *hubtest.Server) string {
		return "/repos/acme%2Fchat-7b/x?X-Amz-Signature=s&path=" + shard
	}
	record := func(data []byte, gz bool) func(*testing.T, *hubtest.Server) {
		return func(_ *testing.T, s *hubtest.Server) {
			s.Misbehave(hubtest.Misbehaviour{Record: func(string) []byte { return data }, GzipRecord: gz})
		}
	}
	tests := []hostileCase{
		// Redirects.
		{name: "redirect to another host keeps the token at home", setup: redirectTo(func(s *hubtest.Server, _ *http.Request) string { return s.CDN.URL + cdnPath(s) }),
			check: func(t *testing.T, s *hubtest.Server, _ *Client, err error, errs map[string]error) {
				if err != nil || errs[shard] != nil {
					t.Errorf("err %v, %v", err, errs)
				}
			}},
		{name: "userinfo in a redirect is not sent as credentials", setup: redirectTo(func(s *hubtest.Server, _ *http.Request) string {
			u, _ := url.Parse(s.CDN.URL + cdnPath(s))
			u.User = url.UserPassword("hf", hostileToken)
			return u.String()
		}), check: func(t *testing.T, s *hubtest.Server, _ *Client, err error, errs map[string]error) {
			if err != nil || errs[shard] != nil {
				t.Errorf("err %v, %v", err, errs)
			}
		}},
		{name: "the endpoint's host as userinfo of another host", setup: redirectTo(func(s *hubtest.Server, _ *http.Request) string {
			hub, _ := url.Parse(s.URL())
			cdn, _ := url.Parse(s.CDN.URL)
			return "http://" + hub.Host + "@" + cdn.Host + cdnPath(s)
		}), check: func(t *testing.T, s *hubtest.Server, _ *Client, err error, errs map[string]error) {
			if err != nil || errs[shard] != nil {
				t.Errorf("err %v, %v", err, errs)
			}
		}},
		{name: "redirect to a file URL", setup: redirectTo(func(*hubtest.Server, *http.Request) string { return "file:///etc/passwd" }),
			check: wantFileErr(shard, ErrResponse, "refusing a redirect from http to file://")},
		{name: "redirect to ftp", setup: redirectTo(func(*hubtest.Server, *http.Request) string { return "ftp://127.0.0.1/x" }),
			check: wantFileErr(shard, ErrResponse, "refusing a redirect")},
		{name: "redirect without a location", setup: redirectTo(func(*hubtest.Server, *http.Request) string { return "http://[::1" }),
			check: wantFileErr(shard, ErrResponse, "redirect without a valid Location")},
		{name: "redirect loop", setup: redirectTo(func(s *hubtest.Server, r *http.Request) string { return s.URL() + r.URL.RequestURI() }),
			check: func(t *testing.T, s *hubtest.Server, c *Client, err error, errs map[string]error) {
				wantFileErr(shard, ErrResponse, "more than 5 redirects")(t, s, c, err, errs)
				if n := len(requestsFor(s, shard)); n != limits.MaxHubRedirects+1 {
					t.Errorf("%d requests for the shard, want %d", n, limits.MaxHubRedirects+1)
				}
			}},

		// Records.
		{name: "deep record", setup: record(bytes.Repeat([]byte("["), 8<<20), false),
			check: func(t *testing.T, s *hubtest.Server, c *Client, err error, errs map[string]error) {
				wantErr(ErrResponse, "levels deep")(t, s, c, err, errs)
				var de *jsonscan.DepthError
				if !errors.As(err, &de) || de.Offset != limits.MaxJSONDepth {
					t.Errorf("%v: want the offset of the bracket too deep", err)
				}
			}},
		{name: "deep record behind gzip", setup: record(bytes.Repeat([]byte("{\"a\":"), 4<<20), true), check: wantErr(ErrResponse, "levels deep")},
		{name: "record over the size cap", setup: record(append([]byte(`{"id":"acme/chat-7b","x":"`), bytes.Repeat([]byte("x"), limits.MaxHubAPIBytes)...), false),
			check: func(t *testing.T, s *hubtest.Server, c *Client, err error, errs map[string]error) {
				wantErr(ErrResponse, "over the")(t, s, c, err, errs)
				if _, n := c.Usage(); n > limits.MaxHubAPIBytes+1 {
					t.Errorf("read %d bytes of a record capped at %d", n, limits.MaxHubAPIBytes)
				}
			}},
		{name: "gzip bomb record", setup: record(bytes.Repeat([]byte(" "), 2*limits.MaxHubAPIBytes), true),
			check: func(t *testing.T, s *hubtest.Server, c *Client, err error, errs map[string]error) {
				wantErr(ErrResponse, "over the")(t, s, c, err, errs)
				if _, n := c.Usage(); n > limits.MaxHubAPIBytes+1 {
					t.Errorf("decompressed %d bytes of a record capped at %d", n, limits.MaxHubAPIBytes)
				}
			}, within: 20 * time.Second},
		{name: "record not JSON", setup: record([]byte("<html>"), false), check: wantErr(ErrResponse, "cannot be read")},
		{name: "record cut short", setup: record([]byte(`{"id":"acme/chat-7b","siblings":[{"rfilename":"a"`), false), check: wantErr(ErrResponse, "cannot be read")},

		// Bodies.
		{name: "more bytes than the range", setup: func(_ *testing.T, s *hubtest.Server) {
			s.Misbehave(hubtest.Misbehaviour{Match: onFile(shard), Overrun: 1 << 20})
		}, check: func(t *testing.T, s *hubtest.Server, c *Client, err error, errs map[string]error) {
			wantFileErr(shard, ErrResponse, "Content-Length")(t, s, c, err, errs)
			if _, n := c.Usage(); n > 1<<20 {
				t.Errorf("read %d bytes", n)
			}
		}},
		{name: "a range other than asked", setup: func(_ *testing.T, s *hubtest.Server) {
			s.Misbehave(hubtest.Misbehaviour{Match: onFile(shard), RangeShift: 8})
		}, check: wantFileErr(shard, ErrResponse, "asked for bytes 0-15, the server sent 8-23")},
		{name: "gzip range though identity was asked", setup: func(_ *testing.T, s *hubtest.Server) {
			s.Misbehave(hubtest.Misbehaviour{Match: onFile(shard), GzipRanges: true})
		}, check: wantFileErr(shard, ErrResponse, "Content-Length")},
		{name: "a body cut short", setup: func(_ *testing.T, s *hubtest.Server) { s.Truncate = 4 },
			check: wantFileErr(shard, ErrResponse, "cut short after 4 of 16 bytes")},

		// Slow bodies: the minimum rate, the timeout, no retry.
		{name: "slowloris record", opts: Options{MinRate: 1000, RateWindow: 300 * time.Millisecond},
			setup: func(_ *testing.T, s *hubtest.Server) {
				s.Misbehave(hubtest.Misbehaviour{Match: onAPI, TrickleBytes: 1, TrickleEvery: 50 * time.Millisecond})
			}, check: func(t *testing.T, s *hubtest.Server, c *Client, err error, errs map[string]error) {
				wantErr(ErrUnavailable, "too slowly")(t, s, c, err, errs)
				if n := s.RequestCount(); n != 1 {
					t.Errorf("%d requests: a body that came too slowly is not retried", n)
				}
			}, within: 15 * time.Second},
		{name: "slowloris file", opts: Options{MinRate: 1000, RateWindow: 300 * time.Millisecond},
			setup: func(_ *testing.T, s *hubtest.Server) {
				s.Misbehave(hubtest.Misbehaviour{Match: func(srv string, r *http.Request) bool { return srv == "cdn" }, TrickleBytes: 1, TrickleEvery: 100 * time.Millisecond})
			}, check: func(t *testing.T, s *hubtest.Server, c *Client, err error, errs map[string]error) {
				wantFileErr(shard, ErrUnavailable, "under the minimum of 1000 bytes a second")(t, s, c, err, errs)
				if n := len(requestsFor(s, shard)); n != 2 {
					t.Errorf("%d requests for the shard, want the redirect and one read", n)
				}
			}, within: 15 * time.Second},
		{name: "a body past the timeout is not retried", opts: Options{MinRate: -1, Timeout: 400 * time.Millisecond},
			setup: func(_ *testing.T, s *hubtest.Server) {
				s.Misbehave(hubtest.Misbehaviour{Match: onAPI, TrickleBytes: 64, TrickleEvery: 100 * time.Millisecond})
			}, check: func(t *testing.T, s *hubtest.Server, c *Client, err error, errs map[string]error) {
				wantErr(ErrUnavailable, "did not send the whole response within 400ms")(t, s, c, err, errs)
				if n := s.RequestCount(); n != 1 {
					t.Errorf("%d requests, want 1", n)
				}
			}, within: 15 * time.Second},

		// Storms and budgets.
		{name: "429 storm within the retry-wait budget", opts: Options{MaxRetryWait: 1500 * time.Millisecond, RetryWait: time.Millisecond},
			setup: func(_ *testing.T, s *hubtest.Server) {
				s.Misbehave(hubtest.Misbehaviour{Match: func(srv string, _ *http.Request) bool { return srv == "cdn" }, Status: 429, Headers: map[string]string{"Retry-After": "1"}})
			}, check: func(t *testing.T, s *hubtest.Server, c *Client, err error, errs map[string]error) {
				wantFileErr(shard, ErrRateLimited, "allowed for waiting between retries")(t, s, c, err, errs)
				if !errors.Is(errs[shard], ErrBudget) {
					t.Errorf("%v does not match ErrBudget", errs[shard])
				}
			}, within: 10 * time.Second},
		{name: "500 storm", opts: Options{RetryWait: time.Millisecond}, setup: func(_ *testing.T, s *hubtest.Server) {
			s.Misbehave(hubtest.Misbehaviour{Status: 500})
		}, check: wantErr(ErrUnavailable, "after 5 attempts")},
		{name: "Retry-After past the cap", setup: func(_ *testing.T, s *hubtest.Server) {
			s.Misbehave(hubtest.Misbehaviour{Status: 429, Headers: map[string]string{"Retry-After": "61"}})
		}, check: wantErr(ErrRateLimited, "asks to wait 61s before a retry, longer than the 60s")},
		{name: "a Hub that never answers, within the time budget", opts: Options{MaxDuration: 700 * time.Millisecond},
			setup: func(_ *testing.T, s *hubtest.Server) { s.Hang("hub") },
			check: func(t *testing.T, s *hubtest.Server, c *Client, err error, errs map[string]error) {
				wantErr(ErrBudget, "the 700ms allowed for the Hub requests of one audit ran out")(t, s, c, err, errs)
				// Every later request fails at once.
				start := time.Now()
				if _, err := c.ModelInfo(context.Background(), "acme/other"); !errors.Is(err, ErrBudget) || time.Since(start) > time.Second {
					t.Errorf("after the budget: %v in %v", err, time.Since(start))
				}
			}, within: 15 * time.Second},
		{name: "a retry that would pass the time budget is not made", opts: Options{MaxDuration: 2 * time.Second},
			setup: func(_ *testing.T, s *hubtest.Server) {
				s.Misbehave(hubtest.Misbehaviour{Status: 503, Headers: map[string]string{"Retry-After": "30"}})
			}, check: func(t *testing.T, s *hubtest.Server, c *Client, err error, errs map[string]error) {
				wantErr(ErrUnavailable, "would pass the 2s allowed")(t, s, c, err, errs)
				if !errors.Is(err, ErrBudget) {
					t.Errorf("%v does not match ErrBudget", err)
				}
			}, within: 15 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := hubtest.New(t, hubtest.ExampleRepo())
			srv.Token = hostileToken
			if tc.setup != nil {
				tc.setup(t, srv)
			}
			opts := tc.opts
			opts.Token = hostileToken
			opts.RetryWait = cmp.Or(opts.RetryWait, time.Millisecond)
			c := newClient(t, srv, opts)
			start := time.Now()
			// The listing, then 16 bytes of each file.
			_, errs, err := readFiles(context.Background(), c, Ref{ID: "acme/chat-7b"})
			took := time.Since(start)
			tc.check(t, srv, c, err, errs)
			within := cmp.Or(tc.within, 10*time.Second)
			if took > within {
				t.Errorf("took %v, want under %v", took, within)
			}
			noTokenLeaked(t, srv)
		})
	}
}

// TestHostileHubTLSDowngrade: an https Hub redirecting to plain http is
// refused.
func TestHostileHubTLSDowngrade(t *testing.T) {
	srv := hubtest.New(t, hubtest.ExampleRepo())
	tlsHub := httptest.NewTLSServer(srv.Hub.Config.Handler)
	t.Cleanup(tlsHub.Close)
	c, err := NewClient(Options{Endpoint: tlsHub.URL, Client: tlsHub.Client(), Token: hostileToken})
	if err != nil {
		t.Fatal(err)
	}
	_, errs, err := readFiles(context.Background(), c, Ref{ID: "acme/chat-7b"})
	if err != nil {
		t.Fatal(err)
	}
	if e := errs["model-00001-of-00002.safetensors"]; !errors.Is(e, ErrResponse) || !strings.Contains(e.Error(), "refusing a redirect from https to http://") {
		t.Errorf("downgrade: %v", e)
	}
	for _, r := range srv.Log() {
		if r.Server == "cdn" {
			t.Errorf("the CDN was asked for %s over plain http", r.Path)
		}
	}
}

// TestHostileHubOffline: with HF_HUB_OFFLINE nothing is requested.
func TestHostileHubOffline(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	t.Setenv("HF_HUB_OFFLINE", "1")
	c, err := NewClient(Options{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Listing(context.Background(), Ref{ID: "acme/chat-7b"}); !errors.Is(err, ErrOffline) {
		t.Errorf("listing: %v", err)
	}
	if _, err := c.ModelInfo(context.Background(), "acme/base"); !errors.Is(err, ErrOffline) {
		t.Errorf("model info: %v", err)
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests in offline mode", hits.Load())
	}
}

// requestsFor returns the requests the servers received for a file.
func requestsFor(s *hubtest.Server, path string) []hubtest.Request {
	var out []hubtest.Request
	for _, r := range s.Log() {
		if strings.Contains(r.Path, path) {
			out = append(out, r)
		}
	}
	return out
}

// noTokenLeaked checks that the token went to the Hub only, and that no
// request carried other credentials.
func noTokenLeaked(t *testing.T, s *hubtest.Server) {
	t.Helper()
	for _, r := range s.Log() {
		switch {
		case r.Server == "hub" && r.Authorization != "" && r.Authorization != "Bearer "+hostileToken:
			t.Errorf("the Hub got credentials %q", r.Authorization)
		case r.Server != "hub" && r.Authorization != "":
			t.Errorf("the %s got credentials %q for %s", r.Server, r.Authorization, r.Path)
		case strings.Contains(r.Path, hostileToken):
			t.Errorf("the token is in the URL %s", r.Path)
		}
	}
}

// TestHostileAncestors: walks of base_model through records that fail,
// loop, go deep or fan out end within the client's budgets, say what each
// lookup met, and count what they did not follow.
func TestHostileAncestors(t *testing.T) {
	card := func(bases ...string) map[string]any { return map[string]any{"license": "mit", "base_model": bases} }
	fan := make([]string, 600)
	for i := range fan {
		fan[i] = "wide/base-" + strconv.Itoa(i)
	}
	// repos is a chain of 40 models, each the base of the one before, and
	// a loop of three.
	repos := func() []*hubtest.Repo {
		out := []*hubtest.Repo{
			{ID: "loop/a", CardData: card("loop/b")}, {ID: "loop/b", CardData: card("loop/c")}, {ID: "loop/c", CardData: card("loop/a", "loop/b")},
		}
		for i := range 40 {
			out = append(out, &hubtest.Repo{ID: "deep/m" + strconv.Itoa(i), CardData: card("deep/m" + strconv.Itoa(i+1))})
		}
		return out
	}
	onWide := func(_ string, r *http.Request) bool { return strings.Contains(r.URL.Path, "/wide/") }
	tests := []struct {
		name   string
		opts   Options
		bases  []string
		bad    hubtest.Misbehaviour
		within time.Duration
		check  func(t *testing.T, w Walk, s *hubtest.Server)
	}{
		{name: "600 bases answering 500", opts: Options{MaxRetryWait: 2 * time.Second}, bases: fan, bad: hubtest.Misbehaviour{Match: onWide, Status: 500},
			within: 15 * time.Second, check: func(t *testing.T, w Walk, s *hubtest.Server) {
				if len(w.Ancestors) != limits.MaxLineageNodes || w.Unfollowed != 600-limits.MaxLineageNodes {
					t.Errorf("%d ancestors, %d unfollowed", len(w.Ancestors), w.Unfollowed)
				}
				for _, a := range w.Ancestors {
					if !errors.Is(a.Err, ErrUnavailable) && !errors.Is(a.Err, ErrBudget) {
						t.Fatalf("%s: %v", a.ID, a.Err)
					}
				}
			}},
		{name: "600 bases answering 429 Retry-After 60", bases: fan, opts: Options{MaxRetryWait: 2 * time.Second},
			bad: hubtest.Misbehaviour{Match: onWide, Status: 429, Headers: map[string]string{"Retry-After": "60"}},
			// Each lookup would wait 60 s; none may.
			within: 15 * time.Second, check: func(t *testing.T, w Walk, _ *hubtest.Server) {
				for _, a := range w.Ancestors {
					if !errors.Is(a.Err, ErrRateLimited) {
						t.Fatalf("%s: %v", a.ID, a.Err)
					}
				}
			}},
		{name: "a Hub that hangs on every record, within the time budget", bases: fan[:50], opts: Options{MaxDuration: time.Second},
			bad:    hubtest.Misbehaviour{Match: onWide, Record: func(id string) []byte { return []byte(`{"id":"` + id + `"}`) }, TrickleBytes: 1, TrickleEvery: time.Hour},
			within: 15 * time.Second,
			check: func(t *testing.T, w Walk, _ *hubtest.Server) {
				for _, a := range w.Ancestors {
					if !errors.Is(a.Err, ErrBudget) || !strings.Contains(a.Error, "ran out") {
						t.Fatalf("%s: %v", a.ID, a.Err)
					}
				}
			}},
		{name: "deep records", bases: []string{"wide/base-1", "loop/a"}, bad: hubtest.Misbehaviour{Match: onWide, Record: func(string) []byte { return bytes.Repeat([]byte("["), 8<<20) }},
			check: func(t *testing.T, w Walk, _ *hubtest.Server) {
				if len(w.Ancestors) != 4 || !errors.Is(w.Ancestors[0].Err, ErrResponse) || !strings.Contains(w.Ancestors[0].Error, "levels deep") || w.Ancestors[1].Err != nil {
					t.Errorf("walk %+v", w)
				}
			}},
		{name: "a loop", bases: []string{"loop/a"}, check: func(t *testing.T, w Walk, s *hubtest.Server) {
			if len(w.Ancestors) != 3 || w.Unfollowed != 0 || s.RequestCount() != 3 {
				t.Errorf("walk %+v in %d requests", w, s.RequestCount())
			}
		}},
		{name: "a chain of 40", bases: []string{"deep/m0"}, check: func(t *testing.T, w Walk, _ *hubtest.Server) {
			if len(w.Ancestors) != limits.MaxLineageDepth || w.Unfollowed != 1 || w.Ancestors[len(w.Ancestors)-1].Depth != limits.MaxLineageDepth {
				t.Errorf("%d ancestors, %d unfollowed", len(w.Ancestors), w.Unfollowed)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := hubtest.New(t, repos()...)
			srv.Token = hostileToken
			srv.Misbehave(tc.bad)
			opts := tc.opts
			opts.Token, opts.RetryWait = hostileToken, cmp.Or(opts.RetryWait, 10*time.Millisecond)
			c := newClient(t, srv, opts)
			start := time.Now()
			w, err := Ancestors(context.Background(), c, "acme/child", tc.bases, "", AncestorOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if took := time.Since(start); took > cmp.Or(tc.within, 10*time.Second) {
				t.Errorf("took %v", took)
			}
			tc.check(t, w, srv)
			noTokenLeaked(t, srv)
		})
	}
}
