package modelvet

import (
	"maps"
	"slices"

	"github.com/modelvet/modelvet/manifest"
	"github.com/modelvet/modelvet/report"
)

// describeSubject fills in what the release declares about the model
// itself: its task, architectures and datasets, for the report's subject
// (the ML-BOM's model card reads them).
func describeSubject(sub *report.Subject, rel *manifest.Release) {
	if c := rel.Card; c != nil {
		sub.Task = c.PipelineTag.Value
		for _, d := range c.Datasets {
			sub.Datasets = append(sub.Datasets, d.Value)
		}
	}
	if c := rel.Config; c != nil {
		sub.Architectures = append(sub.Architectures, c.Architectures...)
	}
	slices.Sort(sub.Datasets)
	sub.Datasets = slices.Compact(sub.Datasets)
	sub.Hub = hubSubject(rel.Hub)
	sub.Fingerprint = rel.Fingerprint
}

// hubSubject is what the report says about the Hub repository a release
// was read from or checked against.
func hubSubject(h *manifest.HubInfo) *report.Hub {
	if h == nil {
		return nil
	}
	out := &report.Hub{
		ID: h.ID, Endpoint: h.Endpoint, Revision: h.Revision, Commit: h.SHA, Author: h.Author,
		Gated: h.Gated, Private: h.Private, Requests: h.Requests, Bytes: h.Bytes,
		ParametersFromAPI: h.SafetensorsTotal, Unmatched: len(h.Unmatched),
	}
	if len(h.SafetensorsParameters) > 0 {
		out.ParametersByDtypeFromAPI = maps.Clone(h.SafetensorsParameters)
	}
	if hd := h.Headers; hd != nil {
		out.HeadersRead, out.HeadersTotal, out.ParametersFromHeaders = hd.Read, hd.Files, hd.Parameters
	}
	if g := h.GGUF; g != nil {
		out.HeadersRead += g.Read
		out.HeadersTotal += g.Files
	}
	if x := h.Index; x != nil && x.TotalSize >= 0 {
		out.IndexTotalSize = &x.TotalSize
	}
	return out
}
