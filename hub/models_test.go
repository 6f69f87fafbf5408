package hub

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelvet/modelvet/internal/limits"
)

// modelsServer serves pages of ids: page i at ?cursor=i, with a Link to
// the next one as the Hub writes it (absolute), or relative when relative
// is set. It records the queries and the Authorization headers it saw.
func modelsServer(t *testing.T, pages [][]string, relative bool) (*httptest.Server, *[]string, *[]string) {
	t.Helper()
	var queries, auth []string
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.RawQuery)
		auth = append(auth, r.Header.Get("Authorization"))
		if r.URL.Path != "/api/models" {
			http.NotFound(w, r)
			return
		}
		i := 0
		fmt.Sscan(r.URL.Query().Get("cursor"), &i)
		if i+1 < len(pages) {
			next := fmt.Sprintf("/api/models?cursor=%d&limit=%s", i+1, r.URL.Query().Get("limit"))
			if !relative {
				next = srv.URL + next
			}
			w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next"`, next))
		}
		var entries []string
		for _, id := range pages[i] {
			entries = append(entries, fmt.Sprintf(`{"_id":"x","id":%q,"tags":["a"],"downloads":3}`, id))
		}
		fmt.Fprintf(w, "[%s]", strings.Join(entries, ","))
	}))
	t.Cleanup(srv.Close)
	return srv, &queries, &auth
}

func listModels(t *testing.T, endpoint string, opts Options, q ModelQuery) ([]string, error) {
	t.Helper()
	opts.Endpoint = endpoint
	if opts.Token == "" {
		opts.NoToken = true
	}
	c, err := NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	err = c.ListModels(context.Background(), q, func(id string) error {
		ids = append(ids, id)
		return nil
	})
	return ids, err
}

func TestListModelsFollowsTheCursor(t *testing.T) {
	pages := [][]string{{"a/1", "a/2"}, {"a/3", "a/4"}, {"a/5"}}
	for _, relative := range []bool{false, true} {
		srv, queries, auth := modelsServer(t, pages, relative)
		ids, err := listModels(t, srv.URL, Options{Token: "secret"}, ModelQuery{Author: "a", Search: "x y"})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"a/1", "a/2", "a/3", "a/4", "a/5"}; !slices.Equal(ids, want) {
			t.Errorf("relative %v: ids %v, want %v", relative, ids, want)
		}
		if len(*queries) != 3 || (*queries)[0] != "author=a&limit=1000&search=x+y" {
			t.Errorf("relative %v: queries %q", relative, *queries)
		}
		if slices.ContainsFunc(*auth, func(a string) bool { return a != "Bearer secret" }) {
			t.Errorf("relative %v: authorization %q, want the token on every page of the endpoint", relative, *auth)
		}
	}
}

func TestListModelsStopsAtTheLimit(t *testing.T) {
	srv, queries, _ := modelsServer(t, [][]string{{"a/1", "a/2"}, {"a/3", "a/4"}, {"a/5"}}, false)
	ids, err := listModels(t, srv.URL, Options{}, ModelQuery{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []string{"a/1", "a/2", "a/3"}) || len(*queries) != 2 || (*queries)[0] != "limit=3" {
		t.Errorf("ids %v after queries %q", ids, *queries)
	}
}

// TestListModelsRetries checks that a page failing with 429 or 5xx is
// tried again after the wait the Hub asks for (Retry-After, or the reset
// of its RateLimit header), and that other failures, and waits past the
// cap, are not.
func TestListModelsRetries(t *testing.T) {
	for _, tt := range []struct {
		status int
		header string
		ok     bool
	}{
		{http.StatusTooManyRequests, "Retry-After: 1", true},
		{http.StatusTooManyRequests, `RateLimit: "api";r=0;t=1`, true},
		{http.StatusServiceUnavailable, "", true},
		{http.StatusTooManyRequests, "Retry-After: 3600", false}, // longer than the cap: given up
		{http.StatusNotFound, "", false},
		{http.StatusUnauthorized, "", false},
	} {
		var calls atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				if k, v, ok := strings.Cut(tt.header, ": "); ok {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				return
			}
			fmt.Fprint(w, `[{"id":"a/1"}]`)
		}))
		start := time.Now()
		ids, err := listModels(t, srv.URL, Options{RetryWait: time.Millisecond}, ModelQuery{})
		srv.Close()
		if (err == nil) != tt.ok {
			t.Errorf("HTTP %d %q: err %v", tt.status, tt.header, err)
		}
		if tt.ok && (len(ids) != 1 || calls.Load() != 2) {
			t.Errorf("HTTP %d: ids %v after %d calls", tt.status, ids, calls.Load())
		}
		if tt.ok && strings.HasSuffix(tt.header, "1") && time.Since(start) < time.Second {
			t.Errorf("HTTP %d %q: retried after %s", tt.status, tt.header, time.Since(start))
		}
		if !tt.ok && calls.Load() != 1 {
			t.Errorf("HTTP %d %q: retried", tt.status, tt.header)
		}
	}
}

func TestListModelsRefusesNextPagesElsewhere(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", `<https://elsewhere.example/api/models?cursor=1>; rel="next"`)
		fmt.Fprint(w, `[{"id":"a/1"}]`)
	}))
	defer srv.Close()
	if _, err := listModels(t, srv.URL, Options{Token: "secret"}, ModelQuery{}); err == nil || !strings.Contains(err.Error(), "elsewhere.example") {
		t.Errorf("err %v", err)
	}
}

func TestListModelsRefusesACursorLoop(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "<"+srv.URL+`/api/models?cursor=same>; rel="next"`)
		fmt.Fprint(w, `[{"id":"a/1"}]`)
	}))
	defer srv.Close()
	if _, err := listModels(t, srv.URL, Options{}, ModelQuery{}); err == nil || !strings.Contains(err.Error(), "repeats") {
		t.Errorf("err %v", err)
	}
}

func TestListModelsCapsThePage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("[" + strings.Repeat(`{"id":"a/b"},`, limits.MaxHubListingPageBytes/12) + `{"id":"a/b"}]`))
	}))
	defer srv.Close()
	if _, err := listModels(t, srv.URL, Options{}, ModelQuery{}); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("err %v", err)
	}
}

func TestListModelsOffline(t *testing.T) {
	if _, err := listModels(t, "http://127.0.0.1:1", Options{Offline: true}, ModelQuery{}); err == nil || !strings.Contains(err.Error(), "HF_HUB_OFFLINE") {
		t.Errorf("err %v", err)
	}
}

func TestParseModelsPage(t *testing.T) {
	for _, tt := range []struct {
		page string
		ids  []string
		err  string
	}{
		{`[{"id":"a/1"},{"modelId":"b"},{"id":7},{"x":1},{"id":"c/2","cardData":{"a":[{"b":{}}]}}]`, []string{"a/1", "b", "c/2"}, ""},
		{`[]`, nil, ""},
		{`{"id":"a/1"}`, nil, "not a JSON array"},
		{`[{"id":"a/1"}`, nil, "not valid JSON"},
		{strings.Repeat("[", limits.MaxJSONDepth+1) + strings.Repeat("]", limits.MaxJSONDepth+1), nil, "levels deep"},
		{`["` + strings.Repeat("[", limits.MaxJSONDepth+1) + `"]`, nil, ""}, // brackets in a string do not nest
	} {
		ids, err := parseModelsPage([]byte(tt.page))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%.40s: err %v, want %q", tt.page, err, tt.err)
			}
			continue
		}
		if err != nil || !slices.Equal(ids, tt.ids) {
			t.Errorf("%.40s: %q, %v; want %q", tt.page, ids, err, tt.ids)
		}
	}
}

func TestLinkNext(t *testing.T) {
	for header, want := range map[string]string{
		`<https://h/api/models?cursor=abc>; rel="next"`:                "https://h/api/models?cursor=abc",
		`<https://h/p?c=1>; rel="prev", <https://h/p?c=3>; rel="next"`: "https://h/p?c=3",
		`<https://h/p?c=3,4>; title="x"; rel=next`:                     "https://h/p?c=3,4",
		`<https://h/p?c=1>; rel="prev"`:                                "",
		`<https://h/p?c=1>; rel="prefetch next"`:                       "https://h/p?c=1",
		``:                                                             "",
		`<https://h/p`:                                                 "",
		`<https://h/a>; REL="NEXT"`:                                    "https://h/a",
		`<https://h/a>; rel="previous"; anchor="<x>", <https://h/b>; rel="next"`: "https://h/b",
	} {
		if got := linkNext(header); got != want {
			t.Errorf("linkNext(%q) = %q, want %q", header, got, want)
		}
	}
}
