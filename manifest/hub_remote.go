package manifest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"

	"github.com/modelvet/modelvet/fingerprint"
	"github.com/modelvet/modelvet/hub"
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
	// probeBlock is the first read of the first safetensors files: the
	// length and, for all but the largest mixtures of experts, the whole
	// header (huggingface_hub reads 100,000 bytes the same way).
	probeBlock = 128 << 10
	// headerRound rounds the first read predicted for the other
	// safetensors files.
	headerRound = 4 << 10
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
// the top-level configs, tokenizer files and chat templates, the indexes
// and the licence texts are read whole (a tokenizer.json only when small);
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
			return readWhole, factsFileCap(f.Path, KindHub)
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
	if top && fingerprint.IsFile(f.Path) {
		if c := factsFileCap(f.Path, KindHub); f.Size <= c {
			return readWhole, c
		}
		return readSkip, 0
	}
	if pickleExt[ext] {
		return readHeader, 0
	}
	if skippedExt[ext] || strings.HasPrefix(lower, ".") {
		return readSkip, 0
	}
	return readSniff, 0
}

// ErrHubTensorData reports a read that would reach past the header of a
// remote weight file into tensor data, which is never fetched.
var ErrHubTensorData = errors.New("would read tensor data")

// remoteSet holds the remote files of one Open, with the bytes read so far.
type remoteSet struct {
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
	return remoteHandle{rf.r.ReaderAt(ctx)}, rf.r.Size(), nil
}

// remoteFile is a file of the repository with the plan of what the audit
// reads of it: its first bytes (prefetch), then what its format needs
// (header), as far as its hub.Reader's limits allow: never past the end of
// a safetensors header, never more than limits.MaxHubHeaderBytes of a
// weight file.
type remoteFile struct {
	r    *hub.Reader
	path string
	size int64
	kind readKind
	cap  int64 // for readWhole

	mu     sync.Mutex
	err    error  // a failed fetch, returned by every later open
	endErr string // why reads stop at the end, when not the usual reason
	// zeroPast is set for a safetensors file whose header ends where reads
	// stop: a read that starts in the header and runs past it gets zeros
	// for the tensor bytes, which are never fetched. Header readers read a
	// fixed first block and use only the header bytes of it.
	zeroPast bool
	// pending is set for a safetensors file whose header length is known
	// (reads stop at 8+N) and whose header is read by readHeader, in
	// what its first read did not bring, if the audit's header budget
	// allows.
	pending bool
	// headerBytes is the length of a safetensors header (8+N) once read
	// and found sane, else 0.
	headerBytes int64
}

func newRemoteFile(r *hub.Reader, path string, kind readKind, capBytes int64) *remoteFile {
	return &remoteFile{r: r, path: path, size: r.Size(), kind: kind, cap: capBytes}
}

// limit has reads of the file stop at end and fetch at most budget bytes
// in all. Call with mu held.
func (rf *remoteFile) limit(end, budget int64) {
	rf.r.SetLimits(hub.Limits{End: end, Budget: budget, PastEnd: rf.pastEnd(end), ZeroPastEnd: rf.zeroPast})
}

// pastEnd is the error of a read past end: past a weight file's header,
// into tensor data, or past what the audit reads of another file.
func (rf *remoteFile) pastEnd(end int64) error {
	switch {
	case rf.endErr != "":
		return rf.r.LimitError(hub.ErrReadLimit, rf.endErr)
	case rf.kind != readHeader:
		return rf.r.LimitError(hub.ErrReadLimit, fmt.Sprintf("reading %s past offset %d is more than the audit reads of it remotely", rf.path, end))
	}
	return rf.r.LimitError(ErrHubTensorData, fmt.Sprintf("reading %s at offset %d would fetch past its header, into tensor data, which is never read remotely", rf.path, end))
}

// end returns where reads of the file stop.
func (rf *remoteFile) end() int64 { return rf.r.Limits().End }

// safetensorsByName reports whether the file is a weight file named as
// safetensors, whose first read readHeaders makes.
func (rf *remoteFile) safetensorsByName() bool {
	return rf.kind == readHeader && classify(rf.path, nil) == FormatSafetensors
}

// speculate makes the first read of a safetensors file, block bytes from
// offset 0 (at least its 16 first bytes): its length, and its header
// when the header fits. Reads of it then stop at the end of the header,
// so that the tensor bytes the block may hold are never read.
func (rf *remoteFile) speculate(ctx context.Context, block int64) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	n := min(rf.size, max(block, sniffLen))
	rf.limit(rf.size, limits.MaxHubHeaderBytes)
	if err := rf.r.Fetch(ctx, 0, n); err != nil {
		rf.err = err
		return
	}
	rf.header(ctx, classify(rf.path, rf.r.Head()), n)
}

// probed reports whether the file's first read was made.
func (rf *remoteFile) probed() bool {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	return rf.err != nil || rf.r.Fetched() > 0
}

// missing returns how many bytes of a pending safetensors header its first
// read did not bring, or 0.
func (rf *remoteFile) missing() int64 {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if !rf.pending || rf.err != nil {
		return 0
	}
	return max(rf.end()-int64(len(rf.r.Head())), 0)
}

// prefetch makes the planned first reads of the file: the whole of a small
// text, the first bytes of a file to classify, the first block of a weight
// file and what its format needs next. (Safetensors files named so are
// read by readHeaders.)
func (rf *remoteFile) prefetch(ctx context.Context) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	fail := func(err error) { rf.err = err }
	switch rf.kind {
	case readWhole:
		n := min(rf.size, rf.cap)
		if rf.size > rf.cap && classify(rf.path, nil) != FormatLicense {
			// Too large to parse: describeWith only classifies it. (A
			// licence text is cut and marked instead.)
			n = min(rf.size, sniffBlock)
		}
		rf.limit(n, n)
		if err := rf.r.Fetch(ctx, 0, n); err != nil {
			fail(err)
		}
		return
	case readStart:
		n := min(rf.size, rf.cap)
		rf.limit(n, n)
		if err := rf.r.Fetch(ctx, 0, n); err != nil {
			fail(err)
		}
		return
	case readSniff:
		n := min(rf.size, sniffBlock)
		rf.limit(rf.size, n)
		if err := rf.r.Fetch(ctx, 0, n); err != nil {
			fail(err)
			return
		}
		if f := classify(rf.path, rf.r.Head()); f == FormatSafetensors || f == FormatGGUF || f == FormatPickle || f == FormatPyTorch || f == FormatKeras {
			rf.header(ctx, f, n) // content says weights: read the header after all
		}
		return
	case readHeader:
		n := min(rf.size, weightFirstBlock)
		rf.limit(rf.size, limits.MaxHubHeaderBytes)
		if err := rf.r.Fetch(ctx, 0, n); err != nil {
			fail(err)
			return
		}
		rf.header(ctx, classify(rf.path, rf.r.Head()), n)
	}
}

// header reads what a weight format needs after its first block. Call
// with mu held.
func (rf *remoteFile) header(ctx context.Context, f Format, have int64) {
	end := rf.end()
	switch f {
	case FormatSafetensors:
		head := rf.r.Head()
		if len(head) < 8 {
			rf.limit(int64(len(head)), limits.MaxHubHeaderBytes)
			return
		}
		n := binary.LittleEndian.Uint64(head[:8])
		if n > uint64(limits.MaxHubHeaderBytes-8) || int64(n)+8 > rf.size {
			// Nothing more is read: a read past the first bytes is
			// refused naming the header, not tensor data.
			if n <= uint64(rf.size-8) {
				rf.endErr = fmt.Sprintf("the safetensors header of %s declares %d bytes, over the %d-byte limit of remote reads", rf.path, n, limits.MaxHubHeaderBytes-8)
			} else {
				rf.endErr = fmt.Sprintf("the safetensors header of %s declares %d bytes, more than the file's %d", rf.path, n, rf.size)
			}
			rf.limit(min(rf.size, 8), limits.MaxHubHeaderBytes)
			return
		}
		// What the first read did not bring is read by readHeader, once
		// the audit knows every header's length and which fit in its
		// budget.
		rf.zeroPast, rf.pending, rf.headerBytes = true, true, 8+int64(n)
		rf.limit(rf.headerBytes, limits.MaxHubHeaderBytes)
	case FormatPyTorch, FormatKeras:
		// A zip's central directory is at its end; the members the
		// reader needs (pickles, config.json) are read as it asks.
		rf.limit(end, limits.MaxHubHeaderBytes)
		if rf.size > have {
			if err := rf.r.Fill(ctx, max(have, rf.size-weightFirstBlock), rf.size); err != nil {
				rf.err = err
			}
		}
	case FormatGGUF, FormatPickle:
		// The reader drives the rest, with read-ahead.
		rf.limit(end, limits.MaxHubHeaderBytes)
	default:
		// HDF5 (scanned in the first block for a Keras model
		// configuration) and the rest: the first block only.
		rf.limit(end, rf.r.Fetched())
	}
}

// headerLen returns the length of the file's safetensors header (8+N)
// once its first bytes gave a sane one, or 0.
func (rf *remoteFile) headerLen() int64 {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	return rf.headerBytes
}

// readHeader reads the rest of a pending safetensors header.
func (rf *remoteFile) readHeader(ctx context.Context) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if !rf.pending || rf.err != nil {
		return
	}
	rf.pending = false
	if err := rf.r.Fill(ctx, 0, rf.end()); err != nil {
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
	return classify(rf.path, rf.r.Head())
}

// contentFormat returns the format the file's first bytes show, or ""
// when none were fetched.
func (rf *remoteFile) contentFormat() Format {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.err != nil || rf.r.Head() == nil {
		return ""
	}
	return classify(rf.path, rf.r.Head())
}

// keepFirstBlock stops the file's reads at the bytes fetched from offset 0
// and returns how many there are.
func (rf *remoteFile) keepFirstBlock() int64 {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	n := int64(len(rf.r.Head()))
	rf.limit(n, rf.r.Fetched())
	return n
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
	if h := rf.r.Head(); int64(len(h)) == rf.size {
		return h
	}
	return nil
}

// remoteHandle is what the opener returns: the file's reader bound to the
// context of the describe pass.
type remoteHandle struct{ io.ReaderAt }

func (remoteHandle) Close() error { return nil }
