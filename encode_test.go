package modelvet

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	gosarif "github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/modelvet/modelvet/internal/reporttest"
	"github.com/modelvet/modelvet/manifest"
	"github.com/modelvet/modelvet/report"
)

// verdictFrom reads the verdict back from one encoding of a report, the way
// a consumer of that format would find it.
func verdictFrom(t *testing.T, format string, out []byte) report.Verdict {
	t.Helper()
	switch format {
	case FormatJSON:
		r, err := report.ReadJSON(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		return r.Verdict
	case FormatText:
		first, _, _ := bytes.Cut(out, []byte("\n"))
		word, _, _ := strings.Cut(string(first), " ")
		return report.Verdict(strings.ToLower(word))
	case FormatMarkdown:
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			if m := regexp.MustCompile(`^# modelvet: ([A-Z]+) `).FindStringSubmatch(sc.Text()); m != nil {
				return report.Verdict(strings.ToLower(m[1]))
			}
		}
		t.Fatal("no verdict heading in the Markdown")
	case FormatSARIF:
		log, err := gosarif.FromBytes(out)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := log.Runs[0].Properties["verdict"].(string)
		return report.Verdict(v)
	case FormatCycloneDX:
		var bom cdx.BOM
		if err := cdx.NewBOMDecoder(bytes.NewReader(out), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
			t.Fatal(err)
		}
		for _, p := range *bom.Properties {
			if p.Name == "modelvet:verdict" {
				return report.Verdict(p.Value)
			}
		}
		t.Fatal("no modelvet:verdict property in the BOM")
	}
	t.Fatalf("no reader for %s", format)
	return ""
}

// TestSameVerdictThroughEveryEncoder encodes reports in every format and
// reads the verdict back from each: it must be the report's, whatever the
// findings say (encoders carry the verdict, never recompute it).
func TestSameVerdictThroughEveryEncoder(t *testing.T) {
	reports := map[string]*report.Report{}
	for _, v := range []report.Verdict{report.Pass, report.Review, report.Fail} {
		reports["sample-"+string(v)] = reporttest.SampleReport(v)
	}
	// Real audits of generated releases under policies that give each
	// verdict.
	dir := t.TempDir()
	clock := WithClock(func() time.Time { return day })
	for name, tc := range map[string]struct{ front, policy string }{
		"audit-fail":   {"base_model: acme/base\n", ""},
		"audit-review": {"license: acme-licence-9\n", ""},
		"audit-pass":   {"license: acme-licence-9\n", "waivers: [{code: license.unknown, subject: acme-licence-9, reason: approved}]"},
	} {
		rel := writeRelease(t, filepath.Join(dir, name), tc.front)
		p := mustPolicy(t, tc.policy)
		rep, err := Audit(context.Background(), manifest.Dir(rel), clock, WithPolicy(p))
		if err != nil {
			t.Fatal(err)
		}
		if want := report.Verdict(strings.TrimPrefix(name, "audit-")); rep.Verdict != want {
			t.Fatalf("%s: audit verdict %s, want %s", name, rep.Verdict, want)
		}
		reports[name] = rep
	}
	for name, rep := range reports {
		for _, format := range Formats() {
			var buf bytes.Buffer
			if err := Encode(&buf, format, rep); err != nil {
				t.Fatalf("%s as %s: %v", name, format, err)
			}
			if got := verdictFrom(t, format, buf.Bytes()); got != rep.Verdict {
				t.Errorf("%s as %s: verdict %q, want %q", name, format, got, rep.Verdict)
			}
		}
	}
}

// TestEncodersDoNotChangeReport checks that encoding leaves the report as
// it was (no encoder normalises, sorts or rewrites the one report).
func TestEncodersDoNotChangeReport(t *testing.T) {
	rep := reporttest.SampleReport(report.Review)
	var before bytes.Buffer
	if err := report.WriteJSON(&before, rep); err != nil {
		t.Fatal(err)
	}
	for _, f := range Formats() {
		if err := Encode(&bytes.Buffer{}, f, rep); err != nil {
			t.Fatal(err)
		}
	}
	var after bytes.Buffer
	if err := report.WriteJSON(&after, rep); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before.Bytes(), after.Bytes()) {
		t.Error("an encoder changed the report")
	}
	if !json.Valid(after.Bytes()) {
		t.Error("JSON report is not valid JSON")
	}
}

func TestEncoderNames(t *testing.T) {
	if got := Formats(); !slices.Equal(got, []string{"text", "json", "markdown", "sarif", "cyclonedx"}) {
		t.Errorf("Formats() = %v", got)
	}
	for _, f := range []string{"JSON", " sarif", "md"} {
		if _, err := Encoder(f); err != nil {
			t.Errorf("Encoder(%q): %v", f, err)
		}
	}
	if _, err := Encoder("xml"); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("Encoder(xml) err = %v, want ErrUnknownFormat", err)
	}
}
