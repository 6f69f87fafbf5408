package report_test

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/internal/reporttest"
	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/report"
)

func TestWriteMarkdownGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := report.WriteMarkdown(&buf, reporttest.SampleReport(report.Review)); err != nil {
		t.Fatal(err)
	}
	testutil.Golden(t, filepath.Join("testdata", "sample.md"), buf.Bytes())
}

func TestWriteMarkdownVerdictFirst(t *testing.T) {
	for _, v := range []report.Verdict{report.Pass, report.Review, report.Fail} {
		var buf bytes.Buffer
		if err := report.WriteMarkdown(&buf, reporttest.SampleReport(v)); err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(buf.String(), "\n")
		want := "# modelvet: " + strings.ToUpper(string(v)) + " — "
		if !strings.HasPrefix(first, want) {
			t.Errorf("first line %q, want it to start with %q", first, want)
		}
	}
}

// TestWriteMarkdownEscapesRelease checks that strings from the release
// cannot inject Markdown, HTML, terminal escapes or extra table cells.
func TestWriteMarkdownEscapesRelease(t *testing.T) {
	var buf bytes.Buffer
	if err := report.WriteMarkdown(&buf, reporttest.SampleReport(report.Fail)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"\x1b", "\u202e"} {
		if strings.Contains(out, bad) {
			t.Errorf("output contains %q", bad)
		}
	}
	// Markdown and HTML syntax from the release appears only escaped.
	if m := regexp.MustCompile(`(^|[^\\])(<img|\[click\]|\]\(http)`).FindString(out); m != "" {
		t.Errorf("output contains unescaped %q", m)
	}
	// Every row of a table has as many cells as its header.
	cells := 0
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "|") {
			cells = 0
			continue
		}
		n := countCells(line)
		if cells == 0 {
			cells = n
			continue
		}
		if n != cells {
			t.Errorf("table row has %d cells, header has %d: %q", n, cells, line)
		}
	}
}

// countCells counts the cells of a Markdown table row, ignoring escaped
// pipes.
func countCells(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n - 1
}
