package lmstudio

import (
	"path/filepath"
	"testing"

	"github.com/modelvet/modelvet/stores"
)

func TestRepo(t *testing.T) {
	for p, want := range map[string]string{
		"/home/u/.lmstudio/models/lmstudio-community/Qwen3-8B-GGUF/Qwen3-8B-Q4_K_M.gguf": "lmstudio-community/Qwen3-8B-GGUF",
		"/home/u/.cache/lm-studio/models/acme/tiny-GGUF/tiny.gguf":                       "acme/tiny-GGUF",
		"/home/u/.lmstudio/models/acme/tiny.gguf":                                        "",
		"/home/u/.lmstudio/models/acme/tiny-GGUF/sub/tiny.gguf":                          "",
		"/home/u/Downloads/models/acme/tiny-GGUF/tiny.gguf":                              "",
	} {
		if got := Repo(filepath.FromSlash(p)); got != want {
			t.Errorf("Repo(%s) = %q, want %q", p, got, want)
		}
	}
}

func TestLocations(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	got := Locations()
	want := []stores.Location{
		{Path: filepath.Join(home, ".lmstudio", "models"), From: "default"},
		{Path: filepath.Join(home, ".cache", "lm-studio", "models"), From: "default"},
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Locations = %+v", got)
	}
}
