package testmodel

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"hash/crc32"
	"time"
	"unicode/utf16"

	"github.com/ulikunitz/xz/lzma"
)

// Member is a file of a fixture archive, in order.
type Member struct {
	Name string
	Data []byte
}

// ZipArchive returns a zip of the members, stored or deflated.
func ZipArchive(deflate bool, members ...Member) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	method := zip.Store
	if deflate {
		method = zip.Deflate
	}
	for _, m := range members {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: m.Name, Method: method})
		if err != nil {
			panic(err)
		}
		w.Write(m.Data)
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// TarArchive returns a POSIX tar of the members, gzip-compressed when
// gz is set. A member whose name ends in "/" is a directory.
func TarArchive(gz bool, members ...Member) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range members {
		h := &tar.Header{Name: m.Name, Mode: 0o644, Size: int64(len(m.Data)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
		if len(m.Name) > 0 && m.Name[len(m.Name)-1] == '/' {
			h.Typeflag, h.Size, h.Mode = tar.TypeDir, 0, 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			panic(err)
		}
		tw.Write(m.Data)
	}
	if err := tw.Close(); err != nil {
		panic(err)
	}
	if !gz {
		return buf.Bytes()
	}
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(buf.Bytes())
	zw.Close()
	return out.Bytes()
}

// SevenZip returns a 7z archive of the members in one folder, stored
// ("copy") or LZMA2-compressed, with a plain header, or with the header
// itself LZMA2-compressed (an encoded header, as 7-Zip writes by default)
// when encodeHeader is set.
func SevenZip(compress, encodeHeader bool, members ...Member) []byte {
	var data []byte
	for _, m := range members {
		data = append(data, m.Data...)
	}
	packed, coder := data, []byte{0x01, 0x00} // copy
	if compress {
		packed, coder = lzma2Bytes(data), []byte{0x21, 0x21, 0x01, lzma2DictProp}
	}
	var h bytes.Buffer
	h.WriteByte(0x01) // kHeader
	h.WriteByte(0x04) // kMainStreamsInfo
	writeStreams(&h, 0, uint64(len(packed)), coder, uint64(len(data)))
	h.WriteByte(0x08) // kSubStreamsInfo
	h.WriteByte(0x0d)
	sevenNumber(&h, uint64(len(members)))
	if len(members) > 1 {
		h.WriteByte(0x09)
		for _, m := range members[:len(members)-1] {
			sevenNumber(&h, uint64(len(m.Data)))
		}
	}
	h.WriteByte(0x00)
	h.WriteByte(0x00) // end of streams info
	h.WriteByte(0x05) // kFilesInfo
	sevenNumber(&h, uint64(len(members)))
	var names bytes.Buffer
	names.WriteByte(0)
	for _, m := range members {
		for _, u := range utf16.Encode([]rune(m.Name)) {
			binary.Write(&names, binary.LittleEndian, u)
		}
		names.Write([]byte{0, 0})
	}
	h.WriteByte(0x11)
	sevenNumber(&h, uint64(names.Len()))
	h.Write(names.Bytes())
	h.WriteByte(0x00)
	h.WriteByte(0x00) // end of header
	header := h.Bytes()
	body := packed
	if encodeHeader {
		ph := lzma2Bytes(header)
		var e bytes.Buffer
		e.WriteByte(0x17) // kEncodedHeader
		writeStreams(&e, uint64(len(packed)), uint64(len(ph)), []byte{0x21, 0x21, 0x01, lzma2DictProp}, uint64(len(header)))
		e.WriteByte(0x00) // end of streams info
		body = append(append([]byte{}, packed...), ph...)
		header = e.Bytes()
	}
	var out bytes.Buffer
	out.WriteString("7z\xbc\xaf\x27\x1c\x00\x04")
	start := make([]byte, 20)
	binary.LittleEndian.PutUint64(start[0:], uint64(len(body)))
	binary.LittleEndian.PutUint64(start[8:], uint64(len(header)))
	binary.LittleEndian.PutUint32(start[16:], crc32.ChecksumIEEE(header))
	binary.Write(&out, binary.LittleEndian, crc32.ChecksumIEEE(start))
	out.Write(start)
	out.Write(body)
	out.Write(header)
	return out.Bytes()
}

// lzma2DictProp encodes a 1 MiB LZMA2 dictionary.
const lzma2DictProp = 16

func lzma2Bytes(data []byte) []byte {
	var b bytes.Buffer
	w, err := lzma.Writer2Config{DictCap: 1 << 20}.NewWriter2(&b)
	if err != nil {
		panic(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// writeStreams writes pack info and one folder of one coder.
func writeStreams(h *bytes.Buffer, packPos, packSize uint64, coder []byte, unpacked uint64) {
	h.WriteByte(0x06)
	sevenNumber(h, packPos)
	sevenNumber(h, 1)
	h.WriteByte(0x09)
	sevenNumber(h, packSize)
	h.WriteByte(0x00)
	h.WriteByte(0x07)
	h.WriteByte(0x0b)
	sevenNumber(h, 1)
	h.WriteByte(0x00)
	sevenNumber(h, 1) // one coder
	h.Write(coder)
	h.WriteByte(0x0c)
	sevenNumber(h, unpacked)
	h.WriteByte(0x00)
}

// sevenNumber writes a 7z NUMBER: one byte below 0x80, else 0xff and
// eight little-endian bytes.
func sevenNumber(b *bytes.Buffer, v uint64) {
	if v < 0x80 {
		b.WriteByte(byte(v))
		return
	}
	b.WriteByte(0xff)
	binary.Write(b, binary.LittleEndian, v)
}
