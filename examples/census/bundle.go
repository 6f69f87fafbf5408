package main

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/modelvet/modelvet"
	"github.com/modelvet/modelvet/examples/internal/cli"
)

// bundle carries the files the audit flags name (a policy and the keys it
// names, a knowledge-base overlay, trust files) with the pipeline, so that
// a worker on another machine audits with what the launcher read.
type bundle struct {
	// Flags are the audit flags, their file names relative to the
	// bundle's root.
	Flags cli.Flags
	// Files holds each file's bytes by slash-separated path.
	Files map[string][]byte
}

// newBundle reads the files f names.
func newBundle(f cli.Flags) (bundle, error) {
	b := bundle{Flags: f, Files: map[string][]byte{}}
	total := 0
	add := func(name, file string) error {
		if len(b.Files) >= maxBundleFiles {
			return fmt.Errorf("the audit flags name more than %d files", maxBundleFiles)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		if total += len(data); total > maxBundleBytes {
			return fmt.Errorf("the files the audit flags name are over %d bytes", maxBundleBytes)
		}
		b.Files[name] = data
		return nil
	}
	single := func(dst *string, dir string) error {
		if *dst == "" {
			return nil
		}
		name := dir + "/" + filepath.Base(*dst)
		if err := add(name, *dst); err != nil {
			return err
		}
		*dst = name
		return nil
	}
	if f.Policy != "" {
		if err := addPolicy(f.Policy, add); err != nil {
			return bundle{}, err
		}
		b.Flags.Policy = "policy/" + filepath.Base(f.Policy)
	}
	for _, s := range []struct {
		dst *string
		dir string
	}{{&b.Flags.Key, "key"}, {&b.Flags.CertChain, "cert-chain"}, {&b.Flags.TrustedRoot, "trusted-root"}} {
		if err := single(s.dst, s.dir); err != nil {
			return bundle{}, err
		}
	}
	if f.KBDir != "" {
		err := filepath.WalkDir(f.KBDir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			rel, err := filepath.Rel(f.KBDir, p)
			if err != nil {
				return err
			}
			return add("kb/"+filepath.ToSlash(rel), p)
		})
		if err != nil {
			return bundle{}, fmt.Errorf("-kb: %w", err)
		}
		b.Flags.KBDir = "kb"
	}
	return b, nil
}

// addPolicy adds a policy file and the key, certificate and trusted-root
// files it names, which must lie in its directory or below.
func addPolicy(file string, add func(name, file string) error) error {
	p, err := modelvet.LoadPolicy(file)
	if err != nil {
		return err
	}
	if err := add("policy/"+filepath.Base(file), file); err != nil {
		return err
	}
	named := append(append([]string{}, p.Signatures.Keys...), p.Signatures.CertificateRoots...)
	if p.Signatures.TrustedRoot != "" {
		named = append(named, p.Signatures.TrustedRoot)
	}
	for _, n := range named {
		rel := path.Clean(filepath.ToSlash(n))
		if filepath.IsAbs(n) || rel == ".." || strings.HasPrefix(rel, "../") {
			return fmt.Errorf("-policy %s names %s: the census sends the policy's files to its workers, so name them relative to the policy, in its directory or below", file, n)
		}
		if err := add("policy/"+rel, filepath.Join(filepath.Dir(file), filepath.FromSlash(rel))); err != nil {
			return fmt.Errorf("-policy %s: %w", file, err)
		}
	}
	return nil
}

// unpack writes the files into a new directory and returns the flags
// naming them there; remove deletes the directory.
func (b bundle) unpack() (f cli.Flags, remove func(), err error) {
	dir, err := os.MkdirTemp("", "census-flags-")
	if err != nil {
		return cli.Flags{}, nil, err
	}
	remove = func() { os.RemoveAll(dir) }
	for name, data := range b.Files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			remove()
			return cli.Flags{}, nil, err
		}
		if err := os.WriteFile(p, data, 0o600); err != nil {
			remove()
			return cli.Flags{}, nil, err
		}
	}
	f = b.Flags
	for _, p := range []*string{&f.Policy, &f.Key, &f.CertChain, &f.TrustedRoot, &f.KBDir} {
		if *p != "" {
			*p = filepath.Join(dir, filepath.FromSlash(*p))
		}
	}
	if b.Flags.KBDir != "" {
		if err := os.MkdirAll(f.KBDir, 0o700); err != nil {
			remove()
			return cli.Flags{}, nil, err
		}
	}
	return f, remove, nil
}
