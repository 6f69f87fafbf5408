package testmodel

import (
	"archive/tar"
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// TinyGGUF returns a GGUF v3 file with no tensors and the given string
// metadata (general.architecture, general.license, …), keys in order.
func TinyGGUF(kv ...string) []byte {
	if len(kv)%2 != 0 {
		panic("testmodel: TinyGGUF takes key, value pairs")
	}
	var b bytes.Buffer
	b.WriteString("GGUF")
	b.Write(binary.LittleEndian.AppendUint32(nil, 3))
	b.Write(binary.LittleEndian.AppendUint64(nil, 0))
	b.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(kv)/2)))
	str := func(s string) {
		b.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(s))))
		b.WriteString(s)
	}
	for i := 0; i < len(kv); i += 2 {
		str(kv[i])
		b.Write(binary.LittleEndian.AppendUint32(nil, 8)) // string
		str(kv[i+1])
	}
	return b.Bytes()
}

// TinySafetensors returns a safetensors file holding one F32 tensor "w"
// of two zeros, with __metadata__ {"format": "pt"}.
func TinySafetensors() []byte {
	header := `{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	for len(header)%8 != 0 {
		header += " "
	}
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, make([]byte, 8)...)
}

// SHA256 returns the lower-case hex SHA-256 of data.
func SHA256(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// GitBlobSHA1 returns the git object id of data as a blob, which is how a
// Hugging Face cache names the blobs of files not stored with LFS.
func GitBlobSHA1(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// HFRevision is one snapshot of a cached repository.
type HFRevision struct {
	// Commit is the 40-hex commit; "" derives one from the files.
	Commit string
	// Refs name the commit under refs/: "main", "v1.0", "pr/3".
	Refs []string
	// Files maps slash-separated paths to bytes.
	Files map[string][]byte
	// NoExist lists paths recorded as absent on the Hub (.no_exist/).
	NoExist []string
}

// HFRepo is a repository folder of a Hugging Face cache.
type HFRepo struct {
	ID        string // "org/name", or "name" for canonical repos
	Kind      string // "models" (default), "datasets" or "spaces"
	Revisions []HFRevision
	// Copies writes the files into the snapshot instead of linking them to
	// blobs, as the cache does where symbolic links are unavailable.
	Copies bool
	// LFS says which files are stored with LFS (blob named by SHA-256);
	// nil means weight files (.safetensors, .bin, .gguf, .pt, .pth, .onnx,
	// .h5, .msgpack, .ckpt) and files over 10 MiB.
	LFS func(path string, size int) bool
}

// HFRepoLayout says where WriteHFRepo put things.
type HFRepoLayout struct {
	Dir     string   // the models--ORG--NAME folder
	Commits []string // in the order of Revisions
	// Blobs maps "commit/path" to the blob name its link points at.
	Blobs map[string]string
}

// HFRepoFolder returns the cache folder name of a repository:
// "models--org--name".
func HFRepoFolder(kind, id string) string {
	if kind == "" {
		kind = "models"
	}
	return kind + "--" + strings.ReplaceAll(id, "/", "--")
}

func defaultLFS(p string, size int) bool {
	switch path.Ext(p) {
	case ".safetensors", ".bin", ".gguf", ".pt", ".pth", ".onnx", ".h5", ".msgpack", ".ckpt":
		return true
	}
	return size > 10<<20
}

// WriteHFRepo writes a repository folder into cacheDir the way
// huggingface_hub lays it out: blobs/<sha256 or git sha1>,
// refs/<name> holding the commit, snapshots/<commit>/<path> as relative
// links to ../../blobs/<name> (or copies), and .no_exist markers.
func WriteHFRepo(cacheDir string, r HFRepo) (*HFRepoLayout, error) {
	lay := &HFRepoLayout{Dir: filepath.Join(cacheDir, HFRepoFolder(r.Kind, r.ID)), Blobs: map[string]string{}}
	lfs := r.LFS
	if lfs == nil {
		lfs = defaultLFS
	}
	for _, rev := range r.Revisions {
		commit := rev.Commit
		if commit == "" {
			h := sha1.New()
			for _, p := range sortedKeys(rev.Files) {
				fmt.Fprintf(h, "%s %s\n", p, SHA256(rev.Files[p]))
			}
			commit = hex.EncodeToString(h.Sum(nil))
		}
		lay.Commits = append(lay.Commits, commit)
		snap := filepath.Join(lay.Dir, "snapshots", commit)
		for _, p := range sortedKeys(rev.Files) {
			data := rev.Files[p]
			dst := filepath.Join(snap, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return nil, err
			}
			if r.Copies {
				if err := os.WriteFile(dst, data, 0o644); err != nil {
					return nil, err
				}
				continue
			}
			blob := GitBlobSHA1(data)
			if lfs(p, len(data)) {
				blob = SHA256(data)
			}
			lay.Blobs[commit+"/"+p] = blob
			blobPath := filepath.Join(lay.Dir, "blobs", blob)
			if err := os.MkdirAll(filepath.Dir(blobPath), 0o755); err != nil {
				return nil, err
			}
			if err := os.WriteFile(blobPath, data, 0o644); err != nil {
				return nil, err
			}
			target, err := filepath.Rel(filepath.Dir(dst), blobPath)
			if err != nil {
				return nil, err
			}
			if err := os.Symlink(target, dst); err != nil {
				return nil, err
			}
		}
		if len(rev.Files) == 0 {
			if err := os.MkdirAll(snap, 0o755); err != nil {
				return nil, err
			}
		}
		for _, ref := range rev.Refs {
			p := filepath.Join(lay.Dir, "refs", filepath.FromSlash(ref))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return nil, err
			}
			if err := os.WriteFile(p, []byte(commit), 0o644); err != nil {
				return nil, err
			}
		}
		for _, p := range rev.NoExist {
			dst := filepath.Join(lay.Dir, ".no_exist", commit, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return nil, err
			}
			if err := os.WriteFile(dst, nil, 0o644); err != nil {
				return nil, err
			}
		}
	}
	return lay, nil
}

// OllamaLayerSpec is one layer of an Ollama model.
type OllamaLayerSpec struct {
	// MediaType is a full media type or a short kind ("model", "license",
	// "template", "system", "params", "messages", "adapter", "projector",
	// "tensor", "json"), expanded to application/vnd.ollama.image.<kind>.
	MediaType string
	Data      []byte
	From      string
	Name      string // tensor or file name of tensor and json layers
	// Missing lists the layer in the manifest without writing its blob.
	Missing bool
}

// OllamaModelSpec is a model of an Ollama store.
type OllamaModelSpec struct {
	Name   string // [host/][namespace/]model[:tag]
	Layers []OllamaLayerSpec
	// Config is the config blob; nil writes a small default one.
	Config []byte
	// MissingConfig lists the config in the manifest without its blob.
	MissingConfig bool
	// V2 stores the manifest as newer Ollama does: a blob, linked from
	// manifests-v2/ (public models under the ollama.com host).
	V2 bool
	// Runner and Format are the manifest's runner and weight format.
	Runner, Format string
}

// OllamaDefaultConfig is the config blob written when a spec has none.
const OllamaDefaultConfig = `{"model_format":"gguf","model_family":"llama","model_families":["llama"],"model_type":"8B","file_type":"Q4_K_M","architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`

type ollamaJSONLayer struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
	From      string `json:"from,omitempty"`
	Name      string `json:"name,omitempty"`
}

type ollamaJSONManifest struct {
	SchemaVersion int                  `json:"schemaVersion,omitempty"`
	MediaType     string               `json:"mediaType"`
	Config        *ollamaJSONLayer     `json:"config,omitempty"`
	Layers        []ollamaJSONLayer    `json:"layers,omitempty"`
	Runner        string               `json:"runner,omitempty"`
	Format        string               `json:"format,omitempty"`
	Manifests     []ollamaJSONManifest `json:"manifests,omitempty"`
	Digest        string               `json:"digest,omitempty"`
}

// OllamaName splits a name into its four parts with Ollama's defaults.
func OllamaName(name string) (host, namespace, model, tag string) {
	host, namespace, tag = "registry.ollama.ai", "library", "latest"
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		name, tag = name[:i], name[i+1:]
	}
	parts := strings.Split(name, "/")
	switch len(parts) {
	case 1:
		model = parts[0]
	case 2:
		namespace, model = parts[0], parts[1]
	default:
		host, namespace, model = parts[0], parts[1], parts[2]
	}
	return host, namespace, model, tag
}

func writeBlob(root string, data []byte) (string, error) {
	d := SHA256(data)
	if err := os.MkdirAll(filepath.Join(root, "blobs"), 0o755); err != nil {
		return "", err
	}
	return "sha256:" + d, os.WriteFile(filepath.Join(root, "blobs", "sha256-"+d), data, 0o644)
}

// buildOllamaManifest writes the blobs of m and returns its manifest.
func buildOllamaManifest(root string, m OllamaModelSpec) (ollamaJSONManifest, error) {
	man := ollamaJSONManifest{SchemaVersion: 2, MediaType: "application/vnd.docker.distribution.manifest.v2+json", Runner: m.Runner, Format: m.Format}
	cfg := m.Config
	if cfg == nil {
		cfg = []byte(OllamaDefaultConfig)
	}
	d := "sha256:" + SHA256(cfg)
	if !m.MissingConfig {
		var err error
		if d, err = writeBlob(root, cfg); err != nil {
			return man, err
		}
	}
	man.Config = &ollamaJSONLayer{MediaType: "application/vnd.docker.container.image.v1+json", Digest: d, Size: int64(len(cfg))}
	for _, l := range m.Layers {
		mt := l.MediaType
		if !strings.Contains(mt, "/") {
			mt = "application/vnd.ollama.image." + mt
		}
		d := "sha256:" + SHA256(l.Data)
		if !l.Missing {
			var err error
			if d, err = writeBlob(root, l.Data); err != nil {
				return man, err
			}
		}
		man.Layers = append(man.Layers, ollamaJSONLayer{MediaType: mt, Digest: d, Size: int64(len(l.Data)), From: l.From, Name: l.Name})
	}
	return man, nil
}

// writeOllamaNamed stores manifest bytes under the model's name.
func writeOllamaNamed(root, name string, data []byte, v2 bool) (string, error) {
	host, ns, model, tag := OllamaName(name)
	dir := "manifests"
	if v2 {
		dir = "manifests-v2"
		if host == "registry.ollama.ai" {
			host = "ollama.com"
		}
	}
	p := filepath.Join(root, dir, host, ns, model, tag)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	if !v2 {
		return p, os.WriteFile(p, data, 0o644)
	}
	d, err := writeBlob(root, data)
	if err != nil {
		return "", err
	}
	blob := filepath.Join(root, "blobs", "sha256-"+strings.TrimPrefix(d, "sha256:"))
	target, err := filepath.Rel(filepath.Dir(p), blob)
	if err != nil {
		return "", err
	}
	return p, os.Symlink(target, p)
}

// WriteOllamaModel writes a model into the Ollama store at root (creating
// blobs/ and the manifest) and returns the manifest's path.
func WriteOllamaModel(root string, m OllamaModelSpec) (string, error) {
	man, err := buildOllamaManifest(root, m)
	if err != nil {
		return "", err
	}
	data, err := json.Marshal(man)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Join(root, "blobs"), 0o755); err != nil {
		return "", err
	}
	return writeOllamaNamed(root, m.Name, data, m.V2)
}

// WriteOllamaManifestList writes a manifest list (newer Ollama's
// per-runner entries) named name. Each child's Runner and Format label its
// entry; inline puts the child manifests in the list, otherwise each is a
// blob the entry refers to by digest.
func WriteOllamaManifestList(root, name string, children []OllamaModelSpec, inline, v2 bool) (string, error) {
	list := ollamaJSONManifest{SchemaVersion: 2, MediaType: "application/vnd.ollama.manifest.list.v2+json"}
	for _, c := range children {
		man, err := buildOllamaManifest(root, c)
		if err != nil {
			return "", err
		}
		if inline {
			list.Manifests = append(list.Manifests, man)
			continue
		}
		data, err := json.Marshal(man)
		if err != nil {
			return "", err
		}
		d, err := writeBlob(root, data)
		if err != nil {
			return "", err
		}
		list.Manifests = append(list.Manifests, ollamaJSONManifest{MediaType: man.MediaType, Digest: d, Runner: c.Runner, Format: c.Format})
	}
	data, err := json.Marshal(list)
	if err != nil {
		return "", err
	}
	return writeOllamaNamed(root, name, data, v2)
}

// OCI media types of model artifacts, for building layouts.
const (
	ModelPackArtifactType = "application/vnd.cncf.model.manifest.v1+json"
	ModelPackConfigType   = "application/vnd.cncf.model.config.v1+json"
	DockerModelConfigType = "application/vnd.docker.ai.model.config.v0.1+json"
)

// OCILayerSpec is one layer of an OCI model artifact.
type OCILayerSpec struct {
	MediaType   string
	Data        []byte
	Annotations map[string]string
	// Missing lists the layer without writing its blob.
	Missing bool
}

// OCIModel is one manifest of an OCI image layout.
type OCIModel struct {
	// RefName is the org.opencontainers.image.ref.name of its index entry.
	RefName         string
	ArtifactType    string
	ConfigMediaType string
	Config          []byte
	Layers          []OCILayerSpec
	Annotations     map[string]string
}

type ociJSONDesc struct {
	MediaType    string            `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int64             `json:"size"`
	ArtifactType string            `json:"artifactType,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
}

// WriteOCILayout writes an OCI image layout (oci-layout, index.json,
// blobs/sha256/<hex>) holding the models.
func WriteOCILayout(dir string, models ...OCIModel) error {
	blob := func(data []byte) (ociJSONDesc, error) {
		d := SHA256(data)
		p := filepath.Join(dir, "blobs", "sha256", d)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return ociJSONDesc{}, err
		}
		return ociJSONDesc{Digest: "sha256:" + d, Size: int64(len(data))}, os.WriteFile(p, data, 0o644)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		return err
	}
	index := struct {
		SchemaVersion int           `json:"schemaVersion"`
		MediaType     string        `json:"mediaType"`
		Manifests     []ociJSONDesc `json:"manifests"`
	}{SchemaVersion: 2, MediaType: "application/vnd.oci.image.index.v1+json", Manifests: []ociJSONDesc{}}
	for _, m := range models {
		cfg, err := blob(m.Config)
		if err != nil {
			return err
		}
		cfg.MediaType = m.ConfigMediaType
		man := struct {
			SchemaVersion int               `json:"schemaVersion"`
			MediaType     string            `json:"mediaType"`
			ArtifactType  string            `json:"artifactType,omitempty"`
			Config        ociJSONDesc       `json:"config"`
			Layers        []ociJSONDesc     `json:"layers"`
			Annotations   map[string]string `json:"annotations,omitempty"`
		}{SchemaVersion: 2, MediaType: "application/vnd.oci.image.manifest.v1+json", ArtifactType: m.ArtifactType, Config: cfg, Layers: []ociJSONDesc{}, Annotations: m.Annotations}
		for _, l := range m.Layers {
			d := ociJSONDesc{Digest: "sha256:" + SHA256(l.Data), Size: int64(len(l.Data))}
			if !l.Missing {
				if d, err = blob(l.Data); err != nil {
					return err
				}
			}
			d.MediaType, d.Annotations = l.MediaType, l.Annotations
			man.Layers = append(man.Layers, d)
		}
		data, err := json.Marshal(man)
		if err != nil {
			return err
		}
		md, err := blob(data)
		if err != nil {
			return err
		}
		md.MediaType = man.MediaType
		md.ArtifactType = m.ArtifactType
		if m.RefName != "" {
			md.Annotations = map[string]string{"org.opencontainers.image.ref.name": m.RefName}
		}
		index.Manifests = append(index.Manifests, md)
	}
	data, err := json.Marshal(index)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "index.json"), data, 0o644)
}

// ModelPackModel returns a CNCF ModelPack artifact whose files are raw
// layers: weights (.safetensors, .gguf, .bin, …) as weight layers, JSON
// and tokenizer files as weight.config layers, the rest as doc layers,
// each with its org.cncf.model.filepath. licenses go into the config
// descriptor.
func ModelPackModel(ref, name string, files map[string][]byte, licenses ...string) OCIModel {
	cfg, _ := json.Marshal(map[string]any{
		"descriptor": map[string]any{"name": name, "family": "llama", "licenses": licenses},
		"config":     map[string]any{"format": "safetensors", "paramSize": "1b", "precision": "bf16"},
		"modelfs":    map[string]any{"type": "layers", "diffIds": []string{}},
	})
	m := OCIModel{RefName: ref, ArtifactType: ModelPackArtifactType, ConfigMediaType: ModelPackConfigType, Config: cfg}
	for _, p := range sortedKeys(files) {
		kind := "doc"
		switch ext := path.Ext(p); {
		case ext == ".safetensors" || ext == ".gguf" || ext == ".bin" || ext == ".pt":
			kind = "weight"
		case ext == ".json" || strings.HasPrefix(path.Base(p), "tokenizer"):
			kind = "weight.config"
		}
		m.Layers = append(m.Layers, OCILayerSpec{
			MediaType:   "application/vnd.cncf.model." + kind + ".v1.raw",
			Data:        files[p],
			Annotations: map[string]string{"org.cncf.model.filepath": p},
		})
	}
	return m
}

// DockerModel returns a Docker Model Runner artifact: a GGUF layer and,
// when license is not empty, a licence layer.
func DockerModel(ref string, gguf []byte, license string) OCIModel {
	cfg := []byte(`{"config":{"format":"gguf","quantization":"Q4_K_M","parameters":"1B","architecture":"llama","size":"1MB"},"descriptor":{"created":"2025-01-01T00:00:00Z"},"rootfs":{"type":"rootfs","diff_ids":[]}}`)
	m := OCIModel{RefName: ref, ConfigMediaType: DockerModelConfigType, Config: cfg}
	m.Layers = append(m.Layers, OCILayerSpec{MediaType: "application/vnd.docker.ai.gguf.v3", Data: gguf})
	if license != "" {
		m.Layers = append(m.Layers, OCILayerSpec{MediaType: "application/vnd.docker.ai.license", Data: []byte(license)})
	}
	return m
}

// TarLayer returns an uncompressed tar of the files, in path order.
func TarLayer(files map[string][]byte) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, p := range sortedKeys(files) {
		if err := tw.WriteHeader(&tar.Header{Name: p, Mode: 0o644, Size: int64(len(files[p])), Typeflag: tar.TypeReg}); err != nil {
			panic(err)
		}
		if _, err := tw.Write(files[p]); err != nil {
			panic(err)
		}
	}
	if err := tw.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// SweepTree is a directory tree holding models in every shape a sweep
// finds, written by WriteSweepTree.
type SweepTree struct {
	Root string
	// HFCache is a hub cache with models--acme--tiny (two revisions, main
	// and v1.0) and datasets--acme--data (to be skipped).
	HFCache string
	// HFRepo is the acme/tiny folder; HFCommits its two commits.
	HFRepo    string
	HFCommits []string
	// Ollama is a store holding tiny:latest and acme/evil:1b.
	Ollama string
	// OCI is a layout holding one ModelPack model.
	OCI string
	// Release is a plain release directory (card, config, safetensors).
	Release string
	// Loose lists weight files outside any release, sorted.
	Loose []string
}

// WriteSweepTree writes a tree with an HF cache, an Ollama store, an OCI
// layout, a release directory, loose weight files, a link leaving the tree
// and junk a sweep must skip.
func WriteSweepTree(dir string) (*SweepTree, error) {
	t := &SweepTree{Root: dir}
	t.HFCache = filepath.Join(dir, "home", ".cache", "huggingface", "hub")
	card := []byte("---\nlicense: apache-2.0\n---\n# tiny\n")
	lay, err := WriteHFRepo(t.HFCache, HFRepo{ID: "acme/tiny", Revisions: []HFRevision{
		{Refs: []string{"v1.0"}, Files: map[string][]byte{"README.md": card, "model.safetensors": TinySafetensors()}},
		{Refs: []string{"main"}, Files: map[string][]byte{"README.md": card, "config.json": []byte(`{"model_type":"llama"}`), "model.safetensors": TinySafetensors()}},
	}})
	if err != nil {
		return nil, err
	}
	t.HFRepo, t.HFCommits = lay.Dir, lay.Commits
	if _, err := WriteHFRepo(t.HFCache, HFRepo{ID: "acme/data", Kind: "datasets", Revisions: []HFRevision{{Refs: []string{"main"}, Files: map[string][]byte{"data.safetensors": TinySafetensors()}}}}); err != nil {
		return nil, err
	}
	t.Ollama = filepath.Join(dir, "home", ".ollama", "models")
	if _, err := WriteOllamaModel(t.Ollama, OllamaModelSpec{Name: "tiny", Layers: []OllamaLayerSpec{
		{MediaType: "model", Data: TinyGGUF("general.architecture", "llama", "general.license", "mit")},
		{MediaType: "license", Data: []byte("MIT License\n")},
	}}); err != nil {
		return nil, err
	}
	if _, err := WriteOllamaModel(t.Ollama, OllamaModelSpec{Name: "acme/evil:1b", V2: true, Layers: []OllamaLayerSpec{
		{MediaType: "model", Data: TinyGGUF("general.architecture", "qwen2")},
	}}); err != nil {
		return nil, err
	}
	t.OCI = filepath.Join(dir, "srv", "oci")
	if err := WriteOCILayout(t.OCI, ModelPackModel("tiny:1.0", "tiny", map[string][]byte{"README.md": card, "model.safetensors": TinySafetensors()}, "Apache-2.0")); err != nil {
		return nil, err
	}
	t.Release = filepath.Join(dir, "srv", "models", "my-model")
	for p, data := range map[string][]byte{"README.md": card, "config.json": []byte(`{"model_type":"llama"}`), "model.safetensors": TinySafetensors(), "onnx/model.onnx": {0x08, 0x07, 0x12, 0x07, 'p', 'y', 't', 'o', 'r', 'c', 'h'}} {
		if err := writeFile(filepath.Join(t.Release, filepath.FromSlash(p)), data); err != nil {
			return nil, err
		}
	}
	loose := map[string][]byte{
		filepath.Join(dir, "home", ".lmstudio", "models", "acme", "tiny-GGUF", "tiny-Q4_K_M.gguf"): TinyGGUF("general.architecture", "llama"),
		filepath.Join(dir, "home", "Downloads", "checkpoint.pt"):                                   TorchZip("archive", 2, []Tensor{{Name: "w", DType: "F32", Shape: []int64{2}}}),
		filepath.Join(dir, "home", "Downloads", "weights.bin"):                                     TorchLegacy(2, []Tensor{{Name: "w", DType: "F32", Shape: []int64{2}}}),
	}
	for p, data := range loose {
		if err := writeFile(p, data); err != nil {
			return nil, err
		}
		t.Loose = append(t.Loose, p)
	}
	slices.Sort(t.Loose)
	// Not models: a firmware .bin, notes, a git folder with a weight file.
	for p, data := range map[string][]byte{
		filepath.Join(dir, "home", "Downloads", "firmware.bin"):        []byte("\x7fELF not weights"),
		filepath.Join(dir, "home", "notes.txt"):                        []byte("hello"),
		filepath.Join(dir, "srv", "repo", ".git", "objects", "x.gguf"): TinyGGUF(),
	} {
		if err := writeFile(p, data); err != nil {
			return nil, err
		}
	}
	// A link out of the tree, which a sweep must not follow.
	if err := os.Symlink("/", filepath.Join(dir, "home", "rootfs")); err != nil {
		return nil, err
	}
	return t, nil
}

func writeFile(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}

// LFSPointer returns the Git LFS pointer file that a clone without Git LFS
// holds in place of data: the version line, the SHA-256 and the size.
func LFSPointer(data []byte) []byte {
	return fmt.Appendf(nil, "version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n", SHA256(data), len(data))
}
