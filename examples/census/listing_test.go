package main

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
)

// listingServer serves pages of ids: page i at ?cursor=i, with a Link to
// the next one as the Hub writes it (absolute), or relative when relative
// is set.
func listingServer(t *testing.T, pages [][]string, relative bool) (*httptest.Server, *[]string) {
	t.Helper()
	var queries []string
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.RawQuery)
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
	return srv, &queries
}

func testListing(t *testing.T, endpoint string) *listing {
	t.Helper()
	l, err := newListing(endpoint, http.DefaultClient, "", "test")
	if err != nil {
		t.Fatal(err)
	}
	l.sleep = func(context.Context, time.Duration) error { return nil }
	return l
}

func collect(t *testing.T, l *listing, q listQuery) ([]string, error) {
	t.Helper()
	var ids []string
	err := l.list(context.Background(), q, func(id string) error {
		ids = append(ids, id)
		return nil
	})
	return ids, err
}

func TestListingFollowsTheCursor(t *testing.T) {
	pages := [][]string{{"a/1", "a/2"}, {"a/3", "a/4"}, {"a/5"}}
	for _, relative := range []bool{false, true} {
		srv, queries := listingServer(t, pages, relative)
		ids, err := collect(t, testListing(t, srv.URL), listQuery{Author: "a", Search: "x y"})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"a/1", "a/2", "a/3", "a/4", "a/5"}; !slices.Equal(ids, want) {
			t.Errorf("relative %v: ids %v, want %v", relative, ids, want)
		}
		if len(*queries) != 3 || (*queries)[0] != "author=a&limit=1000&search=x+y" {
			t.Errorf("relative %v: queries %q", relative, *queries)
		}
	}
}

func TestListingStopsAtTheLimit(t *testing.T) {
	srv, queries := listingServer(t, [][]string{{"a/1", "a/2"}, {"a/3", "a/4"}, {"a/5"}}, false)
	ids, err := collect(t, testListing(t, srv.URL), listQuery{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []string{"a/1", "a/2", "a/3"}) || len(*queries) != 2 || (*queries)[0] != "limit=3" {
		t.Errorf("ids %v after queries %q", ids, *queries)
	}
}

func TestListingRetries(t *testing.T) {
	var calls atomic.Int64
	failFirst := func(status int, retryAfter string) *httptest.Server {
		calls.Store(0)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				if retryAfter != "" {
					w.Header().Set("Retry-After", retryAfter)
				}
				w.WriteHeader(status)
				return
			}
			fmt.Fprint(w, `[{"id":"a/1"}]`)
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	for _, tt := range []struct {
		status     int
		retryAfter string
		ok         bool
	}{
		{http.StatusTooManyRequests, "3", true},
		{http.StatusServiceUnavailable, "", true},
		{http.StatusTooManyRequests, "3600", false}, // longer than the cap: given up
		{http.StatusNotFound, "", false},
		{http.StatusUnauthorized, "", false},
	} {
		srv := failFirst(tt.status, tt.retryAfter)
		l := testListing(t, srv.URL)
		var waited time.Duration
		l.sleep = func(_ context.Context, d time.Duration) error {
			waited += d
			return nil
		}
		ids, err := collect(t, l, listQuery{})
		if (err == nil) != tt.ok {
			t.Errorf("HTTP %d Retry-After %q: err %v", tt.status, tt.retryAfter, err)
		}
		if tt.ok && (len(ids) != 1 || calls.Load() != 2) {
			t.Errorf("HTTP %d: ids %v after %d calls", tt.status, ids, calls.Load())
		}
		if tt.retryAfter == "3" && waited < 3*time.Second {
			t.Errorf("waited %s, the server asked for 3s", waited)
		}
		if !tt.ok && tt.retryAfter == "" && calls.Load() != 1 {
			t.Errorf("HTTP %d retried", tt.status)
		}
	}
}

func TestListingRefusesNextPagesElsewhere(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", `<https://elsewhere.example/api/models?cursor=1>; rel="next"`)
		fmt.Fprint(w, `[{"id":"a/1"}]`)
	}))
	defer srv.Close()
	l := testListing(t, srv.URL)
	l.token = "secret"
	if _, err := collect(t, l, listQuery{}); err == nil || !strings.Contains(err.Error(), "elsewhere.example") {
		t.Errorf("err %v", err)
	}
}

func TestListingRefusesACursorLoop(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "<"+srv.URL+`/api/models?cursor=same>; rel="next"`)
		fmt.Fprint(w, `[{"id":"a/1"}]`)
	}))
	defer srv.Close()
	if _, err := collect(t, testListing(t, srv.URL), listQuery{}); err == nil || !strings.Contains(err.Error(), "repeats") {
		t.Errorf("err %v", err)
	}
}

func TestParseListingPage(t *testing.T) {
	for _, tt := range []struct {
		page string
		ids  []string
		err  string
	}{
		{`[{"id":"a/1"},{"modelId":"b"},{"id":7},{"x":1},{"id":"c/2","cardData":{"a":[{"b":{}}]}}]`, []string{"a/1", "b", "c/2"}, ""},
		{`[]`, nil, ""},
		{`{"id":"a/1"}`, nil, "not a JSON array"},
		{`[{"id":"a/1"}`, nil, "not valid JSON"},
		{strings.Repeat("[", 100) + strings.Repeat("]", 100), nil, "deeper"},
		{`["` + strings.Repeat("[", 100) + `"]`, nil, ""}, // brackets in a string do not nest
		{`[{"id":"a\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[/1"}]`, []string{`a"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[/1`}, ""},
	} {
		ids, err := parseListingPage([]byte(tt.page))
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

func TestListingCapsThePage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("[" + strings.Repeat(`{"id":"a/b"},`, maxListingPageBytes/12) + `{"id":"a/b"}]`))
	}))
	defer srv.Close()
	if _, err := collect(t, testListing(t, srv.URL), listQuery{}); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("err %v", err)
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
