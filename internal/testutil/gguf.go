package testutil

import (
	"encoding/json"
	"strconv"
	"testing"
)

// OllamaGGUFValues serves the GGUF metadata of Ollama's converter test data
// (../shared/corpus/fingerprints/tokenizers/ollama-convert-testdata, every
// value a string) as a GGUF reader returns it: unsigned integers as uint64,
// other numbers as float64, the rest as strings.
func OllamaGGUFValues(t testing.TB, data []byte) func(key string) (any, bool) {
	t.Helper()
	var kv map[string]string
	if err := json.Unmarshal(data, &kv); err != nil {
		t.Fatal(err)
	}
	return func(key string) (any, bool) {
		s, ok := kv[key]
		if !ok {
			return nil, false
		}
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			return n, true
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f, true
		}
		return s, true
	}
}
