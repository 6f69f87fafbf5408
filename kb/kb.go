// Package kb is modelvet's knowledge base: the facts that change over time
// (licence terms, model families and their developers, datasets generated
// by models, government policies, public allegations), kept as data files
// embedded in the binary, each record with its sources, date and
// confidence. The whole carries a version and an as-of date that every
// report cites.
//
// Users overlay newer or additional facts without rebuilding: Load merges
// the files of an fs.FS over the embedded ones, record by record (a record
// with the same id replaces the embedded one). The file schema is
// documented in the README.
package kb

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/goccy/go-yaml"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
	"github.com/modelvet/modelvet/internal/yamlnode"
)

//go:embed data/*.yaml
var embedded embed.FS

// Citation is where a fact comes from.
type Citation struct {
	URL   string `yaml:"url" json:"url"`
	Date  string `yaml:"date,omitempty" json:"date,omitempty"` // when the source says it, or was read
	Title string `yaml:"title,omitempty" json:"title,omitempty"`
}

// Meta describes a knowledge base: the file meta.yaml.
type Meta struct {
	Version string `yaml:"version" json:"version"`
	AsOf    string `yaml:"as_of" json:"as_of"` // YYYY-MM-DD
}

// KB is a loaded knowledge base. It is read-only and safe for concurrent use.
type KB struct {
	Meta
	// Overlays names the overlays merged over the embedded data, with their
	// own versions, in order.
	Overlays []Meta

	Licenses      []*License
	Organizations []*Organization
	Models        []*Model
	Datasets      []*Dataset
	Policies      []*Policy
	Allegations   []*Allegation
	OutputTerms   []*OutputTerms
	Architectures []*Architecture
	Tokenizers    []*Tokenizer

	indexOnce sync.Once
	index     *index
}

// record is a knowledge-base record that overlays merge by id.
type record interface{ key() string }

// section is one file of the knowledge base and how it merges into a KB.
type section struct {
	file  string
	merge func(k *KB, data []byte, file string) error
}

var sections = []section{
	{"licenses.yaml", func(k *KB, d []byte, f string) error { return mergeFile(&k.Licenses, d, f, "licenses") }},
	{"organizations.yaml", func(k *KB, d []byte, f string) error {
		return mergeFile(&k.Organizations, d, f, "organizations")
	}},
	{"models.yaml", func(k *KB, d []byte, f string) error { return mergeFile(&k.Models, d, f, "models") }},
	{"models-published.yaml", func(k *KB, d []byte, f string) error { return mergeFile(&k.Models, d, f, "models") }},
	{"datasets.yaml", func(k *KB, d []byte, f string) error { return mergeFile(&k.Datasets, d, f, "datasets") }},
	{"policies.yaml", func(k *KB, d []byte, f string) error { return mergeFile(&k.Policies, d, f, "policies") }},
	{"allegations.yaml", func(k *KB, d []byte, f string) error {
		return mergeFile(&k.Allegations, d, f, "allegations")
	}},
	{"output-terms.yaml", func(k *KB, d []byte, f string) error {
		return mergeFile(&k.OutputTerms, d, f, "output_terms")
	}},
	// After models.yaml and organizations.yaml, whose records they name.
	// The -published files hold records from published figures; the
	// others, records checked against the shared corpus.
	{"architectures.yaml", mergeArchitectures},
	{"architectures-published.yaml", mergeArchitectures},
	{"tokenizers.yaml", mergeTokenizers},
	{"tokenizers-published.yaml", mergeTokenizers},
}

var (
	defaultOnce sync.Once
	defaultKB   *KB
)

// Default returns the embedded knowledge base, loaded once. Embedded data
// that does not load is a bug in modelvet, so Default panics on it (tests
// guard against that).
func Default() *KB {
	defaultOnce.Do(func() {
		k, err := load(nil)
		if err != nil {
			panic("kb: embedded knowledge base: " + err.Error())
		}
		defaultKB = k
	})
	return defaultKB
}

// Load returns the embedded knowledge base with overlay merged over it.
// overlay may hold any of the section files and a meta.yaml; files it does
// not hold keep their embedded content. A nil overlay gives Default().
func Load(overlay fs.FS) (*KB, error) {
	if overlay == nil {
		return Default(), nil
	}
	return load(overlay)
}

func load(overlay fs.FS) (*KB, error) {
	k := &KB{}
	sub, err := fs.Sub(embedded, "data")
	if err != nil {
		return nil, err
	}
	if err := k.merge(sub, "embedded", true); err != nil {
		return nil, err
	}
	if overlay != nil {
		if err := k.merge(overlay, "overlay", false); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// merge reads the files of fsys into k.
func (k *KB) merge(fsys fs.FS, name string, base bool) error {
	metaData, err := readFile(fsys, "meta.yaml")
	switch {
	case err == nil:
		var m Meta
		if err := yamlnode.DecodeStrict(metaData, &m); err != nil {
			return fmt.Errorf("%s meta.yaml: %s", name, yaml.FormatError(err, false, true))
		}
		if base {
			k.Meta = m
		} else {
			k.Overlays = append(k.Overlays, m)
		}
	case errors.Is(err, fs.ErrNotExist):
		if base {
			return fmt.Errorf("%s knowledge base has no meta.yaml", name)
		}
		k.Overlays = append(k.Overlays, Meta{Version: name})
	default:
		return err
	}
	found := false
	for _, s := range sections {
		data, err := readFile(fsys, s.file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		found = true
		if err := s.merge(k, data, name+" "+s.file); err != nil {
			return err
		}
	}
	if !found && !base {
		return fmt.Errorf("%s holds no knowledge-base files (expected one of %s)", name, strings.Join(sectionFiles(), ", "))
	}
	return nil
}

func sectionFiles() []string {
	var out []string
	for _, s := range sections {
		out = append(out, s.file)
	}
	return out
}

func readFile(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return safeio.ReadAll(f, limits.MaxKnowledgeBaseFile)
}

// mergeFile decodes the list under key in data and merges it into *dst by
// record key: a record with a known key replaces the old one in place, a new
// one is appended.
func mergeFile[T record](dst *[]T, data []byte, file, key string) error {
	var doc map[string][]T
	if err := yamlnode.DecodeStrict(data, &doc); err != nil {
		return fmt.Errorf("%s: %s", file, yaml.FormatError(err, false, true))
	}
	for k := range doc {
		if k != key {
			return fmt.Errorf("%s: unknown top-level key %q (want %q)", file, k, key)
		}
	}
	seen := map[string]bool{}
	for i, r := range doc[key] {
		id := r.key()
		if id == "" {
			return fmt.Errorf("%s: %s[%d] has no id", file, key, i)
		}
		if seen[id] {
			return fmt.Errorf("%s: duplicate id %q", file, id)
		}
		seen[id] = true
		if j := slices.IndexFunc(*dst, func(o T) bool { return o.key() == id }); j >= 0 {
			(*dst)[j] = r
		} else {
			*dst = append(*dst, r)
		}
	}
	return nil
}

// Version returns the version of the knowledge base including overlays,
// e.g. "2026.11.29" or "2026.11.29+acme-2026-12".
func (k *KB) Version() string {
	v := k.Meta.Version
	for _, o := range k.Overlays {
		v += "+" + o.Version
	}
	return v
}

// Date returns the as-of date: the latest of the base and its overlays.
func (k *KB) Date() string {
	d := k.AsOf
	for _, o := range k.Overlays {
		if o.AsOf > d {
			d = o.AsOf
		}
	}
	return d
}
