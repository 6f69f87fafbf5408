package report

import (
	"strings"

	"github.com/modelvet/modelvet/internal/textsafe"
	"github.com/modelvet/modelvet/kb"
)

type termText struct{ t *kb.Term }

func termOf(t *kb.Term) termText { return termText{t} }

// text renders a term as "value — summary [clause]".
func (t termText) text() string {
	if t.t == nil {
		return ""
	}
	parts := []string{}
	if t.t.Value != "" {
		parts = append(parts, t.t.Value)
	}
	if t.t.Summary != "" {
		parts = append(parts, t.t.Summary)
	}
	out := strings.Join(parts, " — ")
	if t.t.Clause != "" {
		out += " [" + t.t.Clause + "]"
	}
	return textsafe.Line(out)
}
