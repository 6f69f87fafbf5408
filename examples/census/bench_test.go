package main

import (
	"context"
	"io"
	"testing"
	"time"
)

// BenchmarkCensus runs the census of the full fixture (1,009
// repositories, 45 of them broken) on Prism against the fake Hub on the
// loopback interface, and reports repositories per second and what each
// repository cost the Hub: requests by rate-limit bucket and bytes. The
// small fixture gives each repository a card, a config and one weight
// file; the example one the 13 files of the example release (two shards
// and their index, GGUF, ONNX, licence, signature, code). The -50ms runs
// answer every request 50 ms late, as a Hub across a network would, with
// 8 and 32 audits at once.
//
//	go test -run '^$' -bench BenchmarkCensus -benchtime 3x
func BenchmarkCensus(b *testing.B) {
	example := fixtureSize{PerFamily: fullFixture.PerFamily, Plain: fullFixture.Plain, Broken: fullFixture.Broken, Rich: true}
	for _, bc := range []struct {
		name        string
		size        fixtureSize
		latency     time.Duration
		concurrency int
	}{
		{"small", fullFixture, 0, 8},
		{"example", example, 0, 8},
		{"example-50ms-8", example, 50 * time.Millisecond, 8},
		{"example-50ms-32", example, 50 * time.Millisecond, 32},
	} {
		b.Run(bc.name, func(b *testing.B) {
			repos := newFixture(bc.size)
			h := startFakeHub(b, repos, 1000)
			h.latency.Store(int64(bc.latency))
			b.Setenv("HF_ENDPOINT", h.URL())
			b.Setenv("HF_TOKEN", "")
			o := options{author: "", query: "", out: b.TempDir(), at: censusAt, concurrency: bc.concurrency, shards: 64}
			c, err := o.config(map[string]bool{"search": true}, nil)
			if err != nil {
				b.Fatal(err)
			}
			c.Spec.APIQuota, c.Spec.ResolveQuota = 0, 0
			before := snapshot()
			var elapsed time.Duration
			for b.Loop() {
				start := time.Now()
				if st := run(context.Background(), c, false, io.Discard); st != 0 {
					b.Fatalf("census exited %d", st)
				}
				elapsed += time.Since(start)
			}
			d := snapshot().minus(before)
			n := float64(b.N * len(repos))
			b.ReportMetric(n/elapsed.Seconds(), "repos/s")
			b.ReportMetric(float64(d.api+d.resolve+d.other)/n, "requests/repo")
			b.ReportMetric(float64(d.api)/n, "api/repo")
			b.ReportMetric(float64(d.resolve)/n, "resolve/repo")
			b.ReportMetric(float64(d.other)/n, "cdn/repo")
			b.ReportMetric(float64(d.bytes)/n, "bytes/repo")
		})
	}
}
