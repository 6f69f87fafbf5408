package hub

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// notFound is ErrNotFound: "not found", and fs.ErrNotExist to errors.Is.
type notFound struct{}

func (notFound) Error() string { return "not found" }

func (notFound) Is(target error) bool { return target == fs.ErrNotExist }

// Kinds of failure, matched with errors.Is on the errors the Client and
// its Readers return.
var (
	// ErrNotFound reports a missing repository, revision or file. A
	// private repository asked for without a token looks the same. It
	// also matches fs.ErrNotExist, as a missing local file does.
	ErrNotFound error = notFound{}
	// ErrAccess reports a repository or file the Hub refused to serve
	// (HTTP 401 or 403): private without a token, a rejected token, or gated.
	ErrAccess = errors.New("access denied")
	// ErrGated reports a gated repository whose terms the token's account
	// has not accepted (or no token was sent). It also matches ErrAccess.
	ErrGated = errors.New("gated repository")
	// ErrRateLimited reports HTTP 429 after every retry.
	ErrRateLimited = errors.New("rate-limited")
	// ErrUnavailable reports HTTP 5xx, timeouts or network failures after
	// every retry.
	ErrUnavailable = errors.New("unavailable")
	// ErrResponse reports a response that breaks the protocol: a wrong
	// Content-Range, a body shorter or longer than announced, a size that
	// contradicts the listing, a redirect loop or downgrade, an unparseable
	// API record.
	ErrResponse = errors.New("invalid response")
	// ErrBudget reports that the Client's request or byte cap
	// (Options.MaxRequests, Options.MaxBytes) is reached: every later
	// request of the Client fails the same way.
	ErrBudget = errors.New("request or byte cap reached")
	// ErrReadLimit reports a read of a Reader past what it may fetch of
	// its file (Limits): beyond its end, or over its byte budget.
	ErrReadLimit = errors.New("past the read limits of the file")
	// ErrOffline reports that HF_HUB_OFFLINE (or Options.Offline) forbids
	// contacting the Hub.
	ErrOffline = errors.New("offline mode")
)

// Error is a failed exchange with the Hugging Face Hub. Its message says
// what failed and what to do about it; Kind says which of the Err…
// sentinels it is.
type Error struct {
	// Op is what was being done: "read model info", "read file".
	Op       string
	Repo     string
	Revision string
	// Path is the file within the repository, for file reads.
	Path string
	// URL is the last URL requested (without its query, which may hold a
	// CDN's signature).
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
	// Kind is one of the Err… sentinels.
	Kind error
	// Err is the underlying cause, if any (a network error).
	Err error
}

func (e *Error) Error() string {
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
func (e *Error) Unwrap() []error {
	var out []error
	if e.Kind != nil {
		out = append(out, e.Kind)
		if e.Kind == ErrGated {
			out = append(out, ErrAccess)
		}
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// offlineError is the error of a request refused in offline mode.
func offlineError() error {
	return fmt.Errorf("%w: HF_HUB_OFFLINE is set, so the Hub is not contacted; audit a local copy instead", ErrOffline)
}

// retryable marks an error worth another attempt, with the wait the server
// asked for.
type retryable struct {
	err        error
	retryAfter int64 // seconds; -1 when absent
	// timeout marks an attempt that got no answer within the timeout.
	timeout bool
}

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }
