package kb

import (
	"bytes"
	_ "embed"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"io/fs"
)

// The knowledge base's YAML files are parsed and validated when they are
// compiled (go generate ./kb; see generate.go), not when a process starts: a cold audit
// would otherwise spend most of its time in the YAML parser. The compiled
// form is a gob of the loaded KB (its records hold no maps, so the bytes
// are deterministic); TestCompiled fails when it no longer matches the
// YAML files. Overlays are YAML, parsed and validated at run time.

//go:embed data/compiled.gob
var compiled []byte

// gob drops a pointer to a zero value, which in the fingerprint records
// is a value the sources state (tied_embeddings: false, a token's id 0),
// not an absent one: those records are encoded with the JSON of the facts
// they state.

// GobEncode encodes the record as JSON, for the compiled form.
func (a *Architecture) GobEncode() ([]byte, error) { return json.Marshal(a) }

// GobDecode decodes what GobEncode wrote.
func (a *Architecture) GobDecode(data []byte) error { return json.Unmarshal(data, a) }

// GobEncode encodes the token as JSON, for the compiled form.
func (t TokenizerToken) GobEncode() ([]byte, error) { return json.Marshal(t) }

// GobDecode decodes what GobEncode wrote.
func (t *TokenizerToken) GobDecode(data []byte) error { return json.Unmarshal(data, t) }

// decodeCompiled returns a fresh copy of the embedded knowledge base.
func decodeCompiled() (*KB, error) {
	k := &KB{}
	if err := gob.NewDecoder(bytes.NewReader(compiled)).Decode(k); err != nil {
		return nil, fmt.Errorf("compiled knowledge base: %w (run go generate ./kb)", err)
	}
	return k, nil
}

// compile loads and validates the YAML files of dir (data/) as the
// embedded knowledge base and returns its compiled form.
func compile(dir fs.FS) ([]byte, error) {
	k := &KB{}
	if err := k.merge(dir, "embedded", true); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(k); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
