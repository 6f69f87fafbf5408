package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/internal/hubtest"
)

// runJSON runs the program with -format json and returns the exit status,
// the findings (with the release's name replaced) and stderr.
func runJSON(t *testing.T, target string) (int, []string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	status := run([]string{"-format", "json", target}, &out, &errb)
	if out.Len() == 0 {
		return status, nil, errb.String()
	}
	var rep struct {
		Subject  struct{ Name string }
		Findings []struct{ Code, Severity, Subject, Message string }
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	var fs []string
	for _, f := range rep.Findings {
		fs = append(fs, strings.ReplaceAll(f.Code+" "+f.Severity+" "+f.Subject+": "+f.Message, rep.Subject.Name, "<release>"))
	}
	return status, fs, errb.String()
}

// TestHubTarget runs the program on hf:ORG/NAME against a fake Hub (found
// through HF_ENDPOINT) and on the same release on disk.
func TestHubTarget(t *testing.T) {
	repo := hubtest.ExampleRepo()
	dir := hubtest.WriteDir(t, repo)
	srv := hubtest.New(t, repo)
	t.Setenv("HF_ENDPOINT", srv.URL())
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_HUB_OFFLINE", "")

	ds, df, _ := runJSON(t, dir)
	hs, hf, herr := runJSON(t, "hf:acme/chat-7b")
	// The Hub release knows its repository id, so the developer of the
	// audited model (its organisation) is established; the directory does
	// not say it. That finding is the one expected difference.
	hf = slices.DeleteFunc(hf, func(s string) bool {
		return strings.HasPrefix(s, "provenance.origin info <release>: <release> was developed by acme")
	})
	if herr != "" || ds != hs || !slices.Equal(df, hf) {
		t.Errorf("disk: status %d\n  %s\nhub: status %d, stderr %q\n  %s", ds, strings.Join(df, "\n  "), hs, herr, strings.Join(hf, "\n  "))
	}

	status, _, stderr := runJSON(t, "hf:acme/missing")
	if status != exitError || !strings.Contains(stderr, "repository acme/missing not found") || !strings.Contains(stderr, "HF_TOKEN") {
		t.Errorf("missing repository: status %d, stderr %q", status, stderr)
	}
	status, _, stderr = runJSON(t, "hf:not/a/repo")
	if status == exitPass || !strings.Contains(stderr, "more than one '/'") {
		t.Errorf("bad reference: status %d, stderr %q", status, stderr)
	}
	t.Setenv("HF_HUB_OFFLINE", "1")
	status, _, stderr = runJSON(t, "hf:acme/chat-7b")
	if status != exitError || !strings.Contains(stderr, "HF_HUB_OFFLINE") {
		t.Errorf("offline: status %d, stderr %q", status, stderr)
	}
}
