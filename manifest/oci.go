package manifest

import (
	"archive/tar"
	"cmp"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/klauspost/compress/zstd"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
	"github.com/modelvet/modelvet/internal/textsafe"
)

// FormatOCIManifest is the format of OCI index and manifest documents, as
// a formats.Error reports it.
const FormatOCIManifest Format = "oci-manifest"

// Media types and annotations of OCI model artifacts (CNCF ModelPack
// specs-go/v1/mediatype.go and annotations.go; Docker Model Runner
// pkg/distribution/types/config.go).
const (
	ociIndexType       = "application/vnd.oci.image.index.v1+json"
	ociManifestType    = "application/vnd.oci.image.manifest.v1+json"
	dockerListType     = "application/vnd.docker.distribution.manifest.list.v2+json"
	dockerManifestType = "application/vnd.docker.distribution.manifest.v2+json"
	modelPackManifest  = "application/vnd.cncf.model.manifest.v1+json"
	modelPackConfig    = "application/vnd.cncf.model.config.v1+json"
	modelPackLayer     = "application/vnd.cncf.model."
	dockerModelConfig  = "application/vnd.docker.ai.model.config."
	dockerModelLayer   = "application/vnd.docker.ai."
	annotationFilepath = "org.cncf.model.filepath"
	annotationTitle    = "org.opencontainers.image.title"
	annotationRefName  = "org.opencontainers.image.ref.name"
	maxOCIIndexNesting = 4
)

// OCI is a model artifact in an OCI image layout (a directory with
// oci-layout, index.json and blobs/<alg>/<hex>): a CNCF ModelPack or Docker
// model. ref selects the manifest by its org.opencontainers.image.ref.name
// annotation or its digest; "" takes the only model manifest of the layout.
//
// Raw layers become files (named by their org.cncf.model.filepath or
// org.opencontainers.image.title annotation) read from the blobs, with the
// layer digest as their expected SHA-256 (source "oci-manifest"). An
// uncompressed tar layer appears as its blob (blobs/sha256/<hex>, with the
// expectation) and its members as files read in place; members of gzip
// tars are listed, not read; zstd tars are neither. Licence files from
// licence and doc layers are licence texts of origin "oci-layer".
func OCI(dir, ref string) Source { return ociSource{dir: dir, ref: ref} }

type ociSource struct{ dir, ref string }

func (s ociSource) String() string {
	if s.ref == "" {
		return s.dir
	}
	return s.dir + "@" + s.ref
}

// ociDescriptor is an OCI content descriptor.
type ociDescriptor struct {
	MediaType    string            `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int64             `json:"size"`
	ArtifactType string            `json:"artifactType"`
	Annotations  map[string]string `json:"annotations"`
}

// ociManifest is an OCI image index or image manifest.
type ociManifest struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType"`
	ArtifactType  string            `json:"artifactType"`
	Config        *ociDescriptor    `json:"config"`
	Layers        []ociDescriptor   `json:"layers"`
	Manifests     []ociDescriptor   `json:"manifests"`
	Annotations   map[string]string `json:"annotations"`
}

// parseOCIManifest decodes and checks an index or manifest: digests are
// algorithm:hex, sizes are not negative, and counts are within caps.
func parseOCIManifest(data []byte) (*ociManifest, error) {
	var m ociManifest
	if err := decodeJSON(data, FormatOCIManifest, "OCI document", &m); err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) error {
		return &formats.Error{Format: string(FormatOCIManifest), Offset: -1, Msg: fmt.Sprintf(format, args...)}
	}
	if len(m.Layers) > limits.MaxStoreLayers || len(m.Manifests) > limits.MaxStoreModels {
		return nil, bad("document lists %d layers and %d manifests, over the limits", len(m.Layers), len(m.Manifests))
	}
	descs := slices.Concat(m.Layers, m.Manifests)
	if m.Config != nil {
		descs = append(descs, *m.Config)
	}
	for _, d := range descs {
		if _, _, ok := ociDigest(d.Digest); !ok {
			return nil, bad("descriptor %s has an invalid digest %q", textsafe.Truncate(d.MediaType, 40), textsafe.Truncate(d.Digest, 40))
		}
		if d.Size < 0 {
			return nil, bad("descriptor %s has a negative size", textsafe.Truncate(d.Digest, 40))
		}
	}
	return &m, nil
}

// ociDigest splits "sha256:<64 hex>" (or sha512:<128 hex>).
func ociDigest(d string) (alg, hexDigest string, ok bool) {
	alg, h, found := strings.Cut(d, ":")
	switch {
	case !found:
		return "", "", false
	case alg == "sha256" && isHex(h, 64), alg == "sha512" && isHex(h, 128):
		return alg, strings.ToLower(h), true
	}
	return "", "", false
}

// isOCILayout reports whether dir is an OCI image layout.
func isOCILayout(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "oci-layout"))
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	fi, err = os.Stat(filepath.Join(dir, "index.json"))
	return err == nil && fi.Mode().IsRegular()
}

// ociLayout reads blobs of one layout.
type ociLayout struct {
	dir, dirReal string
}

func openOCILayout(dir string) (*ociLayout, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if !isOCILayout(abs) {
		return nil, fmt.Errorf("%s: not an OCI image layout (want oci-layout and index.json): %w", dir, ErrNotFound)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, missing(dir, err)
	}
	return &ociLayout{dir: abs, dirReal: real}, nil
}

// blobPath returns the path of a blob, following a link only inside the
// layout.
func (l *ociLayout) blobPath(digest string) (string, error) {
	alg, h, ok := ociDigest(digest)
	if !ok {
		return "", fmt.Errorf("invalid digest %q", textsafe.Truncate(digest, 40))
	}
	p := filepath.Join(l.dir, "blobs", alg, h)
	fi, err := os.Lstat(p)
	if err != nil {
		return "", err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		target, _, err := safeio.ResolveInside(p, l.dirReal)
		return target, err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("blob is %s, not a regular file", safeio.ModeName(fi.Mode()))
	}
	return p, nil
}

// readBlob reads a small JSON blob and checks its size and digest.
func (l *ociLayout) readBlob(d ociDescriptor) ([]byte, error) {
	p, err := l.blobPath(d.Digest)
	if err != nil {
		return nil, err
	}
	data, err := safeio.ReadFile(p, limits.MaxJSONBytes)
	if err != nil {
		return nil, err
	}
	if int64(len(data)) != d.Size {
		return nil, fmt.Errorf("blob %s is %d bytes, the descriptor says %d", d.Digest, len(data), d.Size)
	}
	alg, h, _ := ociDigest(d.Digest)
	if alg == "sha256" {
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != h {
			return nil, fmt.Errorf("blob %s does not match its digest", d.Digest)
		}
	}
	return data, nil
}

// ociEntry is a manifest reachable from index.json.
type ociEntry struct {
	Desc ociDescriptor
	Ref  string // org.opencontainers.image.ref.name of it or of the index entry leading to it
}

// manifests lists the image manifests reachable from index.json, expanding
// nested indexes, in index order.
func (l *ociLayout) manifests() ([]ociEntry, []*Problem, error) {
	data, err := safeio.ReadFile(filepath.Join(l.dir, "index.json"), limits.MaxJSONBytes)
	if err != nil {
		return nil, nil, err
	}
	idx, err := parseOCIManifest(data)
	if err != nil {
		var fe *formats.Error
		if errors.As(err, &fe) {
			fe.Path = "index.json"
		}
		return nil, nil, err
	}
	var out []ociEntry
	var problems []*Problem
	var walk func(descs []ociDescriptor, ref string, depth int)
	walk = func(descs []ociDescriptor, ref string, depth int) {
		for _, d := range descs {
			if len(out) >= limits.MaxStoreModels {
				return
			}
			r := cmp.Or(d.Annotations[annotationRefName], ref)
			switch d.MediaType {
			case ociIndexType, dockerListType:
				if depth >= maxOCIIndexNesting {
					problems = append(problems, &Problem{Path: "index.json", Message: "image indexes nested too deep; " + d.Digest + " not read"})
					continue
				}
				data, err := l.readBlob(d)
				if err == nil {
					var sub *ociManifest
					if sub, err = parseOCIManifest(data); err == nil {
						walk(sub.Manifests, r, depth+1)
						continue
					}
				}
				problems = append(problems, &Problem{Path: "index.json", Message: "image index " + d.Digest + " cannot be read: " + err.Error(), Err: err})
			default:
				out = append(out, ociEntry{Desc: d, Ref: r})
			}
		}
	}
	walk(idx.Manifests, "", 0)
	return out, problems, nil
}

// ociModelLayout says which kind of model artifact a manifest is, or "".
func ociModelLayout(m *ociManifest) string {
	switch {
	case m.ArtifactType == modelPackManifest, m.Config != nil && m.Config.MediaType == modelPackConfig:
		return "modelpack"
	case m.Config != nil && strings.HasPrefix(m.Config.MediaType, dockerModelConfig):
		return "docker"
	}
	return ""
}

// ListOCI returns a Source for every model manifest of the OCI layout at
// dir, in index order.
func ListOCI(dir string) ([]Source, error) {
	list, err := listOCI(dir)
	if err != nil {
		return nil, err
	}
	out := make([]Source, 0, len(list))
	for _, l := range list {
		out = append(out, l.src)
	}
	return out, nil
}

// ociListed is a model manifest found in a layout, with the name it goes
// by (its ref name, or "").
type ociListed struct {
	src  Source
	name string
}

func listOCI(dir string) ([]ociListed, error) {
	l, err := openOCILayout(dir)
	if err != nil {
		return nil, err
	}
	entries, _, err := l.manifests()
	if err != nil {
		return nil, err
	}
	var out []ociListed
	for _, e := range entries {
		data, err := l.readBlob(e.Desc)
		if err != nil {
			continue
		}
		m, err := parseOCIManifest(data)
		if err != nil || ociModelLayout(m) == "" {
			continue
		}
		ref := e.Ref
		if len(entries) == 1 {
			ref = ""
		} else if ref == "" {
			ref = e.Desc.Digest
		}
		out = append(out, ociListed{src: OCI(dir, ref), name: e.Ref})
	}
	return out, nil
}

func (s ociSource) Open(ctx context.Context) (*Release, error) {
	l, err := openOCILayout(s.dir)
	if err != nil {
		return nil, err
	}
	entries, problems, err := l.manifests()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.dir, err)
	}
	var chosen *ociEntry
	var refs []string
	for i, e := range entries {
		refs = append(refs, cmp.Or(e.Ref, e.Desc.Digest))
		if s.ref != "" && (e.Ref == s.ref || e.Desc.Digest == s.ref) {
			chosen = &entries[i]
			break
		}
	}
	switch {
	case s.ref == "" && len(entries) == 1:
		chosen = &entries[0]
	case s.ref == "" && len(entries) == 0:
		return nil, fmt.Errorf("%s: the layout's index lists no manifest: %w", s.dir, ErrNotFound)
	case s.ref == "":
		return nil, fmt.Errorf("%s: the layout holds %d manifests (%s); name one as %s@REF", s.dir, len(entries), strings.Join(refs, ", "), s.dir)
	case chosen == nil:
		return nil, fmt.Errorf("%s: no manifest named %q in the layout (it has %s): %w", s.dir, s.ref, strings.Join(refs, ", "), ErrNotFound)
	}
	data, err := l.readBlob(chosen.Desc)
	if err != nil {
		return nil, fmt.Errorf("%s: manifest %s: %w", s.dir, chosen.Desc.Digest, err)
	}
	m, err := parseOCIManifest(data)
	if err != nil {
		var fe *formats.Error
		if errors.As(err, &fe) {
			fe.Path = "blobs/" + strings.Replace(chosen.Desc.Digest, ":", "/", 1)
		}
		return nil, err
	}
	layout := ociModelLayout(m)
	if layout == "" {
		cfg := ""
		if m.Config != nil {
			cfg = m.Config.MediaType
		}
		return nil, fmt.Errorf("%s: manifest %s is not a model artifact (config media type %q): %w", s.dir, chosen.Desc.Digest, cfg, ErrUnsupported)
	}
	art := &OCIArtifact{
		Layout: layout, Reference: chosen.Ref, ManifestDigest: chosen.Desc.Digest,
		ArtifactType: m.ArtifactType, ConfigMediaType: m.Config.MediaType, ConfigDigest: m.Config.Digest,
		Annotations: m.Annotations,
	}
	rel := &Release{Source: s.String(), Kind: KindOCI, Root: l.dir, Revision: chosen.Desc.Digest, OCI: art, Problems: problems}
	ol := &ociLoader{layout: l, rel: rel, paths: map[string]int{}, members: map[*File]tarMember{}, licenseFiles: map[string]bool{}}
	ol.readConfig(*m.Config)
	for _, d := range m.Layers {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ol.addLayer(d)
	}
	rel.Name = cmp.Or(art.Config["descriptor.name"], chosen.Ref, m.Annotations[annotationTitle], filepath.Base(l.dir))
	if err := describeWith(ctx, rel, ol.open); err != nil {
		return nil, err
	}
	for _, lt := range rel.LicenseTexts {
		if ol.licenseFiles[lt.Path] {
			lt.Origin = "oci-layer"
		}
	}
	return rel, nil
}

// ociLoader turns manifest layers into release files.
type ociLoader struct {
	layout       *ociLayout
	rel          *Release
	paths        map[string]int
	members      map[*File]tarMember // files read from inside a tar blob
	kept         int64               // bytes kept from compressed tars
	licenseFiles map[string]bool
}

// tarMember locates a member's bytes inside an uncompressed tar blob, or
// holds the first bytes of a compressed tar's member.
type tarMember struct {
	blob      string
	off, size int64
	data      []byte
}

func (ol *ociLoader) readConfig(d ociDescriptor) {
	data, err := ol.layout.readBlob(d)
	if err != nil {
		ol.rel.addProblem(&Problem{Path: "blobs/" + strings.Replace(d.Digest, ":", "/", 1), Field: "config", Message: "config blob cannot be read: " + err.Error(), Err: err})
		return
	}
	cfg, err := flattenJSON(data, 2)
	if err != nil {
		ol.rel.addProblem(&Problem{Path: "blobs/" + strings.Replace(d.Digest, ":", "/", 1), Field: "config", Message: "config blob is not a JSON object: " + err.Error(), Err: err})
		return
	}
	// rootfs / modelfs diff ids are layer digests, not facts about the model.
	for k := range cfg {
		if strings.HasPrefix(k, "rootfs.") || strings.HasPrefix(k, "modelfs.") {
			delete(cfg, k)
		}
	}
	if len(cfg) > 0 {
		ol.rel.OCI.Config = cfg
	}
}

// ociLayerKind classifies a layer media type: whether it is a tar and how
// it is compressed, and a default file name for raw layers.
func ociLayerKind(mt string) (tarred bool, compression, defaultName string) {
	switch {
	case strings.HasSuffix(mt, ".tar"), strings.HasSuffix(mt, ".tar+gzip"), strings.HasSuffix(mt, ".tar+zstd"),
		strings.HasSuffix(mt, ".tar.gzip"), strings.HasSuffix(mt, ".tar.zstd"):
		switch {
		case strings.HasSuffix(mt, "gzip"):
			return true, "gzip", ""
		case strings.HasSuffix(mt, "zstd"):
			return true, "zstd", ""
		}
		return true, "", ""
	}
	switch mt {
	case dockerModelLayer + "gguf.v3", "application/vnd.docker.ai.model.file.v1+gguf":
		return false, "", "model.gguf"
	case dockerModelLayer + "safetensors":
		return false, "", "model.safetensors"
	case dockerModelLayer + "license":
		return false, "", "LICENSE"
	case dockerModelLayer + "mmproj":
		return false, "", "mmproj.gguf"
	case dockerModelLayer + "chat.template.jinja":
		return false, "", "chat_template.jinja"
	case dockerModelLayer + "dduf":
		return false, "", "model.dduf"
	}
	return false, "", ""
}

func (ol *ociLoader) addLayer(d ociDescriptor) {
	alg, h, _ := ociDigest(d.Digest)
	blobRel := "blobs/" + alg + "/" + h
	layer := OCILayer{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
	defer func() { ol.rel.OCI.Layers = append(ol.rel.OCI.Layers, layer) }()
	var exp []Expectation
	if alg == "sha256" {
		exp = []Expectation{{Algorithm: "sha256", Digest: h, Size: d.Size, Source: "oci-manifest"}}
	}
	blob, blobErr := ol.layout.blobPath(d.Digest)
	tarred, compression, defName := ociLayerKind(d.MediaType)
	isLicenseLayer := d.MediaType == dockerModelLayer+"license"
	isDocLayer := strings.HasPrefix(d.MediaType, modelPackLayer+"doc.")

	if !tarred {
		name := safeRelPath(cmp.Or(d.Annotations[annotationFilepath], d.Annotations[annotationTitle]))
		if name == "" {
			name = cmp.Or(defName, "layer-"+h[:12])
		}
		p := ol.unique(name)
		layer.Path = p
		f := &File{Path: p, Size: d.Size, Expected: exp}
		if isLicenseLayer {
			f.Format = FormatLicense
		}
		if isLicenseLayer || isDocLayer {
			ol.licenseFiles[p] = true
		}
		if blobErr != nil {
			layer.Note = "blob missing or unreadable"
			ol.rel.addProblem(&Problem{Path: p, Message: fmt.Sprintf("blob %s of layer %s is missing from the layout or unreadable (%v)", d.Digest, d.MediaType, safeio.PathErrorCause(blobErr)), Err: blobErr})
			if f.Format == "" {
				f.Format = classify(p, nil)
			}
			f.unreadable = true
		} else {
			f.LocalPath = blob
		}
		ol.rel.Files = append(ol.rel.Files, f)
		return
	}

	// A tar layer: the blob itself carries the digest; its members are
	// files of their own.
	layer.Path = ol.unique(blobRel)
	bf := &File{Path: layer.Path, Size: d.Size, Expected: exp, Format: FormatOther}
	ol.rel.Files = append(ol.rel.Files, bf)
	if blobErr != nil {
		layer.Note = "blob missing or unreadable"
		bf.unreadable = true
		ol.rel.addProblem(&Problem{Path: layer.Path, Message: fmt.Sprintf("blob of layer %s is missing from the layout or unreadable (%v)", d.MediaType, safeio.PathErrorCause(blobErr)), Err: blobErr})
		return
	}
	bf.LocalPath = blob
	if compression != "" && d.Size > limits.MaxCompressedTarBytes {
		layer.Note = fmt.Sprintf("%s-compressed tar over %d bytes: members not listed", compression, limits.MaxCompressedTarBytes)
		return
	}
	n, listedOnly, err := ol.listTar(blob, compression, isDocLayer || isLicenseLayer)
	layer.Members = n
	if compression != "" && n > 0 {
		layer.Note = fmt.Sprintf("%s-compressed tar: texts and weight headers read from the decompressed stream", compression)
		if listedOnly > 0 {
			layer.Note += fmt.Sprintf("; %d listed by name only", listedOnly)
		}
	}
	if err != nil {
		ol.rel.addProblem(&Problem{Path: layer.Path, Message: "tar layer cannot be listed: " + err.Error(), Err: err})
	}
}

// listTar lists the regular members of a tar blob as files. Members of an
// uncompressed tar are read in place; of a compressed one, the texts and
// the first bytes of weight files are kept from the decompressed stream
// (tarKeep), and the rest is listed only, counted in listedOnly.
func (ol *ociLoader) listTar(blob, compression string, licenseLayer bool) (n, listedOnly int, err error) {
	fh, err := safeio.OpenRegular(blob)
	if err != nil {
		return 0, 0, err
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return 0, 0, err
	}
	cr := &safeio.CountingReader{R: io.NewSectionReader(fh, 0, fi.Size())}
	var tr *tar.Reader
	switch compression {
	case "gzip":
		zr, err := gzip.NewReader(cr)
		if err != nil {
			return 0, 0, err
		}
		tr = tar.NewReader(&safeio.CapReader{R: zr, Left: limits.MaxTarDecompressedBytes, What: "decompressed data"})
	case "zstd":
		zr, err := zstd.NewReader(cr, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(limits.MaxZstdWindowBytes), zstd.WithDecoderMaxMemory(limits.MaxTarDecompressedBytes))
		if err != nil {
			return 0, 0, err
		}
		defer zr.Close()
		tr = tar.NewReader(&safeio.CapReader{R: zr, Left: limits.MaxTarDecompressedBytes, What: "decompressed data"})
	default:
		tr = tar.NewReader(cr)
	}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return n, listedOnly, nil
		}
		if err != nil {
			return n, listedOnly, err
		}
		if n >= limits.MaxTarEntries {
			return n, listedOnly, fmt.Errorf("more than %d members; the rest were not listed", limits.MaxTarEntries)
		}
		if h.Typeflag != tar.TypeReg && h.Typeflag != 0 {
			continue // directories, links and devices carry no bytes of their own
		}
		sparse := false
		for k := range h.PAXRecords {
			sparse = sparse || strings.HasPrefix(k, "GNU.sparse.")
		}
		name := safeRelPath(strings.TrimPrefix(h.Name, "./"))
		if name == "" || h.Size < 0 {
			ol.rel.addProblem(&Problem{Path: "blobs", Message: fmt.Sprintf("tar member %q has an unsafe name; not listed", textsafe.Truncate(h.Name, 40))})
			continue
		}
		n++
		f := &File{Path: ol.unique(name), Size: h.Size}
		if licenseLayer {
			ol.licenseFiles[f.Path] = true
		}
		ol.rel.Files = append(ol.rel.Files, f)
		switch keep := tarKeep(f.Path, h.Size, licenseLayer); {
		case sparse:
			f.Format, f.unreadable = classify(f.Path, nil), true
		case compression == "":
			ol.members[f] = tarMember{blob: blob, off: cr.N, size: h.Size}
			f.LocalPath = blob // marks it local; bytes come from the member range
		case keep >= 0 && ol.kept+keep <= limits.MaxTarKeptBytes:
			data := make([]byte, keep)
			if _, err := io.ReadFull(tr, data); err != nil {
				return n, listedOnly, fmt.Errorf("member %s: %w", textsafe.Truncate(h.Name, 40), err)
			}
			ol.kept += keep
			ol.members[f] = tarMember{data: data, size: h.Size}
		default:
			f.Format, f.unreadable = classify(f.Path, nil), true
			listedOnly++
		}
	}
}

// tarKeep says how many bytes of a compressed tar member to keep so that
// describe can read it: texts whole (within their cap), the first bytes of
// safetensors and GGUF files (their headers), small pickle checkpoints
// whole; -1 for the rest, which is listed only.
func tarKeep(name string, size int64, licenseLayer bool) int64 {
	switch classify(name, nil) {
	case FormatCard, FormatConfig, FormatSafetensorsIndex, FormatLicense, FormatSignature:
		if size <= limits.MaxTarMemberTextBytes {
			return size
		}
		return min(size, sniffLen)
	case FormatSafetensors, FormatGGUF:
		return min(size, limits.MaxTarMemberHeaderBytes)
	case FormatPickle, FormatPyTorch:
		// A zip checkpoint's directory is at its end: only a whole one can
		// be walked.
		if size <= limits.MaxTarMemberHeaderBytes {
			return size
		}
	}
	if licenseLayer && size <= limits.MaxTarMemberTextBytes {
		return size
	}
	return -1
}

// open reads files for describe: tar members as a range of their blob,
// other files whole.
func (ol *ociLoader) open(ctx context.Context, f *File) (content, int64, error) {
	m, ok := ol.members[f]
	if !ok {
		return openLocal(ctx, f)
	}
	if m.data != nil {
		return keptContent{data: m.data, size: m.size}, m.size, nil
	}
	fh, err := safeio.OpenRegular(m.blob)
	if err != nil {
		return nil, 0, err
	}
	return sectionContent{io.NewSectionReader(fh, m.off, m.size), fh}, m.size, nil
}

// keptContent serves the bytes kept of a compressed tar member; a read
// past them fails.
type keptContent struct {
	data []byte
	size int64
}

func (k keptContent) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	if off >= k.size {
		return 0, io.EOF
	}
	if off+int64(len(p)) > int64(len(k.data)) && int64(len(k.data)) < k.size {
		return 0, &formats.Error{Offset: off, Msg: fmt.Sprintf("only the first %d bytes of this member of a compressed tar layer are decompressed for reading", len(k.data))}
	}
	n := copy(p, k.data[min(off, int64(len(k.data))):])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (keptContent) Close() error { return nil }

type sectionContent struct {
	*io.SectionReader
	io.Closer
}

// unique returns p, or p with "-2", "-3", … before its extension when
// another file already took it.
func (ol *ociLoader) unique(p string) string {
	ol.paths[p]++
	n := ol.paths[p]
	if n == 1 {
		return p
	}
	ext := path.Ext(p)
	if strings.Contains(ext, "/") || ext == p {
		ext = ""
	}
	return ol.unique(fmt.Sprintf("%s-%d%s", strings.TrimSuffix(p, ext), n, ext))
}
