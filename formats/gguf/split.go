package gguf

import (
	"fmt"
	"regexp"
	"strconv"
)

// splitNameRE matches the names llama.cpp's gguf-split gives the parts of
// a split model: NAME-00001-of-00003.gguf (5 digits, numbered from 1).
var splitNameRE = regexp.MustCompile(`(?i)^(.+)-([0-9]{5})-of-([0-9]{5})\.gguf$`)

// SplitName is one part of a split GGUF model, as its file name says.
type SplitName struct {
	Prefix    string // NAME
	No, Count int    // this part, and how many there are
}

// ParseSplitName reads a split GGUF file name (a base name).
func ParseSplitName(base string) (SplitName, bool) {
	m := splitNameRE.FindStringSubmatch(base)
	if m == nil {
		return SplitName{}, false
	}
	no, _ := strconv.Atoi(m[2])
	count, _ := strconv.Atoi(m[3])
	if no < 1 || no > count {
		return SplitName{}, false
	}
	return SplitName{Prefix: m[1], No: no, Count: count}, true
}

// Set returns the name without its part number: the key of the model the
// parts make up.
func (s SplitName) Set() SplitName { return SplitName{Prefix: s.Prefix, Count: s.Count} }

// Name returns the file name of part no of the set.
func (s SplitName) Name(no int) string {
	return fmt.Sprintf("%s-%05d-of-%05d.gguf", s.Prefix, no, s.Count)
}
