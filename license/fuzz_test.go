package license

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/modelvet/modelvet/kb"
)

func FuzzIdentifyText(f *testing.F) {
	f.Add("LLAMA 3.2 COMMUNITY LICENSE AGREEMENT\nLlama 3.2 Version Release Date: September 25, 2024\n")
	f.Add("## License\nReleased under the [Apache 2.0](https://www.apache.org/licenses/LICENSE-2.0) licence.\n")
	f.Add("Gemma Terms of Use\n\nGemma is provided under and subject to the Gemma Terms of Use found at ai.google.dev/gemma/terms")
	f.Add("")
	f.Add("__10__ ((x || y)) //** **//")
	if files, _ := filepath.Glob(filepath.Join("..", "..", "shared", "corpus", "licenses", "*.txt")); len(files) > 0 {
		for _, p := range files[:min(4, len(files))] {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(string(data[:min(len(data), 2000)]))
			}
		}
	}
	s, err := shared()
	if err != nil {
		f.Fatal(err)
	}
	k := kb.Default()
	f.Fuzz(func(t *testing.T, text string) {
		for _, m := range s.scanText([]byte(text), scanOptions{}) {
			if m.Start < 0 || m.End > len(text) || m.Start > m.End || m.Coverage < 0 || m.Coverage > 100.0001 {
				t.Fatalf("bad match %+v for %d bytes", m, len(text))
			}
			if m.ID == "" {
				t.Fatalf("match without id: %+v", m)
			}
		}
		for _, l := range nameMentions(k, text) {
			if l == nil || l.ID == "other" || l.ID == "unknown" {
				t.Fatalf("bad mention %v", l)
			}
		}
		for _, u := range findURLs(text) {
			if !strings.HasPrefix(u.url, "http") {
				t.Fatalf("bad url %q", u.url)
			}
		}
		if utf8.ValidString(text) {
			_ = excerpt(text)
		}
	})
}

func FuzzExpression(f *testing.F) {
	for _, s := range []string{"MIT", "MIT OR Apache-2.0", "(GPL-2.0-only WITH Classpath-exception-2.0) AND LicenseRef-scancode-llama-2-license-2023", "apache-2.0", "llama3.1", "Apache-2.0+", "((((", "MIT AND", ""} {
		f.Add(s)
	}
	k := kb.Default()
	f.Fuzz(func(t *testing.T, v string) {
		ids, ok := parseExpression(v)
		if ok && len(ids) == 0 {
			t.Fatalf("%q: ok without ids", v)
		}
		for _, id := range ids {
			if id == "" {
				t.Fatalf("%q: empty id", v)
			}
			_ = k.License(id)
		}
		_ = kb.NormalizeURL(v)
		_ = kb.LooseKey(v)
	})
}
