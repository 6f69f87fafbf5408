package manifest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/modelvet/modelvet/internal/hubtest"
)

// Layouts of large sharded releases, for the benchmark: every shard has a
// real header and a declared size of about 4 GB, with no tensor data behind
// it.

// denseLayout is a dense decoder in the shape of Llama 3.1 405B (126
// layers, hidden 16384, intermediate 53248, 8 key-value heads), in BF16.
func denseLayout() []hubtest.Tensor {
	const hidden, inter, kv, vocab = 16384, 53248, 1024, 128256
	ts := []hubtest.Tensor{{Name: "model.embed_tokens.weight", DType: "BF16", Shape: []int64{vocab, hidden}}}
	for i := range 126 {
		p := fmt.Sprintf("model.layers.%d.", i)
		ts = append(ts,
			hubtest.Tensor{Name: p + "input_layernorm.weight", DType: "BF16", Shape: []int64{hidden}},
			hubtest.Tensor{Name: p + "self_attn.q_proj.weight", DType: "BF16", Shape: []int64{hidden, hidden}},
			hubtest.Tensor{Name: p + "self_attn.k_proj.weight", DType: "BF16", Shape: []int64{kv, hidden}},
			hubtest.Tensor{Name: p + "self_attn.v_proj.weight", DType: "BF16", Shape: []int64{kv, hidden}},
			hubtest.Tensor{Name: p + "self_attn.o_proj.weight", DType: "BF16", Shape: []int64{hidden, hidden}},
			hubtest.Tensor{Name: p + "post_attention_layernorm.weight", DType: "BF16", Shape: []int64{hidden}},
			hubtest.Tensor{Name: p + "mlp.gate_proj.weight", DType: "BF16", Shape: []int64{inter, hidden}},
			hubtest.Tensor{Name: p + "mlp.up_proj.weight", DType: "BF16", Shape: []int64{inter, hidden}},
			hubtest.Tensor{Name: p + "mlp.down_proj.weight", DType: "BF16", Shape: []int64{hidden, inter}},
		)
	}
	return append(ts,
		hubtest.Tensor{Name: "model.norm.weight", DType: "BF16", Shape: []int64{hidden}},
		hubtest.Tensor{Name: "lm_head.weight", DType: "BF16", Shape: []int64{vocab, hidden}})
}

// moeLayout is a mixture of experts in the shape of DeepSeek-V3 (61 layers,
// the first 3 dense, 256 routed experts and one shared, FP8 weights each
// with an F32 block-scale tensor, and a multi-token-prediction layer): about
// 92,000 tensors, whose names make the headers and the index large.
func moeLayout() []hubtest.Tensor {
	const hidden, inter, moeInter, vocab = 7168, 18432, 2048, 129280
	var ts []hubtest.Tensor
	fp8 := func(name string, rows, cols int64) {
		ts = append(ts,
			hubtest.Tensor{Name: name + ".weight", DType: "F8_E4M3", Shape: []int64{rows, cols}},
			hubtest.Tensor{Name: name + ".weight_scale_inv", DType: "F32", Shape: []int64{(rows + 127) / 128, (cols + 127) / 128}})
	}
	norm := func(name string, n int64) {
		ts = append(ts, hubtest.Tensor{Name: name + ".weight", DType: "BF16", Shape: []int64{n}})
	}
	ts = append(ts, hubtest.Tensor{Name: "model.embed_tokens.weight", DType: "BF16", Shape: []int64{vocab, hidden}})
	for i := range 62 {
		p := fmt.Sprintf("model.layers.%d.", i)
		norm(p+"input_layernorm", hidden)
		norm(p+"post_attention_layernorm", hidden)
		fp8(p+"self_attn.q_a_proj", 1536, hidden)
		norm(p+"self_attn.q_a_layernorm", 1536)
		fp8(p+"self_attn.q_b_proj", 24576, 1536)
		fp8(p+"self_attn.kv_a_proj_with_mqa", 576, hidden)
		norm(p+"self_attn.kv_a_layernorm", 512)
		fp8(p+"self_attn.kv_b_proj", 32768, 512)
		fp8(p+"self_attn.o_proj", hidden, 16384)
		if i < 3 {
			fp8(p+"mlp.gate_proj", inter, hidden)
			fp8(p+"mlp.up_proj", inter, hidden)
			fp8(p+"mlp.down_proj", hidden, inter)
			continue
		}
		ts = append(ts,
			hubtest.Tensor{Name: p + "mlp.gate.weight", DType: "BF16", Shape: []int64{256, hidden}},
			hubtest.Tensor{Name: p + "mlp.gate.e_score_correction_bias", DType: "F32", Shape: []int64{256}})
		for e := range 256 {
			q := fmt.Sprintf("%smlp.experts.%d.", p, e)
			fp8(q+"gate_proj", moeInter, hidden)
			fp8(q+"up_proj", moeInter, hidden)
			fp8(q+"down_proj", hidden, moeInter)
		}
		fp8(p+"mlp.shared_experts.gate_proj", moeInter, hidden)
		fp8(p+"mlp.shared_experts.up_proj", moeInter, hidden)
		fp8(p+"mlp.shared_experts.down_proj", hidden, moeInter)
	}
	norm("model.norm", hidden)
	return append(ts, hubtest.Tensor{Name: "lm_head.weight", DType: "BF16", Shape: []int64{vocab, hidden}})
}

// shardedRepo packs tensors into exactly shards files of about equal data
// size and returns the repository with its index, card, config and
// tokenizer.
func shardedRepo(id string, ts []hubtest.Tensor, shards int) *hubtest.Repo {
	var total int64
	for _, t := range ts {
		total += t.Bytes()
	}
	groups := make([][]hubtest.Tensor, shards)
	var at int64
	for _, t := range ts {
		i := min(int(at*int64(shards)/total), shards-1)
		groups[i] = append(groups[i], t)
		at += t.Bytes()
	}
	repo := &hubtest.Repo{ID: id, LibraryName: "transformers", PipelineTag: "text-generation"}
	weightMap := map[string]string{}
	for i, g := range groups {
		name := fmt.Sprintf("model-%05d-of-%06d.safetensors", i+1, shards)
		header, size := hubtest.SafetensorsHeader(g, map[string]string{"format": "pt"})
		repo.Files = append(repo.Files, &hubtest.File{Path: name, Data: header, Size: size, LFS: true})
		for _, t := range g {
			weightMap[t.Name] = name
		}
	}
	index, _ := json.MarshalIndent(map[string]any{"metadata": map[string]any{"total_size": total}, "weight_map": weightMap}, "", "  ")
	repo.Files = append(repo.Files,
		&hubtest.File{Path: "model.safetensors.index.json", Data: index},
		&hubtest.File{Path: "README.md", Data: []byte("---\nlicense: mit\nlibrary_name: transformers\n---\n# Large model\n")},
		&hubtest.File{Path: "config.json", Data: []byte(`{"architectures":["ForCausalLM"],"model_type":"large","torch_dtype":"bfloat16"}`)},
		&hubtest.File{Path: "tokenizer.json", Data: make([]byte, 9<<20)},
	)
	return repo
}

// audit163 opens a 163-shard repository once and checks the release.
func audit163(tb testing.TB, srv *hubtest.Server, id string) *Release {
	src, err := Hub(id, HubOptions{Endpoint: srv.URL(), NoToken: true})
	if err != nil {
		tb.Fatal(err)
	}
	rel, err := src.Open(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for _, f := range rel.Files {
		if f.Format == FormatSafetensors {
			n++
		}
	}
	if n != 163 || len(rel.Problems) != 0 || rel.Card == nil || rel.Config == nil {
		tb.Fatalf("%d shards, problems %q", n, problemsText(rel))
	}
	return rel
}

// BenchmarkHubAudit163Shards audits a repository of 163 safetensors shards
// served by a local fake Hub, and reports the body bytes the server sent
// and the requests it answered per audit.
//
//	go test ./manifest -run '^$' -bench BenchmarkHubAudit163Shards -benchtime 10x
func BenchmarkHubAudit163Shards(b *testing.B) {
	for _, layout := range []struct {
		name    string
		tensors func() []hubtest.Tensor
	}{{"dense", denseLayout}, {"moe-deepseek-v3", moeLayout}} {
		b.Run(layout.name, func(b *testing.B) {
			srv := hubtest.New(b, shardedRepo("acme/large", layout.tensors(), 163))
			audit163(b, srv, "acme/large") // warm the server's lazy digests
			srv.Reset()
			b.ResetTimer()
			for b.Loop() {
				audit163(b, srv, "acme/large")
			}
			b.ReportMetric(float64(srv.BytesServed())/float64(b.N), "served-B/op")
			b.ReportMetric(float64(srv.RequestCount())/float64(b.N), "requests/op")
		})
	}
}

// TestHub163ShardsBytes checks what auditing 163 shards reads: the API
// record, the card, config and index whole, and each shard's header
// exactly, in two requests per shard.
func TestHub163ShardsBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 163-shard repository")
	}
	repo := shardedRepo("acme/large", denseLayout(), 163)
	srv := hubtest.New(t, repo)
	rel := audit163(t, srv, "acme/large")
	var want int64
	for _, f := range repo.Files {
		switch {
		case f.Path == "tokenizer.json":
		case f.LFS:
			want += int64(len(f.Data))
		default:
			want += int64(len(f.Data))
		}
	}
	_, apiBytes := func() (int, int64) {
		s, _ := Hub("acme/large", HubOptions{Endpoint: srv.URL(), NoToken: true})
		s.c.modelInfo(context.Background(), "acme/large", "main", true)
		return s.Usage()
	}()
	redirects := rel.Hub.Bytes - want - apiBytes // bodies of the 302s
	t.Logf("163 dense shards: %d bytes read (%d API, %d files, %d redirect bodies) in %d requests", rel.Hub.Bytes, apiBytes, want, redirects, rel.Hub.Requests)
	if rel.Hub.Bytes >= 10<<20 {
		t.Errorf("read %d bytes, want under 10 MB", rel.Hub.Bytes)
	}
	if redirects < 0 || redirects > 163*300 {
		t.Errorf("read %d bytes beyond the headers, the texts and the API record", redirects)
	}
	if rel.Hub.Requests != 1+3+163*3 {
		t.Errorf("%d requests, want 1 + 3 + 163 shards × (redirect, CDN, CDN again)", rel.Hub.Requests)
	}
}
