package archive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"unicode/utf16"

	"github.com/bodgit/sevenzip"
	"github.com/klauspost/compress/zstd"
	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
	"github.com/ulikunitz/xz/lzma"
)

// The 7z reader lists an archive with its own parser of the header, which
// checks every count and size against the caps and the bytes present
// before anything is allocated from it; only a header that passes is
// handed to github.com/bodgit/sevenzip to decompress members. The coders
// whose memory the header sets are registered again with checks (LZMA and
// LZMA2 dictionaries, zstd windows) or refused (PPMd).

func init() {
	sevenzip.RegisterDecompressor([]byte{0x03, 0x01, 0x01}, boundedLZMA)
	sevenzip.RegisterDecompressor([]byte{0x21}, boundedLZMA2)
	sevenzip.RegisterDecompressor([]byte{0x04, 0xf7, 0x11, 0x01}, boundedZstd)
	sevenzip.RegisterDecompressor([]byte{0x03, 0x04, 0x01}, refusedCoder("PPMd"))
}

func lzmaDict(props []byte) (uint32, error) {
	if len(props) != 5 {
		return 0, fmt.Errorf("lzma coder properties are %d bytes, not 5", len(props))
	}
	d := binary.LittleEndian.Uint32(props[1:])
	if d > limits.MaxDecompressWindowBytes {
		return 0, fmt.Errorf("lzma dictionary of %d bytes is over the %d-byte limit", d, limits.MaxDecompressWindowBytes)
	}
	return d, nil
}

func lzma2Dict(props []byte) (int, error) {
	if len(props) != 1 || props[0] > 40 {
		return 0, fmt.Errorf("lzma2 coder properties are invalid")
	}
	d := (2 | uint64(props[0])&1) << (props[0]/2 + 11)
	if d > limits.MaxDecompressWindowBytes {
		return 0, fmt.Errorf("lzma2 dictionary of %d bytes is over the %d-byte limit", d, limits.MaxDecompressWindowBytes)
	}
	return int(d), nil
}

func lzmaReader(props []byte, size uint64, src io.Reader) (io.Reader, error) {
	if _, err := lzmaDict(props); err != nil {
		return nil, err
	}
	h := append(append([]byte{}, props...), binary.LittleEndian.AppendUint64(nil, size)...)
	return lzma.ReaderConfig{DictCap: limits.MaxDecompressWindowBytes}.NewReader(io.MultiReader(bytes.NewReader(h), src))
}

func lzma2Reader(props []byte, src io.Reader) (io.Reader, error) {
	d, err := lzma2Dict(props)
	if err != nil {
		return nil, err
	}
	return lzma.Reader2Config{DictCap: max(d, lzma.MinDictCap)}.NewReader2(src)
}

type readCloser struct {
	io.Reader
	io.Closer
}

// decoder makes a coder of the library from a reader of its one input.
func decoder(readers []io.ReadCloser, open func(io.Reader) (io.Reader, error)) (io.ReadCloser, error) {
	if len(readers) != 1 {
		return nil, errors.New("7z coder needs one input")
	}
	r, err := open(readers[0])
	if err != nil {
		return nil, err
	}
	return readCloser{r, readers[0]}, nil
}

func boundedLZMA(props []byte, size uint64, readers []io.ReadCloser) (io.ReadCloser, error) {
	return decoder(readers, func(in io.Reader) (io.Reader, error) { return lzmaReader(props, size, in) })
}

func boundedLZMA2(props []byte, _ uint64, readers []io.ReadCloser) (io.ReadCloser, error) {
	return decoder(readers, func(in io.Reader) (io.Reader, error) { return lzma2Reader(props, in) })
}

func boundedZstd(_ []byte, _ uint64, readers []io.ReadCloser) (io.ReadCloser, error) {
	if len(readers) != 1 {
		return nil, errors.New("7z coder needs one input")
	}
	in := readers[0]
	zr, err := zstd.NewReader(in, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(limits.MaxDecompressWindowBytes), zstd.WithDecoderMaxMemory(limits.MaxArchiveBytes))
	if err != nil {
		return nil, err
	}
	return readCloser{zr, closerFunc(func() error { zr.Close(); return in.Close() })}, nil
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

func refusedCoder(name string) sevenzip.Decompressor {
	return func([]byte, uint64, []io.ReadCloser) (io.ReadCloser, error) {
		return nil, fmt.Errorf("%s-compressed 7z members are not decompressed (the header sets the decoder's memory)", name)
	}
}

// sevenZipReader serves the members of a listed 7z archive.
type sevenZipReader struct {
	z *sevenzip.Reader
}

func (s *sevenZipReader) open(i int) (rc io.ReadCloser, err error) {
	if s == nil || s.z == nil || i >= len(s.z.File) {
		return nil, fmt.Errorf("%w: the 7z members could not be opened", ErrNotRead)
	}
	defer func() {
		if recover() != nil {
			rc, err = nil, &formats.Error{Format: SevenZip, Offset: -1, Msg: "member " + s.z.File[i].Name + " cannot be decoded"}
		}
	}()
	rc, err = s.z.File[i].Open()
	if err != nil {
		return nil, &formats.Error{Format: SevenZip, Offset: -1, Msg: "member " + s.z.File[i].Name + " cannot be opened", Err: err}
	}
	return safeReadCloser{rc}, nil
}

// safeReadCloser turns a panic of the library while decoding into an
// error.
type safeReadCloser struct{ rc io.ReadCloser }

func (s safeReadCloser) Read(p []byte) (n int, err error) {
	defer func() {
		if recover() != nil {
			n, err = 0, errors.New("7z member cannot be decoded")
		}
	}()
	return s.rc.Read(p)
}

func (s safeReadCloser) Close() error { return s.rc.Close() }

func (a *Reader) open7z() error {
	a.info = &Info{Kind: SevenZip, Entries: []Entry{}}
	entries, err := list7z(a.r, a.size)
	if err != nil {
		return err
	}
	a.info.Entries = entries
	if z := newSevenZip(a.r, a.size); z != nil && len(z.File) == len(entries) {
		a.seven = &sevenZipReader{z: z}
	}
	return nil
}

// newSevenZip opens the archive with the library, treating a panic in it
// as an archive whose members cannot be read.
func newSevenZip(r io.ReaderAt, size int64) (z *sevenzip.Reader) {
	defer func() {
		if recover() != nil {
			z = nil
		}
	}()
	z, err := sevenzip.NewReader(r, size)
	if err != nil {
		return nil
	}
	return z
}

// 7z property ids.
const (
	kEnd = iota
	kHeader
	kArchiveProperties
	kAdditionalStreamsInfo
	kMainStreamsInfo
	kFilesInfo
	kPackInfo
	kUnPackInfo
	kSubStreamsInfo
	kSize
	kCRC
	kFolder
	kCodersUnPackSize
	kNumUnPackStream
	kEmptyStream
	kEmptyFile
	kAnti
	kName
	kEncodedHeader = 0x17
)

type szFolder struct {
	coders      []szCoder
	outStreams  int
	unpackSizes []uint64
	crcDefined  bool
	numUnpacked uint64
}

type szCoder struct {
	id    []byte
	props []byte
}

type szStreams struct {
	packPos   uint64
	packSizes []uint64
	folders   []szFolder
	subSizes  []uint64 // one per unpacked stream, in folder order
}

// szParser reads the fields of a 7z header, failing at the offset of the
// fault.
type szParser struct {
	b    []byte
	i    int
	base int64 // file offset of b[0], or -1 inside a decoded header
}

func (p *szParser) fail(msg string, args ...any) error {
	off := int64(-1)
	if p.base >= 0 {
		off = p.base + int64(p.i)
	}
	return &formats.Error{Format: SevenZip, Offset: off, Msg: fmt.Sprintf(msg, args...)}
}

func (p *szParser) byte() (byte, error) {
	if p.i >= len(p.b) {
		return 0, p.fail("header ends early")
	}
	c := p.b[p.i]
	p.i++
	return c, nil
}

// number reads a 7z NUMBER: the leading one bits of the first byte count
// the bytes that follow.
func (p *szParser) number() (uint64, error) {
	first, err := p.byte()
	if err != nil {
		return 0, err
	}
	var v uint64
	mask := byte(0x80)
	for n := 0; n < 8; n++ {
		if first&mask == 0 {
			high := uint64(first) & (uint64(mask) - 1)
			return v | high<<(8*n), nil
		}
		c, err := p.byte()
		if err != nil {
			return 0, err
		}
		v |= uint64(c) << (8 * n)
		mask >>= 1
	}
	return v, nil
}

// count reads a number of items, at most max, and at most what the
// remaining bytes could describe (bits, when items are bits).
func (p *szParser) count(what string, max int, bits bool) (int, error) {
	n, err := p.number()
	if err != nil {
		return 0, err
	}
	room := uint64(len(p.b) - p.i)
	if bits {
		room *= 8
	}
	if n > uint64(max) || n > room+1 {
		return 0, p.fail("%s count %d is over the limit of %d or the header's size", what, n, max)
	}
	return int(n), nil
}

func (p *szParser) bits(n int) ([]bool, error) {
	out := make([]bool, n)
	var cur byte
	for i := range n {
		if i%8 == 0 {
			c, err := p.byte()
			if err != nil {
				return nil, err
			}
			cur = c
		}
		out[i] = cur&(0x80>>(i%8)) != 0
	}
	return out, nil
}

// digests skips a digest list of n items and says which are defined.
func (p *szParser) digests(n int) ([]bool, error) {
	all, err := p.byte()
	if err != nil {
		return nil, err
	}
	defined := make([]bool, n)
	if all != 0 {
		for i := range defined {
			defined[i] = true
		}
	} else if defined, err = p.bits(n); err != nil {
		return nil, err
	}
	for _, d := range defined {
		if d {
			if p.i+4 > len(p.b) {
				return nil, p.fail("digests run past the header")
			}
			p.i += 4
		}
	}
	return defined, nil
}

func (p *szParser) expect(id byte) error {
	c, err := p.byte()
	if err != nil {
		return err
	}
	if c != id {
		return p.fail("expected property %#x, found %#x", id, c)
	}
	return nil
}

func (p *szParser) streams() (*szStreams, error) {
	s := &szStreams{}
	for {
		id, err := p.byte()
		if err != nil {
			return nil, err
		}
		switch id {
		case kEnd:
			return s, nil
		case kPackInfo:
			if s.packPos, err = p.number(); err != nil {
				return nil, err
			}
			n, err := p.count("pack stream", limits.MaxArchiveEntries, false)
			if err != nil {
				return nil, err
			}
			for {
				sub, err := p.byte()
				if err != nil {
					return nil, err
				}
				if sub == kEnd {
					break
				}
				switch sub {
				case kSize:
					s.packSizes = make([]uint64, n)
					for i := range s.packSizes {
						if s.packSizes[i], err = p.number(); err != nil {
							return nil, err
						}
					}
				case kCRC:
					if _, err := p.digests(n); err != nil {
						return nil, err
					}
				default:
					return nil, p.fail("unknown pack info property %#x", sub)
				}
			}
		case kUnPackInfo:
			if err := p.unpackInfo(s); err != nil {
				return nil, err
			}
		case kSubStreamsInfo:
			if err := p.subStreams(s); err != nil {
				return nil, err
			}
		default:
			return nil, p.fail("unknown streams property %#x", id)
		}
	}
}

func (p *szParser) unpackInfo(s *szStreams) error {
	if err := p.expect(kFolder); err != nil {
		return err
	}
	n, err := p.count("folder", limits.MaxArchiveEntries, false)
	if err != nil {
		return err
	}
	if ext, err := p.byte(); err != nil || ext != 0 {
		return p.fail("external folders are not read")
	}
	s.folders = make([]szFolder, n)
	for i := range s.folders {
		f := &s.folders[i]
		nc, err := p.count("coder", 32, false)
		if err != nil {
			return err
		}
		in := 0
		for range nc {
			flags, err := p.byte()
			if err != nil {
				return err
			}
			if flags&0x80 != 0 {
				return p.fail("alternative coder methods are not read")
			}
			idLen := int(flags & 0x0f)
			if p.i+idLen > len(p.b) {
				return p.fail("coder id runs past the header")
			}
			c := szCoder{id: p.b[p.i : p.i+idLen]}
			p.i += idLen
			ni, no := 1, 1
			if flags&0x10 != 0 {
				if ni, err = p.count("coder input", 32, false); err != nil {
					return err
				}
				if no, err = p.count("coder output", 32, false); err != nil {
					return err
				}
			}
			if flags&0x20 != 0 {
				np, err := p.count("coder property byte", 256, false)
				if err != nil {
					return err
				}
				if p.i+np > len(p.b) {
					return p.fail("coder properties run past the header")
				}
				c.props = p.b[p.i : p.i+np]
				p.i += np
			}
			in += ni
			f.outStreams += no
			f.coders = append(f.coders, c)
		}
		if f.outStreams == 0 {
			return p.fail("folder without output streams")
		}
		for range f.outStreams - 1 { // bind pairs
			if _, err := p.number(); err != nil {
				return err
			}
			if _, err := p.number(); err != nil {
				return err
			}
		}
		if packed := in - (f.outStreams - 1); packed > 1 {
			for range packed {
				if _, err := p.number(); err != nil {
					return err
				}
			}
		} else if packed < 1 {
			return p.fail("folder binds more streams than it has")
		}
	}
	if err := p.expect(kCodersUnPackSize); err != nil {
		return err
	}
	for i := range s.folders {
		f := &s.folders[i]
		f.numUnpacked = 1
		f.unpackSizes = make([]uint64, f.outStreams)
		for j := range f.unpackSizes {
			if f.unpackSizes[j], err = p.number(); err != nil {
				return err
			}
		}
	}
	for {
		id, err := p.byte()
		if err != nil {
			return err
		}
		switch id {
		case kEnd:
			return nil
		case kCRC:
			defined, err := p.digests(n)
			if err != nil {
				return err
			}
			for i, d := range defined {
				s.folders[i].crcDefined = d
			}
		default:
			return p.fail("unknown unpack info property %#x", id)
		}
	}
}

// size is a folder's unpacked size: its last output stream's (the
// stream no bind pair consumes, in archives as 7-Zip writes them).
func (f *szFolder) size() uint64 { return f.unpackSizes[len(f.unpackSizes)-1] }

func (p *szParser) subStreams(s *szStreams) error {
	id, err := p.byte()
	if err != nil {
		return err
	}
	total := len(s.folders)
	if id == kNumUnPackStream {
		total = 0
		for i := range s.folders {
			n, err := p.count("unpacked stream", limits.MaxArchiveEntries-total, false)
			if err != nil {
				return err
			}
			s.folders[i].numUnpacked = uint64(n)
			total += n
		}
		if id, err = p.byte(); err != nil {
			return err
		}
	}
	s.subSizes = make([]uint64, 0, total)
	hasSizes := id == kSize
	for i := range s.folders {
		f := &s.folders[i]
		if f.numUnpacked == 0 {
			continue
		}
		var sum uint64
		for range f.numUnpacked - 1 {
			var v uint64
			if hasSizes {
				if v, err = p.number(); err != nil {
					return err
				}
			}
			sum += v
			s.subSizes = append(s.subSizes, v)
		}
		if sum > f.size() {
			return p.fail("folder %d's streams add up to more than its %d bytes", i, f.size())
		}
		s.subSizes = append(s.subSizes, f.size()-sum)
	}
	if hasSizes {
		if id, err = p.byte(); err != nil {
			return err
		}
	}
	for id != kEnd {
		if id != kCRC {
			return p.fail("unknown substreams property %#x", id)
		}
		n := 0
		for _, f := range s.folders {
			if f.numUnpacked != 1 || !f.crcDefined {
				n += int(f.numUnpacked)
			}
		}
		if _, err := p.digests(n); err != nil {
			return err
		}
		if id, err = p.byte(); err != nil {
			return err
		}
	}
	return nil
}

// list7z lists a 7z archive from its header.
func list7z(r io.ReaderAt, size int64) ([]Entry, error) {
	sig, err := safeio.ReadAt(r, 0, min(size, 32))
	if err != nil || len(sig) < 32 {
		return nil, &formats.Error{Format: SevenZip, Offset: 0, Msg: "file is too short for a 7z signature header", Err: formats.ErrTruncated}
	}
	if crc32.ChecksumIEEE(sig[12:32]) != binary.LittleEndian.Uint32(sig[8:12]) {
		return nil, &formats.Error{Format: SevenZip, Offset: 8, Msg: "start header checksum does not match"}
	}
	off, n := binary.LittleEndian.Uint64(sig[12:20]), binary.LittleEndian.Uint64(sig[20:28])
	if n > limits.MaxSevenZipHeaderBytes {
		return nil, &formats.Error{Format: SevenZip, Offset: 20, Msg: fmt.Sprintf("header of %d bytes is over the %d-byte limit", n, limits.MaxSevenZipHeaderBytes)}
	}
	if off > uint64(size) || n > uint64(size)-32-min(off, uint64(size)-32) {
		return nil, &formats.Error{Format: SevenZip, Offset: 12, Msg: fmt.Sprintf("header at offset %d of %d bytes lies past the end of the %d-byte file", 32+off, n, size), Err: formats.ErrTruncated}
	}
	hdr, err := safeio.ReadAt(r, 32+int64(off), int64(n))
	if err != nil {
		return nil, &formats.Error{Format: SevenZip, Offset: 32 + int64(off), Msg: "cannot read the header", Err: err}
	}
	if crc32.ChecksumIEEE(hdr) != binary.LittleEndian.Uint32(sig[28:32]) {
		return nil, &formats.Error{Format: SevenZip, Offset: 28, Msg: "header checksum does not match"}
	}
	p := &szParser{b: hdr, base: 32 + int64(off)}
	for range 4 {
		id, err := p.byte()
		if err != nil {
			return nil, err
		}
		switch id {
		case kHeader:
			return p.header()
		case kEncodedHeader:
			s, err := p.streams()
			if err != nil {
				return nil, err
			}
			dec, err := decodeHeader(r, size, s)
			if err != nil {
				return nil, err
			}
			p = &szParser{b: dec, base: -1}
		default:
			return nil, p.fail("header starts with property %#x", id)
		}
	}
	return nil, p.fail("headers encoded more than 4 times")
}

// decodeHeader decompresses an encoded header: one folder of one LZMA,
// LZMA2 or copy coder.
func decodeHeader(r io.ReaderAt, size int64, s *szStreams) ([]byte, error) {
	if len(s.folders) != 1 || len(s.folders[0].coders) != 1 || len(s.packSizes) < 1 {
		return nil, &formats.Error{Format: SevenZip, Offset: -1, Msg: "encoded header is not one folder of one coder"}
	}
	f := s.folders[0]
	want := f.size()
	if want > limits.MaxSevenZipHeaderBytes {
		return nil, &formats.Error{Format: SevenZip, Offset: -1, Msg: fmt.Sprintf("encoded header unpacks to %d bytes, over the %d-byte limit", want, limits.MaxSevenZipHeaderBytes)}
	}
	start := 32 + s.packPos
	if s.packPos > uint64(size) || s.packSizes[0] > uint64(size)-min(start, uint64(size)) {
		return nil, &formats.Error{Format: SevenZip, Offset: -1, Msg: "encoded header lies past the end of the file", Err: formats.ErrTruncated}
	}
	src := io.NewSectionReader(r, int64(start), int64(s.packSizes[0]))
	c := f.coders[0]
	var dec io.Reader
	var err error
	switch string(c.id) {
	case "\x03\x01\x01":
		dec, err = lzmaReader(c.props, want, src)
	case "\x21":
		dec, err = lzma2Reader(c.props, src)
	case "\x00":
		dec = src
	default:
		return nil, &formats.Error{Format: SevenZip, Offset: -1, Msg: fmt.Sprintf("encoded header uses coder %x, which is not read", c.id)}
	}
	if err != nil {
		return nil, &formats.Error{Format: SevenZip, Offset: -1, Msg: "encoded header cannot be decoded", Err: err}
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(dec, int64(want))); err != nil || uint64(buf.Len()) != want {
		return nil, &formats.Error{Format: SevenZip, Offset: -1, Msg: "encoded header cannot be decoded", Err: err}
	}
	return buf.Bytes(), nil
}

// header reads a plain header: the main streams and the files.
func (p *szParser) header() ([]Entry, error) {
	var main *szStreams
	for {
		id, err := p.byte()
		if err != nil {
			return nil, err
		}
		switch id {
		case kEnd:
			return nil, nil // an empty archive
		case kArchiveProperties, kAdditionalStreamsInfo:
			return nil, p.fail("archive properties and additional streams are not read")
		case kMainStreamsInfo:
			if main, err = p.streams(); err != nil {
				return nil, err
			}
		case kFilesInfo:
			return p.files(main)
		default:
			return nil, p.fail("unknown header property %#x", id)
		}
	}
}

func (p *szParser) files(s *szStreams) ([]Entry, error) {
	n, err := p.count("file", limits.MaxArchiveEntries, false)
	if err != nil {
		return nil, err
	}
	entries := make([]Entry, n)
	empty := make([]bool, n)
	var emptyFile []bool
	for {
		id, err := p.number()
		if err != nil {
			return nil, err
		}
		if id == kEnd {
			break
		}
		size, err := p.number()
		if err != nil {
			return nil, err
		}
		if size > uint64(len(p.b)-p.i) {
			return nil, p.fail("file property %#x of %d bytes runs past the header", id, size)
		}
		end := p.i + int(size)
		sub := &szParser{b: p.b[:end], i: p.i, base: p.base}
		switch id {
		case kEmptyStream:
			if empty, err = sub.bits(n); err != nil {
				return nil, err
			}
		case kEmptyFile:
			k := 0
			for _, e := range empty {
				if e {
					k++
				}
			}
			if emptyFile, err = sub.bits(k); err != nil {
				return nil, err
			}
		case kName:
			if ext, err := sub.byte(); err != nil || ext != 0 {
				return nil, p.fail("external file names are not read")
			}
			for i := range entries {
				name, err := sub.utf16z()
				if err != nil {
					return nil, err
				}
				entries[i].Name = name
			}
		}
		p.i = end
	}
	var sizes []uint64
	var method func(int) string
	if s != nil {
		sizes = s.subSizes
		if sizes == nil { // no substreams info: one stream per folder
			for _, f := range s.folders {
				sizes = append(sizes, f.size())
			}
		}
		method = s.methodOf
	}
	stream, k := 0, 0
	for i := range entries {
		e := &entries[i]
		e.Unsafe = UnsafeName(e.Name)
		if empty[i] {
			isFile := k < len(emptyFile) && emptyFile[k]
			k++
			e.Dir = !isFile
			continue
		}
		if stream >= len(sizes) {
			return nil, p.fail("more files with data than streams")
		}
		e.Size = int64(min(sizes[stream], 1<<62))
		e.Method = method(stream)
		e.Encrypted = e.Method == "aes"
		stream++
	}
	return entries, nil
}

// methodOf names the first coder of the folder holding stream i.
func (s *szStreams) methodOf(i int) string {
	for _, f := range s.folders {
		if uint64(i) < f.numUnpacked {
			return coderName(f.coders[0].id)
		}
		i -= int(f.numUnpacked)
	}
	return ""
}

func coderName(id []byte) string {
	switch string(id) {
	case "\x00":
		return "store"
	case "\x03\x01\x01":
		return "lzma"
	case "\x21":
		return "lzma2"
	case "\x04\x01\x08":
		return "deflate"
	case "\x04\x02\x02":
		return "bzip2"
	case "\x03\x04\x01":
		return "ppmd"
	case "\x06\xf1\x07\x01":
		return "aes"
	}
	return fmt.Sprintf("coder %x", id)
}

// utf16z reads a zero-terminated UTF-16LE name.
func (p *szParser) utf16z() (string, error) {
	var u []uint16
	for {
		if p.i+2 > len(p.b) {
			return "", p.fail("file name runs past the header")
		}
		c := binary.LittleEndian.Uint16(p.b[p.i:])
		p.i += 2
		if c == 0 {
			return string(utf16.Decode(u)), nil
		}
		if len(u) >= 4096 {
			return "", p.fail("file name longer than 4096 characters")
		}
		u = append(u, c)
	}
}
