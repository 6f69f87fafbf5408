package manifest

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/modelvet/modelvet/internal/limits"
)

// skipDirs are never part of a release's content.
var skipDirs = map[string]bool{".git": true, ".cache": true, "__pycache__": true}

// walkRelease lists the files under dir into rel.Files, with paths relative
// to dir. Symbolic links are recorded but followed only to regular files
// inside allowed (the release root, or the repository folder of a cache);
// a link leaving it, a loop, or a special file is a problem, never read.
func walkRelease(ctx context.Context, rel *Release, dir, allowed string) error {
	allowedReal, err := filepath.EvalSymlinks(allowed)
	if err != nil {
		return err
	}
	count := 0
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		relPath, rerr := filepath.Rel(dir, p)
		if rerr != nil {
			return rerr
		}
		relPath = filepath.ToSlash(relPath)
		if err != nil {
			if p == dir {
				return err
			}
			rel.addProblem(&Problem{Path: relPath, Message: "cannot be read: " + err.Error(), Err: err})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if p == dir {
			return nil
		}
		if d.IsDir() {
			if skipDirs[d.Name()] || strings.Count(relPath, "/") >= limits.MaxWalkDepth {
				return fs.SkipDir
			}
			return nil
		}
		if count++; count > limits.MaxFilesPerRelease {
			rel.addProblem(&Problem{Path: relPath, Message: fmt.Sprintf("release has more than %d files; the rest were not listed", limits.MaxFilesPerRelease)})
			return fs.SkipAll
		}
		f := &File{Path: relPath, LocalPath: p}
		mode := d.Type()
		if mode&fs.ModeSymlink != 0 {
			f.Symlink = true
			target, err := resolveInside(p, allowedReal)
			if err != nil {
				rel.addProblem(&Problem{Path: relPath, Message: err.Error(), Err: err})
				f.LocalPath, f.Format, f.unreadable = "", FormatOther, true
				rel.Files = append(rel.Files, f)
				return nil
			}
			f.LocalPath = target
			mode = 0
		}
		if mode&(fs.ModeNamedPipe|fs.ModeDevice|fs.ModeCharDevice|fs.ModeSocket|fs.ModeIrregular) != 0 {
			rel.addProblem(&Problem{Path: relPath, Message: fmt.Sprintf("is not a regular file (%s); not read", modeName(mode))})
			f.LocalPath, f.Format, f.unreadable = "", FormatOther, true
			rel.Files = append(rel.Files, f)
			return nil
		}
		rel.Files = append(rel.Files, f)
		return nil
	})
}

// resolveInside follows the symlink at p and returns its target if that is
// a regular file or directory inside root (a real path).
func resolveInside(p, root string) (string, error) {
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", fmt.Errorf("symlink cannot be resolved (%v)", unwrapPathError(err))
	}
	if !within(target, root) {
		return "", fmt.Errorf("symlink points outside the release, to %s; not followed", target)
	}
	fi, err := os.Stat(target)
	if err != nil {
		return "", fmt.Errorf("symlink target cannot be read (%v)", unwrapPathError(err))
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("symlink target is not a regular file (%s); not read", modeName(fi.Mode()))
	}
	return target, nil
}

// within reports whether p is root or below it (both cleaned, absolute).
func within(p, root string) bool {
	r, err := filepath.Rel(root, p)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) && !filepath.IsAbs(r)
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

func modeName(m fs.FileMode) string {
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
