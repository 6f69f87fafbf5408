package manifest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
	"github.com/modelvet/modelvet/stores"
	"github.com/modelvet/modelvet/stores/ollama"
)

// FormatOllamaManifest is the format of an Ollama manifest, as a
// formats.Error reports it.
const FormatOllamaManifest Format = ollama.Format

// Ollama is a model in an Ollama store (read by package stores/ollama):
// root "" means the store $OLLAMA_MODELS names, else ~/.ollama/models;
// name is [host/][namespace/]model[:tag]. Its layers become files of the
// release under synthetic paths (model.gguf, adapter.gguf, projector.gguf,
// template, system, params, messages, license, license-2, …) read from the
// blobs, each with the layer digest as its expected SHA-256 (source
// "ollama"). Licence layers are licence texts (origin "ollama-layer"); the
// template, system prompt, parameters and config blob fields go into
// Release.Ollama. A blob the store lacks is a problem, and the layer's
// file is listed without local bytes.
func Ollama(root, name string) Source { return ollamaSource{root: root, name: name} }

type ollamaSource struct{ root, name string }

func (s ollamaSource) String() string {
	if s.root == "" {
		return "ollama:" + s.name
	}
	if n, err := ollama.ParseName(s.name); err == nil {
		if p, _, ok := ollama.Find(s.root, n); ok {
			return p
		}
	}
	return "ollama:" + s.name
}

// ListOllama returns a Source for every model in the store at root ("" for
// the default store), sorted by name.
func ListOllama(root string) ([]Source, error) {
	if root == "" {
		root = ollama.Root()
	}
	models, _, err := listOllama(root)
	if err != nil {
		return nil, err
	}
	out := make([]Source, 0, len(models))
	for _, m := range models {
		out = append(out, Ollama(root, m.Name.Full()))
	}
	return out, nil
}

// listOllama lists the models of a store, with the folders that could
// not be listed as problems.
func listOllama(root string) ([]ollama.Model, []*Problem, error) {
	models, problems, ok := ollama.List(root)
	if !ok {
		return nil, storeProblems(problems), fmt.Errorf("%s: not an Ollama store (no manifests folder): %w", root, ErrNotFound)
	}
	return models, storeProblems(problems), nil
}

// storeProblems turns what a store reader could not read into problems.
func storeProblems(ps []stores.Problem) []*Problem {
	var out []*Problem
	for _, p := range ps {
		out = append(out, &Problem{Path: p.Path, Message: p.Message, Err: p.Err})
	}
	return out
}

func (s ollamaSource) Open(ctx context.Context) (*Release, error) {
	root := cmp.Or(s.root, ollama.Root())
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	if !ollama.IsStore(root) {
		return nil, fmt.Errorf("%s: not an Ollama store (want blobs/ and manifests/): %w", root, ErrNotFound)
	}
	store, err := ollama.Open(root)
	if err != nil {
		return nil, err
	}
	n, err := ollama.ParseName(s.name)
	if err != nil {
		return nil, err
	}
	mpath, mrel, ok := ollama.Find(root, n)
	if !ok {
		return nil, withSuggestion(fmt.Errorf("ollama model %s is not in the store at %s: %w", n, root, ErrNotFound), root, n)
	}
	// The names on disk are the authoritative spelling.
	n, _ = ollama.ManifestName(mrel)

	// A manifests-v2 entry is a link to the manifest blob; it must stay in
	// the store.
	data, digest, err := store.ReadManifest(mpath)
	if err != nil {
		return nil, fmt.Errorf("%s: manifest %s: %w", root, mrel, err)
	}
	om := &OllamaModel{
		Name: n.String(), Host: n.Host, Namespace: n.Namespace, Model: n.Model, Tag: n.Tag,
		ManifestPath: mrel, ManifestDigest: digest,
	}
	rel := &Release{Name: om.Name, Source: s.String(), Kind: KindOllama, Root: root, Revision: om.ManifestDigest, Ollama: om}
	rel.Repo = n.HubRepo()
	m, err := ollama.ParseManifest(data)
	if err != nil {
		var fe *formats.Error
		if errors.As(err, &fe) {
			fe.Path = mrel
		}
		return nil, err
	}
	st := &ollamaLoader{store: store, rel: rel, paths: pathSet{}}
	om.MediaType = m.MediaType
	if m.IsList() {
		for i := range m.Manifests {
			child := &m.Manifests[i]
			runner := child.Runner
			if child.IsReference() {
				c, err := store.ReadManifestBlob(child.Digest)
				if err != nil {
					rel.addProblem(&Problem{Path: mrel, Message: fmt.Sprintf("manifest-list entry %s (runner %q): %v", child.Digest, runner, err), Err: err})
					continue
				}
				if c.IsList() {
					rel.addProblem(&Problem{Path: mrel, Message: "manifest-list entry " + child.Digest + " is itself a list; not read"})
					continue
				}
				c.Runner = cmp.Or(c.Runner, runner)
				c.Format = cmp.Or(c.Format, child.Format)
				child = c
			}
			om.Runners = append(om.Runners, child.Runner)
			prefix := ""
			if len(m.Manifests) > 1 {
				prefix = safeSegment(cmp.Or(child.Runner, child.Format, "entry-"+strconv.Itoa(i+1))) + "/"
			}
			st.addManifest(child, prefix)
		}
	} else {
		st.addManifest(m, "")
	}
	if err := describe(ctx, rel); err != nil {
		return nil, err
	}
	// Licence layers were read like licence files; say where they came from.
	for _, lt := range rel.LicenseTexts {
		if st.licenseLayers[lt.Path] {
			lt.Origin = "ollama-layer"
		}
	}
	return rel, nil
}

// withSuggestion adds to a not-found error the store's models with the
// same model name, if any.
func withSuggestion(err error, root string, n ollama.Name) error {
	models, _, lerr := listOllama(root)
	if lerr != nil {
		return err
	}
	var near []string
	for _, m := range models {
		if strings.EqualFold(m.Name.Model, n.Model) {
			near = append(near, m.Name.String())
		}
	}
	if len(near) == 0 {
		return err
	}
	return fmt.Errorf("%w (the store has %s)", err, strings.Join(near, ", "))
}

// ollamaLoader turns manifest layers into release files.
type ollamaLoader struct {
	store         *ollama.Store
	rel           *Release
	paths         pathSet
	licenseLayers map[string]bool
}

// addManifest adds the layers and config of one runnable manifest.
func (st *ollamaLoader) addManifest(m *ollama.Manifest, prefix string) {
	om := st.rel.Ollama
	if om.Format == "" {
		om.Format = m.Format
	}
	if m.Config != nil && om.ConfigDigest == "" {
		st.readConfig(*m.Config)
	}
	for _, l := range m.Layers {
		h, _ := ollama.ParseDigest(l.Digest) // checked by ollama.ParseManifest
		p := prefix + st.paths.unique(prefix, ollamaLayerPath(l, m.Format, h))
		layer := OllamaLayer{MediaType: l.MediaType, Digest: "sha256:" + h, Size: l.Size, Path: p, From: l.From, Name: l.Name, Runner: m.Runner}
		f := &File{Path: p, Size: l.Size, Expected: []Expectation{{Algorithm: "sha256", Digest: h, Size: l.Size, Source: "ollama"}}}
		blob, err := st.store.Blob(h)
		if err != nil {
			layer.Missing = true
			st.rel.addProblem(&Problem{Path: p, Message: fmt.Sprintf("blob sha256-%s of layer %s is missing from the store or unreadable (%v)", h, l.MediaType, safeio.PathErrorCause(err)), Err: err})
			f.Format, f.unreadable = classify(p, nil), true
		} else {
			f.LocalPath = blob
		}
		om.Layers = append(om.Layers, layer)
		st.rel.Files = append(st.rel.Files, f)
		if layer.Missing {
			continue
		}
		kind := strings.TrimPrefix(l.MediaType, ollama.LayerMediaTypePrefix)
		var dst *string
		switch kind {
		case "license":
			if st.licenseLayers == nil {
				st.licenseLayers = map[string]bool{}
			}
			st.licenseLayers[p] = true
			f.Format = FormatLicense
		case "template", "prompt":
			dst = &om.Template
		case "system":
			dst = &om.System
		case "params":
			dst = &om.Params
		case "messages":
			dst = &om.Messages
		}
		if dst != nil && *dst == "" {
			data, truncated, err := safeio.ReadFilePrefix(blob, limits.MaxStoreTextBytes)
			if err != nil {
				st.rel.addProblem(&Problem{Path: p, Message: "cannot be read: " + err.Error(), Err: err})
				continue
			}
			*dst = string(data)
			if truncated {
				st.rel.addProblem(&Problem{Path: p, Message: fmt.Sprintf("%s layer is longer than %d bytes; only the start was kept", kind, limits.MaxStoreTextBytes)})
			}
		}
	}
}

// readConfig reads the config blob's top-level fields.
func (st *ollamaLoader) readConfig(l ollama.Layer) {
	om := st.rel.Ollama
	h, _ := ollama.ParseDigest(l.Digest)
	om.ConfigDigest = "sha256:" + h
	p, err := st.store.Blob(h)
	if err != nil {
		st.rel.addProblem(&Problem{Path: om.ManifestPath, Field: "config", Message: fmt.Sprintf("config blob sha256-%s is missing from the store or unreadable (%v)", h, safeio.PathErrorCause(err)), Err: err})
		return
	}
	data, err := safeio.ReadFile(p, limits.MaxJSONBytes)
	if err != nil {
		st.rel.addProblem(&Problem{Path: om.ManifestPath, Field: "config", Message: "config blob cannot be read: " + err.Error(), Err: err})
		return
	}
	cfg, err := ollama.ParseConfig(data)
	if err != nil {
		st.rel.addProblem(&Problem{Path: om.ManifestPath, Field: "config", Message: "config blob is not a JSON object: " + err.Error(), Err: err})
		return
	}
	if len(cfg) > 0 {
		om.Config = cfg
	}
}

// ollamaLayerPath names the release file a layer appears as.
func ollamaLayerPath(l ollama.Layer, format, hexDigest string) string {
	weightExt := ".gguf"
	if strings.EqualFold(format, "safetensors") {
		weightExt = ".safetensors"
	}
	switch kind := strings.TrimPrefix(l.MediaType, ollama.LayerMediaTypePrefix); {
	case !strings.HasPrefix(l.MediaType, ollama.LayerMediaTypePrefix):
		return "layer-" + hexDigest[:12]
	case kind == "model", kind == "adapter", kind == "projector", kind == "draft":
		return kind + weightExt
	case kind == "template", kind == "prompt":
		return "template"
	case kind == "system", kind == "params", kind == "license", kind == "messages", kind == "embed":
		return kind
	case kind == "tensor":
		if n := safeRelPath(l.Name); n != "" {
			return "tensors/" + n
		}
		return "tensors/tensor"
	case kind == "json":
		if n := safeRelPath(l.Name); n != "" {
			return n
		}
		return "config-layer.json"
	}
	return "layer-" + hexDigest[:12]
}

// safeRelPath returns a name from a manifest as a clean relative path, or
// "" if it is empty, absolute, climbs out, or holds control characters or
// backslashes.
func safeRelPath(name string) string {
	if name == "" || len(name) > 1024 || strings.ContainsAny(name, "\\\x00") || path.IsAbs(name) {
		return ""
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return ""
		}
	}
	c := path.Clean(name)
	if c == "." || c == ".." || strings.HasPrefix(c, "../") {
		return ""
	}
	return c
}

// safeSegment makes a single path segment from attacker text.
func safeSegment(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 64 {
			break
		}
	}
	out := strings.Trim(b.String(), ".")
	if out == "" {
		return "entry"
	}
	return out
}
