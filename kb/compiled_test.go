package kb

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/modelvet/modelvet/internal/testutil"
)

// TestCompiled checks that the embedded compiled knowledge base is the
// YAML files of data/, loaded and validated, byte for byte, and that it
// decodes. With -update (go generate ./kb) it rewrites it.
func TestCompiled(t *testing.T) {
	want, err := compile(os.DirFS("data"))
	if err != nil {
		t.Fatalf("data/: %v", err)
	}
	if *testutil.Update {
		if err := os.WriteFile("data/compiled.gob", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(compiled, want) {
		t.Fatal("data/compiled.gob does not match the YAML files of data/: run go generate ./kb")
	}
	got, err := decodeCompiled()
	if err != nil {
		t.Fatal(err)
	}
	// Every value the sources state is kept, zero ones too (gob drops a
	// pointer to a zero value: a fingerprint record's tied_embeddings:
	// false, a token's id 0), whatever the record type.
	loaded := &KB{}
	if err := loaded.merge(os.DirFS("data"), "embedded", true); err != nil {
		t.Fatal(err)
	}
	if a, b := stated(t, got), stated(t, loaded); !reflect.DeepEqual(a, b) {
		t.Error("the compiled knowledge base differs from the YAML's")
		for i, sec := range []string{"Licenses", "Organizations", "Models", "Datasets", "Policies", "Allegations", "OutputTerms", "Architectures", "Tokenizers"} {
			if !reflect.DeepEqual(a[sec], b[sec]) {
				t.Errorf("section %d %s differs", i, sec)
			}
		}
	}
	if len(got.Licenses) == 0 || len(got.Models) == 0 || len(got.Policies) == 0 || got.Meta.Version == "" {
		t.Errorf("compiled knowledge base is missing records: %d licences, %d models, %d policies, version %q", len(got.Licenses), len(got.Models), len(got.Policies), got.Meta.Version)
	}
}

// stated is k as JSON values with the values nobody stated (null, empty
// lists and objects) left out, so that an empty list and an absent one
// compare equal and a stated false or 0 does not.
func stated(t *testing.T, k *KB) map[string]any {
	t.Helper()
	data, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return prune(v).(map[string]any)
}

func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e = prune(e); e == nil {
				delete(x, k)
			} else {
				x[k] = e
			}
		}
		if len(x) == 0 {
			return nil
		}
	case []any:
		for i, e := range x {
			x[i] = prune(e)
		}
		if len(x) == 0 {
			return nil
		}
	}
	return v
}
