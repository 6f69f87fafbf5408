package hub

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/textsafe"
)

// Client reads model records and files from one Hub endpoint. It counts
// requests and response bytes against its caps, retries transient
// failures, follows redirects (sending the token to the endpoint's host
// only) and turns failures into *Error values. It is safe for concurrent
// use. Its caps and its cache of records last as long as it does: use one
// Client per audit.
type Client struct {
	cfg *config

	requests atomic.Int64
	bytes    atomic.Int64
	// waited is the time spent waiting between retries (nanoseconds).
	waited atomic.Int64
	// start is when the first request was made; the time budget runs
	// from it.
	startOnce sync.Once
	start     time.Time

	// sleep waits between retries; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error

	mu    sync.Mutex
	infos map[string]*infoResult // ModelInfo cache by id
}

type infoResult struct {
	info *ModelInfo
	err  error
}

// NewClient checks opts (resolved against HF_ENDPOINT, HF_TOKEN and
// HF_HUB_OFFLINE) and returns a client. It makes no request.
func NewClient(opts Options) (*Client, error) {
	cfg, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	return &Client{cfg: cfg, sleep: sleepCtx, infos: map[string]*infoResult{}}, nil
}

// Endpoint returns the Hub's base URL, without a trailing slash.
func (c *Client) Endpoint() string { return c.cfg.endpoint.String() }

// Offline reports whether the client refuses to contact the Hub
// (Options.Offline, HF_HUB_OFFLINE).
func (c *Client) Offline() bool { return c.cfg.offline }

// Authenticated reports whether the client sends a token (Options.Token or
// HF_TOKEN): the Hub's rate limits are higher for authenticated requests.
func (c *Client) Authenticated() bool { return c.cfg.token != "" }

// Usage returns the requests made and the response bytes read so far.
func (c *Client) Usage() (requests int, bytes int64) {
	return int(c.requests.Load()), c.bytes.Load()
}

// DefaultRevision is the revision read when a Ref names none.
const DefaultRevision = "main"

// Listing fetches the record of ref at its revision (DefaultRevision when
// it names none), with the size, git blob id and LFS digest of every file
// (GET /api/models/{id}/revision/{rev}?blobs=true). The record also
// answers ModelInfo(ref.ID) from then on.
func (c *Client) Listing(ctx context.Context, ref Ref) (*ModelInfo, error) {
	if c.cfg.offline {
		return nil, offlineError()
	}
	rev := cmp.Or(ref.Revision, DefaultRevision)
	if err := CheckID(ref.ID); err != nil {
		return nil, err
	}
	if err := checkRevision(rev); err != nil {
		return nil, err
	}
	info, err := c.modelInfo(ctx, ref.ID, rev, true)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.infos[ref.ID]; !ok {
		c.infos[ref.ID] = &infoResult{info: info}
	}
	return info, nil
}

// ModelInfo fetches the record of model id at its default branch, without
// the file metadata (GET /api/models/{id}), once per client: lineage walks
// meet the same models again.
func (c *Client) ModelInfo(ctx context.Context, id string) (*ModelInfo, error) {
	if c.cfg.offline {
		return nil, fmt.Errorf("%s: %w", id, offlineError())
	}
	if err := CheckID(id); err != nil {
		return nil, err
	}
	c.mu.Lock()
	r, ok := c.infos[id]
	c.mu.Unlock()
	if ok {
		return r.info, r.err
	}
	info, err := c.modelInfo(ctx, id, "", false)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if errors.Is(err, ErrBudget) {
		return nil, err // not cached: the cap is the client's, not the record's
	}
	c.mu.Lock()
	c.infos[id] = &infoResult{info: info, err: err}
	c.mu.Unlock()
	return info, err
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

// request is one logical GET.
type request struct {
	op, repo, rev, path string
	url                 string
	accept              string
	// rangeFrom and rangeTo (inclusive) ask for a byte range when rangeTo
	// >= 0.
	rangeFrom, rangeTo int64
}

func (r *request) fail(kind error, status int, msg string, err error) *Error {
	return &Error{Op: r.op, Repo: r.repo, Revision: r.rev, Path: r.path, URL: redactURL(r.url), Status: status, Kind: kind, Msg: msg, Err: err}
}

// redactURL drops the query of a URL (a CDN's signed parameters).
func redactURL(s string) string {
	if i := strings.IndexByte(s, '?'); i >= 0 {
		return s[:i] + "?…"
	}
	return s
}

// Causes of an attempt's end, told apart with context.Cause.
var (
	errAttemptTimeout = errors.New("the attempt timed out")
	errTimeBudget     = errors.New("the time budget ran out")
	errTooSlow        = errors.New("the body came too slowly")
)

// deadline returns when the Client's time budget ends (Options.MaxDuration,
// counted from its first request), and false when it has none.
func (c *Client) deadline() (time.Time, bool) {
	if c.cfg.maxDuration <= 0 {
		return time.Time{}, false
	}
	c.startOnce.Do(func() { c.start = time.Now() })
	return c.start.Add(c.cfg.maxDuration), true
}

// timeBudgetError is the error of a request refused or cut short because
// the Client's time budget ran out.
func (c *Client) timeBudgetError(r *request) *Error {
	return r.fail(ErrBudget, 0, fmt.Sprintf("the %s allowed for the Hub requests of one audit ran out", c.cfg.maxDuration), nil)
}

// takeRequest counts one request against the caps.
func (c *Client) takeRequest(r *request) error {
	if dl, ok := c.deadline(); ok && !time.Now().Before(dl) {
		return c.timeBudgetError(r)
	}
	if n := c.requests.Add(1); n > int64(c.cfg.maxRequests) {
		c.requests.Add(-1)
		return r.fail(ErrBudget, 0, fmt.Sprintf("the cap of %d Hub requests for one audit is reached", c.cfg.maxRequests), nil)
	}
	return nil
}

// roomFor reports whether n more bytes fit in the byte cap.
func (c *Client) roomFor(r *request, n int64) error {
	if c.bytes.Load()+n > c.cfg.maxBytes {
		return r.fail(ErrBudget, 0, fmt.Sprintf("reading %d more bytes would pass the cap of %d bytes downloaded for one audit", n, c.cfg.maxBytes), nil)
	}
	return nil
}

// countingBody counts the bytes read from a response against the byte cap
// and refuses to read past it; w, when set, watches its rate.
type countingBody struct {
	c *Client
	r *request
	b io.Reader
	w *rateWatch
}

// Read reserves room for p in the byte cap before reading, so that bodies
// read at once cannot pass the cap together, and gives back what it did
// not use.
func (cb *countingBody) Read(p []byte) (int, error) {
	var want int64
	for {
		used := cb.c.bytes.Load()
		room := cb.c.cfg.maxBytes - used
		if room <= 0 {
			return 0, cb.r.fail(ErrBudget, 0, fmt.Sprintf("the cap of %d bytes downloaded for one audit is reached", cb.c.cfg.maxBytes), nil)
		}
		want = min(int64(len(p)), room)
		if cb.c.bytes.CompareAndSwap(used, used+want) {
			break
		}
	}
	n, err := cb.b.Read(p[:want])
	if int64(n) < want {
		cb.c.bytes.Add(int64(n) - want)
	}
	if cb.w != nil {
		cb.w.got.Add(int64(n))
	}
	return n, err
}

// rateWatch abandons a response body that brings fewer than
// Options.MinRate bytes a second over a window of Options.RateWindow: a
// body trickled to stay under the timeout would otherwise hold the audit
// for the whole timeout, on every retry.
type rateWatch struct {
	got   atomic.Int64
	start time.Time
	timer *time.Timer
	last  int64 // bytes at the start of the window (timer only)
}

// watchRate starts watching a body; abandon ends its attempt.
func (c *Client) watchRate(abandon context.CancelCauseFunc) *rateWatch {
	w := &rateWatch{start: time.Now()}
	window := c.cfg.rateWindow
	if c.cfg.minRate <= 0 || window <= 0 {
		return w
	}
	need := max(c.cfg.minRate*window.Milliseconds()/1000, 1)
	w.timer = time.AfterFunc(time.Hour, func() {
		n := w.got.Load()
		if n-w.last < need {
			abandon(errTooSlow)
			return
		}
		w.last = n
		w.timer.Reset(window)
	})
	w.timer.Reset(window)
	return w
}

func (w *rateWatch) stop() {
	if w.timer != nil {
		w.timer.Stop()
	}
}

// get performs r, retrying transient failures, and calls handle with the
// final successful response; handle reads what it needs of the body. An
// error from handle wrapped in *retryable is retried too.
func (c *Client) get(ctx context.Context, r *request, handle func(*http.Response, io.Reader) error) error {
	attempts, timeouts := 0, 0
	for try := 0; ; try++ {
		err := c.attempt(ctx, r, &attempts, handle)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var rt *retryable
		if !errors.As(err, &rt) {
			return finish(err, attempts)
		}
		if rt.timeout {
			timeouts++
		}
		// A Hub that did not answer within the timeout twice is not
		// answering: more attempts would only make the user wait.
		if try >= c.cfg.retries || timeouts > maxTimeoutRetries {
			return finish(rt.err, attempts)
		}
		wait := c.backoff(try)
		if rt.retryAfter >= 0 {
			if rt.retryAfter > limits.MaxHubRetryAfterSeconds {
				amend(rt.err, fmt.Sprintf(", which asks to wait %ds before a retry, longer than the %ds modelvet waits", rt.retryAfter, limits.MaxHubRetryAfterSeconds), false)
				return finish(rt.err, attempts)
			}
			wait = max(wait, time.Duration(rt.retryAfter)*time.Second)
		}
		if err := c.takeWait(wait); err != "" {
			amend(rt.err, err, true)
			return finish(rt.err, attempts)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// takeWait counts a wait before a retry against the Client's budgets of
// time and of waiting, and says why it cannot be made ("" when it can).
func (c *Client) takeWait(wait time.Duration) string {
	if dl, ok := c.deadline(); ok && time.Now().Add(wait).After(dl) {
		return fmt.Sprintf("; a retry in %s would pass the %s allowed for the Hub requests of one audit", wait.Round(time.Millisecond), c.cfg.maxDuration)
	}
	if c.cfg.maxRetryWait <= 0 {
		return ""
	}
	if total := c.waited.Add(int64(wait)); time.Duration(total) > c.cfg.maxRetryWait {
		c.waited.Add(-int64(wait))
		return fmt.Sprintf("; a retry in %s would pass the %s allowed for waiting between retries in one audit", wait.Round(time.Millisecond), c.cfg.maxRetryWait)
	}
	return ""
}

// amend adds to the message of an *Error, and marks it as ended by a
// budget of the Client.
func amend(err error, msg string, overBudget bool) {
	var he *Error
	if errors.As(err, &he) {
		he.Msg += msg
		he.overBudget = he.overBudget || overBudget
	}
}

// maxTimeoutRetries is how many times a request that got no answer
// within the timeout is tried again (other failures get Options.Retries).
const maxTimeoutRetries = 1

// unreachableHint says what to do when the Hub cannot be reached.
const unreachableHint = "check the network connection, HTTPS_PROXY, or HF_ENDPOINT (a mirror); with HF_HUB_OFFLINE=1 no Hub is contacted"

// finish records the number of attempts in an *Error.
func finish(err error, attempts int) error {
	var he *Error
	if errors.As(err, &he) {
		he.Attempts = attempts
		if attempts > 1 && (he.Kind == ErrRateLimited || he.Kind == ErrUnavailable) {
			he.Msg += fmt.Sprintf(" after %d attempts", attempts)
		}
	}
	return err
}

// backoff returns the wait before retry number try (0-based): exponential
// from retryWait, capped, with full jitter over its upper half.
func (c *Client) backoff(try int) time.Duration {
	d := c.cfg.retryWait << min(try, 16)
	if d <= 0 || d > maxBackoff {
		d = maxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// attempt makes one try of r, following redirects. It ends at the
// timeout, at the end of the Client's time budget, or when the body comes
// too slowly, and tells them apart.
func (c *Client) attempt(ctx context.Context, r *request, attempts *int, handle func(*http.Response, io.Reader) error) error {
	actx, cancel := context.WithTimeoutCause(ctx, c.cfg.timeout, errAttemptTimeout)
	defer cancel()
	if dl, ok := c.deadline(); ok {
		var cancelBudget context.CancelFunc
		actx, cancelBudget = context.WithDeadlineCause(actx, dl, errTimeBudget)
		defer cancelBudget()
	}
	actx, abandon := context.WithCancelCause(actx)
	defer abandon(nil)
	target := r.url
	for hop := 0; ; hop++ {
		if err := c.takeRequest(r); err != nil {
			return err
		}
		*attempts++
		u, err := url.Parse(target)
		if err != nil {
			return r.fail(ErrResponse, 0, "bad URL "+strconv.Quote(redactURL(target)), nil)
		}
		req, err := http.NewRequestWithContext(actx, http.MethodGet, target, nil)
		if err != nil {
			return r.fail(ErrResponse, 0, "bad URL "+strconv.Quote(redactURL(target)), err)
		}
		req.Header.Set("User-Agent", c.cfg.userAgent)
		if r.accept != "" {
			req.Header.Set("Accept", r.accept)
		}
		if r.rangeTo >= 0 {
			req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", r.rangeFrom, r.rangeTo))
			req.Header.Set("Accept-Encoding", "identity")
		}
		if c.cfg.token != "" && sameOrigin(u, c.cfg.endpoint) {
			req.Header.Set("Authorization", "Bearer "+c.cfg.token)
		}
		resp, err := c.cfg.client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if context.Cause(actx) == errTimeBudget {
				return c.timeBudgetError(r)
			}
			if strings.Contains(err.Error(), "failed to parse Location header") {
				// net/http parses a redirect's Location before handing the
				// response back.
				return r.fail(ErrResponse, 0, "redirect without a valid Location", nil)
			}
			msg := "cannot reach the Hub at " + c.cfg.endpoint.Host
			timedOut := errors.Is(err, context.DeadlineExceeded) || actx.Err() != nil
			if timedOut {
				msg = fmt.Sprintf("the Hub at %s did not answer within %s", c.cfg.endpoint.Host, c.cfg.timeout)
			}
			ferr := r.fail(ErrUnavailable, 0, msg, unwrapURLError(err))
			var he *Error
			if errors.As(ferr, &he) && he.Hint == "" {
				he.Hint = unreachableHint
			}
			return &retryable{err: ferr, retryAfter: -1, timeout: timedOut}
		}
		switch resp.StatusCode {
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			loc := resp.Header.Get("Location")
			discard(c, r, resp)
			if hop >= limits.MaxHubRedirects {
				return r.fail(ErrResponse, resp.StatusCode, fmt.Sprintf("more than %d redirects", limits.MaxHubRedirects), nil)
			}
			next, err := u.Parse(loc)
			if loc == "" || err != nil {
				return r.fail(ErrResponse, resp.StatusCode, "redirect without a valid Location", nil)
			}
			// Credentials in a Location would go out as Basic auth.
			next.User = nil
			if next.Scheme != "https" && (next.Scheme != "http" || u.Scheme == "https") {
				return r.fail(ErrResponse, resp.StatusCode, fmt.Sprintf("refusing a redirect from %s to %s", u.Scheme, next.Scheme+"://"+next.Host), nil)
			}
			target = next.String()
			r.url = target
			continue
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			w := c.watchRate(abandon)
			err := handle(resp, &countingBody{c: c, r: r, b: resp.Body, w: w})
			w.stop()
			resp.Body.Close()
			if err == nil {
				return nil
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// A body that came too slowly, or not whole within the
			// timeout, is not retried: the server answers, and would
			// take as long again.
			got := w.got.Load()
			switch context.Cause(actx) {
			case errTimeBudget:
				return c.timeBudgetError(r)
			case errTooSlow:
				return r.fail(ErrUnavailable, resp.StatusCode, fmt.Sprintf("the Hub sent the response too slowly (%d bytes in %s, under the minimum of %d bytes a second over %s); abandoned", got, time.Since(w.start).Round(time.Millisecond), c.cfg.minRate, c.cfg.rateWindow), nil)
			case errAttemptTimeout:
				return r.fail(ErrUnavailable, resp.StatusCode, fmt.Sprintf("the Hub did not send the whole response within %s (%d bytes received)", c.cfg.timeout, got), nil)
			}
			return err
		}
		return c.statusError(r, resp)
	}
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// sameOrigin reports whether u is on the endpoint's scheme, host and port.
func sameOrigin(u, endpoint *url.URL) bool {
	return strings.EqualFold(u.Scheme, endpoint.Scheme) && strings.EqualFold(u.Host, endpoint.Host)
}

// discard reads a little of a body that is not wanted, so the connection
// may be reused, and closes it.
func discard(c *Client, r *request, resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(&countingBody{c: c, r: r, b: resp.Body}, limits.MaxHubErrorBody))
	resp.Body.Close()
}

// statusError turns an error status into an *Error saying what to do.
func (c *Client) statusError(r *request, resp *http.Response) error {
	code := resp.Header.Get("X-Error-Code")
	smsg := resp.Header.Get("X-Error-Message")
	discard(c, r, resp)
	e := r.fail(nil, resp.StatusCode, "", nil)
	e.Code = textsafe.Truncate(textsafe.Line(code), 64)
	e.ServerMessage = textsafe.Truncate(textsafe.Line(smsg), 200)
	repoURL := c.cfg.endpoint.String() + "/" + r.repo
	tokenHint := "set HF_TOKEN to a token with read access"
	what := r.repo
	if r.path != "" {
		what = r.path + " in " + r.repo
	}
	st := resp.StatusCode
	quote := false // add the server's message
	denied := func() {
		e.Kind = ErrAccess
		e.Msg, quote = "access to "+what+" denied", true
		if c.cfg.token == "" {
			e.Hint = tokenHint
		} else {
			e.Msg += " to the token sent"
		}
	}
	switch {
	case code == "GatedRepo":
		e.Kind = ErrGated
		e.Msg = r.repo + " is gated"
		if c.cfg.token == "" {
			e.Hint = fmt.Sprintf("accept its terms at %s and set HF_TOKEN to a token of that account", repoURL)
		} else {
			e.Msg += " and the token's account has no access yet"
			e.Hint = fmt.Sprintf("accept its terms at %s (some repositories approve requests by hand)", repoURL)
		}
	case smsg == "Access to this resource is disabled.":
		e.Kind = ErrAccess
		e.Msg = fmt.Sprintf("access to %s is disabled on the Hub", r.repo)
	case r.path != "" && (st == http.StatusUnauthorized || st == http.StatusForbidden) && code != "RepoNotFound" && !strings.Contains(smsg, "Invalid credentials"):
		denied()
	case code == "RevisionNotFound":
		e.Kind = ErrNotFound
		e.Msg = fmt.Sprintf("revision %q not found in %s", r.rev, r.repo)
	case code == "EntryNotFound" || (st == http.StatusNotFound && r.path != "" && code == ""):
		e.Kind = ErrNotFound
		e.Msg = fmt.Sprintf("%s not found in %s at revision %s", r.path, r.repo, r.rev)
	case code == "RepoNotFound" || st == http.StatusNotFound || (st == http.StatusUnauthorized && !strings.Contains(smsg, "Invalid credentials")):
		e.Kind = ErrNotFound
		e.Msg = fmt.Sprintf("repository %s not found on %s", r.repo, c.cfg.endpoint)
		if c.cfg.token == "" {
			e.Hint = "a private repository looks the same without a token: set HF_TOKEN"
		} else {
			e.Msg += ", or the token has no access to it"
		}
	case st == http.StatusUnauthorized:
		e.Kind = ErrAccess
		e.Msg, e.Hint = "the Hub rejected the token (invalid credentials)", "check HF_TOKEN"
	case st == http.StatusForbidden:
		denied()
	case st == http.StatusRequestedRangeNotSatisfiable:
		e.Kind = ErrResponse
		e.Msg = fmt.Sprintf("the server cannot serve bytes %d-%d: the file is shorter than the listing says", r.rangeFrom, r.rangeTo)
	case st == http.StatusTooManyRequests:
		e.Kind = ErrRateLimited
		e.Msg, e.Hint = "rate-limited by the Hub", "try again later; a token (HF_TOKEN) raises the limits"
		return &retryable{err: e, retryAfter: retryAfter(resp.Header)}
	case st >= 500:
		e.Kind = ErrUnavailable
		e.Msg, quote = "the Hub is unavailable", true
		return &retryable{err: e, retryAfter: retryAfter(resp.Header)}
	default:
		e.Kind = ErrResponse
		e.Msg, quote = "unexpected response from the Hub", true
	}
	if quote && e.ServerMessage != "" {
		e.Msg += ": " + strconv.Quote(e.ServerMessage)
	}
	return e
}

// RetryAfter returns the wait that a 429 or 5xx response asks for: its
// Retry-After (seconds or an HTTP date), else the reset time of the Hub's
// RateLimit header ("api";r=0;t=55). ok is false when it says nothing.
func RetryAfter(h http.Header) (d time.Duration, ok bool) {
	if s := retryAfter(h); s >= 0 {
		return time.Duration(min(s, 1<<20)) * time.Second, true
	}
	return 0, false
}

// retryAfter is RetryAfter in seconds, or -1.
func retryAfter(h http.Header) int64 {
	if ra := strings.TrimSpace(h.Get("Retry-After")); ra != "" {
		if n, err := strconv.ParseInt(ra, 10, 64); err == nil {
			return max(n, 0)
		}
		if t, err := http.ParseTime(ra); err == nil {
			return max(int64(time.Until(t).Seconds()+0.999), 0)
		}
	}
	for _, p := range strings.Split(h.Get("RateLimit"), ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(p), "t="); ok {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
				return n
			}
		}
	}
	return -1
}

// modelInfo fetches the model record of id at rev ("" for the default
// branch), with file sizes and LFS digests when blobs is set.
func (c *Client) modelInfo(ctx context.Context, id, rev string, blobs bool) (*ModelInfo, error) {
	u := c.cfg.endpoint.String() + "/api/models/" + id
	if rev != "" {
		u += "/revision/" + url.PathEscape(rev)
	}
	if blobs {
		u += "?blobs=true"
	}
	r := &request{op: "read model info", repo: id, rev: rev, url: u, accept: "application/json", rangeTo: -1}
	if r.rev == "" {
		r.rev = "main"
	}
	var info *ModelInfo
	err := c.get(ctx, r, func(resp *http.Response, body io.Reader) error {
		if err := c.roomFor(r, min(resp.ContentLength, limits.MaxHubAPIBytes)); err != nil {
			return err
		}
		data, err := io.ReadAll(io.LimitReader(body, limits.MaxHubAPIBytes+1))
		if err != nil {
			if errors.Is(err, ErrBudget) {
				return err
			}
			return &retryable{err: r.fail(ErrUnavailable, resp.StatusCode, "the model record was cut short", err), retryAfter: -1}
		}
		if len(data) > limits.MaxHubAPIBytes {
			return r.fail(ErrResponse, resp.StatusCode, fmt.Sprintf("the model record is over the %d-byte limit", limits.MaxHubAPIBytes), nil)
		}
		info, err = ParseModelInfo(data)
		if err != nil {
			return r.fail(ErrResponse, resp.StatusCode, "the model record cannot be read", err)
		}
		return nil
	})
	return info, err
}

// readRange reads bytes [off, off+n) of a file whose listed size is size.
// It checks the answer: 206 with the Content-Range asked for and the listed
// total, or 200 (a server ignoring Range) whose body is read only as far as
// needed. Bodies are never read past what was asked.
//
// It returns the URL that finally answered (after redirects), which may be
// asked directly for further ranges of the same file.
func (c *Client) readRange(ctx context.Context, base request, off, n, size int64) ([]byte, string, error) {
	r := base
	r.rangeFrom, r.rangeTo = off, off+n-1
	if n <= 0 {
		return nil, r.url, nil
	}
	if err := c.roomFor(&r, n); err != nil {
		return nil, r.url, err
	}
	var out []byte
	err := c.get(ctx, &r, func(resp *http.Response, body io.Reader) error {
		switch resp.StatusCode {
		case http.StatusPartialContent:
			a, b, total, err := parseContentRange(resp.Header.Get("Content-Range"))
			if err != nil {
				return r.fail(ErrResponse, resp.StatusCode, err.Error(), nil)
			}
			if a != off || b != off+n-1 {
				return r.fail(ErrResponse, resp.StatusCode, fmt.Sprintf("asked for bytes %d-%d, the server sent %d-%d", off, off+n-1, a, b), nil)
			}
			if total >= 0 && size >= 0 && total != size {
				return r.fail(ErrResponse, resp.StatusCode, fmt.Sprintf("%s is %d bytes on the server but %d bytes in the Hub listing", r.path, total, size), nil)
			}
			if resp.ContentLength >= 0 && resp.ContentLength != n {
				return r.fail(ErrResponse, resp.StatusCode, fmt.Sprintf("the server sent Content-Length %d for a range of %d bytes", resp.ContentLength, n), nil)
			}
		case http.StatusOK:
			if resp.ContentLength >= 0 && size >= 0 && resp.ContentLength != size {
				return r.fail(ErrResponse, resp.StatusCode, fmt.Sprintf("%s is %d bytes on the server but %d bytes in the Hub listing", r.path, resp.ContentLength, size), nil)
			}
			if off > limits.MaxHubRangeSkip {
				return r.fail(ErrResponse, resp.StatusCode, fmt.Sprintf("the server ignores range requests: reading at offset %d would download the file", off), nil)
			}
			if off > 0 {
				if err := c.roomFor(&r, off); err != nil {
					return err
				}
				if k, err := io.CopyN(io.Discard, body, off); err != nil {
					return truncated(&r, resp.StatusCode, k, off, err)
				}
			}
		default:
			return r.fail(ErrResponse, resp.StatusCode, "unexpected status for a file read", nil)
		}
		buf := make([]byte, n)
		k, err := io.ReadFull(body, buf)
		if err != nil {
			return truncated(&r, resp.StatusCode, int64(k), n, err)
		}
		if resp.StatusCode == http.StatusPartialContent {
			var one [1]byte
			if k, _ := io.ReadFull(body, one[:]); k > 0 {
				return r.fail(ErrResponse, resp.StatusCode, fmt.Sprintf("the server sent more than the %d bytes asked for", n), nil)
			}
		}
		out = buf
		return nil
	})
	return out, r.url, err
}

// truncated reports a body that ended early; it is retried, in case the
// connection broke.
func truncated(r *request, status int, got, want int64, err error) error {
	if errors.Is(err, ErrBudget) {
		return err
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	}
	return &retryable{err: r.fail(ErrResponse, status, fmt.Sprintf("the response was cut short after %d of %d bytes", got, want), err), retryAfter: -1}
}

// parseContentRange parses "bytes a-b/total" ("*" total gives -1).
func parseContentRange(h string) (a, b, total int64, err error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(h), "bytes ")
	if !ok {
		return 0, 0, 0, fmt.Errorf("missing or malformed Content-Range %q", textsafe.Truncate(textsafe.Line(h), 80))
	}
	rng, tot, ok := strings.Cut(rest, "/")
	as, bs, ok2 := strings.Cut(rng, "-")
	if !ok || !ok2 {
		return 0, 0, 0, fmt.Errorf("malformed Content-Range %q", textsafe.Truncate(textsafe.Line(h), 80))
	}
	a, err1 := strconv.ParseInt(as, 10, 64)
	b, err2 := strconv.ParseInt(bs, 10, 64)
	total = -1
	var err3 error
	if tot != "*" {
		total, err3 = strconv.ParseInt(tot, 10, 64)
	}
	if err1 != nil || err2 != nil || err3 != nil || a < 0 || b < a || (total >= 0 && b >= total) {
		return 0, 0, 0, fmt.Errorf("malformed Content-Range %q", textsafe.Truncate(textsafe.Line(h), 80))
	}
	return a, b, total, nil
}
