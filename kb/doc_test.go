package kb

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/internal/testutil"
)

const (
	jurisBegin = "<!-- jurisdictions:begin -->\n"
	jurisEnd   = "<!-- jurisdictions:end -->"
)

// jurisdictionTable renders the selectable jurisdictions and their
// instruments as Markdown.
func jurisdictionTable(k *KB) string {
	var b strings.Builder
	b.WriteString("| id | jurisdiction | row | instrument | status | date | reach |\n|---|---|---|---|---|---|---|\n")
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for _, j := range k.Jurisdictions() {
		for _, p := range k.PoliciesFor(j.ID) {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s, self-hosted: %s |\n", j.ID, esc(j.Name), p.Row, esc(p.Instrument), esc(p.StatusText), p.Date, p.Covers.Scope, p.Covers.SelfHosted)
		}
	}
	fmt.Fprintf(&b, "\n%d jurisdictions, %d instruments; knowledge base %s as of %s.\n", len(k.Jurisdictions()), len(k.Policies), k.Version(), k.Date())
	return b.String()
}

func TestKnowledgeBaseDoc(t *testing.T) {
	path := filepath.Join(testutil.ModuleRoot(t), "docs", "KNOWLEDGE-BASE.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, jurisBegin), strings.Index(doc, jurisEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no jurisdictions markers", path)
	}
	want := doc[:i+len(jurisBegin)] + jurisdictionTable(Default()) + doc[j:]
	if *testutil.Update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if doc != want {
		t.Errorf("the jurisdiction list in %s is stale: run go test ./kb -run TestKnowledgeBaseDoc -update", path)
	}
}
