package testutil

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"testing"

	"github.com/modelvet/modelvet/formats/gguf"
)

// OllamaGGUF returns the GGUF metadata of Ollama's converter test data
// (../shared/corpus/fingerprints/tokenizers/ollama-convert-testdata, every
// value a string) as the GGUF reader returns it: unsigned integers as
// uint64, other numbers as float64, the rest as strings. Keys are sorted,
// as Ollama writes them.
func OllamaGGUF(t testing.TB, data []byte) *gguf.Info {
	t.Helper()
	var kv map[string]string
	if err := json.Unmarshal(data, &kv); err != nil {
		t.Fatal(err)
	}
	info := &gguf.Info{Version: 3}
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		s := kv[k]
		v := gguf.Value{Key: k, Type: "string", Value: s}
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			v.Type, v.Value = "uint64", n
		} else if f, err := strconv.ParseFloat(s, 64); err == nil {
			v.Type, v.Value = "float64", f
		}
		info.Metadata = append(info.Metadata, v)
		if k == "general.architecture" {
			info.Architecture = s
		}
	}
	info.KVCount = uint64(len(info.Metadata))
	return info
}
