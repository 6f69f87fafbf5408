package manifest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/modelvet/modelvet/finding"
)

// GGUFInfo is what a GGUF header declares: metadata and tensor infos, read
// without touching tensor data.
type GGUFInfo struct {
	Version      uint32 `json:"version"`
	TensorCount  uint64 `json:"tensor_count"`
	KVCount      uint64 `json:"kv_count"`
	Alignment    uint32 `json:"alignment"`
	Architecture string `json:"architecture,omitempty"`
	// Metadata lists every key-value pair in file order. Arrays longer than
	// limits.MaxGGUFShortArray elements are summarised by element type and
	// length.
	Metadata []GGUFValue `json:"metadata"`
	// Parameters counts elements over all tensors; TensorTypes counts
	// tensors by ggml type name ("Q4_K", "F16", …) and ParametersByType
	// splits the parameters the same way. A type id the reader does not
	// know is named "type_<id>".
	Parameters       int64            `json:"parameters"`
	TensorTypes      map[string]int   `json:"tensor_types,omitempty"`
	ParametersByType map[string]int64 `json:"parameters_by_type,omitempty"`
	// UncheckedTensors counts tensors of a type whose byte size the reader
	// does not know (removed or newer ggml types): their parameters are
	// counted, but whether their data fits in the file is not checked.
	UncheckedTensors int `json:"unchecked_tensors,omitempty"`
	// DataOffset is where tensor data starts (the end of the tensor infos,
	// padded to Alignment); DataSize is the end of the last tensor's data
	// relative to it.
	DataOffset int64 `json:"data_offset"`
	DataSize   int64 `json:"data_size"`
	// Truncated is set when tensor data runs past the end of the file; the
	// metadata is complete, and the reader also returns an error wrapping
	// formats.ErrTruncated.
	Truncated bool `json:"truncated,omitempty"`
	// PrefixBytes is set when only the file's first PrefixBytes bytes were
	// read (ReadGGUFPrefix): Metadata holds the keys that end within them,
	// and the tensor facts (Parameters, TensorTypes, DataOffset, DataSize)
	// are not known.
	PrefixBytes int64 `json:"prefix_bytes,omitempty"`
}

// GGUFValue is one GGUF metadata key-value pair.
type GGUFValue struct {
	Key  string `json:"key"`
	Type string `json:"type"` // "string", "uint32", "array[string]", …
	// Value is the value: string, bool, uint64 (unsigned types), int64
	// (signed types), float64 (floats; "NaN", "+Inf" or "-Inf" as a string
	// when not finite), or []any of those for arrays of at most
	// limits.MaxGGUFShortArray elements; nil for longer arrays, whose length
	// is in Len.
	Value  any    `json:"value,omitempty"`
	Len    uint64 `json:"len,omitempty"` // element count of an array
	Offset int64  `json:"offset"`        // byte offset of the key in the file
}

// Get returns the value of key, if present.
func (g *GGUFInfo) Get(key string) (GGUFValue, bool) {
	for _, v := range g.Metadata {
		if v.Key == key {
			return v, true
		}
	}
	return GGUFValue{}, false
}

// String returns the string value of key, or "".
func (g *GGUFInfo) String(key string) string {
	v, ok := g.Get(key)
	if !ok {
		return ""
	}
	s, _ := v.Value.(string)
	return s
}

// Uint returns the value of an unsigned integer key (also a non-negative
// signed one), if present.
func (g *GGUFInfo) Uint(key string) (uint64, bool) {
	v, ok := g.Get(key)
	if !ok {
		return 0, false
	}
	switch x := v.Value.(type) {
	case uint64:
		return x, true
	case int64:
		if x >= 0 {
			return uint64(x), true
		}
	}
	return 0, false
}

// Strings returns a string value, or the elements of a string array, of key.
func (g *GGUFInfo) Strings(key string) []string {
	v, ok := g.Get(key)
	if !ok {
		return nil
	}
	switch x := v.Value.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Evidence cites key in the file at path.
func (g *GGUFInfo) Evidence(path, key string) finding.Evidence {
	v, ok := g.Get(key)
	if !ok {
		return finding.Evidence{Path: path, Field: key}
	}
	return finding.Evidence{Path: path, Offset: v.Offset, Field: key, Value: fmt.Sprint(v.Value)}
}

// GGUFRef is one base model or dataset a GGUF file declares under
// general.base_model.{id}.* or general.dataset.{id}.* (or an entry of the
// older flat general.datasets array).
type GGUFRef struct {
	// Key is the key prefix ("general.base_model.0") or, for an entry of
	// general.datasets, that key.
	Key          string `json:"key"`
	Index        int    `json:"index"` // the {id}, or the array position
	Name         string `json:"name,omitempty"`
	Author       string `json:"author,omitempty"`
	Organization string `json:"organization,omitempty"`
	Version      string `json:"version,omitempty"`
	Description  string `json:"description,omitempty"`
	URL          string `json:"url,omitempty"`
	DOI          string `json:"doi,omitempty"`
	UUID         string `json:"uuid,omitempty"`
	RepoURL      string `json:"repo_url,omitempty"`
	// Offset is the byte offset of the first key of the entry.
	Offset int64 `json:"offset"`
}

// Evidence cites the entry in the file at path.
func (r GGUFRef) Evidence(path string) finding.Evidence {
	v := r.Name
	if v == "" {
		v = r.RepoURL
	}
	if v == "" {
		v = r.URL
	}
	return finding.Evidence{Path: path, Offset: r.Offset, Field: r.Key, Value: v}
}

// BaseModels returns the base models declared under
// general.base_model.{id}.*, ordered by id. The declared
// general.base_model.count is in Uint("general.base_model.count"); entries
// are returned as found, whatever the count says.
func (g *GGUFInfo) BaseModels() []GGUFRef { return g.refs("general.base_model.", "") }

// Datasets returns the datasets declared under general.dataset.{id}.*,
// ordered by id, followed by the entries of the older flat
// general.datasets string array.
func (g *GGUFInfo) Datasets() []GGUFRef { return g.refs("general.dataset.", "general.datasets") }

func (g *GGUFInfo) refs(prefix, flat string) []GGUFRef {
	byID := map[int]*GGUFRef{}
	var ids []int
	for _, kv := range g.Metadata {
		rest, ok := strings.CutPrefix(kv.Key, prefix)
		if !ok {
			continue
		}
		num, field, ok := strings.Cut(rest, ".")
		if !ok {
			continue // general.base_model.count
		}
		id, err := strconv.Atoi(num)
		if err != nil || id < 0 || strconv.Itoa(id) != num {
			continue
		}
		s, isString := kv.Value.(string)
		if !isString {
			continue
		}
		r := byID[id]
		if r == nil {
			r = &GGUFRef{Key: prefix + num, Index: id, Offset: kv.Offset}
			byID[id] = r
			ids = append(ids, id)
		}
		switch field {
		case "name":
			r.Name = s
		case "author":
			r.Author = s
		case "organization":
			r.Organization = s
		case "version":
			r.Version = s
		case "description":
			r.Description = s
		case "url":
			r.URL = s
		case "doi":
			r.DOI = s
		case "uuid":
			r.UUID = s
		case "repo_url":
			r.RepoURL = s
		}
	}
	slices.Sort(ids)
	out := make([]GGUFRef, 0, len(ids))
	for _, id := range ids {
		out = append(out, *byID[id])
	}
	if flat != "" {
		if v, ok := g.Get(flat); ok {
			for i, s := range g.Strings(flat) {
				out = append(out, GGUFRef{Key: flat, Index: i, Name: s, Offset: v.Offset})
			}
		}
	}
	return out
}

// PickleInfo is what walking the pickle opcodes of a file found, without
// executing anything.
type PickleInfo struct {
	// Container is "zip" (PyTorch zip), "legacy" (PyTorch legacy
	// concatenated pickles) or "raw" (a bare pickle stream).
	Container string `json:"container"`
	// Protocol is the highest pickle protocol of the streams walked: from
	// the PROTO opcode, or (protocols 0 and 1 have none) the highest
	// protocol among the opcodes used.
	Protocol int `json:"protocol"`
	// Members lists the pickle members walked inside a zip container.
	Members []string `json:"members,omitempty"`
	// Streams counts the pickle streams walked; Opcodes the opcodes.
	Streams int   `json:"streams"`
	Opcodes int64 `json:"opcodes"`
	// Calls counts the opcodes that call or build objects when loaded:
	// REDUCE, BUILD, NEWOBJ, NEWOBJ_EX, OBJ and INST.
	Calls map[string]int `json:"calls,omitempty"`
	// PersistentIDs counts PERSID/BINPERSID opcodes (PyTorch refers to
	// each tensor storage through one).
	PersistentIDs int `json:"persistent_ids,omitempty"`
	// Globals lists every imported global, sorted by module and name.
	Globals []PickleGlobal `json:"globals"`
	// Incomplete is set when the walk stopped early (a cap, or an
	// unparseable stream); the list of globals may then be partial.
	Incomplete string `json:"incomplete,omitempty"`
}

// PickleGlobal is one global a pickle imports.
type PickleGlobal struct {
	Module string `json:"module"`
	Name   string `json:"name"`
	// Class is "safe" (on the allow-list of tensor-rebuild globals),
	// "unsafe" (known to run code, or imported through operands a static
	// walk cannot see, reported as module or name "unknown") or "unknown"
	// (on neither list; also extension-registry imports).
	Class  string `json:"class"`
	Member string `json:"member,omitempty"` // zip member it was found in
	Offset int64  `json:"offset"`           // opcode offset of its first import
	// Opcode is the importing opcode: GLOBAL, STACK_GLOBAL, INST or EXT1/2/4.
	Opcode string `json:"opcode,omitempty"`
}

// String returns "module.name".
func (g PickleGlobal) String() string { return g.Module + "." + g.Name }

func (p *PickleInfo) findings(path string) []finding.Finding {
	msg := fmt.Sprintf("%s holds weights in a pickle-based format, which can run code when loaded; prefer safetensors", path)
	if p.PersistentIDs == 0 && p.Container != "legacy" {
		// No tensor storage: training arguments (training_args.bin), a
		// scikit-learn model, any other pickled object.
		msg = fmt.Sprintf("%s is a Python pickle with no PyTorch tensor storage in it (training arguments, a scikit-learn model or another pickled object), which can run code when loaded", path)
	}
	if p.Incomplete != "" {
		msg += " (the walk of its opcodes is incomplete: " + p.Incomplete + ")"
	}
	out := []finding.Finding{{
		Code:       finding.FormatPickle,
		Message:    msg,
		Confidence: finding.Verified,
		Subject:    path,
		Evidence:   []finding.Evidence{{Path: path, Field: "container", Value: p.Container}},
	}}
	var risky []finding.Evidence
	var unsafe, unknown []string
	for _, g := range p.Globals {
		if g.Class == "safe" {
			continue
		}
		risky = append(risky, finding.Evidence{Path: path, Offset: g.Offset, Field: g.Class + " global", Value: g.String()})
		if g.Class == "unsafe" {
			unsafe = append(unsafe, g.String())
		} else {
			unknown = append(unknown, g.String())
		}
	}
	if len(risky) > 0 {
		var parts []string
		if len(unsafe) > 0 {
			parts = append(parts, "known to run code: "+strings.Join(slices.Compact(unsafe), ", "))
		}
		if len(unknown) > 0 {
			parts = append(parts, "not on the safe list: "+strings.Join(slices.Compact(unknown), ", "))
		}
		out = append(out, finding.Finding{
			Code:       finding.FormatCodeExecution,
			Message:    fmt.Sprintf("%s imports callables outside the safe allow-list of tensor-rebuild globals (%s); loading it runs them", path, strings.Join(parts, "; ")),
			Confidence: finding.Verified,
			Subject:    path,
			Evidence:   risky,
		})
	}
	return out
}

// AdapterConfig is adapter_config.json of a PEFT adapter.
type AdapterConfig struct {
	Path      string `json:"path"`
	BaseModel string `json:"base_model_name_or_path,omitempty"`
	PEFTType  string `json:"peft_type,omitempty"`
}
