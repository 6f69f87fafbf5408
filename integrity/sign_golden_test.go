package integrity

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/internal/testutil"
)

// referenceFixture is one of the reference implementation's test models
// (tests/conftest.py), rebuilt from its recipe.
type referenceFixture struct {
	model   string // model path (directory or file)
	allowed string // where its symbolic links may point
}

// buildReferenceFixtures recreates the models the reference test suite
// signs, so its golden statements and manifests can be compared with ours.
func buildReferenceFixtures(t *testing.T) map[string]referenceFixture {
	t.Helper()
	tmp := t.TempDir()
	write := func(p, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fx := map[string]referenceFixture{}
	add := func(name, model string) { fx[name] = referenceFixture{model: model, allowed: filepath.Dir(model)} }

	f := filepath.Join(tmp, "a", "file_model")
	write(f, "This is a simple model")
	add("sample_model_file", f)

	f = filepath.Join(tmp, "b", "empty_file_model")
	write(f, "")
	add("empty_model_file", f)

	d := filepath.Join(tmp, "c", "sample_model")
	for i := range 2 {
		for j := range 3 {
			write(filepath.Join(d, fmt.Sprintf("d%d", i), fmt.Sprintf("f%d%d", i, j)), fmt.Sprintf("This is file f%d%d in d%d.", i, j, i))
		}
	}
	for i := range 4 {
		write(filepath.Join(d, fmt.Sprintf("f%d", i)), fmt.Sprintf("This is file f%d in root.", i))
	}
	add("sample_model_folder", d)

	d = filepath.Join(tmp, "d", "empty_folder_model")
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	add("empty_model_folder", d)

	d = filepath.Join(tmp, "e", "empty_file_inside_model")
	write(filepath.Join(d, "empty_file"), "")
	add("model_folder_with_empty_file", d)

	d = filepath.Join(tmp, "f", "deep_model")
	for i := range 4 {
		write(filepath.Join(d, "d0", "d1", "d2", "d3", "d4", fmt.Sprintf("f%d", i)), fmt.Sprintf("This is file f%d.", i))
	}
	add("deep_model_folder", d)

	d = filepath.Join(tmp, "g", "symlink_model")
	external := filepath.Join(tmp, "g", "external_file")
	write(external, "This is a simple model")
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(external, filepath.Join(d, "symlink_file")); err != nil {
		t.Fatal(err)
	}
	// The reference follows links anywhere; Sign and Verify only inside
	// the model, but the golden needs the reference's behaviour.
	fx["symlink_model_folder"] = referenceFixture{model: d, allowed: tmp}
	return fx
}

// goldenVariants maps a golden name suffix to the serialisation used.
var goldenVariants = map[string]Serialization{
	"":              {Method: MethodFiles, HashType: SHA256, AllowSymlinks: true},
	"_shard":        {Method: MethodShards, HashType: SHA256, AllowSymlinks: true, ShardSize: DefaultShardSize},
	"_small_shards": {Method: MethodShards, HashType: SHA256, AllowSymlinks: true, ShardSize: 8},
}

// TestPayloadGoldens signs nothing but builds the statement of every
// reference test model and compares it byte for byte with the reference
// implementation's golden statements (TestPayload/*).
func TestPayloadGoldens(t *testing.T) {
	dir := testutil.Corpus(t, "model-signing", "model-transparency", "tests", "_signing", "testdata", "signing", "TestPayload")
	fx := buildReferenceFixtures(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 21 {
		t.Fatalf("%d golden statements, want 21", len(entries))
	}
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			name, ser := splitGoldenName(t, e.Name())
			f, ok := fx[name]
			if !ok {
				t.Fatalf("no fixture %s", name)
			}
			want, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			got, err := buildStatement(context.Background(), f.model, f.allowed, nil, ser, HashOptions{})
			if err != nil {
				t.Fatal(err)
			}
			// The golden files end with the newline the test writer adds.
			if !bytes.Equal(got, bytes.TrimSuffix(want, []byte("\n"))) {
				t.Errorf("statement differs from the golden:\n got: %s\nwant: %s", got, want)
			}
			st, err := ParsePayload(got)
			if err != nil {
				t.Fatalf("our statement does not parse: %v", err)
			}
			wst, err := ParsePayload(want)
			if err != nil {
				t.Fatalf("the golden statement does not parse: %v", err)
			}
			if !bytes.Equal(st.SubjectDigest, wst.SubjectDigest) || len(st.Resources) != len(wst.Resources) {
				t.Errorf("subject %x with %d resources, golden %x with %d", st.SubjectDigest, len(st.Resources), wst.SubjectDigest, len(wst.Resources))
			}
		})
	}
}

func splitGoldenName(t *testing.T, name string) (string, Serialization) {
	for _, suffix := range []string{"_small_shards", "_shard"} {
		if base, ok := strings.CutSuffix(name, suffix); ok {
			return base, goldenVariants[suffix]
		}
	}
	return name, goldenVariants[""]
}

// TestSerializerGoldens compares our manifests ("name:digest" per
// resource) with the reference's serialisation goldens.
func TestSerializerGoldens(t *testing.T) {
	base := testutil.Corpus(t, "model-signing", "model-transparency", "tests", "_serialization", "testdata")
	fx := buildReferenceFixtures(t)
	n := 0
	for _, kind := range []string{"file", "file_shard"} {
		dir := filepath.Join(base, kind, "TestSerializer")
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			n++
			t.Run(kind+"/"+e.Name(), func(t *testing.T) {
				name, ser := e.Name(), goldenVariants[""]
				if kind == "file_shard" {
					ser = goldenVariants["_shard"]
					if b, ok := strings.CutSuffix(name, "_small_shards"); ok {
						name, ser = b, goldenVariants["_small_shards"]
					}
				}
				f, ok := fx[name]
				if !ok {
					t.Fatalf("no fixture %s", name)
				}
				want, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				rs, err := buildResources(context.Background(), f.model, f.allowed, nil, ser, HashOptions{})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, r := range rs {
					got = append(got, r.Name+":"+hex.EncodeToString(r.Digest))
				}
				wantLines := strings.Fields(string(want))
				slices.Sort(wantLines)
				sorted := slices.Sorted(slices.Values(got))
				if !slices.Equal(sorted, wantLines) {
					t.Errorf("manifest differs:\n got %q\nwant %q", got, wantLines)
				}
			})
		}
	}
	if n != 21 {
		t.Errorf("%d serialisation goldens, want 21", n)
	}
}

// TestResourceOrder checks the reference's component-wise order, which a
// plain string sort gets wrong for names holding bytes below '/'.
func TestResourceOrder(t *testing.T) {
	in := []Resource{
		{Path: "a.txt"}, {Path: "a-b/c"}, {Path: "a b"}, {Path: "a/b/c"}, {Path: "a/b"},
		{Path: "f", Sharded: true, Start: 10}, {Path: "f", Sharded: true, Start: 2},
	}
	slices.SortFunc(in, compareResources)
	var got []string
	for _, r := range in {
		got = append(got, fmt.Sprintf("%s@%d", r.Path, r.Start))
	}
	want := []string{"a/b@0", "a/b/c@0", "a b@0", "a-b/c@0", "a.txt@0", "f@2", "f@10"}
	if !slices.Equal(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
}
