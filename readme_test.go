package modelvet

import (
	"os"
	"strings"
	"testing"
)

// The README's first program is examples/quickstart, verbatim, and its
// go get line names the version the module reports.
func TestReadmeUsingTheLibrary(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	prog, err := os.ReadFile("examples/quickstart/main.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+string(prog)+"```") {
		t.Error("README.md does not show examples/quickstart/main.go as it is")
	}
	if want := "go get github.com/modelvet/modelvet@v" + Version; !strings.Contains(string(readme), want) {
		t.Errorf("README.md does not say %q", want)
	}
}
