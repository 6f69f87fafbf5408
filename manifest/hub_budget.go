package manifest

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/modelvet/modelvet/formats/gguf"
	"github.com/modelvet/modelvet/formats/safetensors"
	"github.com/modelvet/modelvet/internal/limits"
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

// readHeaders reads the safetensors headers of set within the header
// budget, in as few round trips as it can, and records in rel.Hub.Headers
// what was read. Each file's first read is speculative, sized to hold its
// length and its whole header: the first files in spread order (the
// first, the last, the middle) are read probeBlock bytes from offset 0,
// the others at the largest header these show, with room to spare; a
// second read is made only for a header larger than its first read, and
// only while the budget allows. Every block counts against the budget
// (HubOptions.HeaderBudget): a file whose block does not fit is read for
// its length only. Files whose header is left unread are marked so that
// describeWith does not open them.
func (s *HubSource) readHeaders(ctx context.Context, rel *Release, set *remoteSet) {
	type cand struct {
		f  *File
		rf *remoteFile
	}
	var cands []cand
	for _, f := range rel.Files {
		if rf := set.files[f.Path]; rf != nil && (rf.safetensorsByName() || rf.headerLen() > 0) {
			cands = append(cands, cand{f, rf})
		}
	}
	if len(cands) == 0 {
		return
	}
	slices.SortFunc(cands, func(a, b cand) int { return strings.Compare(a.f.Path, b.f.Path) })
	h := &HubHeaders{Files: len(cands), Budget: s.cfg.headerBudget}
	left := h.Budget
	// take reserves n bytes of the budget, in a fixed order, so that what
	// is read does not depend on the order answers arrive in.
	take := func(n int64) bool {
		if left < 0 {
			return true
		}
		if n > left {
			return false
		}
		left -= n
		return true
	}
	order := spreadOrder(len(cands))
	firstReads := func(idx []int, block int64) {
		blocks := make([]int64, len(idx))
		for k, i := range idx {
			rf := cands[i].rf
			if rf.probed() {
				continue
			}
			if b := min(block, rf.size); take(b) {
				blocks[k] = b
			} else {
				blocks[k] = sniffLen // the length only
			}
		}
		s.each(ctx, len(idx), func(k int) {
			if blocks[k] > 0 {
				cands[idx[k]].rf.speculate(ctx, blocks[k])
			}
		})
	}
	probes := min(len(order), 3)
	firstReads(order[:probes], probeBlock)
	var longest int64
	for _, c := range cands {
		longest = max(longest, c.rf.headerLen())
	}
	firstReads(order[probes:], predictHeader(longest))
	var grow []int
	for _, i := range order {
		c := cands[i]
		if n := c.rf.missing(); n > 0 {
			if take(n) {
				grow = append(grow, i)
			} else {
				c.f.Format, c.f.unreadable = FormatSafetensors, true
				h.Unread = append(h.Unread, c.f.Path)
				h.BytesUnread += c.rf.headerLen()
			}
		}
	}
	slices.Sort(grow)
	s.each(ctx, len(grow), func(k int) { cands[grow[k]].rf.readHeader(ctx) })
	slices.Sort(h.Unread)
	for _, c := range cands {
		if f := c.rf.contentFormat(); f != "" && f != FormatSafetensors {
			h.Files-- // named safetensors, but its bytes say otherwise
			continue
		}
		h.BytesTotal += c.rf.headerLen()
		h.BytesFetched += c.rf.r.Fetched()
	}
	rel.Hub.Headers = h
}

// predictHeader returns the first read for the safetensors files not yet
// read, from the longest header the files read so far show: that length
// with an eighth to spare, rounded up to headerRound; probeBlock when none
// shows one. Shards of one release are written alike, so their headers
// are of a size.
func predictHeader(longest int64) int64 {
	if longest == 0 {
		return probeBlock
	}
	n := longest + longest/8
	return min((n+headerRound-1)/headerRound*headerRound, limits.MaxHubHeaderBytes)
}

// each runs fn(0) … fn(n-1), at most the source's concurrency at once,
// and waits for them; it starts none once ctx is done.
func (s *HubSource) each(ctx context.Context, n int, fn func(k int)) {
	sem := make(chan struct{}, s.cfg.concurrency)
	var wg sync.WaitGroup
	for k := range n {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			fn(k)
		}()
	}
	wg.Wait()
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
		left -= hd.BytesFetched
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

// headerCounts counts the safetensors headers and the GGUF metadata read,
// once parsed, and the parameters the headers declare: a header counts as
// read only when its bytes came, as the ranges asked for, and parsed.
func headerCounts(rel *Release) {
	if g := rel.Hub.GGUF; g != nil {
		g.Read = 0
		for _, f := range rel.Files {
			if f.GGUF != nil && f.prefix == 0 {
				g.Read++
			}
		}
	}
	h := rel.Hub.Headers
	if h == nil {
		return
	}
	h.Read, h.BytesRead, h.Parameters = 0, 0, 0
	for _, f := range rel.Files {
		if st := f.Safetensors; st != nil {
			h.Read++
			h.BytesRead += 8 + st.HeaderSize
			h.Parameters += st.Parameters
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
