package license

import (
	"io"
	"path"
	"strings"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/manifest"
)

// IdentifyText identifies the licences of one licence text, with no
// release around it: the text is read as a release's licence file named
// name ("LICENSE", "LICENSE-CODE", "NOTICE"; "" reads as "LICENSE") would
// be, and explained with the embedded knowledge base. The result lists
// the licences found with their terms, and the findings about them: a
// text no licence matches gives license.unknown, an empty one
// license.missing. Only the first limits.MaxLicenseTextBytes of a longer
// text are read.
func IdentifyText(name, text string) *Result {
	return IdentifyTextWith(nil, name, text)
}

// IdentifyTextWith is IdentifyText with the knowledge base k (nil for the
// embedded one), such as one kb.Load merged an overlay into.
func IdentifyTextWith(k *kb.KB, name, text string) *Result {
	name = strings.TrimSpace(path.Clean("/" + strings.ReplaceAll(name, `\`, "/")))[1:]
	if name == "" {
		name = "LICENSE"
	}
	truncated := false
	if len(text) > limits.MaxLicenseTextBytes {
		text, truncated = text[:limits.MaxLicenseTextBytes], true
	}
	rel := &manifest.Release{
		Name: name,
		Kind: manifest.KindFile,
		Files: []*manifest.File{{
			Path: name, Size: int64(len(text)), Format: manifest.FormatLicense,
		}},
		LicenseTexts: []*manifest.LicenseText{{Path: name, Origin: "file", Text: text, Truncated: truncated}},
	}
	return Identify(rel, k)
}

// IdentifyReader is IdentifyText for a text read from r, of which it
// reads at most limits.MaxLicenseTextBytes (and one byte more, to know
// that the rest is left out). The error is r's.
func IdentifyReader(name string, r io.Reader) (*Result, error) {
	data, err := io.ReadAll(io.LimitReader(r, limits.MaxLicenseTextBytes+1))
	if err != nil {
		return nil, err
	}
	return IdentifyText(name, string(data)), nil
}
