package manifest

import (
	"github.com/modelvet/modelvet/hub"
)

// Defaults of HubOptions.
const (
	DefaultHubConcurrency = 8
	// DefaultHubHeaderBudget is the default of HubOptions.HeaderBudget:
	// enough for every header of a dense model of any size (a dense
	// 405B-parameter model's 163 shards take about 1 MB of first reads),
	// and for over 40% of the 12 MB of headers of a 92,000-tensor mixture
	// of experts.
	DefaultHubHeaderBudget = 6 << 20
	// DefaultHubIndexBytes is the default of HubOptions.IndexBytes: sharded
	// indexes of dense models are tens of KB; those of large mixtures of
	// experts run to several MB.
	DefaultHubIndexBytes = 1 << 20
)

// HubOptions configures how a Hub repository is audited: the client's
// settings (endpoint, token, retries, timeouts, and the request and byte
// caps of the audit), then what the audit reads. The zero value reads the
// public Hub, or the endpoint in HF_ENDPOINT, with the token in HF_TOKEN,
// as Hugging Face's own clients do.
type HubOptions struct {
	hub.Options

	// Concurrency bounds the files, and the records of ancestors,
	// fetched at once. Default DefaultHubConcurrency, at most
	// hub.MaxConcurrency.
	Concurrency int
	// LineageDepth bounds how far Open follows base_model on the Hub from
	// the card's bases (Release.Hub.Ancestors): 0 for
	// limits.MaxLineageDepth, negative not to follow it.
	LineageDepth int
	// HeaderBudget caps the bytes fetched for safetensors headers in one
	// audit. Each safetensors file is read once from offset 0, in a block
	// meant to hold its length and its whole header: the first files in
	// spread order (first, last, middle) in blocks of 128 KiB, the others
	// in blocks sized on the largest header those show; a header larger
	// than its block gets a second read. Every block counts against the
	// budget; once a block does not fit, files are read for their 16 first
	// bytes only (their header length), and the headers not read are
	// taken in spread order (first, last, middle, then the middles of each
	// half, …), each while what it lacks still fits; the files left unread
	// are reported (HubInfo.Headers and an integrity.unverified finding).
	// GGUF metadata, which has no length field, counts against what is
	// left: the first GGUF file's is always read, then others while their
	// cost, estimated at the first one's, fits; the rest only as far as
	// their first block, which holds their general.* keys (HubInfo.GGUF).
	// Default DefaultHubHeaderBudget; negative for no budget (MaxBytes
	// still applies).
	HeaderBudget int64
	// IndexBytes is the largest *.safetensors.index.json read whole. A
	// larger index is read only for its first limits.MaxHubIndexPrefix
	// bytes, for metadata.total_size (HubInfo.Index); its weight_map is not
	// read. Default DefaultHubIndexBytes; negative to read every index whole
	// (up to limits.MaxIndexBytes).
	IndexBytes int64
}

// hubConfig is what the audit reads, from HubOptions with the defaults
// filled in; the budgets are -1 for no limit.
type hubConfig struct {
	concurrency  int
	lineage      int // depth; negative: off
	headerBudget int64
	indexWhole   int64
}

func (o HubOptions) resolve() hubConfig {
	p := hubConfig{
		concurrency:  o.Concurrency,
		lineage:      o.LineageDepth,
		headerBudget: resolveSize(o.HeaderBudget, DefaultHubHeaderBudget),
		indexWhole:   resolveSize(o.IndexBytes, DefaultHubIndexBytes),
	}
	if p.concurrency <= 0 {
		p.concurrency = DefaultHubConcurrency
	}
	p.concurrency = min(p.concurrency, hub.MaxConcurrency)
	return p
}

// resolveSize maps an option's 0 to its default and a negative value to -1
// (no limit).
func resolveSize(v, def int64) int64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return -1
	}
	return v
}
