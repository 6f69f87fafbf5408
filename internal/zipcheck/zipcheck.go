// Package zipcheck looks at a zip archive before archive/zip reads it:
// whether a file starts like one, and how many entries its end record
// claims, so that a hostile count is refused before the central directory
// is read. PyTorch checkpoints and Keras v3 models are zip archives.
package zipcheck

import (
	"bytes"
	"encoding/binary"
	"io"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/safeio"
)

// IsArchive reports whether head, a file's first bytes, starts a zip
// archive.
func IsArchive(head []byte) bool { return bytes.HasPrefix(head, []byte("PK\x03\x04")) }

// EntryCount reads the entry count from the end-of-central-directory
// record (or its zip64 form) of the archive of the given size. Faults are
// *formats.Error values of the given format.
func EntryCount(r io.ReaderAt, size int64, format string) (uint64, error) {
	const eocdLen = 22
	fail := func(off int64, msg string, err error) (uint64, error) {
		return 0, &formats.Error{Format: format, Offset: off, Msg: msg, Err: err}
	}
	if size < eocdLen {
		return fail(0, "too short to be a zip archive", nil)
	}
	tailLen := min(size, eocdLen+65535+20)
	tail, err := safeio.ReadAt(r, size-tailLen, tailLen)
	if err != nil {
		return fail(size-tailLen, "cannot read the end of the zip archive", err)
	}
	i := bytes.LastIndex(tail, []byte("PK\x05\x06"))
	if i < 0 || len(tail)-i < eocdLen {
		return fail(-1, "zip end-of-central-directory record not found", nil)
	}
	count := uint64(binary.LittleEndian.Uint16(tail[i+10:]))
	if count != 0xffff {
		return count, nil
	}
	// zip64: the locator sits just before the record and points at the
	// zip64 end-of-central-directory record.
	if i < 20 || string(tail[i-20:i-16]) != "PK\x06\x07" {
		return fail(-1, "zip64 locator not found", nil)
	}
	off := binary.LittleEndian.Uint64(tail[i-20+8:])
	if off > uint64(size) || uint64(size)-off < 56 {
		return fail(-1, "zip64 record offset out of range", nil)
	}
	rec, err := safeio.ReadAt(r, int64(off), 56)
	if err != nil || string(rec[:4]) != "PK\x06\x06" {
		return fail(int64(off), "zip64 end-of-central-directory record not found", nil)
	}
	return binary.LittleEndian.Uint64(rec[32:]), nil
}
