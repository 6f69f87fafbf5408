package manifest

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
)

// skipDirs are never part of a release's content.
var skipDirs = map[string]bool{".git": true, ".cache": true, "__pycache__": true}

// walkRelease lists the files under dir into rel.Files, with paths relative
// to dir. Symbolic links are recorded but followed only to regular files
// inside allowed (the release root, or the repository folder of a cache);
// a link leaving it, a loop, or a special file is a problem, never read. A
// link to a directory inside dir is skipped (its files are listed where
// they are). Directories deeper than limits.MaxWalkDepth and unreadable
// directories are problems too; only an unreadable dir itself is an error.
func walkRelease(ctx context.Context, rel *Release, dir, allowed string) error {
	allowedReal, err := filepath.EvalSymlinks(allowed)
	if err != nil {
		return err
	}
	// Walk the real directory: a release reached through a link (a
	// snapshot folder, a models folder on another disk) is still listed.
	dirReal, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	fi, err := os.Stat(dirReal)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: not a directory", dir)
	}
	count, problems, dropped := 0, 0, 0
	problem := func(p *Problem) {
		if problems++; problems > limits.MaxWalkProblems {
			dropped++
			return
		}
		rel.addProblem(p)
	}
	err = filepath.WalkDir(dirReal, func(p string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		relPath, rerr := filepath.Rel(dirReal, p)
		if rerr != nil {
			return rerr
		}
		relPath = filepath.ToSlash(relPath)
		if err != nil {
			if p == dirReal {
				return err
			}
			problem(&Problem{Path: relPath, Message: "cannot be read: " + safeio.PathErrorCause(err).Error(), Err: err})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if p == dirReal {
			return nil
		}
		if d.IsDir() {
			if skipDirs[d.Name()] {
				return fs.SkipDir
			}
			if strings.Count(relPath, "/") >= limits.MaxWalkDepth {
				problem(&Problem{Path: relPath, Message: fmt.Sprintf("directory is nested deeper than %d levels; its contents were not listed", limits.MaxWalkDepth)})
				return fs.SkipDir
			}
			return nil
		}
		if count++; count > limits.MaxFilesPerRelease {
			problem(&Problem{Path: relPath, Message: fmt.Sprintf("release has more than %d files; the rest were not listed", limits.MaxFilesPerRelease)})
			return fs.SkipAll
		}
		f := &File{Path: relPath, LocalPath: p}
		mode := d.Type()
		if mode&fs.ModeSymlink != 0 {
			f.Symlink = true
			target, tmode, err := safeio.ResolveInside(p, allowedReal)
			if err != nil {
				if tmode.IsDir() && safeio.Within(target, dirReal) {
					count--
					return nil // listed where it really is
				}
				problem(&Problem{Path: relPath, Message: err.Error(), Err: err})
				f.LocalPath, f.Format, f.unreadable = "", FormatOther, true
				rel.Files = append(rel.Files, f)
				return nil
			}
			f.LocalPath = target
			mode = 0
		}
		if mode&(fs.ModeNamedPipe|fs.ModeDevice|fs.ModeCharDevice|fs.ModeSocket|fs.ModeIrregular) != 0 {
			problem(&Problem{Path: relPath, Message: fmt.Sprintf("is not a regular file (%s); not read", safeio.ModeName(mode))})
			f.LocalPath, f.Format, f.unreadable = "", FormatOther, true
			rel.Files = append(rel.Files, f)
			return nil
		}
		rel.Files = append(rel.Files, f)
		return nil
	})
	if dropped > 0 {
		rel.addProblem(&Problem{Path: ".", Message: fmt.Sprintf("%d more problems while listing files were not recorded", dropped)})
	}
	return err
}
