package integrity

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/internal/jsonscan"
	"github.com/modelvet/modelvet/internal/limits"
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

// TestLoadTrustDeepTrustedRoot: a trusted root of 4 MiB of brackets (the
// trust-file cap) is refused before any JSON decoder sees it.
func TestLoadTrustDeepTrustedRoot(t *testing.T) {
	for _, doc := range []string{strings.Repeat("[", limits.MaxTrustFileBytes), `{"mediaType":"application/vnd.dev.sigstore.clienttrustconfig.v0.1+json","trustedRoot":` + strings.Repeat(`{"a":`, limits.MaxTrustFileBytes/6)} {
		p := filepath.Join(t.TempDir(), "trusted_root.json")
		if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadTrust(TrustFiles{TrustedRoot: p})
		var de *jsonscan.DepthError
		if !errors.As(err, &de) || !strings.Contains(err.Error(), "trusted root") {
			t.Errorf("LoadTrust of a deep trusted root: %v", err)
		}
	}
}
