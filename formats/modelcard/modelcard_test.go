package modelcard

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/testutil"
)

func TestParseFields(t *testing.T) {
	card := `---
license: other
license_name: llama-3-community
license_link: LICENSE
license_details: legacy-id
base_model:
- meta-llama/Meta-Llama-3-8B
- mistralai/Mistral-7B-v0.1
base_model_relation: merge
datasets: teknium/OpenHermes-2.5
language: [en, fr]
tags:
  - merge
gated: manual
extra_gated_prompt: "You agree to the licence."
extra_gated_eu_disallowed: true
extra_gated_fields:
  Company: text
  Country: country
model-index:
- name: m
  results:
  - task: {type: text-generation}
    dataset: {type: cais/mmlu, name: MMLU}
new_version: acme/m-v2
---
# Title
Body line
`
	c, err := Parse("README.md", []byte(card))
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got Field, want string, line int) {
		t.Helper()
		if got.Value != want || got.Line != line {
			t.Errorf("%s = %+v, want %q at line %d", name, got, want, line)
		}
	}
	if len(c.License) != 1 {
		t.Fatalf("license = %+v", c.License)
	}
	check("license", c.License[0], "other", 2)
	check("license_name", c.LicenseName, "llama-3-community", 3)
	check("license_link", c.LicenseLink, "LICENSE", 4)
	check("license_details", c.LicenseDetails, "legacy-id", 5)
	if len(c.BaseModel) != 2 {
		t.Fatalf("base_model = %+v", c.BaseModel)
	}
	check("base_model[0]", c.BaseModel[0], "meta-llama/Meta-Llama-3-8B", 7)
	check("base_model[1]", c.BaseModel[1], "mistralai/Mistral-7B-v0.1", 8)
	check("base_model_relation", c.BaseModelRelation, "merge", 9)
	if len(c.Datasets) != 1 {
		t.Fatalf("datasets = %+v", c.Datasets)
	}
	check("datasets", c.Datasets[0], "teknium/OpenHermes-2.5", 10)
	if len(c.Language) != 2 || c.Language[1].Value != "fr" {
		t.Errorf("language = %+v", c.Language)
	}
	check("gated", c.Gated, "manual", 14)
	check("extra_gated_prompt", c.ExtraGated["extra_gated_prompt"], "You agree to the licence.", 15)
	check("extra_gated_eu_disallowed", c.ExtraGated["extra_gated_eu_disallowed"], "true", 16)
	if len(c.ExtraGatedFields) != 2 || c.ExtraGatedFields[1].Value != "Country" {
		t.Errorf("extra_gated_fields = %+v", c.ExtraGatedFields)
	}
	if len(c.ModelIndex) != 1 || len(c.ModelIndex[0].Datasets) != 1 || c.ModelIndex[0].Datasets[0].Value != "cais/mmlu" {
		t.Errorf("model-index = %+v", c.ModelIndex)
	}
	check("new_version", c.NewVersion, "acme/m-v2", 25)
	if c.BodyLine != 27 || !strings.HasPrefix(c.Body, "# Title\n") {
		t.Errorf("body starts at line %d with %q", c.BodyLine, c.Body)
	}
	var lines []int
	c.BodyLines(func(n int, text string) bool { lines = append(lines, n); return true })
	if len(lines) != 2 || lines[1] != 28 {
		t.Errorf("body lines = %v", lines)
	}
	if c.Lines["model-index"] != 20 {
		t.Errorf("model-index key line = %d", c.Lines["model-index"])
	}
}

func TestParseShapes(t *testing.T) {
	tests := []struct {
		name      string
		card      string
		wantErr   string // substring; "" for success
		wantLine  int
		license   []string
		hasFront  bool
		bodyStart string
	}{
		{name: "no front matter", card: "# Just markdown\n", hasFront: false, bodyStart: "# Just"},
		{name: "license list", card: "---\nlicense:\n- mit\n- apache-2.0\n---\nx", license: []string{"mit", "apache-2.0"}, hasFront: true, bodyStart: "x"},
		{name: "empty front matter", card: "---\n---\nbody", hasFront: true, bodyStart: "body"},
		{name: "dots close", card: "---\nlicense: mit\n...\nbody", license: []string{"mit"}, hasFront: true, bodyStart: "body"},
		{name: "CRLF", card: "---\r\nlicense: mit\r\n---\r\nbody\r\n", license: []string{"mit"}, hasFront: true, bodyStart: "body"},
		{name: "BOM", card: "\uFEFF---\nlicense: mit\n---\n", license: []string{"mit"}, hasFront: true},
		{name: "unclosed", card: "---\nlicense: mit\n", wantErr: "never closed", wantLine: 1},
		{name: "list not mapping", card: "---\n[]\n---\n", wantErr: "not a mapping", wantLine: 2},
		{name: "bad yaml", card: "---\na: [1\nb: 2\n---\n", wantErr: "not valid YAML", wantLine: 3},
		{name: "duplicate key", card: "---\nlicense: mit\nlicense: gpl\n---\n", wantErr: `"license" on line 3 replaces line 2`, wantLine: 3},
		{name: "alias bomb", card: "---\n" + aliasBomb() + "---\n", wantErr: "YAML nodes"},
		{name: "deep nesting", card: "---\nx: " + strings.Repeat("[", 200) + strings.Repeat("]", 200) + "\n---\n", wantErr: "YAML"},
		{name: "invalid utf8", card: "---\nlicense: \xff\xfemit\n---\n", license: []string{"\uFFFDmit"}, hasFront: true},
		{name: "aliases resolved", card: "---\nbase: &b org/base\nbase_model: *b\n---\n", hasFront: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("README.md", []byte(tc.card))
			if tc.wantErr != "" {
				var fe *formats.Error
				if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want a formats.Error containing %q", err, tc.wantErr)
				}
				if tc.wantLine != 0 && fe.Line != tc.wantLine {
					t.Errorf("error line = %d, want %d", fe.Line, tc.wantLine)
				}
				if c == nil {
					t.Error("a card that fails to parse should still be returned with its body")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.HasFrontMatter != tc.hasFront {
				t.Errorf("HasFrontMatter = %v", c.HasFrontMatter)
			}
			var got []string
			for _, f := range c.License {
				got = append(got, f.Value)
			}
			if strings.Join(got, ",") != strings.Join(tc.license, ",") {
				t.Errorf("license = %v, want %v", got, tc.license)
			}
			if tc.bodyStart != "" && !strings.HasPrefix(c.Body, tc.bodyStart) {
				t.Errorf("body = %q, want prefix %q", c.Body, tc.bodyStart)
			}
			if tc.name == "aliases resolved" && (len(c.BaseModel) != 1 || c.BaseModel[0].Value != "org/base" || c.BaseModel[0].Line != 3) {
				t.Errorf("base_model = %+v", c.BaseModel)
			}
		})
	}
}

func aliasBomb() string {
	var b strings.Builder
	b.WriteString("a: &a [x,x,x,x,x,x,x,x,x,x]\n")
	prev := "a"
	for i := range 9 {
		name := string(rune('b' + i))
		b.WriteString(name + ": &" + name + " [")
		for j := range 10 {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString("*" + prev)
		}
		b.WriteString("]\n")
		prev = name
	}
	return b.String()
}

func TestParseTooLarge(t *testing.T) {
	big := "---\nlicense: mit\nx: \"" + strings.Repeat("a", 600<<10) + "\"\n---\n"
	_, err := Parse("README.md", []byte(big))
	if err == nil || !strings.Contains(err.Error(), "front matter is") {
		t.Fatalf("error = %v, want front matter over the limit", err)
	}
}

// TestCorpusCards parses every real card of the shared corpus and checks the
// licence and base model against the corpus README's table, an independent
// reading of the same cards.
func TestCorpusCards(t *testing.T) {
	dir := testutil.Corpus(t, "cards", "real")
	want := readCardTable(t, filepath.Join(dir, "README.md"))
	if len(want) < 15 {
		t.Fatalf("read only %d rows from the corpus table", len(want))
	}
	for file, row := range want {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			c, err := Parse(file, data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			lic, name, _ := strings.Cut(row.license, " / ")
			if strings.HasPrefix(lic, "(no") {
				if len(c.License) != 0 {
					t.Errorf("license = %+v, want none", c.License)
				}
			} else if len(c.License) == 0 || c.License[0].Value != lic {
				t.Errorf("license = %+v, want %q", c.License, lic)
			}
			if name != "" && c.LicenseName.Value != name {
				t.Errorf("license_name = %q, want %q", c.LicenseName.Value, name)
			}
			first, _, _ := strings.Cut(row.base, ",")
			if row.base != "" && (len(c.BaseModel) == 0 || c.BaseModel[0].Value != strings.TrimSpace(first)) {
				t.Errorf("base_model = %+v, want %q", c.BaseModel, row.base)
			}
			// Every line number points at the line holding the value.
			lines := strings.Split(strings.ReplaceAll(string(data), "\r", ""), "\n")
			for _, f := range append(append([]Field{}, c.License...), c.BaseModel...) {
				if f.Line < 1 || f.Line > len(lines) || !strings.Contains(lines[f.Line-1], f.Value) {
					t.Errorf("field %q claims line %d, which is %q", f.Value, f.Line, lines[max(0, min(f.Line, len(lines))-1)])
				}
			}
		})
	}
}

type cardRow struct{ license, base string }

func readCardTable(t *testing.T, path string) map[string]cardRow {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]cardRow{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "|")
		if len(cols) < 6 || !strings.HasSuffix(strings.TrimSpace(cols[1]), ".md") {
			continue
		}
		out[strings.TrimSpace(cols[1])] = cardRow{license: strings.TrimSpace(cols[3]), base: strings.TrimSpace(cols[4])}
	}
	return out
}

func TestHubFixtureCards(t *testing.T) {
	dir := testutil.Corpus(t, "cards", "hf-hub-fixtures")
	tests := map[string]struct {
		err     bool
		license string
	}{
		"sample_simple.md":               {license: "mit"},
		"sample_simple_model_index.md":   {license: "mit"},
		"sample_invalid_model_index.md":  {license: "mit"},
		"sample_invalid_card_data.md":    {err: true},
		"sample_no_metadata.md":          {},
		"sample_windows_line_breaks.md":  {license: "mit"},
		"sample_datasetcard_simple.md":   {license: "bsd-3-clause"},
		"sample_template.md":             {err: true}, // a Jinja template, not YAML
		"sample_datasetcard_template.md": {},
	}
	for file, tc := range tests {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		c, err := Parse(file, data)
		if (err != nil) != tc.err {
			t.Errorf("%s: error = %v, want error %v", file, err, tc.err)
			continue
		}
		if tc.license != "" && (len(c.License) == 0 || c.License[0].Value != tc.license) {
			t.Errorf("%s: license = %+v, want %s", file, c.License, tc.license)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"---\nlicense: mit\nbase_model: [a/b, c/d]\n---\n# x\n",
		"---\n" + aliasBomb() + "---\n",
		"---\r\nlicense:\r\n- mit\r\n---\r\n",
		"# none\n",
		"---\nmodel-index:\n- name: m\n  results:\n  - dataset: {type: d}\n---\n",
	} {
		f.Add([]byte(seed))
	}
	if files, err := filepath.Glob(filepath.Join(testutil.ModuleRoot(f), "..", "shared", "corpus", "cards", "*", "*.md")); err == nil {
		for _, p := range files {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("README.md", data)
		if err == nil && c == nil {
			t.Fatal("nil card without error")
		}
		if c != nil {
			for _, l := range c.License {
				if l.Line < 1 {
					t.Fatalf("license field without a line: %+v", l)
				}
			}
		}
	})
}

func TestCardFrontMatterAsHubReadsIt(t *testing.T) {
	t.Run("blank lines before the opening", func(t *testing.T) {
		c, err := Parse("README.md", []byte("\n  \r\n---\nlicense: mit\nbase_model: a/b\n---\n# Title\n"))
		if err != nil || !c.HasFrontMatter {
			t.Fatalf("err %v, front matter %v", err, c.HasFrontMatter)
		}
		if len(c.License) != 1 || c.License[0] != (Field{Value: "mit", Line: 4}) || c.BaseModel[0].Line != 5 || c.BodyLine != 7 {
			t.Errorf("license %+v base %+v body line %d", c.License, c.BaseModel, c.BodyLine)
		}
		if !strings.HasPrefix(c.Body, "# Title") {
			t.Errorf("body %q", c.Body)
		}
	})
	t.Run("text before the opening", func(t *testing.T) {
		c, err := Parse("README.md", []byte("# Title\n---\nlicense: mit\n---\n"))
		if err != nil || c.HasFrontMatter {
			t.Errorf("err %v, front matter %v", err, c.HasFrontMatter)
		}
	})
	t.Run("never closed, after blank lines", func(t *testing.T) {
		_, err := Parse("README.md", []byte("\n\n---\nlicense: mit\n"))
		var fe *formats.Error
		if !errors.As(err, &fe) || fe.Line != 3 {
			t.Errorf("err %v", err)
		}
	})
	t.Run("repeated audited field", func(t *testing.T) {
		card := "---\nlicense: mit\ntags:\n- a\nbase_model: x/y\nlicense: llama3.1\ntags:\n- b\n---\nbody\n"
		c, err := Parse("README.md", []byte(card))
		var fe *formats.Error
		if !errors.As(err, &fe) || fe.Line != 6 || !strings.Contains(fe.Msg, `"license" on line 6 replaces line 2`) || strings.Contains(fe.Msg, "tags") {
			t.Fatalf("err %v", err)
		}
		// Read as PyYAML reads it: the later value, at its line.
		if len(c.License) != 1 || c.License[0] != (Field{Value: "llama3.1", Line: 6}) || c.Lines["license"] != 6 {
			t.Errorf("license %+v line %d", c.License, c.Lines["license"])
		}
		if len(c.Tags) != 1 || c.Tags[0].Value != "b" || len(c.BaseModel) != 1 || c.Body != "body\n" {
			t.Errorf("tags %+v base %+v body %q", c.Tags, c.BaseModel, c.Body)
		}
	})
	t.Run("repeated other field", func(t *testing.T) {
		c, err := Parse("README.md", []byte("---\nlicense: mit\ntags: [a]\ntags: [b]\n---\n"))
		if err != nil || len(c.Tags) != 1 || c.Tags[0].Value != "b" || c.License[0].Value != "mit" {
			t.Errorf("err %v tags %+v", err, c.Tags)
		}
	})
	t.Run("real-world shapes", func(t *testing.T) {
		card := "---\r\nlicense: other\r\nlicense_name: llama3.2\r\nlicense_link: LICENSE.md\r\n" +
			"base_model:\r\n- meta-llama/Llama-3.2-1B # the base\r\ndatasets: teknium/OpenHermes-2.5\r\n" +
			"model-index:\r\n- name: m\r\n  results:\r\n    task: {type: t}\r\n- results:\r\n  - dataset: gsm8k\r\n" +
			"extra_gated_prompt: |-\r\n" + strings.Repeat("  LLAMA 3.2 COMMUNITY LICENSE AGREEMENT clause text\r\n", 1500) +
			"---\r\n\r\n```yaml\r\n---\r\nlicense: mit\r\n---\r\n```\r\n"
		c, err := Parse("README.md", []byte(card))
		if err != nil {
			t.Fatal(err)
		}
		if c.License[0].Value != "other" || c.LicenseName.Value != "llama3.2" || c.LicenseLink.Value != "LICENSE.md" ||
			len(c.BaseModel) != 1 || c.BaseModel[0].Value != "meta-llama/Llama-3.2-1B" || len(c.Datasets) != 1 || c.Datasets[0].Line != 7 {
			t.Errorf("%+v", c)
		}
		if g := c.ExtraGated["extra_gated_prompt"]; len(g.Value) < 50_000 || strings.Contains(g.Value, "\r") {
			t.Errorf("extra_gated_prompt of %d bytes", len(g.Value))
		}
		if !strings.Contains(c.Body, "license: mit") {
			t.Errorf("body %q", c.Body)
		}
	})
}

// Gated cards write long checkbox labels as explicit YAML keys ("? key",
// then ": value") in extra_gated_fields, as Meta's Llama 3.1 cards do. The
// front matter parses: the licence, its name and link, and the base model
// are read, and the label is a gated field.
func TestParseExplicitKeys(t *testing.T) {
	card := `---
language:
- en
- de
library_name: transformers
license: other
license_name: llama3.1
license_link: LICENSE
base_model: meta-llama/Llama-3.1-8B
pipeline_tag: text-generation
tags:
- facebook
- meta
- llama-3
extra_gated_prompt: >-
  ### LLAMA 3.1 COMMUNITY LICENSE AGREEMENT

  Llama 3.1 Version Release Date: July 23, 2024
extra_gated_fields:
  First Name: text
  Last Name: text
  Date of birth: date_picker
  Country: country
  Affiliation: text
  Job title:
    type: select
    options:
    - Student
    - Other
  geo: ip_location
  ? By clicking Submit below I accept the terms of the license and acknowledge that
    the information I provide will be collected stored processed and shared in accordance
    with the Meta Privacy Policy
  : checkbox
extra_gated_description: The information you provide will be collected, stored, processed and shared in accordance with the Meta Privacy Policy.
extra_gated_button_content: Submit
---
## Model Information
`
	c, err := Parse("README.md", []byte(card))
	if err != nil {
		t.Fatal(err)
	}
	if c.FrontMatterError != "" || len(c.License) != 1 || c.License[0] != (Field{"other", 6}) || c.LicenseName != (Field{"llama3.1", 7}) ||
		c.LicenseLink != (Field{"LICENSE", 8}) || len(c.BaseModel) != 1 || c.BaseModel[0] != (Field{"meta-llama/Llama-3.1-8B", 9}) {
		t.Fatalf("card %+v", c)
	}
	var label Field
	for _, f := range c.ExtraGatedFields {
		if strings.HasPrefix(f.Value, "By clicking Submit") {
			label = f
		}
	}
	if label.Line != 31 || !strings.HasSuffix(label.Value, "with the Meta Privacy Policy") || len(c.ExtraGatedFields) != 8 {
		t.Errorf("gated fields %+v", c.ExtraGatedFields)
	}
	if c.ExtraGated["extra_gated_button_content"].Value != "Submit" {
		t.Errorf("extra gated %+v", c.ExtraGated)
	}
}

// A front matter that is really broken (a tab-indented block, an
// unclosed quote) still yields what a line-by-line reading finds, and the
// error says the YAML could not be parsed.
func TestParseBrokenFrontMatterReadLineByLine(t *testing.T) {
	card := "---\n" +
		"license: other # see below\n" +
		"license_name: 'qwen-research'\n" +
		"license_link: https://huggingface.co/Qwen/Qwen2.5-3B/blob/main/LICENSE\n" +
		"base_model:\n" +
		"- Qwen/Qwen2.5-3B\n" +
		"datasets: [HuggingFaceH4/ultrachat_200k, \"openbmb/UltraFeedback\"]\n" +
		"widget:\n" +
		"\t- text: \"unclosed\n" +
		"tags: [chat\n" +
		"---\nbody\n"
	c, err := Parse("README.md", []byte(card))
	var fe *formats.Error
	if !errors.As(err, &fe) || !strings.Contains(fe.Error(), "front matter is not valid YAML; the fields were read line by line") {
		t.Fatalf("error %v", err)
	}
	if c.FrontMatterError == "" || !c.HasFrontMatter {
		t.Errorf("front matter error %q", c.FrontMatterError)
	}
	if len(c.License) != 1 || c.License[0] != (Field{"other", 2}) || c.LicenseName != (Field{"qwen-research", 3}) ||
		c.LicenseLink.Value != "https://huggingface.co/Qwen/Qwen2.5-3B/blob/main/LICENSE" ||
		len(c.BaseModel) != 1 || c.BaseModel[0] != (Field{"Qwen/Qwen2.5-3B", 6}) ||
		len(c.Datasets) != 2 || c.Datasets[1].Value != "openbmb/UltraFeedback" {
		t.Errorf("card %+v", c)
	}
	if c.Body != "body\n" {
		t.Errorf("body %q", c.Body)
	}
}
