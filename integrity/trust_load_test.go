package integrity

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadTrustNamesBadKeyFile checks that a key file holding no public
// key is rejected when loaded, with its path in the error.
func TestLoadTrustNamesBadKeyFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "not-a-key.pem")
	if err := os.WriteFile(p, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadTrust(TrustFiles{PublicKeys: []string{p}})
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("LoadTrust of a file without a key: err = %v, want one naming %s", err, p)
	}
}
