// Package kb is modelvet's knowledge base: the facts that change over time
// (licence terms, model families and their developers, datasets generated
// by models, government policies, public allegations), kept as data files
// embedded in the binary, each record with its sources, date and
// confidence. The whole carries a version and an as-of date that every
// report cites.
//
// Users overlay newer or additional facts without rebuilding: Load merges
// the files of an fs.FS over the embedded ones, record by record (a record
// with the same id replaces the embedded one). Embedded data and overlays
// are checked as they load — every enumerated field against its values
// (the typed Status, CoverScope, Category, Relation, TermValue, …), every
// country against ISO 3166-1 alpha-2 (IsCountry), dates, sources and
// references to organisations — and a file that breaks the schema is a
// *ValidationError naming the file, the line, the record and the values
// allowed. docs/KNOWLEDGE-BASE.md documents the file schema.
package kb

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
	"github.com/modelvet/modelvet/internal/yamlnode"
)

// The YAML files in data/ are the source of truth; the binary embeds them
// compiled (compiled.go), so that a process does not parse them at start.

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
	file, key string
	// merge decodes data and merges its records into k; the returned
	// function checks them once the whole layer (embedded data or one
	// overlay) has merged, since records name records of other files.
	merge func(k *KB, data []byte, file string) (func(c *checker), error)
}

// sectionOf is the section of file, whose records sit under key and merge
// into the list list returns. A record type that implements validator is
// checked as it loads.
func sectionOf[T record](file, key string, list func(*KB) *[]T) section {
	return section{file, key, func(k *KB, data []byte, name string) (func(*checker), error) {
		records, err := mergeFile(list(k), data, name, key)
		if err != nil {
			return nil, err
		}
		return func(c *checker) { check(c, records) }, nil
	}}
}

// sections lists the files of the knowledge base, in the order they merge.
var sections = []section{
	sectionOf("licenses.yaml", "licenses", func(k *KB) *[]*License { return &k.Licenses }),
	sectionOf("organizations.yaml", "organizations", func(k *KB) *[]*Organization { return &k.Organizations }),
	sectionOf("models.yaml", "models", func(k *KB) *[]*Model { return &k.Models }),
	sectionOf("models-published.yaml", "models", func(k *KB) *[]*Model { return &k.Models }),
	sectionOf("datasets.yaml", "datasets", func(k *KB) *[]*Dataset { return &k.Datasets }),
	sectionOf("policies.yaml", "policies", func(k *KB) *[]*Policy { return &k.Policies }),
	sectionOf("allegations.yaml", "allegations", func(k *KB) *[]*Allegation { return &k.Allegations }),
	sectionOf("output-terms.yaml", "output_terms", func(k *KB) *[]*OutputTerms { return &k.OutputTerms }),
	// The -published files hold fingerprint records from published
	// figures; the others, records checked against the shared corpus.
	sectionOf("architectures.yaml", "architectures", func(k *KB) *[]*Architecture { return &k.Architectures }),
	sectionOf("architectures-published.yaml", "architectures", func(k *KB) *[]*Architecture { return &k.Architectures }),
	sectionOf("tokenizers.yaml", "tokenizers", func(k *KB) *[]*Tokenizer { return &k.Tokenizers }),
	sectionOf("tokenizers-published.yaml", "tokenizers", func(k *KB) *[]*Tokenizer { return &k.Tokenizers }),
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
	k, err := decodeCompiled()
	if err != nil {
		return nil, err
	}
	if overlay != nil {
		if err := k.merge(overlay, "overlay", false); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// merge reads the files of fsys into k, then checks the records they
// hold.
func (k *KB) merge(fsys fs.FS, name string, base bool) error {
	metaData, err := readFile(fsys, "meta.yaml")
	switch {
	case err == nil:
		m, err := decodeMeta(metaData, name+" meta.yaml")
		if err != nil {
			return err
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
	type merged struct {
		s     section
		file  string
		data  []byte
		check func(*checker)
	}
	var files []merged
	for _, s := range sections {
		data, err := readFile(fsys, s.file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		file := name + " " + s.file
		check, err := s.merge(k, data, file)
		if err != nil {
			return err
		}
		files = append(files, merged{s, file, data, check})
	}
	if len(files) == 0 && !base {
		return fmt.Errorf("%s holds no knowledge-base files (expected one of %s)", name, strings.Join(sectionFiles(), ", "))
	}
	var errs []error
	for _, f := range files {
		c := &checker{k: k, file: f.file, key: f.s.key}
		f.check(c)
		errs = append(errs, c.result(f.data)...)
	}
	return errors.Join(errs...)
}

// decodeMeta reads and checks a meta.yaml.
func decodeMeta(data []byte, file string) (Meta, error) {
	var m Meta
	if err := yamlnode.DecodeStrict(data, &m); err != nil {
		return m, decodeError(file, err)
	}
	c := &checker{file: file, index: -1}
	m.validate(c)
	if len(c.errs) > 0 {
		root := parseLines(data)
		errs := make([]error, len(c.errs))
		for i, fe := range c.errs {
			fe.err.Line = lineOf(root, fe.err.Field)
			errs[i] = fe.err
		}
		return m, errors.Join(errs...)
	}
	return m, nil
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
// one is appended. It returns the records of the file.
func mergeFile[T record](dst *[]T, data []byte, file, key string) ([]T, error) {
	var doc map[string][]T
	if err := yamlnode.DecodeStrict(data, &doc); err != nil {
		return nil, decodeError(file, err)
	}
	for k := range doc {
		if k != key {
			return nil, &ValidationError{File: file, Line: lineOf(parseLines(data), k), Msg: fmt.Sprintf("unknown top-level key %q", k), Allowed: []string{key}}
		}
	}
	seen := map[string]bool{}
	for i, r := range doc[key] {
		id := r.key()
		if id == "" {
			return nil, &ValidationError{File: file, Line: lineOf(parseLines(data), fmt.Sprintf("%s[%d]", key, i)), Field: "id", Msg: fmt.Sprintf("is required (record %d of %s)", i+1, key)}
		}
		if seen[id] {
			return nil, &ValidationError{File: file, Line: lineOf(parseLines(data), fmt.Sprintf("%s[%d].id", key, i)), Record: id, Msg: "the id is given twice"}
		}
		seen[id] = true
		if j := slices.IndexFunc(*dst, func(o T) bool { return o.key() == id }); j >= 0 {
			(*dst)[j] = r
		} else {
			*dst = append(*dst, r)
		}
	}
	return doc[key], nil
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
