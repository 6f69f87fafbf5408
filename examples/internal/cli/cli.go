// Package cli holds what the example programs share: the audit flags,
// turning them into auditor options, exit statuses, parsing target lists,
// verdict summaries and the hashing progress bar. It is not a supported
// API, and only the programs under examples/ can import it.
package cli

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/modelvet/modelvet"
	"github.com/modelvet/modelvet/integrity"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/report"
)

// Exit statuses of every example program.
const (
	ExitPass   = 0
	ExitError  = 1 // could not audit
	ExitUsage  = 2
	ExitReview = 3
	ExitFail   = 4
)

// ExitStatus maps a verdict to an exit status.
func ExitStatus(v report.Verdict) int {
	switch v {
	case report.Fail:
		return ExitFail
	case report.Review:
		return ExitReview
	case report.Pass:
		return ExitPass
	}
	return ExitError
}

// ParseStatus is the exit status after a flag set's Parse failed with err:
// 0 when help was asked for (-h, -help), else ExitUsage.
func ParseStatus(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return ExitPass
	}
	return ExitUsage
}

// Worse returns the more serious of two exit statuses: usage and
// could-not-audit outrank any verdict.
func Worse(a, b int) int {
	rank := map[int]int{ExitPass: 0, ExitReview: 1, ExitFail: 2, ExitError: 3, ExitUsage: 4}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// Flags are the audit flags every program accepts.
type Flags struct {
	Format       string
	Policy       string
	Jurisdiction string
	KBDir        string
	Verify       bool
	Signature    string
	Key          string
	CertChain    string
	TrustedRoot  string
	Identity     string
	Issuer       string
}

// Register defines the flags on fs. defaultFormat is the -format default
// ("" leaves -format undefined, for programs that write no reports).
func (f *Flags) Register(fs *flag.FlagSet, defaultFormat string) {
	if defaultFormat != "" {
		fs.StringVar(&f.Format, "format", defaultFormat, "output `FORMAT`: "+strings.Join(modelvet.Formats(), ", "))
	}
	fs.StringVar(&f.Policy, "policy", "", "policy `FILE` (YAML); default: the embedded cautious-buyer policy")
	fs.StringVar(&f.Jurisdiction, "jurisdiction", "", "comma-separated `LIST` of jurisdictions whose government policies apply (e.g. us-federal,us-tx)")
	fs.StringVar(&f.KBDir, "kb", "", "knowledge-base overlay `DIR` merged over the embedded facts")
	fs.BoolVar(&f.Verify, "verify", false, "hash every file and verify it against published digests and the signature")
	fs.StringVar(&f.Signature, "signature", "", "model signature `FILE` (default: model.sig in the release)")
	fs.StringVar(&f.Key, "key", "", "public key `FILE` (PEM) trusted to sign models")
	fs.StringVar(&f.CertChain, "cert-chain", "", "certificate `FILE` (PEM) of CA roots trusted to sign models")
	fs.StringVar(&f.TrustedRoot, "trusted-root", "", "Sigstore trusted_root.json (or client trust config) `FILE` for keyless signatures (offline)")
	fs.StringVar(&f.Identity, "identity", "", "signer `IDENTITY` (certificate SAN, such as an e-mail address) required of keyless signatures")
	fs.StringVar(&f.Issuer, "issuer", "", "OIDC issuer `URL` required of keyless signatures")
}

// Encoder checks -format and returns its encoder.
func (f *Flags) Encoder() (modelvet.EncodeFunc, error) {
	enc, err := modelvet.Encoder(f.Format)
	if err != nil {
		return nil, fmt.Errorf("-format: %w", err)
	}
	return enc, nil
}

// Auditor returns an auditor configured by the flags; an error is a usage
// error.
func (f *Flags) Auditor() (*modelvet.Auditor, error) {
	opts, err := f.Options()
	if err != nil {
		return nil, err
	}
	return modelvet.New(opts...)
}

// Options turns the flags into auditor options.
func (f *Flags) Options() ([]modelvet.Option, error) {
	var opts []modelvet.Option
	if f.Policy != "" {
		p, err := modelvet.LoadPolicy(f.Policy)
		if err != nil {
			return nil, err
		}
		opts = append(opts, modelvet.WithPolicy(p))
	}
	if f.Jurisdiction != "" {
		var ids []string
		for _, j := range strings.Split(f.Jurisdiction, ",") {
			if j = strings.TrimSpace(j); j != "" {
				ids = append(ids, j)
			}
		}
		if len(ids) == 0 {
			return nil, fmt.Errorf("-jurisdiction %q names no jurisdiction (to apply none, give -policy a file with jurisdictions: [])", f.Jurisdiction)
		}
		opts = append(opts, modelvet.WithJurisdictions(ids...))
	}
	if f.KBDir != "" {
		if fi, err := os.Stat(f.KBDir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("-kb %s: not a directory", f.KBDir)
		}
		opts = append(opts, modelvet.WithKnowledgeBase(os.DirFS(f.KBDir)))
	}
	if (f.Identity == "") != (f.Issuer == "") {
		return nil, errors.New("-identity and -issuer go together")
	}
	if f.Identity != "" && f.TrustedRoot == "" {
		return nil, errors.New("-identity needs -trusted-root")
	}
	tf := integrity.TrustFiles{TrustedRoot: f.TrustedRoot}
	if f.Key != "" {
		tf.PublicKeys = []string{f.Key}
	}
	if f.CertChain != "" {
		tf.CertificateRoots = []string{f.CertChain}
	}
	if f.Identity != "" {
		tf.Identities = []integrity.Identity{{Identity: f.Identity, Issuer: f.Issuer}}
	}
	trust, err := integrity.LoadTrust(tf)
	if err != nil {
		return nil, err
	}
	if !trust.Empty() {
		opts = append(opts, modelvet.WithTrust(trust))
	}
	if f.Signature != "" {
		opts = append(opts, modelvet.WithSignature(f.Signature))
	}
	// Checking a signature means checking the files it covers, so any
	// signature flag turns hashing on as -verify does.
	if f.Hashes() {
		if bar := ProgressBar(os.Stderr); bar != nil {
			opts = append(opts, modelvet.WithProgress(bar))
		}
	} else {
		opts = append(opts, modelvet.WithoutHashingUnsafe())
	}
	return opts, nil
}

// Hashes reports whether the flags turn hashing on: -verify, or any
// signature or trust flag (checking a signature means checking the files it
// covers).
func (f *Flags) Hashes() bool {
	return f.Verify || f.Signature != "" || f.Key != "" || f.CertChain != "" || f.TrustedRoot != ""
}

// ReadTargets reads a target list: one target per line; blank lines and
// text from a "#" that starts a line or follows a space are ignored.
func ReadTargets(r io.Reader) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	line := 0
	for sc.Scan() {
		line++
		t := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(t), "#") {
			continue
		}
		if i := strings.Index(t, " #"); i >= 0 {
			t = t[:i]
		}
		if t = strings.TrimSpace(t); t == "" {
			continue
		}
		if len(out) >= limits.MaxGateTargets {
			return nil, fmt.Errorf("line %d: more than %d targets", line, limits.MaxGateTargets)
		}
		out = append(out, t)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	return out, nil
}
