package manifest

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/modelvet/modelvet/internal/limits"
)

// How much of a remote file the audit reads.
type readKind int

const (
	readSkip   readKind = iota // listed with its size and digest only
	readWhole                  // a small text file, whole (or its capped prefix)
	readSniff                  // the first bytes, to tell its format
	readHeader                 // a weight file: its header, never its tensors
	readStart                  // the first cap bytes (an index too large to read whole)
)

// Block sizes of remote reads.
const (
	sniffBlock       = 4 << 10  // first read of a file read only to classify it
	weightFirstBlock = 64 << 10 // first read of a GGUF or pickle file; tail of a zip
	minReadahead     = 64 << 10 // smallest read of a reader-driven miss
	maxReadahead     = 1 << 20  // largest read-ahead of sequential misses
)

// skippedExt lists extensions of files a release ships for tokenizers,
// documentation, code and media, which the audit lists by name without
// fetching.
var skippedExt = map[string]bool{
	".json": true, ".md": true, ".txt": true, ".py": true, ".jinja": true, ".yaml": true, ".yml": true,
	".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".webp": true, ".svg": true, ".ico": true, ".bmp": true,
	".mp3": true, ".mp4": true, ".wav": true, ".flac": true, ".pdf": true, ".html": true, ".css": true, ".js": true,
	".ipynb": true, ".csv": true, ".tsv": true, ".tiktoken": true, ".model": true, ".vocab": true, ".spm": true,
	".log": true, ".sh": true, ".cfg": true, ".toml": true, ".ini": true, ".rst": true, ".gitattributes": true,
}

// pickleExt lists extensions under which PyTorch checkpoints and pickles
// ship; their headers are read even when their first bytes are unknown.
var pickleExt = map[string]bool{".bin": true, ".pt": true, ".pth": true, ".ckpt": true, ".pkl": true, ".pickle": true, ".joblib": true, ".tar": true}

// planFile decides how much of f to read, from its name, and the cap of a
// whole read. It mirrors what describeWith does with each format: the card,
// the top-level configs, the indexes and the licence texts are read whole;
// weight files by their headers; the rest is listed only.
func planFile(f *File) (readKind, int64) {
	lower := strings.ToLower(path.Base(f.Path))
	ext := path.Ext(lower)
	top := !strings.Contains(f.Path, "/")
	switch classify(f.Path, nil) {
	case FormatCard:
		return readWhole, limits.MaxCardBytes
	case FormatConfig:
		if top {
			return readWhole, limits.MaxJSONBytes
		}
		return readSkip, 0
	case FormatSafetensorsIndex:
		return readWhole, limits.MaxIndexBytes
	case FormatLicense:
		if strings.Count(f.Path, "/") > 1 {
			return readSkip, 0
		}
		return readWhole, limits.MaxLicenseTextBytes
	case FormatSignature, FormatONNX:
		return readSniff, 0
	case FormatSafetensors, FormatGGUF, FormatPickle, FormatPyTorch, FormatKeras, FormatHDF5:
		return readHeader, 0
	}
	if pickleExt[ext] {
		return readHeader, 0
	}
	if skippedExt[ext] || strings.HasPrefix(lower, ".") {
		return readSkip, 0
	}
	return readSniff, 0
}

// remoteSet holds the remote files of one Open, with the bytes read so far.
type remoteSet struct {
	c     *hubClient
	files map[string]*remoteFile
}

// open is the opener describeWith reads through.
func (s *remoteSet) open(ctx context.Context, f *File) (content, int64, error) {
	rf := s.files[f.Path]
	if rf == nil {
		return nil, 0, fmt.Errorf("not fetched from the Hub")
	}
	rf.mu.Lock()
	err := rf.err
	rf.mu.Unlock()
	if err != nil {
		return nil, 0, err
	}
	return &remoteHandle{ctx: ctx, f: rf}, rf.size, nil
}

// remoteFile is a file read by HTTP range requests through a cache of the
// spans fetched so far. Reads never go past end (for safetensors, the end
// of the header) and never fetch more than budget bytes in all.
type remoteFile struct {
	c    *hubClient
	req  hubRequest
	size int64
	kind readKind
	cap  int64 // for readWhole

	mu     sync.Mutex
	spans  []span // sorted by offset, not overlapping
	end    int64  // reads must stay below end
	budget int64  // bytes this file may fetch in all
	got    int64  // bytes fetched
	next   int64  // end of the last fetch, to detect sequential reads
	ahead  int64  // current read-ahead
	err    error  // a failed fetch, returned by every later open
	endErr string // why reads stop at end, when not the usual reason
	// zeroPast is set for a safetensors file whose header ends at end: a
	// read that starts in the header and runs past it gets zeros for the
	// tensor bytes, which are never fetched. Header readers read a fixed
	// first block and use only the header bytes of it.
	zeroPast bool
	// direct is the URL that answered the last range (after redirects).
	direct string
	// pending is set for a safetensors file whose header length is known
	// (end = 8+N) but whose header has not been read: readHeader reads it
	// if the audit's header budget allows.
	pending bool
}

type span struct {
	off  int64
	data []byte
}

func newRemoteFile(c *hubClient, base hubRequest, f *File, kind readKind, capBytes int64) *remoteFile {
	req := base
	req.op, req.path = "read file", f.Path
	req.url = base.url + escapePath(f.Path)
	return &remoteFile{c: c, req: req, size: f.Size, kind: kind, cap: capBytes, end: f.Size, budget: 0, ahead: minReadahead}
}

// escapePath escapes each segment of a slash-separated path.
func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// prefetch makes the planned first reads of the file: the whole of a small
// text, the first bytes of a file to classify, the header of a weight file.
// A safetensors header is read with two requests, its first bytes (the
// length N) then the rest of bytes 0..8+N, so that not one byte of tensor
// data is fetched.
func (rf *remoteFile) prefetch(ctx context.Context) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	fail := func(err error) { rf.err = err }
	switch rf.kind {
	case readWhole:
		n := min(rf.size, rf.cap)
		if rf.size > rf.cap && classify(rf.req.path, nil) != FormatLicense {
			// Too large to parse: describeWith only classifies it. (A
			// licence text is cut and marked instead.)
			n = min(rf.size, sniffBlock)
		}
		rf.budget, rf.end = n, n
		if err := rf.fetch(ctx, 0, n); err != nil {
			fail(err)
		}
		return
	case readStart:
		n := min(rf.size, rf.cap)
		rf.budget, rf.end = n, n
		if err := rf.fetch(ctx, 0, n); err != nil {
			fail(err)
		}
		return
	case readSniff:
		n := min(rf.size, sniffBlock)
		rf.budget, rf.end = n, rf.size
		if err := rf.fetch(ctx, 0, n); err != nil {
			fail(err)
			return
		}
		if f := classify(rf.req.path, rf.head()); f == FormatSafetensors || f == FormatGGUF || f == FormatPickle || f == FormatPyTorch || f == FormatKeras {
			rf.header(ctx, f, n) // content says weights: read the header after all
		}
		return
	case readHeader:
		first := int64(weightFirstBlock)
		if classify(rf.req.path, nil) == FormatSafetensors {
			first = sniffLen
		}
		n := min(rf.size, first)
		rf.budget, rf.end = limits.MaxHubHeaderBytes, rf.size
		if err := rf.fetch(ctx, 0, n); err != nil {
			fail(err)
			return
		}
		rf.header(ctx, classify(rf.req.path, rf.head()), n)
	}
}

// header reads what a weight format needs after its first block.
func (rf *remoteFile) header(ctx context.Context, f Format, have int64) {
	rf.budget = limits.MaxHubHeaderBytes
	switch f {
	case FormatSafetensors:
		head := rf.head()
		if len(head) < 8 {
			rf.end = int64(len(head))
			return
		}
		n := binary.LittleEndian.Uint64(head[:8])
		if n > uint64(limits.MaxHubHeaderBytes-8) || int64(n)+8 > rf.size {
			// The reader reports a bad length; nothing more is read.
			rf.end = min(rf.size, max(have, 8))
			if n <= uint64(rf.size-8) {
				rf.endErr = fmt.Sprintf("the safetensors header of %s declares %d bytes, over the %d-byte limit of remote reads", rf.req.path, n, limits.MaxHubHeaderBytes-8)
			}
			return
		}
		// The rest is read by readHeader, once the audit knows every
		// header's length and which fit in its budget.
		rf.end, rf.zeroPast, rf.pending = 8+int64(n), true, true
	case FormatPyTorch, FormatKeras:
		// A zip's central directory is at its end; the members the
		// reader needs (pickles, config.json) are read as it asks.
		if rf.size > have {
			if err := rf.fill(ctx, max(have, rf.size-weightFirstBlock), rf.size); err != nil {
				rf.err = err
			}
		}
	case FormatHDF5:
		// The first block only, scanned for a Keras model configuration.
		rf.budget = rf.got
	case FormatGGUF, FormatPickle:
		// The reader drives the rest, with read-ahead.
	default:
		rf.budget = rf.got
	}
}

// headerLen returns the length of a pending safetensors header (8+N), or
// 0 when the file has none pending.
func (rf *remoteFile) headerLen() int64 {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if !rf.pending || rf.err != nil {
		return 0
	}
	return rf.end
}

// readHeader reads the rest of a pending safetensors header.
func (rf *remoteFile) readHeader(ctx context.Context) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if !rf.pending || rf.err != nil {
		return
	}
	rf.pending = false
	if err := rf.fill(ctx, 0, rf.end); err != nil {
		rf.err = err
	}
}

// headerFormat returns the format the first bytes fetched of a weight file
// show, or "" when none were.
func (rf *remoteFile) headerFormat() Format {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.kind != readHeader || rf.err != nil {
		return ""
	}
	return classify(rf.req.path, rf.head())
}

// keepFirstBlock stops the file's reads at the bytes fetched from offset 0
// and returns how many there are.
func (rf *remoteFile) keepFirstBlock() int64 {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	n := int64(len(rf.head()))
	rf.end, rf.budget = n, rf.got
	return n
}

// fetched returns the bytes fetched of the file so far.
func (rf *remoteFile) fetched() int64 {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	return rf.got
}

// whole returns the file's bytes when a whole read fetched all of them,
// else nil.
func (rf *remoteFile) whole() []byte {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.kind != readWhole || rf.err != nil {
		return nil
	}
	if rf.size == 0 {
		return []byte{}
	}
	if h := rf.head(); int64(len(h)) == rf.size {
		return h
	}
	return nil
}

// head returns the bytes cached from offset 0.
func (rf *remoteFile) head() []byte {
	if len(rf.spans) == 0 || rf.spans[0].off != 0 {
		return nil
	}
	return rf.spans[0].data
}

// fetch reads [off, off+n) with one request and caches it. Call with mu held.
func (rf *remoteFile) fetch(ctx context.Context, off, n int64) error {
	if n <= 0 {
		return nil
	}
	if rf.got+n > rf.budget {
		return &HubError{Op: rf.req.op, Repo: rf.req.repo, Revision: rf.req.rev, Path: rf.req.path, Kind: ErrHubBudget,
			Msg: fmt.Sprintf("reading %s remotely would take more than %d bytes of it", rf.req.path, rf.budget)}
	}
	data, err := rf.readRange(ctx, off, n)
	if err != nil {
		return err
	}
	rf.got += n
	i, _ := slices.BinarySearchFunc(rf.spans, off, func(s span, off int64) int { return cmp.Compare(s.off, off) })
	rf.spans = slices.Insert(rf.spans, i, span{off: off, data: data})
	rf.next = off + n
	return nil
}

// readRange reads a range, asking the server that answered the previous
// range of this file directly (the CDN a resolve URL redirects to) and
// going back to the resolve URL when that fails with a client error (an
// expired signature). Call with mu held.
func (rf *remoteFile) readRange(ctx context.Context, off, n int64) ([]byte, error) {
	if rf.direct != "" {
		req := rf.req
		req.url = rf.direct
		data, _, err := rf.c.readRange(ctx, req, off, n, rf.size)
		var he *HubError
		if err == nil || !errors.As(err, &he) || he.Status < 400 || he.Status >= 500 || he.Status == http.StatusRequestedRangeNotSatisfiable {
			return data, err
		}
		rf.direct = ""
	}
	data, final, err := rf.c.readRange(ctx, rf.req, off, n, rf.size)
	if err == nil && final != rf.req.url {
		rf.direct = final
	}
	return data, err
}

// fill fetches whatever of [a, b) is not cached, one request per gap, with
// read-ahead: a gap continuing the previous read grows it (doubling, up to
// maxReadahead) and every gap is read at least minReadahead bytes, within
// end. Call with mu held.
func (rf *remoteFile) fill(ctx context.Context, a, b int64) error {
	for a < b {
		// Skip what is cached.
		covered := false
		for _, s := range rf.spans {
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
		limit := rf.end
		for _, s := range rf.spans {
			if s.off > a {
				gapEnd = min(gapEnd, s.off)
				limit = min(limit, s.off)
				break
			}
		}
		if a == rf.next {
			rf.ahead = min(2*rf.ahead, maxReadahead)
		} else {
			rf.ahead = minReadahead
		}
		stop := max(gapEnd, min(a+rf.ahead, limit))
		stop = min(stop, limit, a+(rf.budget-rf.got))
		if stop < gapEnd {
			stop = gapEnd // over the budget: fetch reports it
		}
		if err := rf.fetch(ctx, a, stop-a); err != nil {
			return err
		}
		a = stop
	}
	return nil
}

// readAt serves p at off from the cache, fetching what is missing.
func (rf *remoteFile) readAt(ctx context.Context, p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("negative offset %d", off)
	}
	if off >= rf.size {
		return 0, io.EOF
	}
	want := min(off+int64(len(p)), rf.size)
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.err != nil {
		return 0, rf.err
	}
	stop := want
	var limitErr error
	zeros := int64(0)
	if stop > rf.end && rf.zeroPast && off < rf.end {
		zeros, stop = stop-rf.end, rf.end
	}
	if stop > rf.end {
		stop = rf.end
		he := &HubError{Op: rf.req.op, Repo: rf.req.repo, Revision: rf.req.rev, Path: rf.req.path, Kind: ErrHubTensorData,
			Msg: fmt.Sprintf("reading %s at offset %d would fetch past its header, into tensor data, which is never read remotely", rf.req.path, rf.end)}
		switch {
		case rf.endErr != "":
			he.Kind, he.Msg = ErrHubBudget, rf.endErr
		case rf.kind != readHeader:
			he.Kind, he.Msg = ErrHubBudget, fmt.Sprintf("reading %s past offset %d is more than the audit reads of it remotely", rf.req.path, rf.end)
		}
		limitErr = he
	}
	if off < stop {
		if err := rf.fill(ctx, off, stop); err != nil {
			return 0, err
		}
	}
	n := 0
	for pos := off; pos < stop; {
		i, found := slices.BinarySearchFunc(rf.spans, pos, func(s span, off int64) int { return cmp.Compare(s.off, off) })
		if !found {
			i--
		}
		if i < 0 || pos >= rf.spans[i].off+int64(len(rf.spans[i].data)) {
			return n, fmt.Errorf("reading %s: internal cache miss at offset %d", rf.req.path, pos)
		}
		s := rf.spans[i]
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

// remoteHandle is what the opener returns: the file and the context of the
// describe pass.
type remoteHandle struct {
	ctx context.Context
	f   *remoteFile
}

func (h *remoteHandle) ReadAt(p []byte, off int64) (int, error) { return h.f.readAt(h.ctx, p, off) }
func (h *remoteHandle) Close() error                            { return nil }
