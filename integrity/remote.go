package integrity

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/hub"
	"github.com/modelvet/modelvet/manifest"
)

// remoteFindings reports what a remote audit left unread to stay within
// its budgets: safetensors headers, GGUF metadata past the first block, and
// the weight_map of a large index. Their bytes are unverified.
func remoteFindings(r *manifest.Release) []finding.Finding {
	h := r.Hub
	if h == nil {
		return nil
	}
	var out []finding.Finding
	if hd := h.Headers; hd != nil && len(hd.Unread) > 0 {
		msg := fmt.Sprintf("the headers of %d of %d safetensors files (%s of %s) were not read from the Hub, to keep within the audit's %s header budget; the tensors, dtypes and parameter counts of those files are unverified until they are downloaded and audited",
			len(hd.Unread), hd.Files, mb(hd.BytesTotal-hd.BytesRead), mb(hd.BytesTotal), mb(hd.Budget))
		if h.SafetensorsTotal > 0 {
			msg += fmt.Sprintf("; the repository's parameter count, %s, is the Hub API's own summary (the %d headers read declare %s)", grouped(h.SafetensorsTotal), hd.Read, grouped(hd.Parameters))
		}
		ev := unreadEvidence(finding.Evidence{Field: "headers read", Value: fmt.Sprintf("%d of %d", hd.Read, hd.Files)}, hd.Unread, "header")
		if h.SafetensorsTotal > 0 {
			ev = append(ev, finding.Evidence{Path: hubAPIPath(h), Field: "safetensors.total", Value: fmt.Sprint(h.SafetensorsTotal)})
		}
		out = append(out, finding.Finding{
			Code: finding.IntegrityUnverified, Message: msg, Confidence: finding.Inferred,
			Subject: r.Name, Evidence: ev,
		})
	}
	if g := h.GGUF; g != nil && len(g.Partial) > 0 {
		msg := fmt.Sprintf("the metadata of %d of %d GGUF files was read from the Hub only as far as their first block, which holds the general.* keys (name, licence, base models): GGUF metadata has no length field, the first file's took %s, and the audit's %s header budget left room for %d more like it; the rest of their metadata and their tensors are unverified until they are downloaded and audited",
			len(g.Partial), g.Files, mb(g.FirstBytes), mb(g.Budget), g.Read-1)
		ev := unreadEvidence(finding.Evidence{Field: "GGUF metadata read in full", Value: fmt.Sprintf("%d of %d", g.Read, g.Files)}, g.Partial, "metadata")
		out = append(out, finding.Finding{
			Code: finding.IntegrityUnverified, Message: msg, Confidence: finding.Inferred,
			Subject: r.Name, Evidence: ev,
		})
	}
	if x := h.Index; x != nil {
		msg := fmt.Sprintf("%s (%s) was read only for its first %s, so its weight_map, which says which shard holds each tensor, was not checked against the shards; it is checked when the files are downloaded and audited", x.Path, mb(x.Size), mb(x.BytesRead))
		ev := []finding.Evidence{{Path: x.Path, Field: "weight_map"}}
		if x.TotalSize >= 0 {
			msg += fmt.Sprintf("; its metadata.total_size is %s bytes", grouped(x.TotalSize))
			ev = append(ev, finding.Evidence{Path: x.Path, Line: x.TotalSizeLine, Field: "metadata.total_size", Value: fmt.Sprint(x.TotalSize)})
		} else {
			msg += "; its metadata.total_size could not be read from those bytes"
		}
		out = append(out, finding.Finding{
			Code: finding.IntegrityUnverified, Message: msg, Confidence: finding.Inferred,
			Subject: x.Path, Evidence: ev,
		})
	}
	return out
}

// unreadEvidence is the evidence of files left unread: a summary, then the
// first three files, then how many more.
func unreadEvidence(summary finding.Evidence, unread []string, field string) []finding.Evidence {
	ev := []finding.Evidence{summary}
	for i, p := range unread {
		if i == 3 {
			return append(ev, finding.Evidence{Value: fmt.Sprintf("and %d more files", len(unread)-i)})
		}
		ev = append(ev, finding.Evidence{Path: p, Field: field})
	}
	return ev
}

// hubAPIPath names the API record of the release, for evidence.
func hubAPIPath(h *manifest.HubInfo) string {
	return hub.RecordURL(h.Endpoint, h.ID, h.Revision)
}

// grouped writes n with its digits in groups of three.
func grouped(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// mb renders a byte count in megabytes (MiB) for messages.
func mb(n int64) string {
	if n < 0 {
		return "unlimited"
	}
	if n < 1<<20 {
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// externalFindings reports the external tensor data of ONNX files that
// the release does not hold: loading the model would fail, or read a file
// that was never published with it.
func externalFindings(rel *manifest.Release) []finding.Finding {
	var out []finding.Finding
	for _, e := range rel.ExternalData() {
		if e.Target == "" || rel.File(e.Target) != nil {
			continue
		}
		out = append(out, finding.Finding{
			Code: finding.IntegrityMissing, Confidence: finding.Verified, Subject: e.Target,
			Evidence: []finding.Evidence{e.Evidence()},
			Message:  fmt.Sprintf("%s keeps tensor data in %s, which the release does not hold", e.Model, e.Target),
		})
	}
	return out
}
