// Package lfs reads Git LFS pointer files: the few lines a repository
// cloned without Git LFS holds in place of each large file (its weights),
// naming the real file's SHA-256 and size. [Parse] reads one, refusing
// anything that is not exactly a pointer, so it can be tried on any small
// file; [Maybe] tells from a file's size and first bytes whether it can be
// one.
package lfs
