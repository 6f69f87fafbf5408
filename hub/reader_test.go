package hub

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/modelvet/modelvet/internal/hubtest"
)

// openReader lists repo on srv and returns a Reader of the file at path.
func openReader(t *testing.T, srv *hubtest.Server, id, path string) *Reader {
	t.Helper()
	c := newClient(t, srv, Options{})
	info, err := c.Listing(context.Background(), Ref{ID: id})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range info.Files {
		if f.Path == path {
			return c.NewReader(Ref{ID: id, Revision: info.SHA}, path, f.Size)
		}
	}
	t.Fatalf("%s not listed", path)
	return nil
}

// TestReaderLimits checks that reads stay within End, with zeros or the
// error given past it, and within Budget, and that cached bytes are never
// fetched twice.
func TestReaderLimits(t *testing.T) {
	header, size := hubtest.SafetensorsHeader([]hubtest.Tensor{{Name: "w", DType: "F32", Shape: []int64{1 << 20}}}, nil)
	srv := hubtest.New(t, &hubtest.Repo{ID: "acme/m", Files: []*hubtest.File{{Path: "model.safetensors", Data: header, Size: size, LFS: true}}})
	r := openReader(t, srv, "acme/m", "model.safetensors")
	ctx := context.Background()
	end := int64(len(header))
	pastEnd := r.LimitError(ErrReadLimit, "past the header")
	r.SetLimits(Limits{End: end, PastEnd: pastEnd, Budget: 1 << 20})
	before := srv.RequestCount()
	got := make([]byte, end)
	if n, err := r.ReadAtContext(ctx, got, 0); n != len(got) || err != nil || string(got) != string(header) {
		t.Fatalf("header read: %d bytes, %v", n, err)
	}
	if r.Fetched() != end || string(r.Head()) != string(header) {
		t.Errorf("fetched %d bytes, head %d bytes; want the header, %d bytes", r.Fetched(), len(r.Head()), end)
	}
	requests := srv.RequestCount() - before
	// Read again, and past the end: nothing more is fetched.
	if n, err := r.ReaderAt(ctx).ReadAt(got[:8], 0); n != 8 || err != nil {
		t.Errorf("cached read: %d, %v", n, err)
	}
	buf := make([]byte, 16)
	if n, err := r.ReadAtContext(ctx, buf, end-4); n != 4 || err != pastEnd {
		t.Errorf("read across the end: %d bytes, %v", n, err)
	}
	var he *Error
	if !errors.As(pastEnd, &he) || he.Path != "model.safetensors" || he.Repo != "acme/m" || !errors.Is(pastEnd, ErrReadLimit) {
		t.Errorf("limit error %#v", pastEnd)
	}
	// With ZeroPastEnd, a read starting before the end gets zeros after it.
	r.SetLimits(Limits{End: end, ZeroPastEnd: true, Budget: 1 << 20})
	for i := range buf {
		buf[i] = 0xff
	}
	if n, err := r.ReadAtContext(ctx, buf, end-4); n != 16 || err != nil || string(buf[:4]) != string(header[end-4:]) || slices.ContainsFunc(buf[4:], func(b byte) bool { return b != 0 }) {
		t.Errorf("read across the end with zeros: %d bytes %v, %q", n, err, buf)
	}
	// A read wholly past the end fails with the default error.
	if _, err := r.ReadAtContext(ctx, buf, end); !errors.Is(err, ErrReadLimit) {
		t.Errorf("read past the end: %v", err)
	}
	if srv.RequestCount()-before != requests {
		t.Errorf("%d requests after the header was cached", srv.RequestCount()-before-requests)
	}
	// The budget: no fetch over it.
	r.SetLimits(Limits{End: size, Budget: end + 100})
	if _, err := r.ReadAtContext(ctx, make([]byte, 200), end); !errors.Is(err, ErrReadLimit) {
		t.Errorf("read over the budget: %v", err)
	}
	if srv.RequestCount()-before != requests {
		t.Error("a read over the budget made a request")
	}
	if _, err := r.ReadAtContext(ctx, buf, size); err != io.EOF {
		t.Errorf("read at the size: %v", err)
	}
}

// TestReaderReadAhead checks that a reader walking GGUF metadata with
// small sequential reads makes a handful of requests, not one per read.
func TestReaderReadAhead(t *testing.T) {
	var vocab []string
	for i := range 200_000 {
		vocab = append(vocab, fmt.Sprintf("tok%d", i))
	}
	gh, gsize := hubtest.GGUFHeader([]hubtest.KV{{Key: "general.architecture", Value: "llama"}, {Key: "tokenizer.ggml.tokens", Value: vocab}},
		[]hubtest.Tensor{{Name: "w", DType: "F32", Shape: []int64{1 << 20}}})
	srv := hubtest.New(t, &hubtest.Repo{ID: "acme/m", Files: []*hubtest.File{{Path: "model.gguf", Data: gh, Size: gsize, LFS: true}}})
	r := openReader(t, srv, "acme/m", "model.gguf")
	r.SetLimits(Limits{End: gsize, Budget: 32 << 20})
	before := srv.RequestCount()
	end, reads, err := walkGGUFStrings(r.ReaderAt(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.RequestCount() - before
	t.Logf("GGUF metadata: %d bytes in %d reads, %d requests", end, reads, reqs)
	if reqs > 12 || reads < 1000 {
		t.Errorf("%d requests for %d reads of %d bytes", reqs, reads, end)
	}
	if r.Fetched() > end+maxReadahead {
		t.Errorf("fetched %d bytes for %d bytes of metadata", r.Fetched(), end)
	}
}

// walkGGUFStrings walks a GGUF header built by hubtest (string, uint32,
// float32 and string-array values) with small reads, as a streaming reader
// would, and returns where the tensor infos start.
func walkGGUFStrings(r io.ReaderAt) (int64, int, error) {
	off := int64(0)
	reads := 0
	read := func(n int) ([]byte, error) {
		b := make([]byte, n)
		reads++
		if _, err := r.ReadAt(b, off); err != nil {
			return nil, err
		}
		off += int64(n)
		return b, nil
	}
	u32 := func() uint32 { b, _ := read(4); return binary.LittleEndian.Uint32(b) }
	u64 := func() uint64 { b, _ := read(8); return binary.LittleEndian.Uint64(b) }
	str := func() error { _, err := read(int(u64())); return err }
	if _, err := read(8); err != nil {
		return 0, 0, err
	}
	u64()
	kv := u64()
	for range kv {
		if err := str(); err != nil {
			return 0, 0, err
		}
		switch u32() {
		case 8:
			str()
		case 4, 6:
			u32()
		case 9:
			u32()
			n := u64()
			for range n {
				if err := str(); err != nil {
					return 0, 0, err
				}
			}
		}
	}
	return off, reads, nil
}

// TestReaderExpiredCDNURL checks that a second range is asked of the CDN
// URL that answered the first, and that a CDN URL refused (an expired
// signature) is given up for the resolve URL.
func TestReaderExpiredCDNURL(t *testing.T) {
	srv := hubtest.New(t, hubtest.ExampleRepo())
	var mu sync.Mutex
	used := map[string]bool{}
	refused := 0
	srv.SetFault(func(s string, w http.ResponseWriter, r *http.Request) bool {
		if s != "cdn" {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		sig := r.URL.Query().Get("X-Amz-Signature")
		if used[sig] {
			refused++
			http.Error(w, "Request has expired", http.StatusForbidden)
			return true
		}
		used[sig] = true
		return false
	})
	r := openReader(t, srv, "acme/chat-7b", "model-00001-of-00002.safetensors")
	ctx := context.Background()
	srv.Reset()
	if err := r.Fetch(ctx, 0, 8); err != nil {
		t.Fatal(err)
	}
	if err := r.Fetch(ctx, 8, 8); err != nil {
		t.Fatal(err)
	}
	var servers []string
	for _, l := range srv.Log() {
		servers = append(servers, l.Server)
	}
	// Resolve, CDN; CDN again (refused), resolve, CDN.
	if want := []string{"hub", "cdn", "cdn", "hub", "cdn"}; !slices.Equal(servers, want) || refused != 1 {
		t.Errorf("requests to %v (%d refused), want %v", servers, refused, want)
	}
}

// TestReaderIgnoredRange checks that a server answering range requests
// with a whole multi-gigabyte file is read only as far as needed.
func TestReaderIgnoredRange(t *testing.T) {
	header, size := hubtest.SafetensorsHeader([]hubtest.Tensor{{Name: "w", DType: "BF16", Shape: []int64{1 << 16, 1 << 15}}}, nil)
	srv := hubtest.New(t, &hubtest.Repo{ID: "acme/big", Files: []*hubtest.File{{Path: "model.safetensors", Data: header, Size: size, LFS: true}}})
	srv.IgnoreRange = true
	r := openReader(t, srv, "acme/big", "model.safetensors")
	start := time.Now()
	ctx := context.Background()
	if err := r.Fetch(ctx, 0, 16); err != nil {
		t.Fatal(err)
	}
	if err := r.Fetch(ctx, 16, int64(len(header))-16); err != nil {
		t.Fatal(err)
	}
	if _, n := r.c.Usage(); n > 64<<10 || time.Since(start) > 30*time.Second {
		t.Errorf("read %d bytes of a %d-byte file", n, size)
	}
	// Past what may be skipped, the server's whole file is refused.
	if err := r.Fetch(ctx, 2<<20, 16); !errors.Is(err, ErrResponse) {
		t.Errorf("read at 2 MiB from a server ignoring ranges: %v", err)
	}
}
