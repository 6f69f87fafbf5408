package hub

import (
	"context"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelvet/modelvet/internal/hubtest"
)

// newClient returns a client of srv, sending no token unless opts has one.
func newClient(t testing.TB, srv *hubtest.Server, opts Options) *Client {
	t.Helper()
	if opts.Endpoint == "" {
		opts.Endpoint = srv.URL()
	}
	if opts.Token == "" {
		opts.NoToken = true
	}
	c, err := NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// readFiles lists ref and reads the first bytes of each file listed (at
// most 16, as a safetensors header's first read), returning the error of
// each file that could not be read.
func readFiles(ctx context.Context, c *Client, ref Ref) (*ModelInfo, map[string]error, error) {
	info, err := c.Listing(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	errs := map[string]error{}
	for _, f := range info.Files {
		if f.Size < 0 {
			continue
		}
		r := c.NewReader(Ref{ID: ref.ID, Revision: info.SHA}, f.Path, f.Size)
		if err := r.Fetch(ctx, 0, min(f.Size, 16)); err != nil {
			errs[f.Path] = err
		}
	}
	return info, errs, nil
}

// recordWaits makes retries immediate and records the waits asked for.
func recordWaits(c *Client) func() []time.Duration {
	var mu sync.Mutex
	var waits []time.Duration
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	return func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(waits)
	}
}

func TestClientListingAndReads(t *testing.T) {
	repo := hubtest.ExampleRepo()
	srv := hubtest.New(t, repo)
	c := newClient(t, srv, Options{})
	ctx := context.Background()
	info, errs, err := readFiles(ctx, c, Ref{ID: "acme/chat-7b"})
	if err != nil {
		t.Fatal(err)
	}
	if info.ID != "acme/chat-7b" || info.SHA != repo.SHA || len(info.Files) != len(repo.Files) || len(errs) != 0 {
		t.Fatalf("record %+v, errors %v", info, errs)
	}
	log := srv.Log()
	if !strings.HasPrefix(log[0].Path, "/api/models/acme/chat-7b/revision/main?blobs=true") {
		t.Errorf("first request %+v", log[0])
	}
	// Every file is read at the commit, with the user agent; LFS files
	// through the CDN.
	cdn := 0
	for _, r := range log[1:] {
		if r.Server == "hub" && !strings.Contains(r.Path, "/resolve/"+repo.SHA+"/") {
			t.Errorf("request not pinned to the commit: %s", r.Path)
		}
		if r.Server == "cdn" {
			cdn++
		}
		if !strings.HasPrefix(r.UserAgent, "modelvet/") {
			t.Errorf("user agent %q", r.UserAgent)
		}
	}
	if cdn == 0 {
		t.Error("no file was read through the CDN")
	}
	requests, bytes := c.Usage()
	if requests != srv.RequestCount() || bytes == 0 || bytes > srv.BytesServed() {
		t.Errorf("usage %d requests, %d bytes; the server answered %d requests, %d bytes", requests, bytes, srv.RequestCount(), srv.BytesServed())
	}
	// The listing answers ModelInfo for its repository.
	n := srv.RequestCount()
	if m, err := c.ModelInfo(ctx, "acme/chat-7b"); err != nil || m != info || srv.RequestCount() != n {
		t.Errorf("ModelInfo after Listing: %v, %d requests", err, srv.RequestCount()-n)
	}
	// Ids and revisions that are not the Hub's are refused before any
	// request.
	for _, ref := range []Ref{{ID: "../x"}, {ID: "acme/x", Revision: "a/../../b"}} {
		if _, err := c.Listing(ctx, ref); err == nil {
			t.Errorf("Listing(%+v) succeeded", ref)
		}
	}
	if _, err := c.ModelInfo(ctx, "acme/x?y"); err == nil || srv.RequestCount() != n {
		t.Errorf("ModelInfo of a bad id: %v, %d requests", err, srv.RequestCount()-n)
	}
}

func TestClientTokenOnlyToEndpoint(t *testing.T) {
	repo := hubtest.ExampleRepo()
	repo.Private = true
	srv := hubtest.New(t, repo)
	srv.Token = "hf_secret"
	info, errs, err := readFiles(context.Background(), newClient(t, srv, Options{Token: "hf_secret"}), Ref{ID: "acme/chat-7b"})
	if err != nil || len(errs) != 0 {
		t.Fatal(err, errs)
	}
	if !info.Private {
		t.Error("private not recorded")
	}
	var hub, cdn int
	for _, r := range srv.Log() {
		switch r.Server {
		case "hub":
			hub++
			if r.Authorization != "Bearer hf_secret" {
				t.Errorf("hub request %s without the token", r.Path)
			}
		case "cdn":
			cdn++
			if r.Authorization != "" {
				t.Errorf("the token was sent to the CDN: %s", r.Path)
			}
		}
	}
	if hub == 0 || cdn == 0 {
		t.Errorf("%d hub and %d cdn requests", hub, cdn)
	}
}

func TestClientEnvironment(t *testing.T) {
	srv := hubtest.New(t, hubtest.ExampleRepo())
	t.Setenv("HF_ENDPOINT", srv.URL()+"/")
	t.Setenv("HF_TOKEN", "hf_env")
	t.Setenv("HF_HUB_OFFLINE", "")
	c, err := NewClient(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint() != srv.URL() {
		t.Errorf("endpoint %q", c.Endpoint())
	}
	if _, err := c.Listing(context.Background(), Ref{ID: "acme/chat-7b"}); err != nil {
		t.Fatal(err)
	}
	if l := srv.Log(); l[0].Authorization != "Bearer hf_env" {
		t.Errorf("first request %+v", l[0])
	}

	for _, v := range []string{"1", "on", "YES", "True"} {
		t.Setenv("HF_HUB_OFFLINE", v)
		c, err := NewClient(Options{})
		if err != nil {
			t.Fatal(err)
		}
		n := srv.RequestCount()
		if _, err := c.Listing(context.Background(), Ref{ID: "acme/chat-7b"}); !errors.Is(err, ErrOffline) {
			t.Errorf("HF_HUB_OFFLINE=%s: listing %v", v, err)
		}
		if _, err := c.ModelInfo(context.Background(), "acme/chat-7b"); !errors.Is(err, ErrOffline) || !strings.HasPrefix(err.Error(), "acme/chat-7b: ") {
			t.Errorf("HF_HUB_OFFLINE=%s: model info %v", v, err)
		}
		if srv.RequestCount() != n {
			t.Error("offline mode made a request")
		}
	}
	t.Setenv("HF_HUB_OFFLINE", "")

	for _, tc := range []struct{ endpoint, token, want string }{
		{"ftp://example.com", "", "not an http"},
		{"https://user:pw@example.com", "", "credentials"},
		{"https://example.com/?x=1", "", "query"},
		{"http://example.com", "hf_x", "in clear"},
		{"https://example.com", "hf x", "spaces"},
	} {
		t.Setenv("HF_ENDPOINT", tc.endpoint)
		t.Setenv("HF_TOKEN", tc.token)
		if _, err := NewClient(Options{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("HF_ENDPOINT=%s HF_TOKEN=%q: %v, want %q", tc.endpoint, tc.token, err, tc.want)
		}
	}
	t.Setenv("HF_TOKEN", "hf_x")
	if _, err := NewClient(Options{Endpoint: "http://mirror.example", AllowTokenOverHTTPUnsafe: true}); err != nil {
		t.Errorf("unsafe switch: %v", err)
	}
}

func TestClientFailures(t *testing.T) {
	type check func(t *testing.T, info *ModelInfo, errs map[string]error, err error, srv *hubtest.Server, waits []time.Duration)
	wantErr := func(kind error, text string) check {
		return func(t *testing.T, _ *ModelInfo, _ map[string]error, err error, _ *hubtest.Server, _ []time.Duration) {
			if !errors.Is(err, kind) || !strings.Contains(err.Error(), text) {
				t.Errorf("error %v, want %v containing %q", err, kind, text)
			}
		}
	}
	wantFileErr := func(path string, kind error, text string) check {
		return func(t *testing.T, _ *ModelInfo, errs map[string]error, err error, _ *hubtest.Server, _ []time.Duration) {
			if err != nil {
				t.Fatal(err)
			}
			if e := errs[path]; !errors.Is(e, kind) || !strings.Contains(e.Error(), text) {
				t.Errorf("%s: %v, want %v containing %q (all errors: %v)", path, e, kind, text, errs)
			}
		}
	}
	statusN := func(server string, status, times int, header ...string) func(*hubtest.Server) {
		return func(s *hubtest.Server) {
			var mu sync.Mutex
			n := 0
			s.SetFault(func(srv string, w http.ResponseWriter, r *http.Request) bool {
				mu.Lock()
				defer mu.Unlock()
				if srv != server || (times >= 0 && n >= times) {
					return false
				}
				n++
				for i := 0; i+1 < len(header); i += 2 {
					w.Header().Set(header[i], header[i+1])
				}
				w.WriteHeader(status)
				return true
			})
		}
	}
	shard := "model-00001-of-00002.safetensors"
	tests := []struct {
		name  string
		ref   Ref
		token string
		setup func(*hubtest.Server)
		repo  func(*hubtest.Repo)
		check check
	}{
		{name: "not found", ref: Ref{ID: "acme/nope"}, check: wantErr(ErrNotFound, "repository acme/nope not found")},
		{name: "revision not found", ref: Ref{ID: "acme/chat-7b", Revision: "v9"}, check: wantErr(ErrNotFound, `revision "v9" not found`)},
		{name: "private without token", repo: func(r *hubtest.Repo) { r.Private = true },
			check: wantErr(ErrNotFound, "set HF_TOKEN")},
		{name: "rejected token", token: "hf_wrong", repo: func(r *hubtest.Repo) { r.Private = true },
			setup: func(s *hubtest.Server) { s.Token = "hf_right" }, check: wantErr(ErrAccess, "rejected the token")},
		{name: "gated without token", repo: func(r *hubtest.Repo) { r.Gated = "manual" },
			check: func(t *testing.T, info *ModelInfo, errs map[string]error, err error, s *hubtest.Server, w []time.Duration) {
				wantFileErr("config.json", ErrGated, "accept its terms at")(t, info, errs, err, s, w)
				wantFileErr(shard, ErrAccess, "set HF_TOKEN")(t, info, errs, err, s, w)
				if errs["README.md"] != nil || info.Gated != "manual" {
					t.Errorf("card %v, gated %q: the card of a gated repository is public", errs["README.md"], info.Gated)
				}
			}},
		{name: "gated with a token not granted", token: "hf_other", repo: func(r *hubtest.Repo) { r.Gated = "auto" },
			setup: func(s *hubtest.Server) { s.Token = "hf_granted" }, check: wantFileErr("config.json", ErrGated, "has no access yet")},
		{name: "disabled", repo: func(r *hubtest.Repo) { r.Disabled = true },
			check: wantFileErr("README.md", ErrAccess, "disabled")},
		{name: "rate limited then served", setup: statusN("hub", 429, 2, "Retry-After", "3"),
			check: func(t *testing.T, _ *ModelInfo, _ map[string]error, err error, _ *hubtest.Server, waits []time.Duration) {
				if err != nil {
					t.Fatal(err)
				}
				if len(waits) != 2 || waits[0] < 3*time.Second || waits[1] < 3*time.Second {
					t.Errorf("waits %v, want two of at least the 3s Retry-After", waits)
				}
			}},
		{name: "rate limited for good", setup: statusN("hub", 429, -1),
			check: func(t *testing.T, info *ModelInfo, errs map[string]error, err error, s *hubtest.Server, waits []time.Duration) {
				wantErr(ErrRateLimited, "after 5 attempts")(t, info, errs, err, s, waits)
				var he *Error
				if !errors.As(err, &he) || he.Attempts != 5 || he.Status != 429 {
					t.Errorf("error %#v", err)
				}
				if len(waits) != 4 || waits[1] <= waits[0]/2 || waits[3] < 2*time.Second {
					t.Errorf("backoff waits %v, want four growing waits", waits)
				}
			}},
		{name: "retry-after too long", setup: statusN("hub", 429, -1, "Retry-After", "3600"),
			check: func(t *testing.T, info *ModelInfo, errs map[string]error, err error, s *hubtest.Server, waits []time.Duration) {
				wantErr(ErrRateLimited, "asks to wait 3600s")(t, info, errs, err, s, waits)
				if s.RequestCount() != 1 {
					t.Errorf("%d requests, want 1", s.RequestCount())
				}
			}},
		{name: "server error for good", setup: statusN("hub", 503, -1), check: wantErr(ErrUnavailable, "unavailable after 5 attempts")},
		{name: "CDN error", setup: statusN("cdn", 500, -1), check: wantFileErr(shard, ErrUnavailable, "unavailable")},
		{name: "API not JSON", setup: func(s *hubtest.Server) {
			s.SetFault(func(srv string, w http.ResponseWriter, r *http.Request) bool {
				if strings.HasPrefix(r.URL.Path, "/api/") {
					io.WriteString(w, "<html>mirror error</html>")
					return true
				}
				return false
			})
		}, check: func(t *testing.T, info *ModelInfo, errs map[string]error, err error, s *hubtest.Server, waits []time.Duration) {
			wantErr(ErrResponse, "cannot be read")(t, info, errs, err, s, waits)
			if re := (*RecordError)(nil); !errors.As(err, &re) {
				t.Errorf("%v does not hold a *RecordError", err)
			}
		}},
		{name: "truncated ranges", setup: func(s *hubtest.Server) { s.Truncate = 10 },
			check: wantFileErr(shard, ErrResponse, "cut short")},
		{name: "wrong content-range", setup: func(s *hubtest.Server) {
			s.SetFault(func(srv string, w http.ResponseWriter, r *http.Request) bool {
				if srv != "cdn" {
					return false
				}
				w.Header().Set("Content-Range", "bytes 5-9/1000")
				w.WriteHeader(http.StatusPartialContent)
				io.WriteString(w, "xxxxx")
				return true
			})
		}, check: wantFileErr(shard, ErrResponse, "asked for bytes 0-")},
		{name: "server lies about size", repo: func(r *hubtest.Repo) { r.Files[5].Actual = int64(len(r.Files[5].Data)) + 100 },
			check: wantFileErr(shard, ErrResponse, "bytes in the Hub listing")},
		{name: "file shorter than listed", repo: func(r *hubtest.Repo) { r.Files[3].Actual = 5 },
			check: wantFileErr("config.json", ErrResponse, "")},
		{name: "ignores range", setup: func(s *hubtest.Server) { s.IgnoreRange = true },
			check: func(t *testing.T, _ *ModelInfo, errs map[string]error, err error, _ *hubtest.Server, _ []time.Duration) {
				if err != nil || len(errs) != 0 {
					t.Errorf("err %v, file errors %v", err, errs)
				}
			}},
		{name: "no file metadata", setup: func(s *hubtest.Server) { s.NoBlobs = true },
			check: func(t *testing.T, info *ModelInfo, _ map[string]error, err error, _ *hubtest.Server, _ []time.Duration) {
				if err != nil || len(info.Files) != 13 || slices.ContainsFunc(info.Files, func(f File) bool { return f.Size != -1 || f.LFS != nil }) {
					t.Errorf("err %v, files %+v", err, info.Files)
				}
			}},
		{name: "redirect loop", setup: func(s *hubtest.Server) {
			s.SetFault(func(srv string, w http.ResponseWriter, r *http.Request) bool {
				if srv != "cdn" {
					return false
				}
				http.Redirect(w, r, r.URL.String(), http.StatusFound)
				return true
			})
		}, check: wantFileErr(shard, ErrResponse, "more than 5 redirects")},
		{name: "redirect to another scheme", setup: func(s *hubtest.Server) {
			s.SetFault(func(srv string, w http.ResponseWriter, r *http.Request) bool {
				if srv == "hub" && strings.HasSuffix(r.URL.Path, ".safetensors") {
					http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
					return true
				}
				return false
			})
		}, check: wantFileErr(shard, ErrResponse, "refusing a redirect from http to file://")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			repo := hubtest.ExampleRepo()
			if tc.repo != nil {
				tc.repo(repo)
			}
			srv := hubtest.New(t, repo)
			if tc.setup != nil {
				tc.setup(srv)
			}
			c := newClient(t, srv, Options{Token: tc.token})
			waits := recordWaits(c)
			ref := tc.ref
			if ref.ID == "" {
				ref.ID = "acme/chat-7b"
			}
			info, errs, err := readFiles(context.Background(), c, ref)
			tc.check(t, info, errs, err, srv, waits())
		})
	}
}

func TestClientCaps(t *testing.T) {
	srv := hubtest.New(t, hubtest.ExampleRepo())
	ctx := context.Background()
	_, errs, err := readFiles(ctx, newClient(t, srv, Options{MaxRequests: 4}), Ref{ID: "acme/chat-7b"})
	if err != nil {
		t.Fatal(err)
	}
	capped := 0
	for _, e := range errs {
		if errors.Is(e, ErrBudget) && strings.Contains(e.Error(), "the cap of 4 Hub requests") {
			capped++
		}
	}
	if capped == 0 || srv.RequestCount() > 4 {
		t.Errorf("errors %v, %d requests", errs, srv.RequestCount())
	}

	probe := newClient(t, srv, Options{})
	if _, err := probe.Listing(ctx, Ref{ID: "acme/chat-7b"}); err != nil {
		t.Fatal(err)
	}
	_, apiBytes := probe.Usage()
	c := newClient(t, srv, Options{MaxBytes: apiBytes + 700})
	_, errs, err = readFiles(ctx, c, Ref{ID: "acme/chat-7b"})
	if err != nil {
		t.Fatal(err)
	}
	if _, n := c.Usage(); n > apiBytes+700 {
		t.Errorf("read %d bytes over a cap of %d", n, apiBytes+700)
	}
	if !slices.ContainsFunc(slices.Collect(maps.Values(errs)), func(e error) bool { return errors.Is(e, ErrBudget) }) {
		t.Errorf("no cap error: %v", errs)
	}
	// A cap reached is not cached: ModelInfo is tried again by a later
	// caller with room.
	tiny := newClient(t, srv, Options{MaxBytes: 100})
	if _, err := tiny.Listing(ctx, Ref{ID: "acme/chat-7b"}); !errors.Is(err, ErrBudget) {
		t.Errorf("tiny byte cap: %v", err)
	}
	if _, err := tiny.ModelInfo(ctx, "acme/chat-7b"); !errors.Is(err, ErrBudget) {
		t.Errorf("tiny byte cap: %v", err)
	}
}

func TestClientCancelAndTimeout(t *testing.T) {
	srv := hubtest.New(t, hubtest.ExampleRepo())
	srv.Hang("hub")
	ref := Ref{ID: "acme/chat-7b"}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := newClient(t, srv, Options{}).Listing(ctx, ref); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled listing: %v", err)
	}

	c := newClient(t, srv, Options{Timeout: 50 * time.Millisecond, Retries: -1})
	if _, err := c.Listing(context.Background(), ref); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "did not answer within") {
		t.Errorf("timed-out listing: %v", err)
	}

	// With retries allowed, a Hub that does not answer is tried twice, not
	// Retries+1 times, and the error says what to check.
	c = newClient(t, srv, Options{Timeout: 50 * time.Millisecond, Retries: 4, RetryWait: time.Millisecond})
	_, err := c.Listing(context.Background(), ref)
	var he *Error
	if !errors.As(err, &he) {
		t.Fatalf("timed-out listing with retries: %v, want an *Error", err)
	}
	if he.Attempts != 2 || !strings.Contains(err.Error(), "after 2 attempts") || !strings.Contains(err.Error(), "HF_ENDPOINT") {
		t.Errorf("timed-out listing with retries: %v (attempts %d)", err, he.Attempts)
	}

	// A CDN that hangs: each file read fails on its own timeout.
	srv.Hang("cdn")
	_, errs, err := readFiles(context.Background(), newClient(t, srv, Options{Timeout: 50 * time.Millisecond, Retries: -1}), ref)
	if err != nil {
		t.Fatal(err)
	}
	if e := errs["model-00001-of-00002.safetensors"]; !errors.Is(e, ErrUnavailable) {
		t.Errorf("errors %v", errs)
	}
}

func FuzzParseContentRange(f *testing.F) {
	for _, s := range []string{"bytes 0-99/1000", "bytes 5-9/*", "bytes */1000", "bytes 10-5/100", "bytes 0-99/50", "items 0-1/2", "bytes -1-2/3", "bytes 0-9223372036854775807/9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		a, b, total, err := parseContentRange(h)
		if err != nil {
			return
		}
		if a < 0 || b < a || (total >= 0 && b >= total) {
			t.Fatalf("%q parsed to %d-%d/%d", h, a, b, total)
		}
		if !strings.HasPrefix(strings.TrimSpace(h), "bytes ") {
			t.Fatalf("%q accepted without the bytes unit", h)
		}
	})
}
