package manifest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/hub"
	"github.com/modelvet/modelvet/internal/hubtest"
)

// FuzzHubFiles turns a Hub record's listing into release files: it never
// panics, and every path kept is a clean relative path with a size.
func FuzzHubFiles(f *testing.F) {
	repo := testRepo()
	for _, blobs := range []bool{true, false} {
		data, _ := json.Marshal(hubtest.ModelInfoJSON(repo, "0123456789abcdef0123456789abcdef01234567", blobs))
		f.Add(data)
	}
	f.Add([]byte(`{"id":"a/b","siblings":[{"rfilename":"../x","size":-1,"lfs":{"sha256":"zz","size":1e300}},{"rfilename":"a//b","size":1},{"rfilename":"a","size":2},{"rfilename":"a","size":3}]}`))
	f.Add([]byte(`{"id":"a/b","siblings":[{"rfilename":"a\\b","size":1},{"rfilename":"/etc/passwd","size":1},{"rfilename":"x","size":5,"lfs":{"sha256":"` + strings.Repeat("a", 64) + `","size":6}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := hub.ParseModelInfo(data)
		if err != nil {
			return
		}
		files, _ := hubFiles(m.Files)
		for _, file := range files {
			if checkHubPath(file.Path) != nil || file.Size < 0 {
				t.Fatalf("unsafe file kept: %+v", file)
			}
		}
	})
}

func FuzzParseContentRange(f *testing.F) {
	for _, s := range []string{"bytes 0-99/1000", "bytes 5-9/*", "bytes */1000", "bytes 10-5/100", "bytes 0-99/50", "items 0-1/2", "bytes -1-2/3", "bytes 0-9223372036854775807/9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		a, b, total, err := parseContentRange(h)
		if err != nil {
			return
		}
		if a < 0 || b < a || (total >= 0 && b >= total) {
			t.Fatalf("%q parsed to %d-%d/%d", h, a, b, total)
		}
		if !strings.HasPrefix(strings.TrimSpace(h), "bytes ") {
			t.Fatalf("%q accepted without the bytes unit", h)
		}
	})
}
