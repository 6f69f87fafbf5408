package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/examples/internal/cli"
)

// TestCensusSearchLimit lists the repositories matching a search, stops at
// the limit after the page that reaches it, and gets past a 429 on the
// listing.
func TestCensusSearchLimit(t *testing.T) {
	repos := newFixture(shortFixture)
	h := startFakeHub(t, repos, 2)
	t.Setenv("HF_ENDPOINT", h.URL())
	t.Setenv("HF_TOKEN", "")
	h.throttle.Store(1)
	out := runCensus(t, "-search", "qwen2.5-7b-d", "-limit", "3")
	var want []string
	for _, r := range repos {
		if strings.Contains(r.ID, "Qwen2.5-7B-d") && len(want) < 3 {
			want = append(want, r.ID)
		}
	}
	var got []string
	for _, l := range readLines(t, filepath.Join(out, "reports.jsonl")) {
		for _, id := range want {
			if strings.Contains(l, `"subject":{"name":"`+id+`"`) {
				got = append(got, id)
			}
		}
	}
	if len(want) != 3 || len(got) != 3 {
		t.Errorf("reports of %q, want %q", got, want)
	}
	// A 429, then two pages of two.
	if n := h.listings.Load(); n != 3 {
		t.Errorf("%d listing requests, want 3", n)
	}
}

func TestOptionsRefused(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "")
	for _, tt := range []struct {
		args []string
		err  string
	}{
		{[]string{"-out", "d"}, "give -author"},
		{[]string{"-author", "a"}, "-out"},
		{[]string{"-ids", "f", "-search", "", "-out", "d"}, "give one"},
		{[]string{"-author", "a", "-out", "d", "x"}, "unexpected"},
		{[]string{"-author", "a", "-out", "d", "-limit", "-1"}, "-limit"},
		{[]string{"-author", "a", "-out", "d", "-concurrency", "0"}, "-concurrency"},
		{[]string{"-author", "a", "-out", "d", "-signature", "m.sig"}, "-signature"},
		{[]string{"-author", "a", "-out", "d", "-at", "yesterday"}, "-at"},
		{[]string{"-author", "a", "-out", "d", "-jurisdiction", "atlantis"}, "atlantis"},
	} {
		var o options
		fs := flag.NewFlagSet("census", flag.ContinueOnError)
		o.register(fs)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if _, err := o.config(set, fs.Args()); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%q: err %v, want %q", tt.args, err, tt.err)
		}
	}
	t.Setenv("HF_HUB_OFFLINE", "1")
	var o options
	o.author, o.out, o.concurrency, o.shards = "a", "d", 1, 1
	if _, err := o.config(map[string]bool{}, nil); err == nil || !strings.Contains(err.Error(), "HF_HUB_OFFLINE") {
		t.Errorf("offline: err %v", err)
	}
}

// TestBundleCarriesThePolicysFiles checks that a policy and the key it
// names travel to the workers, and that a policy naming a file outside
// its directory is refused.
func TestBundleCarriesThePolicysFiles(t *testing.T) {
	dir := t.TempDir()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	key := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("keys/release.pub", string(key))
	policy := write("policy.yaml", "name: strict\nsignatures:\n  keys: [keys/release.pub]\n")
	b, err := newBundle(cliFlags(policy))
	if err != nil {
		t.Fatal(err)
	}
	f, remove, err := b.unpack()
	if err != nil {
		t.Fatal(err)
	}
	defer remove()
	if got, err := os.ReadFile(filepath.Join(filepath.Dir(f.Policy), "keys", "release.pub")); err != nil || string(got) != string(key) {
		t.Errorf("the key did not travel with the policy: %v", err)
	}
	a, err := f.Auditor()
	if err != nil || a.Policy().Name != "strict" {
		t.Errorf("the unpacked policy: %v", err)
	}

	outside := write("sub/policy.yaml", "signatures:\n  keys: [../keys/release.pub]\n")
	if _, err := newBundle(cliFlags(outside)); err == nil || !strings.Contains(err.Error(), "relative to the policy") {
		t.Errorf("a key outside the policy's directory: err %v", err)
	}
}

func cliFlags(policy string) (f cli.Flags) {
	f.Policy = policy
	return f
}
