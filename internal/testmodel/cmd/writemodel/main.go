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
//
//	go run ./internal/testmodel/cmd/writemodel -machine DIR
//
// -machine writes a home directory with models where the usual tools put
// them (a Hugging Face cache, an Ollama store, GGUF files in Downloads;
// see testmodel.WriteMachineTree) under DIR, for trying examples/sweep.
// Run it from the module root: the model cards come from testdata/lineage.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/modelvet/modelvet/internal/testmodel"
)

func main() {
	sharded := flag.Bool("sharded163", false, "write the 163-shard MoE checkpoint (sparse)")
	machine := flag.Bool("machine", false, "write a home directory with models in a Hugging Face cache, an Ollama store and Downloads")
	scale := flag.Uint64("scale", 1, "multiply every tensor's first dimension")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: writemodel -sharded163 [-scale N] DIR\n       writemodel -machine DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *machine && flag.NArg() == 1 && !*sharded {
		if _, err := os.Lstat(filepath.Join(flag.Arg(0), "home")); err == nil {
			fmt.Fprintf(os.Stderr, "writemodel: %s already holds a machine tree; sweep it as it is, or remove it (rm -r %s) to write a fresh one\n", flag.Arg(0), flag.Arg(0))
			os.Exit(1)
		}
		m, err := testmodel.WriteMachineTree(flag.Arg(0), filepath.Join("testdata", "lineage"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("%s: Hugging Face cache %s, Ollama store %s, %d loose GGUF files\n", m.Root, m.HFCache, m.Ollama, len(m.Loose))
		return
	}
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
