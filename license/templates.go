package license

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Templates recognise the texts of model licences. Each file
// templates/<id>.lre (or <id>@<part>.lre for a companion text of the same
// licence, such as its acceptable-use policy) is a license regular
// expression in licensecheck's syntax, written as a sequence of anchors:
// short distinctive phrases of the licence, one per line, in text order.
//
//   - A line holding only __N__ separates anchors and says that up to N
//     words of the licence lie between them.
//   - The anchors before the first separator are key anchors: each names
//     the licence and its version, so one of them alone identifies it (a
//     title, a version line, a notice). The rest are body anchors.
//   - //** comments **// and blank lines are ignored.
//
// Each anchor is compiled as its own pattern, so that the scanner stays
// small and fast to build; anchors shared by several templates (the common
// clauses of one family) are compiled once and credited to each. The
// templates are written from the distinctive lines of each licence and
// never hold a licence text.
//
//go:embed templates/*.lre
var templateFS embed.FS

// template is one parsed template.
type template struct {
	ID   string // knowledge-base licence id
	Part string // "" for the licence itself, else e.g. "use-policy"
	File string
	// Anchors are indexes into anchorSet.list, in text order; the first
	// Keys of them are key anchors.
	Anchors []int
	Keys    int
	// Gaps[i] is the most words allowed before Anchors[i] (0 for the first).
	Gaps []int
}

// anchor is one compiled phrase.
type anchor struct {
	LRE       string
	Templates []int // templates that use it
}

type templateSet struct {
	templates []*template
	anchors   []*anchor
}

// loadTemplates parses every embedded template.
func loadTemplates(fsys fs.FS) (*templateSet, error) {
	names, err := fs.Glob(fsys, "templates/*.lre")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	ts := &templateSet{}
	byText := map[string]int{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		base := strings.TrimSuffix(path.Base(name), ".lre")
		id, part, _ := strings.Cut(base, "@")
		t, lines, err := parseTemplate(name, string(data))
		if err != nil {
			return nil, err
		}
		t.ID, t.Part, t.File = id, part, name
		ti := len(ts.templates)
		for _, l := range lines {
			key := anchorKey(l)
			ai, ok := byText[key]
			if !ok {
				ai = len(ts.anchors)
				byText[key] = ai
				ts.anchors = append(ts.anchors, &anchor{LRE: l})
			}
			if !slices.Contains(ts.anchors[ai].Templates, ti) {
				ts.anchors[ai].Templates = append(ts.anchors[ai].Templates, ti)
			}
			t.Anchors = append(t.Anchors, ai)
		}
		ts.templates = append(ts.templates, t)
	}
	return ts, nil
}

// parseTemplate splits a template into anchors.
func parseTemplate(name, text string) (*template, []string, error) {
	t := &template{}
	var anchors []string
	gap := 0
	seenGap := false
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		for {
			i := strings.Index(line, "//**")
			if i < 0 {
				break
			}
			j := strings.Index(line[i:], "**//")
			if j < 0 {
				return nil, nil, fmt.Errorf("%s:%d: comment without closing **//", name, n+1)
			}
			line = strings.TrimSpace(line[:i] + " " + line[i+j+4:])
		}
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "__") && strings.HasSuffix(line, "__") && len(line) > 4 {
			v, err := strconv.Atoi(line[2 : len(line)-2])
			if err != nil || v <= 0 {
				return nil, nil, fmt.Errorf("%s:%d: bad separator %q", name, n+1, line)
			}
			if len(anchors) == 0 {
				return nil, nil, fmt.Errorf("%s:%d: separator before the first anchor", name, n+1)
			}
			gap += v
			seenGap = true
			continue
		}
		if len(strings.Fields(line)) < 2 {
			return nil, nil, fmt.Errorf("%s:%d: anchor %q has fewer than two words", name, n+1, line)
		}
		anchors = append(anchors, line)
		t.Gaps = append(t.Gaps, gap)
		gap = 0
		if !seenGap {
			t.Keys++
		}
	}
	if len(anchors) == 0 {
		return nil, nil, fmt.Errorf("%s: no anchors", name)
	}
	return t, anchors, nil
}

// anchorKey folds an anchor for de-duplication: case and spacing do not
// matter to the matcher, so they do not make anchors different.
func anchorKey(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}
