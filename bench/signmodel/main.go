// Command signmodel signs a model with a new ECDSA P-256 key, as the
// benchmark needs: it writes the signature and the public key that
// verifies it.
//
// Usage:
//
//	go run ./bench/signmodel -out SIG -key-out KEY [-method files|shards] MODEL
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"os"

	"github.com/modelvet/modelvet/integrity"
)

func main() {
	out := flag.String("out", "", "signature `FILE` to write")
	keyOut := flag.String("key-out", "", "public key `FILE` (PEM) to write")
	method := flag.String("method", integrity.MethodFiles, "serialisation: files or shards")
	flag.Parse()
	if flag.NArg() != 1 || *out == "" || *keyOut == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := sign(flag.Arg(0), *out, *keyOut, *method); err != nil {
		fmt.Fprintf(os.Stderr, "signmodel: %v\n", err)
		os.Exit(1)
	}
}

func sign(model, out, keyOut, method string) error {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	if _, err := integrity.Sign(context.Background(), model, integrity.Signer{Key: k}, integrity.SignOptions{Method: method, Output: out}); err != nil {
		return err
	}
	der, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil {
		return err
	}
	return os.WriteFile(keyOut, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644)
}
