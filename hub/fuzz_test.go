package hub

import (
	"encoding/json"
	"testing"

	"github.com/modelvet/modelvet/internal/hubtest"
	"github.com/modelvet/modelvet/internal/limits"
)

func FuzzParseModelInfo(f *testing.F) {
	repo := hubtest.ExampleRepo()
	for _, blobs := range []bool{true, false} {
		data, _ := json.Marshal(hubtest.ModelInfoJSON(repo, "0123456789abcdef0123456789abcdef01234567", blobs))
		f.Add(data)
	}
	f.Add([]byte(`{"id":"a/b","gated":"manual","cardData":{"license":["mit","other"],"base_model":"x/y"},"siblings":[{"rfilename":"../x","size":-1,"lfs":{"sha256":"zz","size":1e300}}]}`))
	f.Add([]byte(`{"id":"a/b","siblings":{"rfilename":"x"}}`))
	f.Add([]byte(`{"modelId":"gpt2","siblings":[{"rfilename":1}]}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"id":"a/b","safetensors":{"parameters":{"BF16":3918786560,"F8_E4M3":-1,"F32":1e3},"total":684531386000}}`))
	f.Add([]byte(`{"id":"a/b","downloads":18446744073709551616,"tags":"x","siblings":[{"rfilename":"a","size":9007199254740993}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseModelInfo(data)
		if err != nil {
			if m != nil {
				t.Fatal("a record returned with an error")
			}
			return
		}
		if m.ID == "" {
			t.Fatal("a record without an id")
		}
		if m.SafetensorsTotal < 0 || len(m.SafetensorsParameters) > limits.MaxHubDtypes {
			t.Fatalf("safetensors summary out of range: %d, %d dtypes", m.SafetensorsTotal, len(m.SafetensorsParameters))
		}
		for _, n := range m.SafetensorsParameters {
			if n < 0 {
				t.Fatalf("negative parameter count %d", n)
			}
		}
		if len(m.Files) > limits.MaxHubFileList {
			t.Fatalf("%d files listed", len(m.Files))
		}
		for _, file := range m.Files {
			if file.Size < -1 || file.LFS != nil && (file.LFS.Size < -1 || file.LFS.PointerSize < 0) {
				t.Fatalf("size out of range: %+v", file)
			}
		}
	})
}
