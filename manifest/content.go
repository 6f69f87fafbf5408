package manifest

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/formats/archive"
	"github.com/modelvet/modelvet/formats/joblib"
	"github.com/modelvet/modelvet/formats/numpy"
	"github.com/modelvet/modelvet/formats/savedmodel"
	"github.com/modelvet/modelvet/formats/skops"
	"github.com/modelvet/modelvet/internal/decompress"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/zipcheck"
)

// contentSniffLen is how many leading bytes the content classification
// reads: a tar header's "ustar" is at offset 257.
const contentSniffLen = 512

// refine decides a local file's format by its content, the name being
// only a hint: what the first bytes and, for archives and compressed
// streams, the directory or the first decompressed bytes show. It returns
// the format classify gave when the content shows nothing more.
func refine(c io.ReaderAt, size int64, name string, head []byte, byName Format) Format {
	lower := strings.ToLower(path.Base(name))
	ext := path.Ext(lower)
	switch {
	case bytes.HasPrefix(head, []byte(numpy.Magic)):
		return FormatNumPy
	case zipcheck.IsArchive(head):
		return zipKind(c, size, byName)
	case archive.Sniff(head) != "":
		return FormatArchive
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}) && archive.SniffGzipTar(c, size):
		return FormatArchive
	case byName == FormatPickle && ext == ".joblib":
		return FormatJoblib
	case lower == "saved_model.pb" || ext == ".pb" && savedmodel.Sniff(head):
		return FormatSavedModel
	}
	if m := decompress.Sniff(head); m != "" && m != decompress.Zstd && joblib.DecompressedPickle(c, size) {
		return FormatJoblib
	}
	if comp, _ := joblib.Sniff(head); strings.HasPrefix(comp, "zlib (") {
		return FormatJoblib
	}
	return byName
}

// zipKind tells the kinds of zip apart by their members: a PyTorch
// checkpoint (a data.pkl, or TorchScript's constants.pkl), a Keras v3
// model (config.json and metadata.json), a skops file (schema.json), an
// .npz (only .npy members); any other zip is an archive whose members are
// read one by one.
func zipKind(c io.ReaderAt, size int64, byName Format) Format {
	n, err := zipcheck.EntryCount(c, size, "zip")
	if err != nil || n > limits.MaxArchiveEntries {
		return byNameOr(byName, FormatArchive)
	}
	zr, err := zip.NewReader(c, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return byNameOr(byName, FormatArchive)
	}
	var names []string
	npy := 0
	for _, f := range zr.File {
		names = append(names, f.Name)
		if strings.HasSuffix(strings.ToLower(f.Name), ".npy") {
			npy++
		}
	}
	has := func(base string) bool {
		return slices.ContainsFunc(names, func(n string) bool { return n == base || strings.HasSuffix(n, "/"+base) })
	}
	switch {
	case has("data.pkl") || has("constants.pkl"):
		return FormatPyTorch
	case slices.Contains(names, "config.json") && (slices.Contains(names, "metadata.json") || slices.Contains(names, "model.weights.h5")):
		return FormatKeras
	case skops.Sniff(names):
		return FormatSkops
	case npy > 0 && npy == len(names):
		return FormatNPZ
	}
	return FormatArchive
}

// byNameOr keeps a zip's format by name when its directory cannot be
// read (the reader of that format then says why), else falls back.
func byNameOr(byName, fallback Format) Format {
	if byName == FormatPyTorch || byName == FormatKeras {
		return byName
	}
	return fallback
}

// namedFormats lists the formats each extension claims. A file whose
// content is of a format its extension does not claim is reported; files
// with no extension, or one that names no format (.bin, .dat, .model),
// are not.
var namedFormats = map[string][]Format{
	".safetensors": {FormatSafetensors},
	".gguf":        {FormatGGUF},
	".pt":          {FormatPyTorch, FormatPickle},
	".pth":         {FormatPyTorch, FormatPickle},
	".ckpt":        {FormatPyTorch, FormatPickle},
	".pkl":         {FormatPickle, FormatPyTorch, FormatJoblib},
	".pickle":      {FormatPickle, FormatPyTorch, FormatJoblib},
	".joblib":      {FormatJoblib, FormatPickle},
	".npy":         {FormatNumPy},
	".npz":         {FormatNPZ, FormatArchive},
	".onnx":        {FormatONNX, FormatOther},
	".h5":          {FormatHDF5},
	".hdf5":        {FormatHDF5},
	".keras":       {FormatKeras, FormatHDF5},
	".skops":       {FormatSkops},
	".pb":          {FormatSavedModel, FormatOther},
	".zip":         {FormatArchive, FormatPyTorch, FormatKeras, FormatSkops, FormatNPZ},
	".tar":         {FormatArchive, FormatPyTorch},
	".tgz":         {FormatArchive},
	".gz":          {FormatArchive, FormatJoblib},
	".7z":          {FormatArchive},
	".json":        {}, ".txt": {}, ".md": {}, ".yaml": {}, ".yml": {}, ".py": {}, ".jinja": {},
	".png": {}, ".jpg": {}, ".jpeg": {}, ".gif": {}, ".csv": {}, ".html": {},
}

// contentFormats are the formats a name must not hide: weights, and every
// format whose loading can run code.
var contentFormats = []Format{FormatSafetensors, FormatGGUF, FormatPyTorch, FormatPickle, FormatJoblib, FormatNumPy,
	FormatNPZ, FormatHDF5, FormatKeras, FormatSkops, FormatSavedModel, FormatArchive}

// mismatch says how a file's name and its content disagree, or "".
func mismatch(name string, content Format) string {
	if !slices.Contains(contentFormats, content) {
		return ""
	}
	ext := path.Ext(strings.ToLower(path.Base(name)))
	claimed, known := namedFormats[ext]
	if !known || slices.Contains(claimed, content) {
		return ""
	}
	what := "no model format"
	if len(claimed) > 0 {
		what = string(claimed[0])
	}
	return fmt.Sprintf("its name (%s) claims %s, but its content is %s", ext, what, content)
}
