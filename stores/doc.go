// Package stores holds what the model-store readers in its sub-packages
// share: the [Problem] they report for the parts of a store they cannot
// read, and the [Location] of a store by default. Each store layout has a
// package of its own, as each weight format has one under package
// formats.
//
// # What the readers share
//
// A store reader knows the layout of one kind of store on disk — its
// folders, names, manifests, digests and blobs — and nothing of the
// releases built from it: it returns what the store declares, produces no
// findings, and imports neither net/http nor the release model. Package
// manifest adapts each into sources (manifest.HFCache, manifest.Ollama,
// manifest.OCI and their List functions, manifest.FileSource for LM
// Studio's files) and turns their problems into problems of a release or
// a sweep; manifest.DefaultLocations gathers their Locations.
//
// Readers follow a symbolic link only to a regular file inside the store,
// decode JSON documents within limits.MaxJSONBytes and
// limits.MaxJSONDepth, and report malformed manifests as *formats.Error
// values with the byte offset of the fault. What a store does not hold (a
// model, a revision) is reported as a fact (ok false) or an error matching
// fs.ErrNotExist; the sources of package manifest say so with
// manifest.ErrNotFound.
//
// # Picking a reader
//
//   - stores/hfcache: a Hugging Face cache, its repository folders
//     models--ORG--NAME (hfcache.IsRepoFolder); snapshots, refs and
//     revisions, blobs named by their digest, interrupted downloads.
//   - stores/ollama: an Ollama store, a folder with blobs/ and manifests/
//     or manifests-v2/ (ollama.IsStore); model names, manifests and
//     manifest lists, blobs named by their SHA-256.
//   - stores/oci: an OCI image layout, a folder with oci-layout and
//     index.json (oci.IsLayout); image indexes and manifests, the layers of
//     CNCF ModelPack and Docker model artifacts, blobs by digest, tar
//     layers.
//   - stores/lmstudio: LM Studio's models folder, each model a file at
//     models/PUBLISHER/REPO/FILE.
package stores
