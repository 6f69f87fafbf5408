package modelvet

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/modelvet/modelvet/formats/gguf"
	"github.com/modelvet/modelvet/formats/pickle"
	"github.com/modelvet/modelvet/internal/textsafe"
	"github.com/modelvet/modelvet/manifest"
	"github.com/modelvet/modelvet/report"
)

// maxMetadataValue clips each metadata string copied from a file into the
// report: descriptions and chat templates can run to megabytes.
const maxMetadataValue = 512

// describeFiles lists the release's files in the report with the facts each
// format declares.
func (s *audit) describeFiles() {
	for _, f := range s.rel.Files {
		rf := report.File{Path: f.Path, Size: f.Size, Format: f.Format, Metadata: fileMetadata(s.rel, f)}
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

// clip shortens a value from the release for the report.
func clip(v string) string { return textsafe.Truncate(v, maxMetadataValue) }

// fileMetadata summarises the format facts of f for the report.
func fileMetadata(rel *manifest.Release, f *manifest.File) report.Metadata {
	m := report.Metadata{}
	if st := f.Safetensors; st != nil {
		m["tensors"] = st.Tensors
		m["parameters"] = st.Parameters
		m["dtypes"] = st.Dtypes()
		if len(st.ParametersByDtype) > 0 {
			m["parameters_by_dtype"] = st.ParametersByDtype
		}
		if len(st.Metadata) > 0 {
			meta := make(map[string]string, len(st.Metadata))
			for k, v := range st.Metadata {
				meta[clip(k)] = clip(v)
			}
			m["metadata"] = meta
		}
		if st.Truncated {
			m["truncated"] = true
		}
	}
	if g := f.GGUF; g != nil {
		ggufMetadata(m, g)
	}
	if p := f.Pickle; p != nil {
		m["container"] = p.Container
		pickleMetadata(m, p)
	}
	if n := f.NumPy; n != nil {
		m["descr"] = clip(n.Descr)
		m["shape"] = n.Shape
		if n.Pickle != nil {
			pickleMetadata(m, n.Pickle)
		}
	}
	if j := f.Joblib; j != nil {
		m["compression"] = cmp.Or(j.Compression, "none")
		if j.Pickle != nil {
			pickleMetadata(m, j.Pickle)
		}
	}
	if sk := f.Skops; sk != nil {
		types := []string{}
		for _, t := range sk.Types {
			types = append(types, clip(t.String()))
		}
		m["loaded_types"] = types
	}
	if g := f.SavedModel; g != nil {
		m["graph"] = g.Kind
		m["nodes"] = g.Nodes
		m["op_types"] = len(g.Ops)
		if len(g.Flagged) > 0 {
			ops := []string{}
			for _, n := range g.Flagged {
				ops = append(ops, clip(n.Op+" "+n.Name))
			}
			m["flagged_ops"] = ops
		}
	}
	if a := f.Archive; a != nil {
		m["archive"] = a.Kind
		m["entries"] = len(a.Entries)
		members := []string{}
		for _, mf := range f.Members {
			members = append(members, clip(strings.TrimPrefix(mf.Path, f.Path+"!/"))+" ("+string(mf.Format)+")")
		}
		m["members"] = members
	}
	if f.Mismatch != "" {
		m["name_mismatch"] = clip(f.Mismatch)
	}
	if o := f.ONNX; o != nil {
		m["ir_version"] = o.IRVersion
		if o.Producer != "" {
			m["producer"] = clip(o.Producer)
		}
		opsets := []string{}
		for _, op := range o.Opsets {
			opsets = append(opsets, clip(cmp.Or(op.Domain, "ai.onnx"))+":"+strconv.FormatInt(op.Version, 10))
		}
		m["opsets"] = opsets
		m["initializers"] = o.Initializers
		if len(o.ExternalData) > 0 {
			m["external_data_tensors"] = len(o.ExternalData)
		}
	}
	if k := f.Keras; k != nil {
		m["model_config"] = k.Source
		lambdas := []string{}
		for _, l := range k.Lambdas {
			lambdas = append(lambdas, clip(l.Name))
		}
		m["lambda_layers"] = lambdas
	}
	if idx := rel.SafetensorsIndex; idx != nil && idx.Path == f.Path {
		m["shards"] = len(idx.Shards)
		m["tensors"] = idx.Tensors
		if idx.TotalSize >= 0 {
			m["total_size"] = idx.TotalSize
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// pickleMetadata lists a pickle's imported globals, with their class
// and, for unsafe ones, what they do.
func pickleMetadata(m map[string]any, p *pickle.Info) {
	globals := []string{}
	for _, g := range p.Globals {
		class := g.Class
		if g.Category != "" {
			class += ", " + g.Category
		}
		globals = append(globals, clip(g.String())+" ("+class+")")
	}
	m["imported_globals"] = globals
	if p.Incomplete != "" {
		m["incomplete"] = p.Incomplete
	}
	if e := p.Expansion; e != nil {
		m["expansion_objects"] = e.Objects
	}
}

// ggufGeneral lists the general.* keys the report carries: what names the
// model, its licence, who made and quantised it.
var ggufGeneral = []string{
	"general.name", "general.basename", "general.size_label", "general.finetune", "general.version",
	"general.organization", "general.author", "general.quantized_by", "general.type",
	"general.license", "general.license.name", "general.license.link",
	"general.url", "general.repo_url", "general.source.url", "general.source.repo_url",
	"general.file_type", "general.quantization_version",
}

func ggufMetadata(m report.Metadata, g *gguf.Info) {
	m["gguf_version"] = g.Version
	m["tensors"] = g.TensorCount
	if g.PrefixBytes > 0 {
		// Only the first bytes were read: no tensor facts.
		m["metadata_read_bytes"] = g.PrefixBytes
	} else {
		m["parameters"] = g.Parameters
	}
	if g.Architecture != "" {
		m["architecture"] = clip(g.Architecture)
	}
	if len(g.TensorTypes) > 0 {
		m["tensor_types"] = g.TensorTypes
	}
	general := map[string]any{}
	for _, key := range ggufGeneral {
		if v, ok := g.Get(key); ok && v.Value != nil {
			if s, ok := v.Value.(string); ok {
				general[key] = clip(s)
			} else {
				general[key] = v.Value
			}
		}
	}
	for _, key := range []string{"general.tags", "general.languages"} {
		if vs := g.Strings(key); len(vs) > 0 {
			for i := range vs {
				vs[i] = clip(vs[i])
			}
			general[key] = vs
		}
	}
	if len(general) > 0 {
		m["general"] = general
	}
	refs := func(rs []gguf.Ref) []string {
		var out []string
		for _, r := range rs {
			name := r.Name
			if r.Organization != "" {
				name = r.Organization + "/" + name
			}
			if name == "" {
				name = r.RepoURL
			}
			out = append(out, clip(strings.TrimSpace(name)))
		}
		return out
	}
	if bm := refs(g.BaseModels()); len(bm) > 0 {
		m["base_models"] = bm
	}
	if ds := refs(g.Datasets()); len(ds) > 0 {
		m["datasets"] = ds
	}
	if v, ok := g.Get("tokenizer.ggml.tokens"); ok {
		m["vocabulary_size"] = v.Len
	}
	if v, ok := g.Get("tokenizer.chat_template"); ok {
		if s, ok := v.Value.(string); ok {
			m["chat_template_bytes"] = len(s)
		}
	}
	if n, ok := g.Uint("split.count"); ok {
		m["split_count"] = n
	}
	if g.UncheckedTensors > 0 {
		m["unchecked_tensors"] = g.UncheckedTensors
	}
	if g.Truncated {
		m["truncated"] = true
	}
}
