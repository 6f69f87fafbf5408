package manifest

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/modelvet/modelvet/internal/limits"
)

// FormatLFSPointer is a Git LFS pointer file standing in for a file that
// was never downloaded: what a repository cloned without Git LFS holds in
// place of its weights.
const FormatLFSPointer Format = "lfs-pointer"

// LFSPointer is what a Git LFS pointer file declares about the file it
// stands for.
type LFSPointer struct {
	// OID is the SHA-256 of the real file, lower-case hex.
	OID string `json:"oid"`
	// Size is the real file's size in bytes.
	Size int64 `json:"size"`
}

// lfsVersions are the version URLs of the Git LFS pointer format: the
// current one and the pre-release alias Git LFS still accepts.
var lfsVersions = []string{"https://git-lfs.github.com/spec/v1", "https://hawser.github.com/spec/v1"}

// maybeLFSPointer reports whether a file of this size and first bytes can
// be a Git LFS pointer, which always starts with its version line.
func maybeLFSPointer(size int64, head []byte) bool {
	return size > 0 && size <= limits.MaxLFSPointerBytes && bytes.HasPrefix(head, []byte("version "))
}

// ParseLFSPointer reads a Git LFS pointer file (git-lfs docs/spec.md): at
// most limits.MaxLFSPointerBytes of "key value" lines, the first
// "version <url>", then in key order "oid sha256:<64 hex>" and
// "size <bytes>" among any extension lines. It reports false for anything
// else, so it can be tried on any small file.
func ParseLFSPointer(data []byte) (*LFSPointer, bool) {
	if len(data) == 0 || len(data) > limits.MaxLFSPointerBytes {
		return nil, false
	}
	var p LFSPointer
	haveSize := false
	for i, line := range strings.Split(strings.TrimRight(string(data), "\r\n"), "\n") {
		key, val, ok := strings.Cut(strings.TrimSuffix(line, "\r"), " ")
		if !ok || key == "" || val == "" {
			return nil, false
		}
		switch {
		case i == 0:
			if key != "version" || !isLFSVersion(val) {
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

func isLFSVersion(v string) bool {
	for _, s := range lfsVersions {
		if v == s {
			return true
		}
	}
	return false
}

// lfsProblem explains a pointer found where a file should be.
func lfsProblem(f *File) *Problem {
	p := f.LFSPointer
	return &Problem{
		Path: f.Path,
		Message: fmt.Sprintf("%s is a Git LFS pointer of %d bytes, not the file it stands for (%s, sha256 %s): "+
			"the repository was cloned or copied without Git LFS, so the file was never downloaded. "+
			"Fetch it (git lfs pull, or download the repository with the Hugging Face CLI) and audit again",
			f.Path, f.Size, byteCount(p.Size), p.OID),
	}
}

// byteCount writes a size for people: "4,976,698,672 bytes (5.0 GB)".
func byteCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String() + " bytes"
	if n >= 1_000_000 {
		units := []string{"MB", "GB", "TB", "PB", "EB"}
		v, u := float64(n)/1e6, 0
		for v >= 1000 && u < len(units)-1 {
			v /= 1000
			u++
		}
		out += fmt.Sprintf(" (%.1f %s)", v, units[u])
	}
	return out
}
