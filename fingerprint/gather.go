package fingerprint

import (
	"github.com/modelvet/modelvet/formats/gguf"
)

// Sources are the parts of one release that state its facts.
type Sources struct {
	// Files are the release's top-level files that IsFile names.
	Files []File
	// GGUF are its GGUF files, with their metadata read.
	GGUF []GGUFFile
	// Safetensors are its safetensors weights (the shards of one model),
	// each with its header, or none when it was not read.
	Safetensors []SafetensorsHeader
	// Omitted lists files of the release that state facts but were not
	// read, and why.
	Omitted []Omission
}

// GGUFFile is a GGUF file and what its header declares.
type GGUFFile struct {
	Path string
	Info *gguf.Info
}

// Gather reads the facts of a release's sources in the order they take
// precedence: the small files (config.json, the tokenizer files, chat
// templates), then GGUF metadata, then, when neither states the layers or
// the width, the safetensors tensors' shapes. Files that cannot be parsed
// are returned as errors; the others still count.
func Gather(s Sources) (*Facts, []error) {
	facts, errs := Read(s.Files)
	for _, g := range s.GGUF {
		if g.Info != nil {
			facts.Merge(GGUF(g.Path, g.Info))
		}
	}
	if len(s.Safetensors) > 0 && !facts.Architecture.hasShape() {
		facts.Merge(Safetensors(s.Safetensors))
	}
	for _, o := range s.Omitted {
		facts.Merge(&Facts{Omitted: []Omission{o}})
	}
	return facts, errs
}

// hasShape reports whether the facts state the layers or the width, which
// tensor shapes would otherwise give.
func (a *Architecture) hasShape() bool { return a.Layers != nil || a.HiddenSize != nil }
