package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/manifest"
)

// found is one release a sweep found.
type found struct {
	// Name is what the release is called in the table: its name in its
	// store ("deepseek-r1:7b", "org/name@1a2b3c4"), a file's or folder's
	// name, made longer where two releases would share it.
	Name string
	// Target audits the release on its own (examples/audit TARGET).
	Target string
	Kind   string // the store it was found in
	Path   string // where it was found
	Source manifest.Source
}

// revisionChars is how much of a commit names a cache snapshot, as git
// abbreviates.
const revisionChars = 7

// displayName is how a release is named in the table before names are
// made unique.
func displayName(f manifest.Found) string {
	switch f.Kind {
	case manifest.KindHFCache:
		if f.Revision != "" {
			return f.Name + "@" + f.Revision[:min(len(f.Revision), revisionChars)]
		}
	case manifest.KindFile:
		return filepath.Base(f.Path)
	}
	if f.Name != "" {
		return f.Name
	}
	return f.Path
}

// uniqueNames lengthens the names that several releases share: files and
// folders to the shortest trailing part of their paths that tells them
// apart, other releases by adding where they were found.
func uniqueNames(fs []found) {
	byName := map[string][]int{}
	for i, f := range fs {
		byName[f.Name] = append(byName[f.Name], i)
	}
	for _, idx := range byName {
		if len(idx) < 2 {
			continue
		}
		paths := make([][]string, len(idx))
		for j, i := range idx {
			paths[j] = strings.Split(filepath.ToSlash(filepath.Clean(fs[i].Path)), "/")
		}
		for j, i := range idx {
			if fs[i].Kind != string(manifest.KindFile) && fs[i].Kind != string(manifest.KindDirectory) {
				fs[i].Name += " (" + fs[i].Path + ")"
				continue
			}
			p := paths[j]
			n := 1
			for ; n < len(p); n++ {
				if !sharedSuffix(p, paths, j, n) {
					break
				}
			}
			fs[i].Name = strings.Join(p[len(p)-n:], "/")
			if n == len(p) {
				fs[i].Name = fs[i].Path
			}
		}
	}
}

// sharedSuffix reports whether the last n elements of p equal those of
// another path than paths[self].
func sharedSuffix(p []string, paths [][]string, self, n int) bool {
	for k, q := range paths {
		if k != self && len(q) >= n && slices.Equal(p[len(p)-n:], q[len(q)-n:]) {
			return true
		}
	}
	return false
}

// roots returns the directories to sweep: the ROOTs given, and the default
// model locations of this machine when none are given or defaults is set.
func roots(args []string, defaults bool) []string {
	out := append([]string(nil), args...)
	if len(args) == 0 || defaults {
		for _, loc := range manifest.DefaultLocations() {
			if loc.Exists {
				out = append(out, loc.Path)
			}
		}
	}
	return out
}

// discover sweeps each root and calls visit for every release found, once
// even when roots overlap. Unreadable directories are reported on stderr;
// the error is set when a root could not be swept at all.
func discover(ctx context.Context, dirs []string, stderr io.Writer, visit func(found)) error {
	seen := map[string]bool{}
	var all []found
	var firstErr error
	for _, dir := range dirs {
		res, err := manifest.Sweep(ctx, dir, manifest.SweepOptions{})
		if err != nil {
			fmt.Fprintf(stderr, "sweep: %s: %v\n", dir, err)
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		for _, p := range res.Problems {
			fmt.Fprintf(stderr, "sweep: warning: %s: %s\n", p.Path, p.Message)
		}
		if res.Truncated {
			fmt.Fprintf(stderr, "sweep: warning: %s: stopped after %d entries\n", dir, res.Entries)
		}
		for _, f := range res.Found {
			if seen[f.Path] {
				continue
			}
			seen[f.Path] = true
			all = append(all, found{Name: displayName(f), Target: f.Source.String(), Kind: string(f.Kind), Path: f.Path, Source: f.Source})
		}
	}
	uniqueNames(all)
	for _, f := range all {
		visit(f)
	}
	return firstErr
}
