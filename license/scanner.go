package license

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/google/licensecheck"
)

// fastBuiltins are the ordinary licences the fast scanner knows: those that
// Hugging Face licence ids name, plus a few common in model repositories.
// Texts the fast scanner leaves unexplained go to licensecheck's full
// built-in set, which costs over a second to build.
var fastBuiltins = []string{
	"0BSD", "AFL-3.0", "AGPL-3.0", "Apache-2.0", "Artistic-2.0", "BSD-2-Clause",
	"BSD-3-Clause", "BSD-3-Clause-Clear", "BSL-1.0", "CC-BY-2.0", "CC-BY-2.5",
	"CC-BY-3.0", "CC-BY-4.0", "CC-BY-NC-2.0", "CC-BY-NC-3.0", "CC-BY-NC-4.0",
	"CC-BY-NC-ND-3.0", "CC-BY-NC-ND-4.0", "CC-BY-NC-SA-2.0", "CC-BY-NC-SA-3.0",
	"CC-BY-NC-SA-4.0", "CC-BY-ND-4.0", "CC-BY-SA-3.0", "CC-BY-SA-4.0", "CC0-1.0",
	"CDLA-Permissive-1.0", "CDLA-Sharing-1.0", "ECL-2.0", "EPL-1.0", "EPL-2.0",
	"EUPL-1.1", "EUPL-1.2", "GPL-2.0", "GPL-3.0", "ISC", "LGPL-2.1", "LGPL-3.0",
	"LGPLLR", "LPPL-1.3c", "MIT", "MIT-0", "MPL-2.0", "MS-PL", "NCSA", "ODC-By-1.0",
	"ODbL-1.0", "OFL-1.1", "OSL-3.0", "PDDL-1.0", "PostgreSQL", "Unlicense",
	"WTFPL", "Zlib", "etalab-2.0",
}

// anchorPrefix marks the ids of template anchors in the fast scanner.
const anchorPrefix = "modelvet.anchor."

// scanner is the shared licence scanner: templates for model licences and
// licensecheck patterns for ordinary ones. It is built once, on first use.
type scanner struct {
	set *templateSet
	// tpl matches the template anchors; it is small and built first.
	tpl *licensecheck.Scanner
	// fast matches the fast set of ordinary licences; it is built on the
	// first text that the templates do not explain.
	fastOnce sync.Once
	fast     *licensecheck.Scanner
	fastErr  error
}

var (
	sharedOnce    sync.Once
	sharedScanner *scanner
	sharedErr     error
)

// shared returns the scanner, building it on first use. A template that
// does not compile is a bug in modelvet; tests guard against it.
func shared() (*scanner, error) {
	sharedOnce.Do(func() {
		sharedScanner, sharedErr = newScanner()
	})
	return sharedScanner, sharedErr
}

func newScanner() (*scanner, error) {
	set, err := loadTemplates(templateFS)
	if err != nil {
		return nil, err
	}
	s := &scanner{set: set}
	var list []licensecheck.License
	for i, a := range set.anchors {
		list = append(list, licensecheck.License{ID: anchorPrefix + strconv.Itoa(i), LRE: a.LRE})
	}
	tpl, err := licensecheck.NewScanner(list)
	if err != nil {
		return nil, fmt.Errorf("license templates: %w", err)
	}
	s.tpl = tpl
	return s, nil
}

// ordinary returns the fast scanner of ordinary licences, building it once.
func (s *scanner) ordinary() (*licensecheck.Scanner, error) {
	s.fastOnce.Do(func() {
		want := map[string]bool{}
		for _, id := range fastBuiltins {
			want[id] = true
		}
		var list []licensecheck.License
		for _, l := range licensecheck.BuiltinLicenses() {
			if want[l.ID] && l.LRE != "" {
				list = append(list, l)
			}
		}
		s.fast, s.fastErr = licensecheck.NewScanner(list)
	})
	return s.fast, s.fastErr
}

// hit is where an anchor matched, in bytes.
type hit struct{ start, end int }

// textMatch is a licence found in a text.
type textMatch struct {
	// ID is a template's licence id, or a licensecheck licence id.
	ID string
	// Part is the template part ("use-policy"), if any.
	Part string
	// Template is set for a model-licence template match.
	Template bool
	// Start and End are byte offsets of the lines the match spans.
	Start, End int
	// Coverage is the share of the text's words inside the match, in percent.
	Coverage float64
	// Anchors and Total count the template anchors found and expected;
	// Key is set when a key anchor (title, version line) was found.
	Anchors, Total int
	Key            bool
	// found lists the anchors found, for comparing template matches;
	// keyAt is where the first key anchor found starts (-1 if none).
	found []int
	keyAt int
	// Fallback is set when licensecheck's full built-in set found it.
	Fallback bool
	// Versions is set when the text's titles and version lines name
	// several versions of one licence family (ID is then the family) and
	// no body text matches one of them alone: the version is unknown.
	// Each entry is "id: the excerpt that names it".
	Versions []string
}

// scanOptions tune scanText.
type scanOptions struct {
	// fallback allows the scans of ordinary licences — the fast set, then
	// licensecheck's full built-in set — when the templates leave the text
	// unexplained. Licence files get them; card sections and gated
	// prompts, which name licences rather than hold them, do not.
	fallback bool
	// family returns a template licence's family ("llama" for llama3.1),
	// or "" when it has none: versions of one family that a text names
	// at once are told apart by body text alone.
	family func(id string) string
}

// Thresholds of text identification.
const (
	// minBodyShare is the share of a template's anchors that identifies a
	// text without any of its key anchors.
	minBodyShare = 0.6
	// minExplained is the share of a text's words the fast scanner must
	// explain for the full built-in scan to be skipped.
	minExplained = 0.95
)

// scanText identifies the licences in text.
func (s *scanner) scanText(text []byte, opt scanOptions) []textMatch {
	cov := s.tpl.Scan(text)
	wc := newWordCounter(text)
	var out []textMatch
	hits := map[int][]hit{} // anchor index → occurrences
	for _, m := range cov.Match {
		if rest, ok := strings.CutPrefix(m.ID, anchorPrefix); ok && !m.IsURL {
			ai, _ := strconv.Atoi(rest)
			hits[ai] = append(hits[ai], hit{m.Start, m.End})
		}
	}

	// Credit anchors to templates, in order.
	var cands []textMatch
	for _, t := range s.set.templates {
		found, key, keyAt := 0, false, -1
		var foundSet []int
		start, end := -1, -1
		pos := 0
		for i, ai := range t.Anchors {
			hs := hits[ai]
			j := slices.IndexFunc(hs, func(h hit) bool { return h.start >= pos })
			if j < 0 && len(hs) > 0 {
				// Out of order: a notice before the title, a reordered
				// copy. The anchor still counts.
				j = 0
			}
			if j < 0 {
				continue
			}
			h := hs[j]
			found++
			foundSet = append(foundSet, ai)
			if i < t.Keys {
				key = true
				if keyAt < 0 {
					keyAt = h.start
				}
			}
			if start < 0 || h.start < start {
				start = h.start
			}
			end = max(end, h.end)
			pos = max(pos, h.end)
		}
		if found == 0 {
			continue
		}
		share := float64(found) / float64(len(t.Anchors))
		if !key && (share < minBodyShare || !s.hasOwnAnchor(t, hits)) {
			continue
		}
		cands = append(cands, textMatch{
			ID: t.ID, Part: t.Part, Template: true, Start: start, End: end,
			Anchors: found, Total: len(t.Anchors), Key: key,
			Coverage: wc.share(start, end), found: foundSet, keyAt: keyAt,
		})
	}
	cands = s.resolveVersions(text, cands, opt.family)
	// Best first: more anchors found, then a larger share of them.
	slices.SortStableFunc(cands, func(a, b textMatch) int {
		return cmp.Or(
			cmp.Compare(b.Anchors, a.Anchors),
			cmp.Compare(float64(b.Anchors)/float64(b.Total), float64(a.Anchors)/float64(a.Total)),
			cmp.Compare(a.Start, b.Start),
		)
	})
	var kept []textMatch
	for _, c := range cands {
		// A template whose anchors all lie inside a better match is part of
		// that text (a licence that names another), or a weaker reading of
		// the same text (another version of the family); so is one whose
		// anchors are all among a better match's.
		if slices.ContainsFunc(kept, func(k textMatch) bool {
			return k.Start <= c.Start && c.End <= k.End ||
				k.Anchors > c.Anchors && !slices.ContainsFunc(c.found, func(a int) bool { return !slices.Contains(k.found, a) })
		}) {
			continue
		}
		kept = append(kept, c)
	}
	out = append(out, kept...)

	if opt.fallback && s.unexplained(wc, out) {
		if fast, err := s.ordinary(); err == nil {
			for _, m := range fast.Scan(text).Match {
				if !m.IsURL && !slices.ContainsFunc(out, func(k textMatch) bool { return m.Start < k.End && k.Start < m.End }) {
					out = append(out, textMatch{ID: m.ID, Start: m.Start, End: m.End, Coverage: wc.share(m.Start, m.End)})
				}
			}
		}
	}
	if opt.fallback && s.unexplained(wc, out) {
		// licensecheck's full set is authoritative for ordinary licences:
		// its longer, more specific matches (X11 rather than MIT) replace
		// the fast set's, while model-licence matches stay.
		full := licensecheck.Scan(text)
		var merged []textMatch
		for _, m := range out {
			if m.Template || !slices.ContainsFunc(full.Match, func(f licensecheck.Match) bool { return !f.IsURL && f.Start < m.End && m.Start < f.End }) {
				merged = append(merged, m)
			}
		}
		for _, m := range full.Match {
			if m.IsURL || slices.ContainsFunc(out, func(k textMatch) bool { return k.Template && m.Start < k.End && k.Start < m.End }) {
				continue
			}
			merged = append(merged, textMatch{ID: m.ID, Start: m.Start, End: m.End, Coverage: wc.share(m.Start, m.End), Fallback: true})
		}
		out = merged
	}
	slices.SortFunc(out, func(a, b textMatch) int { return cmp.Or(cmp.Compare(a.Start, b.Start), strings.Compare(a.ID, b.ID)) })
	return out
}

// resolveVersions settles candidates that name different versions of one
// licence family in their key anchors (a heading that says one version over
// a body of another). A version is kept only when body anchors that no
// other version of the family has were found (text that matches that
// version alone); otherwise the candidates give way to one match of the
// family with its version unknown, saying what named each version.
func (s *scanner) resolveVersions(text []byte, cands []textMatch, family func(string) string) []textMatch {
	if family == nil {
		return cands
	}
	type group struct {
		ids     []string
		members []int
	}
	groups := map[string]*group{}
	var order []string
	for i, c := range cands {
		f := family(c.ID)
		if f == "" || !c.Key {
			continue
		}
		k := f + "\x00" + c.Part
		g := groups[k]
		if g == nil {
			g = &group{}
			groups[k] = g
			order = append(order, k)
		}
		if !slices.Contains(g.ids, c.ID) {
			g.ids = append(g.ids, c.ID)
		}
		g.members = append(g.members, i)
	}
	drop := map[int]bool{}
	var added []textMatch
	for _, k := range order {
		g := groups[k]
		if len(g.ids) < 2 {
			continue
		}
		var own []int
		for _, i := range g.members {
			if s.hasVersionBody(cands[i], family) {
				own = append(own, i)
			}
		}
		if len(own) == 1 {
			for _, i := range g.members {
				if i != own[0] {
					drop[i] = true
				}
			}
			continue
		}
		fam, _, _ := strings.Cut(k, "\x00")
		u := textMatch{ID: fam, Part: cands[g.members[0]].Part, Template: true, Start: -1}
		for _, i := range g.members {
			c := cands[i]
			drop[i] = true
			if u.Start < 0 || c.Start < u.Start {
				u.Start = c.Start
			}
			u.End = max(u.End, c.End)
			u.Anchors = max(u.Anchors, c.Anchors)
			for _, a := range c.found {
				if !slices.Contains(u.found, a) {
					u.found = append(u.found, a)
				}
			}
			u.Total = max(u.Total, c.Total)
			u.Versions = append(u.Versions, c.ID+": "+s.keyExcerpt(text, c))
		}
		slices.Sort(u.Versions)
		added = append(added, u)
	}
	if len(drop) == 0 {
		return cands
	}
	var out []textMatch
	for i, c := range cands {
		if !drop[i] {
			out = append(out, c)
		}
	}
	return append(out, added...)
}

// hasVersionBody reports whether a candidate found a body anchor that no
// template of another licence of its family has.
func (s *scanner) hasVersionBody(c textMatch, family func(string) string) bool {
	var t *template
	for _, x := range s.set.templates {
		if x.ID == c.ID && x.Part == c.Part {
			t = x
		}
	}
	if t == nil {
		return false
	}
	f := family(c.ID)
	for i, ai := range t.Anchors {
		if i < t.Keys || !slices.Contains(c.found, ai) {
			continue
		}
		shared := slices.ContainsFunc(s.set.anchors[ai].Templates, func(ti int) bool {
			o := s.set.templates[ti]
			return o.ID != c.ID && family(o.ID) == f
		})
		if !shared {
			return true
		}
	}
	return false
}

// keyExcerpt quotes the line where a candidate's first key anchor
// matched: the line of the text that names its version.
func (s *scanner) keyExcerpt(text []byte, c textMatch) string {
	at := max(c.keyAt, 0)
	start := bytes.LastIndexByte(text[:at], '\n') + 1
	end := len(text)
	if i := bytes.IndexByte(text[at:], '\n'); i >= 0 {
		end = at + i
	}
	line := string(bytes.TrimSpace(text[start:end]))
	if len(line) > 80 {
		line = line[:80] + "…"
	}
	return line
}

// hasOwnAnchor reports whether a template has a found anchor that no other
// template uses.
func (s *scanner) hasOwnAnchor(t *template, hits map[int][]hit) bool {
	for _, ai := range t.Anchors {
		if len(s.set.anchors[ai].Templates) == 1 && len(hits[ai]) > 0 {
			return true
		}
	}
	return false
}

// unexplained reports whether the fast scanner leaves part of a text
// unexplained, so that licensecheck's full set should look at it. A text
// that a model-licence template identifies by name is explained; any
// other text is explained when matches cover at least minExplained of its
// words.
func (s *scanner) unexplained(wc *wordCounter, ms []textMatch) bool {
	if len(wc.starts) == 0 {
		return false
	}
	covered := make([]bool, len(wc.starts))
	n := 0
	for _, m := range ms {
		if m.Template && m.Key && 2*m.Anchors >= m.Total {
			return false
		}
		lo, hi := wc.index(m.Start), wc.index(m.End)
		for i := lo; i < hi; i++ {
			if !covered[i] {
				covered[i] = true
				n++
			}
		}
	}
	return float64(n) < minExplained*float64(len(wc.starts))
}

// wordCounter counts the words of a text (runs of letters and digits),
// as the licence matcher splits them, to turn byte spans into shares.
type wordCounter struct {
	starts []int // byte offset of each word
	ends   []int
}

func newWordCounter(text []byte) *wordCounter {
	wc := &wordCounter{}
	in := false
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRune(text[i:])
		word := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case word && !in:
			wc.starts = append(wc.starts, i)
			in = true
		case !word && in:
			wc.ends = append(wc.ends, i)
			in = false
		}
		i += size
	}
	if in {
		wc.ends = append(wc.ends, len(text))
	}
	return wc
}

// index returns the number of words that start before byte offset off.
func (wc *wordCounter) index(off int) int {
	i, _ := slices.BinarySearch(wc.starts, off)
	return i
}

// share returns the percentage of words that start in [start, end).
func (wc *wordCounter) share(start, end int) float64 {
	if len(wc.starts) == 0 {
		return 0
	}
	n := wc.index(end) - wc.index(start)
	return 100 * float64(n) / float64(len(wc.starts))
}
