package integrity

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
	"strconv"

	"github.com/zeebo/blake3"
	"golang.org/x/crypto/blake2b"
)

// Digest algorithms. SHA256, BLAKE2b and BLAKE3 are the ones model
// signatures use; SHA512 and GitSHA1 are published by some stores (GitSHA1
// is Git's blob id, the name a Hugging Face cache gives files kept outside
// LFS).
const (
	SHA256  = "sha256"
	SHA512  = "sha512"
	BLAKE2b = "blake2b" // BLAKE2b-512, as Python's hashlib.blake2b
	BLAKE3  = "blake3"  // 32-byte output
	GitSHA1 = "git-sha1"
)

// newHasher returns a hash of the named algorithm for a file of size bytes
// (Git blob ids hash a header holding the size).
func newHasher(alg string, size int64) (hash.Hash, error) {
	switch alg {
	case SHA256:
		return sha256.New(), nil
	case SHA512:
		return sha512.New(), nil
	case BLAKE2b:
		return blake2b.New512(nil)
	case BLAKE3:
		return blake3.New(), nil
	case GitSHA1:
		h := sha1.New()
		h.Write([]byte("blob " + strconv.FormatInt(size, 10) + "\x00"))
		return h, nil
	}
	return nil, fmt.Errorf("unknown digest algorithm %q", alg)
}

// digestSize is the length in bytes of a digest of alg, or 0 when alg is
// unknown.
func digestSize(alg string) int {
	switch alg {
	case SHA256, BLAKE3:
		return 32
	case SHA512, BLAKE2b:
		return 64
	case GitSHA1:
		return 20
	}
	return 0
}

// KnownAlgorithm reports whether alg is a digest algorithm Hash computes.
func KnownAlgorithm(alg string) bool { return digestSize(alg) > 0 }
