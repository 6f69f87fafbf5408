package fingerprint

import (
	"cmp"
	"path"
	"slices"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/limits"
)

// fileNames are the file names read for facts, in the order their facts
// take precedence: a chat template file over the one in
// tokenizer_config.json (transformers reads it first), the tokenizer's own
// files over the ids config.json repeats.
var fileNames = []string{
	"chat_template.jinja", "chat_template.json", "tokenizer_config.json",
	"special_tokens_map.json", "tokenizer.json", "generation_config.json", "config.json",
}

// IsFile reports whether a file of a release, by its base name, is one
// ParseFile reads.
func IsFile(name string) bool {
	return slices.Contains(fileNames, path.Base(name))
}

// ParseFile reads the facts of one file, chosen by its base name (see
// IsFile). Other names are formats.ErrUnsupported. Malformed or oversized
// content is a *formats.Error; fields of unexpected types are left out
// rather than failing the file.
func ParseFile(name string, data []byte) (*Facts, error) {
	switch path.Base(name) {
	case "config.json":
		return parseConfig(name, data)
	case "generation_config.json":
		return parseGenerationConfig(name, data)
	case "tokenizer_config.json":
		return parseTokenizerConfig(name, data)
	case "special_tokens_map.json":
		return parseSpecialTokens(name, data)
	case "tokenizer.json":
		return parseTokenizerJSON(name, data)
	case "chat_template.jinja":
		return parseChatTemplate(name, data)
	case "chat_template.json":
		return parseChatTemplateJSON(name, data)
	}
	return nil, formats.ErrUnsupported
}

// MaxFileBytes is the largest file of this name ParseFile reads: a
// tokenizer.json holds a whole vocabulary, the others are small.
func MaxFileBytes(name string) int64 {
	if path.Base(name) == "tokenizer.json" {
		return limits.MaxTokenizerJSONBytes
	}
	return limits.MaxJSONBytes
}

// File is a file's name and bytes, read for its facts.
type File struct {
	Path string
	Data []byte
}

// Read parses the files among files that IsFile names and merges their
// facts, the files that take precedence first, so the result does not
// depend on the order of files. Files that cannot be parsed are returned
// as errors; the others still count.
func Read(files []File) (*Facts, []error) {
	ordered := slices.Clone(files)
	slices.SortStableFunc(ordered, func(a, b File) int {
		return cmp.Or(cmp.Compare(slices.Index(fileNames, path.Base(a.Path)), slices.Index(fileNames, path.Base(b.Path))),
			cmp.Compare(a.Path, b.Path))
	})
	facts := &Facts{}
	var errs []error
	for _, f := range ordered {
		if !IsFile(f.Path) {
			continue
		}
		got, err := ParseFile(f.Path, f.Data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		facts.Merge(got)
	}
	return facts, errs
}
