package safeio

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ResolveInside follows the symlink at p and returns its target if that is
// a regular file inside root (a real path). On failure it still returns
// what it learnt of the target, so a caller can tell a directory link.
func ResolveInside(p, root string) (string, fs.FileMode, error) {
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", 0, fmt.Errorf("symlink cannot be resolved (%v)", PathErrorCause(err))
	}
	if !Within(target, root) {
		return target, 0, fmt.Errorf("symlink points outside the release, to %s; not followed", target)
	}
	fi, err := os.Stat(target)
	if err != nil {
		return target, 0, fmt.Errorf("symlink target cannot be read (%v)", PathErrorCause(err))
	}
	if !fi.Mode().IsRegular() {
		return target, fi.Mode(), fmt.Errorf("symlink target is not a regular file (%s); not read", ModeName(fi.Mode()))
	}
	return target, fi.Mode(), nil
}

// Within reports whether p is root or below it (both cleaned, absolute).
func Within(p, root string) bool {
	r, err := filepath.Rel(root, p)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) && !filepath.IsAbs(r)
}

// PathErrorCause returns the cause of a *fs.PathError, whose message
// would repeat a path the caller already names, or err itself.
func PathErrorCause(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// ModeName names the kind of a file that is not a regular one, for
// messages ("a named pipe", "a directory").
func ModeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return "a device"
	case m.IsDir():
		return "a directory"
	}
	return "a special file"
}

// IsDir reports whether p is a directory (after following symlinks).
func IsDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// FileInside returns p if it is a regular file, or the target of the
// symlink at p if that is a regular file inside root (ResolveInside).
// what names the file in the error for anything else ("blob is a
// directory, not a regular file").
func FileInside(p, root, what string) (string, error) {
	fi, err := os.Lstat(p)
	if err != nil {
		return "", err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, _, err := ResolveInside(p, root)
		return target, err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is %s, not a regular file", what, ModeName(fi.Mode()))
	}
	return p, nil
}
