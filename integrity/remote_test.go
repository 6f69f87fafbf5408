package integrity

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/hub"
	"github.com/modelvet/modelvet/internal/hubtest"
	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/manifest"
)

// TestVerifyONNXExternalData checks that an ONNX file's external tensor
// data that the release lacks is integrity.missing, once per location,
// and that data present or outside the release (a format finding) is not.
func TestVerifyONNXExternalData(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "onnx"), 0o755)
	model := testmodel.ONNXModel(
		testmodel.ONNXTensor("a", nil, "model.onnx_data"),
		testmodel.ONNXTensor("b", nil, "missing.bin"),
		testmodel.ONNXTensor("b2", nil, "missing.bin"),
		testmodel.ONNXTensor("c", nil, "../../etc/passwd"),
		testmodel.ONNXTensor("f", nil, "data:v2.bin"))
	os.WriteFile(filepath.Join(dir, "onnx", "model.onnx"), model, 0o644)
	os.WriteFile(filepath.Join(dir, "onnx", "model.onnx_data"), make([]byte, 64), 0o644)
	res := verifyFiles(t, openRelease(t, dir), VerifyOptions{WithoutHashingUnsafe: true})
	var got []string
	for _, f := range res.Findings {
		if f.Code == finding.IntegrityMissing {
			got = append(got, fmt.Sprintf("%s: %s [%s %s]", f.Subject, f.Message, f.Evidence[0].Path, f.Evidence[0].Value))
		}
	}
	slices.Sort(got)
	want := []string{
		"onnx/data:v2.bin: onnx/model.onnx keeps tensor data in onnx/data:v2.bin, which the release does not hold [onnx/model.onnx data:v2.bin]",
		"onnx/missing.bin: onnx/model.onnx keeps tensor data in onnx/missing.bin, which the release does not hold [onnx/model.onnx missing.bin]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestVerifyRemoteUnread checks that what a remote audit left unread to
// stay within its budgets is integrity.unverified, inferred, naming the
// files: safetensors headers, GGUF metadata past the first block, and the
// weight_map of a large index.
func TestVerifyRemoteUnread(t *testing.T) {
	repo := &hubtest.Repo{ID: "acme/budget", Files: []*hubtest.File{{Path: "README.md", Data: []byte("---\nlicense: mit\n---\n")}}}
	var small int64
	for i := range 9 {
		var ts []hubtest.Tensor
		for j := range 16 {
			ts = append(ts, hubtest.Tensor{Name: fmt.Sprintf("layer.%d.%06d.weight", i, j), DType: "F16", Shape: []int64{4}})
		}
		h, size := hubtest.SafetensorsHeader(ts, nil)
		small = int64(len(h))
		repo.Files = append(repo.Files, &hubtest.File{Path: fmt.Sprintf("model-%02d.safetensors", i), Data: h, Size: size, LFS: true})
	}
	vocab := make([]string, 20000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("token-%06d", i)
	}
	for i := range 3 {
		h, size := hubtest.GGUFHeader([]hubtest.KV{
			{Key: "general.architecture", Value: "llama"},
			{Key: "tokenizer.ggml.tokens", Value: vocab},
		}, []hubtest.Tensor{{Name: "token_embd.weight", DType: "F16", Shape: []int64{20000, 4096}}})
		repo.Files = append(repo.Files, &hubtest.File{Path: fmt.Sprintf("chat-Q%d.gguf", i), Data: h, Size: size, LFS: true})
	}
	srv := hubtest.New(t, repo)
	src, err := manifest.Hub("acme/budget", manifest.HubOptions{Options: hub.Options{Endpoint: srv.URL(), NoToken: true}, HeaderBudget: 2 * small})
	if err != nil {
		t.Fatal(err)
	}
	rel, err := src.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	res, err := Verify(context.Background(), rel, VerifyOptions{WithoutHashingUnsafe: true})
	if err != nil {
		t.Fatal(err)
	}
	var unread []finding.Finding
	for _, f := range res.Findings {
		if f.Code == finding.IntegrityUnverified && f.Confidence == finding.Inferred {
			unread = append(unread, f)
		}
	}
	if len(unread) != 2 {
		t.Fatalf("unverified findings: %+v", unread)
	}
	st, gg := unread[0], unread[1]
	if !strings.Contains(gg.Message, "GGUF") {
		st, gg = gg, st
	}
	if !strings.Contains(st.Message, "the headers of 7 of 9 safetensors files") || st.Subject != "acme/budget" {
		t.Errorf("safetensors finding: %s", st.Message)
	}
	if ev := st.Evidence; len(ev) < 5 || ev[0].Value != "2 of 9" || ev[4].Value != "and 4 more files" {
		t.Errorf("safetensors evidence: %+v", ev)
	}
	if !strings.Contains(gg.Message, "of 3 GGUF files was read from the Hub only as far as their first block") || gg.Evidence[1].Path == "" {
		t.Errorf("GGUF finding: %s %+v", gg.Message, gg.Evidence)
	}
}
