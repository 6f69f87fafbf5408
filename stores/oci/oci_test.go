package oci

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/testmodel"
)

func TestParseManifestHostile(t *testing.T) {
	for name, doc := range map[string]string{
		"syntax":        `{"layers":[`,
		"bad digest":    `{"layers":[{"mediaType":"x","digest":"sha256:../../x","size":1}]}`,
		"md5":           `{"layers":[{"mediaType":"x","digest":"md5:` + strings.Repeat("0", 32) + `","size":1}]}`,
		"negative size": `{"config":{"mediaType":"x","digest":"sha256:` + strings.Repeat("0", 64) + `","size":-1}}`,
		"not object":    `"hello"`,
	} {
		_, err := ParseManifest([]byte(doc))
		var fe *formats.Error
		if !errors.As(err, &fe) || fe.Format != Format {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// nestIndex moves the layout's index.json entries into an image index
// blob, nested depth times, and points index.json at the outermost one.
func nestIndex(t *testing.T, dir string, depth int, ref string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range depth {
		sum := testmodel.SHA256(data)
		if err := os.WriteFile(filepath.Join(dir, "blobs", "sha256", sum), data, 0o644); err != nil {
			t.Fatal(err)
		}
		d := Descriptor{MediaType: mediaTypeIndex, Digest: "sha256:" + sum, Size: int64(len(data))}
		if i == depth-1 && ref != "" {
			d.Annotations = map[string]string{AnnotationRefName: ref}
		}
		data, _ = json.Marshal(Manifest{SchemaVersion: 2, MediaType: mediaTypeIndex, Manifests: []Descriptor{d}})
	}
	if err := os.WriteFile(filepath.Join(dir, "index.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLayoutManifests(t *testing.T) {
	dir := t.TempDir()
	err := testmodel.WriteOCILayout(dir,
		testmodel.ModelPackModel("", "tiny", map[string][]byte{"model.safetensors": testmodel.TinySafetensors()}, "MIT"),
		testmodel.DockerModel("docker:1", testmodel.TinyGGUF(), "licence"))
	if err != nil {
		t.Fatal(err)
	}
	nestIndex(t, dir, 2, "outer")
	if !IsLayout(dir) || IsLayout(filepath.Join(dir, "blobs")) {
		t.Fatal("IsLayout")
	}
	l, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	entries, problems, err := l.Manifests()
	if err != nil || len(problems) != 0 || len(entries) != 2 {
		t.Fatalf("Manifests = %+v, %v, %v", entries, problems, err)
	}
	// The nearest ref name wins; an entry without one takes the index's.
	if entries[0].Ref != "outer" || entries[1].Ref != "docker:1" {
		t.Errorf("refs %q, %q", entries[0].Ref, entries[1].Ref)
	}
	var kinds []string
	for _, e := range entries {
		data, err := l.ReadBlob(e.Desc)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ParseManifest(data)
		if err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, m.ModelKind())
	}
	if !slices.Equal(kinds, []string{"modelpack", "docker"}) {
		t.Errorf("kinds %q", kinds)
	}

	// Past four nested indexes, the rest is a problem, not an error.
	deep := t.TempDir()
	testmodel.WriteOCILayout(deep, testmodel.DockerModel("d", testmodel.TinyGGUF(), ""))
	nestIndex(t, deep, 5, "")
	l, _ = Open(deep)
	entries, problems, err = l.Manifests()
	if err != nil || len(entries) != 0 || len(problems) != 1 || !strings.Contains(problems[0].Message, "nested too deep") {
		t.Errorf("deep: %+v, %+v, %v", entries, problems, err)
	}
}

func TestLayoutBlobs(t *testing.T) {
	dir := t.TempDir()
	if err := testmodel.WriteOCILayout(dir, testmodel.DockerModel("d", testmodel.TinyGGUF(), "")); err != nil {
		t.Fatal(err)
	}
	l, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	entries, _, _ := l.Manifests()
	d := entries[0].Desc
	if _, err := l.ReadBlob(d); err != nil {
		t.Fatal(err)
	}
	if got := BlobPath(d.Digest); got != "blobs/sha256/"+strings.TrimPrefix(d.Digest, "sha256:") {
		t.Errorf("BlobPath = %s", got)
	}
	short := d
	short.Size--
	if _, err := l.ReadBlob(short); err == nil || !strings.Contains(err.Error(), "the descriptor says") {
		t.Errorf("wrong size: %v", err)
	}
	_, h, _ := ParseDigest(d.Digest)
	p := filepath.Join(dir, "blobs", "sha256", h)
	data, _ := os.ReadFile(p)
	os.WriteFile(p, bytes.Replace(data, []byte("2"), []byte("3"), 1), 0o644)
	if _, err := l.ReadBlob(d); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("changed blob: %v", err)
	}
	if _, err := l.Blob("sha256:../../etc/passwd"); err == nil || !strings.Contains(err.Error(), "invalid digest") {
		t.Errorf("bad digest: %v", err)
	}
	outside := filepath.Join(t.TempDir(), "x")
	os.WriteFile(outside, data, 0o644)
	os.Remove(p)
	if err := os.Symlink(outside, p); err != nil {
		t.Skip("cannot make symlinks:", err)
	}
	if _, err := l.Blob(d.Digest); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("link out of the layout: %v", err)
	}
}

func TestKindOf(t *testing.T) {
	for mt, want := range map[string]LayerKind{
		"application/vnd.cncf.model.weight.v1.raw":       {},
		"application/vnd.cncf.model.weight.v1.tar":       {Tar: true},
		"application/vnd.cncf.model.weight.v1.tar+gzip":  {Tar: true, Compression: "gzip"},
		"application/vnd.cncf.model.doc.v1.tar+zstd":     {Tar: true, Compression: "zstd", Doc: true},
		"application/vnd.cncf.model.doc.v1.raw":          {Doc: true},
		"application/vnd.docker.ai.gguf.v3":              {Name: "model.gguf"},
		"application/vnd.docker.ai.model.file.v1+gguf":   {Name: "model.gguf"},
		"application/vnd.docker.ai.license":              {Name: "LICENSE", License: true},
		"application/vnd.docker.ai.chat.template.jinja":  {Name: "chat_template.jinja"},
		"application/vnd.docker.ai.dir.tar":              {Tar: true},
		"application/vnd.oci.image.layer.v1.tar.zstd":    {Tar: true, Compression: "zstd"},
		"application/vnd.oci.image.layer.v1.tar+unknown": {},
	} {
		if got := KindOf(mt); got != want {
			t.Errorf("KindOf(%s) = %+v, want %+v", mt, got, want)
		}
	}
}

// TestOpenTar reads the same tar plain, gzip- and zstd-compressed; in the
// plain one, Offset says where each member's bytes are.
func TestOpenTar(t *testing.T) {
	files := map[string][]byte{"README.md": []byte("# card\n"), "model.safetensors": testmodel.TinySafetensors()}
	layer := testmodel.TarLayer(files)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(layer)
	zw.Close()
	enc, _ := zstd.NewWriter(nil)
	zst := enc.EncodeAll(layer, nil)
	dir := t.TempDir()
	for compression, data := range map[string][]byte{"": layer, "gzip": gz.Bytes(), "zstd": zst} {
		blob := filepath.Join(dir, "blob-"+compression)
		os.WriteFile(blob, data, 0o644)
		tr, err := OpenTar(blob, compression)
		if err != nil {
			t.Fatalf("%q: %v", compression, err)
		}
		n := 0
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%q: %v", compression, err)
			}
			n++
			if compression == "" {
				if got := layer[tr.Offset() : tr.Offset()+h.Size]; !bytes.Equal(got, files[h.Name]) {
					t.Errorf("member %s at offset %d: %q", h.Name, tr.Offset(), got)
				}
			}
			got, err := io.ReadAll(tr)
			if err != nil || !bytes.Equal(got, files[h.Name]) {
				t.Errorf("%q: member %s read as %q, %v", compression, h.Name, got, err)
			}
		}
		if n != len(files) {
			t.Errorf("%q: %d members", compression, n)
		}
		if err := tr.Close(); err != nil {
			t.Error(err)
		}
	}
	if _, err := OpenTar(filepath.Join(dir, "blob-"), "gzip"); err == nil {
		t.Error("a plain tar opened as gzip")
	}
	if _, err := OpenTar(dir, ""); err == nil {
		t.Error("a directory opened as a blob")
	}
}

func FuzzParseManifest(f *testing.F) {
	dir := f.TempDir()
	testmodel.WriteOCILayout(dir, testmodel.ModelPackModel("r", "n", map[string][]byte{"a.safetensors": testmodel.TinySafetensors()}, "MIT"), testmodel.DockerModel("d", testmodel.TinyGGUF(), "x"))
	idx, _ := os.ReadFile(filepath.Join(dir, "index.json"))
	f.Add(idx)
	entries, _ := os.ReadDir(filepath.Join(dir, "blobs", "sha256"))
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(dir, "blobs", "sha256", e.Name()))
		if bytes.HasPrefix(data, []byte("{")) {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			var fe *formats.Error
			if !errors.As(err, &fe) || fe.Format != Format {
				t.Fatalf("%v is not a formats.Error of an OCI document", err)
			}
			return
		}
		descs := slices.Concat(m.Layers, m.Manifests)
		if m.Config != nil {
			descs = append(descs, *m.Config)
		}
		for _, d := range descs {
			alg, h, ok := ParseDigest(d.Digest)
			if !ok || d.Size < 0 || strings.ContainsAny(BlobPath(alg+":"+h), "\\.") {
				t.Fatalf("accepted descriptor %+v", d)
			}
			if k := KindOf(d.MediaType); k.Compression != "" && !k.Tar || k.Tar && k.Name != "" {
				t.Fatalf("%s: kind %+v", d.MediaType, k)
			}
		}
		if k := m.ModelKind(); k != "" && k != "modelpack" && k != "docker" {
			t.Fatalf("model kind %q", k)
		}
	})
}

func TestParseConfig(t *testing.T) {
	cfg, err := ParseConfig(testmodel.ModelPackModel("r", "tiny", nil, "MIT", "Apache-2.0").Config)
	if err != nil {
		t.Fatal(err)
	}
	if cfg["descriptor.name"] != "tiny" || cfg["descriptor.licenses"] != "MIT,Apache-2.0" || cfg["config.format"] != "safetensors" {
		t.Errorf("config %q", cfg)
	}
	for k := range cfg {
		if strings.HasPrefix(k, "modelfs.") || strings.HasPrefix(k, "rootfs.") {
			t.Errorf("layer digests kept: %s", k)
		}
	}
	var fe *formats.Error
	if _, err := ParseConfig([]byte(`{"config":`)); !errors.As(err, &fe) || fe.Format != "config" {
		t.Errorf("invalid config: %v", err)
	}
}
