package manifest_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/manifest"
)

// envShardedDir names a release directory for TestOpenShardedProcess, which
// the benchmark runs as a child process to measure resident memory.
const envShardedDir = "MODELVET_SHARDED_DIR"

// writeSharded163 writes the 163-shard release, sparse, into dir.
func writeSharded163(tb testing.TB, dir string, scale uint64) testmodel.ShardedSafetensors {
	tb.Helper()
	m := testmodel.DeepSeekV3Like()
	m.Scale = scale
	sh := m.Sharded()
	if _, err := testmodel.WriteShardedSafetensors(dir, sh); err != nil {
		tb.Fatal(err)
	}
	return sh
}

// openAndCheck describes dir and checks that every shard was read.
func openAndCheck(tb testing.TB, dir string, shards int) *manifest.Release {
	src, err := manifest.Parse(dir)
	if err != nil {
		tb.Fatal(err)
	}
	rel, err := src.Open(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	if len(rel.Problems) != 0 || len(rel.Files) != shards+1 || rel.SafetensorsIndex == nil {
		tb.Fatalf("%d files, %d problems, index %v", len(rel.Files), len(rel.Problems), rel.SafetensorsIndex != nil)
	}
	return rel
}

// BenchmarkOpenSharded163 describes a release of 163 sparse safetensors
// shards (about 700 GB declared, about 91,000 tensors, modelled on
// DeepSeek-V3) plus its index with manifest.Parse and Open. The x10
// variant declares tensors ten times larger with headers of the same
// shape: time depends on header bytes, not on tensor data. Besides ns/op
// and allocations it reports the declared size, the memory still held by
// the described release, and the peak resident memory (VmHWM) of a child
// process that does one Open.
func BenchmarkOpenSharded163(b *testing.B) {
	for _, scale := range []uint64{1, 10} {
		b.Run(fmt.Sprintf("x%d", scale), func(b *testing.B) {
			dir := b.TempDir()
			sh := writeSharded163(b, dir, scale)
			rel := openAndCheck(b, dir, len(sh.Shards))
			if issues := rel.CheckIndex(); len(issues) != 0 {
				b.Fatalf("index issues: %v", kinds(issues))
			}
			tensors := rel.SafetensorsIndex.Tensors
			rel = nil
			b.ReportAllocs()
			for b.Loop() {
				openAndCheck(b, dir, len(sh.Shards))
			}
			// Metrics after the loop: b.Loop resets them when it starts.
			b.ReportMetric(float64(sh.TotalDataSize())/1e9, "declared-GB")
			b.ReportMetric(float64(tensors), "tensors")
			b.ReportMetric(retainedMB(b, dir, len(sh.Shards)), "retained-MB")
			if ms, hwm, cpu, err := childOpen(dir); err != nil {
				b.Logf("child process: %v", err)
			} else {
				b.ReportMetric(hwm, "child-peak-RSS-MB")
				b.ReportMetric(ms, "child-open-ms")
				b.ReportMetric(cpu, "child-open-cpu-ms")
			}
		})
	}
}

// retainedMB measures the heap held by one described release.
func retainedMB(b *testing.B, dir string, shards int) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rel := openAndCheck(b, dir, shards)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(rel)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)
}

// childOpen runs TestOpenShardedProcess in a new process on dir and
// returns its Open time and peak resident memory.
func childOpen(dir string) (ms, hwmMB, cpuMS float64, err error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestOpenShardedProcess$", "-test.v")
	cmd.Env = append(os.Environ(), envShardedDir+"="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, 0, 0, fmt.Errorf("%v: %s", err, out)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if _, rest, ok := strings.Cut(sc.Text(), "open_ms="); ok {
			var kb int64
			if _, err := fmt.Sscanf(rest, "%g vmhwm_kb=%d cpu_ms=%g", &ms, &kb, &cpuMS); err == nil {
				return ms, float64(kb) / 1024, cpuMS, nil
			}
		}
	}
	return 0, 0, 0, fmt.Errorf("no measurement in output: %s", out)
}

// TestOpenShardedProcess describes the release named by
// MODELVET_SHARDED_DIR once and prints the time taken and the peak
// resident memory of this process; it is skipped otherwise. To measure by
// hand:
//
//	go run ./internal/testmodel/cmd/writemodel -sharded163 DIR
//	go test -c -o /tmp/manifest.test ./manifest
//	MODELVET_SHARDED_DIR=DIR /usr/bin/time -v /tmp/manifest.test -test.run '^TestOpenShardedProcess$' -test.v
func TestOpenShardedProcess(t *testing.T) {
	dir := os.Getenv(envShardedDir)
	if dir == "" {
		t.Skip(envShardedDir + " not set")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	cpu0 := cpuTime()
	start := time.Now()
	rel := openAndCheck(t, dir, len(entries)-1)
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	issues := rel.CheckIndex()
	t.Logf("open_ms=%.1f vmhwm_kb=%d cpu_ms=%.1f files=%d tensors=%d issues=%d", float64(elapsed.Microseconds())/1000, vmHWM(t), float64(cpu.Microseconds())/1000, len(rel.Files), rel.SafetensorsIndex.Tensors, len(issues))
}

// cpuTime returns the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// vmHWM returns this process's peak resident set size in kB.
func vmHWM(t *testing.T) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return -1
}

// BenchmarkCheckIndex163 compares the index of the 163-shard release with
// its shards' headers.
func BenchmarkCheckIndex163(b *testing.B) {
	dir := b.TempDir()
	sh := writeSharded163(b, dir, 1)
	rel := openAndCheck(b, dir, len(sh.Shards))
	b.ReportAllocs()
	for b.Loop() {
		if issues := rel.CheckIndex(); len(issues) != 0 {
			b.Fatal(kinds(issues))
		}
	}
}
