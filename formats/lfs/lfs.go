package lfs

import (
	"bytes"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"

	"github.com/modelvet/modelvet/internal/limits"
)

// Pointer is what a Git LFS pointer file declares about the file it
// stands for.
type Pointer struct {
	// OID is the SHA-256 of the real file, lower-case hex.
	OID string `json:"oid"`
	// Size is the real file's size in bytes.
	Size int64 `json:"size"`
}

// versions are the version URLs of the Git LFS pointer format: the
// current one and the pre-release alias Git LFS still accepts.
var versions = []string{"https://git-lfs.github.com/spec/v1", "https://hawser.github.com/spec/v1"}

// Maybe reports whether a file of this size and first bytes can be a Git
// LFS pointer, which always starts with its version line.
func Maybe(size int64, head []byte) bool {
	return size > 0 && size <= limits.MaxLFSPointerBytes && bytes.HasPrefix(head, []byte("version "))
}

// Parse reads a Git LFS pointer file (git-lfs docs/spec.md): at
// most limits.MaxLFSPointerBytes of "key value" lines, the first
// "version <url>", then in key order "oid sha256:<64 hex>" and
// "size <bytes>" among any extension lines. It reports false for anything
// else, so it can be tried on any small file.
func Parse(data []byte) (*Pointer, bool) {
	if len(data) == 0 || len(data) > limits.MaxLFSPointerBytes {
		return nil, false
	}
	var p Pointer
	haveSize := false
	for i, line := range strings.Split(strings.TrimRight(string(data), "\r\n"), "\n") {
		key, val, ok := strings.Cut(strings.TrimSuffix(line, "\r"), " ")
		if !ok || key == "" || val == "" {
			return nil, false
		}
		switch {
		case i == 0:
			if key != "version" || !slices.Contains(versions, val) {
				return nil, false
			}
		case key == "oid":
			hexd, ok := strings.CutPrefix(val, "sha256:")
			if !ok || len(hexd) != 64 || p.OID != "" {
				return nil, false
			}
			if _, err := hex.DecodeString(hexd); err != nil {
				return nil, false
			}
			p.OID = strings.ToLower(hexd)
		case key == "size":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n < 0 || haveSize {
				return nil, false
			}
			p.Size, haveSize = n, true
		}
	}
	if p.OID == "" || !haveSize {
		return nil, false
	}
	return &p, true
}
