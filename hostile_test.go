package modelvet_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelvet/modelvet"
	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/manifest"
	"github.com/modelvet/modelvet/report"
)

func writeRelease(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func findingsOf(rep *modelvet.Report, code finding.Code) []finding.Finding {
	var out []finding.Finding
	for _, f := range rep.Findings {
		if f.Code == code {
			out = append(out, f)
		}
	}
	return out
}

func TestBrokenYAMLCard(t *testing.T) {
	dir := writeRelease(t, map[string]string{
		"README.md":   "---\nlicense: apache-2.0\nbase_model: [a/b\ndatasets: x\n---\n# Model\n",
		"config.json": `{"model_type": "llama"}`,
	})
	rep := auditDir(t, dir)
	got := findingsOf(rep, finding.FormatMalformed)
	if len(got) != 1 {
		t.Fatalf("format.malformed findings = %v, want one", got)
	}
	f := got[0]
	if f.Evidence[0].Path != "README.md" || f.Evidence[0].Line < 3 || f.Evidence[0].Line > 5 {
		t.Errorf("evidence = %+v, want README.md near line 3-5", f.Evidence)
	}
	if !strings.Contains(f.Message, "README.md") || !strings.Contains(f.Message, "YAML") {
		t.Errorf("message %q should name the card and say the YAML is broken", f.Message)
	}
	if f.Severity == "" || rep.Verdict == modelvet.Pass {
		t.Errorf("severity %q, verdict %s: a card that does not parse must not pass", f.Severity, rep.Verdict)
	}
}

func TestUnclosedFrontMatter(t *testing.T) {
	dir := writeRelease(t, map[string]string{"README.md": "---\nlicense: mit\n# no closing line\n"})
	rep := auditDir(t, dir)
	got := findingsOf(rep, finding.FormatMalformed)
	if len(got) != 1 || !strings.Contains(got[0].Message, "never closed") {
		t.Fatalf("want one format.malformed saying the front matter is never closed, got %v", got)
	}
}

func TestHugeCard(t *testing.T) {
	dir := t.TempDir()
	big := bytes.Repeat([]byte("lorem ipsum dolor sit amet\n"), 50<<20/27+1)
	card := append([]byte("---\nlicense: mit\n---\n"), big...)
	if err := os.WriteFile(filepath.Join(dir, "README.md"), card, 0o644); err != nil {
		t.Fatal(err)
	}
	rep := auditDir(t, dir)
	got := findingsOf(rep, finding.FormatMalformed)
	if len(got) != 1 || !strings.Contains(got[0].Message, "over the") {
		t.Fatalf("want one format.malformed saying the card is over the limit, got %v", got)
	}
	if rep.Files[0].Size != int64(len(card)) {
		t.Errorf("file size %d, want %d", rep.Files[0].Size, len(card))
	}
}

func TestTerminalEscapesSanitised(t *testing.T) {
	esc := "\x1b]0;pwned\x07\x1b[2J\x1b[31m"
	dir := writeRelease(t, map[string]string{
		"README.md":      "---\nlicense: \"" + strings.ReplaceAll(esc, "\x1b", `\e`) + "apache\"\nbase_model: \"evil\u202eorg/model\"\n---\n# x\n",
		"config.json":    `{"auto_map": {"AutoModel": "` + strings.ReplaceAll(esc, "\x1b", `\u001b`) + `m.M"}}`,
		esc[:4] + ".bin": "zzz",
	})
	rep := auditDir(t, dir)
	var txt bytes.Buffer
	if err := report.WriteText(&txt, rep, report.TextOptions{Files: true}); err != nil {
		t.Fatal(err)
	}
	out := txt.String()
	for _, bad := range []string{"\x1b", "\x07", "\u202e"} {
		if strings.Contains(out, bad) {
			t.Errorf("text report contains %q:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, `\x1b`) {
		t.Errorf("escape sequences should be shown escaped, got:\n%s", out)
	}
	// The JSON keeps the exact values, escaped as JSON requires.
	var js bytes.Buffer
	report.WriteJSON(&js, rep)
	if bytes.Contains(js.Bytes(), []byte("\x1b")) {
		t.Error("JSON report contains a raw escape byte")
	}
}

func TestEmptyDirectory(t *testing.T) {
	_, err := modelvet.Audit(context.Background(), manifest.Dir(t.TempDir()))
	if !errors.Is(err, manifest.ErrEmpty) {
		t.Fatalf("Audit(empty dir) error = %v, want ErrEmpty", err)
	}
}

func TestMissingLicense(t *testing.T) {
	dir := writeRelease(t, map[string]string{"README.md": "---\nlanguage: en\n---\n# A model\n", "config.json": `{}`})
	rep := auditDir(t, dir)
	if got := findingsOf(rep, finding.LicenseMissing); len(got) != 1 {
		t.Fatalf("license.missing findings = %v", got)
	}
	if rep.Verdict != modelvet.Fail {
		t.Errorf("verdict %s, want fail for a model with no licence under the default policy", rep.Verdict)
	}
}
