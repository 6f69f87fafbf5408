package manifest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/manifest"
)

func TestCheckIndex(t *testing.T) {
	const s1, s2, s3 = "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"
	t.Run("clean", func(t *testing.T) {
		dir, sh := shardedRelease(t)
		rel := openDir(t, dir)
		if len(rel.Problems) != 0 {
			t.Fatalf("problems: %v", rel.Problems[0].Message)
		}
		if rel.SafetensorsIndex == nil || rel.SafetensorsIndex.TotalSize != sh.TotalDataSize() {
			t.Fatalf("index %+v", rel.SafetensorsIndex)
		}
		if issues := rel.CheckIndex(); len(issues) != 0 {
			t.Errorf("issues: %v", kinds(issues))
		}
	})
	t.Run("missing shard", func(t *testing.T) {
		dir, _ := shardedRelease(t)
		os.Remove(filepath.Join(dir, s2))
		rel := openDir(t, dir)
		issues := rel.CheckIndex()
		// The total size is not checked while a shard is missing.
		if got := kinds(issues); !slices.Equal(got, []string{"shard-missing " + s2 + "  " + s2 + "/"}) {
			t.Fatalf("issues: %v", got)
		}
		ev := issues[0].Evidence[0]
		data, _ := os.ReadFile(filepath.Join(dir, "model.safetensors.index.json"))
		if ev.Path != "model.safetensors.index.json" || !strings.Contains(strings.Split(string(data), "\n")[ev.Line-1], s2) {
			t.Errorf("evidence %+v", ev)
		}
	})
	t.Run("unlisted shard and nested file", func(t *testing.T) {
		dir, _ := shardedRelease(t)
		extra := testmodel.Safetensors{Tensors: []testmodel.SafetensorsTensor{{Name: "extra", Dtype: "U8", Shape: []uint64{1}}}}
		// Numbered like a shard: a stray shard, whatever it holds.
		os.WriteFile(filepath.Join(dir, "model-00004-of-00004.safetensors"), extra.Bytes(), 0o644)
		// Checkpoints of their own (Mistral's consolidated.safetensors
		// beside the Hugging Face shards; a single-file copy of the same
		// tensors): not shards.
		dup := testmodel.Safetensors{Tensors: []testmodel.SafetensorsTensor{{Name: "head", Dtype: "F16", Shape: []uint64{2}}}}
		os.WriteFile(filepath.Join(dir, "model.safetensors"), dup.Bytes(), 0o644)
		os.WriteFile(filepath.Join(dir, "consolidated.safetensors"), extra.Bytes(), 0o644)
		os.Mkdir(filepath.Join(dir, "vae"), 0o755)
		os.WriteFile(filepath.Join(dir, "vae", "diffusion.safetensors"), extra.Bytes(), 0o644)
		got := kinds(openDir(t, dir).CheckIndex())
		want := []string{
			"shard-unlisted model-00004-of-00004.safetensors  /model-00004-of-00004.safetensors",
		}
		if !slices.Equal(got, want) {
			t.Errorf("issues: %v", got)
		}
	})
	t.Run("tensor issues and total size", func(t *testing.T) {
		dir, sh := shardedRelease(t)
		wm := sh.WeightMap()
		wm["l0.w"] = s2    // held by shard 1
		wm["ghost"] = s3   // held by nobody
		delete(wm, "head") // held by shard 3, not mapped
		writeIndex(t, dir, sh.TotalDataSize()+1, wm)
		got := kinds(openDir(t, dir).CheckIndex())
		want := []string{
			fmt.Sprintf("total-size-mismatch   %d/%d", sh.TotalDataSize()+1, sh.TotalDataSize()),
			"tensor-misplaced " + s2 + " l0.w " + s2 + "/" + s1,
			"tensor-missing " + s3 + " ghost " + s3 + "/",
			"tensor-unmapped " + s3 + " head /" + s3,
		}
		if !slices.Equal(got, want) {
			t.Errorf("issues:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
	t.Run("unreadable shard", func(t *testing.T) {
		dir, _ := shardedRelease(t)
		os.WriteFile(filepath.Join(dir, s3), []byte("not safetensors at all"), 0o644)
		rel := openDir(t, dir)
		if len(rel.Problems) != 1 {
			t.Fatalf("problems: %+v", rel.Problems)
		}
		// The shard's tensors are not reported one by one, nor the total.
		if issues := rel.CheckIndex(); len(issues) != 0 {
			t.Errorf("issues: %v", kinds(issues))
		}
	})
	t.Run("nested index", func(t *testing.T) {
		root := t.TempDir()
		sub := filepath.Join(root, "text_encoder")
		os.Mkdir(sub, 0o755)
		sh := testmodel.ShardedSafetensors{Shards: []testmodel.Safetensors{{Tensors: []testmodel.SafetensorsTensor{{Name: "x", Dtype: "F16", Shape: []uint64{4}}}}}}
		if _, err := testmodel.WriteShardedSafetensors(sub, sh); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(root, "unet.safetensors"), sh.Shards[0].Bytes(), 0o644)
		rel := openDir(t, root)
		if rel.SafetensorsIndex == nil || rel.SafetensorsIndex.Path != "text_encoder/model.safetensors.index.json" {
			t.Fatalf("index %+v", rel.SafetensorsIndex)
		}
		if issues := rel.CheckIndex(); len(issues) != 0 {
			t.Errorf("issues: %v", kinds(issues))
		}
	})
	t.Run("root index preferred", func(t *testing.T) {
		dir, _ := shardedRelease(t)
		os.Mkdir(filepath.Join(dir, "a"), 0o755)
		os.WriteFile(filepath.Join(dir, "a", "x.safetensors.index.json"), testmodel.SafetensorsIndexJSON(0, map[string]string{}), 0o644)
		if p := openDir(t, dir).SafetensorsIndex.Path; p != "model.safetensors.index.json" {
			t.Errorf("index %s", p)
		}
	})
	t.Run("issue cap", func(t *testing.T) {
		dir, sh := shardedRelease(t)
		wm := sh.WeightMap()
		for i := range limits.MaxIndexIssues + 10 {
			wm[fmt.Sprint("ghost.", i)] = s1
		}
		writeIndex(t, dir, sh.TotalDataSize(), wm)
		issues := openDir(t, dir).CheckIndex()
		last := issues[len(issues)-1]
		if len(issues) != limits.MaxIndexIssues+1 || last.Kind != manifest.IndexIssuesOmitted || last.Actual != "10" {
			t.Errorf("%d issues, last %+v", len(issues), last)
		}
	})
}

func writeIndex(t *testing.T, dir string, total int64, wm map[string]string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), testmodel.SafetensorsIndexJSON(total, wm), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFindingsOmitIndexIssues: index issues are facts for provenance;
// the release's own findings do not repeat them.
func TestFindingsOmitIndexIssues(t *testing.T) {
	dir, sh := shardedRelease(t)
	os.Remove(filepath.Join(dir, "model-00002-of-00003.safetensors"))
	writeIndex(t, dir, sh.TotalDataSize()+7, sh.WeightMap())
	rel := openDir(t, dir)
	if len(rel.CheckIndex()) == 0 {
		t.Fatal("no index issues to leave out")
	}
	for _, f := range rel.Findings() {
		if strings.HasPrefix(string(f.Code), "integrity.") || f.Code == finding.FormatMalformed {
			t.Errorf("finding %s: %s", f.Code, f.Message)
		}
	}
}

func TestOpenIndexProblemKeepsIndex(t *testing.T) {
	dir, _ := shardedRelease(t)
	data := `{"metadata":{"total_size":"lots"},"weight_map":{"embed":"model-00001-of-00003.safetensors"}}`
	os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), []byte(data), 0o644)
	rel := openDir(t, dir)
	if rel.SafetensorsIndex == nil || rel.SafetensorsIndex.Tensors != 1 {
		t.Fatalf("index dropped: %+v", rel.SafetensorsIndex)
	}
	if len(rel.Problems) != 1 || !strings.Contains(rel.Problems[0].Message, "total_size") {
		t.Errorf("problems: %+v", rel.Problems)
	}
	var fe *formats.Error
	if !errors.As(rel.Problems[0].Err, &fe) || fe.Line != 1 {
		t.Errorf("problem error %v", rel.Problems[0].Err)
	}
}

// shardedRelease writes a three-shard checkpoint into a fresh directory.
func shardedRelease(t *testing.T) (string, testmodel.ShardedSafetensors) {
	t.Helper()
	sh := testmodel.ShardedSafetensors{Shards: []testmodel.Safetensors{
		{Metadata: map[string]string{"format": "pt"}, Tensors: []testmodel.SafetensorsTensor{{Name: "embed", Dtype: "BF16", Shape: []uint64{16, 8}}, {Name: "l0.w", Dtype: "BF16", Shape: []uint64{8, 8}}}},
		{Tensors: []testmodel.SafetensorsTensor{{Name: "l1.w", Dtype: "F32", Shape: []uint64{8, 8}}, {Name: "l1.b", Dtype: "F32", Shape: []uint64{8}}}},
		{Tensors: []testmodel.SafetensorsTensor{{Name: "head", Dtype: "F8_E4M3", Shape: []uint64{16, 8}}}},
	}}
	dir := t.TempDir()
	if _, err := testmodel.WriteShardedSafetensors(dir, sh); err != nil {
		t.Fatal(err)
	}
	return dir, sh
}

func openDir(t *testing.T, dir string) *manifest.Release {
	t.Helper()
	rel, err := manifest.Dir(dir).Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

func kinds(issues []manifest.IndexIssue) []string {
	var out []string
	for _, i := range issues {
		out = append(out, fmt.Sprintf("%s %s %s %s/%s", i.Kind, i.Shard, i.Tensor, i.Expected, i.Actual))
	}
	return out
}
