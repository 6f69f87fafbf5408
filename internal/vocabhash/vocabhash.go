// Package vocabhash is the one definition of a token list's digest, shared
// by the readers that walk token lists (tokenizer.json's vocabulary, a GGUF
// file's tokenizer.ggml.tokens) so that the two compare: SHA-256 over each
// token's length as an unsigned LEB128 number followed by its UTF-8 bytes,
// in id order. The length prefix keeps ["ab", "c"] and ["a", "bc"] apart.
package vocabhash

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
)

// Hasher digests a token list as its tokens come.
type Hasher struct {
	h   hash.Hash
	n   int64
	buf [binary.MaxVarintLen64]byte
}

// New returns a hasher of the empty list.
func New() *Hasher { return &Hasher{h: sha256.New()} }

// Add appends the next token.
func (v *Hasher) Add(token string) {
	n := binary.PutUvarint(v.buf[:], uint64(len(token)))
	v.h.Write(v.buf[:n])
	v.h.Write([]byte(token))
	v.n++
}

// Len returns how many tokens were added.
func (v *Hasher) Len() int64 { return v.n }

// Sum returns "sha256:<hex>" of the tokens added so far; more may follow.
func (v *Hasher) Sum() string { return "sha256:" + hex.EncodeToString(v.h.Sum(nil)) }
