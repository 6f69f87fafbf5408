package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/textsafe"
)

// This file is the Hub's model listing (GET {endpoint}/api/models), written
// to move into the library's Hub package: the HTTP client is injected, the
// context is honoured, pages are capped in size and nesting, and
// Retry-After is honoured up to limits.MaxHubRetryAfterSeconds.

// listing asks the Hub for the model repositories matching a query.
type listing struct {
	// endpoint is the Hub's base URL, without a trailing slash.
	endpoint *url.URL
	client   *http.Client
	// token, when set, is sent to the endpoint's own origin only.
	token     string
	userAgent string
	// sleep waits between retries; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
	// requests counts the requests made, retries included.
	requests int
}

// listQuery selects repositories: by author (an organisation or user), by
// text in their id, or both; limit caps how many (0: all).
type listQuery struct {
	Author, Search string
	Limit          int
}

// newListing returns a listing of the Hub at endpoint.
func newListing(endpoint string, client *http.Client, token, userAgent string) (*listing, error) {
	u, err := url.Parse(strings.TrimRight(endpoint, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("listing: endpoint %q is not an http or https URL", endpoint)
	}
	return &listing{endpoint: u, client: client, token: token, userAgent: userAgent, sleep: sleepCtx}, nil
}

// list calls fn with the id of each repository the query selects, in the
// Hub's order, following the cursor the Hub gives in each page's Link
// header.
func (l *listing) list(ctx context.Context, q listQuery, fn func(id string) error) error {
	v := url.Values{}
	if q.Author != "" {
		v.Set("author", q.Author)
	}
	if q.Search != "" {
		v.Set("search", q.Search)
	}
	size := listingPageSize
	if q.Limit > 0 {
		size = min(size, q.Limit)
	}
	v.Set("limit", strconv.Itoa(size))
	next := l.endpoint.String() + "/api/models?" + v.Encode()
	seen := map[string]bool{}
	n := 0
	for page := 1; next != ""; page++ {
		if page > maxListingPages {
			return fmt.Errorf("listing: more than %d pages", maxListingPages)
		}
		if seen[next] {
			return fmt.Errorf("listing: page %d repeats an earlier page's cursor", page)
		}
		seen[next] = true
		ids, link, err := l.page(ctx, next)
		if err != nil {
			return fmt.Errorf("listing page %d: %w", page, err)
		}
		for _, id := range ids {
			if q.Limit > 0 && n >= q.Limit {
				return nil
			}
			if err := fn(id); err != nil {
				return err
			}
			n++
		}
		if len(ids) == 0 {
			return nil
		}
		if next, err = l.nextPage(link); err != nil {
			return fmt.Errorf("listing page %d: %w", page, err)
		}
	}
	return nil
}

// page fetches one page, retrying 429, 5xx and network failures, and
// returns its ids and Link header.
func (l *listing) page(ctx context.Context, u string) ([]string, string, error) {
	for try := 0; ; try++ {
		ids, link, wait, err := l.attempt(ctx, u)
		if err == nil || wait < 0 || try >= listingRetries {
			return ids, link, err
		}
		wait = max(wait, backoff(try))
		if err := l.sleep(ctx, wait); err != nil {
			return nil, "", err
		}
	}
}

// attempt makes one request. A failure worth retrying comes with the wait
// the server asked for (0 when it did not say); any other with -1.
func (l *listing) attempt(ctx context.Context, u string) (ids []string, link string, wait time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", -1, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", l.userAgent)
	if l.token != "" {
		req.Header.Set("Authorization", "Bearer "+l.token)
	}
	l.requests++
	resp, err := l.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", -1, ctx.Err()
		}
		return nil, "", 0, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		d, ok := serverWait(resp.Header)
		if ok && d > limits.MaxHubRetryAfterSeconds*time.Second {
			return nil, "", -1, fmt.Errorf("HTTP %d, asking to wait %s before a retry", resp.StatusCode, d)
		}
		return nil, "", d, fmt.Errorf("HTTP %d", resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return nil, "", -1, fmt.Errorf("HTTP %d%s", resp.StatusCode, hubMessage(resp.Header))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxListingPageBytes+1))
	if err != nil {
		return nil, "", 0, fmt.Errorf("reading the page: %w", err)
	}
	if len(data) > maxListingPageBytes {
		return nil, "", -1, fmt.Errorf("the page is over the %d-byte limit", maxListingPageBytes)
	}
	ids, err = parseListingPage(data)
	if err != nil {
		return nil, "", -1, err
	}
	return ids, resp.Header.Get("Link"), 0, nil
}

// parseListingPage reads the ids of a listing page: a JSON array of model
// records, each with an "id" (older records: "modelId"). Entries without
// one are skipped.
func parseListingPage(data []byte) ([]string, error) {
	if !jsonDepthWithin(data, maxListingJSONDepth) {
		return nil, fmt.Errorf("the page nests deeper than %d levels", maxListingJSONDepth)
	}
	if !gjson.ValidBytes(data) {
		return nil, errors.New("the page is not valid JSON")
	}
	doc := gjson.ParseBytes(data)
	if !doc.IsArray() {
		return nil, errors.New("the page is not a JSON array")
	}
	var ids []string
	doc.ForEach(func(_, m gjson.Result) bool {
		id := m.Get("id")
		if id.Type != gjson.String {
			id = m.Get("modelId")
		}
		if id.Type == gjson.String && id.String() != "" {
			ids = append(ids, id.String())
		}
		return true
	})
	return ids, nil
}

// jsonDepthWithin reports whether the arrays and objects of data nest at
// most max deep, without parsing it (so that a recursive parser never meets
// hostile nesting).
func jsonDepthWithin(data []byte, max int) bool {
	depth, inString, escaped := 0, false, false
	for _, c := range data {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			if depth++; depth > max {
				return false
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return true
}

// nextPage returns the URL of the next page from a Link header (RFC 8288,
// rel="next"), resolved against the endpoint, or "" on the last page. A
// next page elsewhere than the endpoint's origin is refused: the token
// would follow it.
func (l *listing) nextPage(header string) (string, error) {
	target := linkNext(header)
	if target == "" {
		return "", nil
	}
	u, err := l.endpoint.Parse(target)
	if err != nil {
		return "", fmt.Errorf("the Link header's next page %q is not a URL", target)
	}
	if u.Scheme != l.endpoint.Scheme || u.Host != l.endpoint.Host {
		return "", fmt.Errorf("the Link header's next page is on %s://%s, not the endpoint", u.Scheme, u.Host)
	}
	return u.String(), nil
}

// linkNext returns the target of the link with rel "next" in a Link
// header, or "".
func linkNext(header string) string {
	for rest := header; ; {
		start := strings.IndexByte(rest, '<')
		if start < 0 {
			return ""
		}
		end := strings.IndexByte(rest[start:], '>')
		if end < 0 {
			return ""
		}
		target := rest[start+1 : start+end]
		rest = rest[start+end+1:]
		params := rest
		if i := strings.IndexByte(rest, '<'); i >= 0 {
			params = rest[:i]
		}
		for _, p := range strings.Split(params, ";") {
			name, value, _ := strings.Cut(strings.TrimSpace(strings.TrimRight(strings.TrimSpace(p), ",")), "=")
			if strings.EqualFold(strings.TrimSpace(name), "rel") && slices.ContainsFunc(strings.Fields(strings.Trim(strings.TrimSpace(value), `"`)), isNext) {
				return target
			}
		}
	}
}

func isNext(rel string) bool { return strings.EqualFold(rel, "next") }

// serverWait returns the wait a 429 or 503 response asks for: its
// Retry-After (seconds or an HTTP date), else the reset time of the Hub's
// RateLimit header ("api";r=0;t=55). ok is false when it says nothing.
func serverWait(h http.Header) (d time.Duration, ok bool) {
	if ra := strings.TrimSpace(h.Get("Retry-After")); ra != "" {
		if n, err := strconv.ParseInt(ra, 10, 64); err == nil {
			return time.Duration(max(min(n, 1<<20), 0)) * time.Second, true
		}
		if t, err := http.ParseTime(ra); err == nil {
			return max(time.Until(t), 0), true
		}
	}
	for _, p := range strings.Split(h.Get("RateLimit"), ";") {
		if v, found := strings.CutPrefix(strings.TrimSpace(p), "t="); found {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
				return time.Duration(min(n, 1<<20)) * time.Second, true
			}
		}
	}
	return 0, false
}

// hubMessage returns the Hub's X-Error-Message, cut short, as ": message".
func hubMessage(h http.Header) string {
	msg := strings.TrimSpace(h.Get("X-Error-Message"))
	if msg == "" {
		return ""
	}
	return ": " + textsafe.Truncate(textsafe.Line(msg), 200)
}

// backoff is the wait before retry number try (0-based): exponential from
// listingRetryWait, capped, with jitter over its upper half.
func backoff(try int) time.Duration {
	d := min(listingRetryWait<<min(try, 16), listingMaxWait)
	return d/2 + rand.N(d/2+1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
