package modelvet_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet"
	"github.com/modelvet/modelvet/internal/hubtest"
	"github.com/modelvet/modelvet/manifest"
)

// findingLines lists a report's findings as code, severity, subject and
// message, with the release's own name replaced so that a release read
// from disk and from the Hub compare.
func findingLines(rep *modelvet.Report) []string {
	var out []string
	name := rep.Subject.Name
	for _, f := range rep.Findings {
		subject := strings.ReplaceAll(f.Subject, name, "<release>")
		msg := strings.ReplaceAll(f.Message, name, "<release>")
		out = append(out, fmt.Sprintf("%s %s %s: %s", f.Code, f.Severity, subject, msg))
	}
	return out
}

// TestHubAuditSameAsDisk audits one release on disk and served by a fake
// Hub, and requires the same findings and verdict.
func TestHubAuditSameAsDisk(t *testing.T) {
	repo := hubtest.ExampleRepo()
	dir := hubtest.WriteDir(t, repo)
	srv := hubtest.New(t, repo)
	local := auditDir(t, dir)
	src, err := manifest.Hub("acme/chat-7b", manifest.HubOptions{Endpoint: srv.URL(), NoToken: true})
	if err != nil {
		t.Fatal(err)
	}
	remote, err := modelvet.Audit(context.Background(), src, modelvet.WithClock(fixedClock), modelvet.WithoutHashingUnsafe())
	if err != nil {
		t.Fatal(err)
	}
	// One difference is expected: the Hub release knows its repository id,
	// so the audited model's developer (its organisation) is established;
	// a plain directory named chat-7b does not say it.
	lf, rf := findingLines(local), findingLines(remote)
	own := "provenance.origin info <release>: <release> was developed by acme"
	if i := slices.IndexFunc(rf, func(s string) bool { return strings.HasPrefix(s, own) }); i >= 0 && !slices.ContainsFunc(lf, func(s string) bool { return strings.HasPrefix(s, own) }) {
		rf = slices.Delete(rf, i, i+1)
	} else {
		t.Errorf("the Hub audit does not name the audited model's developer")
	}
	if !slices.Equal(lf, rf) {
		t.Errorf("findings differ:\ndisk:\n  %s\nhub:\n  %s", strings.Join(lf, "\n  "), strings.Join(rf, "\n  "))
	}
	if local.Verdict != remote.Verdict {
		t.Errorf("verdict: disk %s, hub %s", local.Verdict, remote.Verdict)
	}
	if remote.Subject.Name != "acme/chat-7b" || remote.Subject.Kind != "hf-hub" || remote.Subject.Revision != repo.SHA {
		t.Errorf("subject = %+v", remote.Subject)
	}
	if !slices.Equal(local.Subject.Formats, remote.Subject.Formats) || len(local.Files) != len(remote.Files) {
		t.Errorf("formats %v vs %v, %d vs %d files", local.Subject.Formats, remote.Subject.Formats, len(local.Files), len(remote.Files))
	}
	// The Hub's LFS digests reach the report's file list.
	for _, f := range remote.Files {
		if strings.HasSuffix(f.Path, ".safetensors") && !strings.HasPrefix(f.Digest, "sha256:") {
			t.Errorf("%s: no published digest in the report", f.Path)
		}
	}
}

// TestHubAuditFailures checks that a repository that cannot be read fails
// the audit with a clear error, and one whose files are refused is audited
// with findings saying which files and why.
func TestHubAuditFailures(t *testing.T) {
	gated := hubtest.ExampleRepo()
	gated.Gated = "manual"
	srv := hubtest.New(t, gated)
	audit := func(ref string) (*modelvet.Report, error) {
		src, err := manifest.Hub(ref, manifest.HubOptions{Endpoint: srv.URL(), NoToken: true, Retries: -1})
		if err != nil {
			t.Fatal(err)
		}
		return modelvet.Audit(context.Background(), src, modelvet.WithClock(fixedClock), modelvet.WithoutHashingUnsafe())
	}
	if _, err := audit("acme/missing"); !errors.Is(err, manifest.ErrNotFound) || !strings.Contains(err.Error(), "hf:acme/missing: repository acme/missing not found") {
		t.Errorf("missing repository: %v", err)
	}
	rep, err := audit("acme/chat-7b")
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, f := range rep.Findings {
		if f.Code == "format.malformed" && strings.Contains(f.Message, "is gated") && strings.Contains(f.Message, "HF_TOKEN") {
			refused++
		}
	}
	if refused == 0 || rep.Verdict == modelvet.Pass {
		t.Errorf("gated repository: %d refusal findings, verdict %s", refused, rep.Verdict)
	}
}
