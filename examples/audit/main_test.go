package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/internal/testmodel"
	"github.com/modelvet/modelvet/internal/testutil"
)

func demo(name string) string { return filepath.Join("..", "..", "testdata", "models", name) }

func runAudit(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitStatus(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"pass", []string{demo("tinyllama-apache")}, exitPass},
		{"fail (no licence, remote code)", []string{demo("unlabelled-chat")}, exitFail},
		{"no target", nil, exitUsage},
		{"unknown flag", []string{"-nope", demo("tinyllama-apache")}, exitUsage},
		{"unknown format", []string{"-format", "xml", demo("tinyllama-apache")}, exitUsage},
		{"missing target", []string{filepath.Join(empty, "absent")}, exitError},
		{"empty directory", []string{empty}, exitError},
		{"worst of several", []string{demo("tinyllama-apache"), demo("unlabelled-chat")}, exitFail},
		{"bad policy file", []string{"-policy", filepath.Join(empty, "absent.yaml"), demo("tinyllama-apache")}, exitUsage},
		{"help", []string{"-h"}, exitPass},
		{"empty jurisdiction list", []string{"-jurisdiction", ",", demo("tinyllama-apache")}, exitUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runAudit(t, tc.args...)
			if code != tc.want {
				t.Errorf("exit %d, want %d (stderr: %s)", code, tc.want, stderr)
			}
		})
	}
}

func TestJSONOutputValidates(t *testing.T) {
	for _, name := range []string{"tinyllama-apache", "support-bot-llama3", "unlabelled-chat"} {
		_, out, stderr := runAudit(t, "-format", "json", demo(name))
		if out == "" {
			t.Fatalf("%s: no output (stderr: %s)", name, stderr)
		}
		testutil.ValidateReport(t, []byte(out))
		var rep struct{ Verdict string }
		if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Verdict == "" {
			t.Errorf("%s: verdict missing: %v", name, err)
		}
	}
}

func TestTextOutputStartsWithVerdict(t *testing.T) {
	_, out, _ := runAudit(t, demo("unlabelled-chat"))
	if !strings.HasPrefix(out, "FAIL ") {
		t.Errorf("text report should start with the verdict, got %q", strings.SplitN(out, "\n", 2)[0])
	}
}

func TestPolicyErrorHasLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(p, []byte("name: strict\nverdict:\n  fail_at: severe\n  review_at: low\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runAudit(t, "-policy", p, demo("tinyllama-apache"))
	if code != exitUsage || !strings.Contains(stderr, "policy.yaml:") {
		t.Errorf("exit %d, stderr %q: want usage error citing the policy file and line", code, stderr)
	}
}

// An unknown jurisdiction is a usage error that lists the known ones, from
// the flag and from a policy file (with its line).
func TestUnknownJurisdiction(t *testing.T) {
	code, out, stderr := runAudit(t, "-jurisdiction", "us-ks,nope", demo("tinyllama-apache"))
	if code != exitUsage || out != "" || !strings.Contains(stderr, `unknown jurisdiction "nope"`) || !strings.Contains(stderr, "us-federal") {
		t.Errorf("exit %d, stderr %q: want a usage error naming nope and listing the known jurisdictions", code, stderr)
	}
	if code, _, stderr := runAudit(t, "-jurisdiction", "us-*,au", demo("tinyllama-apache")); code != exitPass {
		t.Errorf("wildcards: exit %d (%s)", code, stderr)
	}
	p := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(p, []byte("name: ours\njurisdictions:\n  - us-federal\n  - us-kansas\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runAudit(t, "-policy", p, demo("tinyllama-apache"))
	if code != exitUsage || !strings.Contains(stderr, "policy.yaml:4: unknown jurisdiction \"us-kansas\"") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// A Downloads folder holding two unrelated models gives one report for
// each, never one merged release, and the worst exit status.
func TestFolderOfUnrelatedReleases(t *testing.T) {
	dir := t.TempDir()
	if _, err := testmodel.WriteDownloads(dir); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runAudit(t, "-format", "json", "-jurisdiction", "us-dod", dir)
	dec := json.NewDecoder(strings.NewReader(out))
	var names []string
	worst := exitPass
	for dec.More() {
		var rep struct {
			Verdict string
			Subject struct{ Name string }
			Lineage []struct{ Model string }
		}
		if err := dec.Decode(&rep); err != nil {
			t.Fatal(err)
		}
		names = append(names, rep.Subject.Name)
		for _, n := range rep.Lineage {
			if strings.Contains(n.Model, "Qwen") && strings.Contains(n.Model, "Llama") {
				t.Errorf("a lineage node mixes the models: %s", n.Model)
			}
		}
		worst = worse(worst, map[string]int{"pass": exitPass, "review": exitReview, "fail": exitFail}[rep.Verdict])
	}
	slices.Sort(names)
	if want := []string{"Llama-3.2-1B-Instruct-Q4_K_M.gguf", "Qwen2.5-7B-Instruct-Q4_K_M.gguf"}; !slices.Equal(names, want) {
		t.Errorf("reports for %q, want %q (stderr: %s)", names, want, stderr)
	}
	if code != worst || code != exitFail || !strings.Contains(stderr, "holds 2 unrelated releases") {
		t.Errorf("exit %d (worst verdict %d), stderr %q", code, worst, stderr)
	}
}
