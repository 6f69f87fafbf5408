package manifest

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/modelvet/modelvet/formats/gguf"
	"github.com/modelvet/modelvet/formats/safetensors"
)

// The remote audit reads weight metadata within two bounds, so that a
// repository of any size is audited in a few megabytes without claiming to
// have checked what it did not read:
//
//   - a sharded-weights index larger than HubOptions.IndexBytes is read
//     only for its first limits.MaxHubIndexPrefix bytes, which hold
//     metadata.total_size; its weight_map is not read (HubInfo.Index);
//   - every safetensors file's first 16 bytes are read, which give its
//     header length; when the headers add up to more than
//     HubOptions.HeaderBudget, they are read in spread order (spreadOrder)
//     while each fits, and the rest are listed in HubInfo.Headers.Unread.
//
// GGUF metadata counts against the same budget (readGGUF). Release.Findings
// reports what was left unread as integrity.unverified findings, with the
// Hub API's parameter count standing in for the headers not read.

// readHeaders reads the pending safetensors headers of set that fit in the
// header budget, with bounded concurrency, and records in rel.Hub.Headers
// what was read. Files whose header is left unread are marked so that
// describeWith does not open them.
func (s *HubSource) readHeaders(ctx context.Context, rel *Release, set *remoteSet) {
	type cand struct {
		f   *File
		rf  *remoteFile
		len int64
	}
	var cands []cand
	for _, f := range rel.Files {
		rf := set.files[f.Path]
		if rf == nil {
			continue
		}
		if n := rf.headerLen(); n > 0 {
			cands = append(cands, cand{f, rf, n})
		}
	}
	if len(cands) == 0 {
		return
	}
	slices.SortFunc(cands, func(a, b cand) int { return strings.Compare(a.f.Path, b.f.Path) })
	h := &HubHeaders{Files: len(cands), Budget: s.cfg.headerBudget}
	for _, c := range cands {
		h.BytesTotal += c.len
	}
	take := make([]bool, len(cands))
	if h.Budget < 0 || h.BytesTotal <= h.Budget {
		for i := range take {
			take[i] = true
		}
	} else {
		left := h.Budget
		for _, i := range spreadOrder(len(cands)) {
			if cands[i].len <= left {
				take[i], left = true, left-cands[i].len
			}
		}
	}
	sem := make(chan struct{}, s.cfg.concurrency)
	var wg sync.WaitGroup
	for i, c := range cands {
		if !take[i] {
			c.f.Format, c.f.unreadable = FormatSafetensors, true
			h.Unread = append(h.Unread, c.f.Path)
			continue
		}
		h.Read++
		h.BytesRead += c.len
		if ctx.Err() != nil {
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c.rf.readHeader(ctx)
		}()
	}
	wg.Wait()
	rel.Hub.Headers = h
}

// readGGUF decides which GGUF files' metadata the audit reads in full. GGUF
// metadata has no length field, and a repository of quantisations holds
// many copies of the same large vocabulary, so the first GGUF file (in path
// order) is read in full now, and the others, in spread order, while their
// cost, estimated at the first one's, fits in what the header budget leaves
// after the safetensors headers. The rest are read only in the first block
// already fetched to classify them, which holds their general.* keys
// (gguf.ReadPrefix), and are listed in HubInfo.GGUF.Partial.
func (s *HubSource) readGGUF(ctx context.Context, rel *Release, set *remoteSet) {
	var cands []*File
	for _, f := range rel.Files {
		if rf := set.files[f.Path]; rf != nil && rf.headerFormat() == FormatGGUF {
			cands = append(cands, f)
		}
	}
	if len(cands) == 0 {
		return
	}
	g := &HubGGUF{Files: len(cands), Read: len(cands), Budget: s.cfg.headerBudget}
	rel.Hub.GGUF = g
	if g.Budget < 0 || len(cands) == 1 {
		return
	}
	first := set.files[cands[0].Path]
	// Read now to learn its cost; describeWith keeps what this read gives
	// (and reads the file again, from the bytes cached, to report a fault).
	if info, err := gguf.Read(first.r.ReaderAt(ctx), first.size); err == nil {
		cands[0].GGUF = info
	}
	g.FirstBytes = first.r.Fetched()
	left := g.Budget - g.FirstBytes
	if hd := rel.Hub.Headers; hd != nil {
		left -= hd.BytesRead
	}
	take := make([]bool, len(cands))
	take[0] = true
	for _, i := range spreadOrder(len(cands))[1:] {
		if g.FirstBytes <= left {
			take[i], left = true, left-g.FirstBytes
		}
	}
	for i, f := range cands {
		if !take[i] {
			f.Format, f.prefix = FormatGGUF, set.files[f.Path].keepFirstBlock()
			g.Partial = append(g.Partial, f.Path)
			g.Read--
		}
	}
}

// spreadOrder returns the indexes 0..n-1 in an order that spreads any
// prefix of it evenly over the range: the first, the last, the middle, then
// the middles of each half, of each quarter, and so on.
func spreadOrder(n int) []int {
	if n <= 0 {
		return nil
	}
	out := make([]int, 0, n)
	out = append(out, 0)
	if n == 1 {
		return out
	}
	out = append(out, n-1)
	type span struct{ lo, hi int } // exclusive bounds
	queue := []span{{0, n - 1}}
	for len(queue) > 0 {
		sp := queue[0]
		queue = queue[1:]
		if sp.hi-sp.lo < 2 {
			continue
		}
		mid := sp.lo + (sp.hi-sp.lo)/2
		out = append(out, mid)
		queue = append(queue, span{sp.lo, mid}, span{mid, sp.hi})
	}
	return out
}

// headerParameters counts the parameters the headers read declare.
func headerParameters(rel *Release) {
	h := rel.Hub.Headers
	if h == nil {
		return
	}
	h.Parameters = 0
	for _, f := range rel.Files {
		if f.Safetensors != nil {
			h.Parameters += f.Safetensors.Parameters
		}
	}
}

// indexPrefix records what the first bytes of an index too large to read
// whole say: metadata.total_size when the metadata object precedes the
// weight_map and ends within them.
func indexPrefix(rel *Release, f *File, data []byte) {
	hi := &HubIndex{Path: f.Path, Size: f.Size, BytesRead: int64(len(data)), TotalSize: -1}
	rel.Hub.Index = hi
	idx, err := safetensors.ParseIndexPrefix(f.Path, data, f.Size)
	if err != nil {
		rel.addProblem(problemFrom(f.Path, err))
	}
	if idx != nil && idx.TotalSize >= 0 {
		hi.TotalSize, hi.TotalSizeLine = idx.TotalSize, idx.TotalSizeLine
	}
}
