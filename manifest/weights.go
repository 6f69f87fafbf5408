package manifest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/finding"
)

// SafetensorsInfo is what a safetensors header declares.
type SafetensorsInfo struct {
	HeaderSize int64             `json:"header_size"`
	Metadata   map[string]string `json:"metadata,omitempty"` // __metadata__
	Tensors    int               `json:"tensors"`
	// Parameters counts elements over all tensors; ParametersByDtype splits
	// them by dtype.
	Parameters        int64            `json:"parameters"`
	ParametersByDtype map[string]int64 `json:"parameters_by_dtype,omitempty"`
	// DataSize is the size of the byte buffer the header indexes.
	DataSize int64 `json:"data_size"`
	// TensorNames lists tensor names in data order, so an index's
	// weight_map can be checked against the shards.
	TensorNames []string `json:"-"`
}

// SafetensorsIndex is model.safetensors.index.json: which shard holds each
// tensor, and the declared total size.
type SafetensorsIndex struct {
	Path      string            `json:"path"`
	TotalSize int64             `json:"total_size"` // -1 when absent
	Metadata  map[string]string `json:"metadata,omitempty"`
	// Shards lists the distinct shard files named by weight_map, sorted.
	Shards []string `json:"shards"`
	// Tensors counts the weight_map entries.
	Tensors   int               `json:"tensors"`
	WeightMap map[string]string `json:"-"`
}

// GGUFInfo is what a GGUF header declares: metadata and tensor infos, read
// without touching tensor data.
type GGUFInfo struct {
	Version      uint32 `json:"version"`
	TensorCount  uint64 `json:"tensor_count"`
	KVCount      uint64 `json:"kv_count"`
	Alignment    uint32 `json:"alignment"`
	Architecture string `json:"architecture,omitempty"`
	// Metadata lists every key-value pair in file order. Arrays longer than
	// a few elements are summarised by element type and length.
	Metadata []GGUFValue `json:"metadata"`
	// Parameters counts elements over all tensors; TensorTypes counts
	// tensors by ggml type name ("Q4_K", "F16", …).
	Parameters  int64          `json:"parameters"`
	TensorTypes map[string]int `json:"tensor_types,omitempty"`
	// DataOffset is where tensor data starts.
	DataOffset int64 `json:"data_offset"`
}

// GGUFValue is one GGUF metadata key-value pair.
type GGUFValue struct {
	Key  string `json:"key"`
	Type string `json:"type"` // "string", "uint32", "array[string]", …
	// Value is the value (string, bool, integer, float, or []any for short
	// arrays); nil for long arrays, whose length is in Len.
	Value  any    `json:"value,omitempty"`
	Len    uint64 `json:"len,omitempty"`
	Offset int64  `json:"offset"` // byte offset of the key in the file
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
