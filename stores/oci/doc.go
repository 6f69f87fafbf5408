// Package oci reads an OCI image layout that holds model artifacts: a
// directory with oci-layout, index.json and blobs/<alg>/<hex>, as written
// for CNCF ModelPack models and Docker models. It knows the layout, not
// the release: package manifest turns a model manifest's layers into the
// files of a release (manifest.OCI).
//
// # What it reads
//
//   - The layout: [IsLayout] tells one; a [Layout] ([Open]) lists the
//     image manifests reachable from index.json ([Layout.Manifests]: nested
//     image indexes expanded up to 4 deep, each [Entry] with the nearest
//     org.opencontainers.image.ref.name), reads small blobs checked
//     against their descriptor's size and SHA-256 ([Layout.ReadBlob]), and
//     returns the paths of blobs ([Layout.Blob]), following a link only to
//     a regular file inside the layout.
//   - Documents: [ParseManifest] reads an image index or manifest;
//     [ParseDigest] a "sha256:<hex>" or "sha512:<hex>" digest;
//     [Manifest.ModelKind] tells a ModelPack artifact from a Docker model
//     from any other image; [ParseConfig] reads the fields of a model's
//     config blob.
//   - Layers: [KindOf] says what a layer's media type declares (a raw
//     file or a tar, its compression, a Docker layer's default file name,
//     licence and documentation layers); [Descriptor.FileName] the name
//     its annotations give it; [OpenTar] reads a tar layer's members,
//     through a gzip or zstd decompressor within
//     limits.MaxTarDecompressedBytes and, for zstd, a window of at most
//     limits.MaxZstdWindowBytes.
//
// # What it checks
//
// Digests are sha256 or sha512 with the right number of hex digits, sizes
// are not negative, layers are at most limits.MaxStoreLayers and
// manifests limits.MaxStoreModels, and a document is at most
// limits.MaxJSONBytes, nested at most limits.MaxJSONDepth. Faults in a
// document are *formats.Error values of format "oci-manifest". Names that
// annotations and tar members give files are returned as written: the
// caller checks that they are safe paths.
package oci
