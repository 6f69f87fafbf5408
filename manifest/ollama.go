package manifest

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
	"github.com/modelvet/modelvet/internal/textsafe"
)

// FormatOllamaManifest is the format of an Ollama manifest, as a
// formats.Error reports it.
const FormatOllamaManifest Format = "ollama-manifest"

// Ollama media types (ollama/ollama manifest/manifest.go and the layer
// types its GetModel reads).
const (
	ollamaManifestV2   = "application/vnd.docker.distribution.manifest.v2+json"
	ollamaManifestList = "application/vnd.ollama.manifest.list.v2+json"
	ollamaLayerPrefix  = "application/vnd.ollama.image."
)

// Defaults Ollama fills into short names.
const (
	ollamaDefaultHost      = "registry.ollama.ai"
	ollamaV2Host           = "ollama.com" // the host manifests-v2 stores public models under
	ollamaDefaultNamespace = "library"
	ollamaDefaultTag       = "latest"
)

// OllamaRoot returns the Ollama store used by default: $OLLAMA_MODELS, else
// ~/.ollama/models.
func OllamaRoot() string {
	if d := os.Getenv("OLLAMA_MODELS"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".ollama", "models")
	}
	return filepath.Join(home, ".ollama", "models")
}

// OllamaName is a model name in an Ollama store: [host/][namespace/]model[:tag].
type OllamaName struct {
	Host, Namespace, Model, Tag string
}

// ParseOllamaName parses a name as "ollama run" accepts it, filling the
// defaults registry.ollama.ai, library and latest. Parts hold letters,
// digits, '_', '-' and '.' (no '.' in a namespace; the host may add a
// ":port"); "..", empty parts and parts over 128 bytes are refused.
func ParseOllamaName(s string) (OllamaName, error) {
	orig := s
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	n := OllamaName{Host: ollamaDefaultHost, Namespace: ollamaDefaultNamespace, Tag: ollamaDefaultTag}
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
		return OllamaName{}, fmt.Errorf("ollama name %q has too many parts (want [host/][namespace/]model[:tag])", orig)
	}
	for _, p := range []struct {
		what, v string
		host    bool
		dots    bool
	}{{"host", n.Host, true, true}, {"namespace", n.Namespace, false, false}, {"model", n.Model, false, true}, {"tag", n.Tag, false, true}} {
		if !validOllamaPart(p.v, p.host, p.dots) {
			return OllamaName{}, fmt.Errorf("ollama name %q has an invalid %s %q", orig, p.what, p.v)
		}
	}
	return n, nil
}

func validOllamaPart(s string, host, dots bool) bool {
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

// isHFHost reports the hosts under which Ollama stores models pulled from
// the Hugging Face Hub (hf.co/ORG/REPO:QUANT).
func isHFHost(h string) bool {
	return strings.EqualFold(h, "hf.co") || strings.EqualFold(h, "huggingface.co")
}

func isPublicOllamaHost(h string) bool {
	return strings.EqualFold(h, ollamaDefaultHost) || strings.EqualFold(h, ollamaV2Host)
}

// String returns the shortest form users type: "deepseek-r1:7b" for the
// public library, "user/model:tag" for other namespaces, the full name for
// other hosts. The tag is always written.
func (n OllamaName) String() string {
	switch {
	case isPublicOllamaHost(n.Host) && strings.EqualFold(n.Namespace, ollamaDefaultNamespace):
		return n.Model + ":" + n.Tag
	case isPublicOllamaHost(n.Host):
		return n.Namespace + "/" + n.Model + ":" + n.Tag
	}
	return n.Host + "/" + n.Namespace + "/" + n.Model + ":" + n.Tag
}

// Ollama is a model in an Ollama store: root "" means OllamaRoot(), name is
// [host/][namespace/]model[:tag]. Its layers become files of the release
// under synthetic paths (model.gguf, adapter.gguf, projector.gguf,
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
	if n, err := ParseOllamaName(s.name); err == nil {
		if p, _, err := findOllamaManifest(s.root, n); err == nil {
			return p
		}
	}
	return "ollama:" + s.name
}

// ollamaManifest is the JSON of an Ollama manifest or manifest list.
type ollamaManifest struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType"`
	Config        *ollamaLayerJSON  `json:"config"`
	Layers        []ollamaLayerJSON `json:"layers"`
	Runner        string            `json:"runner"`
	Format        string            `json:"format"`
	Manifests     []ollamaManifest  `json:"manifests"`
	Digest        string            `json:"digest"` // a manifest-list entry that refers to a blob
}

type ollamaLayerJSON struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
	From      string `json:"from"`
	Name      string `json:"name"`
}

// parseOllamaManifest decodes and checks a manifest: every digest is
// sha256, sizes are not negative, layer and entry counts within caps, and
// manifest lists do not nest.
func parseOllamaManifest(data []byte) (*ollamaManifest, error) {
	var m ollamaManifest
	if err := decodeJSON(data, FormatOllamaManifest, "manifest", &m); err != nil {
		return nil, err
	}
	if err := m.check(0); err != nil {
		return nil, err
	}
	return &m, nil
}

func (m *ollamaManifest) check(depth int) error {
	bad := func(format string, args ...any) error {
		return &formats.Error{Format: string(FormatOllamaManifest), Offset: -1, Msg: fmt.Sprintf(format, args...)}
	}
	if m.MediaType == ollamaManifestList {
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
	if m.Digest != "" && m.Config == nil && len(m.Layers) == 0 {
		if _, ok := ollamaDigest(m.Digest); !ok {
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
		if _, ok := ollamaDigest(l.Digest); !ok {
			return bad("layer %s has an invalid digest %q (want sha256:<64 hex>)", textsafe.Truncate(l.MediaType, 40), textsafe.Truncate(l.Digest, 40))
		}
		if l.Size < 0 {
			return bad("layer %s has a negative size", textsafe.Truncate(l.Digest, 40))
		}
	}
	return nil
}

// ollamaDigest returns the lower-case hex of a "sha256:<hex>" or
// "sha256-<hex>" digest.
func ollamaDigest(d string) (string, bool) {
	if len(d) != 71 || !strings.HasPrefix(d, "sha256") || (d[6] != ':' && d[6] != '-') || !isHex(d[7:], 64) {
		return "", false
	}
	return strings.ToLower(d[7:]), true
}

// findOllamaManifest locates the manifest of n in root: manifests-v2
// first (public models under ollama.com), then the legacy manifests
// folder (registry.ollama.ai), matching names without regard to case as
// Ollama does. It returns the path and the path relative to root.
func findOllamaManifest(root string, n OllamaName) (string, string, error) {
	type cand struct{ dir, host string }
	var cands []cand
	if isPublicOllamaHost(n.Host) {
		cands = []cand{{"manifests-v2", ollamaV2Host}, {"manifests-v2", ollamaDefaultHost}, {"manifests", ollamaDefaultHost}, {"manifests", ollamaV2Host}}
	} else {
		cands = []cand{{"manifests-v2", n.Host}, {"manifests", n.Host}}
	}
	for _, c := range cands {
		parts := []string{c.dir, c.host, n.Namespace, n.Model, n.Tag}
		if p, ok := lookupFold(root, parts); ok {
			relp, _ := filepath.Rel(root, p)
			return p, filepath.ToSlash(relp), nil
		}
	}
	return "", "", fmt.Errorf("ollama model %s is not in the store at %s: %w", n, root, ErrNotFound)
}

// lookupFold joins parts under root, matching each part exactly or, failing
// that, without regard to case.
func lookupFold(root string, parts []string) (string, bool) {
	p := root
	for i, part := range parts {
		next := filepath.Join(p, part)
		if _, err := os.Lstat(next); err != nil {
			entries, err := os.ReadDir(p)
			if err != nil {
				return "", false
			}
			found := false
			for _, e := range entries {
				if strings.EqualFold(e.Name(), part) {
					next, found = filepath.Join(p, e.Name()), true
					break
				}
			}
			if !found {
				return "", false
			}
		}
		if i < len(parts)-1 && !safeio.IsDir(next) {
			return "", false
		}
		p = next
	}
	return p, true
}

// ollamaModelRef is a model found by listing a store.
type ollamaModelRef struct {
	Name     OllamaName
	Manifest string // path
}

// listOllama enumerates the manifests of a store, sorted by name. Names
// found in both manifest folders are listed once.
func listOllama(root string) ([]ollamaModelRef, []*Problem, error) {
	var out []ollamaModelRef
	var problems []*Problem
	seen := map[string]bool{}
	found := false
	for _, dir := range []string{"manifests-v2", "manifests"} {
		base := filepath.Join(root, dir)
		if !safeio.IsDir(base) {
			continue
		}
		found = true
		hosts, err := os.ReadDir(base)
		if err != nil {
			problems = append(problems, &Problem{Path: base, Message: "cannot be read: " + safeio.PathErrorCause(err).Error(), Err: err})
			continue
		}
		for _, h := range hosts {
			for _, ns := range readDirs(filepath.Join(base, h.Name()), &problems) {
				for _, m := range readDirs(filepath.Join(base, h.Name(), ns), &problems) {
					dir := filepath.Join(base, h.Name(), ns, m)
					tags, err := os.ReadDir(dir)
					if err != nil {
						problems = append(problems, &Problem{Path: dir, Message: "cannot be read: " + safeio.PathErrorCause(err).Error(), Err: err})
						continue
					}
					for _, t := range tags {
						if t.IsDir() || !(t.Type().IsRegular() || t.Type()&fs.ModeSymlink != 0) {
							continue
						}
						n := OllamaName{Host: h.Name(), Namespace: ns, Model: m, Tag: t.Name()}
						if _, err := ParseOllamaName(n.Host + "/" + n.Namespace + "/" + n.Model + ":" + n.Tag); err != nil {
							continue
						}
						key := strings.ToLower(n.String())
						if seen[key] {
							continue
						}
						if len(out) >= limits.MaxStoreModels {
							problems = append(problems, &Problem{Path: root, Message: fmt.Sprintf("store lists more than %d models; the rest were not listed", limits.MaxStoreModels)})
							return sortOllama(out), problems, nil
						}
						seen[key] = true
						out = append(out, ollamaModelRef{Name: n, Manifest: filepath.Join(dir, t.Name())})
					}
				}
			}
		}
	}
	if !found {
		return nil, problems, fmt.Errorf("%s: not an Ollama store (no manifests folder): %w", root, ErrNotFound)
	}
	return sortOllama(out), problems, nil
}

func sortOllama(refs []ollamaModelRef) []ollamaModelRef {
	slices.SortFunc(refs, func(a, b ollamaModelRef) int { return strings.Compare(a.Name.String(), b.Name.String()) })
	return refs
}

// readDirs lists the sub-directories of dir, recording a problem when it
// cannot be read.
func readDirs(dir string, problems *[]*Problem) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		*problems = append(*problems, &Problem{Path: dir, Message: "cannot be read: " + safeio.PathErrorCause(err).Error(), Err: err})
		return nil
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

// ListOllama returns a Source for every model in the store at root ("" for
// OllamaRoot()), sorted by name.
func ListOllama(root string) ([]Source, error) {
	if root == "" {
		root = OllamaRoot()
	}
	refs, _, err := listOllama(root)
	if err != nil {
		return nil, err
	}
	out := make([]Source, 0, len(refs))
	for _, r := range refs {
		out = append(out, Ollama(root, r.Name.Host+"/"+r.Name.Namespace+"/"+r.Name.Model+":"+r.Name.Tag))
	}
	return out, nil
}

// isOllamaStore reports whether dir is an Ollama store root.
func isOllamaStore(dir string) bool {
	return safeio.IsDir(filepath.Join(dir, "blobs")) && (safeio.IsDir(filepath.Join(dir, "manifests")) || safeio.IsDir(filepath.Join(dir, "manifests-v2")))
}

func (s ollamaSource) Open(ctx context.Context) (*Release, error) {
	root := s.root
	if root == "" {
		root = OllamaRoot()
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	if !isOllamaStore(root) {
		return nil, fmt.Errorf("%s: not an Ollama store (want blobs/ and manifests/): %w", root, ErrNotFound)
	}
	rootReal, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, err
	}
	n, err := ParseOllamaName(s.name)
	if err != nil {
		return nil, err
	}
	mpath, mrel, err := findOllamaManifest(root, n)
	if err != nil {
		return nil, withSuggestion(err, root, n)
	}
	// The names on disk are the authoritative spelling.
	parts := strings.Split(mrel, "/")
	n = OllamaName{Host: parts[1], Namespace: parts[2], Model: parts[3], Tag: parts[4]}
	if strings.EqualFold(n.Host, ollamaV2Host) {
		n.Host = ollamaDefaultHost
	}

	// A manifests-v2 entry is a link to the manifest blob; it must stay in
	// the store.
	target, _, err := safeio.ResolveInside(mpath, rootReal)
	if err != nil {
		return nil, fmt.Errorf("%s: manifest %s: %w", root, mrel, err)
	}
	data, err := safeio.ReadFile(target, limits.MaxJSONBytes)
	if err != nil {
		return nil, fmt.Errorf("%s: manifest %s: %w", root, mrel, err)
	}
	sum := sha256.Sum256(data)
	om := &OllamaModel{
		Name: n.String(), Host: n.Host, Namespace: n.Namespace, Model: n.Model, Tag: n.Tag,
		ManifestPath: mrel, ManifestDigest: "sha256:" + hex.EncodeToString(sum[:]),
	}
	rel := &Release{Name: om.Name, Source: s.String(), Kind: KindOllama, Root: root, Revision: om.ManifestDigest, Ollama: om}
	if isHFHost(n.Host) {
		// "ollama pull hf.co/ORG/REPO:QUANT" reads a Hugging Face repository.
		rel.Repo = n.Namespace + "/" + n.Model
	}
	m, err := parseOllamaManifest(data)
	if err != nil {
		var fe *formats.Error
		if errors.As(err, &fe) {
			fe.Path = mrel
		}
		return nil, err
	}
	st := &ollamaStore{root: root, rootReal: rootReal, rel: rel, paths: map[string]int{}}
	om.MediaType = m.MediaType
	if m.MediaType == ollamaManifestList {
		for i := range m.Manifests {
			child := &m.Manifests[i]
			runner := child.Runner
			if child.Config == nil && len(child.Layers) == 0 {
				c, err := st.readManifestBlob(child.Digest)
				if err != nil {
					rel.addProblem(&Problem{Path: mrel, Message: fmt.Sprintf("manifest-list entry %s (runner %q): %v", child.Digest, runner, err), Err: err})
					continue
				}
				if c.MediaType == ollamaManifestList {
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
func withSuggestion(err error, root string, n OllamaName) error {
	refs, _, lerr := listOllama(root)
	if lerr != nil {
		return err
	}
	var near []string
	for _, r := range refs {
		if strings.EqualFold(r.Name.Model, n.Model) {
			near = append(near, r.Name.String())
		}
	}
	if len(near) == 0 {
		return err
	}
	return fmt.Errorf("%w (the store has %s)", err, strings.Join(near, ", "))
}

// ollamaStore turns manifest layers into release files.
type ollamaStore struct {
	root, rootReal string
	rel            *Release
	paths          map[string]int // synthetic path base → uses
	licenseLayers  map[string]bool
}

// blob returns the path of the blob with the given hex digest, if the
// store has it as a regular file (a link must stay in the store).
func (st *ollamaStore) blob(hexDigest string) (string, error) {
	p := filepath.Join(st.root, "blobs", "sha256-"+hexDigest)
	fi, err := os.Lstat(p)
	if err != nil {
		return "", err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, _, err := safeio.ResolveInside(p, st.rootReal)
		return target, err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("blob is %s, not a regular file", safeio.ModeName(fi.Mode()))
	}
	return p, nil
}

func (st *ollamaStore) readManifestBlob(digest string) (*ollamaManifest, error) {
	h, ok := ollamaDigest(digest)
	if !ok {
		return nil, fmt.Errorf("invalid digest %q", textsafe.Truncate(digest, 40))
	}
	p, err := st.blob(h)
	if err != nil {
		return nil, err
	}
	data, err := safeio.ReadFile(p, limits.MaxJSONBytes)
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != h {
		return nil, fmt.Errorf("manifest blob does not match its digest")
	}
	m, err := parseOllamaManifest(data)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// addManifest adds the layers and config of one runnable manifest.
func (st *ollamaStore) addManifest(m *ollamaManifest, prefix string) {
	om := st.rel.Ollama
	if om.Format == "" {
		om.Format = m.Format
	}
	if m.Config != nil && om.ConfigDigest == "" {
		st.readConfig(*m.Config)
	}
	for _, l := range m.Layers {
		h, _ := ollamaDigest(l.Digest) // checked by parseOllamaManifest
		p := prefix + st.uniquePath(prefix, ollamaLayerPath(l, m.Format, h))
		layer := OllamaLayer{MediaType: l.MediaType, Digest: "sha256:" + h, Size: l.Size, Path: p, From: l.From, Name: l.Name, Runner: m.Runner}
		f := &File{Path: p, Size: l.Size, Expected: []Expectation{{Algorithm: "sha256", Digest: h, Size: l.Size, Source: "ollama"}}}
		blob, err := st.blob(h)
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
		kind := strings.TrimPrefix(l.MediaType, ollamaLayerPrefix)
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
func (st *ollamaStore) readConfig(l ollamaLayerJSON) {
	om := st.rel.Ollama
	h, _ := ollamaDigest(l.Digest)
	om.ConfigDigest = "sha256:" + h
	p, err := st.blob(h)
	if err != nil {
		st.rel.addProblem(&Problem{Path: om.ManifestPath, Field: "config", Message: fmt.Sprintf("config blob sha256-%s is missing from the store or unreadable (%v)", h, safeio.PathErrorCause(err)), Err: err})
		return
	}
	data, err := safeio.ReadFile(p, limits.MaxJSONBytes)
	if err != nil {
		st.rel.addProblem(&Problem{Path: om.ManifestPath, Field: "config", Message: "config blob cannot be read: " + err.Error(), Err: err})
		return
	}
	cfg, err := flattenJSON(data, 1)
	if err != nil {
		st.rel.addProblem(&Problem{Path: om.ManifestPath, Field: "config", Message: "config blob is not a JSON object: " + err.Error(), Err: err})
		return
	}
	if len(cfg) > 0 {
		om.Config = cfg
	}
}

// ollamaLayerPath names the release file a layer appears as.
func ollamaLayerPath(l ollamaLayerJSON, format, hexDigest string) string {
	weightExt := ".gguf"
	if strings.EqualFold(format, "safetensors") {
		weightExt = ".safetensors"
	}
	switch kind := strings.TrimPrefix(l.MediaType, ollamaLayerPrefix); {
	case !strings.HasPrefix(l.MediaType, ollamaLayerPrefix):
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

// uniquePath returns p, or p with "-2", "-3", … before its extension when
// an earlier layer took it.
func (st *ollamaStore) uniquePath(prefix, p string) string {
	key := prefix + p
	st.paths[key]++
	n := st.paths[key]
	if n == 1 {
		return p
	}
	ext := path.Ext(p)
	if strings.Contains(ext, "/") || ext == p {
		ext = ""
	}
	q := strings.TrimSuffix(p, ext) + "-" + strconv.Itoa(n) + ext
	return st.uniquePath(prefix, q)
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

// flattenJSON returns the scalar fields of a JSON object by dotted path,
// down to maxDepth nested objects, with arrays of scalars joined by
// commas. It keeps at most 128 fields of at most 1024 bytes each.
func flattenJSON(data []byte, maxDepth int) (map[string]string, error) {
	if err := checkJSON("", data); err != nil {
		return nil, err
	}
	doc := gjson.ParseBytes(data)
	if !doc.IsObject() {
		return nil, fmt.Errorf("not a JSON object")
	}
	out := map[string]string{}
	var walk func(prefix string, o gjson.Result, depth int)
	walk = func(prefix string, o gjson.Result, depth int) {
		o.ForEach(func(k, v gjson.Result) bool {
			key := prefix + k.Str
			var parts []string
			switch {
			case v.IsObject() && depth < maxDepth:
				walk(key+".", v, depth+1)
			case v.IsArray():
				v.ForEach(func(_, e gjson.Result) bool {
					if s, ok := scalarString(e); ok {
						parts = append(parts, s)
					}
					return true
				})
			default:
				if s, ok := scalarString(v); ok {
					parts = []string{s}
				}
			}
			if len(parts) > 0 {
				out[key] = textsafe.Truncate(strings.Join(parts, ","), 1024)
			}
			return len(out) < 128
		})
	}
	walk("", doc, 0)
	return out, nil
}

func scalarString(v gjson.Result) (string, bool) {
	switch v.Type {
	case gjson.String:
		return v.Str, true
	case gjson.Number, gjson.True, gjson.False:
		return v.Raw, true
	}
	return "", false
}
