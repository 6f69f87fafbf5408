package manifest

import (
	"slices"
	"strings"

	"github.com/modelvet/modelvet/fingerprint"
	"github.com/modelvet/modelvet/formats/archive"
	"github.com/modelvet/modelvet/formats/gguf"
	"github.com/modelvet/modelvet/formats/joblib"
	"github.com/modelvet/modelvet/formats/keras"
	"github.com/modelvet/modelvet/formats/lfs"
	"github.com/modelvet/modelvet/formats/modelcard"
	"github.com/modelvet/modelvet/formats/modelconfig"
	"github.com/modelvet/modelvet/formats/numpy"
	"github.com/modelvet/modelvet/formats/onnx"
	"github.com/modelvet/modelvet/formats/pickle"
	"github.com/modelvet/modelvet/formats/safetensors"
	"github.com/modelvet/modelvet/formats/savedmodel"
	"github.com/modelvet/modelvet/formats/skops"
)

// Kind says where a release was read from.
type Kind string

// Kinds of release source.
const (
	KindDirectory Kind = "directory"  // a local directory
	KindFile      Kind = "file"       // a single weight file
	KindHFCache   Kind = "hf-cache"   // a snapshot in a Hugging Face cache
	KindOllama    Kind = "ollama"     // a model in an Ollama store
	KindOCI       Kind = "oci-layout" // an OCI image layout of a model artifact
	KindHub       Kind = "hf-hub"     // a Hugging Face Hub repository, read remotely
)

// Format is the format of one file of a release.
type Format string

// File formats modelvet recognises.
const (
	FormatSafetensors      Format = "safetensors"
	FormatSafetensorsIndex Format = "safetensors-index"
	FormatGGUF             Format = "gguf"
	FormatPyTorch          Format = "pytorch" // PyTorch zip checkpoint (pickle inside)
	FormatPickle           Format = "pickle"  // bare or legacy PyTorch pickle stream
	FormatONNX             Format = "onnx"
	FormatHDF5             Format = "hdf5"  // Keras .h5 / HDF5
	FormatKeras            Format = "keras" // Keras v3 zip
	FormatNumPy            Format = "npy"   // NumPy array (object arrays are pickles)
	FormatNPZ              Format = "npz"   // zip of NumPy arrays
	FormatJoblib           Format = "joblib"
	FormatSkops            Format = "skops"
	FormatSavedModel       Format = "savedmodel" // TensorFlow saved_model.pb or frozen GraphDef
	FormatArchive          Format = "archive"    // zip, tar or 7z holding other files
	FormatCard             Format = "card"
	FormatConfig           Format = "config"
	FormatLicense          Format = "license" // LICENSE, NOTICE, USE_POLICY and the like
	FormatSignature        Format = "signature"
	FormatJSON             Format = "json"
	FormatText             Format = "text"
	FormatOther            Format = "other"
)

// IsWeights reports whether f holds model weights.
func (f Format) IsWeights() bool {
	switch f {
	case FormatSafetensors, FormatGGUF, FormatPyTorch, FormatPickle, FormatONNX, FormatHDF5, FormatKeras,
		FormatNumPy, FormatNPZ, FormatJoblib, FormatSkops, FormatSavedModel:
		return true
	}
	return false
}

// Release is everything a model release declares about itself: its files,
// card, configuration, licence texts, weight metadata and the digests that
// stores and indexes publish for its files. Nothing in a Release has been
// verified; provenance verifies it.
type Release struct {
	// Name is the best name for the model: the repository id when known
	// ("deepseek-ai/DeepSeek-R1"), the Ollama name, else the directory or
	// file name.
	Name string `json:"name"`
	// Repo is the Hugging Face repository id when one is known.
	Repo string `json:"repo,omitempty"`
	// Source describes where the release was read from, as a target string
	// that Parse accepts again.
	Source   string `json:"source"`
	Kind     Kind   `json:"kind"`
	Revision string `json:"revision,omitempty"`
	// Root is the local directory holding the release ("" when remote, or
	// the file itself for a single-file release).
	Root string `json:"-"`

	// Files lists every file, sorted by Path.
	Files []*File `json:"files"`

	Card             *modelcard.Card      `json:"card,omitempty"`
	Config           *modelconfig.Config  `json:"config,omitempty"`
	GenerationConfig *modelconfig.Config  `json:"generation_config,omitempty"`
	AdapterConfig    *modelconfig.Adapter `json:"adapter_config,omitempty"`
	// SafetensorsIndex is the release's own sharded-weights index: the
	// one nearest the root (first by path among equals).
	SafetensorsIndex *safetensors.Index `json:"safetensors_index,omitempty"`
	// SafetensorsIndexes lists every sharded-weights index, sorted by
	// path: components of a diffusers pipeline (transformer/,
	// text_encoder_2/) and variants (model.safetensors.index.fp16.json)
	// have their own.
	SafetensorsIndexes []*safetensors.Index `json:"safetensors_indexes,omitempty"`
	// LicenseTexts holds the licence texts shipped with the release.
	LicenseTexts []*LicenseText `json:"license_texts,omitempty"`
	// TemplateChecks lists the Jinja chat templates of the release (GGUF
	// metadata, tokenizer_config.json, chat_template.jinja), each checked
	// for constructs that reach Python internals.
	TemplateChecks []*TemplateCheck `json:"template_checks,omitempty"`
	// Signature is the located signature file, if any (not verified here).
	Signature *File `json:"signature,omitempty"`
	// Fingerprint holds the facts the release's own files state that
	// identify the model (package fingerprint), or nil when none do.
	Fingerprint *fingerprint.Facts `json:"fingerprint,omitempty"`

	Ollama *OllamaModel `json:"ollama,omitempty"`
	OCI    *OCIArtifact `json:"oci,omitempty"`
	Hub    *HubInfo     `json:"hub,omitempty"`

	// Problems lists what could not be read or parsed. A release with
	// problems is still described as far as possible.
	Problems []*Problem `json:"problems,omitempty"`
}

// File is one file of a release.
type File struct {
	// Path is slash-separated and relative to the release root.
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	Format Format `json:"format"`
	// SizeUnknown is set when no size is known for the file (a Hub
	// listing that gives none); Size is then 0 and means nothing.
	SizeUnknown bool `json:"size_unknown,omitempty"`
	// LocalPath is where to read the bytes on this machine ("" when remote).
	LocalPath string `json:"-"`
	// Symlink is set when the release holds the file as a symbolic link.
	Symlink bool `json:"symlink,omitempty"`
	// Expected lists digests and sizes published for this file by a store,
	// a Hub listing or an index, with where each came from.
	Expected []Expectation `json:"expected,omitempty"`
	// Content holds the bytes of a remote file that was downloaded whole
	// (a card, a config, a licence text, the signature), which has no
	// local copy to read again: provenance checks them against the listing
	// and the signature.
	Content []byte `json:"-"`

	Safetensors *safetensors.Info `json:"safetensors,omitempty"`
	GGUF        *gguf.Info        `json:"gguf,omitempty"`
	Pickle      *pickle.Info      `json:"pickle,omitempty"`
	// Keras is set for a Keras file whose model configuration was read.
	Keras *keras.Info `json:"keras,omitempty"`
	ONNX  *onnx.Info  `json:"onnx,omitempty"`
	// The readers of NumPy arrays, joblib and skops files, TensorFlow
	// graphs and archives.
	NumPy      *numpy.Info      `json:"npy,omitempty"`
	Joblib     *joblib.Info     `json:"joblib,omitempty"`
	Skops      *skops.Info      `json:"skops,omitempty"`
	SavedModel *savedmodel.Info `json:"savedmodel,omitempty"`
	Archive    *archive.Info    `json:"archive,omitempty"`
	// Members are the files inside an archive, each read like a file of
	// its own; a member's Path is the archive's, "!/", and its name.
	Members []*File `json:"members,omitempty"`
	// Mismatch says how the file's name and content disagree: a name that
	// claims one format over the content of another.
	Mismatch string `json:"mismatch,omitempty"`
	// LFSPointer is set when the file is a Git LFS pointer standing in
	// for content that was never downloaded (Format is then
	// FormatLFSPointer, and the release has a Problem saying so).
	LFSPointer *lfs.Pointer `json:"lfs_pointer,omitempty"`

	// unreadable marks files found while listing to be unsafe or
	// impossible to open (special files, symlinks leaving the tree).
	unreadable bool
	// prefix, when > 0, has the file read only in its first prefix bytes:
	// a remote GGUF file over the header budget, a remote HDF5 file.
	prefix int64
}

// Expectation is a digest (and size, when known) that some source publishes
// for a file.
type Expectation struct {
	Algorithm string `json:"algorithm"` // "sha256", "git-sha1", …
	Digest    string `json:"digest"`    // lower-case hex
	Size      int64  `json:"size"`      // -1 when the source gives no size
	// Source says who published it: "hf-cache", "ollama", "hf-hub",
	// "oci-manifest".
	Source string `json:"source"`
}

// LicenseText is a licence text shipped with a release.
type LicenseText struct {
	// Path of the file the text came from; for an Ollama licence layer, the
	// layer's synthetic path ("license" or "license-2", …).
	Path string `json:"path"`
	// Origin says what kind of place held it: "file", "ollama-layer",
	// "oci-layer", "card-section", "extra_gated_prompt".
	Origin string `json:"origin"`
	// Line is the 1-based line where the text starts within Path (card
	// sections), or 0.
	Line      int    `json:"line,omitempty"`
	Text      string `json:"-"`
	Truncated bool   `json:"truncated,omitempty"`
}

// File returns the file at path p, or nil.
func (r *Release) File(p string) *File {
	i, ok := slices.BinarySearchFunc(r.Files, p, func(f *File, p string) int { return strings.Compare(f.Path, p) })
	if !ok {
		return nil
	}
	return r.Files[i]
}

// Formats lists the distinct weight and index formats present, sorted.
func (r *Release) Formats() []Format {
	var out []Format
	for _, f := range r.Files {
		if f.Format.IsWeights() || f.Format == FormatSafetensorsIndex {
			out = append(out, f.Format)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// addProblem records a problem with the release.
func (r *Release) addProblem(p *Problem) { r.Problems = append(r.Problems, p) }

// sortFiles puts Files in path order, as File expects.
func (r *Release) sortFiles() {
	slices.SortFunc(r.Files, func(a, b *File) int { return strings.Compare(a.Path, b.Path) })
}
