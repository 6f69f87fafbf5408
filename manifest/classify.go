package manifest

import (
	"encoding/binary"
	"path"
	"strings"

	"github.com/modelvet/modelvet/formats/onnx"
	"github.com/modelvet/modelvet/internal/zipcheck"
)

// sniffLen is how many leading bytes classify needs.
const sniffLen = 16

// classify decides a file's format from its name and, when given, its first
// bytes. Content wins over the name for weight formats, so a renamed pickle
// is still found.
func classify(name string, head []byte) Format {
	base := path.Base(name)
	lower := strings.ToLower(base)
	ext := path.Ext(lower)
	if f := sniff(head); f != "" {
		return f
	}
	if zipcheck.IsArchive(head) {
		switch ext {
		case ".keras":
			return FormatKeras
		case ".pt", ".pth", ".ckpt", ".bin", ".pkl", ".tar":
			return FormatPyTorch
		}
		return FormatOther
	}
	switch {
	case lower == "readme.md" && !strings.Contains(name, "/"):
		return FormatCard
	case lower == "config.json", lower == "generation_config.json", lower == "adapter_config.json":
		return FormatConfig
	case isIndexName(lower):
		return FormatSafetensorsIndex
	case isLicenseName(lower):
		return FormatLicense
	case lower == "model.sig" || ext == ".sig" || strings.HasSuffix(lower, ".sigstore.json"):
		return FormatSignature
	case ext == ".safetensors":
		return FormatSafetensors
	case ext == ".gguf":
		return FormatGGUF
	case ext == ".onnx":
		// ONNX has no magic: trust the name only when the first bytes
		// parse as the start of a ModelProto (or were not read).
		if head == nil || onnx.Sniff(head) {
			return FormatONNX
		}
		return FormatOther
	case ext == ".h5" || ext == ".hdf5":
		return FormatHDF5
	case ext == ".keras":
		return FormatKeras
	case ext == ".pt" || ext == ".pth" || ext == ".ckpt" || ext == ".pkl" || ext == ".pickle" || ext == ".joblib":
		// Named as a pickle but not starting like one: the pickle walker
		// decides (protocol 0 and 1 streams have no magic).
		return FormatPickle
	case ext == ".json":
		return FormatJSON
	case ext == ".md" || ext == ".txt" || ext == ".jinja" || ext == ".py" || ext == ".yaml" || ext == ".yml":
		return FormatText
	}
	return FormatOther
}

// sniff recognises weight formats by their leading bytes.
func sniff(head []byte) Format {
	switch {
	case len(head) >= 4 && string(head[:4]) == "GGUF":
		return FormatGGUF
	case len(head) >= 8 && string(head[:8]) == "\x89HDF\r\n\x1a\n":
		return FormatHDF5
	case len(head) >= 2 && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5:
		return FormatPickle
	case len(head) >= 9 && head[8] == '{':
		// safetensors: u64 header length, then a JSON object.
		n := binary.LittleEndian.Uint64(head[:8])
		if n >= 2 && n <= 100_000_000 {
			return FormatSafetensors
		}
	}
	return ""
}

// isIndexName matches sharded-safetensors indexes: NAME.safetensors.index.json,
// and the variant indexes of transformers and diffusers,
// NAME.safetensors.index.VARIANT.json (fp16, bf16, …), whose shards are
// NAME.VARIANT-00001-of-0000N.safetensors.
func isIndexName(lower string) bool {
	if strings.HasSuffix(lower, ".safetensors.index.json") {
		return true
	}
	_, rest, ok := strings.Cut(lower, ".safetensors.index.")
	variant, ok2 := strings.CutSuffix(rest, ".json")
	if !ok || !ok2 || variant == "" || len(variant) > 32 {
		return false
	}
	for _, c := range variant {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// isLicenseName matches the file names licences ship under: LICENSE,
// LICENCE, COPYING, NOTICE, USE_POLICY and variants such as LICENSE.md,
// LICENSE-MODEL, MODEL_LICENSE.txt or Notice.
func isLicenseName(lower string) bool {
	stem := strings.TrimSuffix(lower, path.Ext(lower))
	for _, w := range []string{"license", "licence", "copying", "notice", "use_policy", "use-policy", "usage_policy", "acceptable_use_policy"} {
		if stem == w || strings.HasPrefix(stem, w+"-") || strings.HasPrefix(stem, w+"_") || strings.HasSuffix(stem, "_"+w) || strings.HasSuffix(stem, "-"+w) {
			return true
		}
	}
	return false
}
