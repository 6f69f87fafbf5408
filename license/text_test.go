package license

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/internal/testutil"
	"github.com/modelvet/modelvet/kb"
)

// corpusTexts returns the licence texts of the shared corpus by ScanCode key.
func corpusTexts(t *testing.T) map[string]string {
	t.Helper()
	dir := testutil.Corpus(t, "licenses")
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no licence texts in %s: %v", dir, err)
	}
	out := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".txt")] = string(data)
	}
	return out
}

// expectedID is the knowledge-base licence a corpus key names: the key is
// an alias of exactly one record (its ScanCode key or SPDX id).
func expectedID(t *testing.T, k *kb.KB, key string) string {
	t.Helper()
	l := k.License(key)
	if l == nil {
		t.Fatalf("corpus licence %s is not in the knowledge base", key)
	}
	return l.ID
}

// identifyOne returns the licences found in a text, best first.
func identifyOne(t testing.TB, text string) []textMatch {
	t.Helper()
	s, err := shared()
	if err != nil {
		t.Fatal(err)
	}
	return s.scanText([]byte(text), scanOptions{})
}

func TestCorpusTextsIdentified(t *testing.T) {
	k := kb.Default()
	for key, text := range corpusTexts(t) {
		want := expectedID(t, k, key)
		ms := identifyOne(t, text)
		var ids []string
		for _, m := range ms {
			ids = append(ids, m.ID)
		}
		if len(ms) != 1 || ms[0].ID != want {
			t.Errorf("%s: identified %v, want exactly %s", key, ids, want)
			continue
		}
		if !ms[0].Key {
			t.Errorf("%s: identified without its title or version line", key)
		}
		if ms[0].Coverage < 70 {
			t.Errorf("%s: coverage %.1f%%, want at least 70%%", key, ms[0].Coverage)
		}
		t.Logf("%-32s → %-36s coverage %5.1f%%  anchors %d/%d", key, want, ms[0].Coverage, ms[0].Anchors, ms[0].Total)
	}
}

// Variants of a licence text as people republish them.

func rewrap(text string, width int) string {
	var out strings.Builder
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		n := 0
		for _, w := range strings.Fields(para) {
			if n > 0 && n+1+len(w) > width {
				out.WriteByte('\n')
				n = 0
			} else if n > 0 {
				out.WriteByte(' ')
				n++
			}
			out.WriteString(w)
			n += len(w)
		}
		out.WriteString("\n\n")
	}
	return out.String()
}

var (
	numbered = regexp.MustCompile(`^(\d+(\.\d+)*\.?|Section [IVX0-9]+:?|[A-Z][A-Z ,;&'’-]{6,})(\s|$)`)
	lettered = regexp.MustCompile(`^\(?([a-z]|[ivx]+)[.)]\s`)
)

// markdown turns a plain licence into Markdown: headings for numbered or
// upper-case lines, bullets for lettered items, emphasis on defined terms.
func markdown(text string) string {
	var out strings.Builder
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		t := strings.TrimSpace(line)
		switch {
		case t == "":
		case len(t) < 90 && numbered.MatchString(t):
			t = "## " + t
		case lettered.MatchString(t):
			t = "- " + t
		}
		t = strings.NewReplacer("“", "**“", "”", "”**").Replace(t)
		out.WriteString(t + "\n")
	}
	return out.String()
}

const (
	header = "# LICENSE\n\nThe model weights in this repository are provided under the licence below. Please read it before use.\n\n---\n\n"
	footer = "\n\n---\n\nQuestions about this licence? Open a discussion on the repository page.\n"
)

func variants(text string) map[string]string {
	return map[string]string{
		"rewrap-40":       rewrap(text, 40),
		"rewrap-120":      rewrap(text, 120),
		"one-line":        strings.Join(strings.Fields(text), " "),
		"markdown":        markdown(text),
		"header-footer":   header + text + footer,
		"crlf":            strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\r\n"),
		"markdown-framed": header + markdown(rewrap(text, 72)) + footer,
	}
}

func TestCorpusVariantsIdentified(t *testing.T) {
	k := kb.Default()
	total, ok := 0, 0
	var failed []string
	for key, text := range corpusTexts(t) {
		want := expectedID(t, k, key)
		for name, v := range variants(text) {
			total++
			ms := identifyOne(t, v)
			if len(ms) == 1 && ms[0].ID == want {
				ok++
				continue
			}
			var ids []string
			for _, m := range ms {
				ids = append(ids, m.ID)
			}
			failed = append(failed, fmt.Sprintf("%s/%s: %v", key, name, ids))
		}
	}
	slices.Sort(failed)
	t.Logf("variants identified: %d of %d (%.1f%%)", ok, total, 100*float64(ok)/float64(total))
	for _, f := range failed {
		t.Errorf("variant not identified as its own licence: %s", f)
	}
}

// TestFingerprints checks that the distinctive title, version and notice
// lines the research recorded for each model licence identify it, alone
// and inside other text.
func TestFingerprints(t *testing.T) {
	path := testutil.Research(t, "data", "licence-fingerprints.tsv")
	// Fingerprint keys of the research table → knowledge-base ids.
	ids := map[string]string{
		"llama2": "llama2", "llama3": "llama3", "llama3.1": "llama3.1", "llama3.2": "llama3.2",
		"llama3.3": "llama3.3", "llama4": "llama4", "gemma": "gemma",
		"creativeml-openrail-m": "creativeml-openrail-m", "bigscience-openrail-m": "bigscience-openrail-m",
		"bigscience-bloom-rail-1.0": "bigscience-bloom-rail-1.0", "bigcode-openrail-m": "bigcode-openrail-m",
		"deepseek": "deepseek", "tongyi-qianwen": "tongyi-qianwen", "qwen": "qwen", "qwen-research": "qwen-research",
		"yi": "yi-license", "tencent-hunyuan": "tencent-hunyuan", "falcon-180b": "falcon-180b-tii-license",
		"falcon-2": "falcon-llm-license", "tii-falcon-llm": "tii-falcon-llm", "mistral-mrl": "mistral-research-license",
		"mistral-mnpl": "mistral-non-production-license", "nvidia-open-model": "nvidia-open-model-license",
		"stability-community": "stabilityai-ai-community", "stability-nc-research": "stabilityai-nc-research-community",
		"flux-1-dev": "flux-1-dev-non-commercial-license", "grok2": "grok2-community", "apple-ascl": "apple-ascl",
		"openmdw": "openmdw-1.0",
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	checked := 0
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 3 {
			continue
		}
		want, ok := ids[cols[0]]
		kind := cols[1]
		if !ok || (kind != "title" && kind != "version_line" && kind != "notice" && kind != "opening") {
			continue
		}
		for _, phrase := range strings.Split(cols[2], " / ") {
			phrase = strings.TrimSpace(phrase)
			// Skip parenthesised notes and lines in other scripts, and the
			// <product> placeholder.
			if i := strings.Index(phrase, " ("); i >= 0 {
				phrase = phrase[:i]
			}
			if strings.Contains(phrase, "<") || !isLatin(phrase) || len(strings.Fields(phrase)) < 3 {
				continue
			}
			if (want == "creativeml-openrail-m" || want == "bigscience-openrail-m" || want == "bigscience-bloom-rail-1.0" || want == "deepseek" || want == "tongyi-qianwen" || want == "qwen-research" || want == "yi-license") && strings.HasPrefix(strings.ToLower(phrase), "dated") {
				continue // a date alone does not name the licence
			}
			if strings.HasPrefix(phrase, "Version 1.0") || strings.HasPrefix(phrase, "Release Date") || strings.HasPrefix(phrase, "Date of Release") || strings.HasPrefix(phrase, "falconllm") || strings.HasPrefix(phrase, "mistral.ai") || strings.Contains(phrase, "Release Date: August 3") {
				continue
			}
			text := "Terms of this model\n\n" + phrase + "\n\nPlease read the full terms before use.\n"
			ms := identifyOne(t, text)
			if len(ms) == 0 || ms[0].ID != want {
				// A name that is no licence's title may still name it.
				if !slices.ContainsFunc(nameMentions(kb.Default(), text), func(l *kb.License) bool { return l.ID == want }) {
					t.Errorf("%s %q: identified %v, want %s", cols[0], phrase, ms, want)
				}
			}
			checked++
		}
	}
	if checked < 25 {
		t.Errorf("checked only %d fingerprints", checked)
	}
	t.Logf("%d fingerprint lines identified their licence", checked)
}

func isLatin(s string) bool {
	for _, r := range s {
		if r > 0x2FF && r != '’' && r != '–' {
			return false
		}
	}
	return true
}
