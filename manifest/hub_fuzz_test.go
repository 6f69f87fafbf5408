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
