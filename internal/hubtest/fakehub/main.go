// Command fakehub serves the example repository of package hubtest
// (acme/chat-7b) as a fake Hugging Face Hub on the loopback interface, to
// try the Hub source by hand:
//
//	go run ./internal/hubtest/fakehub -addr 127.0.0.1:8765 -write /tmp/chat-7b &
//	HF_ENDPOINT=http://127.0.0.1:8765 go run ./examples/audit hf:acme/chat-7b
//	go run ./examples/audit /tmp/chat-7b
//
// With -write it also writes the same release to a directory, so the two
// audits can be compared. It stops on interrupt.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"slices"

	"github.com/modelvet/modelvet/internal/hubtest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8765", "`ADDRESS` to serve the Hub on")
	write := flag.String("write", "", "also write the release to `DIR`")
	flag.Parse()
	repo := hubtest.ExampleRepo()
	if *write != "" {
		for _, f := range repo.Files {
			p := filepath.Join(*write, filepath.FromSlash(f.Path))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				log.Fatal(err)
			}
			data := f.Data
			if f.Size > int64(len(data)) {
				data = append(slices.Clone(data), make([]byte, f.Size-int64(len(data)))...)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				log.Fatal(err)
			}
		}
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	s := hubtest.Start(l, repo, hubtest.ExampleBaseRepo())
	defer s.Close()
	fmt.Printf("HF_ENDPOINT=%s\n", s.URL())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	<-ch
}
