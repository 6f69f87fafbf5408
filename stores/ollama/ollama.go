package ollama

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/textsafe"
	"github.com/modelvet/modelvet/stores/internal/jsondoc"
)

// Format names an Ollama manifest in a formats.Error.
const Format = "ollama-manifest"

// Media types (ollama/ollama manifest/manifest.go and the layer types its
// GetModel reads).
const (
	mediaTypeManifest = "application/vnd.docker.distribution.manifest.v2+json"
	// MediaTypeManifestList is the media type of a manifest list, whose
	// entries are manifests for different runners.
	MediaTypeManifestList = "application/vnd.ollama.manifest.list.v2+json"
	// LayerMediaTypePrefix starts the media type of every Ollama layer;
	// the rest is the layer's kind ("model", "license", "template", …).
	LayerMediaTypePrefix = "application/vnd.ollama.image."
)

// Defaults Ollama fills into short names.
const (
	defaultHost      = "registry.ollama.ai"
	v2Host           = "ollama.com" // the host manifests-v2 stores public models under
	defaultNamespace = "library"
	defaultTag       = "latest"
)

// Name is a model name in an Ollama store: [host/][namespace/]model[:tag].
type Name struct {
	Host, Namespace, Model, Tag string
}

// ParseName parses a name as "ollama run" accepts it, filling the
// defaults registry.ollama.ai, library and latest. Parts hold letters,
// digits, '_', '-' and '.' (no '.' in a namespace; the host may add a
// ":port"); "..", empty parts and parts over 128 bytes are refused.
func ParseName(s string) (Name, error) {
	orig := s
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	n := Name{Host: defaultHost, Namespace: defaultNamespace, Tag: defaultTag}
	if i := strings.LastIndexByte(s, ':'); i > strings.LastIndexByte(s, '/') {
		n.Tag, s = s[i+1:], s[:i]
	}
	parts := strings.Split(s, "/")
	switch len(parts) {
	case 1:
		n.Model = parts[0]
	case 2:
		n.Namespace, n.Model = parts[0], parts[1]
	case 3:
		n.Host, n.Namespace, n.Model = parts[0], parts[1], parts[2]
	default:
		return Name{}, fmt.Errorf("ollama name %q has too many parts (want [host/][namespace/]model[:tag])", orig)
	}
	for _, p := range []struct {
		what, v string
		host    bool
		dots    bool
	}{{"host", n.Host, true, true}, {"namespace", n.Namespace, false, false}, {"model", n.Model, false, true}, {"tag", n.Tag, false, true}} {
		if !validPart(p.v, p.host, p.dots) {
			return Name{}, fmt.Errorf("ollama name %q has an invalid %s %q", orig, p.what, p.v)
		}
	}
	return n, nil
}

func validPart(s string, host, dots bool) bool {
	if s == "" || len(s) > 128 || strings.Contains(s, "..") || s[0] == '.' || s[0] == '-' {
		return false
	}
	if host {
		if h, port, ok := strings.Cut(s, ":"); ok {
			if _, err := strconv.ParseUint(port, 10, 16); err != nil || h == "" {
				return false
			}
			s = h
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-':
		case c == '.' && dots:
		default:
			return false
		}
	}
	return true
}

func isPublicHost(h string) bool {
	return strings.EqualFold(h, defaultHost) || strings.EqualFold(h, v2Host)
}

// String returns the shortest form users type: "deepseek-r1:7b" for the
// public library, "user/model:tag" for other namespaces, the full name for
// other hosts. The tag is always written.
func (n Name) String() string {
	switch {
	case isPublicHost(n.Host) && strings.EqualFold(n.Namespace, defaultNamespace):
		return n.Model + ":" + n.Tag
	case isPublicHost(n.Host):
		return n.Namespace + "/" + n.Model + ":" + n.Tag
	}
	return n.Host + "/" + n.Namespace + "/" + n.Model + ":" + n.Tag
}

// Full returns the name with every part written: host/namespace/model:tag.
func (n Name) Full() string {
	return n.Host + "/" + n.Namespace + "/" + n.Model + ":" + n.Tag
}

// HubRepo returns the Hugging Face repository ("ORG/REPO") of a model
// Ollama pulled from the Hub ("ollama pull hf.co/ORG/REPO:QUANT"), or ""
// for a model from any other host.
func (n Name) HubRepo() string {
	if strings.EqualFold(n.Host, "hf.co") || strings.EqualFold(n.Host, "huggingface.co") {
		return n.Namespace + "/" + n.Model
	}
	return ""
}

// Manifest is an Ollama manifest, or a manifest list (MediaType
// MediaTypeManifestList) whose Manifests are either manifests or
// references to manifest blobs (Digest set, no config and no layers).
type Manifest struct {
	SchemaVersion int        `json:"schemaVersion"`
	MediaType     string     `json:"mediaType"`
	Config        *Layer     `json:"config"`
	Layers        []Layer    `json:"layers"`
	Runner        string     `json:"runner"`
	Format        string     `json:"format"`
	Manifests     []Manifest `json:"manifests"`
	Digest        string     `json:"digest"` // a manifest-list entry that refers to a blob
}

// Layer is a layer (or the config) of a manifest.
type Layer struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
	From      string `json:"from"`
	Name      string `json:"name"`
}

// IsList reports whether m is a manifest list.
func (m *Manifest) IsList() bool { return m.MediaType == MediaTypeManifestList }

// IsReference reports whether m, an entry of a manifest list, refers to a
// manifest blob instead of holding the manifest.
func (m *Manifest) IsReference() bool { return m.Config == nil && len(m.Layers) == 0 }

// ParseManifest decodes and checks a manifest: every digest is sha256,
// sizes are not negative, layer and entry counts within
// limits.MaxStoreLayers, and manifest lists do not nest. Faults are
// *formats.Error values of format "ollama-manifest".
func ParseManifest(data []byte) (*Manifest, error) {
	var m Manifest
	if err := jsondoc.Decode(data, Format, "manifest", &m); err != nil {
		return nil, err
	}
	if err := m.check(0); err != nil {
		return nil, err
	}
	return &m, nil
}

func (m *Manifest) check(depth int) error {
	bad := func(format string, args ...any) error {
		return &formats.Error{Format: Format, Offset: -1, Msg: fmt.Sprintf(format, args...)}
	}
	if m.IsList() {
		if depth > 0 {
			return bad("manifest lists are nested")
		}
		if len(m.Manifests) == 0 {
			return bad("manifest list has no entries")
		}
		if len(m.Manifests) > limits.MaxStoreLayers {
			return bad("manifest list has %d entries, over the %d limit", len(m.Manifests), limits.MaxStoreLayers)
		}
		for i := range m.Manifests {
			if err := m.Manifests[i].check(depth + 1); err != nil {
				return err
			}
		}
		return nil
	}
	if m.Digest != "" && m.IsReference() {
		if _, ok := ParseDigest(m.Digest); !ok {
			return bad("manifest-list entry has an invalid digest %q", textsafe.Truncate(m.Digest, 40))
		}
		return nil // a reference to a manifest blob
	}
	if len(m.Layers) == 0 && m.Config == nil {
		return bad("manifest has no config and no layers")
	}
	if len(m.Layers) > limits.MaxStoreLayers {
		return bad("manifest has %d layers, over the %d limit", len(m.Layers), limits.MaxStoreLayers)
	}
	layers := m.Layers
	if m.Config != nil {
		layers = append(slices.Clip(layers), *m.Config)
	}
	for _, l := range layers {
		if _, ok := ParseDigest(l.Digest); !ok {
			return bad("layer %s has an invalid digest %q (want sha256:<64 hex>)", textsafe.Truncate(l.MediaType, 40), textsafe.Truncate(l.Digest, 40))
		}
		if l.Size < 0 {
			return bad("layer %s has a negative size", textsafe.Truncate(l.Digest, 40))
		}
	}
	return nil
}

// ParseDigest returns the lower-case hex of a "sha256:<hex>" digest, or
// of the "sha256-<hex>" a blob file is named by.
func ParseDigest(d string) (string, bool) {
	if len(d) != 71 || !strings.HasPrefix(d, "sha256") || (d[6] != ':' && d[6] != '-') || !isHex(d[7:]) {
		return "", false
	}
	return strings.ToLower(d[7:]), true
}

func isHex(s string) bool {
	return strings.Trim(s, "0123456789abcdefABCDEF") == ""
}

// ParseConfig returns the fields of a model's config blob (model_format,
// model_family, model_families, model_type, file_type, …) by dotted path,
// one level of nested objects deep, arrays of scalars joined by commas; at
// most 128 fields of at most 1024 characters each. A blob that is not valid
// JSON is a *formats.Error of format "config".
func ParseConfig(data []byte) (map[string]string, error) {
	return jsondoc.Flatten(data, "config", 1)
}
