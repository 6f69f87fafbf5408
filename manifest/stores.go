package manifest

// OllamaModel describes a model in an Ollama store.
type OllamaModel struct {
	// Name is the short model name as users type it ("deepseek-r1:7b");
	// Host, Namespace, Model and Tag are its parts.
	Name      string `json:"name"`
	Host      string `json:"host"`
	Namespace string `json:"namespace"`
	Model     string `json:"model"`
	Tag       string `json:"tag"`
	// ManifestPath is the manifest file, relative to the store root.
	ManifestPath string        `json:"manifest_path"`
	MediaType    string        `json:"media_type,omitempty"`
	Layers       []OllamaLayer `json:"layers"`
	// Config holds selected fields of the config blob (model_format,
	// model_family, model_type, file_type).
	Config map[string]string `json:"config,omitempty"`
	// Template, System and Params hold the text of those layers.
	Template string `json:"template,omitempty"`
	System   string `json:"system,omitempty"`
	Params   string `json:"params,omitempty"`
}

// OllamaLayer is one layer of an Ollama manifest.
type OllamaLayer struct {
	MediaType string `json:"media_type"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
	// Path is the synthetic release path the layer appears under in
	// Release.Files ("model.gguf", "license", "template", …).
	Path string `json:"path"`
	From string `json:"from,omitempty"`
}

// OCIArtifact describes a model packaged as an OCI artifact (CNCF ModelPack
// or Docker model).
type OCIArtifact struct {
	Reference       string            `json:"reference,omitempty"`
	ManifestDigest  string            `json:"manifest_digest"`
	ArtifactType    string            `json:"artifact_type,omitempty"`
	ConfigMediaType string            `json:"config_media_type"`
	Layers          []OCILayer        `json:"layers"`
	Annotations     map[string]string `json:"annotations,omitempty"`
	// Config holds selected fields of the config blob (format,
	// architecture, parameters, quantization, size).
	Config map[string]string `json:"config,omitempty"`
}

// OCILayer is one layer of an OCI model artifact.
type OCILayer struct {
	MediaType string `json:"media_type"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
	// Path is where the layer appears in Release.Files (from the
	// org.cncf.model.filepath or org.opencontainers.image.title annotation).
	Path string `json:"path"`
}

// HubInfo is what the Hugging Face Hub API says about a repository, and
// what reading it cost.
type HubInfo struct {
	Endpoint string `json:"endpoint"`
	ID       string `json:"id"`
	// Revision is the revision asked for ("main" by default); SHA is the
	// commit it resolved to, at which every file was read.
	Revision     string   `json:"revision,omitempty"`
	SHA          string   `json:"sha,omitempty"`
	Author       string   `json:"author,omitempty"`
	Private      bool     `json:"private,omitempty"`
	Gated        string   `json:"gated,omitempty"` // "", "auto" or "manual"
	Disabled     bool     `json:"disabled,omitempty"`
	LastModified string   `json:"last_modified,omitempty"`
	CreatedAt    string   `json:"created_at,omitempty"`
	Tags         []string `json:"tags,omitempty"`
	LibraryName  string   `json:"library_name,omitempty"`
	PipelineTag  string   `json:"pipeline_tag,omitempty"`
	Downloads    int64    `json:"downloads,omitempty"`
	// Requests and Bytes count what the audit fetched (response bodies).
	Requests int   `json:"requests"`
	Bytes    int64 `json:"bytes"`
	// ListedOnly counts the files the audit knows by name, size and digest
	// only: tokenizers, code, media and other files it does not parse, whose
	// bytes it did not fetch.
	ListedOnly int `json:"listed_only,omitempty"`
	// Unmatched lists the files the Hub lists at SHA that a local release
	// checked against the listing (WithHubDigests) does not hold.
	Unmatched []string `json:"unmatched,omitempty"`
}
