// Package safeio reads untrusted files within caps: whole small files through
// a limit, regular files only, and byte ranges without trusting a declared
// length. A symbolic link is followed only to a regular file inside a
// given root (ResolveInside), as releases and stores require.
package safeio

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrTooLarge reports input over a cap.
var ErrTooLarge = errors.New("larger than the limit")

// ErrNotRegular reports a path that is not a regular file (a FIFO, a
// device, a socket or a directory), which modelvet never opens for reading.
var ErrNotRegular = errors.New("not a regular file")

// chunk bounds each allocation made while reading towards a declared size.
const chunk = 1 << 20

// ReadAll reads r to the end, failing with ErrTooLarge past max bytes.
func ReadAll(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w of %d bytes", ErrTooLarge, max)
	}
	return data, nil
}

// ReadFile reads a regular file of at most max bytes. It refuses FIFOs and
// devices before opening them, so that a hostile release cannot make it hang.
func ReadFile(path string, max int64) ([]byte, error) {
	f, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadAll(f, max)
}

// OpenRegular opens path for reading if it is a regular file (after
// following symlinks), and checks again after opening in case it was
// swapped in between.
func OpenRegular(path string) (*os.File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: path, Err: ErrNotRegular}
	}
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	fi, err = f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: path, Err: ErrNotRegular}
	}
	return f, nil
}

// ReadFullAt fills buf from r at off: a short read is an error
// (io.ErrUnexpectedEOF when r gave no other reason). The caller has
// bounded len(buf).
func ReadFullAt(r io.ReaderAt, buf []byte, off int64) error {
	n, err := r.ReadAt(buf, off)
	if n == len(buf) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// ReadAt reads n bytes at off from r, allocating in bounded chunks so that a
// lying length field cannot allocate more than the input actually holds.
func ReadAt(r io.ReaderAt, off, n int64) ([]byte, error) {
	if n < 0 || off < 0 {
		return nil, fmt.Errorf("invalid range %d+%d", off, n)
	}
	if n <= chunk {
		buf := make([]byte, n)
		if err := ReadFullAt(r, buf, off); err != nil {
			return nil, err
		}
		return buf, nil
	}
	var buf []byte
	for n > 0 {
		next := min(n, chunk)
		part := make([]byte, next)
		read, err := r.ReadAt(part, off)
		buf = append(buf, part[:read]...)
		if int64(read) < next {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		off += next
		n -= next
	}
	return buf, nil
}

// ReadFilePrefix reads up to max bytes of a regular file, saying whether
// there was more.
func ReadFilePrefix(path string, max int64) ([]byte, bool, error) {
	f, err := OpenRegular(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	data, err := ReadAll(f, max)
	if errors.Is(err, ErrTooLarge) {
		buf := make([]byte, max)
		n, err := f.ReadAt(buf, 0)
		if n < len(buf) && err != nil {
			return nil, false, err
		}
		return buf[:n], true, nil
	}
	return data, false, err
}

// CountingReader counts the bytes read from a seekable reader (a seek moves
// the count), so that the offset of what a parser reads next is known (a
// tar member's data after tar.Reader.Next).
type CountingReader struct {
	R io.ReadSeeker
	N int64
}

func (c *CountingReader) Read(p []byte) (int, error) {
	n, err := c.R.Read(p)
	c.N += int64(n)
	return n, err
}

func (c *CountingReader) Seek(off int64, whence int) (int64, error) {
	pos, err := c.R.Seek(off, whence)
	if err == nil {
		c.N = pos
	}
	return pos, err
}

// CapReader fails with an error wrapping ErrTooLarge once more than Left
// bytes were read, so that a decompressor cannot be made to produce output
// without end. What names the data in the error.
type CapReader struct {
	R    io.Reader
	Left int64
	What string
}

func (c *CapReader) Read(p []byte) (int, error) {
	if c.Left <= 0 {
		return 0, fmt.Errorf("%s %w", c.What, ErrTooLarge)
	}
	if int64(len(p)) > c.Left {
		p = p[:c.Left]
	}
	n, err := c.R.Read(p)
	c.Left -= int64(n)
	return n, err
}
