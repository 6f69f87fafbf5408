package manifest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/modelvet/modelvet/internal/safeio"
	"github.com/modelvet/modelvet/stores/hfcache"
)

// HFCache is a revision of a repository folder in a Hugging Face cache
// (HF_HUB_CACHE, by default ~/.cache/huggingface/hub; its layout read by
// package stores/hfcache): repoDir is the
// models--ORG--NAME folder. revision "" reads the commit refs/main names
// (or, without refs/main, the newest snapshot); otherwise it is a snapshot
// folder name (a commit), or a branch, tag or "pr/N" under refs/.
//
// Files of the snapshot are symbolic links into the folder's blobs/, named
// by the file's digest: a 64-hex name is the SHA-256 of an LFS file, a
// 40-hex name the git blob SHA-1 of a small file. Each becomes an
// Expectation (source "hf-cache") on the file. Links leaving the
// repository folder are problems, never read. Caches written without
// symbolic links (on Windows) hold copies, which carry no expectation.
func HFCache(repoDir, revision string) Source {
	return hfCacheSource{repo: repoDir, rev: revision}
}

type hfCacheSource struct{ repo, rev string }

func (s hfCacheSource) String() string {
	switch {
	case s.rev == "":
		return s.repo
	case hfcache.IsCommit(s.rev):
		return filepath.Join(s.repo, "snapshots", s.rev)
	}
	return s.repo + "@" + s.rev
}

func (s hfCacheSource) Open(ctx context.Context) (*Release, error) {
	repoDir, err := filepath.Abs(s.repo)
	if err != nil {
		return nil, err
	}
	kind, repo, ok := hfcache.ParseRepoFolder(filepath.Base(repoDir))
	if !ok {
		return nil, fmt.Errorf("%s: not a Hugging Face cache folder (want models--ORG--NAME)", s.repo)
	}
	if kind != "models" {
		return nil, fmt.Errorf("%s: a cached %s repository, not a model: %w", s.repo, strings.TrimSuffix(kind, "s"), ErrUnsupported)
	}
	if !safeio.IsDir(repoDir) {
		return nil, fmt.Errorf("%s: %w", s.repo, ErrNotFound)
	}
	commit, err := hfcache.Resolve(repoDir, s.rev)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %w", err, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	snap := filepath.Join(repoDir, "snapshots", commit)
	if !safeio.IsDir(snap) {
		return nil, fmt.Errorf("%s: revision %s has no snapshot folder in the cache: %w", s.repo, commit, ErrNotFound)
	}
	rel := &Release{Name: repo, Repo: repo, Source: snap, Kind: KindHFCache, Revision: commit, Root: snap}
	if err := walkRelease(ctx, rel, snap, repoDir); err != nil {
		return nil, err
	}
	blobs, err := filepath.EvalSymlinks(filepath.Join(repoDir, "blobs"))
	if err == nil {
		for _, f := range rel.Files {
			if f.Symlink && f.LocalPath != "" && filepath.Dir(f.LocalPath) == blobs {
				if alg, digest, ok := hfcache.BlobDigest(filepath.Base(f.LocalPath)); ok {
					f.Expected = append(f.Expected, Expectation{Algorithm: alg, Digest: digest, Size: -1, Source: "hf-cache"})
				}
			}
		}
	}
	if err := describe(ctx, rel); err != nil {
		return nil, err
	}
	if p := incompleteBlobs(repoDir, repo); p != nil {
		rel.addProblem(p)
	}
	return rel, nil
}

// incompleteBlobs reports the interrupted downloads of a cache repository
// (hfcache.Incomplete): the files they belong to are missing from the
// snapshot.
func incompleteBlobs(repoDir, repo string) *Problem {
	names, n := hfcache.Incomplete(repoDir)
	if n == 0 {
		return nil
	}
	list := strings.Join(names, ", ")
	if n > len(names) {
		list += fmt.Sprintf(" and %d more", n-len(names))
	}
	return &Problem{Path: names[0], Message: fmt.Sprintf("the cache holds %d interrupted download(s) of %s (%s): the files they belong to are missing from the snapshot. Download the repository again (hf download %s) and audit again", n, repo, list, repo)}
}
