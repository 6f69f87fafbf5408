// Package hfcache reads the layout of a Hugging Face cache (huggingface_hub's
// local-cache.md): a folder per repository, models--ORG--NAME, holding
// blobs/<name>, refs/<branch|tag|pr/N> (a commit hash) and
// snapshots/<commit>/<path>, links to ../../blobs/<name>. It knows the
// layout, not the release: package manifest reads a snapshot's files as a
// release (manifest.HFCache).
//
// # What it reads
//
//   - Folders: [ParseRepoFolder] splits a folder name into the
//     repository's kind (models, datasets, spaces) and id;
//     [IsRepoFolder] tells a repository folder (such a name, with
//     snapshots/ or refs/ inside); [CountModelRepos] counts the model
//     repositories of a cache root.
//   - Revisions: [Snapshots] lists the snapshots with the refs naming
//     each, at most limits.MaxHFSnapshots; [Resolve] finds the commit of a
//     revision: refs/main (else the newest snapshot), a snapshot folder, or
//     a ref, refusing names that would leave refs/; [IsCommit] tells a
//     commit hash.
//   - Blobs: [BlobDigest] reads the digest a blob is named by (SHA-256 of
//     an LFS file, git blob SHA-1 of a small one); [Incomplete] lists the
//     interrupted downloads (blobs/<digest>.incomplete), whose files the
//     snapshot lacks.
//
// [Locations] returns the cache huggingface_hub uses by default
// (HF_HUB_CACHE, HF_HOME, XDG_CACHE_HOME, ~/.cache/huggingface/hub).
//
// A revision the folder does not hold is an error that matches
// fs.ErrNotExist. Refs are read within 1 KiB each and must hold a 40-hex
// commit; unreadable or malformed refs are left out.
package hfcache
