package manifest

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/modelvet/modelvet/hub"
	"github.com/modelvet/modelvet/internal/hubtest"
	"github.com/modelvet/modelvet/internal/limits"
)

// audit163 opens a 163-shard repository once and checks the release.
func audit163(tb testing.TB, srv *hubtest.Server, id string, opts HubOptions) *Release {
	opts.Endpoint, opts.NoToken = srv.URL(), true
	src, err := Hub(id, opts)
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
// served by a local fake Hub, with the default budgets, and reports the
// body bytes the server sent and the requests it answered per audit.
//
//	go test ./manifest -run '^$' -bench BenchmarkHubAudit163Shards -benchtime 10x
func BenchmarkHubAudit163Shards(b *testing.B) {
	for _, layout := range []struct {
		name    string
		tensors func() []hubtest.Tensor
	}{{"dense", hubtest.DenseLayout}, {"moe-deepseek-v3", hubtest.MoELayout}} {
		b.Run(layout.name, func(b *testing.B) {
			srv := hubtest.New(b, hubtest.ShardedRepo("acme/large", layout.tensors(), 163))
			audit163(b, srv, "acme/large", HubOptions{}) // warm the server's lazy digests
			srv.Reset()
			b.ResetTimer()
			var rel *Release
			for b.Loop() {
				rel = audit163(b, srv, "acme/large", HubOptions{})
			}
			b.ReportMetric(float64(srv.BytesServed())/float64(b.N), "served-B/op")
			b.ReportMetric(float64(srv.RequestCount())/float64(b.N), "requests/op")
			b.ReportMetric(float64(rel.Hub.Headers.Read), "headers-read")
		})
	}
}

// layoutFacts are what a layout's index and headers declare in all.
func layoutFacts(ts []hubtest.Tensor) (dataSize int64, params map[string]int64) {
	params = map[string]int64{}
	for _, t := range ts {
		dataSize += t.Bytes()
		n := int64(1)
		for _, d := range t.Shape {
			n *= d
		}
		params[t.DType] += n
	}
	return dataSize, params
}

// TestHub163ShardsBytes checks what auditing 163 shards reads with the
// default budgets: for a dense model, the API record, the card, config and
// index whole, and each shard's header exactly, in three requests per
// shard; for a DeepSeek-V3-shaped mixture of experts, under 10 MB in all:
// the index's first bytes for its total size, every shard's header length,
// and as many whole headers as the header budget holds, spread over the
// shards, with the rest reported.
func TestHub163ShardsBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 163-shard repositories")
	}
	t.Run("dense", func(t *testing.T) {
		repo := hubtest.ShardedRepo("acme/large", hubtest.DenseLayout(), 163)
		srv := hubtest.New(t, repo)
		rel := audit163(t, srv, "acme/large", HubOptions{})
		var want int64
		for _, f := range repo.Files {
			if f.Path != "tokenizer.json" {
				want += int64(len(f.Data))
			}
		}
		_, apiBytes := func() (int, int64) {
			c, _ := hub.NewClient(hub.Options{Endpoint: srv.URL(), NoToken: true})
			c.Listing(context.Background(), hub.Ref{ID: "acme/large"})
			return c.Usage()
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
		if h := rel.Hub.Headers; h == nil || h.Read != 163 || h.Files != 163 || len(h.Unread) != 0 || rel.Hub.Index != nil || rel.SafetensorsIndex == nil {
			t.Errorf("dense: headers %+v, index %+v: want every header and the whole index read", h, rel.Hub.Index)
		}
		if issues := rel.CheckIndex(); len(issues) != 0 {
			t.Errorf("index issues: %+v", issues)
		}
	})
	t.Run("moe", func(t *testing.T) {
		ts := hubtest.MoELayout()
		dataSize, params := layoutFacts(ts)
		var total int64
		for _, n := range params {
			total += n
		}
		repo := hubtest.ShardedRepo("acme/large", ts, 163)
		srv := hubtest.New(t, repo)
		rel := audit163(t, srv, "acme/large", HubOptions{})
		h := rel.Hub.Headers
		t.Logf("163 MoE shards: %d bytes read in %d requests; %d of %d headers (%d of %d bytes)", rel.Hub.Bytes, rel.Hub.Requests, h.Read, h.Files, h.BytesRead, h.BytesTotal)
		if rel.Hub.Bytes >= 10<<20 {
			t.Errorf("read %d bytes, want under 10 MB", rel.Hub.Bytes)
		}
		if h.Files != 163 || h.Read+len(h.Unread) != 163 || h.Read < 40 || h.BytesRead > DefaultHubHeaderBudget || h.Budget != DefaultHubHeaderBudget {
			t.Errorf("headers %+v", h)
		}
		// The first and last shards are read; unread ones are listed, not
		// described.
		read := 0
		var headerParams int64
		for i, f := range rel.Files {
			if f.Format != FormatSafetensors {
				continue
			}
			unread := slices.Contains(h.Unread, f.Path)
			if (f.Safetensors == nil) != unread {
				t.Errorf("%s: described %v, listed unread %v", f.Path, f.Safetensors != nil, unread)
			}
			if f.Safetensors != nil {
				read++
				headerParams += f.Safetensors.Parameters
			}
			if (f.Path == "model-00001-of-000163.safetensors" || f.Path == "model-00163-of-000163.safetensors") && unread {
				t.Errorf("%s (file %d) not read", f.Path, i)
			}
		}
		if read != h.Read || headerParams != h.Parameters {
			t.Errorf("%d headers parsed declaring %d parameters; Headers says %d and %d", read, headerParams, h.Read, h.Parameters)
		}
		// The index: its total size from its first bytes, its weight_map
		// not read, so no SafetensorsIndex to check the shards against.
		if x := rel.Hub.Index; x == nil || x.TotalSize != dataSize || x.BytesRead != limits.MaxHubIndexPrefix || x.TotalSizeLine != 3 || rel.SafetensorsIndex != nil {
			t.Errorf("index %+v, want total_size %d from the first %d bytes", x, dataSize, limits.MaxHubIndexPrefix)
		}
		// The parameter count comes from the API and says so.
		if rel.Hub.SafetensorsTotal != total || !maps.Equal(rel.Hub.SafetensorsParameters, params) {
			t.Errorf("API parameters %d %v, want %d %v", rel.Hub.SafetensorsTotal, rel.Hub.SafetensorsParameters, total, params)
		}
		if len(h.Unread) == 0 || h.Read+len(h.Unread) != 163 {
			t.Errorf("headers %+v: want some left unread by the budget", h)
		}

		// With no budgets, everything is read and agrees: the index with
		// the headers, the headers with the API.
		srv.Reset()
		all := audit163(t, srv, "acme/large", HubOptions{HeaderBudget: -1, IndexBytes: -1})
		if all.Hub.Headers.Read != 163 || all.Hub.Index != nil || all.SafetensorsIndex == nil || all.Hub.Headers.Parameters != total {
			t.Errorf("without budgets: headers %+v, index %+v", all.Hub.Headers, all.Hub.Index)
		}
		if issues := all.CheckIndex(); len(issues) != 0 {
			t.Errorf("index issues: %+v", issues[0])
		}
		t.Logf("without budgets: %d bytes in %d requests", all.Hub.Bytes, all.Hub.Requests)
	})
}
