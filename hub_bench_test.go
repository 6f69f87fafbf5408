package modelvet_test

import (
	"context"
	"testing"

	"github.com/modelvet/modelvet"
	"github.com/modelvet/modelvet/hub"
	"github.com/modelvet/modelvet/internal/hubtest"
	"github.com/modelvet/modelvet/manifest"
)

// BenchmarkHubAudit163 runs the whole audit (Open, licences, lineage,
// policy, report) of a repository of 163 safetensors shards served by a
// local fake Hub, with the default budgets, and reports the body bytes the
// servers sent and the requests they answered per audit.
//
//	go test . -run '^$' -bench BenchmarkHubAudit163 -benchtime 10x
func BenchmarkHubAudit163(b *testing.B) {
	for _, layout := range []struct {
		name    string
		tensors func() []hubtest.Tensor
	}{{"dense", hubtest.DenseLayout}, {"moe-deepseek-v3", hubtest.MoELayout}} {
		b.Run(layout.name, func(b *testing.B) {
			srv := hubtest.New(b, hubtest.ShardedRepo("acme/large", layout.tensors(), 163))
			a, err := modelvet.New(modelvet.WithClock(fixedClock), modelvet.WithoutHashingUnsafe())
			if err != nil {
				b.Fatal(err)
			}
			audit := func() *modelvet.Report {
				src, err := manifest.Hub("acme/large", manifest.HubOptions{Options: hub.Options{Endpoint: srv.URL(), NoToken: true}})
				if err != nil {
					b.Fatal(err)
				}
				rep, err := a.Audit(context.Background(), src)
				if err != nil {
					b.Fatal(err)
				}
				if h := rep.Subject.Hub; h == nil || h.HeadersTotal != 163 || h.Bytes >= 10<<20 {
					b.Fatalf("hub facts %+v", h)
				}
				return rep
			}
			audit() // warm the server's lazy digests
			srv.Reset()
			var rep *modelvet.Report
			for b.Loop() {
				rep = audit()
			}
			b.ReportMetric(float64(srv.BytesServed())/float64(b.N), "served-B/op")
			b.ReportMetric(float64(srv.RequestCount())/float64(b.N), "requests/op")
			b.ReportMetric(float64(rep.Subject.Hub.HeadersRead), "headers-read")
		})
	}
}
