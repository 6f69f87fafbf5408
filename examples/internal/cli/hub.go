package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/modelvet/modelvet/hub"
	"github.com/modelvet/modelvet/manifest"
)

// HubFlags are the flags of the programs that audit targets they are
// given (audit, gate): the time allowed for the Hub requests of each
// audit of a repository read remotely, and checking a local copy against
// what the Hugging Face Hub publishes for the repository it was downloaded
// from.
type HubFlags struct {
	// Deadline bounds the Hub requests of each audit, retries and waits
	// included (hub.Options.MaxDuration); 0 or less for no bound.
	Deadline time.Duration
	// Digests is ORG/NAME[@REV]: the Hub's size and digest (LFS sha256,
	// git blob id) of each file it lists there are added to the same
	// paths of the local target, so that hashing (-verify) compares the
	// bytes with what the Hub publishes.
	Digests string
}

// Register defines -hub-deadline and -hub-digests on fs.
func (h *HubFlags) Register(fs *flag.FlagSet) {
	h.RegisterDeadline(fs)
	fs.StringVar(&h.Digests, "hub-digests", "", "check the local TARGET against the sizes and digests the Hugging Face Hub lists for `ORG/NAME[@REV]` (compared when -verify hashes the files; endpoint and token from HF_ENDPOINT, HF_TOKEN)")
}

// RegisterDeadline defines -hub-deadline only, for programs that do not
// take -hub-digests.
func (h *HubFlags) RegisterDeadline(fs *flag.FlagSet) {
	fs.DurationVar(&h.Deadline, "hub-deadline", hub.DefaultMaxDuration, "time allowed for the Hugging Face Hub requests of each audit of an hf: TARGET, retries and waits included (`DURATION`, 0 for no limit); the report says what was left unread when it runs out")
}

// Options returns the Hub options the flags set.
func (h *HubFlags) Options() manifest.HubOptions {
	d := h.Deadline
	if d <= 0 {
		d = -1
	}
	return manifest.HubOptions{Options: hub.Options{MaxDuration: d}}
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

// Source returns the source of target (manifest.Parse; manifest.Hub with
// the flags' options for hf: targets), wrapped to carry the Hub's digests
// when -hub-digests is set.
func (h *HubFlags) Source(target string) (manifest.Source, error) {
	if strings.HasPrefix(target, "hf:") {
		if h.Digests != "" {
			return nil, fmt.Errorf("-hub-digests: %s is read from the Hub, which gives its digests already; use -hub-digests with a local copy", target)
		}
		src, err := manifest.Hub(target, h.Options())
		if err != nil {
			return nil, err // not a nil *HubSource in a Source
		}
		return src, nil
	}
	src, err := manifest.Parse(target)
	if err != nil || h.Digests == "" {
		return src, err
	}
	return manifest.WithHubDigests(src, h.Digests, h.Options()), nil
}
