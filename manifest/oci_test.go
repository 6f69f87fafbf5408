package manifest

import (
	"archive/tar"
	"bytes"
	"cmp"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/modelvet/modelvet/formats/pickle"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/stores/oci"
)

func TestOCIModelPack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "layout")
	m := testmodel.ModelPackModel("tiny:1.0", "tiny-chat", map[string][]byte{
		"README.md":         tinyCard,
		"LICENSE":           []byte("Apache License\nVersion 2.0, January 2004\n"),
		"config.json":       []byte(`{"model_type":"llama","auto_map":{"AutoModel":"modeling.Tiny"}}`),
		"model.safetensors": testmodel.TinySafetensors(),
	}, "Apache-2.0")
	if err := testmodel.WriteOCILayout(dir, m); err != nil {
		t.Fatal(err)
	}
	src, err := Parse(dir)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := src.Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rel.Kind != KindOCI || rel.Name != "tiny-chat" || !strings.HasPrefix(rel.Revision, "sha256:") || rel.Source != dir {
		t.Errorf("kind %q name %q revision %q source %q", rel.Kind, rel.Name, rel.Revision, rel.Source)
	}
	art := rel.OCI
	if art.Layout != "modelpack" || art.Reference != "tiny:1.0" || art.ArtifactType != testmodel.ModelPackArtifactType || len(art.Layers) != 4 {
		t.Errorf("artifact %+v", art)
	}
	if art.Config["descriptor.licenses"] != "Apache-2.0" || art.Config["config.format"] != "safetensors" || art.Config["descriptor.name"] != "tiny-chat" {
		t.Errorf("config %v", art.Config)
	}
	var paths []string
	for _, f := range rel.Files {
		paths = append(paths, f.Path+":"+string(f.Format))
		if len(f.Expected) != 1 || f.Expected[0].Source != "oci-manifest" || f.Expected[0].Size != f.Size {
			t.Errorf("%s: expected %+v", f.Path, f.Expected)
		}
	}
	want := []string{"LICENSE:license", "README.md:card", "config.json:config", "model.safetensors:safetensors"}
	if !slices.Equal(paths, want) {
		t.Errorf("files %q, want %q", paths, want)
	}
	if rel.Card == nil || rel.Config == nil || len(rel.Config.AutoMap) != 1 {
		t.Errorf("card %v config %+v", rel.Card != nil, rel.Config)
	}
	if len(rel.LicenseTexts) != 1 || rel.LicenseTexts[0].Origin != "oci-layer" {
		t.Errorf("licence texts %+v", rel.LicenseTexts)
	}
	if len(rel.Problems) != 0 {
		t.Errorf("problems %v", rel.Problems)
	}
}

func TestOCIDockerModel(t *testing.T) {
	dir := t.TempDir()
	gguf := testmodel.TinyGGUF("general.architecture", "llama")
	if err := testmodel.WriteOCILayout(dir, testmodel.DockerModel("ai/smollm2:latest", gguf, "Apache License 2.0 text\n")); err != nil {
		t.Fatal(err)
	}
	rel, err := OCI(dir, "").Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rel.OCI.Layout != "docker" || rel.Name != "ai/smollm2:latest" || rel.OCI.Config["config.quantization"] != "Q4_K_M" {
		t.Errorf("artifact %+v", rel.OCI)
	}
	if f := rel.File("model.gguf"); f == nil || f.Format != FormatGGUF || f.Expected[0].Digest != testmodel.SHA256(gguf) {
		t.Errorf("model.gguf = %+v", f)
	}
	if len(rel.LicenseTexts) != 1 || rel.LicenseTexts[0].Path != "LICENSE" || rel.LicenseTexts[0].Origin != "oci-layer" {
		t.Errorf("licence texts %+v", rel.LicenseTexts)
	}
}

func TestOCITarLayers(t *testing.T) {
	dir := t.TempDir()
	tarData := testmodel.TarLayer(map[string][]byte{
		"weights/model.safetensors": testmodel.TinySafetensors(),
		"weights/evil.pt":           testmodel.TorchZipWith("a", testmodel.MaliciousPickle(2, testmodel.ViaGlobal, "os", "system", "id"), nil, nil),
	})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(testmodel.TarLayer(map[string][]byte{"README.md": tinyCard, "LICENSE": []byte("MIT License\n")}))
	zw.Close()
	// A zstd layer with a safetensors file, whose header is read from the
	// decompressed stream, a small PyTorch checkpoint, read whole, and a
	// file of no known format, listed only.
	zst := zstdBytes(t, testmodel.TarLayer(map[string][]byte{
		"extra/adapter.safetensors": testmodel.TinySafetensors(),
		"extra/old.pt":              testmodel.TorchZipWith("a", testmodel.MaliciousPickle(2, testmodel.ViaGlobal, "os", "system", "id"), nil, nil),
		"extra/vocab.bpe":           []byte("a b\n"),
	}))
	m := testmodel.OCIModel{
		RefName: "tars", ArtifactType: testmodel.ModelPackArtifactType, ConfigMediaType: testmodel.ModelPackConfigType,
		Config: []byte(`{"descriptor":{"name":"tars"},"config":{},"modelfs":{"type":"layers","diffIds":[]}}`),
		Layers: []testmodel.OCILayerSpec{
			{MediaType: "application/vnd.cncf.model.weight.v1.tar", Data: tarData, Annotations: map[string]string{"org.cncf.model.filepath": "weights"}},
			{MediaType: "application/vnd.cncf.model.doc.v1.tar+gzip", Data: gz.Bytes()},
			{MediaType: "application/vnd.cncf.model.weight.v1.tar+zstd", Data: zst},
			{MediaType: "application/vnd.cncf.model.code.v1.tar+zstd", Data: []byte("(not zstd)")},
		},
	}
	if err := testmodel.WriteOCILayout(dir, m); err != nil {
		t.Fatal(err)
	}
	rel, err := OCI(dir, "tars").Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	evil := rel.File("weights/evil.pt")
	if evil == nil || evil.Pickle == nil || len(evil.Pickle.Globals) != 1 || evil.Pickle.Globals[0].Class != pickle.Unsafe {
		t.Fatalf("tar member not read in place: %+v", evil)
	}
	if f := rel.File("weights/model.safetensors"); f == nil || f.Format != FormatSafetensors || f.Size != int64(len(testmodel.TinySafetensors())) {
		t.Errorf("safetensors member = %+v", f)
	}
	// The gzip doc layer's card and licence are read.
	if rel.Card == nil || len(rel.Card.License) != 1 || rel.Card.License[0].Value != "mit" {
		t.Errorf("card from a gzip layer = %+v", rel.Card)
	}
	if !slices.ContainsFunc(rel.LicenseTexts, func(l *LicenseText) bool {
		return l.Path == "LICENSE" && l.Origin == "oci-layer" && strings.HasPrefix(l.Text, "MIT License")
	}) {
		t.Errorf("licence texts %+v", rel.LicenseTexts)
	}
	// The zstd layer's safetensors header is read; its checkpoint listed.
	if f := rel.File("extra/adapter.safetensors"); f == nil || f.Safetensors == nil || f.Safetensors.Tensors == 0 {
		t.Errorf("safetensors in a zstd layer = %+v", f)
	}
	if f := rel.File("extra/old.pt"); f == nil || f.Pickle == nil || f.Pickle.Globals[0].Class != pickle.Unsafe {
		t.Errorf("checkpoint in a zstd layer = %+v", f)
	}
	if f := rel.File("extra/vocab.bpe"); f == nil || f.Format != FormatOther || f.Size != 4 {
		t.Errorf("other file in a zstd layer = %+v", f)
	}
	tarBlob := rel.File("blobs/sha256/" + testmodel.SHA256(tarData))
	if tarBlob == nil || tarBlob.Expected[0].Digest != testmodel.SHA256(tarData) {
		t.Errorf("tar blob file = %+v", tarBlob)
	}
	notes := map[string]string{}
	for _, l := range rel.OCI.Layers {
		notes[l.MediaType] = l.Note
	}
	if n := notes["application/vnd.cncf.model.doc.v1.tar+gzip"]; n != "gzip-compressed tar: texts and weight headers read from the decompressed stream" {
		t.Errorf("gzip note %q", n)
	}
	if n := notes["application/vnd.cncf.model.weight.v1.tar+zstd"]; !strings.HasPrefix(n, "zstd-compressed tar") || !strings.HasSuffix(n, "1 listed by name only") {
		t.Errorf("zstd note %q", n)
	}
	if rel.OCI.Layers[0].Members != 2 || rel.OCI.Layers[1].Members != 2 || rel.OCI.Layers[2].Members != 3 {
		t.Errorf("members %+v", rel.OCI.Layers)
	}
	var codes []string
	for _, f := range rel.Findings() {
		codes = append(codes, string(f.Code)+" "+f.Subject)
	}
	if !slices.Contains(codes, "format.code-execution weights/evil.pt") || !slices.Contains(codes, "format.code-execution extra/old.pt") {
		t.Errorf("findings %q", codes)
	}
	if !slices.ContainsFunc(rel.Problems, func(p *Problem) bool { return strings.Contains(p.Message, "tar layer cannot be listed") }) {
		t.Errorf("a layer that is not zstd gave no problem: %+v", rel.Problems)
	}
}

func zstdBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, err := zstd.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestOCIHostileTar(t *testing.T) {
	var b bytes.Buffer
	tiny := testmodel.TinyGGUF()
	tw := tar.NewWriter(&b)
	for _, h := range []*tar.Header{
		{Name: "../../escape.gguf", Size: int64(len(tiny)), Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "/abs.gguf", Size: int64(len(tiny)), Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "link", Linkname: "/etc/passwd", Typeflag: tar.TypeSymlink},
		{Name: "dev", Typeflag: tar.TypeChar},
		{Name: "ok.gguf", Size: int64(len(tiny)), Typeflag: tar.TypeReg, Mode: 0o644},
	} {
		tw.WriteHeader(h)
		if h.Size > 0 {
			tw.Write(tiny) // a GGUF the reader accepts
		}
	}
	tw.Close()
	dir := t.TempDir()
	testmodel.WriteOCILayout(dir, testmodel.OCIModel{
		ConfigMediaType: testmodel.ModelPackConfigType, Config: []byte(`{}`),
		Layers: []testmodel.OCILayerSpec{{MediaType: "application/vnd.cncf.model.weight.v1.tar", Data: b.Bytes()}},
	})
	rel, err := OCI(dir, "").Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range rel.Files {
		paths = append(paths, f.Path)
	}
	if len(paths) != 2 || paths[1] != "ok.gguf" {
		t.Errorf("files %q", paths)
	}
	if len(rel.Problems) != 2 {
		t.Errorf("problems %v", rel.Problems)
	}
}

func TestOCISeveralManifests(t *testing.T) {
	dir := t.TempDir()
	a := testmodel.DockerModel("a:1", testmodel.TinyGGUF(), "")
	b := testmodel.DockerModel("b:1", testmodel.TinyGGUF("general.name", "b"), "")
	notModel := testmodel.OCIModel{RefName: "busybox", ConfigMediaType: "application/vnd.oci.image.config.v1+json", Config: []byte(`{}`)}
	if err := testmodel.WriteOCILayout(dir, a, b, notModel); err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(dir); !errors.Is(err, ErrMultipleReleases) {
		t.Errorf("Parse: %v", err)
	}
	srcs, err := ListOCI(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) != 2 || srcs[0].String() != dir+"@a:1" || srcs[1].String() != dir+"@b:1" {
		t.Errorf("sources %v", srcs)
	}
	src, err := Parse(dir + "@b:1")
	if err != nil {
		t.Fatal(err)
	}
	rel, err := src.Open(t.Context())
	if err != nil || rel.Name != "b:1" {
		t.Fatalf("%v %v", rel, err)
	}
	if _, err := OCI(dir, "busybox").Open(t.Context()); !errors.Is(err, ErrUnsupported) {
		t.Errorf("container image: %v", err)
	}
	if _, err := OCI(dir, "").Open(t.Context()); err == nil || !strings.Contains(err.Error(), "a:1") {
		t.Errorf("ambiguous: %v", err)
	}
	if _, err := OCI(dir, "zzz").Open(t.Context()); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown ref: %v", err)
	}
}

func TestOCIMissingAndTamperedBlobs(t *testing.T) {
	dir := t.TempDir()
	m := testmodel.DockerModel("m", testmodel.TinyGGUF(), "license text")
	m.Layers[0].Missing = true
	if err := testmodel.WriteOCILayout(dir, m); err != nil {
		t.Fatal(err)
	}
	rel, err := OCI(dir, "").Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if f := rel.File("model.gguf"); f == nil || f.LocalPath != "" || len(f.Expected) != 1 {
		t.Errorf("missing layer file %+v", f)
	}
	if len(rel.Problems) != 1 || !strings.Contains(rel.Problems[0].Message, "missing") {
		t.Errorf("problems %v", rel.Problems)
	}
	// A manifest whose bytes no longer match its digest is refused.
	idx, _ := os.ReadFile(filepath.Join(dir, "index.json"))
	m2, err := oci.ParseManifest(idx)
	if err != nil {
		t.Fatal(err)
	}
	_, h, _ := oci.ParseDigest(m2.Manifests[0].Digest)
	p := filepath.Join(dir, "blobs", "sha256", h)
	data, _ := os.ReadFile(p)
	os.WriteFile(p, bytes.Replace(data, []byte(`"schemaVersion":2`), []byte(`"schemaVersion":3`), 1), 0o644)
	if _, err := OCI(dir, "").Open(t.Context()); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("tampered manifest: %v", err)
	}
}

// FuzzOCILayerPaths checks that the release paths an OCI manifest's
// layers are given stay inside the release.
func FuzzOCILayerPaths(f *testing.F) {
	layer := func(mediaType, name string) string {
		return `{"mediaType":"` + mediaType + `","digest":"sha256:` + strings.Repeat("ab", 32) + `","size":1,"annotations":{"org.cncf.model.filepath":"` + name + `"}}`
	}
	f.Add([]byte(`{"layers":[` + strings.Join([]string{
		layer("application/vnd.cncf.model.weight.v1.raw", "model.safetensors"), layer("application/vnd.cncf.model.weight.v1.raw", "model.safetensors"),
		layer("application/vnd.cncf.model.doc.v1.raw", "../LICENSE"), layer("application/vnd.cncf.model.doc.v1.raw", "/etc/passwd"),
		layer("application/vnd.docker.ai.gguf.v3", ""), layer("application/vnd.docker.ai.license", ""),
	}, ",") + `]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := oci.ParseManifest(data)
		if err != nil {
			return // stores/oci fuzzes the parse
		}
		ol := &ociLoader{paths: pathSet{}}
		for _, l := range m.Layers {
			name := safeRelPath(cmp.Or(l.FileName(), oci.KindOf(l.MediaType).Name))
			if name != "" {
				if p := ol.paths.unique("", name); strings.HasPrefix(p, "/") || strings.HasPrefix(p, "../") {
					t.Fatalf("unsafe path %q", p)
				}
			}
		}
	})
}

// TestOCICompressedTarHostile feeds compressed tar layers that would make
// a reader allocate or decompress without end: a zstd frame asking for a
// huge window, and a member that decompresses to over the cap. Both frames
// are written by hand, with raw and run-length blocks.
func TestOCICompressedTarHostile(t *testing.T) {
	card := testmodel.TarLayer(map[string][]byte{"README.md": tinyCard})
	// Window descriptor 0xA0: a window of 2^(10+20) bytes, 1 GiB, over
	// limits.MaxZstdWindowBytes.
	wide := zstdFrame(0xA0, zstdBlock(0, card[:512]), zstdBlock(0, card[512:]))
	// A tar member of zeros larger than limits.MaxTarDecompressedBytes:
	// its header as a raw block, then 128 KiB run-length blocks.
	var hdr bytes.Buffer
	tw := tar.NewWriter(&hdr)
	size := int64(limits.MaxTarDecompressedBytes) + 1<<20
	tw.WriteHeader(&tar.Header{Name: "zeros.bin", Size: size, Mode: 0o644, Typeflag: tar.TypeReg})
	tw.Flush()
	blocks := [][]byte{zstdBlock(0, hdr.Bytes())}
	for range size / (128 << 10) {
		blocks = append(blocks, zstdBlock(1, []byte{0}, 128<<10))
	}
	bomb := zstdFrame(0x38, blocks...) // a 128 KiB window

	for name, data := range map[string][]byte{"huge window": wide, "bomb": bomb} {
		if name == "bomb" && raceEnabled {
			t.Log("bomb: skipped under the race detector (the run without -race covers it)")
			continue
		}
		dir := t.TempDir()
		testmodel.WriteOCILayout(dir, testmodel.OCIModel{
			ConfigMediaType: testmodel.ModelPackConfigType, Config: []byte(`{}`),
			Layers: []testmodel.OCILayerSpec{{MediaType: "application/vnd.cncf.model.weight.v1.tar+zstd", Data: data}},
		})
		rel, err := OCI(dir, "").Open(t.Context())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.ContainsFunc(rel.Problems, func(p *Problem) bool { return strings.Contains(p.Message, "tar layer cannot be listed") }) {
			t.Errorf("%s: no problem reported: %+v", name, rel.Problems)
		}
	}
	// The same card in a frame with a small window is read.
	dir := t.TempDir()
	testmodel.WriteOCILayout(dir, testmodel.OCIModel{
		ConfigMediaType: testmodel.ModelPackConfigType, Config: []byte(`{}`),
		Layers: []testmodel.OCILayerSpec{{MediaType: "application/vnd.cncf.model.doc.v1.tar+zstd", Data: zstdFrame(0x38, zstdBlock(0, card[:512]), zstdBlock(0, card[512:]))}},
	})
	if rel, err := OCI(dir, "").Open(t.Context()); err != nil || rel.Card == nil {
		t.Errorf("hand-written frame not read: %v, %+v", err, rel)
	}
}

// zstdFrame writes a zstd frame (RFC 8878) with the given window
// descriptor, no content size and no checksum; the last block is marked.
func zstdFrame(window byte, blocks ...[]byte) []byte {
	out := []byte{0x28, 0xB5, 0x2F, 0xFD, 0x00, window}
	for i, b := range blocks {
		if i == len(blocks)-1 {
			b[0] |= 1
		}
		out = append(out, b...)
	}
	return out
}

// zstdBlock writes a block: raw (type 0) with data, or run-length (type 1)
// repeating data[0] n[0] times.
func zstdBlock(typ int, data []byte, n ...int) []byte {
	size := len(data)
	if typ == 1 {
		size, data = n[0], data[:1]
	}
	h := uint32(typ)<<1 | uint32(size)<<3
	return append([]byte{byte(h), byte(h >> 8), byte(h >> 16)}, data...)
}

// FuzzOCITarLayer lists a tar layer, plain, gzip or zstd, and reads what
// it keeps of each member as describe would.
func FuzzOCITarLayer(f *testing.F) {
	layer := testmodel.TarLayer(map[string][]byte{"README.md": tinyCard, "model.safetensors": testmodel.TinySafetensors(), "x.pt": []byte("\x80\x02}q\x00.")})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(layer)
	zw.Close()
	f.Add(byte(0), layer)
	f.Add(byte(1), gz.Bytes())
	f.Add(byte(2), zstdBytes(f, layer))
	f.Add(byte(2), zstdFrame(0x38, zstdBlock(0, layer[:512]), zstdBlock(1, []byte{0}, 4096)))
	blob := filepath.Join(f.TempDir(), "blob")
	f.Fuzz(func(t *testing.T, kind byte, data []byte) {
		if err := os.WriteFile(blob, data, 0o644); err != nil {
			t.Fatal(err)
		}
		compression := [...]string{"", "gzip", "zstd"}[kind%3]
		ol := &ociLoader{rel: &Release{}, paths: pathSet{}, members: map[*File]tarMember{}, licenseFiles: map[string]bool{}}
		n, listedOnly, _ := ol.listTar(blob, compression, kind&4 != 0)
		if n != len(ol.rel.Files) || listedOnly > n || ol.kept > limits.MaxTarKeptBytes {
			t.Fatalf("%d members, %d files, %d listed only, %d bytes kept", n, len(ol.rel.Files), listedOnly, ol.kept)
		}
		for _, file := range ol.rel.Files {
			if strings.HasPrefix(file.Path, "/") || strings.HasPrefix(file.Path, "../") {
				t.Fatalf("unsafe path %q", file.Path)
			}
			c, size, err := ol.open(t.Context(), file)
			if err != nil {
				continue
			}
			buf := make([]byte, 64)
			for _, off := range []int64{0, size / 2, size - 1, size} {
				c.ReadAt(buf, off)
			}
			c.Close()
		}
	})
}
