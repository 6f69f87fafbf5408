package report

import (
	"fmt"
	"strconv"
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
	switch v := t.t.Value; {
	case t.t.Amount > 0 && string(v) == strconv.FormatInt(t.t.Amount, 10):
		parts = append(parts, Amount(t.t.Amount))
	case v != "":
		parts = append(parts, string(v))
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

// Amount writes a large round number in words: 700000000 → "700 million".
func Amount(n int64) string {
	for _, u := range []struct {
		v    int64
		name string
	}{{1e12, "trillion"}, {1e9, "billion"}, {1e6, "million"}, {1e3, "thousand"}} {
		if n >= u.v && n%(u.v/1000) == 0 {
			return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", float64(n)/float64(u.v)), "0"), ".") + " " + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}
