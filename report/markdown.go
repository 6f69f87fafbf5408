package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/textsafe"
	"github.com/modelvet/modelvet/kb"
)

// WriteMarkdown writes r as Markdown for a ticket or a pull request: the
// verdict as the first heading ("# modelvet: FAIL — name"), then what to
// do, the findings, the licences with their terms, the lineage, the files
// and what was verified. Every string from the release is escaped, so a
// hostile model card cannot inject links, images, HTML or table cells.
func WriteMarkdown(w io.Writer, r *Report) error {
	m := &mdWriter{w: w}
	m.header(r)
	m.todo(r)
	m.findings(r)
	m.licenses(r)
	m.lineage(r)
	m.files(r)
	m.integrity(r)
	m.footer(r)
	return m.err
}

type mdWriter struct {
	w   io.Writer
	err error
}

func (m *mdWriter) printf(format string, args ...any) {
	if m.err == nil {
		_, m.err = fmt.Fprintf(m.w, format, args...)
	}
}

// md escapes a string from the release for Markdown text or a table cell.
func md[T ~string](v T) string { return textsafe.Markdown(string(v)) }

// mdCode renders a finding code: known codes are modelvet's own and safe in
// a code span; anything else is escaped text.
func mdCode(c finding.Code) string {
	if c.Known() {
		return "`" + string(c) + "`"
	}
	return md(string(c))
}

var verdictMark = map[Verdict]string{Pass: "✅", Review: "⚠️", Fail: "❌"}

func (m *mdWriter) header(r *Report) {
	m.printf("# modelvet: %s — %s\n\n", strings.ToUpper(string(r.Verdict)), md(r.Subject.Name))
	m.printf("%s **%s** under policy **%s**", verdictMark[r.Verdict], r.Verdict, md(r.Policy.Name))
	counts := r.Counts()
	var parts []string
	for _, s := range []finding.Severity{finding.Critical, finding.High, finding.Medium, finding.Low, finding.Info} {
		if n := counts[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(parts) > 0 {
		m.printf(" (%s)", strings.Join(parts, ", "))
	}
	m.printf(".\n\n")
	src := md(r.Subject.Source)
	if r.Subject.Revision != "" {
		src += " @ " + md(r.Subject.Revision)
	}
	formats := "no weights"
	if len(r.Subject.Formats) > 0 {
		formats = md(joinFormats(r.Subject.Formats))
	}
	juris := "none"
	if len(r.Policy.Jurisdictions) > 0 {
		juris = md(strings.Join(r.Policy.Jurisdictions, ", "))
	}
	m.printf("| | |\n|---|---|\n")
	m.printf("| Source | %s (%s) |\n", src, md(r.Subject.Kind))
	m.printf("| Formats | %s · %d files, %s |\n", formats, r.Integrity.Files, Bytes(r.Integrity.Bytes))
	m.printf("| Jurisdictions | %s |\n", juris)
	if line := originLine(r, md[string]); line != "" {
		m.printf("| Provenance | %s |\n", line)
	}
	m.printf("| Knowledge base | %s (as of %s) |\n", md(r.KnowledgeBase.Version), md(r.KnowledgeBase.AsOf))
	m.printf("| Audited | %s by %s %s |\n", md(r.auditedAt()), md(r.Tool.Name), md(r.Tool.Version))
	if len(r.Policy.Unsafe) > 0 {
		m.printf("| Unsafe options | %s |\n", md(strings.Join(r.Policy.Unsafe, ", ")))
	}
}

// Action is one thing to do about a finding code that counts towards the
// verdict.
type Action struct {
	Code     finding.Code
	Severity finding.Severity
	Advice   string
}

// Actions lists, most severe first and once per code, what to do about the
// unwaived findings that matter: those at medium or above when the verdict
// is not pass, those at low or above when it is.
func Actions(r *Report) []Action {
	floor := finding.Medium
	if r.Verdict == Pass {
		floor = finding.Low
	}
	seen := map[finding.Code]bool{}
	var out []Action
	for _, f := range r.Findings {
		if f.Waived != "" || seen[f.Code] || f.Severity.Rank() < floor.Rank() {
			continue
		}
		seen[f.Code] = true
		out = append(out, Action{Code: f.Code, Severity: f.Severity, Advice: Advice[f.Code]})
	}
	return out
}

func (m *mdWriter) todo(r *Report) {
	m.printf("\n## What to do\n\n")
	acts := Actions(r)
	if len(acts) == 0 {
		m.printf("Nothing: no finding needs action under this policy.\n")
		return
	}
	for _, a := range acts {
		m.printf("- **%s** %s: %s\n", a.Severity, mdCode(a.Code), md(a.Advice))
	}
}

func (m *mdWriter) findings(r *Report) {
	m.printf("\n## Findings (%d)\n\n", len(r.Findings))
	if len(r.Findings) == 0 {
		m.printf("None.\n")
		return
	}
	m.printf("| Severity | Code | Finding | Confidence | Evidence |\n|---|---|---|---|---|\n")
	for _, f := range r.Findings {
		sev := "**" + string(f.Severity) + "**"
		if f.Waived != "" {
			sev = "~~" + string(f.Severity) + "~~ waived"
		}
		msg := md(f.Message)
		if f.Waived != "" {
			msg += " — waived: " + md(f.Waived)
		}
		var ev []string
		for i, e := range f.Evidence {
			if i == 3 {
				ev = append(ev, fmt.Sprintf("… and %d more", len(f.Evidence)-3))
				break
			}
			if t := evidenceText(e); t != "" {
				ev = append(ev, md(t))
			}
		}
		m.printf("| %s | %s | %s | %s | %s |\n", sev, mdCode(f.Code), msg, md(string(f.Confidence)), strings.Join(ev, "<br>"))
	}
	if len(r.Policy.UnusedWaivers) > 0 || len(r.Policy.ExpiredWaivers) > 0 {
		m.printf("\n")
		for _, w := range r.Policy.ExpiredWaivers {
			m.printf("- Expired waiver (no longer applied): %s\n", md(w))
		}
		for _, w := range r.Policy.UnusedWaivers {
			m.printf("- Unused waiver (matched no finding): %s\n", md(w))
		}
	}
}

func (m *mdWriter) licenses(r *Report) {
	if len(r.Licenses) == 0 {
		return
	}
	m.printf("\n## Licences\n")
	for _, l := range r.Licenses {
		name := md(l.ID)
		if l.Name != "" && l.Name != l.ID {
			name += " — " + md(l.Name)
		}
		m.printf("\n### %s\n\nCategory: **%s**", name, md(l.Category))
		if l.SPDX != "" {
			m.printf(" · SPDX: %s", md(l.SPDX))
		}
		m.printf("\n\n")
		for _, e := range l.Sources {
			m.printf("- declared at %s\n", md(evidenceText(e)))
		}
		if terms := termList(l); len(terms) > 0 {
			m.printf("\n| Term | What it says |\n|---|---|\n")
			for _, t := range terms {
				m.printf("| %s | %s |\n", md(t[0]), md(t[1]))
			}
		}
	}
}

func (m *mdWriter) lineage(r *Report) {
	if len(r.Lineage) == 0 {
		return
	}
	m.printf("\n## Lineage\n\n| Model | Relation | Developer | Country | Licence | Confidence |\n|---|---|---|---|---|---|\n")
	for _, n := range r.Lineage {
		rel := "audited model"
		if n.Depth > 0 {
			rel = ancestorRole(n.Relation, md(n.Parent))
		}
		indent := strings.Repeat("↳ ", min(n.Depth, 8))
		m.printf("| %s%s | %s | %s | %s | %s | %s |\n", indent, md(n.Model), rel, md(n.Developer), md(n.Country), md(n.License), md(string(n.Confidence)))
	}
	// What the release's own files match, and how that could be wrong.
	var notes []string
	for _, n := range r.Lineage {
		for _, e := range n.Evidence {
			switch {
			case e.Path != "":
			case e.Field == finding.FieldFingerprint:
				notes = append(notes, fmt.Sprintf("- **%s**: %s", md(n.Model), md(e.Value)))
			case e.Field == finding.FieldAmbiguity:
				notes = append(notes, "  "+md("Could be wrong: "+e.Value))
			}
		}
	}
	if len(notes) > 0 {
		m.printf("\nRecognised from the release's own files:\n\n%s\n", strings.Join(notes, "\n"))
	}
}

func (m *mdWriter) files(r *Report) {
	m.printf("\n## Files\n\n")
	if len(r.Files) == 0 {
		m.printf("None.\n")
		return
	}
	m.printf("| Path | Format | Size | Details |\n|---|---|---|---|\n")
	for _, f := range r.Files {
		m.printf("| %s | %s | %s | %s |\n", md(f.Path), md(f.Format), Bytes(f.Size), md(fileSummary(f)))
	}
}

func (m *mdWriter) integrity(r *Report) {
	in := r.Integrity
	m.printf("\n## Integrity\n\n")
	if in.Hashed == 0 {
		m.printf("- %d files, %s: not hashed\n", in.Files, Bytes(in.Bytes))
	} else {
		m.printf("- %d files, %s: %d hashed, %d verified against published or signed digests\n", in.Files, Bytes(in.Bytes), in.Hashed, in.Verified)
	}
	sig := in.Signature
	switch {
	case sig == nil || !sig.Present:
		m.printf("- Signature: none\n")
	case sig.Verified:
		who := sig.Identity
		if who == "" {
			who = sig.KeyHint
		}
		m.printf("- Signature: %s verified (%s, %s)\n", md(sig.Path), md(sig.Method), md(who))
	case len(sig.Checked) == 0:
		m.printf("- Signature: %s present, not checked (%s)\n", md(sig.Path), md(sig.uncheckedReason()))
	case sig.Error != "":
		m.printf("- Signature: %s does not verify: %s\n", md(sig.Path), md(sig.Error))
	default:
		m.printf("- Signature: %s present, not verified\n", md(sig.Path))
	}
}

func (m *mdWriter) footer(r *Report) {
	m.printf("\n---\n*%s %s · report schema %s · licence terms are summaries for triage, not legal advice.*\n", md(r.Tool.Name), md(r.Tool.Version), md(r.Schema))
}

// ancestorRole says what an ancestor is to the model derived from it
// (child): the report's relation reads "child is a <relation> of the
// ancestor".
func ancestorRole(relation kb.Relation, child string) string {
	switch relation {
	case kb.RelationFinetune:
		return "base of " + child + " (fine-tune)"
	case kb.RelationAdapter:
		return "base of " + child + " (adapter)"
	case kb.RelationQuantized:
		return "base of " + child + " (quantisation)"
	case kb.RelationMerge:
		return "merged into " + child
	case kb.RelationDistilled:
		return "teacher of " + child + " (distillation)"
	case kb.RelationSameOrDerivative:
		return "base of " + child + " by its own files (the same model, or derived)"
	case kb.RelationPostTrainedBy:
		return "chat format " + child + " was trained to, by its own files"
	}
	return "base of " + child + " (" + md(relation) + ")"
}
