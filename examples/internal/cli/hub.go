package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/modelvet/modelvet/hub"
	"github.com/modelvet/modelvet/manifest"
)

// HubFlags are the flags of the programs that audit targets they are
// given (audit, gate): checking a local copy against what the Hugging Face
// Hub publishes for the repository it was downloaded from.
type HubFlags struct {
	// Digests is ORG/NAME[@REV]: the Hub's size and digest (LFS sha256,
	// git blob id) of each file it lists there are added to the same
	// paths of the local target, so that hashing (-verify) compares the
	// bytes with what the Hub publishes.
	Digests string
}

// Register defines the flags on fs.
func (h *HubFlags) Register(fs *flag.FlagSet) {
	fs.StringVar(&h.Digests, "hub-digests", "", "check the local TARGET against the sizes and digests the Hugging Face Hub lists for `ORG/NAME[@REV]` (compared when -verify hashes the files; endpoint and token from HF_ENDPOINT, HF_TOKEN)")
}

// Check validates the flags against the targets given: -hub-digests takes
// a repository id and applies to one target.
func (h *HubFlags) Check(targets []string) error {
	if h.Digests == "" {
		return nil
	}
	if _, err := hub.ParseRef(h.Digests); err != nil {
		return fmt.Errorf("-hub-digests: %w", err)
	}
	if len(targets) != 1 {
		return errors.New("-hub-digests checks one local copy: give exactly one TARGET")
	}
	if strings.HasPrefix(targets[0], "hf:") {
		return fmt.Errorf("-hub-digests: %s is read from the Hub, which gives its digests already; use -hub-digests with a local copy", targets[0])
	}
	return nil
}

// Source returns the source of target (manifest.Parse), wrapped to carry
// the Hub's digests when -hub-digests is set.
func (h *HubFlags) Source(target string) (manifest.Source, error) {
	src, err := manifest.Parse(target)
	if err != nil || h.Digests == "" {
		return src, err
	}
	if _, remote := src.(*manifest.HubSource); remote {
		return nil, fmt.Errorf("-hub-digests: %s is read from the Hub, which gives its digests already; use -hub-digests with a local copy", target)
	}
	return manifest.WithHubDigests(src, h.Digests, manifest.HubOptions{}), nil
}
