package testmodel

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGitBlobSHA1(t *testing.T) {
	// git hash-object of "hello\n".
	if got := GitBlobSHA1([]byte("hello\n")); got != "ce013625030ba8dba906f756967f9e9ca394464a" {
		t.Errorf("got %s", got)
	}
	if got := SHA256([]byte("hello\n")); got != "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03" {
		t.Errorf("got %s", got)
	}
}

func TestWriteHFRepoLayout(t *testing.T) {
	cache := t.TempDir()
	lay, err := WriteHFRepo(cache, HFRepo{ID: "org/name", Revisions: []HFRevision{{Refs: []string{"main"}, Files: map[string][]byte{"a/model.safetensors": TinySafetensors(), "config.json": []byte("{}")}, NoExist: []string{"x.json"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(lay.Dir) != "models--org--name" || len(lay.Commits) != 1 || len(lay.Commits[0]) != 40 {
		t.Fatalf("layout %+v", lay)
	}
	c := lay.Commits[0]
	link, err := os.Readlink(filepath.Join(lay.Dir, "snapshots", c, "a", "model.safetensors"))
	if err != nil || link != "../../../blobs/"+SHA256(TinySafetensors()) {
		t.Errorf("link %q %v", link, err)
	}
	if ref, _ := os.ReadFile(filepath.Join(lay.Dir, "refs", "main")); string(ref) != c {
		t.Errorf("refs/main = %q", ref)
	}
	if lay.Blobs[c+"/config.json"] != GitBlobSHA1([]byte("{}")) {
		t.Errorf("blobs %v", lay.Blobs)
	}
	if _, err := os.Stat(filepath.Join(lay.Dir, ".no_exist", c, "x.json")); err != nil {
		t.Error(err)
	}
}

func TestWriteOllamaModelJSON(t *testing.T) {
	root := t.TempDir()
	p, err := WriteOllamaModel(root, OllamaModelSpec{Name: "m:1", Layers: []OllamaLayerSpec{{MediaType: "model", Data: []byte("GGUF")}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "manifests", "registry.ollama.ai", "library", "m", "1"); p != want {
		t.Errorf("path %s", p)
	}
	var m struct {
		MediaType string
		Layers    []struct{ MediaType, Digest string }
	}
	data, _ := os.ReadFile(p)
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if m.Layers[0].MediaType != "application/vnd.ollama.image.model" || m.Layers[0].Digest != "sha256:"+SHA256([]byte("GGUF")) {
		t.Errorf("manifest %s", data)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "blobs", "sha256-"+SHA256([]byte("GGUF")))); string(b) != "GGUF" {
		t.Error("blob not written")
	}
}

func TestTarLayer(t *testing.T) {
	tr := tar.NewReader(bytes.NewReader(TarLayer(map[string][]byte{"b": []byte("2"), "a/x": []byte("1")})))
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
	if strings.Join(names, ",") != "a/x,b" {
		t.Errorf("names %v", names)
	}
}

func TestTinyFormats(t *testing.T) {
	g := TinyGGUF("general.architecture", "llama")
	if string(g[:4]) != "GGUF" || len(g) != 4+4+8+8+8+20+4+8+5 {
		t.Errorf("gguf % x", g)
	}
	s := TinySafetensors()
	if n := int(s[0]); (8+n)%8 != 0 || s[8] != '{' || len(s) != 8+n+8 {
		t.Errorf("safetensors %q", s)
	}
}

func TestWriteLineageFixtureNames(t *testing.T) {
	for _, name := range []string{"no-separator", "ollama__notag", "ollama__no-such-model_7b"} {
		src := filepath.Join(t.TempDir(), name)
		if err := os.Mkdir(src, 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := WriteLineageFixture(src, t.TempDir()); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	src := filepath.Join(t.TempDir(), "bartowski__Qwen2.5-7B-Instruct-GGUF")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := WriteLineageFixture(src, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(dir) != "models--bartowski--Qwen2.5-7B-Instruct-GGUF" {
		t.Errorf("cache folder %s", dir)
	}
	snaps, _ := filepath.Glob(filepath.Join(dir, "snapshots", "*", "Qwen2.5-7B-Instruct-Q4_K_M.gguf"))
	if len(snaps) != 1 {
		t.Errorf("generated GGUF not in the snapshot: %v", snaps)
	}
}
