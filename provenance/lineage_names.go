package provenance

import (
	"regexp"
	"strings"

	"github.com/modelvet/modelvet/internal/limits"
)

// NameInfo is what a model's name alone suggests about its lineage.
type NameInfo struct {
	// Org and Name split a "org/name" id; Org is empty for a bare name.
	Org, Name string
	// Base is the name with repackaging suffixes ("-GGUF", "-AWQ",
	// "-4bit", quant types such as "Q4_K_M") and a weight-file extension
	// removed; equal to Name when there were none.
	Base string
	// Suffixes lists the suffixes removed, outermost first.
	Suffixes []string
	// Teacher and Student split an "X-Distill-Y" name: distilled from X
	// onto Y.
	Teacher, Student string
	// Derivative is set when the name carries a mark of a fine-tune,
	// adapter or merge ("-lora", "-sft", "-dpo", "-merge", "-abliterated",
	// …), so that an unknown base is worth reporting.
	Derivative bool
}

// Quantized reports whether the name carries repackaging suffixes.
func (n NameInfo) Quantized() bool { return len(n.Suffixes) > 0 }

// repackSuffixes are name suffixes that mark a quantisation or format
// conversion of another model. Longer entries come first so that
// "bnb-4bit" wins over "4bit".
var repackSuffixes = []string{
	"unsloth-bnb-4bit", "bnb-4bit", "bnb-8bit", "fp8-dynamic", "int4-awq", "awq-int4", "gptq-int4", "gptq-int8",
	"i1-gguf", "gguf", "ggml", "awq", "gptq", "exl2", "exl3", "mlx", "onnx", "openvino", "hqq", "eetq", "marlin",
	"4bit", "8bit", "3bit", "6bit", "2bit", "5bit", "int4", "int8", "fp8", "fp4", "nf4", "mxfp4",
	"w4a16", "w8a8", "w8a16", "quantized", "quant", "imatrix", "imat", "i1", "dynamic", "unsloth",
	"bf16", "fp16", "f16", "fp32", "f32",
}

// ggmlQuantRE matches ggml quantisation type names used as suffixes
// ("Q4_K_M", "IQ2_XS", "Q8_0").
var ggmlQuantRE = regexp.MustCompile(`(?i)^i?q[1-8](?:_[a-z0-9]+)*$`)

// weightExts are file extensions removed before parsing a file name.
var weightExts = []string{".gguf", ".ggml", ".bin", ".safetensors", ".llamafile"}

// derivativeMarks are name tokens of fine-tunes, adapters and merges.
var derivativeMarks = []string{
	"lora", "qlora", "peft", "adapter", "sft", "dpo", "orpo", "kto", "grpo", "rlhf", "ft", "finetune", "finetuned",
	"fine-tuned", "merge", "merged", "slerp", "ties", "dare", "abliterated", "uncensored", "distill", "distilled",
}

// ParseName reads what a model id or file name suggests: its organisation,
// the name with repackaging suffixes removed, an "X-Distill-Y" split, and
// marks of a derivative. It never fails; names longer than
// limits.MaxModelName are cut first.
func ParseName(id string) NameInfo {
	id = strings.TrimSpace(id)
	if len(id) > limits.MaxModelName {
		id = id[:limits.MaxModelName]
	}
	var n NameInfo
	name := id
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		n.Org, name = id[:i], id[i+1:]
		if j := strings.LastIndexByte(n.Org, '/'); j >= 0 {
			n.Org = n.Org[j+1:]
		}
	}
	n.Name = name
	base := name
	lower := asciiLower(base) // same length as base, whatever the bytes
	for _, ext := range weightExts {
		if strings.HasSuffix(lower, ext) && len(base) > len(ext) {
			base = base[:len(base)-len(ext)]
			lower = lower[:len(lower)-len(ext)]
			break
		}
	}
	// Strip suffixes until none is left; each pass removes at least one
	// byte, so the loop is bounded by the name's length.
	for {
		s, ok := trimRepackSuffix(lower)
		if !ok {
			break
		}
		n.Suffixes = append(n.Suffixes, lower[len(lower)-len(s):])
		cut := len(lower) - len(s) - 1 // the separator too
		base, lower = base[:cut], lower[:cut]
	}
	n.Base = base
	if t, s, ok := splitDistill(base); ok {
		n.Teacher, n.Student = t, s
		n.Derivative = true
	}
	for _, tok := range strings.FieldsFunc(lower, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		for _, m := range derivativeMarks {
			if tok == m {
				n.Derivative = true
			}
		}
	}
	return n
}

// asciiLower lower-cases ASCII letters only, so that the result has the
// same length as s even when s is not valid UTF-8.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// trimRepackSuffix returns the repackaging suffix that ends lower (after a
// separator), if any.
func trimRepackSuffix(lower string) (string, bool) {
	for _, s := range repackSuffixes {
		if len(lower) > len(s)+1 && strings.HasSuffix(lower, s) && isNameSep(lower[len(lower)-len(s)-1]) {
			return s, true
		}
	}
	i := strings.LastIndexAny(lower, "-.")
	if i > 0 && i < len(lower)-1 && ggmlQuantRE.MatchString(lower[i+1:]) {
		return lower[i+1:], true
	}
	return "", false
}

func isNameSep(c byte) bool { return c == '-' || c == '_' || c == '.' }

// splitDistill splits "X-Distill-Y" (also "_distill_", "-Distilled-").
func splitDistill(name string) (teacher, student string, ok bool) {
	lower := asciiLower(name)
	for _, mark := range []string{"-distilled-", "_distilled_", "-distill-", "_distill_"} {
		if i := strings.Index(lower, mark); i > 0 && i+len(mark) < len(name) {
			return name[:i], name[i+len(mark):], true
		}
	}
	return "", "", false
}

// orgNameVariants returns the ids a repackaged name may stand for:
// "Qwen_QwQ-32B" is also "Qwen/QwQ-32B", as some quantisers write it.
func orgNameVariants(name string) []string {
	out := []string{name}
	if i := strings.IndexByte(name, '_'); i > 0 && i < len(name)-1 {
		out = append(out, name[:i]+"/"+name[i+1:])
	}
	return out
}
