package manifest

import (
	"archive/tar"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
	"github.com/modelvet/modelvet/internal/textsafe"
	"github.com/modelvet/modelvet/stores/oci"
)

// FormatOCIManifest is the format of OCI index and manifest documents, as
// a formats.Error reports it.
const FormatOCIManifest Format = oci.Format

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

// openOCILayout opens the OCI image layout at dir.
func openOCILayout(dir string) (*oci.Layout, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if !oci.IsLayout(abs) {
		return nil, fmt.Errorf("%s: not an OCI image layout (want oci-layout and index.json): %w", dir, ErrNotFound)
	}
	l, err := oci.Open(abs)
	if err != nil {
		return nil, missing(dir, err)
	}
	return l, nil
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
	entries, _, err := l.Manifests()
	if err != nil {
		return nil, err
	}
	var out []ociListed
	for _, e := range entries {
		data, err := l.ReadBlob(e.Desc)
		if err != nil {
			continue
		}
		m, err := oci.ParseManifest(data)
		if err != nil || m.ModelKind() == "" {
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
	entries, indexProblems, err := l.Manifests()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.dir, err)
	}
	var chosen *oci.Entry
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
	data, err := l.ReadBlob(chosen.Desc)
	if err != nil {
		return nil, fmt.Errorf("%s: manifest %s: %w", s.dir, chosen.Desc.Digest, err)
	}
	m, err := oci.ParseManifest(data)
	if err != nil {
		var fe *formats.Error
		if errors.As(err, &fe) {
			fe.Path = oci.BlobPath(chosen.Desc.Digest)
		}
		return nil, err
	}
	layout := m.ModelKind()
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
	rel := &Release{Source: s.String(), Kind: KindOCI, Root: l.Dir(), Revision: chosen.Desc.Digest, OCI: art, Problems: storeProblems(indexProblems)}
	ol := &ociLoader{layout: l, rel: rel, paths: pathSet{}, members: map[*File]tarMember{}, licenseFiles: map[string]bool{}}
	ol.readConfig(*m.Config)
	for _, d := range m.Layers {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ol.addLayer(d)
	}
	rel.Name = cmp.Or(art.Config["descriptor.name"], chosen.Ref, m.Annotations[oci.AnnotationTitle], filepath.Base(l.Dir()))
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
	layout       *oci.Layout
	rel          *Release
	paths        pathSet
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

func (ol *ociLoader) readConfig(d oci.Descriptor) {
	data, err := ol.layout.ReadBlob(d)
	if err != nil {
		ol.rel.addProblem(&Problem{Path: oci.BlobPath(d.Digest), Field: "config", Message: "config blob cannot be read: " + err.Error(), Err: err})
		return
	}
	cfg, err := oci.ParseConfig(data)
	if err != nil {
		ol.rel.addProblem(&Problem{Path: oci.BlobPath(d.Digest), Field: "config", Message: "config blob is not a JSON object: " + err.Error(), Err: err})
		return
	}
	if len(cfg) > 0 {
		ol.rel.OCI.Config = cfg
	}
}

func (ol *ociLoader) addLayer(d oci.Descriptor) {
	alg, h, _ := oci.ParseDigest(d.Digest)
	blobRel := "blobs/" + alg + "/" + h
	layer := OCILayer{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
	defer func() { ol.rel.OCI.Layers = append(ol.rel.OCI.Layers, layer) }()
	var exp []Expectation
	if alg == "sha256" {
		exp = []Expectation{{Algorithm: "sha256", Digest: h, Size: d.Size, Source: "oci-manifest"}}
	}
	blob, blobErr := ol.layout.Blob(d.Digest)
	kind := oci.KindOf(d.MediaType)

	if !kind.Tar {
		name := safeRelPath(d.FileName())
		if name == "" {
			name = cmp.Or(kind.Name, "layer-"+h[:12])
		}
		p := ol.paths.unique("", name)
		layer.Path = p
		f := &File{Path: p, Size: d.Size, Expected: exp}
		if kind.License {
			f.Format = FormatLicense
		}
		if kind.License || kind.Doc {
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
	layer.Path = ol.paths.unique("", blobRel)
	bf := &File{Path: layer.Path, Size: d.Size, Expected: exp, Format: FormatOther}
	ol.rel.Files = append(ol.rel.Files, bf)
	if blobErr != nil {
		layer.Note = "blob missing or unreadable"
		bf.unreadable = true
		ol.rel.addProblem(&Problem{Path: layer.Path, Message: fmt.Sprintf("blob of layer %s is missing from the layout or unreadable (%v)", d.MediaType, safeio.PathErrorCause(blobErr)), Err: blobErr})
		return
	}
	bf.LocalPath = blob
	compression := kind.Compression
	if compression != "" && d.Size > limits.MaxCompressedTarBytes {
		layer.Note = fmt.Sprintf("%s-compressed tar over %d bytes: members not listed", compression, limits.MaxCompressedTarBytes)
		return
	}
	n, listedOnly, err := ol.listTar(blob, compression, kind.Doc || kind.License)
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
	tr, err := oci.OpenTar(blob, compression)
	if err != nil {
		return 0, 0, err
	}
	defer tr.Close()
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
		f := &File{Path: ol.paths.unique("", name), Size: h.Size}
		if licenseLayer {
			ol.licenseFiles[f.Path] = true
		}
		ol.rel.Files = append(ol.rel.Files, f)
		switch keep := tarKeep(f.Path, h.Size, licenseLayer); {
		case sparse:
			f.Format, f.unreadable = classify(f.Path, nil), true
		case compression == "":
			ol.members[f] = tarMember{blob: blob, off: tr.Offset(), size: h.Size}
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
