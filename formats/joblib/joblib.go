package joblib

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/formats/pickle"
	"github.com/modelvet/modelvet/internal/decompress"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
)

const format = "joblib"

// Info is what a joblib file holds.
type Info struct {
	// Compression is "" for an uncompressed file, else the framing:
	// "zlib", "gzip", "bz2", "lzma", "xz", "lz4", or "zlib (joblib < 0.10)".
	Compression string       `json:"compression,omitempty"`
	Pickle      *pickle.Info `json:"pickle"`
}

// legacyZlibPrefix starts the zlib files of joblib before 0.10, followed
// by the decompressed length in hex, padded with spaces to 19 bytes.
const legacyZlibPrefix = "ZF"

const legacyHeaderLen = 2 + 19

// Sniff reports how a file's first bytes say joblib framed it: its
// compression, "" for none, and whether the bytes can be a joblib file at
// all (a pickle, or a framing joblib writes).
func Sniff(head []byte) (compression string, ok bool) {
	if isLegacyZlib(head) {
		return "zlib (joblib < 0.10)", true
	}
	if m := decompress.Sniff(head); m != "" && m != decompress.Zstd {
		return string(m), true
	}
	// joblib pickles with protocol 2 or later, which starts with PROTO.
	return "", len(head) > 1 && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5
}

func isLegacyZlib(head []byte) bool {
	if len(head) < legacyHeaderLen+2 || string(head[:2]) != legacyZlibPrefix {
		return false
	}
	n := strings.TrimSpace(string(head[2:legacyHeaderLen]))
	return strings.HasPrefix(n, "0x") && decompress.Sniff(head[legacyHeaderLen:]) == decompress.Zlib
}

// DecompressedPickle reports whether a compressed stream holds a pickle:
// its first decompressed bytes are a PROTO opcode. It tells a compressed
// joblib file from other compressed data.
func DecompressedPickle(r io.ReaderAt, size int64) bool {
	head, err := safeio.ReadAt(r, 0, min(size, 64))
	if err != nil {
		return false
	}
	comp, _ := Sniff(head)
	if comp == "" {
		return false
	}
	rc, err := open(comp, r, size)
	if err != nil {
		return false
	}
	defer rc.Close()
	var b [2]byte
	if _, err := io.ReadFull(rc, b[:]); err != nil {
		return false
	}
	return b[0] == 0x80 && b[1] >= 2 && b[1] <= 5
}

// budget is what a compressed file of the given size may decompress to.
func budget(size int64) int64 {
	return min(limits.MaxJoblibDecompressedBytes, max(limits.MinDecompressBytes, size*limits.MaxDecompressRatio))
}

func open(comp string, r io.ReaderAt, size int64) (io.ReadCloser, error) {
	if strings.HasPrefix(comp, "zlib (") {
		if size < legacyHeaderLen {
			return nil, fmt.Errorf("file is truncated")
		}
		return decompress.Open(decompress.Zlib, io.NewSectionReader(r, legacyHeaderLen, size-legacyHeaderLen), size-legacyHeaderLen, budget(size))
	}
	return decompress.Open(decompress.Method(comp), r, size, budget(size))
}

// Read walks a joblib file's pickle.
func Read(r io.ReaderAt, size int64) (*Info, error) {
	head, err := safeio.ReadAt(r, 0, min(size, 64))
	if err != nil {
		return nil, &formats.Error{Format: format, Offset: 0, Msg: "cannot read the start of the file", Err: err}
	}
	comp, ok := Sniff(head)
	if !ok {
		return nil, &formats.Error{Format: format, Offset: 0, Msg: "neither a pickle nor a compressed stream joblib writes"}
	}
	info := &Info{Compression: comp}
	if comp == "" {
		p, err := pickle.Read(r, size)
		info.Pickle = p
		return info, partial(err)
	}
	rc, err := open(comp, r, size)
	if err != nil {
		return nil, &formats.Error{Format: format, Offset: 0, Msg: comp + " stream cannot be opened", Err: err}
	}
	defer rc.Close()
	p, err := pickle.ReadStream(rc)
	info.Pickle = p
	if err != nil {
		err = &formats.Error{Format: format, Offset: -1, Msg: "in the " + comp + "-decompressed stream: " + err.Error(), Err: formats.ErrPartial}
	}
	return info, err
}

// partial marks a walk's error as coming with the facts read before it.
func partial(err error) error {
	if err == nil || errors.Is(err, formats.ErrTruncated) || errors.Is(err, formats.ErrPartial) {
		return err
	}
	var fe *formats.Error
	if errors.As(err, &fe) && fe.Err == nil {
		fe.Err = formats.ErrPartial
		return err
	}
	return &formats.Error{Format: format, Offset: -1, Msg: err.Error(), Err: formats.ErrPartial}
}
