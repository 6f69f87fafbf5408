package manifest

import (
	"path"
	"strconv"
	"strings"

	"github.com/modelvet/modelvet/hub"
)

// OllamaModel describes a model in an Ollama store.
type OllamaModel struct {
	// Name is the short model name as users type it ("deepseek-r1:7b");
	// Host, Namespace, Model and Tag are its parts.
	Name      string `json:"name"`
	Host      string `json:"host"`
	Namespace string `json:"namespace"`
	Model     string `json:"model"`
	Tag       string `json:"tag"`
	// ManifestPath is the manifest file, relative to the store root;
	// ManifestDigest the SHA-256 of its bytes.
	ManifestPath   string `json:"manifest_path"`
	ManifestDigest string `json:"manifest_digest,omitempty"`
	MediaType      string `json:"media_type,omitempty"`
	// Format is the weight format a manifest declares ("gguf",
	// "safetensors"); Runners lists the runners of a manifest list.
	Format  string        `json:"format,omitempty"`
	Runners []string      `json:"runners,omitempty"`
	Layers  []OllamaLayer `json:"layers"`
	// ConfigDigest is the digest of the config blob; Config holds its
	// top-level scalar fields (model_format, model_family, model_families,
	// model_type, file_type, …), arrays of strings joined with commas.
	ConfigDigest string            `json:"config_digest,omitempty"`
	Config       map[string]string `json:"config,omitempty"`
	// Template, System, Params and Messages hold the text of those layers
	// (the first of each kind, up to limits.MaxStoreTextBytes).
	Template string `json:"template,omitempty"`
	System   string `json:"system,omitempty"`
	Params   string `json:"params,omitempty"`
	Messages string `json:"messages,omitempty"`
}

// OllamaLayer is one layer of an Ollama manifest.
type OllamaLayer struct {
	MediaType string `json:"media_type"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
	// Path is the synthetic release path the layer appears under in
	// Release.Files ("model.gguf", "license", "template", …).
	Path string `json:"path"`
	// From names the model or file the layer was created from; Name is
	// the tensor or file name of tensor and JSON layers.
	From string `json:"from,omitempty"`
	Name string `json:"name,omitempty"`
	// Runner is the runner of the manifest-list entry holding the layer.
	Runner string `json:"runner,omitempty"`
	// Missing is set when the store has no blob for the layer.
	Missing bool `json:"missing,omitempty"`
}

// OCIArtifact describes a model packaged as an OCI artifact (CNCF ModelPack
// or Docker model).
type OCIArtifact struct {
	// Layout is "modelpack" or "docker" (the config media type says which).
	Layout          string            `json:"layout"`
	Reference       string            `json:"reference,omitempty"`
	ManifestDigest  string            `json:"manifest_digest"`
	ArtifactType    string            `json:"artifact_type,omitempty"`
	ConfigMediaType string            `json:"config_media_type"`
	ConfigDigest    string            `json:"config_digest,omitempty"`
	Layers          []OCILayer        `json:"layers"`
	Annotations     map[string]string `json:"annotations,omitempty"`
	// Config holds the scalar fields of the config blob by dotted path
	// ("descriptor.name", "descriptor.licenses", "config.format",
	// "config.parameters", …), arrays of strings joined with commas.
	Config map[string]string `json:"config,omitempty"`
}

// OCILayer is one layer of an OCI model artifact.
type OCILayer struct {
	MediaType string `json:"media_type"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
	// Path is where the layer appears in Release.Files (from the
	// org.cncf.model.filepath or org.opencontainers.image.title annotation);
	// a tar layer appears as its blob path, its members under their own.
	Path string `json:"path"`
	// Members counts the files listed from a tar layer.
	Members int `json:"members,omitempty"`
	// Note says what was not read from the layer (compressed tar members,
	// a missing blob).
	Note string `json:"note,omitempty"`
}

// HubInfo is what the Hugging Face Hub says about the repository a release
// was read from (or checked against a listing of), and what reading it
// cost.
type HubInfo struct {
	// ModelInfo is the repository's API record, without its file listing
	// (hub.ModelInfo.Summary), which became the release's files. Its ID is
	// the repository read (the record's own when it is a valid id), and its
	// SHA the commit every file was read (or listed) at, or "" when the
	// record gives no valid commit. SafetensorsTotal and
	// SafetensorsParameters are the Hub's count of parameters, not the
	// audit's: Headers.Parameters counts what the headers read declare.
	hub.ModelInfo
	Endpoint string `json:"endpoint"`
	// Revision is the revision asked for ("main" by default).
	Revision string `json:"revision,omitempty"`
	// Requests and Bytes count what the audit fetched (response bodies).
	Requests int   `json:"requests"`
	Bytes    int64 `json:"bytes"`
	// ListedOnly counts the files the audit knows by name, size and digest
	// only: tokenizers, code, media and other files it does not parse, whose
	// bytes it did not fetch.
	ListedOnly int `json:"listed_only,omitempty"`
	// Headers says which safetensors headers the audit read in full
	// (HubOptions.HeaderBudget); nil when the repository has none.
	Headers *HubHeaders `json:"headers,omitempty"`
	// GGUF says which GGUF files' metadata the audit read.
	GGUF *HubGGUF `json:"gguf,omitempty"`
	// Index is set when the sharded-weights index was too large to read
	// whole (HubOptions.IndexBytes): what was read of it instead. The
	// release then has no SafetensorsIndex.
	Index *HubIndex `json:"index,omitempty"`
	// Ancestors lists the models reached by following base_model on the
	// Hub from the card's bases, with the licence, author and bases each
	// one's record declares (HubOptions.LineageDepth bounds the walk).
	Ancestors []hub.Ancestor `json:"ancestors,omitempty"`
	// AncestorsUnfollowed counts the bases those records name that the
	// walk did not look up (its depth and size caps).
	AncestorsUnfollowed int `json:"ancestors_unfollowed,omitempty"`
	// Unmatched lists the files the Hub lists at SHA that a local release
	// checked against the listing (WithHubDigests) does not hold.
	Unmatched []string `json:"unmatched,omitempty"`
}

// HubHeaders says how much of the safetensors headers of a Hub repository
// the audit read.
type HubHeaders struct {
	// Files counts the safetensors files; Read, those whose header was
	// received whole, as the ranges asked for, and parsed.
	Files int `json:"files"`
	Read  int `json:"read"`
	// BytesTotal is the size of the headers whose length was read (8-byte
	// length and JSON); BytesRead that of the headers read, BytesUnread
	// that of the headers left unread to keep within the budget.
	BytesTotal  int64 `json:"bytes_total"`
	BytesRead   int64 `json:"bytes_read"`
	BytesUnread int64 `json:"bytes_unread,omitempty"`
	// BytesFetched is what was fetched of the files for their headers,
	// which the budget bounds: the headers, and the tensor bytes a first
	// read held past a shorter header, which are never read.
	BytesFetched int64 `json:"bytes_fetched"`
	// Budget is the header budget applied, or -1 for none.
	Budget int64 `json:"budget"`
	// Parameters counts the parameters the headers read declare.
	Parameters int64 `json:"parameters"`
	// Unread lists the files whose header was not read, to keep within
	// the budget: their tensors are not known to the audit.
	Unread []string `json:"unread,omitempty"`
}

// HubGGUF is what was read of a Hub repository's GGUF files: the metadata
// of the first in full, then of as many others as the header budget allows
// at the first one's cost; of the rest, the first block.
type HubGGUF struct {
	// Files counts the GGUF files; Read those whose metadata was read in
	// full.
	Files int `json:"files"`
	Read  int `json:"read"`
	// FirstBytes is what reading the first file's metadata fetched (0
	// when every file was read without estimating).
	FirstBytes int64 `json:"first_bytes,omitempty"`
	// Budget is the header budget applied, or -1 for none.
	Budget int64 `json:"budget"`
	// Partial lists the files whose metadata was read only as far as the
	// first block fetched to classify them (gguf.Info.PrefixBytes).
	Partial []string `json:"partial,omitempty"`
}

// HubIndex is what was read of a sharded-weights index too large to read
// whole: its first bytes, for metadata.total_size.
type HubIndex struct {
	Path      string `json:"path"`
	Size      int64  `json:"size"`
	BytesRead int64  `json:"bytes_read"`
	// TotalSize is metadata.total_size, or -1 when the bytes read do not
	// hold it; TotalSizeLine is its line.
	TotalSize     int64 `json:"total_size"`
	TotalSizeLine int   `json:"-"`
}

// pathSet hands out the release paths of a store's layers and members.
type pathSet map[string]int

// unique returns p, or p with "-2", "-3", … before its extension when an
// earlier layer took it; prefix scopes the count (the folder of a
// manifest-list entry).
func (s pathSet) unique(prefix, p string) string {
	key := prefix + p
	s[key]++
	n := s[key]
	if n == 1 {
		return p
	}
	ext := path.Ext(p)
	if strings.Contains(ext, "/") || ext == p {
		ext = ""
	}
	return s.unique(prefix, strings.TrimSuffix(p, ext)+"-"+strconv.Itoa(n)+ext)
}
