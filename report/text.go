package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/textsafe"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/manifest"
)

// TextOptions tune the text encoder.
type TextOptions struct {
	// Files lists every file; by default only weight files and at most 20
	// are listed.
	Files bool
}

// WriteText writes r for a person to read: the verdict first, then what to
// do, then the evidence. Every string from the release is sanitised.
func WriteText(w io.Writer, r *Report, opts TextOptions) error {
	t := &textWriter{w: w}
	t.header(r)
	t.todo(r)
	t.findings(r)
	t.licenses(r)
	t.lineage(r)
	t.files(r, opts)
	t.integrity(r)
	return t.err
}

type textWriter struct {
	w   io.Writer
	err error
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

// s sanitises a string from the release for one line of terminal output.
func s[T ~string](v T) string { return textsafe.Line(string(v)) }

func (t *textWriter) header(r *Report) {
	t.printf("%s  %s\n", strings.ToUpper(string(r.Verdict)), s(r.Subject.Name))
	src := s(r.Subject.Source)
	if r.Subject.Revision != "" {
		src += "@" + s(r.Subject.Revision)
	}
	formats := "no weights"
	if len(r.Subject.Formats) > 0 {
		formats = joinFormats(r.Subject.Formats)
	}
	t.printf("  %s (%s) · %s · %s, %s\n", src, r.Subject.Kind, formats, plural(r.Integrity.Files, "file"), Bytes(r.Integrity.Bytes))
	juris := "none"
	if len(r.Policy.Jurisdictions) > 0 {
		juris = strings.Join(r.Policy.Jurisdictions, ", ")
	}
	t.printf("  policy %s · jurisdictions %s · knowledge base %s (as of %s)\n", s(r.Policy.Name), s(juris), r.KnowledgeBase.Version, r.KnowledgeBase.AsOf)
	if len(r.Policy.Unsafe) > 0 {
		t.printf("  unsafe options: %s\n", strings.Join(r.Policy.Unsafe, ", "))
	}
	if line := originLine(r, s[string]); line != "" {
		t.printf("  %s\n", line)
	}
	if h := r.Subject.Hub; h != nil {
		t.printf("  %s\n", hubLine(h))
	}
}

// originLine says in one line who developed the weights the release
// carries and in which selected jurisdictions a government policy bars it
// (possibly: one that may not reach it), or "" when neither is known.
// esc makes the release's strings safe for the output.
func originLine(r *Report, esc func(string) string) string {
	var parts []string
	who := func(o Origin) string {
		if o.Country == "" {
			return esc(o.Developer) + " (country not known)"
		}
		return esc(o.Developer) + " (" + esc(o.Country) + ")"
	}
	if o, ok := r.Origin(); ok {
		parts = append(parts, "origin "+who(o))
	} else if r.WeightsOrigin != nil && len(r.WeightsOrigin.Alternatives) > 0 {
		var names []string
		for _, a := range r.WeightsOrigin.Alternatives {
			names = append(names, who(a))
		}
		parts = append(parts, "origin one of "+strings.Join(names, ", "))
	}
	if len(r.Policy.Jurisdictions) > 0 {
		var certain, maybe []string
		for _, j := range BarredIn(r.GovernmentBars()) {
			if j, ok := strings.CutSuffix(j, "?"); ok {
				maybe = append(maybe, j)
			} else {
				certain = append(certain, j)
			}
		}
		switch {
		case len(certain) > 0:
			parts = append(parts, "barred in "+esc(strings.Join(certain, ", ")))
		case len(maybe) == 0:
			parts = append(parts, "barred in none of the jurisdictions")
		}
		if len(maybe) > 0 {
			parts = append(parts, "possibly barred in "+esc(strings.Join(maybe, ", ")))
		}
	}
	return strings.Join(parts, " · ")
}

// hubLine says in one line what the Hub says about the repository and
// what the audit fetched from it.
func hubLine(h *Hub) string {
	at := s(h.ID)
	if c := []rune(s(h.Commit)); len(c) > 0 {
		at += "@" + string(c[:min(len(c), 12)]) // a commit's short form
	}
	parts := []string{"Hugging Face Hub " + at}
	switch {
	case h.Private:
		parts = append(parts, "private")
	default:
		parts = append(parts, "public")
	}
	if h.Gated != "" {
		parts = append(parts, "gated ("+s(h.Gated)+" approval)")
	}
	parts = append(parts, fmt.Sprintf("%s, %s fetched", plural(h.Requests, "request"), Bytes(h.Bytes)))
	if h.HeadersTotal > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d weight headers read", h.HeadersRead, h.HeadersTotal))
	}
	if h.ParametersFromAPI > 0 && h.HeadersRead < h.HeadersTotal {
		parts = append(parts, Count(h.ParametersFromAPI)+" parameters per the Hub API")
	}
	if h.Unmatched > 0 {
		parts = append(parts, plural(h.Unmatched, "listed file")+" not in the local copy")
	}
	return strings.Join(parts, " · ")
}

// todo lists, most severe first, what to do about each code that counts
// towards the verdict.
func (t *textWriter) todo(r *Report) {
	seen := map[finding.Code]bool{}
	var lines []string
	for _, f := range r.Findings {
		if f.Waived != "" || seen[f.Code] || f.Severity.Rank() < finding.Medium.Rank() && r.Verdict != Pass {
			continue
		}
		if r.Verdict == Pass && f.Severity.Rank() < finding.Low.Rank() {
			continue
		}
		seen[f.Code] = true
		lines = append(lines, fmt.Sprintf("  - %s (%s): %s", f.Code, f.Severity, Advice[f.Code]))
	}
	t.printf("\nWhat to do\n")
	if len(lines) == 0 {
		t.printf("  Nothing: no finding needs action under this policy.\n")
		return
	}
	for _, l := range lines {
		t.printf("%s\n", l)
	}
}

// width is the width text reports wrap to; fixed, so output is the same on
// every terminal.
const width = 100

func (t *textWriter) findings(r *Report) {
	var counts []string
	byS := map[finding.Severity]int{}
	waived := 0
	for _, f := range r.Findings {
		if f.Waived != "" {
			waived++
			continue
		}
		byS[f.Severity]++
	}
	for _, sev := range []finding.Severity{finding.Critical, finding.High, finding.Medium, finding.Low, finding.Info} {
		if n := byS[sev]; n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	if waived > 0 {
		counts = append(counts, fmt.Sprintf("%d waived", waived))
	}
	if len(counts) == 0 {
		t.printf("\nFindings: none\n")
		t.waivers(r)
		return
	}
	t.printf("\nFindings (%s)\n", strings.Join(counts, ", "))
	for _, f := range r.Findings {
		sev := strings.ToUpper(string(f.Severity))
		if f.Waived != "" {
			sev = "WAIVED"
		}
		if f.Severity == finding.Info && f.Waived == "" {
			// Informational findings stay on one line; JSON has them whole.
			line := fmt.Sprintf("  %-8s %s: %s", sev, f.Code, s(f.Message))
			t.printf("%s\n", textsafe.Truncate(line, width))
			continue
		}
		t.printf("  %-8s %s [%s]\n", sev, f.Code, f.Confidence)
		for _, l := range wrap(s(f.Message), width-11) {
			t.printf("           %s\n", l)
		}
		ev := byPlace(f.Evidence)
		for i, e := range ev {
			if i == 3 {
				t.printf("           … and %d more (all in the JSON report)\n", len(ev)-3)
				break
			}
			switch {
			case e.Path == "" && e.Field != "":
				// A fact the audit worked out, not a place.
				t.printf("           %s\n", textsafe.Truncate(s(e.Field)+": "+s(e.Value), width-11))
			case e.Path != "":
				t.printf("           at %s\n", textsafe.Truncate(evidenceText(e), width-14))
			}
		}
		if f.Waived != "" {
			t.printf("           waived (would be %s): %s\n", f.Severity, s(f.Waived))
		}
	}
	t.waivers(r)
}

// waivers lists the policy's waivers that applied to nothing, so that a
// stale waiver is noticed.
func (t *textWriter) waivers(r *Report) {
	for _, w := range r.Policy.ExpiredWaivers {
		t.printf("  expired waiver, no longer applied: %s\n", s(w))
	}
	for _, w := range r.Policy.UnusedWaivers {
		t.printf("  unused waiver, matched no finding: %s\n", s(w))
	}
}

// wrap breaks text into lines of at most n runes, at spaces where it can.
func wrap(text string, n int) []string {
	var lines []string
	var cur []rune
	for _, word := range strings.Fields(text) {
		w := []rune(word)
		switch {
		case len(cur) == 0:
			cur = w
		case len(cur)+1+len(w) <= n:
			cur = append(append(cur, ' '), w...)
		default:
			lines = append(lines, string(cur))
			cur = w
		}
		for len(cur) > n {
			lines = append(lines, string(cur[:n]))
			cur = cur[n:]
		}
	}
	if len(cur) > 0 {
		lines = append(lines, string(cur))
	}
	return lines
}

// byPlace orders evidence for reading: places in the release first, then
// facts worked out by the audit (no path), then knowledge-base citations.
func byPlace(ev []finding.Evidence) []finding.Evidence {
	rank := func(e finding.Evidence) int {
		switch {
		case strings.HasPrefix(e.Path, "kb:"):
			return 2
		case e.Path == "":
			return 1
		}
		return 0
	}
	out := slices.Clone(ev)
	slices.SortStableFunc(out, func(a, b finding.Evidence) int { return rank(a) - rank(b) })
	return out
}

// evidenceText renders evidence as "path:line field = value".
func evidenceText(e finding.Evidence) string {
	var b strings.Builder
	b.WriteString(s(e.Path))
	switch {
	case e.Line > 0:
		fmt.Fprintf(&b, ":%d", e.Line)
	case e.Offset > 0:
		fmt.Fprintf(&b, "@%d", e.Offset)
	}
	if e.Field != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s(e.Field))
	}
	if e.Value != "" {
		fmt.Fprintf(&b, " = %q", textsafe.Truncate(s(e.Value), 120))
	}
	return b.String()
}

func (t *textWriter) licenses(r *Report) {
	if len(r.Licenses) == 0 {
		return
	}
	t.printf("\nLicences\n")
	for _, l := range r.Licenses {
		name := s(l.Name)
		if name != s(l.ID) {
			name = s(l.ID) + " — " + name
		}
		t.printf("  %s [%s]\n", name, l.Category)
		for _, e := range l.Sources {
			t.printf("    declared at %s\n", evidenceText(e))
		}
		for _, term := range termList(l) {
			t.printf("    %-20s %s\n", term[0], term[1])
		}
	}
}

// termList renders a licence's terms as (label, text) pairs in a fixed order.
func termList(l License) [][2]string {
	var out [][2]string
	add := func(label string, tm interface{ text() string }) {
		if txt := tm.text(); txt != "" {
			out = append(out, [2]string{label, txt})
		}
	}
	tt := l.Terms
	add("commercial use", termOf(tt.CommercialUse))
	add("user threshold", termOf(tt.UserThreshold))
	add("revenue threshold", termOf(tt.RevenueThreshold))
	add("use restrictions", termOf(tt.UseRestrictions))
	add("outputs", termOf(tt.OutputRestriction))
	add("naming", termOf(tt.Naming))
	add("attribution", termOf(tt.Attribution))
	add("territory", termOf(tt.Territory))
	add("derivatives", termOf(tt.DerivativeLicense))
	add("copyleft", termOf(tt.Copyleft))
	return out
}

// relationPhrase says how a model derives from its base, read before the
// base's name.
var relationPhrase = map[kb.Relation]string{
	kb.RelationFinetune:  "fine-tune of",
	kb.RelationAdapter:   "adapter on",
	kb.RelationMerge:     "merged from",
	kb.RelationQuantized: "quantisation of",
	kb.RelationDistilled: "distilled from",
	// Recognised from the release's own files.
	kb.RelationSameOrDerivative: "by its files, the same model as or derived from",
	kb.RelationPostTrainedBy:    "by its files, trained to the chat format of",
}

func (t *textWriter) lineage(r *Report) {
	if len(r.Lineage) == 0 {
		return
	}
	t.printf("\nLineage\n")
	children := map[string][]int{}
	var roots []int
	for i, n := range r.Lineage {
		if n.Depth == 0 || n.Parent == "" {
			roots = append(roots, i)
			continue
		}
		children[n.Parent] = append(children[n.Parent], i)
	}
	printed := make([]bool, len(r.Lineage))
	// walk prints node i; prefix is the tree drawn for its ancestors' rows,
	// last whether it is its parent's last child.
	var walk func(i int, prefix string, last, root bool)
	walk = func(i int, prefix string, last, root bool) {
		if printed[i] {
			return
		}
		printed[i] = true
		n := r.Lineage[i]
		who := ""
		if n.Developer != "" {
			who = " — " + s(n.Developer)
			if n.Country != "" {
				if strings.HasSuffix(n.Developer, ")") {
					who += ", " + s(n.Country) // "Qwen (Alibaba Cloud), CN"
				} else {
					who += " (" + s(n.Country) + ")"
				}
			}
		}
		lic := ""
		if n.License != "" {
			lic = " · licence " + s(n.License)
		}
		next := prefix
		if root {
			t.printf("  %s%s%s\n", s(n.Model), who, lic)
		} else {
			phrase := relationPhrase[n.Relation]
			if phrase == "" {
				phrase = s(n.Relation) + " of"
			}
			branch := "├ "
			next += "│ "
			if last {
				branch = "└ "
				next = prefix + "  "
			}
			t.printf("  %s%s%s %s%s%s [%s]\n", prefix, branch, phrase, s(n.Model), who, lic, n.Confidence)
		}
		t.recognition(n, "  "+next+"  ")
		var kids []int
		for _, c := range children[n.Model] {
			if !printed[c] {
				kids = append(kids, c)
			}
		}
		for k, c := range kids {
			walk(c, next, k == len(kids)-1, false)
		}
	}
	for _, i := range roots {
		walk(i, "", true, true)
	}
	for i := range r.Lineage {
		// Nodes whose parent is not in the list still get shown.
		if !printed[i] {
			walk(i, strings.Repeat("  ", max(0, r.Lineage[i].Depth-1)), true, false)
		}
	}
}

// recognition prints, under a lineage node, what the release's own files
// match and how that could be wrong.
func (t *textWriter) recognition(n LineageNode, indent string) {
	for _, e := range n.Evidence {
		if e.Path != "" || e.Field != finding.FieldFingerprint && e.Field != finding.FieldAmbiguity {
			continue
		}
		label := ""
		if e.Field == finding.FieldAmbiguity {
			label = "could be wrong: "
		}
		for _, line := range wrap(label+e.Value, max(40, 100-len([]rune(indent)))) {
			t.printf("%s%s\n", indent, s(line))
		}
	}
}

func (t *textWriter) files(r *Report, opts TextOptions) {
	if len(r.Files) == 0 {
		t.printf("\nFiles: none\n")
		return
	}
	t.printf("\nFiles\n")
	shown := 0
	// Weight files are listed; a release without any lists what it has.
	all := opts.Files || !slices.ContainsFunc(r.Files, func(f File) bool { return weightFormat(f.Format) })
	for _, f := range r.Files {
		if !opts.Files && (shown >= 20 || !all && !weightFormat(f.Format)) {
			continue
		}
		shown++
		size := Bytes(f.Size)
		if f.SizeUnknown {
			size = "size ?"
		}
		line := fmt.Sprintf("  %-40s %-17s %10s  %s", textsafe.Truncate(s(f.Path), 40), f.Format, size, s(fileSummary(f)))
		t.printf("%s\n", strings.TrimRight(line, " "))
	}
	if hidden := len(r.Files) - shown; hidden > 0 {
		t.printf("  … and %s\n", plural(hidden, "other file"))
	}
}

func weightFormat(f manifest.Format) bool {
	return f.IsWeights() || f == manifest.FormatSafetensorsIndex
}

// fileSummary renders the most useful metadata of a file on one line.
func fileSummary(f File) string {
	var parts []string
	if a, ok := f.Metadata["architecture"].(string); ok {
		parts = append(parts, a)
	}
	if p, ok := asInt(f.Metadata["parameters"]); ok && p > 0 {
		parts = append(parts, Count(p)+" parameters")
	}
	if g, ok := f.Metadata["imported_globals"].([]string); ok {
		parts = append(parts, fmt.Sprintf("%d imported globals", len(g)))
	}
	if p, ok := f.Metadata["producer"].(string); ok {
		parts = append(parts, "by "+p)
	}
	if l, ok := f.Metadata["lambda_layers"].([]string); ok {
		parts = append(parts, plural(len(l), "Lambda layer"))
	}
	if f.Digest != "" {
		parts = append(parts, textsafe.Truncate(f.Digest, 19))
	}
	return strings.Join(parts, " · ")
}

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case uint64:
		return int64(x), true
	case float64:
		return int64(x), true
	}
	return 0, false
}

func (t *textWriter) integrity(r *Report) {
	in := r.Integrity
	t.printf("\nIntegrity\n")
	switch {
	case in.Hashed == 0:
		t.printf("  %s, %s: not hashed\n", plural(in.Files, "file"), Bytes(in.Bytes))
	default:
		t.printf("  %s, %s: %d hashed, %d verified against published or signed digests\n", plural(in.Files, "file"), Bytes(in.Bytes), in.Hashed, in.Verified)
	}
	sig := in.Signature
	switch {
	case sig == nil || !sig.Present:
		t.printf("  signature: none\n")
	case sig.Verified:
		who := sig.Identity
		if who == "" {
			who = sig.KeyHint
		}
		t.printf("  signature: %s verified (%s, %s)\n", s(sig.Path), sig.Method, s(who))
	case len(sig.Checked) == 0:
		// Found but not checked (the files were not hashed, or a remote
		// signature was not downloaded): not a failure.
		t.printf("  signature: %s present, not checked (%s)\n", s(sig.Path), s(sig.uncheckedReason()))
	case sig.Error != "":
		t.printf("  signature: %s does not verify: %s\n", s(sig.Path), s(sig.Error))
	default:
		t.printf("  signature: %s present, not verified\n", s(sig.Path))
	}
	for _, c := range sig.checked() {
		t.printf("    %s\n", s(c))
	}
}

func (sig *Signature) checked() []string {
	if sig == nil {
		return nil
	}
	return sig.Checked
}

// Bytes formats a byte count for people: "1.5 GB".
func Bytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

// Count formats a large count for people: "8.03B".
func Count(n int64) string {
	switch {
	case n >= 1e12:
		return fmt.Sprintf("%.2fT", float64(n)/1e12)
	case n >= 1e9:
		return fmt.Sprintf("%.2fB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2fM", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

// plural formats a count with a noun: "1 file", "3 files".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
