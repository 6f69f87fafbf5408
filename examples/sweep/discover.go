package main

import (
	"context"
	"fmt"
	"io"

	"github.com/modelvet/modelvet/manifest"
)

// found is one release a sweep found.
type found struct {
	Target string // what the release is called in the output
	Kind   string // the store it was found in
	Source manifest.Source
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
			target := f.Path
			if f.Kind == manifest.KindOllama {
				target = "ollama:" + f.Name
			}
			visit(found{Target: target, Kind: string(f.Kind), Source: f.Source})
		}
	}
	return firstErr
}
