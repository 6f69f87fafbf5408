package kb

import (
	"encoding/csv"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/modelvet/modelvet/internal/testutil"
)

var (
	confidences = []string{ConfidenceHigh, ConfidenceMediumHigh, ConfidenceMedium, ConfidenceLowMedium, ConfidenceLow}
	statuses    = []string{StatusEnacted, StatusInForce, StatusProposed, StatusAdvisory, StatusUnverified, StatusLifted, StatusPending}
	scopes      = []string{ScopeCompeting, ScopeAny, ScopeDerivative, ScopeAttribution, ScopeNonCommercial, ScopeNone}
	relations   = []string{"finetune", "adapter", "merge", "quantized", "distilled"}
	countryRE   = regexp.MustCompile(`^[A-Z]{2}$`)
	dateRE      = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)
)

func checkSources(t *testing.T, what string, cs []Citation) {
	t.Helper()
	if len(cs) == 0 {
		t.Errorf("%s: no sources", what)
	}
	for _, c := range cs {
		if !strings.HasPrefix(c.URL, "https://") && !strings.HasPrefix(c.URL, "http://") {
			t.Errorf("%s: source %q is not a URL", what, c.URL)
		}
		if c.Date != "" && !dateRE.MatchString(c.Date) {
			t.Errorf("%s: source date %q", what, c.Date)
		}
	}
}

// Every provenance record is well formed, cited, and refers to records
// that exist.
func TestProvenanceRecords(t *testing.T) {
	k := Default()
	for _, o := range k.Organizations {
		checkSources(t, "organization "+o.ID, o.Sources)
		if o.Country != "" && !countryRE.MatchString(o.Country) {
			t.Errorf("organization %s: country %q", o.ID, o.Country)
		}
		if !slices.Contains(confidences, o.Confidence) {
			t.Errorf("organization %s: confidence %q", o.ID, o.Confidence)
		}
		if !slices.Contains([]string{"developer", "repackager", "community"}, o.Kind) {
			t.Errorf("organization %s: kind %q", o.ID, o.Kind)
		}
		if o.Parent != "" && k.Organization(o.Parent) == nil {
			t.Errorf("organization %s: unknown parent %q", o.ID, o.Parent)
		}
	}
	for _, m := range k.Models {
		checkSources(t, "model "+m.ID, m.Sources)
		if k.Organization(m.Developer) == nil {
			t.Errorf("model %s: unknown developer %q", m.ID, m.Developer)
		}
		if m.License == "" || !slices.Contains(confidences, m.Confidence) {
			t.Errorf("model %s: licence %q confidence %q", m.ID, m.License, m.Confidence)
		}
		for _, b := range m.Bases {
			if !slices.Contains(relations, b.Relation) {
				t.Errorf("model %s: relation %q", m.ID, b.Relation)
			}
			if k.Model(b.Model) == nil {
				t.Errorf("model %s: base %q has no record", m.ID, b.Model)
			}
		}
		for _, o := range m.Ollama {
			if k.ModelByOllama(o) != m {
				t.Errorf("model %s: Ollama name %q maps elsewhere", m.ID, o)
			}
		}
	}
	for _, d := range k.Datasets {
		checkSources(t, "dataset "+d.ID, d.Sources)
		if len(d.Generators) == 0 || !slices.Contains(confidences, d.Confidence) {
			t.Errorf("dataset %s: generators %v confidence %q", d.ID, d.Generators, d.Confidence)
		}
		for _, r := range d.Restrictions {
			if !k.OutputTermsByID(r).Restricts() {
				t.Errorf("dataset %s: restriction %q is not restricting terms", d.ID, r)
			}
		}
		for _, g := range d.Generators {
			for _, id := range g.Terms {
				if k.OutputTermsByID(id) == nil {
					t.Errorf("dataset %s: generator %s: unknown terms %q", d.ID, g.Model, id)
				}
			}
		}
	}
	for _, o := range k.OutputTerms {
		checkSources(t, "output terms "+o.ID, o.Sources)
		if !slices.Contains(scopes, o.Scope) || !slices.Contains(confidences, o.Confidence) || k.Organization(o.Vendor) == nil {
			t.Errorf("output terms %s: scope %q confidence %q vendor %q", o.ID, o.Scope, o.Confidence, o.Vendor)
		}
	}
	for _, p := range k.Policies {
		checkSources(t, "policy "+p.ID, p.Sources)
		if !slices.Contains(statuses, p.Status) || p.StatusText == "" || !slices.Contains(confidences, p.Confidence) {
			t.Errorf("policy %s: status %q (%q) confidence %q", p.ID, p.Status, p.StatusText, p.Confidence)
		}
		if p.Jurisdiction != Normalize(p.Jurisdiction) || p.JurisdictionName == "" || p.Instrument == "" || p.Body == "" {
			t.Errorf("policy %s: jurisdiction %q %q", p.ID, p.Jurisdiction, p.JurisdictionName)
		}
		c := p.Covers
		if !slices.Contains([]string{CoverApp, CoverModels, CoverAllAI}, c.Scope) || !slices.Contains([]string{"yes", "no", "not-stated", "contested"}, c.SelfHosted) {
			t.Errorf("policy %s: scope %q self_hosted %q", p.ID, c.Scope, c.SelfHosted)
		}
		for _, d := range c.Developers {
			if k.Organization(d) == nil {
				t.Errorf("policy %s: unknown developer %q", p.ID, d)
			}
		}
		for _, cc := range c.Countries {
			if !countryRE.MatchString(cc) {
				t.Errorf("policy %s: country %q", p.ID, cc)
			}
		}
		if c.Scope == CoverAllAI && len(c.Countries) == 0 {
			t.Errorf("policy %s: all-ai without countries", p.ID)
		}
		for _, d := range []string{p.Date, p.Effective} {
			if d != "" && !dateRE.MatchString(d) {
				t.Errorf("policy %s: date %q", p.ID, d)
			}
		}
	}
	for _, a := range k.Allegations {
		checkSources(t, "allegation "+a.ID, a.Sources)
		if !strings.HasPrefix(a.Status, "ALLEGED") || len(a.Subjects)+len(a.Countries) == 0 {
			t.Errorf("allegation %s: status %q subjects %v", a.ID, a.Status, a.Subjects)
		}
		for _, s := range a.Subjects {
			if k.Organization(s) == nil && k.Model(s) == nil {
				t.Errorf("allegation %s: unknown subject %q", a.ID, s)
			}
		}
	}
}

// Every row of the policy research appears in the knowledge base: the
// government rows as policies (with their status), the T-rows as output
// terms, the A-rows as allegations and the D-rows in model records.
func TestPolicyFactsCovered(t *testing.T) {
	data, err := os.ReadFile(testutil.Research(t, "policy-facts.md"))
	if err != nil {
		t.Fatal(err)
	}
	rowRE := regexp.MustCompile(`(?m)^\| ([FBSITDA]\d+[a-z]?) \|(.*)$`)
	k := Default()
	rows := map[string]bool{}
	for _, p := range k.Policies {
		rows[p.Row] = true
	}
	for _, o := range k.OutputTerms {
		rows[o.Row] = true
	}
	for _, a := range k.Allegations {
		rows[a.Row] = true
	}
	notes := ""
	for _, m := range k.Models {
		notes += " " + m.Note
	}
	n := 0
	for _, m := range rowRE.FindAllStringSubmatch(string(data), -1) {
		id := m[1]
		n++
		switch id[0] {
		case 'D':
			if !strings.Contains(notes, id+":") {
				t.Errorf("lineage row %s is in no model record", id)
			}
		default:
			if !rows[id] {
				t.Errorf("research row %s is not in the knowledge base", id)
			}
		}
		if id[0] == 'F' || id[0] == 'B' || id[0] == 'S' || id[0] == 'I' {
			// The status mark is kept as written.
			var found bool
			for _, p := range k.Policies {
				if p.Row == id && strings.Contains(strings.ReplaceAll(m[2], "**", ""), p.StatusText) {
					found = true
				}
			}
			if !found {
				t.Errorf("row %s: no policy keeps its status mark as written", id)
			}
		}
	}
	if n < 80 {
		t.Errorf("only %d research rows found; has the file's format changed?", n)
	}
}

// hfIDFromIndex returns the Hugging Face id of a model_generated_index.csv
// row, as the generator reads it.
func hfIDFromIndex(hfDataset, hfURL string) string {
	if hfDataset != "" {
		return hfDataset
	}
	if !strings.Contains(strings.ToLower(hfURL), "huggingface.co/datasets/") {
		return ""
	}
	id := TrimHubURL(hfURL)
	if strings.Count(id, "/") != 1 {
		return ""
	}
	return id
}

func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// Every dataset the Data Provenance collection marks as model-generated is
// in the knowledge base, found by its Hugging Face id; those generated by a
// model whose terms restrict training on its outputs are marked
// restricted.
func TestDPIDatasetsMatched(t *testing.T) {
	rows := readCSV(t, testutil.Corpus(t, "data-provenance", "model_generated_index.csv"))
	if len(rows) != 471 {
		t.Errorf("%d index rows, want 471", len(rows))
	}
	k := Default()
	restricted, withID := 0, 0
	for _, r := range rows {
		uid := r["unique_dataset_identifier"]
		id := hfIDFromIndex(r["hf_dataset"], r["hf_url"])
		var d *Dataset
		if id == "" {
			d = k.Dataset("dpi:" + uid)
		} else {
			withID++
			d = k.DatasetByName(id)
			if d == nil {
				d = k.DatasetByName("https://huggingface.co/datasets/" + id)
			}
		}
		if d == nil {
			t.Errorf("DPI %s (%q) is not in the knowledge base", uid, id)
			continue
		}
		if !slices.Contains(d.DPI, uid) || k.Dataset("dpi:"+uid) != d {
			t.Errorf("DPI %s: record %s does not cite it", uid, d.ID)
		}
		want := false
		for _, g := range strings.Split(r["model_generated"], ";") {
			for _, ot := range k.OutputTermsForGenerator(strings.TrimSpace(g)) {
				if ot.Restricts() {
					want = true
				}
			}
		}
		if want {
			restricted++
			if !d.Restricted() {
				t.Errorf("DPI %s (%s), generated by %s, is not marked restricted", uid, d.ID, r["model_generated"])
			}
		}
	}
	if withID != 444 || restricted < 190 {
		t.Errorf("%d rows with a Hugging Face id (want 444), %d restricted", withID, restricted)
	}
	t.Logf("%d DPI entries with a Hugging Face id, %d generated by a restricted model", withID, restricted)
}

// Every dataset of the research table is found by id, restricted unless the
// research says it carries no output restriction.
func TestResearchDatasetsMatched(t *testing.T) {
	rows := readCSV(t, testutil.Research(t, "restricted-datasets.csv"))
	if len(rows) != 83 {
		t.Errorf("%d rows, want 83", len(rows))
	}
	k := Default()
	for _, r := range rows {
		d := k.DatasetByName(r["hf_id"])
		if d == nil {
			t.Errorf("%s is not in the knowledge base", r["hf_id"])
			continue
		}
		if d.Confidence != r["confidence"] || d.RestrictionNote != r["restriction_source"] {
			t.Errorf("%s: confidence %q note %q, want the research's", d.ID, d.Confidence, d.RestrictionNote)
		}
		want := false
		for _, part := range strings.Split(r["restriction_source"], "; ") {
			part = strings.TrimSpace(part)
			if part != "" && !strings.HasPrefix(part, "No output restriction") && !strings.HasPrefix(part, "PRC-origin") && !strings.HasPrefix(part, "Google Cloud Translation") {
				want = true
			}
		}
		if d.Restricted() != want {
			t.Errorf("%s: restricted %v, want %v (%s)", d.ID, d.Restricted(), want, r["restriction_source"])
		}
	}
}

// A user overlay updates a policy's status and adds an organisation; the
// other records stay.
func TestOverlay(t *testing.T) {
	overlay := fstest.MapFS{
		"meta.yaml": {Data: []byte("version: acme-2027-01\nas_of: \"2027-01-15\"\n")},
		"policies.yaml": {Data: []byte(`policies:
  - id: us-hr1121-no-deepseek-on-government-devices
    row: B1
    jurisdiction: us-federal
    jurisdiction_name: US federal government (government-wide)
    body: Congress
    instrument: H.R. 1121, No DeepSeek on Government Devices Act
    status: enacted
    status_text: ENACTED (overlay test)
    date: "2027-01-10"
    covers: {developers: [deepseek-ai], scope: app, self_hosted: not-stated}
    summary: Enacted in this test overlay.
    confidence: high
    sources: [{url: "https://example.com/hr1121", date: "2027-01-10"}]
`)},
		"organizations.yaml": {Data: []byte(`organizations:
  - id: acme-ai
    name: ACME AI
    country: KP
    kind: developer
    families: [Roadrunner]
    confidence: high
    sources: [{url: "https://example.com/acme", date: "2027-01-01"}]
`)},
	}
	k, err := Load(overlay)
	if err != nil {
		t.Fatal(err)
	}
	var p *Policy
	for _, x := range k.PoliciesFor("us-federal") {
		if x.ID == "us-hr1121-no-deepseek-on-government-devices" {
			p = x
		}
	}
	if p == nil || p.Status != StatusEnacted || p.StatusText != "ENACTED (overlay test)" {
		t.Errorf("overlaid policy: %+v", p)
	}
	if len(k.Policies) != len(Default().Policies) {
		t.Errorf("%d policies, want %d (replaced in place)", len(k.Policies), len(Default().Policies))
	}
	if o, fam := k.OrganizationByFamily("Roadrunner-7B-Instruct"); o == nil || o.ID != "acme-ai" || fam != "roadrunner" {
		t.Errorf("new organisation by family: %v %q", o, fam)
	}
	if k.Organization("deepseek-ai") == nil || len(k.Organizations) != len(Default().Organizations)+1 {
		t.Error("embedded organisations lost")
	}
	if k.Version() != Default().Version()+"+acme-2027-01" || k.Date() != "2027-01-15" {
		t.Errorf("version %q date %q", k.Version(), k.Date())
	}
	// The default knowledge base is untouched.
	for _, x := range Default().PoliciesFor("us-federal") {
		if x.ID == p.ID && x.Status != StatusProposed {
			t.Error("overlay changed the embedded knowledge base")
		}
	}
	// A malformed overlay is an error.
	if _, err := Load(fstest.MapFS{"policies.yaml": {Data: []byte("policies:\n  - id: x\n    unknown_field: 1\n")}}); err == nil {
		t.Error("unknown field accepted")
	}
}

func TestLookups(t *testing.T) {
	k := Default()
	for in, want := range map[string]string{
		"deepseek-ai/DeepSeek-R1-Distill-Llama-8B":                        "deepseek-ai/DeepSeek-R1-Distill-Llama-8B",
		"DeepSeek-R1-Distill-Llama-8B":                                    "deepseek-ai/DeepSeek-R1-Distill-Llama-8B",
		"https://huggingface.co/deepseek-ai/DeepSeek-R1/tree/main":        "deepseek-ai/DeepSeek-R1",
		"meta-llama/Meta-Llama-3.1-8B":                                    "meta-llama/Llama-3.1-8B",
		"Llama-3-70B-Instruct":                                            "meta-llama/Meta-Llama-3-70B-Instruct",
		"unknown/model":                                                   "",
		"https://huggingface.co/datasets/teknium/OpenHermes-2.5":          "",
		"https://huggingface.co/perplexity-ai/r1-1776?not=a&query#string": "perplexity-ai/r1-1776",
	} {
		got := ""
		if m := k.ModelByName(in); m != nil {
			got = m.ID
		}
		if got != want {
			t.Errorf("ModelByName(%q) = %q, want %q", in, got, want)
		}
	}
	if m := k.ModelByOllama("registry.ollama.ai/library/deepseek-r1:7b"); m == nil || m.ID != "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B" {
		t.Errorf("ModelByOllama: %v", m)
	}
	if d := k.DatasetByName("https://huggingface.co/datasets/teknium/OpenHermes-2.5"); d == nil || !d.Restricted() {
		t.Errorf("DatasetByName: %v", d)
	}
	for name, want := range map[string]string{"OpenAI GPT-4": "openai-terms-of-use-2024", "Claude 2.1": "anthropic-commercial-terms-2025", "Llama-2-70b-chat-hf": "llama2-license", "gemini-2.0-flash-thinking": "gemini-api-terms", "gpt-oss-20b": "gpt-oss-apache-2.0", "DeepSeek-R1": "deepseek-r1-mit"} {
		var ids []string
		for _, t := range k.OutputTermsForGenerator(name) {
			ids = append(ids, t.ID)
		}
		if !slices.Contains(ids, want) {
			t.Errorf("OutputTermsForGenerator(%q) = %v, want %s", name, ids, want)
		}
	}
	// gpt-oss outputs are not governed by the ChatGPT terms.
	for _, x := range k.OutputTermsForGenerator("gpt-oss-120b") {
		if x.Vendor == "openai" && x.Restricts() {
			t.Errorf("gpt-oss matched %s", x.ID)
		}
	}
	if o, _ := k.OrganizationByFamily("QwQ-32B"); o == nil || o.ID != "Qwen" {
		t.Errorf("family QwQ: %v", o)
	}
	if o, _ := k.OrganizationByFamily("OpenHermes-2.5-Mistral-7B"); o == nil || o.ID != "teknium" {
		t.Errorf("family OpenHermes: %v", o)
	}
	if o, _ := k.OrganizationByFamily("Stepping-Stone-1B"); o != nil {
		t.Errorf("family matched inside a word: %v", o)
	}
}

func TestJurisdictions(t *testing.T) {
	k := Default()
	js := k.Jurisdictions()
	var ids []string
	for _, j := range js {
		ids = append(ids, j.ID)
		if j.Name == "" || j.Policies == 0 {
			t.Errorf("jurisdiction %+v", j)
		}
	}
	for _, want := range []string{"us-federal", "us-house", "us-senate", "us-navy", "us-dod", "us-nasa", "us-commerce", "us-ic", "us-tx", "us-ny", "us-va", "us-ia", "us-fl-dfs", "us-pa-treasury", "us-ga", "us-sd", "us-ne", "us-tn", "us-ok", "us-al", "us-ks", "us-nc", "us-ar", "us-nd", "us-or", "us-nv", "it", "in", "tw", "au", "au-sa", "au-nsw", "nl", "kr", "ca", "de-be", "cz", "dk", "be"} {
		if !slices.Contains(ids, want) {
			t.Errorf("jurisdiction %s missing", want)
		}
	}
	got, err := k.ExpandJurisdictions([]string{"au*", "US-KS", "us-ks"})
	if err != nil || !slices.Equal(got, []string{"au", "au-nsw", "au-sa", "us-ks"}) {
		t.Errorf("ExpandJurisdictions = %v, %v", got, err)
	}
	if all, _ := k.ExpandJurisdictions([]string{"*"}); len(all) != len(js) {
		t.Errorf("* selects %d of %d", len(all), len(js))
	}
	if _, err := k.ExpandJurisdictions([]string{"mars"}); err == nil {
		t.Error("unknown jurisdiction accepted")
	}
}

func TestGlobMatch(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"gpt-4*", "gpt-4-turbo", true}, {"gpt-4*", "gpt-4", true}, {"gpt-4*", "gpt-3.5", false},
		{"*", "", true}, {"a*b*c", "axxbyyc", true}, {"a*b*c", "axxbyy", false}, {"", "", true}, {"", "a", false},
		{"*-r1*", "deepseek-r1-distill", true}, {strings.Repeat("*a", 30), strings.Repeat("a", 29), false},
	} {
		if got := GlobMatch(tc.p, tc.s); got != tc.want {
			t.Errorf("GlobMatch(%q, %q) = %v", tc.p, tc.s, got)
		}
	}
}

// Every Model Openness Tool record whose Hugging Face repository belongs to
// an organisation the knowledge base knows resolves to a developer with a
// country; the models the knowledge base records under those ids have the
// same developer.
func TestModelOpennessRecordsResolve(t *testing.T) {
	dir := testutil.Corpus(t, "model-openness-tool", "models")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	hfRE := regexp.MustCompile(`(?m)^\s+huggingface:\s*'?(https://huggingface\.co/[^'\s]+)`)
	k := Default()
	resolved := 0
	for _, e := range ents {
		data, err := os.ReadFile(dir + "/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		m := hfRE.FindSubmatch(data)
		if m == nil {
			continue
		}
		id := TrimHubURL(string(m[1]))
		org, _, ok := strings.Cut(id, "/")
		if !ok || k.Organization(org) == nil {
			continue
		}
		o := k.OrganizationOf(id)
		if o == nil || o.Country == "" || o.IsRepackager() {
			t.Errorf("%s (%s): origin %+v", e.Name(), id, o)
			continue
		}
		resolved++
	}
	if resolved < 90 {
		t.Errorf("only %d MOT records resolved", resolved)
	}
	t.Logf("%d Model Openness Tool records resolve to a developer and country", resolved)
}
