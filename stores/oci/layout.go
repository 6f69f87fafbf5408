package oci

import (
	"archive/tar"
	"cmp"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/zstd"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
	"github.com/modelvet/modelvet/internal/textsafe"
	"github.com/modelvet/modelvet/stores"
)

// maxIndexNesting bounds the image indexes nested in index.json.
const maxIndexNesting = 4

// IsLayout reports whether dir is an OCI image layout: it holds the
// regular files oci-layout and index.json.
func IsLayout(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "oci-layout"))
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	fi, err = os.Stat(filepath.Join(dir, "index.json"))
	return err == nil && fi.Mode().IsRegular()
}

// Layout reads the files of one OCI image layout, following a symbolic
// link only to a regular file inside it.
type Layout struct {
	dir, dirReal string
}

// Open returns the layout at dir, an absolute path (see IsLayout).
func Open(dir string) (*Layout, error) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, err
	}
	return &Layout{dir: dir, dirReal: real}, nil
}

// Dir returns the layout's directory.
func (l *Layout) Dir() string { return l.dir }

// Blob returns the path of a blob (blobs/<alg>/<hex>), if the layout
// holds it as a regular file.
func (l *Layout) Blob(digest string) (string, error) {
	alg, h, ok := ParseDigest(digest)
	if !ok {
		return "", fmt.Errorf("invalid digest %q", textsafe.Truncate(digest, 40))
	}
	return safeio.FileInside(filepath.Join(l.dir, "blobs", alg, h), l.dirReal, "blob")
}

// ReadBlob reads a small blob (a manifest, an index, a config), at most
// limits.MaxJSONBytes, and checks it against the descriptor's size and,
// for sha256, digest.
func (l *Layout) ReadBlob(d Descriptor) ([]byte, error) {
	p, err := l.Blob(d.Digest)
	if err != nil {
		return nil, err
	}
	data, err := safeio.ReadFile(p, limits.MaxJSONBytes)
	if err != nil {
		return nil, err
	}
	if int64(len(data)) != d.Size {
		return nil, fmt.Errorf("blob %s is %d bytes, the descriptor says %d", d.Digest, len(data), d.Size)
	}
	alg, h, _ := ParseDigest(d.Digest)
	if alg == "sha256" {
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != h {
			return nil, fmt.Errorf("blob %s does not match its digest", d.Digest)
		}
	}
	return data, nil
}

// Entry is an image manifest reachable from index.json.
type Entry struct {
	Desc Descriptor
	// Ref is the org.opencontainers.image.ref.name of the manifest's
	// descriptor, or of the index entry leading to it.
	Ref string
}

// Manifests lists the image manifests reachable from index.json, in index
// order, expanding nested image indexes up to 4 deep and
// limits.MaxStoreModels manifests. Nested indexes that cannot be read are
// problems; an index.json that cannot be read or parsed is an error.
func (l *Layout) Manifests() ([]Entry, []stores.Problem, error) {
	data, err := safeio.ReadFile(filepath.Join(l.dir, "index.json"), limits.MaxJSONBytes)
	if err != nil {
		return nil, nil, err
	}
	idx, err := ParseManifest(data)
	if err != nil {
		var fe *formats.Error
		if errors.As(err, &fe) {
			fe.Path = "index.json"
		}
		return nil, nil, err
	}
	var out []Entry
	var problems []stores.Problem
	var walk func(descs []Descriptor, ref string, depth int)
	walk = func(descs []Descriptor, ref string, depth int) {
		for _, d := range descs {
			if len(out) >= limits.MaxStoreModels {
				return
			}
			r := cmp.Or(d.Annotations[AnnotationRefName], ref)
			switch d.MediaType {
			case mediaTypeIndex, mediaTypeDockerList:
				if depth >= maxIndexNesting {
					problems = append(problems, stores.Problem{Path: "index.json", Message: "image indexes nested too deep; " + d.Digest + " not read"})
					continue
				}
				data, err := l.ReadBlob(d)
				if err == nil {
					var sub *Manifest
					if sub, err = ParseManifest(data); err == nil {
						walk(sub.Manifests, r, depth+1)
						continue
					}
				}
				problems = append(problems, stores.Problem{Path: "index.json", Message: "image index " + d.Digest + " cannot be read: " + err.Error(), Err: err})
			default:
				out = append(out, Entry{Desc: d, Ref: r})
			}
		}
	}
	walk(idx.Manifests, "", 0)
	return out, problems, nil
}

// TarReader reads the members of a tar layer's blob.
type TarReader struct {
	*tar.Reader
	file  *os.File
	count *safeio.CountingReader
	zstd  *zstd.Decoder
}

// OpenTar opens the blob of a tar layer for reading its members, through a
// gzip or zstd decompressor when compression (LayerKind.Compression) says
// so. A compressed stream yields at most limits.MaxTarDecompressedBytes,
// and a zstd frame may ask for a window of at most
// limits.MaxZstdWindowBytes.
func OpenTar(blob, compression string) (*TarReader, error) {
	fh, err := safeio.OpenRegular(blob)
	if err != nil {
		return nil, err
	}
	fi, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, err
	}
	t := &TarReader{file: fh, count: &safeio.CountingReader{R: io.NewSectionReader(fh, 0, fi.Size())}}
	switch compression {
	case "gzip":
		zr, err := gzip.NewReader(t.count)
		if err != nil {
			fh.Close()
			return nil, err
		}
		t.Reader = tar.NewReader(&safeio.CapReader{R: zr, Left: limits.MaxTarDecompressedBytes, What: "decompressed data"})
	case "zstd":
		zr, err := zstd.NewReader(t.count, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(limits.MaxZstdWindowBytes), zstd.WithDecoderMaxMemory(limits.MaxTarDecompressedBytes))
		if err != nil {
			fh.Close()
			return nil, err
		}
		t.zstd = zr
		t.Reader = tar.NewReader(&safeio.CapReader{R: zr, Left: limits.MaxTarDecompressedBytes, What: "decompressed data"})
	default:
		t.Reader = tar.NewReader(t.count)
	}
	return t, nil
}

// Offset returns the offset in the blob of the bytes read so far: after
// Next, in an uncompressed tar, where the member's data starts.
func (t *TarReader) Offset() int64 { return t.count.N }

// Close releases the blob and the decompressor.
func (t *TarReader) Close() error {
	if t.zstd != nil {
		t.zstd.Close()
	}
	return t.file.Close()
}
