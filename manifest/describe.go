package manifest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"strings"
	"sync"

	"github.com/modelvet/modelvet/fingerprint"
	"github.com/modelvet/modelvet/formats"
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
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
)

// content is a readable file: local (an *os.File) or remote (range reads).
type content interface {
	io.ReaderAt
	io.Closer
}

// opener opens the bytes of a listed file and returns its current size.
type opener func(ctx context.Context, f *File) (content, int64, error)

func openLocal(_ context.Context, f *File) (content, int64, error) {
	if f.LocalPath == "" {
		return nil, 0, fmt.Errorf("no local copy")
	}
	fh, err := safeio.OpenRegular(f.LocalPath)
	if err != nil {
		return nil, 0, err
	}
	fi, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, 0, err
	}
	return fh, fi.Size(), nil
}

// describe reads the header of every local file of rel.
func describe(ctx context.Context, rel *Release) error {
	return describeWith(ctx, rel, openLocal)
}

// describeWith classifies every file of rel and reads what each format
// declares, opening files through open. Weight headers are read in
// parallel; results land in each File, so the outcome does not depend on
// scheduling.
func describeWith(ctx context.Context, rel *Release, open opener) error {
	rel.sortFiles()
	type result struct {
		problems []*Problem
	}
	results := make([]result, len(rel.Files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(4, 2*runtime.GOMAXPROCS(0)))
	for i, f := range rel.Files {
		if ctx.Err() != nil {
			break
		}
		if f.unreadable {
			continue // recorded as a problem while listing
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i].problems = describeFile(ctx, rel, f, open)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, r := range results {
		rel.Problems = append(rel.Problems, r.problems...)
	}
	checkGGUFSplits(rel)
	collect(ctx, rel, open)
	return nil
}

// describeFile classifies f and parses what its format declares. It only
// writes to f, so files can be described concurrently.
func describeFile(ctx context.Context, rel *Release, f *File, open opener) []*Problem {
	c, size, err := open(ctx, f)
	if err != nil {
		if f.Format == "" {
			f.Format = classify(f.Path, nil)
		}
		return []*Problem{{Path: f.Path, Message: "cannot be read: " + err.Error(), Err: err}}
	}
	defer c.Close()
	f.Size = size
	local := rel.Kind != KindHub
	n := int64(sniffLen)
	if local {
		n = contentSniffLen
	}
	head := make([]byte, min(size, n))
	if _, err := c.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return []*Problem{problemFrom(f.Path, err)}
	}
	if lfs.Maybe(size, head) {
		// A clone without Git LFS holds pointers in place of the files.
		if data, err := safeio.ReadAt(c, 0, size); err == nil {
			if p, ok := lfs.Parse(data); ok {
				f.Format, f.LFSPointer = FormatLFSPointer, p
				return []*Problem{lfsProblem(f)}
			}
		}
	}
	if f.Format == "" || f.Format == FormatOther {
		f.Format = classify(f.Path, head)
		if local {
			// Remotely only the first bytes are fetched; locally the content
			// decides, the name being a hint, and a name that lies is
			// reported.
			f.Format = refine(c, size, f.Path, head, f.Format)
			f.Mismatch = mismatch(f.Path, f.Format)
		}
	}
	return readFormat(rel, f, c, size, 0)
}

// readFormat reads what f's format declares from c, and the members of an
// archive, depth archives deep; it only writes to f.
func readFormat(rel *Release, f *File, c io.ReaderAt, size int64, depth int) []*Problem {
	var perr error
	switch f.Format {
	case FormatSafetensors:
		f.Safetensors, perr = safetensors.Read(c, size)
	case FormatGGUF:
		switch {
		case f.GGUF != nil:
			// Read already (the first GGUF file of a Hub repository).
		case f.prefix > 0:
			f.GGUF, perr = gguf.ReadPrefix(c, size, f.prefix)
		default:
			f.GGUF, perr = gguf.Read(c, size)
		}
	case FormatPyTorch, FormatPickle:
		f.Pickle, perr = pickle.Read(c, size)
	case FormatKeras:
		f.Keras, perr = keras.Read(c, size)
	case FormatONNX:
		if rel.Kind != KindHub { // remotely, only the first bytes are fetched, to classify it
			f.ONNX, perr = onnx.Read(c, size)
		}
	case FormatHDF5:
		if f.prefix > 0 {
			f.Keras, perr = keras.ScanHDF5Prefix(c, size, f.prefix)
		} else if rel.Kind != KindHub {
			f.Keras, perr = keras.ScanHDF5(c, size)
		}
	case FormatNumPy:
		if rel.Kind != KindHub {
			f.NumPy, perr = numpy.Read(c, size)
		}
	case FormatJoblib:
		f.Joblib, perr = joblib.Read(c, size)
	case FormatSkops:
		f.Skops, perr = skops.Read(c, size)
		if perr == nil {
			return readMembers(rel, f, c, size, depth)
		}
	case FormatSavedModel:
		f.SavedModel, perr = savedmodel.Read(c, size)
	case FormatArchive, FormatNPZ:
		if rel.Kind != KindHub {
			return readMembers(rel, f, c, size, depth)
		}
	}
	if perr != nil {
		return []*Problem{problemFrom(f.Path, withPath(perr, f))}
	}
	return nil
}

// readMembers lists an archive and reads each member as a file of its own:
// classified by its content and name, and read by the reader of its
// format, archives within archives to limits.MaxArchiveDepth.
func readMembers(rel *Release, f *File, c io.ReaderAt, size int64, depth int) []*Problem {
	a, err := archive.Open(c, size)
	if a == nil {
		return []*Problem{problemFrom(f.Path, withPath(err, f))}
	}
	f.Archive = a.Info()
	var problems []*Problem
	if err != nil {
		problems = append(problems, problemFrom(f.Path, withPath(err, f)))
	}
	if depth >= limits.MaxArchiveDepth {
		return append(problems, &Problem{Path: f.Path, Message: fmt.Sprintf("archive nested %d deep; its members are listed, not read", depth+1)})
	}
	read := 0
	for i, e := range f.Archive.Entries {
		if e.Dir || e.Link != "" || e.Encrypted || f.Format == FormatSkops && e.Name == "schema.json" {
			continue
		}
		if read++; read > limits.MaxArchiveMembersRead {
			problems = append(problems, &Problem{Path: f.Path, Message: fmt.Sprintf("archive holds more than %d members; the rest are listed, not read", limits.MaxArchiveMembersRead)})
			break
		}
		m := &File{Path: f.Path + "!/" + e.Name, Size: e.Size}
		f.Members = append(f.Members, m)
		mr, msize, err := a.Member(i)
		if err != nil {
			m.Format = classify(e.Name, nil)
			if !errors.Is(err, archive.ErrNotRead) {
				problems = append(problems, problemFrom(m.Path, withPath(err, m)))
			}
			continue
		}
		m.Size = msize
		head, _ := safeio.ReadAt(mr, 0, min(msize, contentSniffLen))
		m.Format = refine(mr, msize, e.Name, head, classify(e.Name, head))
		m.Mismatch = mismatch(e.Name, m.Format)
		problems = append(problems, readFormat(rel, m, mr, msize, depth+1)...)
	}
	return problems
}

// withPath fills in the file path of a formats.Error from a reader, which
// does not know it.
func withPath(err error, f *File) error {
	var fe *formats.Error
	if errors.As(err, &fe) {
		if fe.Path == "" {
			fe.Path = f.Path
		}
		if fe.Format == "" {
			fe.Format = string(f.Format)
		}
		return err
	}
	return &formats.Error{Format: string(f.Format), Path: f.Path, Offset: -1, Err: err}
}

// collect reads the small text files of a release (card, configs, index,
// licence texts, tokenizer files) and locates the signature, after every
// file is classified, then gathers the facts that identify the model.
func collect(ctx context.Context, rel *Release, open opener) {
	var facts []fingerprint.File
	for _, f := range rel.Files {
		if f.unreadable {
			continue
		}
		base := strings.ToLower(path.Base(f.Path))
		top := !strings.Contains(f.Path, "/")
		switch f.Format {
		case FormatCard:
			data, err := readText(ctx, open, f, limits.MaxCardBytes, "model card")
			if err != nil {
				rel.addProblem(problemFrom(f.Path, err))
				continue
			}
			card, err := modelcard.Parse(f.Path, data)
			if err != nil {
				rel.addProblem(problemFrom(f.Path, err))
			}
			rel.Card = card
		case FormatConfig, FormatJSON, FormatText:
			if !top || f.Format != FormatConfig && !fingerprint.IsFile(f.Path) {
				break
			}
			data, err := readText(ctx, open, f, factsFileCap(f.Path, rel.Kind), strings.TrimSuffix(base, ".json"))
			if err == nil {
				switch base {
				case "config.json":
					rel.Config, err = modelconfig.Parse(f.Path, data)
				case "generation_config.json":
					rel.GenerationConfig, err = modelconfig.Parse(f.Path, data)
				case "adapter_config.json":
					rel.AdapterConfig, err = modelconfig.ParseAdapter(f.Path, data)
				}
				facts = append(facts, fingerprint.File{Path: f.Path, Data: data})
			}
			if err != nil {
				rel.addProblem(problemFrom(f.Path, err))
			}
		case FormatSafetensorsIndex:
			data, err := readText(ctx, open, f, limits.MaxIndexBytes, "index")
			var idx *safetensors.Index
			if err == nil {
				// An index with an unusable total_size comes back with the
				// error; keep it.
				idx, err = safetensors.ParseIndex(f.Path, data)
			}
			if err != nil {
				rel.addProblem(problemFrom(f.Path, err))
			}
			// The index nearest the root is the release's (nested ones
			// belong to components, e.g. diffusers' text_encoder/).
			if idx == nil {
				continue
			}
			rel.SafetensorsIndexes = append(rel.SafetensorsIndexes, idx)
			if rel.SafetensorsIndex == nil || primaryIndex(idx.Path, rel.SafetensorsIndex.Path) {
				rel.SafetensorsIndex = idx
			}
		case FormatLicense:
			if strings.Count(f.Path, "/") > 1 {
				continue
			}
			data, err := readText(ctx, open, f, limits.MaxLicenseTextBytes, "")
			truncated := false
			if errors.Is(err, safeio.ErrTooLarge) {
				data, err = readPrefix(ctx, open, f, limits.MaxLicenseTextBytes)
				truncated = true
			}
			if err != nil {
				rel.addProblem(problemFrom(f.Path, err))
				continue
			}
			rel.LicenseTexts = append(rel.LicenseTexts, &LicenseText{Path: f.Path, Origin: "file", Text: string(data), Truncated: truncated})
		case FormatSignature:
			if preferSignature(rel.Signature, f) {
				rel.Signature = f
			}
		}
		if f.GGUF != nil {
			rel.TemplateChecks = append(rel.TemplateChecks, ggufChatTemplates(f.Path, f.GGUF)...)
		}
		if isChatTemplateName(f.Path) && (f.Format == FormatJSON || f.Format == FormatText) {
			data, err := readText(ctx, open, f, limits.MaxJSONBytes, "")
			if err != nil {
				continue // a template too large or unreadable is not checked
			}
			checks, err := chatTemplatesOf(f.Path, data)
			if err != nil {
				rel.addProblem(problemFrom(f.Path, err))
			}
			rel.TemplateChecks = append(rel.TemplateChecks, checks...)
		}
	}
	readFacts(rel, facts)
}

// factsFileCap is the most read of a config or tokenizer file: a remote
// audit reads only small ones.
func factsFileCap(name string, kind Kind) int64 {
	if kind == KindHub {
		return min(fingerprint.MaxFileBytes(name), limits.MaxHubTokenizerBytes)
	}
	return fingerprint.MaxFileBytes(name)
}

// readFacts gathers the facts that identify the model from the small files
// read, the GGUF metadata and the top-level safetensors headers (with the
// shards the index names that are absent or unread), noting the files too
// large to read. Faults in config.json are reported once, by modelconfig.Parse.
func readFacts(rel *Release, files []fingerprint.File) {
	src := fingerprint.Sources{Files: files}
	for _, f := range rel.Files {
		top := !strings.Contains(f.Path, "/")
		switch {
		case f.GGUF != nil:
			src.GGUF = append(src.GGUF, fingerprint.GGUFFile{Path: f.Path, Info: f.GGUF})
		case f.Format == FormatSafetensors && top:
			src.Safetensors = append(src.Safetensors, fingerprint.SafetensorsHeader{Path: f.Path, Info: f.Safetensors})
		case f.unreadable && top && fingerprint.IsFile(f.Path) && f.Size > factsFileCap(f.Path, rel.Kind):
			src.Omitted = append(src.Omitted, fingerprint.Omission{Path: f.Path,
				Reason: fmt.Sprintf("not read: %d bytes, over the %d read of it", f.Size, factsFileCap(f.Path, rel.Kind))})
		}
	}
	if idx := rel.SafetensorsIndex; idx != nil && !strings.Contains(idx.Path, "/") {
		for _, shard := range idx.Shards {
			if rel.File(shard) == nil {
				src.Safetensors = append(src.Safetensors, fingerprint.SafetensorsHeader{Path: shard})
			}
		}
	}
	facts, errs := fingerprint.Gather(src)
	for _, err := range errs {
		if p := problemFrom("", err); classify(p.Path, nil) != FormatConfig {
			rel.addProblem(p)
		}
	}
	if !facts.Empty() {
		rel.Fingerprint = facts
	}
}

// preferSignature reports whether f replaces cur as the release's
// signature file: the first one found does, unless a top-level model.sig
// comes later.
func preferSignature(cur, f *File) bool {
	return cur == nil || strings.EqualFold(f.Path, "model.sig")
}

// primaryIndex reports whether index a is more the release's own than b:
// nearer the root, else not a variant (model.safetensors.index.json before
// model.safetensors.index.fp16.json).
func primaryIndex(a, b string) bool {
	if da, db := strings.Count(a, "/"), strings.Count(b, "/"); da != db {
		return da < db
	}
	return strings.HasSuffix(strings.ToLower(a), ".safetensors.index.json") && !strings.HasSuffix(strings.ToLower(b), ".safetensors.index.json")
}

// readText reads a small file whole, within max bytes. With a description
// of the file (what), a file over the limit is a formats.Error saying so.
func readText(ctx context.Context, open opener, f *File, max int64, what string) ([]byte, error) {
	c, size, err := open(ctx, f)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if size > max {
		if what != "" {
			return nil, &formats.Error{Path: f.Path, Offset: -1, Msg: fmt.Sprintf("%s is %d bytes, over the %d-byte limit; not parsed", what, size, max)}
		}
		return nil, fmt.Errorf("%w of %d bytes", safeio.ErrTooLarge, max)
	}
	// size is within max, so one buffer of that size is bounded; reading
	// it in one call avoids the copies of a chunked read (an index of a
	// large model runs to several MB).
	buf := make([]byte, size)
	if err := safeio.ReadFullAt(c, buf, 0); err != nil {
		return nil, err
	}
	return buf, nil
}

// readPrefix reads the first max bytes of a file.
func readPrefix(ctx context.Context, open opener, f *File, max int64) ([]byte, error) {
	c, size, err := open(ctx, f)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return safeio.ReadAt(c, 0, min(size, max))
}
