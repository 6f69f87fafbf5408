package modelvet

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/report"
)

// hfCacheRelease writes a Hugging Face cache folder for repo (one snapshot
// holding files) and returns it, so the audit knows the repository id as
// it does for a downloaded model.
func hfCacheRelease(t *testing.T, repo string, files map[string]string) string {
	t.Helper()
	const commit = "0123456789abcdef0123456789abcdef01234567"
	dir := filepath.Join(t.TempDir(), "models--"+strings.Replace(repo, "/", "--", 1))
	snap := filepath.Join(dir, "snapshots", commit)
	if err := os.MkdirAll(snap, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "refs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "refs", "main"), []byte(commit), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(snap, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// findingKeys lists a report's findings of codes with the prefix as
// "code subject", sorted.
func findingKeys(rep *Report, prefix string) []string {
	var out []string
	for _, f := range rep.Findings {
		if strings.HasPrefix(string(f.Code), prefix) {
			out = append(out, string(f.Code)+" "+f.Subject)
		}
	}
	slices.Sort(out)
	return out
}

const (
	llamaConfig  = `{"architectures":["LlamaForCausalLM"],"model_type":"llama"}`
	mllamaConfig = `{"architectures":["MllamaForConditionalGeneration"],"model_type":"mllama"}`
	qwenConfig   = `{"architectures":["Qwen2ForCausalLM"],"model_type":"qwen2"}`
)

// Licence judgements on releases shaped like the popular ones: the
// licensor's own models, fine-tunes that keep or drop their base's terms,
// and the Llama 3.2 EU clause, which reaches its multimodal models only.
func TestAuditLicenceJudgements(t *testing.T) {
	a := newAuditor(t, WithJurisdictions())
	cases := []struct {
		name, repo, card, config string
		license                  []string // license.* findings, "code subject"
		verdict                  Verdict
	}{
		{
			// Meta's text model: no EU clause, and outputs usable under the
			// "Llama" name are a naming rule.
			name: "Llama 3.2 1B Instruct", repo: "meta-llama/Llama-3.2-1B-Instruct", config: llamaConfig,
			card:    "---\nlicense: llama3.2\nbase_model: meta-llama/Llama-3.2-1B\npipeline_tag: text-generation\n---\n",
			license: []string{"license.naming llama3.2", "license.use-restrictions llama3.2", "license.user-threshold llama3.2"},
			verdict: report.Review,
		},
		{
			name: "Llama 3.2 11B Vision Instruct", repo: "meta-llama/Llama-3.2-11B-Vision-Instruct", config: mllamaConfig,
			card:    "---\nlicense: llama3.2\nbase_model: meta-llama/Llama-3.2-11B-Vision\npipeline_tag: image-text-to-text\n---\n",
			license: []string{"license.naming llama3.2", "license.territory llama3.2", "license.use-restrictions llama3.2", "license.user-threshold llama3.2"},
			verdict: report.Review,
		},
		{
			// Qwen's instruct model of its own base is not held to the
			// "Built with Qwen" rule it sets for others.
			name: "Qwen2.5 72B Instruct", repo: "Qwen/Qwen2.5-72B-Instruct", config: qwenConfig,
			card:    "---\nlicense: other\nlicense_name: qwen\nbase_model: Qwen/Qwen2.5-72B\npipeline_tag: text-generation\n---\n",
			license: []string{"license.naming qwen", "license.user-threshold qwen"},
			verdict: report.Pass,
		},
		{
			// Another company's fine-tune of it is.
			name: "Qwen2.5 72B fine-tune under Apache", repo: "acme/chat-72b", config: qwenConfig,
			card:    "---\nlicense: apache-2.0\nbase_model: Qwen/Qwen2.5-72B-Instruct\n---\n",
			license: []string{"license.inheritance qwen", "license.inheritance qwen#naming"},
			verdict: report.Fail,
		},
		{
			name: "Llama 3.1 fine-tune named Llama", repo: "acme/Llama-3.1-8B-Medical", config: llamaConfig,
			card:    "---\nlicense: llama3.1\nbase_model: meta-llama/Llama-3.1-8B-Instruct\n---\n",
			license: []string{"license.naming llama3.1", "license.use-restrictions llama3.1", "license.user-threshold llama3.1"},
			verdict: report.Review,
		},
		{
			name: "Llama 3.1 fine-tune named otherwise", repo: "acme/medichat-8b", config: llamaConfig,
			card:    "---\nlicense: llama3.1\nbase_model: meta-llama/Llama-3.1-8B-Instruct\n---\n",
			license: []string{"license.inheritance llama3.1#naming", "license.naming llama3.1", "license.use-restrictions llama3.1", "license.user-threshold llama3.1"},
			verdict: report.Fail,
		},
		{
			// NVIDIA's licence section says the Llama 3.1 licence applies
			// too: the derivative stays under it.
			name: "Nemotron on Llama 3.1", repo: "nvidia/Llama-3.1-Nemotron-Nano-8B-v1", config: llamaConfig,
			card: "---\nlicense: other\nlicense_name: nvidia-open-model-license\nbase_model: meta-llama/Llama-3.1-8B-Instruct\npipeline_tag: text-generation\n---\n" +
				"# Llama-3.1-Nemotron-Nano-8B-v1\n\n## License/Terms of Use\n\nGOVERNING TERMS: Your use of this model is governed by the NVIDIA Open Model License. " +
				"Additional Information: Llama 3.1 Community License Agreement. Built with Llama.\n",
			license: []string{"license.naming nvidia-open-model-license", "license.use-restrictions nvidia-open-model-license"},
			verdict: report.Review,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := auditTarget(t, a, hfCacheRelease(t, c.repo, map[string]string{"README.md": c.card, "config.json": c.config}))
			if got := findingKeys(rep, "license."); !slices.Equal(got, c.license) {
				t.Errorf("licence findings:\n got %q\nwant %q", got, c.license)
			}
			if rep.Verdict != c.verdict {
				t.Errorf("verdict %s, want %s", rep.Verdict, c.verdict)
			}
		})
	}
}

// A ban of DeepSeek's apps and services (Texas, Australia) reaches
// DeepSeek's own model, never a US company's fine-tune of a DeepSeek
// distill; Kansas's statute, which covers all AI from developers in
// China, reaches the fine-tune through its base, inferred.
func TestAuditAppBansStayWithTheModel(t *testing.T) {
	a := newAuditor(t, WithJurisdictions("us-ks", "us-tx", "au"))
	distill := auditTarget(t, a, hfCacheRelease(t, "deepseek-ai/DeepSeek-R1-Distill-Llama-8B", map[string]string{
		"README.md": "---\nlicense: mit\nlibrary_name: transformers\n---\n", "config.json": llamaConfig}))
	want := []string{
		"au-pspf-direction-001-2025 inferred medium",
		"us-ks-hb-2313 declared high",
		"us-tx-governor-prohibited-apps-2025 inferred medium",
	}
	if got := governmentFindings(distill); !slices.Equal(got, want) {
		t.Errorf("DeepSeek's distill:\n got %q\nwant %q", got, want)
	}
	ft := auditTarget(t, a, hfCacheRelease(t, "acme-legal/r1-distill-llama-8b-legal", map[string]string{
		"README.md": "---\nlicense: llama3.1\nbase_model: deepseek-ai/DeepSeek-R1-Distill-Llama-8B\n---\n", "config.json": llamaConfig}))
	want = []string{"us-ks-hb-2313 inferred medium"}
	if got := governmentFindings(ft); !slices.Equal(got, want) {
		t.Errorf("US fine-tune:\n got %q\nwant %q", got, want)
	}
	for _, f := range ft.Findings {
		if f.Code == finding.ProvenanceGovernmentPolicy && !strings.Contains(f.Message, "Matches its base deepseek-ai/DeepSeek-R1-Distill-Llama-8B") {
			t.Errorf("the match on an ancestor is not said: %s", f.Message)
		}
	}
}
