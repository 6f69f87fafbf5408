package ollama

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/internal/testutil"
)

func TestParseName(t *testing.T) {
	for in, want := range map[string]string{
		"deepseek-r1":                       "registry.ollama.ai/library/deepseek-r1:latest",
		"deepseek-r1:7b":                    "registry.ollama.ai/library/deepseek-r1:7b",
		"hf.co/bartowski/Llama-3.2-1B:Q4_K": "hf.co/bartowski/Llama-3.2-1B:Q4_K",
		"acme/model:v1.2":                   "registry.ollama.ai/acme/model:v1.2",
		"localhost:5000/ns/m:t":             "localhost:5000/ns/m:t",
		"https://ollama.com/library/qwen3":  "ollama.com/library/qwen3:latest",
	} {
		n, err := ParseName(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if got := n.Host + "/" + n.Namespace + "/" + n.Model + ":" + n.Tag; got != want {
			t.Errorf("%s = %s, want %s", in, got, want)
		}
	}
	for _, bad := range []string{"", "a/b/c/d", "../x", "m:..", "ns.with.dot/m", "m:", "/m", "m/", "a b", "m:t/x", strings.Repeat("a", 129), "x:y:z/m"} {
		if n, err := ParseName(bad); err == nil {
			t.Errorf("%q accepted as %+v", bad, n)
		}
	}
	if s := (Name{Host: "registry.ollama.ai", Namespace: "library", Model: "deepseek-r1", Tag: "7b"}).String(); s != "deepseek-r1:7b" {
		t.Errorf("String = %s", s)
	}
}

// TestCorpusRegistryManifest parses the manifest of the txtar
// registry fixture and checks its digests against the blobs it serves.
func TestCorpusRegistryManifest(t *testing.T) {
	data, err := os.ReadFile(testutil.Corpus(t, "ollama", "registry-testdata", "registry.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string][]byte{}
	var name string
	for line := range strings.Lines(string(data)) {
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(strings.TrimRight(line, "\r\n"), " --") {
			name = strings.TrimSuffix(strings.TrimPrefix(strings.TrimRight(line, "\r\n"), "-- "), " --")
			sections[name] = []byte{}
			continue
		}
		if name != "" {
			sections[name] = append(sections[name], line...)
		}
	}
	m, err := ParseManifest(sections["v2/library/smol/manifests/latest"])
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range append(m.Layers, *m.Config) {
		blob, ok := sections["v2/library/smol/blobs/"+l.Digest]
		if !ok {
			t.Errorf("no blob for %s", l.Digest)
			continue
		}
		h, _ := ParseDigest(l.Digest)
		if testmodel.SHA256(blob) != h || int64(len(blob)) != l.Size {
			t.Errorf("%s: blob of %d bytes does not match", l.Digest, len(blob))
		}
	}
}

func TestParseManifestHostile(t *testing.T) {
	for name, doc := range map[string]string{
		"not json":      `{"schemaVersion":2,`,
		"empty":         `{}`,
		"bad digest":    `{"mediaType":"` + mediaTypeManifest + `","layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:../../etc/passwd","size":1}]}`,
		"negative size": `{"layers":[{"mediaType":"x","digest":"sha256:` + strings.Repeat("a", 64) + `","size":-5}]}`,
		"nested list":   `{"mediaType":"` + MediaTypeManifestList + `","manifests":[{"mediaType":"` + MediaTypeManifestList + `","manifests":[]}]}`,
		"empty list":    `{"mediaType":"` + MediaTypeManifestList + `","manifests":[]}`,
		"bad ref":       `{"mediaType":"` + MediaTypeManifestList + `","manifests":[{"mediaType":"x","digest":"sha512:00"}]}`,
		"array":         `[1,2,3]`,
	} {
		_, err := ParseManifest([]byte(doc))
		var fe *formats.Error
		if !errors.As(err, &fe) || fe.Format != Format {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestNameForms(t *testing.T) {
	for _, tc := range []struct {
		name, short, hub string
	}{
		{"deepseek-r1:7b", "deepseek-r1:7b", ""},
		{"ollama.com/library/qwen3", "qwen3:latest", ""},
		{"acme/m:v1", "acme/m:v1", ""},
		{"hf.co/bartowski/Llama-3.2-1B:Q4_K", "hf.co/bartowski/Llama-3.2-1B:Q4_K", "bartowski/Llama-3.2-1B"},
		{"HuggingFace.co/org/repo", "HuggingFace.co/org/repo:latest", "org/repo"},
	} {
		n, err := ParseName(tc.name)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if n.String() != tc.short || n.HubRepo() != tc.hub {
			t.Errorf("%s: String %q HubRepo %q, want %q %q", tc.name, n.String(), n.HubRepo(), tc.short, tc.hub)
		}
		if again, err := ParseName(n.Full()); err != nil || again != n {
			t.Errorf("%s: Full %q parses back as %+v, %v", tc.name, n.Full(), again, err)
		}
	}
}

// TestFindAndList writes a store with models in both manifest folders, in
// mixed case, and finds them as Ollama does.
func TestFindAndList(t *testing.T) {
	root := filepath.Join(t.TempDir(), "models")
	layers := []testmodel.OllamaLayerSpec{{MediaType: "model", Data: testmodel.TinyGGUF()}}
	for _, m := range []testmodel.OllamaModelSpec{
		{Name: "Qwen3:8B", V2: true, Layers: layers},
		{Name: "qwen3:8b", Layers: layers}, // the same name in the legacy folder
		{Name: "acme/tiny:1b", Layers: layers},
		{Name: "example.com/library/smol:latest", Layers: layers},
	} {
		if _, err := testmodel.WriteOllamaModel(root, m); err != nil {
			t.Fatal(err)
		}
	}
	if !IsStore(root) || IsStore(filepath.Join(root, "blobs")) {
		t.Errorf("IsStore(%s) = %v", root, IsStore(root))
	}
	p, rel, ok := Find(root, Name{Host: defaultHost, Namespace: defaultNamespace, Model: "qwen3", Tag: "8b"})
	if !ok || rel != "manifests-v2/ollama.com/library/Qwen3/8B" || p != filepath.Join(root, filepath.FromSlash(rel)) {
		t.Errorf("Find = %q, %q, %v", p, rel, ok)
	}
	if n, ok := ManifestName(rel); !ok || n != (Name{Host: defaultHost, Namespace: "library", Model: "Qwen3", Tag: "8B"}) {
		t.Errorf("ManifestName(%s) = %+v, %v", rel, n, ok)
	}
	if _, ok := ManifestName("blobs/a/b/c/d"); ok {
		t.Error("ManifestName accepted a path outside the manifest folders")
	}
	if _, _, ok := Find(root, Name{Host: defaultHost, Namespace: defaultNamespace, Model: "smol", Tag: "latest"}); ok {
		t.Error("a model of another host was found under the public one")
	}
	models, problems, ok := List(root)
	var names []string
	for _, m := range models {
		names = append(names, m.Name.String())
		if _, err := os.Stat(m.Manifest); err != nil {
			t.Errorf("%s: manifest %v", m.Name, err)
		}
	}
	if !ok || len(problems) != 0 || !slices.Equal(names, []string{"Qwen3:8B", "acme/tiny:1b", "example.com/library/smol:latest"}) {
		t.Errorf("List = %q, %v, %v", names, problems, ok)
	}
	if _, _, ok := List(t.TempDir()); ok {
		t.Error("List of an empty folder reported a store")
	}
}

// TestStoreReads reads a manifest through a manifests-v2 link, a manifest
// blob, and blobs; links leaving the store and blobs that do not match
// their digest are refused.
func TestStoreReads(t *testing.T) {
	root := filepath.Join(t.TempDir(), "models")
	_, err := testmodel.WriteOllamaManifestList(root, "gemma3:4b", []testmodel.OllamaModelSpec{
		{Runner: "ollama", Layers: []testmodel.OllamaLayerSpec{{MediaType: "model", Data: testmodel.TinyGGUF()}}},
	}, false, true)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	path, _, ok := Find(root, Name{Host: defaultHost, Namespace: defaultNamespace, Model: "gemma3", Tag: "4b"})
	if !ok {
		t.Fatal("manifest not found")
	}
	data, digest, err := st.ReadManifest(path)
	if err != nil || digest != "sha256:"+testmodel.SHA256(data) {
		t.Fatalf("ReadManifest: %v, digest %s", err, digest)
	}
	list, err := ParseManifest(data)
	if err != nil || !list.IsList() || len(list.Manifests) != 1 || !list.Manifests[0].IsReference() {
		t.Fatalf("list %+v, %v", list, err)
	}
	m, err := st.ReadManifestBlob(list.Manifests[0].Digest)
	if err != nil || len(m.Layers) != 1 {
		t.Fatalf("manifest blob %+v, %v", m, err)
	}
	h, _ := ParseDigest(m.Layers[0].Digest)
	blob, err := st.Blob(h)
	if err != nil || filepath.Base(blob) != "sha256-"+h {
		t.Errorf("Blob = %q, %v", blob, err)
	}

	// A blob that is a link out of the store, and a manifest blob whose
	// bytes were changed.
	outside := filepath.Join(t.TempDir(), "outside")
	os.WriteFile(outside, testmodel.TinyGGUF(), 0o644)
	os.Remove(blob)
	if err := os.Symlink(outside, blob); err != nil {
		t.Skip("cannot make symlinks:", err)
	}
	if _, err := st.Blob(h); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("link out of the store: %v", err)
	}
	mh, _ := ParseDigest(list.Manifests[0].Digest)
	mblob := filepath.Join(root, "blobs", "sha256-"+mh)
	orig, _ := os.ReadFile(mblob)
	os.WriteFile(mblob, append(orig, ' '), 0o644)
	if _, err := st.ReadManifestBlob(list.Manifests[0].Digest); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("changed manifest blob: %v", err)
	}
	if _, err := st.Blob(strings.Repeat("0", 64)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("absent blob: %v", err)
	}
	if err := os.Mkdir(filepath.Join(root, "blobs", "sha256-"+strings.Repeat("1", 64)), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Blob(strings.Repeat("1", 64)); err == nil || !strings.Contains(err.Error(), "a directory") {
		t.Errorf("directory blob: %v", err)
	}
}

func FuzzParseManifest(f *testing.F) {
	root := f.TempDir()
	p, err := testmodel.WriteOllamaModel(root, testmodel.OllamaModelSpec{Name: "a", Layers: []testmodel.OllamaLayerSpec{{MediaType: "model", Data: []byte("x")}, {MediaType: "license", Data: []byte("y")}}})
	if err != nil {
		f.Fatal(err)
	}
	seed, _ := os.ReadFile(p)
	f.Add(seed)
	p, _ = testmodel.WriteOllamaManifestList(root, "b", []testmodel.OllamaModelSpec{{Runner: "mlx", Layers: []testmodel.OllamaLayerSpec{{MediaType: "tensor", Data: []byte("t")}}}}, true, false)
	seed, _ = os.ReadFile(p)
	f.Add(seed)
	f.Add([]byte(`{"mediaType":"` + MediaTypeManifestList + `","manifests":[{"mediaType":"x","digest":"sha256:` + strings.Repeat("0", 64) + `","runner":"ollama"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			var fe *formats.Error
			if !errors.As(err, &fe) || fe.Format != Format {
				t.Fatalf("%v is not a formats.Error of an Ollama manifest", err)
			}
			return
		}
		check := func(m *Manifest) {
			layers := m.Layers
			if m.Config != nil {
				layers = append(layers, *m.Config)
			}
			for _, l := range layers {
				if h, ok := ParseDigest(l.Digest); !ok || len(h) != 64 || l.Size < 0 {
					t.Fatalf("accepted layer %+v", l)
				}
			}
		}
		check(m)
		for i := range m.Manifests {
			if m.Manifests[i].IsList() {
				t.Fatal("accepted a nested manifest list")
			}
			check(&m.Manifests[i])
		}
	})
}

func TestParseConfig(t *testing.T) {
	cfg, err := ParseConfig([]byte(testmodel.OllamaDefaultConfig))
	if err != nil {
		t.Fatal(err)
	}
	if cfg["model_family"] != "llama" || cfg["model_families"] != "llama" || cfg["file_type"] != "Q4_K_M" || cfg["rootfs.type"] != "layers" {
		t.Errorf("config %q", cfg)
	}
	if _, err := ParseConfig([]byte(`"text"`)); err == nil {
		t.Error("a config blob that is not an object parsed")
	}
}

func TestLocations(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("OLLAMA_MODELS", "")
	user := filepath.Join(home, ".ollama", "models")
	if got := Locations(); len(got) != 2 || got[0].Path != user || got[0].From != "default" || got[1].Path != "/usr/share/ollama/.ollama/models" || Root() != user {
		t.Errorf("Locations = %+v, Root = %s", got, Root())
	}
	t.Setenv("OLLAMA_MODELS", "/data/ollama")
	if got := Locations(); got[0].Path != "/data/ollama" || got[0].From != "OLLAMA_MODELS" || Root() != "/data/ollama" {
		t.Errorf("Locations = %+v, Root = %s", got, Root())
	}
}
