package integrity

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
)

// DefaultHashBuffer is the size of the read buffer each hashing worker
// owns. Measured on the development machine (bench/hash.sh), 64–256 KiB
// buffers hash fastest: they stay in the CPU cache between the copy out of
// the page cache and the hashing; 1 MiB was about 6% slower, 16 KiB slower
// again from system calls.
const DefaultHashBuffer = 128 << 10

// minHashBuffer and maxHashBuffer bound HashOptions.BufferSize.
const (
	minHashBuffer = 4 << 10
	maxHashBuffer = 64 << 20
)

// shardGroupBytes is the least work handed to a worker at once when a file
// is cut into small shards: consecutive shards of one file are hashed
// together up to this many bytes, so tiny shards do not cost an open each.
const shardGroupBytes = 64 << 20

// defaultProgressInterval is how often HashOptions.Progress is called.
const defaultProgressInterval = 100 * time.Millisecond

// HashRequest asks for the digests of one file.
type HashRequest struct {
	// Path names the file in results and progress reports (the release
	// path); LocalPath is the file read.
	Path      string
	LocalPath string
	// Algorithms are the digests wanted over the whole file.
	Algorithms []string
	// ShardSize, when positive, also cuts the file into consecutive pieces
	// of ShardSize bytes (the last one shorter) and digests each with
	// ShardAlgorithm, as the shards serialisation of a model signature
	// does. An empty file has no shards.
	ShardSize      int64
	ShardAlgorithm string
}

// Shard is the digest of bytes [Start, End) of a file.
type Shard struct {
	Start, End int64
	Digest     []byte
}

// HashResult holds the digests of one file.
type HashResult struct {
	Path      string
	LocalPath string
	// Size is the size of the file when it was hashed.
	Size int64
	// Digests holds the whole-file digests by algorithm.
	Digests map[string][]byte
	// Shards holds the shard digests in file order.
	Shards []Shard
	// Err is why the file could not be hashed (unreadable, not a regular
	// file, changed while read); the digests are then absent.
	Err error
}

// HashOptions tunes Hash.
type HashOptions struct {
	// Workers is how many files (or shards) are hashed at once; 0 means
	// GOMAXPROCS.
	Workers int
	// BufferSize is each worker's read buffer; 0 means DefaultHashBuffer.
	BufferSize int
	// Progress, when set, is called about every ProgressInterval while
	// hashing and once at the end, always from one goroutine at a time.
	Progress         func(Progress)
	ProgressInterval time.Duration
}

// withDefaults returns o with its zero fields set to their defaults, or an
// error for a field out of range.
func (o HashOptions) withDefaults() (HashOptions, error) {
	if o.Workers < 0 {
		return o, fmt.Errorf("hash: negative worker count %d", o.Workers)
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.BufferSize == 0 {
		o.BufferSize = DefaultHashBuffer
	}
	if o.BufferSize < minHashBuffer || o.BufferSize > maxHashBuffer {
		return o, fmt.Errorf("hash: buffer size %d outside [%d, %d]", o.BufferSize, minHashBuffer, maxHashBuffer)
	}
	if o.ProgressInterval <= 0 {
		o.ProgressInterval = defaultProgressInterval
	}
	return o, nil
}

// Progress reports hashing progress.
type Progress struct {
	Path       string // a file being hashed
	Done       int64  // bytes hashed so far, over all files
	Total      int64  // bytes to hash
	FilesDone  int
	FilesTotal int
}

// ChangedError reports a file that changed while it was being hashed: its
// size, modification time or identity differ between the start and the
// end, or it did not hold the bytes its size promised.
type ChangedError struct {
	Path   string
	Before int64 // size when the file was first examined
	After  int64 // size (or bytes read) when the change was seen
	Reason string
}

func (e *ChangedError) Error() string {
	return fmt.Sprintf("%s changed while being hashed: %s (size %d, then %d)", e.Path, e.Reason, e.Before, e.After)
}

// ErrTooManyShards reports a request that would cut files into more shards
// than limits.MaxSignatureResources.
var ErrTooManyShards = errors.New("too many shards")

// hashItem is one unit of work: a whole file, or a run of its shards.
type hashItem struct {
	req        int
	whole      bool
	first, end int // shard indexes [first, end) when !whole
	bytes      int64
}

// Hash computes the digests of files, reading each in fixed-size buffers,
// many files at once and, for sharded requests, many pieces of one file at
// once. Memory is bounded by Workers × BufferSize whatever the file sizes.
// A file that cannot be read or changes while read gets an Err in its
// result; the error returned reports only invalid options, too many shards,
// or the end of ctx.
func Hash(ctx context.Context, reqs []HashRequest, opts HashOptions) ([]HashResult, error) {
	cfg, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	results := make([]HashResult, len(reqs))
	infos := make([]os.FileInfo, len(reqs))
	var items []hashItem
	var shards, total int64
	for i := range reqs {
		r := &reqs[i]
		res := &results[i]
		res.Path, res.LocalPath = r.Path, r.LocalPath
		if err := checkRequest(r); err != nil {
			res.Err = err
			continue
		}
		fi, err := statRegular(r.LocalPath)
		if err != nil {
			res.Err = err
			continue
		}
		infos[i], res.Size = fi, fi.Size()
		if len(r.Algorithms) > 0 {
			items = append(items, hashItem{req: i, whole: true, bytes: res.Size})
			total += res.Size
		}
		if r.ShardSize > 0 && res.Size > 0 {
			n := (res.Size + r.ShardSize - 1) / r.ShardSize
			if shards += n; shards > limits.MaxSignatureResources {
				return nil, fmt.Errorf("hash: %w: more than %d", ErrTooManyShards, limits.MaxSignatureResources)
			}
			res.Shards = make([]Shard, 0, n)
			for start := int64(0); start < res.Size; start += r.ShardSize {
				res.Shards = append(res.Shards, Shard{Start: start, End: min(start+r.ShardSize, res.Size)})
			}
			items = append(items, groupShards(i, res.Shards)...)
			total += res.Size
		}
	}
	// Longest first, so that the big pieces start early and the workers
	// finish together.
	slices.SortStableFunc(items, func(a, b hashItem) int { return cmp.Compare(b.bytes, a.bytes) })

	p := newProgressReporter(cfg, total, len(reqs))
	pending := make([]atomic.Int32, len(reqs))
	for _, it := range items {
		pending[it.req].Add(1)
	}
	for i := range reqs {
		if pending[i].Load() == 0 {
			p.filesDone.Add(1) // nothing to read, or unreadable
		}
	}
	errs := make([]error, len(items))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(cfg.Workers, len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, cfg.BufferSize)
			for {
				j := int(next.Add(1) - 1)
				if j >= len(items) || ctx.Err() != nil {
					return
				}
				it := items[j]
				r := &reqs[it.req]
				p.current.Store(&r.Path)
				if it.whole {
					errs[j] = hashWhole(ctx, r, infos[it.req], &results[it.req], buf, p)
				} else {
					errs[j] = hashShards(ctx, r, infos[it.req], results[it.req].Shards[it.first:it.end], buf, p)
				}
				if pending[it.req].Add(-1) == 0 {
					p.filesDone.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	p.stop()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for j, it := range items {
		if errs[j] != nil && results[it.req].Err == nil {
			results[it.req].Err = errs[j]
		}
	}
	for i := range results {
		if results[i].Err != nil {
			results[i].Digests, results[i].Shards = nil, nil
		}
	}
	return results, nil
}

func checkRequest(r *HashRequest) error {
	for _, a := range r.Algorithms {
		if !KnownAlgorithm(a) {
			return fmt.Errorf("unknown digest algorithm %q", a)
		}
	}
	if r.ShardSize < 0 {
		return fmt.Errorf("negative shard size %d", r.ShardSize)
	}
	if r.ShardSize > 0 && !KnownAlgorithm(r.ShardAlgorithm) {
		return fmt.Errorf("unknown shard digest algorithm %q", r.ShardAlgorithm)
	}
	if len(r.Algorithms) == 0 && r.ShardSize == 0 {
		return errors.New("no digest requested")
	}
	return nil
}

// groupShards splits the shards of request i into work items of at least
// shardGroupBytes (or one shard, if larger).
func groupShards(i int, shards []Shard) []hashItem {
	var out []hashItem
	first := 0
	var bytes int64
	for k, s := range shards {
		bytes += s.End - s.Start
		if bytes >= shardGroupBytes || k == len(shards)-1 {
			out = append(out, hashItem{req: i, first: first, end: k + 1, bytes: bytes})
			first, bytes = k+1, 0
		}
	}
	return out
}

// statRegular stats path (following symlinks) and requires a regular file.
func statRegular(path string) (os.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w", path, safeio.ErrNotRegular)
	}
	return fi, nil
}

// openSame opens the file at path and checks it is still the file first
// examined (same identity, size and modification time).
func openSame(path, name string, before os.FileInfo) (*os.File, error) {
	f, err := safeio.OpenRegular(path)
	if err != nil {
		return nil, err
	}
	if err := checkSame(f, name, before, before.Size()); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// checkSame compares the open file with what was examined before, and the
// bytes read with its size.
func checkSame(f *os.File, path string, before os.FileInfo, read int64) error {
	now, err := f.Stat()
	if err != nil {
		return err
	}
	switch {
	case !os.SameFile(before, now):
		return &ChangedError{Path: path, Before: before.Size(), After: now.Size(), Reason: "the file was replaced"}
	case now.Size() != before.Size():
		return &ChangedError{Path: path, Before: before.Size(), After: now.Size(), Reason: "its size changed"}
	case read != before.Size():
		return &ChangedError{Path: path, Before: before.Size(), After: read, Reason: "a different number of bytes was read"}
	case !now.ModTime().Equal(before.ModTime()):
		return &ChangedError{Path: path, Before: before.Size(), After: now.Size(), Reason: "it was modified"}
	}
	return nil
}

// hashWhole reads the file once, sequentially, into every requested hash.
// (Reading ahead in another goroutine was measured slower: the copy out of
// the page cache then competes with hashing for the same cores.)
func hashWhole(ctx context.Context, r *HashRequest, before os.FileInfo, res *HashResult, buf []byte, p *progressReporter) error {
	f, err := openSame(r.LocalPath, r.Path, before)
	if err != nil {
		return err
	}
	defer f.Close()
	size := before.Size()
	hs := make([]hash.Hash, len(r.Algorithms))
	for k, a := range r.Algorithms {
		if hs[k], err = newHasher(a, size); err != nil {
			return err
		}
	}
	var read int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := f.Read(buf)
		for _, h := range hs {
			h.Write(buf[:n])
		}
		read += int64(n)
		p.done.Add(int64(n))
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if read > size {
			return &ChangedError{Path: r.Path, Before: size, After: read, Reason: "the file grew"}
		}
	}
	if err := checkSame(f, r.Path, before, read); err != nil {
		return err
	}
	res.Digests = make(map[string][]byte, len(hs))
	for k, a := range r.Algorithms {
		res.Digests[a] = hs[k].Sum(nil)
	}
	return nil
}

// hashShards digests a run of shards of one file with positioned reads.
func hashShards(ctx context.Context, r *HashRequest, before os.FileInfo, shards []Shard, buf []byte, p *progressReporter) error {
	f, err := openSame(r.LocalPath, r.Path, before)
	if err != nil {
		return err
	}
	defer f.Close()
	for k := range shards {
		s := &shards[k]
		h, err := newHasher(r.ShardAlgorithm, s.End-s.Start)
		if err != nil {
			return err
		}
		for off := s.Start; off < s.End; {
			if err := ctx.Err(); err != nil {
				return err
			}
			want := min(int64(len(buf)), s.End-off)
			n, err := f.ReadAt(buf[:want], off)
			h.Write(buf[:n])
			off += int64(n)
			p.done.Add(int64(n))
			if int64(n) < want {
				if err == nil || err == io.EOF {
					return &ChangedError{Path: r.Path, Before: before.Size(), After: off, Reason: "the file ended early"}
				}
				return err
			}
		}
		s.Digest = h.Sum(nil)
	}
	return checkSame(f, r.Path, before, before.Size())
}

// progressReporter counts bytes and files from the workers and calls the
// progress callback from a single goroutine.
type progressReporter struct {
	fn        func(Progress)
	total     int64
	files     int
	done      atomic.Int64
	filesDone atomic.Int64
	current   atomic.Pointer[string]
	quit      chan struct{}
	stopped   sync.WaitGroup
}

func newProgressReporter(opts HashOptions, total int64, files int) *progressReporter {
	p := &progressReporter{fn: opts.Progress, total: total, files: files, quit: make(chan struct{})}
	if p.fn == nil {
		return p
	}
	p.stopped.Add(1)
	go func() {
		defer p.stopped.Done()
		t := time.NewTicker(opts.ProgressInterval)
		defer t.Stop()
		for {
			select {
			case <-p.quit:
				return
			case <-t.C:
				p.fn(p.snapshot())
			}
		}
	}()
	return p
}

func (p *progressReporter) snapshot() Progress {
	pr := Progress{Done: p.done.Load(), Total: p.total, FilesDone: int(p.filesDone.Load()), FilesTotal: p.files}
	if c := p.current.Load(); c != nil {
		pr.Path = *c
	}
	return pr
}

// stop ends the reporting goroutine and makes the final call.
func (p *progressReporter) stop() {
	if p.fn == nil {
		return
	}
	close(p.quit)
	p.stopped.Wait()
	p.fn(p.snapshot())
}
