// Package ollama reads an Ollama model store: the folder $OLLAMA_MODELS
// names, by default ~/.ollama/models ([Root]; [Locations] adds the Linux
// service account's store), holding blobs/ and the
// manifests of the models pulled into it. It knows the layout, not the
// release: package manifest turns a model's layers into the files of a
// release (manifest.Ollama).
//
// # What it reads
//
//   - Names: [ParseName] reads [host/][namespace/]model[:tag] as "ollama
//     run" does, filling the defaults registry.ollama.ai, library and
//     latest; [Name] String gives the short form users type, Full every
//     part, HubRepo the Hugging Face repository of a model pulled from
//     hf.co.
//   - The store: [IsStore] tells a store root; [Find] looks a name up in
//     manifests-v2/ (newer Ollama; public models under ollama.com, each
//     entry a link to the manifest blob), then in the legacy manifests/
//     (registry.ollama.ai), exact spelling first, then without regard to
//     case; [ManifestName] names the model of a manifest path; [List]
//     enumerates the models, at most limits.MaxStoreModels.
//   - Manifests: [ParseManifest] reads a Docker manifest v2 or an Ollama
//     manifest list, whose entries hold a manifest or refer to a manifest
//     blob; [ParseDigest] reads a "sha256:<hex>" digest; [ParseConfig]
//     the fields of a model's config blob.
//   - Bytes: a [Store] ([Open]) reads manifests ([Store.ReadManifest],
//     with their SHA-256), manifest blobs checked against their digest
//     ([Store.ReadManifestBlob]), and the paths of blobs
//     (blobs/sha256-<hex>, [Store.Blob]), following a link only to a
//     regular file inside the store.
//
// # What it checks
//
// Every digest is sha256 with 64 hex digits, sizes are not negative,
// layers and list entries are at most limits.MaxStoreLayers, manifest lists
// do not nest, and a manifest is at most limits.MaxJSONBytes, nested at
// most limits.MaxJSONDepth. Faults in a manifest are *formats.Error values
// of format "ollama-manifest".
package ollama
