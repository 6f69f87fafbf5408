package testutil

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var (
	reportSchemaOnce sync.Once
	reportSchema     *jsonschema.Schema
	reportSchemaErr  error
)

// ValidateReport checks a JSON report against the contract's JSON Schema
// (report/schema.json).
func ValidateReport(t testing.TB, data []byte) {
	t.Helper()
	reportSchemaOnce.Do(func() {
		path := filepath.Join(ModuleRoot(t), "report", "schema.json")
		raw, err := os.ReadFile(path)
		if err != nil {
			reportSchemaErr = err
			return
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			reportSchemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource("schema.json", doc); err != nil {
			reportSchemaErr = err
			return
		}
		reportSchema, reportSchemaErr = c.Compile("schema.json")
	})
	if reportSchemaErr != nil {
		t.Fatalf("report schema: %v", reportSchemaErr)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	if err := reportSchema.Validate(v); err != nil {
		t.Errorf("report does not validate against report/schema.json: %v", err)
	}
}
