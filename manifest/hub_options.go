package manifest

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

// DefaultHubEndpoint is the public Hugging Face Hub.
const DefaultHubEndpoint = "https://huggingface.co"

// Defaults of HubOptions.
const (
	DefaultHubTimeout     = 30 * time.Second
	DefaultHubRetries     = 4
	DefaultHubRetryWait   = 500 * time.Millisecond
	DefaultHubMaxWait     = 20 * time.Second
	DefaultHubConcurrency = 8
	maxHubConcurrency     = 64
	// DefaultHubHeaderBudget is the default of HubOptions.HeaderBudget:
	// enough for every header of a dense model of any size (a dense
	// 405B-parameter model has about 0.25 MB of headers), and for about half
	// of the 12 MB of headers of a 92,000-tensor mixture of experts.
	DefaultHubHeaderBudget = 6 << 20
	// DefaultHubIndexBytes is the default of HubOptions.IndexBytes: sharded
	// indexes of dense models are tens of KB; those of large mixtures of
	// experts run to several MB.
	DefaultHubIndexBytes = 1 << 20
)

// HubOptions configures how a Hub repository is read. The zero value reads
// the public Hub, or the endpoint in HF_ENDPOINT, with the token in
// HF_TOKEN, as Hugging Face's own clients do.
type HubOptions struct {
	// Endpoint is the Hub's base URL (a mirror or a private hub may have a
	// path prefix). Default: $HF_ENDPOINT, else https://huggingface.co.
	Endpoint string
	// Token is a Hugging Face access token, sent as "Authorization: Bearer"
	// to the endpoint's host only. Default: $HF_TOKEN. NoToken sends none,
	// whatever the environment says.
	Token   string
	NoToken bool
	// Client makes the requests (its redirect policy is replaced: redirects
	// are followed by modelvet, which drops the token when the host changes).
	// Default: a client with its own connection pool.
	Client *http.Client
	// UserAgent is sent with every request. Default: "modelvet/<version>".
	UserAgent string
	// Timeout bounds each attempt of each request, body included.
	// Default: DefaultHubTimeout.
	Timeout time.Duration
	// Retries is how many times a request failing with HTTP 429, 5xx, a
	// timeout or a network error is tried again, with exponential backoff
	// and jitter from RetryWait (honouring Retry-After up to
	// limits.MaxHubRetryAfterSeconds). Default DefaultHubRetries; negative
	// for none.
	Retries   int
	RetryWait time.Duration
	// MaxRequests and MaxBytes cap one audit (one HubSource). Defaults:
	// limits.MaxHubRequests and limits.MaxHubBytes.
	MaxRequests int
	MaxBytes    int64
	// Concurrency bounds the file headers fetched at once. Default
	// DefaultHubConcurrency.
	Concurrency int
	// LineageDepth bounds how far Open follows base_model on the Hub from
	// the card's bases (Release.Hub.Ancestors): 0 for
	// limits.MaxLineageDepth, negative not to follow it.
	LineageDepth int
	// HeaderBudget caps the bytes of safetensors headers read in full in
	// one audit. Every safetensors file's first 16 bytes are read (they give
	// its header length); when the headers add up to more than the budget,
	// headers are read in an order that spreads them evenly over the files
	// (first, last, middle, then the middles of each half, …), each while it
	// still fits, and the files left unread are reported (HubInfo.Headers
	// and an integrity.unverified finding). GGUF metadata, which has no
	// length field, counts against what is left: the first GGUF file's is
	// always read, then others while their cost, estimated at the first
	// one's, fits; the rest only as far as their first block, which holds
	// their general.* keys (HubInfo.GGUF). Default DefaultHubHeaderBudget; negative
	// for no budget (MaxBytes still applies).
	HeaderBudget int64
	// IndexBytes is the largest *.safetensors.index.json read whole. A
	// larger index is read only for its first limits.MaxHubIndexPrefix
	// bytes, for metadata.total_size (HubInfo.Index); its weight_map is not
	// read. Default DefaultHubIndexBytes; negative to read every index whole
	// (up to limits.MaxIndexBytes).
	IndexBytes int64
	// Offline refuses to contact the Hub, as HF_HUB_OFFLINE=1 does.
	Offline bool
	// AllowTokenOverHTTPUnsafe sends the token to a plain-http endpoint
	// that is not on the loopback interface. Without it such a
	// configuration is refused, since the token would travel in clear.
	AllowTokenOverHTTPUnsafe bool
}

// hubConfig is HubOptions resolved against the environment and checked.
type hubConfig struct {
	endpoint    *url.URL // no trailing slash
	token       string
	client      *http.Client
	userAgent   string
	timeout     time.Duration
	retries     int
	retryWait   time.Duration
	maxWait     time.Duration
	maxRequests int
	maxBytes    int64
	concurrency int
	lineage     int // depth; negative: off
	offline     bool
	// headerBudget and indexWhole are HeaderBudget and IndexBytes, with -1
	// for no limit.
	headerBudget int64
	indexWhole   int64
}

// resolve fills in defaults from the environment and validates o.
func (o HubOptions) resolve() (*hubConfig, error) {
	c := &hubConfig{
		timeout:     o.Timeout,
		retries:     o.Retries,
		retryWait:   o.RetryWait,
		maxWait:     DefaultHubMaxWait,
		maxRequests: o.MaxRequests,
		maxBytes:    o.MaxBytes,
		concurrency: o.Concurrency,
		lineage:     o.LineageDepth,
		userAgent:   o.UserAgent,
		offline:     o.Offline || envTrue("HF_HUB_OFFLINE") || envTrue("TRANSFORMERS_OFFLINE"),
	}
	ep, from := o.Endpoint, "endpoint"
	if ep == "" {
		ep, from = strings.TrimSpace(os.Getenv("HF_ENDPOINT")), "HF_ENDPOINT"
	}
	if ep == "" {
		ep, from = DefaultHubEndpoint, "endpoint"
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
		c.timeout = DefaultHubTimeout
	}
	switch {
	case c.retries == 0:
		c.retries = DefaultHubRetries
	case c.retries < 0:
		c.retries = 0
	}
	if c.retryWait <= 0 {
		c.retryWait = DefaultHubRetryWait
	}
	if c.maxRequests <= 0 {
		c.maxRequests = limits.MaxHubRequests
	}
	if c.maxBytes <= 0 {
		c.maxBytes = limits.MaxHubBytes
	}
	if c.concurrency <= 0 {
		c.concurrency = DefaultHubConcurrency
	}
	c.headerBudget = resolveSize(o.HeaderBudget, DefaultHubHeaderBudget)
	c.indexWhole = resolveSize(o.IndexBytes, DefaultHubIndexBytes)
	c.concurrency = min(c.concurrency, maxHubConcurrency)
	if c.userAgent == "" {
		c.userAgent = "modelvet/" + moduleVersion()
	}
	base := o.Client
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 2 * maxHubConcurrency
		base = &http.Client{Transport: t}
	}
	cl := *base
	cl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.client = &cl
	return c, nil
}

// resolveSize maps an option's 0 to its default and a negative value to -1
// (no limit).
func resolveSize(v, def int64) int64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return -1
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
