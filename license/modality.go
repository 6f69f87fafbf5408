package license

import (
	"slices"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/manifest"
)

// Pipeline tags of the Hugging Face Hub that say what a model takes in.
// Multimodal tags name models that take images, video or audio with text;
// text tags name models that take text only.
var (
	multimodalPipelines = []string{
		"image-text-to-text", "visual-question-answering", "document-question-answering",
		"image-to-text", "video-text-to-text", "audio-text-to-text", "any-to-any",
	}
	textPipelines = []string{
		"text-generation", "text2text-generation", "fill-mask", "feature-extraction",
		"sentence-similarity", "text-classification", "token-classification",
		"question-answering", "summarization", "translation", "zero-shot-classification",
		"conversational", "text-ranking",
	}
	// multimodalMarks are parts of architecture names, model types and GGUF
	// architectures of vision-language models ("MllamaForConditionalGeneration",
	// "Qwen2_5_VLForConditionalGeneration", "LlavaForConditionalGeneration",
	// "Phi3VForCausalLM", GGUF "mllama" and the "clip" of mmproj files).
	multimodalMarks = []string{"vision", "mllama", "llava", "vlfor", "_vl", "phi3v", "paligemma", "idefics", "multimodal"}
	// multimodalGGUF are GGUF general.architecture values of image
	// encoders and vision-language models.
	multimodalGGUF = []string{"mllama", "clip", "llava"}
)

// modality says whether the release is a text model or a multimodal one,
// from the card's pipeline_tag, config.json's architectures and model_type,
// GGUF general.architecture, and its names: kb.ModalityMultimodal when any
// of them names a vision-language model, kb.ModalityText when some say text
// and none multimodal, "" when nothing says. The evidence is what decided.
func modality(rel *manifest.Release, names []string) (string, []finding.Evidence) {
	var multi, text []finding.Evidence
	if c := rel.Card; c != nil {
		if tag := strings.ToLower(strings.TrimSpace(c.PipelineTag.Value)); tag != "" {
			ev := manifest.CardEvidence(c, "pipeline_tag", c.PipelineTag)
			switch {
			case slices.Contains(multimodalPipelines, tag):
				multi = append(multi, ev)
			case slices.Contains(textPipelines, tag):
				text = append(text, ev)
			}
		}
	}
	if cfg := rel.Config; cfg != nil {
		for _, a := range append(slices.Clone(cfg.Architectures), cfg.ModelType) {
			la := strings.ToLower(a)
			ev := finding.Evidence{Path: cfg.Path, Field: "architectures", Value: a}
			if a == cfg.ModelType {
				ev.Field = "model_type"
			}
			switch {
			case la == "":
			case markedMultimodal(la):
				multi = append(multi, ev)
			case strings.HasSuffix(la, "forcausallm"):
				text = append(text, ev)
			}
		}
	}
	for _, f := range rel.Files {
		if g := f.GGUF; g != nil {
			arch := strings.ToLower(strings.TrimSpace(g.String("general.architecture")))
			ev := f.GGUFEvidence("general.architecture")
			switch {
			case arch == "":
			case slices.Contains(multimodalGGUF, arch) || markedMultimodal(arch):
				multi = append(multi, ev)
			default:
				text = append(text, ev)
			}
		}
	}
	for _, n := range names {
		ln := strings.ToLower(n)
		if strings.Contains(ln, "vision") || strings.Contains(ln, "-vl-") || strings.HasSuffix(ln, "-vl") {
			multi = append(multi, finding.Evidence{Field: "name", Value: n})
		}
	}
	switch {
	case len(multi) > 0:
		return kb.ModalityMultimodal, multi
	case len(text) > 0:
		return kb.ModalityText, text
	}
	return "", nil
}

func markedMultimodal(s string) bool {
	return slices.ContainsFunc(multimodalMarks, func(m string) bool { return strings.Contains(s, m) })
}
