package skops

import (
	"bytes"
	"slices"
	"testing"

	"github.com/modelvet/modelvet/internal/formattest"
	"github.com/modelvet/modelvet/internal/testmodel"
)

func read(t testing.TB, data []byte) *Info {
	t.Helper()
	info, err := Read(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func names(info *Info) []string {
	var out []string
	for _, t := range info.Types {
		out = append(out, t.String())
	}
	return out
}

func TestReadTypes(t *testing.T) {
	info := read(t, testmodel.SkopsEstimator())
	if got := names(info); !slices.Equal(got, []string{"builtins.float", "numpy.ndarray", "sklearn.linear_model._logistic.LogisticRegression"}) || info.Protocol != 2 || !slices.Equal(info.Members, []string{"0.npy"}) {
		t.Errorf("%+v", info)
	}
	hostile := testmodel.Skops(testmodel.SkopsObject("sklearn.pipeline", "Pipeline", map[string]any{
		"steps": []any{testmodel.SkopsFunction("posix", "system")},
	}), nil)
	info = read(t, hostile)
	i := slices.IndexFunc(info.Types, func(t Type) bool { return t.String() == "posix.system" })
	if i < 0 || info.Types[i].Loader != "FunctionNode" || info.Types[i].Path != "$.content.steps[0].content" {
		t.Errorf("%+v", info.Types)
	}
}

func TestReadHostile(t *testing.T) {
	for name, data := range map[string][]byte{
		"no schema":  testmodel.ZipArchive(false, testmodel.Member{Name: "x.npy", Data: []byte("x")}),
		"bad json":   testmodel.ZipArchive(false, testmodel.Member{Name: "schema.json", Data: []byte("{")}),
		"deep":       testmodel.ZipArchive(false, testmodel.Member{Name: "schema.json", Data: bytes.Repeat([]byte("["), 2000)}),
		"not a zip":  []byte("GGUF"),
		"array root": testmodel.ZipArchive(false, testmodel.Member{Name: "schema.json", Data: []byte("[]")}),
	} {
		info, err := Read(bytes.NewReader(data), int64(len(data)))
		if err == nil {
			t.Errorf("%s: no error: %+v", name, info)
		}
		formattest.CheckReaderError(t, err, info != nil)
	}
}

func FuzzRead(f *testing.F) {
	f.Add(testmodel.SkopsEstimator())
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := Read(bytes.NewReader(data), int64(len(data)))
		formattest.CheckReaderError(t, err, info != nil)
	})
}
