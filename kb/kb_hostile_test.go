package kb

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestOverlayHostileYAML loads overlays the YAML library chokes on: each is
// an error naming the file, never a panic.
func TestOverlayHostileYAML(t *testing.T) {
	for _, doc := range []string{"policies: !\n", "policies: [\n", "policies: {id: x}\n", "licenses:\n- id: a\n  bogus: 1\n", "models: !!binary x\n"} {
		name := strings.SplitN(doc, ":", 2)[0] + ".yaml"
		_, err := Load(fstest.MapFS{name: {Data: []byte(doc)}})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("overlay %q: err = %v, want an error naming %s", doc, err, name)
		}
	}
}
