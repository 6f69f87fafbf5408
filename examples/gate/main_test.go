package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/examples/internal/cli"
	"github.com/modelvet/modelvet/internal/testutil"
)

// demo writes small releases: one the policy below passes, one it sends
// to review, one it fails.
func demo(t *testing.T) (dir, policy string) {
	t.Helper()
	dir = t.TempDir()
	write := func(name, front string) {
		d := filepath.Join(dir, name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		card := "---\n" + front + "---\n# " + name + "\n"
		if err := os.WriteFile(filepath.Join(d, "README.md"), []byte(card), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "config.json"), []byte(`{"architectures":["LlamaForCausalLM"]}`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("approved-model", "license: acme-approved-1.0\n")
	write("unknown-licence-model", "license: mystery-licence\n")
	write("unlicensed-model", "base_model: acme/base\n")
	policy = filepath.Join(dir, "policy.yaml")
	pol := "name: gate-test\nwaivers:\n  - code: license.unknown\n    subject: acme-approved-1.0\n    reason: our own licence, approved by legal\n"
	if err := os.WriteFile(policy, []byte(pol), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, policy
}

func gate(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestGateTable(t *testing.T) {
	dir, policy := demo(t)
	targets := []string{
		filepath.Join(dir, "unlicensed-model"),
		filepath.Join(dir, "approved-model"),
		filepath.Join(dir, "unknown-licence-model"),
	}
	code, out, errs := gate(t, append([]string{"-policy", policy, "-j", "2"}, targets...)...)
	if code != cli.ExitFail {
		t.Errorf("exit %d, want %d (a model fails); stderr: %s", code, cli.ExitFail, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 4 || !strings.HasPrefix(lines[0], "MODEL") {
		t.Fatalf("table:\n%s", out)
	}
	// Input order, each with its verdict and top finding.
	want := []struct{ model, verdict, top string }{
		{"unlicensed-model", "FAIL", "license.missing"},
		{"approved-model", "PASS", "integrity.unverified"},
		{"unknown-licence-model", "REVIEW", "license.unknown (mystery-licence)"},
	}
	for i, w := range want {
		l := lines[i+1]
		if !strings.Contains(l, w.model) || !strings.Contains(l, w.verdict) || !strings.Contains(l, w.top) {
			t.Errorf("row %d = %q, want %s %s %s", i+1, l, w.model, w.verdict, w.top)
		}
	}
	if !strings.Contains(out, "3 models: 1 pass, 1 review, 1 fail, 0 could not be audited") {
		t.Errorf("no totals line:\n%s", out)
	}
}

func TestGateExitStatus(t *testing.T) {
	dir, policy := demo(t)
	for _, tc := range []struct {
		targets []string
		want    int
	}{
		{[]string{"approved-model"}, cli.ExitPass},
		{[]string{"approved-model", "unknown-licence-model"}, cli.ExitReview},
		{[]string{"unknown-licence-model", "unlicensed-model"}, cli.ExitFail},
		{[]string{"unlicensed-model", "no-such-model"}, cli.ExitError},
	} {
		args := []string{"-policy", policy}
		for _, m := range tc.targets {
			args = append(args, filepath.Join(dir, m))
		}
		if code, out, errs := gate(t, args...); code != tc.want {
			t.Errorf("%v: exit %d, want %d\n%s%s", tc.targets, code, tc.want, out, errs)
		}
	}
}

func TestGateListAndJSON(t *testing.T) {
	dir, policy := demo(t)
	list := filepath.Join(dir, "models.txt")
	content := "# models for the Q3 intake\n" + filepath.Join(dir, "approved-model") + "\n\n" +
		filepath.Join(dir, "unknown-licence-model") + "  # vendor B\n  # " + filepath.Join(dir, "unlicensed-model") + "\n"
	if err := os.WriteFile(list, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := gate(t, "-policy", policy, "-list", list, "-json")
	if code != cli.ExitReview {
		t.Errorf("exit %d, want review (%d); %s", code, cli.ExitReview, errs)
	}
	var res Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("-json output: %v\n%s", err, out)
	}
	if res.Policy != "gate-test" || len(res.Models) != 2 || res.Exit != code {
		t.Fatalf("result = %+v", res)
	}
	if res.Models[0].Verdict != "pass" || res.Models[1].Verdict != "review" || res.Totals["review"] != 1 {
		t.Errorf("models = %+v, totals %v", res.Models, res.Totals)
	}
}

func TestGateReports(t *testing.T) {
	dir, policy := demo(t)
	out := filepath.Join(t.TempDir(), "reports")
	code, _, errs := gate(t, "-policy", policy, "-reports", out, "-format", "sarif", filepath.Join(dir, "approved-model"), filepath.Join(dir, "unlicensed-model"))
	if code != cli.ExitFail {
		t.Errorf("exit %d; %s", code, errs)
	}
	for _, name := range []string{"001-approved-model.sarif", "002-unlicensed-model.sarif"} {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || !bytes.Contains(data, []byte(`"version": "2.1.0"`)) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestGateUsage(t *testing.T) {
	dir, _ := demo(t)
	for _, args := range [][]string{
		{},
		{"-j", "0", dir},
		{"-format", "xml", "-reports", t.TempDir(), dir},
		{"-policy", filepath.Join(dir, "missing.yaml"), dir},
		{"-list", filepath.Join(dir, "missing.txt")},
		{"-bogus"},
	} {
		if code, _, _ := gate(t, args...); code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want usage (%d)", args, code, cli.ExitUsage)
		}
	}
	if code, _, _ := gate(t, "-h"); code != cli.ExitPass {
		t.Errorf("-h: exit %d, want 0", code)
	}
	// One target: the total line says "1 model".
	if _, out, _ := gate(t, filepath.Join(dir, "no-such-model")); !strings.Contains(out, "\n1 model: ") {
		t.Errorf("total line for one target:\n%s", out)
	}
}

// TestGateCorpusCards gates the real model cards of the shared corpus, each
// copied into a release directory of its own.
func TestGateCorpusCards(t *testing.T) {
	root := testutil.Corpus(t, "cards", "real")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var targets []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".md") || e.Name() == "README.md" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		d := filepath.Join(dir, strings.TrimSuffix(e.Name(), ".md"))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "README.md"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		targets = append(targets, d)
	}
	code, out, errs := gate(t, append([]string{"-json"}, targets...)...)
	var res Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, errs)
	}
	if len(res.Models) != len(targets) {
		t.Fatalf("%d models, want %d", len(res.Models), len(targets))
	}
	for i, m := range res.Models {
		if m.Verdict == cli.VerdictError {
			t.Errorf("%s could not be audited: %s", targets[i], m.Error)
		}
	}
	if code == cli.ExitError || code == cli.ExitUsage {
		t.Errorf("exit %d", code)
	}
}
