package modelvet

import (
	"github.com/modelvet/modelvet/manifest"
	"github.com/modelvet/modelvet/report"
)

// describeFiles lists the release's files in the report with the facts each
// format declares.
func (s *audit) describeFiles() {
	for _, f := range s.rel.Files {
		rf := report.File{Path: f.Path, Size: f.Size, Format: string(f.Format), Metadata: fileMetadata(f)}
		for _, e := range f.Expected {
			if e.Algorithm == "sha256" {
				rf.Digest = "sha256:" + e.Digest
				break
			}
		}
		s.rep.Files = append(s.rep.Files, rf)
		s.rep.Integrity.Files++
		s.rep.Integrity.Bytes += f.Size
	}
}

// fileMetadata summarises the format facts of f for the report.
func fileMetadata(f *manifest.File) map[string]any {
	m := map[string]any{}
	if st := f.Safetensors; st != nil {
		m["tensors"] = st.Tensors
		m["parameters"] = st.Parameters
		if len(st.ParametersByDtype) > 0 {
			m["parameters_by_dtype"] = st.ParametersByDtype
		}
		if len(st.Metadata) > 0 {
			m["metadata"] = st.Metadata
		}
	}
	if g := f.GGUF; g != nil {
		m["gguf_version"] = g.Version
		m["tensors"] = g.TensorCount
		m["parameters"] = g.Parameters
		if g.Architecture != "" {
			m["architecture"] = g.Architecture
		}
		if len(g.TensorTypes) > 0 {
			m["tensor_types"] = g.TensorTypes
		}
		general := map[string]any{}
		for _, kv := range g.Metadata {
			if len(kv.Key) > 8 && kv.Key[:8] == "general." && kv.Value != nil {
				general[kv.Key] = kv.Value
			}
		}
		if len(general) > 0 {
			m["general"] = general
		}
	}
	if p := f.Pickle; p != nil {
		m["container"] = p.Container
		var globals []string
		for _, g := range p.Globals {
			globals = append(globals, g.String()+" ("+g.Class+")")
		}
		m["imported_globals"] = globals
		if p.Incomplete != "" {
			m["incomplete"] = p.Incomplete
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}
