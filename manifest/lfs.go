package manifest

import (
	"fmt"
	"strconv"
	"strings"
)

// FormatLFSPointer is a Git LFS pointer file standing in for a file that
// was never downloaded: what a repository cloned without Git LFS holds in
// place of its weights.
const FormatLFSPointer Format = "lfs-pointer"

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
