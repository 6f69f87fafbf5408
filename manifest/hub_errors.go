package manifest

import (
	"errors"
	"fmt"
	"strings"
)

// Kinds of Hub failure, matched with errors.Is on the errors the Hub source
// returns and on the errors recorded in Problem.Err. A missing repository,
// revision or file matches ErrNotFound.
var (
	// ErrHubAccess reports a repository or file the Hub refused to serve
	// (HTTP 401 or 403): private without a token, a rejected token, or gated.
	ErrHubAccess = errors.New("access denied")
	// ErrHubGated reports a gated repository whose terms the token's account
	// has not accepted (or no token was sent). It also matches ErrHubAccess.
	ErrHubGated = errors.New("gated repository")
	// ErrHubRateLimited reports HTTP 429 after every retry.
	ErrHubRateLimited = errors.New("rate-limited")
	// ErrHubUnavailable reports HTTP 5xx, timeouts or network failures after
	// every retry.
	ErrHubUnavailable = errors.New("unavailable")
	// ErrHubResponse reports a response that breaks the protocol: a wrong
	// Content-Range, a body shorter or longer than announced, a size that
	// contradicts the listing, an unparseable API record.
	ErrHubResponse = errors.New("invalid response")
	// ErrHubBudget reports that the request or byte cap of an audit was
	// reached.
	ErrHubBudget = errors.New("request or byte cap reached")
	// ErrHubOffline reports that HF_HUB_OFFLINE (or HubOptions.Offline)
	// forbids contacting the Hub.
	ErrHubOffline = errors.New("offline mode")
	// ErrHubTensorData reports a read that would reach past the header of a
	// remote weight file into tensor data, which is never fetched.
	ErrHubTensorData = errors.New("would read tensor data")
)

// HubError is a failed exchange with the Hugging Face Hub. Its message says
// what failed and what to do about it; Kind says which of the ErrHub…
// sentinels (or ErrNotFound) it is.
type HubError struct {
	// Op is what was being done: "read model info", "read file".
	Op       string
	Repo     string
	Revision string
	// Path is the file within the repository, for file reads.
	Path string
	// URL is the last URL requested (without credentials).
	URL string
	// Status is the HTTP status of the last response, or 0.
	Status int
	// Code and ServerMessage are the Hub's X-Error-Code and X-Error-Message
	// headers, when sent (ServerMessage is truncated).
	Code          string
	ServerMessage string
	// Attempts counts the requests made, retries included.
	Attempts int
	// Msg says what went wrong in words for a user; Hint, what to do
	// about it.
	Msg  string
	Hint string
	// Kind is ErrNotFound or one of the ErrHub… sentinels.
	Kind error
	// Err is the underlying cause, if any (a network error).
	Err error

	auditCap bool // the audit's request or byte cap, not a file's own
}

func (e *HubError) Error() string {
	var b strings.Builder
	b.WriteString(e.Msg)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d", e.Status)
		if e.Code != "" {
			fmt.Fprintf(&b, " %s", e.Code)
		}
		b.WriteString(")")
	}
	if e.Err != nil && !strings.Contains(e.Msg, e.Err.Error()) {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	return b.String()
}

// Unwrap returns the kind and the cause, so that errors.Is matches both.
func (e *HubError) Unwrap() []error {
	var out []error
	if e.Kind != nil {
		out = append(out, e.Kind)
		if e.Kind == ErrHubGated {
			out = append(out, ErrHubAccess)
		}
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// retryable marks an error worth another attempt, with the wait the server
// asked for (0 when it did not say).
type retryable struct {
	err        error
	retryAfter int64 // seconds; -1 when absent
	// timeout marks an attempt that got no answer within the timeout.
	timeout bool
}

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }
