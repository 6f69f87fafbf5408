// Package decompress opens the compressed streams model files are written
// in (zlib, gzip, bzip2, LZMA, xz, LZ4 frames, zstd) with every resource
// bounded: the bytes produced (Capped), and the window or dictionary a
// stream's header may ask the decoder to allocate
// (limits.MaxDecompressWindowBytes), checked before the decoder is made.
package decompress

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

// Method is a compression framing.
type Method string

// Framings recognised by their first bytes.
const (
	Zlib  Method = "zlib"
	Gzip  Method = "gzip"
	Bzip2 Method = "bz2"
	LZMA  Method = "lzma" // the .lzma ("alone") format Python's lzma module writes as FORMAT_ALONE
	XZ    Method = "xz"
	LZ4   Method = "lz4"
	Zstd  Method = "zstd"
)

// Sniff returns the framing head starts with, or "".
func Sniff(head []byte) Method {
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return Gzip
	case bytes.HasPrefix(head, []byte("BZh")) && len(head) > 3 && head[3] >= '1' && head[3] <= '9':
		return Bzip2
	case bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return XZ
	case bytes.HasPrefix(head, []byte{0x04, 0x22, 0x4d, 0x18}):
		return LZ4
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return Zstd
	case len(head) >= 13 && head[0] == 0x5d && head[1] == 0 && head[2] == 0:
		// LZMA alone: properties 0x5d (lc=3, lp=0, pb=2, what every
		// encoder writes by default), a dictionary size, a size.
		return LZMA
	case len(head) >= 2 && head[0]&0x0f == 8 && head[0]>>4 <= 7 && (uint16(head[0])<<8|uint16(head[1]))%31 == 0:
		return Zlib
	}
	return ""
}

// ErrLimit reports a stream that decompresses past its cap.
var ErrLimit = errors.New("decompressed data is over the limit")

// Open returns a reader of the decompressed stream that r holds from
// offset 0 (size bytes), producing at most max bytes (ErrLimit past it).
func Open(m Method, r io.ReaderAt, size, max int64) (io.ReadCloser, error) {
	src := io.NewSectionReader(r, 0, size)
	var dec io.Reader
	var closer func() error
	switch m {
	case Zlib:
		zr, err := zlib.NewReader(src)
		if err != nil {
			return nil, err
		}
		dec, closer = zr, zr.Close
	case Gzip:
		gr, err := gzip.NewReader(src)
		if err != nil {
			return nil, err
		}
		dec, closer = gr, gr.Close
	case Bzip2:
		dec = bzip2.NewReader(src)
	case LZMA:
		head, err := safeio.ReadAt(r, 0, min(size, 13))
		if err != nil || len(head) < 13 {
			return nil, fmt.Errorf("lzma header is truncated")
		}
		if dict := binary.LittleEndian.Uint32(head[1:5]); dict > limits.MaxDecompressWindowBytes {
			return nil, fmt.Errorf("lzma dictionary of %d bytes is over the %d-byte limit", dict, limits.MaxDecompressWindowBytes)
		}
		lr, err := lzma.ReaderConfig{DictCap: limits.MaxDecompressWindowBytes}.NewReader(src)
		if err != nil {
			return nil, err
		}
		dec = lr
	case XZ:
		if err := checkXZ(r, size); err != nil {
			return nil, err
		}
		xr, err := xz.ReaderConfig{DictCap: limits.MaxDecompressWindowBytes, SingleStream: true}.NewReader(src)
		if err != nil {
			return nil, err
		}
		dec = xr
	case LZ4:
		dec = lz4.NewReader(src)
	case Zstd:
		zr, err := zstd.NewReader(src, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(limits.MaxDecompressWindowBytes), zstd.WithDecoderMaxMemory(uint64(max)))
		if err != nil {
			return nil, err
		}
		dec, closer = zr, func() error { zr.Close(); return nil }
	default:
		return nil, fmt.Errorf("unknown compression %q", m)
	}
	return &capped{r: dec, left: max, close: closer}, nil
}

// checkXZ accepts an xz stream of one block whose LZMA2 dictionary is
// within the window limit. The decoder allocates the dictionary a block
// header asks for, so the header is read first; a stream of several
// blocks (written by multi-threaded xz, never by Python's lzma module) is
// refused, as its later headers cannot be seen before decoding.
func checkXZ(r io.ReaderAt, size int64) error {
	if size < 12+12+8 {
		return fmt.Errorf("xz stream is truncated")
	}
	foot, err := safeio.ReadAt(r, size-12, 12)
	if err != nil || string(foot[10:12]) != "YZ" {
		return fmt.Errorf("xz stream footer not found (a single stream is read)")
	}
	indexSize := (int64(binary.LittleEndian.Uint32(foot[4:8])) + 1) * 4
	if indexSize > size-24 {
		return fmt.Errorf("xz index size out of range")
	}
	index, err := safeio.ReadAt(r, size-12-indexSize, min(indexSize, 16))
	if err != nil || index[0] != 0 {
		return fmt.Errorf("xz index not found")
	}
	if records, _ := binary.Uvarint(index[1:]); records != 1 {
		return fmt.Errorf("xz stream of %d blocks; only single-block streams are read", records)
	}
	bh, err := safeio.ReadAt(r, 12, min(size-12, 1024))
	if err != nil || len(bh) < 2 || bh[0] == 0 {
		return fmt.Errorf("xz block header not found")
	}
	hlen := (int(bh[0]) + 1) * 4
	if hlen > len(bh) {
		return fmt.Errorf("xz block header is truncated")
	}
	h := bh[1:hlen]
	flags := h[0]
	if flags&0x03 != 0 {
		return fmt.Errorf("xz block of %d filters; only LZMA2 alone is read", flags&0x03+1)
	}
	p := 1
	skip := func() bool {
		_, n := binary.Uvarint(h[p:])
		p += n
		return n > 0
	}
	if flags&0x40 != 0 && !skip() || flags&0x80 != 0 && !skip() {
		return fmt.Errorf("xz block header is malformed")
	}
	id, n := binary.Uvarint(h[p:])
	if n <= 0 || id != 0x21 || p+n+1 >= len(h) {
		return fmt.Errorf("xz block filter is not LZMA2")
	}
	props := h[p+n+1]
	if props > 40 {
		return fmt.Errorf("xz LZMA2 dictionary property %d is invalid", props)
	}
	dict := (2 | uint64(props)&1) << (props/2 + 11)
	if dict > limits.MaxDecompressWindowBytes {
		return fmt.Errorf("xz dictionary of %d bytes is over the %d-byte limit", dict, limits.MaxDecompressWindowBytes)
	}
	return nil
}

// capped fails once more than left bytes were read.
type capped struct {
	r     io.Reader
	left  int64
	close func() error
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left <= 0 {
		if n, _ := c.r.Read(make([]byte, 1)); n > 0 {
			return 0, ErrLimit
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *capped) Close() error {
	if c.close != nil {
		return c.close()
	}
	return nil
}
