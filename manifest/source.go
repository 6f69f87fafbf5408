package manifest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Source is one model release that can be read.
type Source interface {
	// Open reads what the release declares. It fails only when the release
	// cannot be read at all; problems with single files are recorded in
	// Release.Problems.
	Open(ctx context.Context) (*Release, error)
	// String returns the source as a target string Parse accepts.
	String() string
}

// ErrNotFound reports a target that does not exist.
var ErrNotFound = errors.New("not found")

// ErrEmpty reports a target that holds nothing to audit.
var ErrEmpty = errors.New("no release to audit")

// Parse turns a target into a Source. A target is a local directory, a
// single weight file, "ollama:NAME[:TAG]" (in the default Ollama store) or
// "hf:ORG/NAME[@REV]" (the Hugging Face Hub, read remotely). A directory
// that is a Hugging Face cache repository (models--ORG--NAME), a snapshot in
// one, or an OCI image layout is read as such.
func Parse(target string) (Source, error) {
	switch {
	case strings.HasPrefix(target, "hf:"):
		return parseHub(strings.TrimPrefix(target, "hf:"))
	case strings.HasPrefix(target, "ollama:"):
		return parseOllama(strings.TrimPrefix(target, "ollama:"))
	}
	fi, err := os.Stat(target)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", target, ErrNotFound)
		}
		return nil, err
	}
	if !fi.IsDir() {
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%s: not a regular file or directory", target)
		}
		return FileSource(target), nil
	}
	if src := detectDir(target); src != nil {
		return src, nil
	}
	return Dir(target), nil
}

// detectDir recognises directories with a layout of their own: Hugging Face
// cache repositories and snapshots, and OCI image layouts. It returns nil
// for a plain directory.
var detectDir = func(dir string) Source { return nil }

var parseHub = func(ref string) (Source, error) {
	return nil, fmt.Errorf("hf:%s: %w: Hugging Face Hub sources are not yet supported", ref, ErrUnsupported)
}

var parseOllama = func(ref string) (Source, error) {
	return nil, fmt.Errorf("ollama:%s: %w: Ollama sources are not yet supported", ref, ErrUnsupported)
}

// Dir is a release in a local directory.
func Dir(path string) Source { return dirSource{path: path} }

// FileSource is a release made of one weight file.
func FileSource(path string) Source { return fileSource{path: path} }

type dirSource struct{ path string }

func (d dirSource) String() string { return d.path }

func (d dirSource) Open(ctx context.Context) (*Release, error) {
	abs, err := filepath.Abs(d.path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s: not a directory", d.path)
	}
	rel := &Release{Name: filepath.Base(abs), Source: d.path, Kind: KindDirectory, Root: abs}
	if err := walkRelease(ctx, rel, abs, abs); err != nil {
		return nil, err
	}
	if len(rel.Files) == 0 && len(rel.Problems) == 0 {
		return nil, fmt.Errorf("%s: %w: the directory holds no files", d.path, ErrEmpty)
	}
	if err := describe(ctx, rel); err != nil {
		return nil, err
	}
	return rel, nil
}

type fileSource struct{ path string }

func (s fileSource) String() string { return s.path }

func (s fileSource) Open(ctx context.Context) (*Release, error) {
	abs, err := filepath.Abs(s.path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", s.path)
	}
	base := filepath.Base(abs)
	rel := &Release{Name: base, Source: s.path, Kind: KindFile, Root: abs}
	rel.Files = []*File{{Path: base, Size: fi.Size(), LocalPath: abs}}
	if err := describe(ctx, rel); err != nil {
		return nil, err
	}
	return rel, nil
}
