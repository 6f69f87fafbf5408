package oci

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/textsafe"
	"github.com/modelvet/modelvet/stores/internal/jsondoc"
)

// Format names an OCI index or manifest in a formats.Error.
const Format = "oci-manifest"

// Media types of OCI indexes and of model artifacts (CNCF ModelPack
// specs-go/v1/mediatype.go; Docker Model Runner
// pkg/distribution/types/config.go).
const (
	mediaTypeIndex          = "application/vnd.oci.image.index.v1+json"
	mediaTypeDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
	mediaTypeModelPack      = "application/vnd.cncf.model.manifest.v1+json"
	mediaTypeModelPackCfg   = "application/vnd.cncf.model.config.v1+json"
	modelPackLayerPrefix    = "application/vnd.cncf.model."
	dockerModelConfigPrefix = "application/vnd.docker.ai.model.config."
	dockerModelLayerPrefix  = "application/vnd.docker.ai."
)

// Annotations of OCI descriptors and manifests (OCI image-spec
// annotations.md; CNCF ModelPack specs-go/v1/annotations.go).
const (
	AnnotationFilepath = "org.cncf.model.filepath"
	AnnotationTitle    = "org.opencontainers.image.title"
	AnnotationRefName  = "org.opencontainers.image.ref.name"
)

// Descriptor is an OCI content descriptor.
type Descriptor struct {
	MediaType    string            `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int64             `json:"size"`
	ArtifactType string            `json:"artifactType"`
	Annotations  map[string]string `json:"annotations"`
}

// Manifest is an OCI image index (Manifests) or image manifest (Config
// and Layers).
type Manifest struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType"`
	ArtifactType  string            `json:"artifactType"`
	Config        *Descriptor       `json:"config"`
	Layers        []Descriptor      `json:"layers"`
	Manifests     []Descriptor      `json:"manifests"`
	Annotations   map[string]string `json:"annotations"`
}

// ParseManifest decodes and checks an index or manifest: digests are
// algorithm:hex (see ParseDigest), sizes are not negative, and layers and
// manifests are at most limits.MaxStoreLayers and MaxStoreModels. Faults
// are *formats.Error values of format "oci-manifest".
func ParseManifest(data []byte) (*Manifest, error) {
	var m Manifest
	if err := jsondoc.Decode(data, Format, "OCI document", &m); err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) error {
		return &formats.Error{Format: Format, Offset: -1, Msg: fmt.Sprintf(format, args...)}
	}
	if len(m.Layers) > limits.MaxStoreLayers || len(m.Manifests) > limits.MaxStoreModels {
		return nil, bad("document lists %d layers and %d manifests, over the limits", len(m.Layers), len(m.Manifests))
	}
	descs := slices.Concat(m.Layers, m.Manifests)
	if m.Config != nil {
		descs = append(descs, *m.Config)
	}
	for _, d := range descs {
		if _, _, ok := ParseDigest(d.Digest); !ok {
			return nil, bad("descriptor %s has an invalid digest %q", textsafe.Truncate(d.MediaType, 40), textsafe.Truncate(d.Digest, 40))
		}
		if d.Size < 0 {
			return nil, bad("descriptor %s has a negative size", textsafe.Truncate(d.Digest, 40))
		}
	}
	return &m, nil
}

// ParseDigest splits "sha256:<64 hex>" (or sha512:<128 hex>), returning
// the hex in lower case.
func ParseDigest(d string) (alg, hexDigest string, ok bool) {
	alg, h, found := strings.Cut(d, ":")
	switch {
	case !found:
		return "", "", false
	case alg == "sha256" && isHex(h, 64), alg == "sha512" && isHex(h, 128):
		return alg, strings.ToLower(h), true
	}
	return "", "", false
}

func isHex(s string, n int) bool {
	return len(s) == n && strings.Trim(s, "0123456789abcdefABCDEF") == ""
}

// BlobPath returns the path of a blob relative to the layout,
// slash-separated: blobs/<alg>/<hex>.
func BlobPath(digest string) string {
	return "blobs/" + strings.Replace(digest, ":", "/", 1)
}

// ModelKind says which kind of model artifact a manifest is: "modelpack"
// (a CNCF ModelPack artifact type or config), "docker" (a Docker model
// config), or "" for any other image.
func (m *Manifest) ModelKind() string {
	switch {
	case m.ArtifactType == mediaTypeModelPack, m.Config != nil && m.Config.MediaType == mediaTypeModelPackCfg:
		return "modelpack"
	case m.Config != nil && strings.HasPrefix(m.Config.MediaType, dockerModelConfigPrefix):
		return "docker"
	}
	return ""
}

// FileName returns the file name a layer's annotations give it
// (org.cncf.model.filepath, else org.opencontainers.image.title), as
// written: the caller checks it is a safe path.
func (d Descriptor) FileName() string {
	return cmp.Or(d.Annotations[AnnotationFilepath], d.Annotations[AnnotationTitle])
}

// LayerKind is what a layer's media type says of its blob.
type LayerKind struct {
	// Tar is set for a tar of files; Compression is then "", "gzip" or
	// "zstd".
	Tar         bool
	Compression string
	// Name is the file name of a raw layer of a Docker model when no
	// annotation names it ("model.gguf", "LICENSE", …), or "".
	Name string
	// License marks a Docker model's licence layer, Doc a ModelPack
	// documentation layer (which may hold licence files).
	License, Doc bool
}

// KindOf classifies a layer media type.
func KindOf(mediaType string) LayerKind {
	k := LayerKind{
		License: mediaType == dockerModelLayerPrefix+"license",
		Doc:     strings.HasPrefix(mediaType, modelPackLayerPrefix+"doc."),
	}
	switch mt := mediaType; {
	case strings.HasSuffix(mt, ".tar"), strings.HasSuffix(mt, ".tar+gzip"), strings.HasSuffix(mt, ".tar+zstd"),
		strings.HasSuffix(mt, ".tar.gzip"), strings.HasSuffix(mt, ".tar.zstd"):
		k.Tar = true
		switch {
		case strings.HasSuffix(mt, "gzip"):
			k.Compression = "gzip"
		case strings.HasSuffix(mt, "zstd"):
			k.Compression = "zstd"
		}
		return k
	}
	switch mediaType {
	case dockerModelLayerPrefix + "gguf.v3", "application/vnd.docker.ai.model.file.v1+gguf":
		k.Name = "model.gguf"
	case dockerModelLayerPrefix + "safetensors":
		k.Name = "model.safetensors"
	case dockerModelLayerPrefix + "license":
		k.Name = "LICENSE"
	case dockerModelLayerPrefix + "mmproj":
		k.Name = "mmproj.gguf"
	case dockerModelLayerPrefix + "chat.template.jinja":
		k.Name = "chat_template.jinja"
	case dockerModelLayerPrefix + "dduf":
		k.Name = "model.dduf"
	}
	return k
}

// ParseConfig returns the fields of a model artifact's config blob
// (descriptor.name, descriptor.licenses, config.format, config.parameters,
// …) by dotted path, two levels of nested objects deep, arrays of scalars
// joined by commas; at most 128 fields of at most 1024 characters each.
// The diff ids under rootfs and modelfs are left out: they are layer
// digests, not facts about the model. A blob that is not valid JSON is a
// *formats.Error of format "config".
func ParseConfig(data []byte) (map[string]string, error) {
	cfg, err := jsondoc.Flatten(data, "config", 2)
	for k := range cfg {
		if strings.HasPrefix(k, "rootfs.") || strings.HasPrefix(k, "modelfs.") {
			delete(cfg, k)
		}
	}
	return cfg, err
}
