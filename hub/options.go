package hub

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/modelvet/modelvet/internal/limits"
)

// DefaultEndpoint is the public Hugging Face Hub.
const DefaultEndpoint = "https://huggingface.co"

// Defaults of Options.
const (
	DefaultTimeout   = 30 * time.Second
	DefaultRetries   = 4
	DefaultRetryWait = 500 * time.Millisecond
	// DefaultMaxDuration bounds the time of all the requests of a Client
	// (one audit), retries and waits included.
	DefaultMaxDuration = 2 * time.Minute
	// DefaultMaxRetryWait bounds the waits between retries of all the
	// requests of a Client together.
	DefaultMaxRetryWait = 30 * time.Second
	// DefaultMinRate and DefaultRateWindow: a response body that brings
	// fewer than DefaultMinRate bytes a second over a window of
	// DefaultRateWindow is abandoned. The Hub's CDN sends megabytes a
	// second; a slow link, tens of kilobytes.
	DefaultMinRate    = 4 << 10
	DefaultRateWindow = 10 * time.Second
)

// maxBackoff caps the wait between two attempts (Retry-After aside).
const maxBackoff = 20 * time.Second

// MaxConcurrency is the number of requests at once a Client is tuned for:
// its own transport keeps twice as many idle connections per host.
const MaxConcurrency = 64

// Options configures a Client. The zero value reads the public Hub, or the
// endpoint in HF_ENDPOINT, with the token in HF_TOKEN, as Hugging Face's
// own clients do.
type Options struct {
	// Endpoint is the Hub's base URL (a mirror or a private hub may have a
	// path prefix). Default: $HF_ENDPOINT, else DefaultEndpoint.
	Endpoint string
	// Token is a Hugging Face access token, sent as "Authorization: Bearer"
	// to the endpoint's host only. Default: $HF_TOKEN. NoToken sends none,
	// whatever the environment says.
	Token   string
	NoToken bool
	// Client makes the requests (its redirect policy is replaced: redirects
	// are followed by the Client, which drops the token when the host
	// changes). Default: a client with its own connection pool.
	Client *http.Client
	// UserAgent is sent with every request. Default: "modelvet/<version>".
	UserAgent string
	// Timeout bounds each attempt of each request, body included.
	// Default: DefaultTimeout.
	Timeout time.Duration
	// Retries is how many times a request failing with HTTP 429, 5xx, a
	// timeout or a network error is tried again, with exponential backoff
	// and jitter from RetryWait (honouring Retry-After up to
	// limits.MaxHubRetryAfterSeconds). Default DefaultRetries; negative
	// for none.
	Retries   int
	RetryWait time.Duration
	// MaxRequests and MaxBytes cap the requests and the response bytes of
	// the Client over its lifetime (use one Client per audit). Defaults:
	// limits.MaxHubRequests and limits.MaxHubBytes.
	MaxRequests int
	MaxBytes    int64
	// MaxDuration bounds the time of the Client's requests, from its
	// first: past it every request fails with ErrBudget, and those in
	// flight are cut short, so that an audit ends in bounded time and says
	// what it did not read. Default DefaultMaxDuration; negative for none
	// (the caller's context still applies).
	MaxDuration time.Duration
	// MaxRetryWait bounds the waits between retries of all the Client's
	// requests together; a retry that would pass it (or MaxDuration) is
	// not made, and the request fails saying so. Default
	// DefaultMaxRetryWait; negative for none.
	MaxRetryWait time.Duration
	// MinRate (bytes a second) and RateWindow: a response body that brings
	// fewer than MinRate × RateWindow bytes in any window of RateWindow is
	// abandoned, and not retried. Defaults DefaultMinRate and
	// DefaultRateWindow; a negative MinRate turns the rule off (Timeout
	// still applies).
	MinRate    int64
	RateWindow time.Duration
	// Offline refuses to contact the Hub, as HF_HUB_OFFLINE=1 does.
	Offline bool
	// AllowTokenOverHTTPUnsafe sends the token to a plain-http endpoint
	// that is not on the loopback interface. Without it such a
	// configuration is refused, since the token would travel in clear.
	AllowTokenOverHTTPUnsafe bool
}

// config is Options resolved against the environment and checked.
type config struct {
	endpoint    *url.URL // no trailing slash
	token       string
	client      *http.Client
	userAgent   string
	timeout     time.Duration
	retries     int
	retryWait   time.Duration
	maxRequests int
	maxBytes    int64
	// maxDuration, maxRetryWait and minRate are 0 for none.
	maxDuration  time.Duration
	maxRetryWait time.Duration
	minRate      int64
	rateWindow   time.Duration
	offline      bool
}

// resolve fills in defaults from the environment and validates o.
func (o Options) resolve() (*config, error) {
	c := &config{
		timeout:     o.Timeout,
		retries:     o.Retries,
		retryWait:   o.RetryWait,
		maxRequests: o.MaxRequests,
		maxBytes:    o.MaxBytes,
		userAgent:   o.UserAgent,
		offline:     o.Offline || envTrue("HF_HUB_OFFLINE") || envTrue("TRANSFORMERS_OFFLINE"),
	}
	ep, from := o.Endpoint, "endpoint"
	if ep == "" {
		ep, from = strings.TrimSpace(os.Getenv("HF_ENDPOINT")), "HF_ENDPOINT"
	}
	if ep == "" {
		ep, from = DefaultEndpoint, "endpoint"
	}
	u, err := parseEndpoint(ep)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", from, ep, err)
	}
	c.endpoint = u
	if !o.NoToken {
		c.token = strings.TrimSpace(o.Token)
		if c.token == "" {
			c.token = strings.TrimSpace(os.Getenv("HF_TOKEN"))
		}
	}
	if strings.ContainsFunc(c.token, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, errors.New("the Hugging Face token holds spaces or control characters")
	}
	if c.token != "" && u.Scheme == "http" && !isLoopback(u.Hostname()) && !o.AllowTokenOverHTTPUnsafe {
		return nil, fmt.Errorf("refusing to send the Hugging Face token in clear to %s (plain http); use https", u.Host)
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	switch {
	case c.retries == 0:
		c.retries = DefaultRetries
	case c.retries < 0:
		c.retries = 0
	}
	if c.retryWait <= 0 {
		c.retryWait = DefaultRetryWait
	}
	if c.maxRequests <= 0 {
		c.maxRequests = limits.MaxHubRequests
	}
	if c.maxBytes <= 0 {
		c.maxBytes = limits.MaxHubBytes
	}
	c.maxDuration = resolveDuration(o.MaxDuration, DefaultMaxDuration)
	c.maxRetryWait = resolveDuration(o.MaxRetryWait, DefaultMaxRetryWait)
	c.rateWindow = resolveDuration(o.RateWindow, DefaultRateWindow)
	switch {
	case o.MinRate == 0:
		c.minRate = DefaultMinRate
	case o.MinRate > 0:
		c.minRate = o.MinRate
	}
	if c.userAgent == "" {
		c.userAgent = "modelvet/" + moduleVersion()
	}
	base := o.Client
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 2 * MaxConcurrency
		base = &http.Client{Transport: t}
	}
	cl := *base
	cl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.client = &cl
	return c, nil
}

// resolveDuration maps an option's 0 to its default and a negative value
// to 0 (none).
func resolveDuration(v, def time.Duration) time.Duration {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// parseEndpoint checks a Hub base URL: http or https, a host, no
// credentials, query or fragment. The trailing slash is dropped.
func parseEndpoint(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil {
		return nil, errors.New("not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, errors.New("not an http or https URL")
	case u.Host == "":
		return nil, errors.New("no host")
	case u.User != nil:
		return nil, errors.New("credentials in the URL; use HF_TOKEN")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, errors.New("a query or fragment in the URL")
	}
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// envTrue reports whether an environment variable holds a true value as
// Hugging Face's clients read them: 1, ON, YES or TRUE, in any case.
func envTrue(name string) bool {
	switch strings.ToUpper(strings.TrimSpace(os.Getenv(name))) {
	case "1", "ON", "YES", "TRUE":
		return true
	}
	return false
}

// moduleVersion is modelvet's module version from the build information,
// or "devel".
var moduleVersion = sync.OnceValue(func() string {
	const path = "github.com/modelvet/modelvet"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v := ""
	if bi.Main.Path == path {
		v = bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == path {
			v = d.Version
		}
	}
	if v == "" || v == "(devel)" {
		return "devel"
	}
	return v
})
