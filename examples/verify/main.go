// Command verify verifies an OpenSSF model signature (a model.sig Sigstore
// bundle, as the reference model_signing implementation writes) and the
// files it covers, offline, and prints every check it made.
//
// Usage:
//
//	go run ./examples/verify [flags] MODEL
//
// MODEL is a model directory, a single model file, or a snapshot of a
// Hugging Face cache. Trust comes from the flags: -key for signatures made
// with a key, -cert-chain for certificates from a private CA, and
// -trusted-root with -identity and -issuer for Sigstore keyless
// signatures. Exit status: 0 verified, 1 could not verify, 2 usage,
// 4 verification failed.
//
// This is an example program built on the modelvet library, not a
// supported command-line tool.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/modelvet/modelvet/examples/internal/cli"
	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/integrity"
	"github.com/modelvet/modelvet/internal/textsafe"
	"github.com/modelvet/modelvet/manifest"
)

// Exit statuses.
const (
	exitVerified = 0
	exitError    = 1
	exitUsage    = 2
	exitFailed   = 4
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		sigPath, key, certChain, trustedRoot, identity, issuer, ignore string
		asJSON, ignoreUnsigned                                         bool
	)
	fs.StringVar(&sigPath, "signature", "", "model signature `FILE` (default: model.sig in the model directory)")
	fs.StringVar(&key, "key", "", "public key `FILE` (PEM) trusted to sign models")
	fs.StringVar(&certChain, "cert-chain", "", "certificate `FILE` (PEM) of CA roots trusted to sign models")
	fs.StringVar(&trustedRoot, "trusted-root", "", "Sigstore trusted_root.json or client trust config `FILE` for keyless signatures")
	fs.StringVar(&identity, "identity", "", "signer `IDENTITY` (certificate SAN, such as an e-mail address) required of keyless signatures")
	fs.StringVar(&issuer, "issuer", "", "OIDC issuer `URL` required of keyless signatures")
	fs.StringVar(&ignore, "ignore-paths", "", "comma-separated `PATHS` (relative to the model) left out of the check")
	fs.BoolVar(&ignoreUnsigned, "ignore-unsigned-files", false, "check only the files the signature names; others are not reported")
	fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: verify [flags] MODEL\n\nVerifies the model signature of MODEL (a directory or a file) and the files it covers.\nExit status: 0 verified, 1 could not verify, 2 usage, 4 verification failed.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cli.ParseStatus(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	model := fs.Arg(0)
	if (identity == "") != (issuer == "") || (identity != "" && trustedRoot == "") {
		fmt.Fprintln(stderr, "verify: -identity and -issuer go together, with -trusted-root")
		return exitUsage
	}
	tf := integrity.TrustFiles{TrustedRoot: trustedRoot}
	if key != "" {
		tf.PublicKeys = []string{key}
	}
	if certChain != "" {
		tf.CertificateRoots = []string{certChain}
	}
	if identity != "" {
		tf.Identities = []integrity.Identity{{Identity: identity, Issuer: issuer}}
	}
	trust, err := integrity.LoadTrust(tf)
	if err != nil {
		fmt.Fprintf(stderr, "verify: %v\n", err)
		return exitUsage
	}
	if trust.Empty() {
		fmt.Fprintln(stderr, "verify: nothing is trusted: give -key, -cert-chain or -trusted-root")
		return exitUsage
	}
	fi, err := os.Stat(model)
	if err != nil {
		fmt.Fprintf(stderr, "verify: %v\n", err)
		return exitError
	}
	if sigPath == "" {
		if !fi.IsDir() {
			fmt.Fprintln(stderr, "verify: a single-file model needs -signature")
			return exitUsage
		}
		sigPath = filepath.Join(model, integrity.DefaultSignatureName)
	}
	var ignores []string
	for _, p := range strings.Split(ignore, ",") {
		if p = strings.TrimSpace(p); p != "" {
			ignores = append(ignores, p)
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	src, err := manifest.Parse(model)
	if err != nil {
		fmt.Fprintf(stderr, "verify: %v\n", err)
		return exitError
	}
	rel, err := src.Open(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "verify: %v\n", err)
		return exitError
	}
	res, err := integrity.VerifySignature(ctx, rel, integrity.VerifyOptions{
		Trust:               trust,
		Signature:           sigPath,
		IgnorePaths:         ignores,
		IgnoreUnsignedFiles: ignoreUnsigned,
		Hash:                integrity.HashOptions{Progress: cli.ProgressBar(os.Stderr)},
	})
	if err != nil {
		fmt.Fprintf(stderr, "verify: %v\n", err)
		return exitError
	}
	ok := res.Signature.Verified && len(res.Findings) == 0
	if asJSON {
		if err := writeJSON(stdout, res, ok); err != nil {
			fmt.Fprintf(stderr, "verify: %v\n", err)
			return exitError
		}
	} else {
		writeText(stdout, model, res, ok)
	}
	if !ok {
		return exitFailed
	}
	return exitVerified
}

func writeText(w io.Writer, model string, res *integrity.Result, ok bool) {
	sr := res.Signature
	verdict := "FAILED"
	if ok {
		verdict = "VERIFIED"
	}
	fmt.Fprintf(w, "%s  %s\n", verdict, textsafe.Line(model))
	signer := ""
	switch {
	case sr.Identity != "" && sr.Method == integrity.SigningSigstore:
		signer = fmt.Sprintf(", signed by %s (issuer %s)", sr.Identity, sr.Issuer)
	case sr.Identity != "":
		signer = ", certificate " + sr.Identity
	case sr.KeyHint != "":
		signer = ", key " + sr.KeyHint
	}
	if !sr.SignedAt.IsZero() {
		signer += ", logged " + sr.SignedAt.Format("2006-01-02T15:04:05Z")
	}
	fmt.Fprintf(w, "  signature %s: %s method%s\n", textsafe.Line(sr.Path), cmp.Or(sr.Method, "unknown"), textsafe.Line(signer))
	fmt.Fprintln(w, "  checks:")
	for _, c := range sr.CheckStrings() {
		fmt.Fprintf(w, "    %s\n", textsafe.Line(c))
	}
	fmt.Fprintf(w, "  files: %d hashed, %d verified\n", res.Hashed, res.Verified)
	if len(res.Findings) > 0 {
		fmt.Fprintf(w, "  findings (%d):\n", len(res.Findings))
		for _, f := range res.Findings {
			fmt.Fprintf(w, "    %-20s %s\n", f.Code, textsafe.Line(f.Message))
			for _, e := range f.Evidence {
				fmt.Fprintf(w, "      %s %s = %s\n", textsafe.Line(e.Path), textsafe.Line(e.Field), textsafe.Line(textsafe.Truncate(e.Value, 200)))
			}
		}
	}
	var unlisted []string
	for _, f := range res.Findings {
		if f.Code == finding.IntegrityUnlisted && f.Subject != "" {
			unlisted = append(unlisted, textsafe.Line(f.Subject))
		}
	}
	if len(unlisted) > 0 {
		fmt.Fprintf(w, "  If the signer left these files out on purpose (signatures made before model_signing 1.1 do\n  not record it), verify again with -ignore-paths %s\n", strings.Join(unlisted, ","))
	}
}

// jsonResult is the JSON the program prints.
type jsonResult struct {
	Verified  bool                   `json:"verified"`
	Signature jsonSignature          `json:"signature"`
	Hashed    int                    `json:"hashed"`
	Files     []integrity.FileResult `json:"files"`
	Findings  any                    `json:"findings"`
}

type jsonSignature struct {
	Path          string   `json:"path"`
	Method        string   `json:"method"`
	PredicateType string   `json:"predicate_type"`
	Verified      bool     `json:"verified"`
	Identity      string   `json:"identity,omitempty"`
	Issuer        string   `json:"issuer,omitempty"`
	KeyHint       string   `json:"key_hint,omitempty"`
	SignedAt      string   `json:"signed_at,omitempty"`
	Checked       []string `json:"checked"`
	Error         string   `json:"error,omitempty"`
}

func writeJSON(w io.Writer, res *integrity.Result, ok bool) error {
	sr := res.Signature
	js := jsonResult{Verified: ok, Hashed: res.Hashed, Files: res.Files, Findings: res.Findings,
		Signature: jsonSignature{Path: sr.Path, Method: sr.Method, PredicateType: sr.PredicateType, Verified: sr.Verified,
			Identity: sr.Identity, Issuer: sr.Issuer, KeyHint: sr.KeyHint, Checked: sr.CheckStrings(), Error: sr.Err}}
	if !sr.SignedAt.IsZero() {
		js.Signature.SignedAt = sr.SignedAt.Format("2006-01-02T15:04:05Z")
	}
	if len(res.Findings) == 0 {
		js.Findings = []any{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(js)
}
