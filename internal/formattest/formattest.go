// Package formattest holds the test helpers that the tests of the
// weight-format readers (formats/…) and of manifest share: a reader that
// counts its reads, checks of the readers' error contract, and fuzz seeds
// from the shared corpus.
package formattest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/testutil"
)

// CountingReader is an io.ReaderAt that counts calls and bytes, standing
// in for a remote file read with range requests.
type CountingReader struct {
	r     *bytes.Reader
	Calls atomic.Int64
	Bytes atomic.Int64
}

// NewCountingReader returns a CountingReader over b.
func NewCountingReader(b []byte) *CountingReader { return &CountingReader{r: bytes.NewReader(b)} }

func (c *CountingReader) ReadAt(p []byte, off int64) (int, error) {
	c.Calls.Add(1)
	n, err := c.r.ReadAt(p, off)
	c.Bytes.Add(int64(n))
	return n, err
}

// Error asserts that err is a *formats.Error of the given format, whose
// message contains want and whose offset is off (-2 skips the offset
// check).
func Error(t *testing.T, err error, format string, off int64, want string) *formats.Error {
	t.Helper()
	var fe *formats.Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *formats.Error", err, err)
	}
	if fe.Format != format {
		t.Errorf("Format = %q, want %q", fe.Format, format)
	}
	if off != -2 && fe.Offset != off {
		t.Errorf("Offset = %d, want %d (error: %v)", fe.Offset, off, err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
	return fe
}

// CheckReaderError asserts the contract shared by the weight readers: an
// error is a *formats.Error, and header facts come with an error only for
// the whole-file checks, or with a fault after a part read whole
// (formats.ErrPartial).
func CheckReaderError(t *testing.T, err error, gotInfo bool) {
	var fe *formats.Error
	if err != nil && !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *formats.Error", err, err)
	}
	if err != nil && gotInfo && !errors.Is(err, formats.ErrTruncated) && !errors.Is(err, formats.ErrTrailingData) && !errors.Is(err, formats.ErrPartial) {
		t.Fatalf("header facts returned with error %v", err)
	}
	if err == nil && !gotInfo {
		t.Fatal("no error and no header facts")
	}
}

// MaxSeed keeps large corpus files out of the fuzz seeds, so that each
// iteration stays fast.
const MaxSeed = 2 << 20

// CorpusSeeds returns the files of a corpus folder with the given suffix,
// or nothing when the shared corpus is absent (fuzz seeding must not skip).
func CorpusSeeds(t testing.TB, dir, suffix string) map[string][]byte {
	root := filepath.Join(testutil.ModuleRoot(t), "..", "shared", "corpus", dir)
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil
	}
	out := map[string][]byte{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), suffix) {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(root, e.Name())); err == nil {
			out[e.Name()] = b
		}
	}
	return out
}
