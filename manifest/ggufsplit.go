package manifest

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/modelvet/modelvet/internal/limits"
)

// ggufSplitRE matches the names llama.cpp's gguf-split gives the parts of
// a split model: NAME-00001-of-00003.gguf (5 digits, numbered from 1).
var ggufSplitRE = regexp.MustCompile(`(?i)^(.+)-([0-9]{5})-of-([0-9]{5})\.gguf$`)

// ggufSplit is one part of a split GGUF model, from its file name.
type ggufSplit struct {
	prefix    string // NAME
	no, count int
}

// parseGGUFSplit reads a split GGUF file name (a base name).
func parseGGUFSplit(base string) (ggufSplit, bool) {
	m := ggufSplitRE.FindStringSubmatch(base)
	if m == nil {
		return ggufSplit{}, false
	}
	no, _ := strconv.Atoi(m[2])
	count, _ := strconv.Atoi(m[3])
	if no < 1 || no > count {
		return ggufSplit{}, false
	}
	return ggufSplit{prefix: m[1], no: no, count: count}, true
}

// sameSet reports whether two splits belong to one model.
func (s ggufSplit) sameSet(o ggufSplit) bool {
	return s.prefix == o.prefix && s.count == o.count
}

// name returns the file name of split no of the set.
func (s ggufSplit) name(no int) string {
	return fmt.Sprintf("%s-%05d-of-%05d.gguf", s.prefix, no, s.count)
}

// ggufSiblings lists the other parts of the split model that file (an
// absolute path) belongs to, from its directory: the regular files (links
// followed, as for the file itself) named as parts of the same set.
func ggufSiblings(file string) []string {
	sp, ok := parseGGUFSplit(filepath.Base(file))
	if !ok || sp.count < 2 {
		return nil
	}
	entries, err := os.ReadDir(filepath.Dir(file))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		o, ok := parseGGUFSplit(e.Name())
		if !ok || !o.sameSet(sp) || e.Name() == filepath.Base(file) {
			continue
		}
		p := filepath.Join(filepath.Dir(file), e.Name())
		if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if out = append(out, p); len(out) >= limits.MaxFilesPerRelease {
			break
		}
	}
	return out
}

// checkGGUFSplits reports the parts missing from each split GGUF model of
// the release: llama.cpp loads all parts together, from the first.
func checkGGUFSplits(rel *Release) {
	type set struct {
		dir string
		sp  ggufSplit
	}
	present := map[set][]int{}
	var order []set
	for _, f := range rel.Files {
		sp, ok := parseGGUFSplit(path.Base(f.Path))
		if !ok {
			continue
		}
		k := set{path.Dir(f.Path), ggufSplit{prefix: sp.prefix, count: sp.count}}
		if _, seen := present[k]; !seen {
			order = append(order, k)
		}
		present[k] = append(present[k], sp.no)
	}
	for _, k := range order {
		have := present[k]
		var missing []string
		n := 0
		for no := 1; no <= k.sp.count; no++ {
			if slices.Contains(have, no) {
				continue
			}
			if n++; len(missing) < 8 {
				missing = append(missing, strconv.Itoa(no))
			}
		}
		if n == 0 {
			continue
		}
		first := slices.Min(have)
		list := strings.Join(missing, ", ")
		if n > len(missing) {
			list += fmt.Sprintf(" and %d more", n-len(missing))
		}
		p := path.Join(k.dir, k.sp.name(first))
		what := "part"
		if n > 1 {
			what = "parts"
		}
		rel.addProblem(&Problem{Path: p, Message: fmt.Sprintf("%s is part %d of a GGUF model split into %d files, and %s %s of %d %s missing: the model cannot be loaded without every part (an interrupted or partial download?)",
			p, first, k.sp.count, what, list, k.sp.count, map[bool]string{true: "are", false: "is"}[n > 1])})
	}
}
