package manifest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/finding"
)

// GGUFEvidence cites a metadata key of the file's GGUF header: the file,
// the key's byte offset and its value, or only the file and the key when
// the header does not hold it.
func (f *File) GGUFEvidence(key string) finding.Evidence {
	if f.GGUF != nil {
		if v, ok := f.GGUF.Get(key); ok {
			return finding.Evidence{Path: f.Path, Offset: v.Offset, Field: key, Value: fmt.Sprint(v.Value)}
		}
	}
	return finding.Evidence{Path: f.Path, Field: key}
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
