package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/manifest"
)

// This file is the sweep's only contact with model stores. It stands in for
// manifest.DefaultLocations and manifest.Sweep, which enumerate releases in
// Hugging Face caches, Ollama stores and LM Studio folders; when those
// land, location and discover become thin calls into them.

// location is a place models are kept.
type location struct {
	Kind string // "hf-cache", "ollama", "lmstudio" or "dir"
	Path string
}

// found is one release found by a sweep.
type found struct {
	Target string // what to audit: a path, or ollama:NAME:TAG
	Kind   string // the store it was found in
	Source manifest.Source
	Err    error // the release was found but cannot be opened as a source
}

// defaultLocations returns each ecosystem's default model folder that
// exists on this machine: the Hugging Face cache (HF_HUB_CACHE, else
// HF_HOME/hub, else ~/.cache/huggingface/hub), the Ollama store
// (OLLAMA_MODELS, else ~/.ollama/models) and LM Studio's models folder
// (~/.lmstudio/models, or the older ~/.cache/lm-studio/models).
func defaultLocations() []location {
	home, _ := os.UserHomeDir()
	var out []location
	add := func(kind, p string) {
		if p == "" {
			return
		}
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			out = append(out, location{kind, p})
		}
	}
	switch {
	case os.Getenv("HF_HUB_CACHE") != "":
		add("hf-cache", os.Getenv("HF_HUB_CACHE"))
	case os.Getenv("HF_HOME") != "":
		add("hf-cache", filepath.Join(os.Getenv("HF_HOME"), "hub"))
	case home != "":
		add("hf-cache", filepath.Join(home, ".cache", "huggingface", "hub"))
	}
	if v := os.Getenv("OLLAMA_MODELS"); v != "" {
		add("ollama", v)
	} else if home != "" {
		add("ollama", filepath.Join(home, ".ollama", "models"))
	}
	if home != "" {
		add("lmstudio", filepath.Join(home, ".lmstudio", "models"))
		add("lmstudio", filepath.Join(home, ".cache", "lm-studio", "models"))
	}
	return out
}

// classifyRoot tells what kind of store a root given on the command line
// is, from its layout.
func classifyRoot(p string) location {
	switch {
	case hasDir(p, "manifests") && hasDir(p, "blobs"):
		return location{"ollama", p}
	case hasPrefixedDir(p, "models--"):
		return location{"hf-cache", p}
	case filepath.Base(p) == "hub" && hasPrefixedDir(p, "datasets--"):
		return location{"hf-cache", p}
	}
	return location{"dir", p}
}

func hasDir(p, name string) bool {
	fi, err := os.Stat(filepath.Join(p, name))
	return err == nil && fi.IsDir()
}

func hasPrefixedDir(p, prefix string) bool {
	entries, err := os.ReadDir(p)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), prefix) {
			return true
		}
	}
	return false
}

// errTooMany stops a walk at the sweep's cap on directory entries.
var errTooMany = fmt.Errorf("more than %d directory entries; the rest were not swept", limits.MaxSweepEntries)

// discover lists the releases in loc, calling visit for each in a stable
// order. It reads directory listings only, never model files.
func discover(ctx context.Context, loc location, visit func(found)) error {
	switch loc.Kind {
	case "hf-cache":
		return discoverHF(ctx, loc.Path, visit)
	case "ollama":
		return discoverOllama(ctx, loc.Path, visit)
	}
	return discoverDir(ctx, loc, visit)
}

// discoverHF lists the snapshots of every model repository of a Hugging
// Face cache (models--ORG--NAME/snapshots/REV).
func discoverHF(ctx context.Context, root string, visit func(found)) error {
	repos, err := os.ReadDir(root)
	if err != nil {
		return err
	}
	for _, r := range repos {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !r.IsDir() || !strings.HasPrefix(r.Name(), "models--") {
			continue
		}
		snaps, err := os.ReadDir(filepath.Join(root, r.Name(), "snapshots"))
		if err != nil {
			continue // a repository folder without snapshots holds no model
		}
		for _, s := range snaps {
			if !s.IsDir() {
				continue
			}
			p := filepath.Join(root, r.Name(), "snapshots", s.Name())
			visit(open(p, "hf-cache"))
		}
	}
	return nil
}

// discoverOllama lists the models of an Ollama store by its manifests
// (manifests/HOST/NAMESPACE/MODEL/TAG).
func discoverOllama(ctx context.Context, root string, visit func(found)) error {
	base := filepath.Join(root, "manifests")
	var names []string
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == base {
				return err
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(base, p)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if len(parts) != 4 {
			return nil
		}
		name := parts[2] + ":" + parts[3]
		switch {
		case parts[0] != "registry.ollama.ai":
			name = strings.Join(parts[:3], "/") + ":" + parts[3]
		case parts[1] != "library":
			name = parts[1] + "/" + name
		}
		names = append(names, name)
		return nil
	})
	slices.Sort(names)
	for _, n := range names {
		target := "ollama:" + n
		src, perr := manifest.Parse(target)
		visit(found{Target: target, Kind: "ollama", Source: src, Err: perr})
	}
	return err
}

// weightExt are the file extensions of weights a loose release holds.
var weightExt = map[string]bool{".gguf": true, ".safetensors": true, ".bin": true, ".pt": true, ".pth": true, ".ckpt": true, ".onnx": true, ".h5": true, ".keras": true, ".pkl": true}

// discoverDir walks a folder (LM Studio's, or any root given): every GGUF
// file is a release of its own (one quantisation), and every other folder
// that holds weights or a model card is a release.
func discoverDir(ctx context.Context, loc location, visit func(found)) error {
	entries := 0
	var walk func(dir string, depth int) error
	walk = func(dir string, depth int) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		list, err := os.ReadDir(dir)
		if err != nil {
			if depth == 0 {
				return err
			}
			return nil
		}
		if entries += len(list); entries > limits.MaxSweepEntries {
			return errTooMany
		}
		if depth > 0 && isHFCache(dir, list) {
			return discoverHF(ctx, dir, visit)
		}
		isRelease := false
		var subdirs []string
		for _, e := range list {
			name := e.Name()
			ext := strings.ToLower(filepath.Ext(name))
			switch {
			case e.IsDir():
				if !strings.HasPrefix(name, ".") && name != "node_modules" && name != "__pycache__" {
					subdirs = append(subdirs, filepath.Join(dir, name))
				}
			case ext == ".gguf" && e.Type().IsRegular():
				visit(open(filepath.Join(dir, name), loc.Kind))
			case weightExt[ext], strings.EqualFold(name, "README.md") && hasConfig(list):
				isRelease = true
			}
		}
		if isRelease {
			visit(open(dir, loc.Kind))
			return nil
		}
		if depth >= limits.MaxWalkDepth {
			return nil
		}
		for _, d := range subdirs {
			if err := walk(d, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(loc.Path, 0)
}

func isHFCache(dir string, list []os.DirEntry) bool {
	for _, e := range list {
		if e.IsDir() && strings.HasPrefix(e.Name(), "models--") {
			return true
		}
	}
	return false
}

func hasConfig(list []os.DirEntry) bool {
	for _, e := range list {
		if e.Name() == "config.json" || e.Name() == "adapter_config.json" {
			return true
		}
	}
	return false
}

// open makes a source of a release path with manifest.Parse, which
// recognises cache snapshots, single weight files and plain folders.
func open(p, kind string) found {
	src, err := manifest.Parse(p)
	return found{Target: p, Kind: kind, Source: src, Err: err}
}
