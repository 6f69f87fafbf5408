package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelvet/modelvet"
	"github.com/modelvet/modelvet/examples/internal/cli"
	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/manifest"
	"github.com/modelvet/modelvet/report"
)

// censusAt is the census's time in the tests.
const censusAt = "2026-12-01T00:00:00Z"

// runCensus runs the census on Prism with args (the census's flags) and
// returns the output directory.
func runCensus(t *testing.T, args ...string) string {
	t.Helper()
	out := t.TempDir()
	var o options
	fs := flag.NewFlagSet("census", flag.ContinueOnError)
	o.register(fs)
	args = append([]string{"-out", out, "-at", censusAt, "-api-quota", "0", "-resolve-quota", "0"}, args...)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	c, err := o.config(set, fs.Args())
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if st := run(context.Background(), c, true, &stderr); st != cli.ExitPass {
		t.Fatalf("census exited %d:\n%s", st, stderr.String())
	}
	t.Logf("census %s:\n%s", strings.Join(args[6:], " "), lastLines(stderr.String(), 3))
	return out
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// readLines reads a JSONL output.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) == 0 {
		return nil
	}
	if data[len(data)-1] != '\n' {
		t.Fatalf("%s does not end in a newline", path)
	}
	return strings.Split(string(data[:len(data)-1]), "\n")
}

// expected is what the census must find, worked out from the fixture's
// structure and from each repository audited as examples/audit audits it.
type expected struct {
	reports map[string]string // id → report on one line
	parsed  map[string]*report.Report
	errors  map[string]string    // id → kind
	edges   map[[3]string]bool   // derivative, base, relation
	roots   map[string]rootTally // root model → its descendants
}

// expect audits each repository of the fixture as examples/audit -format
// json does (manifest.Parse, the flags' options, the JSON encoder), on the
// census's clock, and derives the lineage from the fixture.
func expect(t *testing.T, repos []fixtureRepo) expected {
	t.Helper()
	var f cli.Flags
	opts, err := f.Options()
	if err != nil {
		t.Fatal(err)
	}
	at, _ := time.Parse(time.RFC3339, censusAt)
	a, err := modelvet.New(append(opts, modelvet.WithClock(func() time.Time { return at }))...)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := modelvet.Encoder(modelvet.FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	e := expected{reports: map[string]string{}, parsed: map[string]*report.Report{}, errors: map[string]string{}, edges: map[[3]string]bool{}, roots: map[string]rootTally{}}
	kinds := map[string]string{"deleted": "not-found", "empty": "empty", "corrupt": "invalid-response"}
	byID := map[string]fixtureRepo{}
	for _, r := range repos {
		byID[r.ID] = r
	}
	for _, r := range repos {
		src, err := manifest.Parse("hf:" + r.ID)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := a.Audit(context.Background(), src)
		if r.Broken != "" {
			if err == nil {
				t.Fatalf("%s (%s) was audited", r.ID, r.Broken)
			}
			e.errors[r.ID] = kinds[r.Broken]
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
		var doc, line bytes.Buffer
		if err := enc(&doc, rep); err != nil {
			t.Fatal(err)
		}
		if err := json.Compact(&line, doc.Bytes()); err != nil {
			t.Fatal(err)
		}
		e.reports[r.ID], e.parsed[r.ID] = line.String(), rep

		// The lineage: the fixture's chain of bases, then what the
		// knowledge base records of the model at its top.
		chain := []string{r.ID}
		for b := r; b.Base != ""; b = byID[b.Base] {
			e.edges[[3]string{b.ID, b.Base, b.Relation}] = true
			chain = append(chain, b.Base)
		}
		for m := kb.Default().Model(chain[len(chain)-1]); m != nil && len(m.Bases) > 0; m = kb.Default().Model(m.Bases[0].Model) {
			e.edges[[3]string{chain[len(chain)-1], m.Bases[0].Model, string(m.Bases[0].Relation)}] = true
			chain = append(chain, m.Bases[0].Model)
		}
		if len(chain) > 1 {
			root := chain[len(chain)-1]
			rt := e.roots[root]
			if rt.Licenses == nil {
				rt.Licenses, rt.Verdicts = map[string]int{}, map[string]int{}
			}
			rt.Descendants++
			if len(chain) == 2 {
				rt.Direct++
			}
			for _, l := range reportLicenses(rep) {
				rt.Licenses[l]++
			}
			rt.Verdicts[string(rep.Verdict)]++
			e.roots[root] = rt
		}
	}
	return e
}

// reportLicenses are a report's licence ids, or "(unknown)".
func reportLicenses(rep *report.Report) []string {
	var ids []string
	for _, l := range rep.Licenses {
		if !slices.Contains(ids, l.ID) {
			ids = append(ids, l.ID)
		}
	}
	if len(ids) == 0 {
		return []string{"(unknown)"}
	}
	return ids
}

// summaryOf works out summary.json from the expected reports: verdicts;
// origin (the first lineage node whose developer is known); licences; per
// jurisdiction, reports with a government-policy finding of it whose
// confidence is declared or verified (certain), else any (possible); and
// the roots from the fixture.
func (e expected) summaryOf(t *testing.T, repos int) summary {
	t.Helper()
	policyJurisdiction := map[string]string{}
	for _, p := range kb.Default().Policies {
		policyJurisdiction[p.ID] = p.Jurisdiction
	}
	s := summary{
		Schema: summarySchema, AuditedAt: censusAt, Policy: "default", Jurisdictions: []string{"us-federal", "us-dod"},
		KnowledgeBase: report.KnowledgeBase{Version: kb.Default().Version(), AsOf: kb.Default().Date()},
		Repositories:  repos, Audited: len(e.reports), Errors: len(e.errors),
		Verdicts:  map[string]int{"pass": 0, "review": 0, "fail": 0},
		Countries: map[string]int{}, Developers: map[string]int{}, Licenses: map[string]int{},
		Barred: map[string]barCount{"us-federal": {}, "us-dod": {}},
	}
	for _, rep := range e.parsed {
		s.Verdicts[string(rep.Verdict)]++
		developer, country := "(unknown)", "(unknown)"
		for _, n := range rep.Lineage {
			if n.Developer != "" {
				developer = n.Developer
				if n.Country != "" {
					country = n.Country
				}
				break
			}
		}
		s.Developers[developer]++
		s.Countries[country]++
		for _, l := range reportLicenses(rep) {
			s.Licenses[l]++
		}
		certain, possible := map[string]bool{}, map[string]bool{}
		for _, f := range rep.Findings {
			if f.Code != finding.ProvenanceGovernmentPolicy || f.Waived != "" {
				continue
			}
			j := policyJurisdiction[f.Subject]
			if f.Confidence == finding.Declared || f.Confidence == finding.Verified {
				certain[j] = true
			} else {
				possible[j] = true
			}
		}
		for j := range certain {
			b := s.Barred[j]
			b.Certain++
			s.Barred[j] = b
		}
		for j := range possible {
			if !certain[j] {
				b := s.Barred[j]
				b.Possible++
				s.Barred[j] = b
			}
		}
	}
	for m, rt := range e.roots {
		s.Roots = append(s.Roots, rootSummary{Model: m, rootTally: rt})
	}
	slices.SortFunc(s.Roots, func(a, b rootSummary) int {
		if a.Descendants != b.Descendants {
			return b.Descendants - a.Descendants
		}
		return strings.Compare(a.Model, b.Model)
	})
	return s
}

// TestCensus runs the census on Prism over a fake Hub of 1,009
// repositories (61 with -short) listed 100 (10) a page, and checks every
// output against what the fixture says, then runs it again with other
// worker settings and checks the bytes are the same.
func TestCensus(t *testing.T) {
	size, page := fullFixture, 100
	if testing.Short() {
		size, page = shortFixture, 10
	}
	repos := newFixture(size)
	h := startFakeHub(t, repos, page)
	t.Setenv("HF_ENDPOINT", h.URL())
	t.Setenv("HF_TOKEN", "")

	want := expect(t, repos)
	h.Reset()
	h.listings.Store(0)
	out := runCensus(t, "-search", "", "-concurrency", "8", "-shards", "16")

	pages := (len(repos) + page - 1) / page
	if got := h.listings.Load(); got != int64(pages) {
		t.Errorf("%d listing requests, want %d (every page of %d)", got, pages, page)
	}

	// reports.jsonl: every repository that could be audited, sorted, each
	// line the report examples/audit writes.
	var ids []string
	for id := range want.reports {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	lines := readLines(t, filepath.Join(out, "reports.jsonl"))
	if len(lines) != len(ids) {
		t.Fatalf("%d reports, want %d", len(lines), len(ids))
	}
	for i, id := range ids {
		if lines[i] != want.reports[id] {
			t.Fatalf("report %d is not the report of %s as examples/audit gives it:\n%s", i, id, firstDifference(lines[i], want.reports[id]))
		}
	}

	// errors.jsonl: one row per broken repository, with its kind.
	gotErrors := map[string]string{}
	for _, l := range readLines(t, filepath.Join(out, "errors.jsonl")) {
		var row errorRow
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatal(err)
		}
		if row.Error == "" {
			t.Errorf("error row of %s says nothing", row.Repository)
		}
		gotErrors[row.Repository] = row.Kind
	}
	if !maps.Equal(gotErrors, want.errors) {
		t.Errorf("error rows %v\nwant %v", gotErrors, want.errors)
	}

	// lineage.jsonl: the fixture's derivations and the knowledge base's,
	// each once, sorted.
	gotEdges := map[[3]string]bool{}
	edgeLines := readLines(t, filepath.Join(out, "lineage.jsonl"))
	if !slices.IsSorted(edgeLines) {
		t.Error("lineage.jsonl is not sorted")
	}
	for _, l := range edgeLines {
		var e edge
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		k := [3]string{e.Derivative, e.Base, e.Relation}
		if gotEdges[k] {
			t.Errorf("edge %v twice", k)
		}
		gotEdges[k] = true
		if e.Confidence == "" || e.Source == "" {
			t.Errorf("edge %v without confidence or source", k)
		}
	}
	if !maps.Equal(gotEdges, want.edges) {
		t.Errorf("%d edges, want %d; missing %v; extra %v", len(gotEdges), len(want.edges), missing(want.edges, gotEdges), missing(gotEdges, want.edges))
	}

	// summary.json.
	var got summary
	data, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if ws := want.summaryOf(t, len(repos)); !reflect.DeepEqual(got, ws) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(ws, "", " ")
		t.Errorf("summary.json:\n%s\nwant\n%s", g, w)
	}
	if len(want.roots) != 4 {
		t.Errorf("the fixture has %d roots, want 4 (DeepSeek-V3-Base above DeepSeek-R1, Qwen, Llama, Mistral)", len(want.roots))
	}

	// The same census with one audit at a time and other shards gives the
	// same bytes.
	again := runCensus(t, "-search", "", "-concurrency", "1", "-shards", "3")
	for _, name := range []string{"reports.jsonl", "lineage.jsonl", "errors.jsonl", "summary.json"} {
		a, _ := os.ReadFile(filepath.Join(out, name))
		b, err := os.ReadFile(filepath.Join(again, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between runs with different workers", name)
		}
	}
	for _, dir := range []string{out, again} {
		if _, err := os.Stat(filepath.Join(dir, partsDir)); !os.IsNotExist(err) {
			t.Errorf("%s left its parts behind", dir)
		}
	}
}

func missing(a, b map[[3]string]bool) [][3]string {
	var out [][3]string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(x, y [3]string) int { return strings.Compare(x[0]+x[1], y[0]+y[1]) })
	return out[:min(len(out), 5)]
}

// TestCensusSameAsAuditProgram runs examples/audit -format json itself on
// a repository of each kind and compares its reports with the census's
// (its clock is the real one, so audited_at is set aside).
func TestCensusSameAsAuditProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds examples/audit")
	}
	repos := newFixture(shortFixture)
	h := startFakeHub(t, repos, 10)
	t.Setenv("HF_ENDPOINT", h.URL())
	t.Setenv("HF_TOKEN", "")
	picks := []string{"deepseek-ai/DeepSeek-R1", "meta-llama/Llama-3.1-8B"}
	for _, r := range repos {
		if r.Base != "" && (r.Gated != "" || strings.Contains(r.ID, "-d3-")) || strings.HasPrefix(r.ID, "indie") && r.License == "" {
			picks = append(picks, r.ID)
		}
	}
	ids := filepath.Join(t.TempDir(), "ids.txt")
	if err := os.WriteFile(ids, []byte(strings.Join(picks, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := runCensus(t, "-ids", ids)
	lines := readLines(t, filepath.Join(out, "reports.jsonl"))
	if len(lines) != len(picks) {
		t.Fatalf("%d reports of %d repositories", len(lines), len(picks))
	}
	bin := filepath.Join(t.TempDir(), "audit")
	if b, err := exec.Command("go", "build", "-o", bin, "github.com/modelvet/modelvet/examples/audit").CombinedOutput(); err != nil {
		t.Fatalf("building examples/audit: %v\n%s", err, b)
	}
	at := regexp.MustCompile(`"audited_at":"[^"]*"`)
	byName := map[string]string{}
	for _, l := range lines {
		var r struct{ Subject struct{ Name string } }
		json.Unmarshal([]byte(l), &r)
		byName[r.Subject.Name] = at.ReplaceAllString(l, `"audited_at":""`)
	}
	for _, id := range picks {
		cmd := exec.Command(bin, "-format", "json", "hf:"+id)
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		cmd.Run() // the exit status is the verdict
		var line bytes.Buffer
		if err := json.Compact(&line, stdout.Bytes()); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if got := at.ReplaceAllString(line.String(), `"audited_at":""`); got != byName[id] {
			t.Errorf("%s: examples/audit writes\n%.400s\nthe census\n%.400s", id, got, byName[id])
		}
	}
}

// firstDifference shows where two lines part.
func firstDifference(got, want string) string {
	i := 0
	for i < min(len(got), len(want)) && got[i] == want[i] {
		i++
	}
	from := max(0, i-80)
	return " got …" + got[from:min(len(got), i+120)] + "\nwant …" + want[from:min(len(want), i+120)]
}
