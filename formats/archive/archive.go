package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
	"github.com/modelvet/modelvet/internal/zipcheck"
)

// Kinds of archive.
const (
	Zip      = "zip"
	Tar      = "tar"
	TarGzip  = "tar.gz"
	SevenZip = "7z"
)

// SevenZipMagic starts every 7z archive.
const SevenZipMagic = "7z\xbc\xaf\x27\x1c"

// Sniff returns the kind of archive head (a file's first 512 bytes or
// more) starts, or "". A gzip stream is a tar.gz only when the caller has
// seen a tar inside (SniffGzipTar).
func Sniff(head []byte) string {
	switch {
	case zipcheck.IsArchive(head) || bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return Zip
	case bytes.HasPrefix(head, []byte(SevenZipMagic)):
		return SevenZip
	case isTarHeader(head):
		return Tar
	}
	return ""
}

// isTarHeader reports a POSIX or GNU tar header: "ustar" at offset 257.
func isTarHeader(head []byte) bool {
	return len(head) >= 263 && string(head[257:262]) == "ustar"
}

// SniffGzipTar reports whether a gzip stream holds a tar: the first
// decompressed block is a tar header.
func SniffGzipTar(r io.ReaderAt, size int64) bool {
	gr, err := gzip.NewReader(io.NewSectionReader(r, 0, size))
	if err != nil {
		return false
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(gr, head)
	return isTarHeader(head[:n])
}

// Info lists an archive.
type Info struct {
	Kind    string  `json:"kind"`
	Entries []Entry `json:"entries"`
	// Truncated is set when the archive has more than
	// limits.MaxArchiveEntries entries; the rest are not listed.
	Truncated bool `json:"truncated,omitempty"`
}

// Entry is one member of an archive.
type Entry struct {
	Name      string `json:"name"`
	Size      int64  `json:"size"`             // uncompressed, as declared
	Method    string `json:"method,omitempty"` // "store", "deflate", "lzma2", …
	Dir       bool   `json:"dir,omitempty"`
	Link      string `json:"link,omitempty"` // target of a tar link
	Encrypted bool   `json:"encrypted,omitempty"`
	// Unsafe says why the name could take an extractor out of its folder:
	// "leaves the folder (..)", "absolute path", "drive letter",
	// "control character"; empty when it cannot.
	Unsafe string `json:"unsafe,omitempty"`
}

// UnsafeName says why an archive member name could write outside the
// folder an archive is extracted to, or "" when it cannot. Backslashes
// count as separators, as Windows extractors read them.
func UnsafeName(name string) string {
	n := strings.ReplaceAll(name, "\\", "/")
	switch {
	case strings.HasPrefix(n, "/"):
		return "absolute path"
	case len(n) >= 2 && n[1] == ':' && ('a' <= n[0]|0x20 && n[0]|0x20 <= 'z'):
		return "drive letter"
	case strings.ContainsFunc(n, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "control character"
	}
	for part := range strings.SplitSeq(n, "/") {
		if part == ".." {
			return "leaves the folder (..)"
		}
	}
	return ""
}

// Reader serves the members of an open archive.
type Reader struct {
	info *Info
	r    io.ReaderAt
	size int64

	zipFiles []*zip.File     // zip: per entry
	tarData  []tarMember     // tar: per entry
	seven    *sevenZipReader // 7z
	budget   int64           // bytes left to decompress
}

type tarMember struct {
	off  int64  // plain tar: data offset in the file
	data []byte // tar.gz: the kept bytes
	kept bool
}

// Read lists an archive.
func Read(r io.ReaderAt, size int64) (*Info, error) {
	a, err := Open(r, size)
	if a == nil {
		return nil, err
	}
	return a.info, err
}

// Open lists an archive and returns a reader of its members. A listing
// cut short by a cap or a fault comes with the entries read before it.
func Open(r io.ReaderAt, size int64) (*Reader, error) {
	head, err := safeio.ReadAt(r, 0, min(size, 512))
	if err != nil {
		return nil, &formats.Error{Format: "archive", Offset: 0, Msg: "cannot read the start of the file", Err: err}
	}
	a := &Reader{r: r, size: size, budget: limits.MaxArchiveBytes}
	switch kind := Sniff(head); {
	case kind == Zip:
		return a, a.openZip()
	case kind == Tar:
		return a, a.openTar(io.NewSectionReader(r, 0, size), false)
	case kind == SevenZip:
		return a, a.open7z()
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}) && SniffGzipTar(r, size):
		gr, err := gzip.NewReader(io.NewSectionReader(r, 0, size))
		if err != nil {
			return nil, &formats.Error{Format: TarGzip, Offset: 0, Msg: "not a gzip stream", Err: err}
		}
		return a, a.openTar(&cappedReader{r: gr, left: limits.MaxArchiveBytes}, true)
	}
	return nil, &formats.Error{Format: "archive", Offset: 0, Msg: "not a zip, tar or 7z archive"}
}

// Info returns the listing.
func (a *Reader) Info() *Info { return a.info }

func (a *Reader) openZip() error {
	a.info = &Info{Kind: Zip, Entries: []Entry{}}
	n, err := zipcheck.EntryCount(a.r, a.size, Zip)
	if err != nil {
		return err
	}
	if n > limits.MaxArchiveEntries {
		return &formats.Error{Format: Zip, Offset: -1, Msg: fmt.Sprintf("zip lists %d entries, over the %d-entry limit; not read", n, limits.MaxArchiveEntries)}
	}
	zr, err := zip.NewReader(a.r, a.size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return &formats.Error{Format: Zip, Offset: -1, Msg: "not a readable zip archive", Err: err}
	}
	for _, f := range zr.File {
		e := Entry{Name: f.Name, Size: int64(min(f.UncompressedSize64, 1<<62)), Method: zipMethod(f.Method),
			Dir: strings.HasSuffix(f.Name, "/"), Encrypted: f.Flags&1 != 0, Unsafe: UnsafeName(f.Name)}
		a.info.Entries = append(a.info.Entries, e)
		a.zipFiles = append(a.zipFiles, f)
	}
	return nil
}

func zipMethod(m uint16) string {
	switch m {
	case zip.Store:
		return "store"
	case zip.Deflate:
		return "deflate"
	}
	return fmt.Sprintf("method %d", m)
}

// openTar lists a tar archive. A plain tar's members are read in place
// later; a compressed one's are kept as the stream goes by, each up to
// limits.MaxArchiveMemberBytes, within the archive's budget.
func (a *Reader) openTar(src io.Reader, compressed bool) error {
	kind := Tar
	if compressed {
		kind = TarGzip
	}
	a.info = &Info{Kind: kind, Entries: []Entry{}}
	cr := &countingReader{r: src}
	tr := tar.NewReader(cr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return &formats.Error{Format: kind, Offset: -1, Msg: fmt.Sprintf("tar listing stops after %d entries", len(a.info.Entries)), Err: err}
		}
		if len(a.info.Entries) >= limits.MaxArchiveEntries {
			a.info.Truncated = true
			return nil
		}
		e := Entry{Name: h.Name, Size: h.Size, Method: "store", Unsafe: UnsafeName(h.Name)}
		switch h.Typeflag {
		case tar.TypeReg:
		case tar.TypeDir:
			e.Dir = true
		case tar.TypeSymlink, tar.TypeLink:
			e.Link = h.Linkname
			if u := UnsafeName(h.Linkname); u != "" && e.Unsafe == "" {
				e.Unsafe = "link target: " + u
			}
		default:
			e.Dir = true // devices, FIFOs: no bytes to read
		}
		m := tarMember{off: cr.n}
		if compressed && !e.Dir && e.Link == "" && h.Size <= limits.MaxArchiveMemberBytes && h.Size <= a.budget {
			data, err := io.ReadAll(io.LimitReader(tr, h.Size))
			if err != nil {
				return &formats.Error{Format: kind, Offset: -1, Msg: "member " + h.Name + " cannot be read", Err: err}
			}
			a.budget -= int64(len(data))
			m.data, m.kept = data, true
		}
		a.info.Entries = append(a.info.Entries, e)
		a.tarData = append(a.tarData, m)
	}
}

// ErrNotRead reports a member whose bytes are not served: a directory, a
// link, an encrypted member, or one over the caps.
var ErrNotRead = errors.New("member not read")

// Member returns the bytes of entry i and their size: in place for stored
// zip and plain-tar members, else decompressed within the caps.
func (a *Reader) Member(i int) (io.ReaderAt, int64, error) {
	if i < 0 || i >= len(a.info.Entries) {
		return nil, 0, fmt.Errorf("no entry %d", i)
	}
	e := a.info.Entries[i]
	if e.Dir || e.Link != "" || e.Encrypted {
		return nil, 0, fmt.Errorf("%w: %s is a directory, a link or encrypted", ErrNotRead, e.Name)
	}
	switch a.info.Kind {
	case Zip:
		f := a.zipFiles[i]
		if f.Method == zip.Store {
			off, err := f.DataOffset()
			if err != nil || off < 0 || off > a.size || int64(f.CompressedSize64) > a.size-off {
				return nil, 0, &formats.Error{Format: Zip, Offset: -1, Msg: "member " + e.Name + " lies outside the archive"}
			}
			return io.NewSectionReader(a.r, off, int64(f.CompressedSize64)), int64(f.CompressedSize64), nil
		}
		rc, err := f.Open()
		if err != nil {
			return nil, 0, &formats.Error{Format: Zip, Offset: -1, Msg: "member " + e.Name + " cannot be opened", Err: err}
		}
		defer rc.Close()
		return a.keep(rc, e)
	case Tar:
		m := a.tarData[i]
		if m.off+e.Size > a.size {
			return nil, 0, &formats.Error{Format: Tar, Offset: m.off, Msg: "member " + e.Name + " runs past the end of the archive", Err: formats.ErrTruncated}
		}
		return io.NewSectionReader(a.r, m.off, e.Size), e.Size, nil
	case TarGzip:
		m := a.tarData[i]
		if !m.kept {
			return nil, 0, fmt.Errorf("%w: %s is over the %d-byte limit of a member decompressed", ErrNotRead, e.Name, limits.MaxArchiveMemberBytes)
		}
		return bytes.NewReader(m.data), int64(len(m.data)), nil
	case SevenZip:
		rc, err := a.seven.open(i)
		if err != nil {
			return nil, 0, err
		}
		defer rc.Close()
		return a.keep(rc, e)
	}
	return nil, 0, fmt.Errorf("unknown archive kind %q", a.info.Kind)
}

// keep decompresses a member into memory within the caps.
func (a *Reader) keep(rc io.Reader, e Entry) (io.ReaderAt, int64, error) {
	limit := min(int64(limits.MaxArchiveMemberBytes), a.budget)
	if e.Size > limit {
		return nil, 0, fmt.Errorf("%w: %s declares %d bytes, over the %d bytes left to decompress", ErrNotRead, e.Name, e.Size, limit)
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(rc, limit+1))
	a.budget -= n
	if n > limit {
		return nil, 0, fmt.Errorf("%w: %s decompresses past the %d bytes left to decompress", ErrNotRead, e.Name, limit)
	}
	if err != nil {
		return nil, 0, &formats.Error{Format: a.info.Kind, Offset: -1, Msg: "member " + e.Name + " cannot be decompressed", Err: err}
	}
	return bytes.NewReader(buf.Bytes()), int64(buf.Len()), nil
}

// countingReader counts the bytes read, which locates plain-tar members.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// cappedReader fails once more than left bytes were read.
type cappedReader struct {
	r    io.Reader
	left int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, fmt.Errorf("archive decompresses past %d bytes", limits.MaxArchiveBytes)
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}
