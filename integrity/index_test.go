package integrity

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/testmodel"
)

// indexFindingsOf verifies the release in dir without hashing (the index
// is compared with the shards' headers all the same) and returns its
// index findings as "code subject: message".
func indexFindingsOf(t *testing.T, dir string) []string {
	t.Helper()
	res := verifyFiles(t, openRelease(t, dir), VerifyOptions{WithoutHashingUnsafe: true})
	var got []string
	for _, f := range res.Findings {
		if f.Code != finding.IntegrityUnverified {
			got = append(got, string(f.Code)+" "+f.Subject+": "+f.Message)
		}
	}
	return got
}

func threeShards() testmodel.ShardedSafetensors {
	return testmodel.ShardedSafetensors{
		Shards: []testmodel.Safetensors{
			{Tensors: []testmodel.SafetensorsTensor{{Name: "a", Dtype: "F32", Shape: []uint64{4}}}},
			{Tensors: []testmodel.SafetensorsTensor{{Name: "b", Dtype: "F32", Shape: []uint64{4}}}},
			{Tensors: []testmodel.SafetensorsTensor{{Name: "c", Dtype: "F32", Shape: []uint64{4}}}},
		},
	}
}

// TestVerifyIndexShards checks a sharded checkpoint that lacks a shard its
// index names and holds a stray one the index does not name.
func TestVerifyIndexShards(t *testing.T) {
	dir := t.TempDir()
	sh := threeShards()
	if _, err := testmodel.WriteShardedSafetensors(dir, sh); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, sh.ShardName(2)))
	extra := testmodel.Safetensors{Tensors: []testmodel.SafetensorsTensor{{Name: "d", Dtype: "F32", Shape: []uint64{1}}}}
	if err := extra.WriteFile(filepath.Join(dir, "model-00004-of-00004.safetensors"), false); err != nil {
		t.Fatal(err)
	}
	got := indexFindingsOf(t, dir)
	want := []string{
		"integrity.missing model-00003-of-00003.safetensors: model-00003-of-00003.safetensors is named by the index model.safetensors.index.json but absent",
		"integrity.unlisted model-00004-of-00004.safetensors: model-00004-of-00004.safetensors sits beside the index model.safetensors.index.json, which names no tensor in it",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n%q\nwant\n%q", got, want)
	}
}

// TestVerifyIndexTensors checks an index that misplaces a tensor and
// misstates the total size of its shards.
func TestVerifyIndexTensors(t *testing.T) {
	dir := t.TempDir()
	sh := threeShards()
	if _, err := testmodel.WriteShardedSafetensors(dir, sh); err != nil {
		t.Fatal(err)
	}
	m := sh.WeightMap()
	m["b"] = sh.ShardName(0)
	if err := os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), testmodel.SafetensorsIndexJSON(1, m), 0o644); err != nil {
		t.Fatal(err)
	}
	got := indexFindingsOf(t, dir)
	want := []string{
		"integrity.mismatch model-00001-of-00003.safetensors: the index model.safetensors.index.json puts 1 tensor in model-00001-of-00003.safetensors, but another shard holds them: b",
		// The shards it names hold 2 × 16 bytes.
		"integrity.mismatch model.safetensors.index.json: the index model.safetensors.index.json declares a total size of 1 bytes, but its shards hold 32",
		"integrity.unlisted model-00002-of-00003.safetensors: model-00002-of-00003.safetensors sits beside the index model.safetensors.index.json, which names no tensor in it",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n%q\nwant\n%q", got, want)
	}
}
