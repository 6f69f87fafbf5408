package integrity

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/zeebo/blake3"
	"golang.org/x/crypto/blake2b"
)

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func randomBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// reference digests computed in one call, without the engine.
func referenceDigest(alg string, data []byte) []byte {
	switch alg {
	case SHA256:
		s := sha256.Sum256(data)
		return s[:]
	case SHA512:
		s := sha512.Sum512(data)
		return s[:]
	case BLAKE2b:
		s := blake2b.Sum512(data)
		return s[:]
	case BLAKE3:
		s := blake3.Sum256(data)
		return s[:]
	}
	h, _ := newHasher(alg, int64(len(data)))
	h.Write(data)
	return h.Sum(nil)
}

// TestHashMatchesReference hashes files around the buffer size with every
// algorithm, whole and in shards, with several workers, and compares with
// one-shot digests.
func TestHashMatchesReference(t *testing.T) {
	const buf = minHashBuffer
	dir := t.TempDir()
	sizes := []int{0, 1, buf - 1, buf, buf + 1, 3*buf + buf/2, 5 * buf}
	algs := []string{SHA256, SHA512, BLAKE2b, BLAKE3, GitSHA1}
	var reqs []HashRequest
	data := map[string][]byte{}
	for i, n := range sizes {
		name := fmt.Sprintf("f%d", i)
		data[name] = randomBytes(t, n)
		reqs = append(reqs, HashRequest{Path: name, LocalPath: writeFile(t, dir, name, data[name]), Algorithms: algs, ShardSize: buf + 7, ShardAlgorithm: SHA256})
	}
	for _, workers := range []int{1, 3, 8} {
		res, err := Hash(context.Background(), reqs, HashOptions{Workers: workers, BufferSize: buf})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			d := data[r.Path]
			if r.Err != nil || r.Size != int64(len(d)) {
				t.Fatalf("%s: err %v size %d", r.Path, r.Err, r.Size)
			}
			for _, a := range algs {
				if !bytes.Equal(r.Digests[a], referenceDigest(a, d)) {
					t.Errorf("workers %d %s %s: %x", workers, r.Path, a, r.Digests[a])
				}
			}
			var off int64
			for _, s := range r.Shards {
				if s.Start != off || s.End > int64(len(d)) || !bytes.Equal(s.Digest, referenceDigest(SHA256, d[s.Start:s.End])) {
					t.Errorf("%s shard %d-%d wrong", r.Path, s.Start, s.End)
				}
				off = s.End
			}
			if off != int64(len(d)) {
				t.Errorf("%s: shards cover %d of %d bytes", r.Path, off, len(d))
			}
		}
	}
}

// TestHashKnownDigests pins each algorithm to a published value.
func TestHashKnownDigests(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		alg, data, want string
	}{
		{GitSHA1, "hello\n", "ce013625030ba8dba906f756967f9e9ca394464a"}, // git hash-object
		{SHA256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{BLAKE2b, "", "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce"},
		{BLAKE3, "", "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"},
	} {
		p := writeFile(t, dir, tc.alg, []byte(tc.data))
		res, err := Hash(context.Background(), []HashRequest{{Path: tc.alg, LocalPath: p, Algorithms: []string{tc.alg}}}, HashOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(res[0].Digests[tc.alg]); got != tc.want {
			t.Errorf("%s(%q) = %s, want %s", tc.alg, tc.data, got, tc.want)
		}
	}
}

// TestHashDetectsChange feeds the engine a file that changed between the
// first look and the read: grown, shrunk, replaced, rewritten.
func TestHashDetectsChange(t *testing.T) {
	dir := t.TempDir()
	for name, change := range map[string]func(p string){
		"grown": func(p string) {
			f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			f.Write([]byte("more"))
			f.Close()
		},
		"truncated": func(p string) { os.Truncate(p, 10) },
		"replaced": func(p string) {
			os.Remove(p)
			os.WriteFile(p, bytes.Repeat([]byte{1}, 3*minHashBuffer), 0o644)
		},
		"rewritten": func(p string) {
			later := time.Now().Add(time.Hour)
			os.WriteFile(p, bytes.Repeat([]byte{2}, 3*minHashBuffer), 0o644)
			os.Chtimes(p, later, later)
		},
	} {
		for _, sharded := range []bool{false, true} {
			p := writeFile(t, dir, name, bytes.Repeat([]byte{7}, 3*minHashBuffer))
			before, err := statRegular(p)
			if err != nil {
				t.Fatal(err)
			}
			change(p)
			r := &HashRequest{Path: name, LocalPath: p, Algorithms: []string{SHA256}, ShardSize: minHashBuffer, ShardAlgorithm: SHA256}
			buf := make([]byte, minHashBuffer)
			p0 := &progressReporter{}
			if sharded {
				shards := []Shard{{0, minHashBuffer, nil}, {minHashBuffer, 2 * minHashBuffer, nil}, {2 * minHashBuffer, 3 * minHashBuffer, nil}}
				err = hashShards(context.Background(), r, before, shards, buf, p0)
			} else {
				err = hashWhole(context.Background(), r, before, &HashResult{}, buf, p0)
			}
			var ce *ChangedError
			if !errors.As(err, &ce) {
				t.Errorf("%s (sharded %v): err %v, want a ChangedError", name, sharded, err)
			}
		}
	}
}

// TestHashRefusesSpecialFiles never opens a FIFO (which would block) and
// reports unreadable files per file.
func TestHashRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	ok := writeFile(t, dir, "ok", []byte("fine"))
	res, err := Hash(context.Background(), []HashRequest{
		{Path: "fifo", LocalPath: fifo, Algorithms: []string{SHA256}},
		{Path: "gone", LocalPath: filepath.Join(dir, "gone"), Algorithms: []string{SHA256}},
		{Path: "bad-alg", LocalPath: ok, Algorithms: []string{"md5"}},
		{Path: "ok", LocalPath: ok, Algorithms: []string{SHA256}},
	}, HashOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res[:3] {
		if r.Err == nil {
			t.Errorf("%s: no error", r.Path)
		}
	}
	if res[3].Err != nil || len(res[3].Digests[SHA256]) != 32 {
		t.Errorf("ok: %v", res[3].Err)
	}
}

// TestHashCancel stops on a cancelled context.
func TestHashCancel(t *testing.T) {
	dir := t.TempDir()
	var reqs []HashRequest
	for i := range 8 {
		reqs = append(reqs, HashRequest{Path: fmt.Sprint(i), LocalPath: writeFile(t, dir, fmt.Sprint(i), make([]byte, 1<<20)), Algorithms: []string{SHA256}})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Hash(ctx, reqs, HashOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	var calls atomic.Int32
	_, err := Hash(ctx, reqs, HashOptions{Workers: 1, BufferSize: minHashBuffer, ProgressInterval: time.Microsecond, Progress: func(p Progress) {
		if calls.Add(1) == 1 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled while hashing: %v", err)
	}
}

// TestHashProgress reports from one goroutine at a time and ends with
// everything done.
func TestHashProgress(t *testing.T) {
	dir := t.TempDir()
	var reqs []HashRequest
	var total int64
	for i := range 6 {
		n := (i + 1) * 50_000
		total += int64(n)
		reqs = append(reqs, HashRequest{Path: fmt.Sprint(i), LocalPath: writeFile(t, dir, fmt.Sprint(i), make([]byte, n)), Algorithms: []string{SHA256}})
	}
	var inside, overlap atomic.Int32
	var last Progress
	_, err := Hash(context.Background(), reqs, HashOptions{Workers: 3, BufferSize: minHashBuffer, ProgressInterval: time.Microsecond, Progress: func(p Progress) {
		if inside.Add(1) > 1 {
			overlap.Add(1)
		}
		last = p
		inside.Add(-1)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if overlap.Load() > 0 {
		t.Error("progress callback called concurrently")
	}
	if last.Done != total || last.Total != total || last.FilesDone != 6 || last.FilesTotal != 6 {
		t.Errorf("final progress %+v, want %d bytes and 6 files", last, total)
	}
}

// TestHashShardCap refuses to cut files into more shards than the cap.
func TestHashShardCap(t *testing.T) {
	p := writeFile(t, t.TempDir(), "f", make([]byte, 1<<21))
	_, err := Hash(context.Background(), []HashRequest{{Path: "f", LocalPath: p, ShardSize: 1, ShardAlgorithm: SHA256}}, HashOptions{})
	if !errors.Is(err, ErrTooManyShards) {
		t.Errorf("err %v, want ErrTooManyShards", err)
	}
}

func TestHashOptions(t *testing.T) {
	for _, o := range []HashOptions{{Workers: -1}, {BufferSize: 1}, {BufferSize: 1 << 30}} {
		if _, err := Hash(context.Background(), nil, o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

// BenchmarkHash hashes four 64 MiB files per iteration: as whole files
// (the files serialisation) at three buffer sizes, in 16 MiB shards, and
// with BLAKE3 and BLAKE2b.
func BenchmarkHash(b *testing.B) {
	dir := b.TempDir()
	var files []string
	const size = 64 << 20
	for i := range 4 {
		files = append(files, writeFile(b, dir, fmt.Sprint(i), randomBytes(b, size)))
	}
	for _, bc := range []struct {
		name   string
		alg    string
		shard  int64
		buffer int
	}{
		{"files-sha256-128KiB", SHA256, 0, 128 << 10},
		{"files-sha256-32KiB", SHA256, 0, 32 << 10},
		{"files-sha256-1MiB", SHA256, 0, 1 << 20},
		{"shards-sha256-128KiB", SHA256, 16 << 20, 128 << 10},
		{"files-blake3-128KiB", BLAKE3, 0, 128 << 10},
		{"files-blake2b-128KiB", BLAKE2b, 0, 128 << 10},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var reqs []HashRequest
			for _, f := range files {
				r := HashRequest{Path: f, LocalPath: f}
				if bc.shard > 0 {
					r.ShardSize, r.ShardAlgorithm = bc.shard, bc.alg
				} else {
					r.Algorithms = []string{bc.alg}
				}
				reqs = append(reqs, r)
			}
			b.SetBytes(int64(len(files)) * size)
			for b.Loop() {
				if _, err := Hash(context.Background(), reqs, HashOptions{BufferSize: bc.buffer}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
