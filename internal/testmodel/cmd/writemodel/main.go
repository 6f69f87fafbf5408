// Command writemodel writes fixture model releases built by package
// testmodel, for demos and for measuring modelvet on large releases
// without the disk space they would take.
//
// Usage:
//
//	go run ./internal/testmodel/cmd/writemodel -sharded163 [-scale N] DIR
//
// -sharded163 writes a 163-shard safetensors checkpoint of about 700 GB
// (sparse files: only the headers occupy disk) and its
// model.safetensors.index.json into DIR, which is created if needed.
// -scale multiplies every tensor's first dimension.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/modelvet/modelvet/internal/testmodel"
)

func main() {
	sharded := flag.Bool("sharded163", false, "write the 163-shard MoE checkpoint (sparse)")
	scale := flag.Uint64("scale", 1, "multiply every tensor's first dimension")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: writemodel -sharded163 [-scale N] DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if !*sharded || flag.NArg() != 1 || *scale == 0 {
		flag.Usage()
		os.Exit(2)
	}
	dir := flag.Arg(0)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	m := testmodel.DeepSeekV3Like()
	m.Scale = *scale
	sh := m.Sharded()
	index, err := testmodel.WriteShardedSafetensors(dir, sh)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d shards, %d tensors, %d bytes of tensor data declared\n", index, len(sh.Shards), len(sh.WeightMap()), sh.TotalDataSize())
}
