package cyclonedx_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/modelvet/modelvet/internal/reporttest"
	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/report"
	"github.com/modelvet/modelvet/report/cyclonedx"
)

func encode(t *testing.T, r *report.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := cyclonedx.Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// schema compiles the CycloneDX 1.6 JSON schema shipped in the
// cyclonedx-go module (read from the module cache, never copied).
func schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/CycloneDX/cyclonedx-go")
	cmd.Dir = testutil.ModuleRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("locating the cyclonedx-go module: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "schema")
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for url, file := range map[string]string{
		"http://cyclonedx.org/schema/bom-1.6.schema.json":  "bom-1.6.schema.json",
		"http://cyclonedx.org/schema/spdx.schema.json":     "spdx.schema.json",
		"http://cyclonedx.org/schema/jsf-0.82.schema.json": "jsf-0.82.schemax.json",
	} {
		f, err := os.Open(filepath.Join(dir, file))
		if err != nil {
			t.Fatalf("CycloneDX schema: %v", err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if err := c.AddResource(url, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatalf("compiling the CycloneDX 1.6 schema: %v", err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, out []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("BOM does not validate against the CycloneDX 1.6 schema: %v", err)
	}
}

func TestValidatesAgainstSchema(t *testing.T) {
	s := schema(t)
	for _, v := range []report.Verdict{report.Pass, report.Review, report.Fail} {
		validate(t, s, encode(t, reporttest.SampleReport(v)))
	}
	empty := &report.Report{Schema: report.Schema, Tool: report.Tool{Name: "modelvet", Version: "0.1.0"}, Verdict: report.Pass, AuditedAt: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC), Subject: report.Subject{Name: "m"}}
	empty.Normalize()
	validate(t, s, encode(t, empty))
}

// TestSchemaRejectsBrokenBOM shows the validator is in force: a BOM with
// a component type outside the schema's enumeration is rejected.
func TestSchemaRejectsBrokenBOM(t *testing.T) {
	out := encode(t, reporttest.SampleReport(report.Pass))
	bad := bytes.Replace(out, []byte(`"machine-learning-model"`), []byte(`"ml-model"`), 1)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
	if err != nil {
		t.Fatal(err)
	}
	if schema(t).Validate(inst) == nil {
		t.Error("the schema accepted an invalid component type")
	}
}

func TestWriteGolden(t *testing.T) {
	testutil.Golden(t, filepath.Join("testdata", "sample.cdx.json"), encode(t, reporttest.SampleReport(report.Review)))
}

// TestRoundTrip decodes the BOM with the CycloneDX library and checks the
// mapping of the report.
func TestRoundTrip(t *testing.T) {
	rep := reporttest.SampleReport(report.Fail)
	out := encode(t, rep)
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(out), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatal(err)
	}
	if bom.SpecVersion != cdx.SpecVersion1_6 || bom.BOMFormat != "CycloneDX" || !strings.Contains(bom.JSONSchema, "bom-1.6") {
		t.Errorf("spec %s, format %s, $schema %s; want CycloneDX 1.6", bom.SpecVersion, bom.BOMFormat, bom.JSONSchema)
	}
	if bom.Metadata == nil || bom.Metadata.Timestamp != rep.AuditedAt.Format(time.RFC3339) {
		t.Errorf("timestamp = %+v, want the report's audited_at", bom.Metadata)
	}
	if prop(bom.Properties, cyclonedx.PropVerdict) != "fail" {
		t.Errorf("verdict property = %q", prop(bom.Properties, cyclonedx.PropVerdict))
	}
	if bom.Components == nil || len(*bom.Components) != 1 {
		t.Fatalf("components = %v, want the model", bom.Components)
	}
	m := (*bom.Components)[0]
	if m.Type != cdx.ComponentTypeMachineLearningModel || m.Name != rep.Subject.Name || m.Version != rep.Subject.Revision {
		t.Errorf("model component = %s %q %q", m.Type, m.Name, m.Version)
	}
	if m.PackageURL != "pkg:huggingface/acme/DeepThought-8B-Instruct@"+rep.Subject.Revision {
		t.Errorf("purl = %q", m.PackageURL)
	}
	if m.ModelCard == nil || m.ModelCard.ModelParameters == nil {
		t.Fatal("no model card parameters")
	}
	mp := m.ModelCard.ModelParameters
	if mp.ArchitectureFamily != "llama" || mp.ModelArchitecture != "LlamaForCausalLM" || mp.Task != "text-generation" {
		t.Errorf("model parameters = %+v", mp)
	}
	if mp.Datasets == nil || len(*mp.Datasets) != 2 || (*mp.Datasets)[0].ComponentData == nil || (*mp.Datasets)[0].ComponentData.Name != "acme/instructions-v2" {
		t.Errorf("datasets = %+v", mp.Datasets)
	}
	if m.ModelCard.Considerations == nil || m.ModelCard.Considerations.EthicalConsiderations == nil {
		t.Error("acceptable-use terms are not in the considerations")
	}
	// Licences: SPDX id when on the list, else name.
	var ids, names []string
	for _, l := range *m.Licenses {
		if l.License.Acknowledgement != cdx.LicenseAcknowledgementDeclared {
			t.Errorf("licence %+v not acknowledged as declared", l.License)
		}
		if l.License.ID != "" {
			ids = append(ids, l.License.ID)
		} else {
			names = append(names, l.License.Name)
		}
	}
	if !slices.Equal(ids, []string{"Apache-2.0"}) || len(names) != 2 || !slices.Contains(names, "Llama 3.1 Community License") {
		t.Errorf("licences: ids %v, names %v", ids, names)
	}
	// Files, with hashes when known.
	hashed := 0
	for _, f := range *m.Components {
		if f.Type != cdx.ComponentTypeFile {
			t.Errorf("sub-component %s is %s, not a file", f.Name, f.Type)
		}
		if f.Hashes != nil {
			hashed++
			if (*f.Hashes)[0].Algorithm != cdx.HashAlgoSHA256 || len((*f.Hashes)[0].Value) != 64 {
				t.Errorf("hash of %s = %+v", f.Name, *f.Hashes)
			}
		}
	}
	if len(*m.Components) != len(rep.Files) || hashed != 1 {
		t.Errorf("%d file components (%d hashed), want %d (1)", len(*m.Components), hashed, len(rep.Files))
	}
	// Lineage as pedigree.
	if m.Pedigree == nil || m.Pedigree.Ancestors == nil || len(*m.Pedigree.Ancestors) != 3 {
		t.Fatalf("pedigree = %+v, want 3 ancestors", m.Pedigree)
	}
	a := (*m.Pedigree.Ancestors)[0]
	if a.Name != "deepseek-ai/DeepSeek-R1-Distill-Llama-8B" || a.Supplier == nil || a.Supplier.Name != "DeepSeek" || a.Supplier.Address.Country != "CN" || prop(a.Properties, "modelvet:relation") != "finetune" {
		t.Errorf("first ancestor = %+v", a)
	}
	if strings.ContainsAny(string(out), "\x1b\u202e") {
		t.Error("BOM carries terminal escapes or bidi overrides from the release")
	}
}

func prop(ps *[]cdx.Property, name string) string {
	if ps == nil {
		return ""
	}
	for _, p := range *ps {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// TestDeterministic checks that the same report gives the same BOM, and a
// different report a different serial number.
func TestDeterministic(t *testing.T) {
	a := encode(t, reporttest.SampleReport(report.Review))
	b := encode(t, reporttest.SampleReport(report.Review))
	if !bytes.Equal(a, b) {
		t.Error("two encodings of the same report differ")
	}
	c := encode(t, reporttest.SampleReport(report.Fail))
	serial := func(out []byte) string {
		var bom cdx.BOM
		if err := cdx.NewBOMDecoder(bytes.NewReader(out), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
			t.Fatal(err)
		}
		return bom.SerialNumber
	}
	if serial(a) == serial(c) {
		t.Error("different reports share a serial number")
	}
	if !strings.HasPrefix(serial(a), "urn:uuid:") {
		t.Errorf("serial %q", serial(a))
	}
}
