package kb

import (
	"bytes"
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
	// Values the sources state are kept, zero ones too: a fingerprint
	// record's tied_embeddings: false, a token's id 0.
	loaded := &KB{}
	if err := loaded.merge(os.DirFS("data"), "embedded", true); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Architectures, loaded.Architectures) || !reflect.DeepEqual(got.Tokenizers, loaded.Tokenizers) {
		t.Error("the compiled fingerprint records differ from the YAML's")
	}
	if len(got.Licenses) == 0 || len(got.Models) == 0 || len(got.Policies) == 0 || got.Meta.Version == "" {
		t.Errorf("compiled knowledge base is missing records: %d licences, %d models, %d policies, version %q", len(got.Licenses), len(got.Models), len(got.Policies), got.Meta.Version)
	}
}
