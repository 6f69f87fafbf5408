package hub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/modelvet/modelvet/internal/jsonscan"
	"github.com/modelvet/modelvet/internal/limits"
)

// ModelQuery selects model repositories from the Hub's model listing.
type ModelQuery struct {
	Author string // an organisation or user
	Search string // text in the repository id
	Limit  int    // at most this many repositories; 0 for all
}

// modelsPageSize is the page size asked of the Hub: its largest.
const modelsPageSize = 1000

// ListModels calls fn with the id of each model repository q selects, in
// the Hub's order (GET {endpoint}/api/models?author=…&search=…&limit=…),
// following the cursor each page gives in its Link header. Pages count
// against the Client's request, byte and time budgets, and are retried
// like any request. A next page elsewhere than the endpoint's origin is
// refused (the token would follow it), as is a cursor that comes back. An
// error from fn stops the listing and is returned.
func (c *Client) ListModels(ctx context.Context, q ModelQuery, fn func(id string) error) error {
	if c.cfg.offline {
		return fmt.Errorf("model listing: %w", offlineError())
	}
	v := url.Values{}
	if q.Author != "" {
		v.Set("author", q.Author)
	}
	if q.Search != "" {
		v.Set("search", q.Search)
	}
	size := modelsPageSize
	if q.Limit > 0 {
		size = min(size, q.Limit)
	}
	v.Set("limit", strconv.Itoa(size))
	next := c.cfg.endpoint.String() + "/api/models?" + v.Encode()
	seen := map[string]bool{}
	n := 0
	for page := 1; next != ""; page++ {
		if page > limits.MaxHubListingPages {
			return fmt.Errorf("model listing: more than %d pages", limits.MaxHubListingPages)
		}
		if seen[next] {
			return fmt.Errorf("model listing: page %d repeats an earlier page's cursor", page)
		}
		seen[next] = true
		ids, link, err := c.modelsPage(ctx, next, page)
		if err != nil {
			return err
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
		if next, err = c.nextPage(link); err != nil {
			return fmt.Errorf("model listing page %d: %w", page, err)
		}
	}
	return nil
}

// modelsPage fetches one page of the listing: its ids and Link header.
func (c *Client) modelsPage(ctx context.Context, u string, page int) (ids []string, link string, err error) {
	r := &request{op: fmt.Sprintf("list models (page %d)", page), url: u, accept: "application/json", rangeTo: -1}
	err = c.get(ctx, r, func(resp *http.Response, body io.Reader) error {
		if err := c.roomFor(r, min(resp.ContentLength, limits.MaxHubListingPageBytes)); err != nil {
			return err
		}
		data, err := io.ReadAll(io.LimitReader(body, limits.MaxHubListingPageBytes+1))
		if err != nil {
			if errors.Is(err, ErrBudget) {
				return err
			}
			return &retryable{err: r.fail(ErrUnavailable, resp.StatusCode, "the page was cut short", err), retryAfter: -1}
		}
		if len(data) > limits.MaxHubListingPageBytes {
			return r.fail(ErrResponse, resp.StatusCode, fmt.Sprintf("the page is over the %d-byte limit", limits.MaxHubListingPageBytes), nil)
		}
		if ids, err = parseModelsPage(data); err != nil {
			return r.fail(ErrResponse, resp.StatusCode, "the page cannot be read", err)
		}
		link = resp.Header.Get("Link")
		return nil
	})
	return ids, link, err
}

// parseModelsPage reads the ids of a listing page: a JSON array of model
// records, each with an "id" (older records: "modelId"). Entries without
// one are skipped.
func parseModelsPage(data []byte) ([]string, error) {
	if err := jsonscan.CheckDepth(data); err != nil {
		return nil, err
	}
	if !gjson.ValidBytes(data) {
		return nil, errors.New("not valid JSON")
	}
	doc := gjson.ParseBytes(data)
	if !doc.IsArray() {
		return nil, errors.New("not a JSON array")
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

// nextPage returns the URL of the next page from a Link header (RFC 8288,
// rel="next"), resolved against the endpoint, or "" on the last page.
func (c *Client) nextPage(header string) (string, error) {
	target := linkNext(header)
	if target == "" {
		return "", nil
	}
	u, err := c.cfg.endpoint.Parse(target)
	if err != nil {
		return "", fmt.Errorf("the Link header's next page %q is not a URL", target)
	}
	if !sameOrigin(u, c.cfg.endpoint) {
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
