package manifest

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/modelvet/modelvet/formats/gguf"
	"github.com/modelvet/modelvet/internal/limits"
)

// ggufSiblings lists the other parts of the split model that file (an
// absolute path) belongs to, from its directory: the regular files (links
// followed, as for the file itself) named as parts of the same set.
func ggufSiblings(file string) []string {
	sp, ok := gguf.ParseSplitName(filepath.Base(file))
	if !ok || sp.Count < 2 {
		return nil
	}
	entries, err := os.ReadDir(filepath.Dir(file))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		o, ok := gguf.ParseSplitName(e.Name())
		if !ok || o.Set() != sp.Set() || e.Name() == filepath.Base(file) {
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
		sp  gguf.SplitName
	}
	present := map[set][]int{}
	var order []set
	for _, f := range rel.Files {
		sp, ok := gguf.ParseSplitName(path.Base(f.Path))
		if !ok {
			continue
		}
		k := set{path.Dir(f.Path), sp.Set()}
		if _, seen := present[k]; !seen {
			order = append(order, k)
		}
		present[k] = append(present[k], sp.No)
	}
	for _, k := range order {
		have := present[k]
		var missing []string
		n := 0
		for no := 1; no <= k.sp.Count; no++ {
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
		p := path.Join(k.dir, k.sp.Name(first))
		what := "part"
		if n > 1 {
			what = "parts"
		}
		rel.addProblem(&Problem{Path: p, Message: fmt.Sprintf("%s is part %d of a GGUF model split into %d files, and %s %s of %d %s missing: the model cannot be loaded without every part (an interrupted or partial download?)",
			p, first, k.sp.Count, what, list, k.sp.Count, map[bool]string{true: "are", false: "is"}[n > 1])})
	}
}
