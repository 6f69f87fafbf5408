package hub

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Read-ahead of a Reader's misses.
const (
	minReadahead = 64 << 10 // smallest read of a miss
	maxReadahead = 1 << 20  // largest read-ahead of sequential misses
)

// Reader reads one file of a repository with HTTP range requests, through
// a cache of the spans fetched so far, so that no byte is fetched twice.
// Reads stay within its Limits: nothing at or past End is fetched, and no
// more than Budget bytes in all.
//
// The first range of a file is asked of its resolve URL, which the Hub
// usually redirects to a CDN; further ranges are asked of the CDN's URL
// directly, and of the resolve URL again when the CDN refuses (an expired
// signature). A Reader is safe for concurrent use.
type Reader struct {
	c    *Client
	req  request
	size int64

	mu     sync.Mutex
	spans  []span // sorted by offset, not overlapping
	limits Limits
	got    int64  // bytes fetched
	next   int64  // end of the last fetch, to detect sequential reads
	ahead  int64  // current read-ahead
	direct string // the URL that answered the last range (after redirects)
}

// Limits bound what a Reader fetches of its file.
type Limits struct {
	// End stops reads: no byte at End or past it is fetched. A read
	// reaching past End returns the bytes before End and PastEnd (an
	// *Error of kind ErrReadLimit when nil), or, with ZeroPastEnd and a
	// read starting before End, zeros for the bytes past End and no error.
	End         int64
	PastEnd     error
	ZeroPastEnd bool
	// Budget caps the bytes fetched in all, those fetched already
	// included.
	Budget int64
}

type span struct {
	off  int64
	data []byte
}

// NewReader returns a Reader of the file at path in ref, whose listed size
// is size. ref.ID must be a valid id (CheckID) and ref.Revision should be
// a commit, so that every range comes from the same bytes; path is escaped
// segment by segment. It makes no request. Its Limits let it fetch the
// whole file.
func (c *Client) NewReader(ref Ref, path string, size int64) *Reader {
	rev := cmp.Or(ref.Revision, DefaultRevision)
	return &Reader{
		c: c,
		req: request{
			op: "read file", repo: ref.ID, rev: rev, path: path, rangeTo: -1,
			url: c.cfg.endpoint.String() + "/" + ref.ID + "/resolve/" + url.PathEscape(rev) + "/" + escapePath(path),
		},
		size:   size,
		limits: Limits{End: size, Budget: size},
		ahead:  minReadahead,
	}
}

// escapePath escapes each segment of a slash-separated path.
func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// Size returns the file's listed size.
func (r *Reader) Size() int64 { return r.size }

// Limits returns the limits of reads.
func (r *Reader) Limits() Limits {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.limits
}

// SetLimits sets the limits of later reads.
func (r *Reader) SetLimits(l Limits) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.limits = l
}

// Fetched returns the bytes fetched so far.
func (r *Reader) Fetched() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got
}

// Head returns the bytes of the span cached at offset 0 (those of the
// first fetch from offset 0), or nil.
func (r *Reader) Head() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.head()
}

func (r *Reader) head() []byte {
	if len(r.spans) == 0 || r.spans[0].off != 0 {
		return nil
	}
	return r.spans[0].data
}

// Fetch fetches bytes [off, off+n) with one request and caches them.
func (r *Reader) Fetch(ctx context.Context, off, n int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fetch(ctx, off, n)
}

// Fill fetches whatever of [from, to) is not cached, one request per gap,
// with read-ahead: a gap continuing the previous read grows it (doubling
// from 64 KiB to 1 MiB), within End and Budget.
func (r *Reader) Fill(ctx context.Context, from, to int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fill(ctx, from, to)
}

// ReaderAt returns r as an io.ReaderAt whose reads make their requests
// with ctx.
func (r *Reader) ReaderAt(ctx context.Context) io.ReaderAt {
	return readerAt{ctx: ctx, r: r}
}

type readerAt struct {
	ctx context.Context
	r   *Reader
}

func (h readerAt) ReadAt(p []byte, off int64) (int, error) { return h.r.ReadAtContext(h.ctx, p, off) }

// ReadAtContext serves p at off from the cache, fetching what is missing
// with ctx.
func (r *Reader) ReadAtContext(ctx context.Context, p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("negative offset %d", off)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	want := min(off+int64(len(p)), r.size)
	r.mu.Lock()
	defer r.mu.Unlock()
	end := r.limits.End
	stop := want
	var limitErr error
	zeros := int64(0)
	if stop > end && r.limits.ZeroPastEnd && off < end {
		zeros, stop = stop-end, end
	}
	if stop > end {
		stop = end
		limitErr = r.limits.PastEnd
		if limitErr == nil {
			limitErr = r.LimitError(ErrReadLimit, fmt.Sprintf("reading %s past offset %d, where its reads stop", r.req.path, end))
		}
	}
	if off < stop {
		if err := r.fill(ctx, off, stop); err != nil {
			return 0, err
		}
	}
	n := 0
	for pos := off; pos < stop; {
		i, found := slices.BinarySearchFunc(r.spans, pos, func(s span, off int64) int { return cmp.Compare(s.off, off) })
		if !found {
			i--
		}
		if i < 0 || pos >= r.spans[i].off+int64(len(r.spans[i].data)) {
			return n, fmt.Errorf("reading %s: internal cache miss at offset %d", r.req.path, pos)
		}
		s := r.spans[i]
		k := copy(p[pos-off:stop-off], s.data[pos-s.off:])
		n += k
		pos += int64(k)
	}
	if zeros > 0 {
		clear(p[n : int64(n)+zeros])
		n += int(zeros)
	}
	switch {
	case limitErr != nil:
		return n, limitErr
	case n < len(p):
		return n, io.EOF
	}
	return n, nil
}

// LimitError returns an *Error about r's file, of the kind given, for a
// read that its Limits stop (Limits.PastEnd).
func (r *Reader) LimitError(kind error, msg string) *Error {
	return &Error{Op: r.req.op, Repo: r.req.repo, Revision: r.req.rev, Path: r.req.path, Kind: kind, Msg: msg}
}

// fetch reads [off, off+n) with one request and caches it. Call with mu
// held.
func (r *Reader) fetch(ctx context.Context, off, n int64) error {
	if n <= 0 {
		return nil
	}
	if r.got+n > r.limits.Budget {
		return r.LimitError(ErrReadLimit, fmt.Sprintf("reading %s remotely would take more than %d bytes of it", r.req.path, r.limits.Budget))
	}
	data, err := r.readRange(ctx, off, n)
	if err != nil {
		return err
	}
	r.got += n
	i, _ := slices.BinarySearchFunc(r.spans, off, func(s span, off int64) int { return cmp.Compare(s.off, off) })
	r.spans = slices.Insert(r.spans, i, span{off: off, data: data})
	r.next = off + n
	return nil
}

// readRange reads a range, asking the server that answered the previous
// range of this file directly (the CDN a resolve URL redirects to) and
// going back to the resolve URL when that fails with a client error (an
// expired signature). Call with mu held.
func (r *Reader) readRange(ctx context.Context, off, n int64) ([]byte, error) {
	if r.direct != "" {
		req := r.req
		req.url = r.direct
		data, _, err := r.c.readRange(ctx, req, off, n, r.size)
		var he *Error
		if err == nil || !errors.As(err, &he) || he.Status < 400 || he.Status >= 500 || he.Status == http.StatusRequestedRangeNotSatisfiable {
			return data, err
		}
		r.direct = ""
	}
	data, final, err := r.c.readRange(ctx, r.req, off, n, r.size)
	if err == nil && final != r.req.url {
		r.direct = final
	}
	return data, err
}

// fill fetches whatever of [a, b) is not cached, one request per gap, with
// read-ahead: a gap continuing the previous read grows it (doubling, up to
// maxReadahead) and every gap is read at least minReadahead bytes, within
// End and Budget. Call with mu held.
func (r *Reader) fill(ctx context.Context, a, b int64) error {
	for a < b {
		// Skip what is cached.
		covered := false
		for _, s := range r.spans {
			if s.off <= a && a < s.off+int64(len(s.data)) {
				a = s.off + int64(len(s.data))
				covered = true
				break
			}
		}
		if covered {
			continue
		}
		// The gap runs to b or to the next cached span.
		gapEnd := b
		limit := r.limits.End
		for _, s := range r.spans {
			if s.off > a {
				gapEnd = min(gapEnd, s.off)
				limit = min(limit, s.off)
				break
			}
		}
		if a == r.next {
			r.ahead = min(2*r.ahead, maxReadahead)
		} else {
			r.ahead = minReadahead
		}
		stop := max(gapEnd, min(a+r.ahead, limit))
		stop = min(stop, limit, a+(r.limits.Budget-r.got))
		if stop < gapEnd {
			stop = gapEnd // over the budget: fetch reports it
		}
		if err := r.fetch(ctx, a, stop-a); err != nil {
			return err
		}
		a = stop
	}
	return nil
}
