package main

import (
	"bufio"
	"bytes"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

// Outputs are byte-identical whichever runner wrote them and however it
// split the work: each is sorted by key. Lines are spread by key over
// outputBuckets parts, each part is sorted (equal lines once) and written
// to a temporary file, and one step merges the sorted parts into the
// output, holding one line of each part in memory.

func init() {
	register.DoFn3x0[string, string, func(int, string)](&partOfFn{})
	register.DoFn3x2[context.Context, int, func(*string) bool, string, error](&writePartFn{})
	register.DoFn3x1[context.Context, int, func(*string) bool, error](&mergeFn{})
	register.DoFn2x1[context.Context, string, error](&writeFileFn{})
}

// partsDir is where the sorted parts of the outputs are written, under
// -out, and removed once merged.
const partsDir = ".census-parts"

// writeSorted writes lines (KV<key, line>) to dir/name, one line each,
// sorted by key then line, equal pairs once. start is the pipeline's
// impulse: the output is written even when empty.
func writeSorted(s beam.Scope, dir, name string, lines, start beam.PCollection) {
	s = s.Scope(name)
	parts := beam.ParDo(s, &partOfFn{}, lines)
	written := beam.ParDo(s, &writePartFn{Dir: joinPath(dir, partsDir), Name: name}, beam.GroupByKey(s, parts))
	all := beam.AddFixedKey(s, beam.Flatten(s, written, beam.ParDo(s, nothing, start)))
	beam.ParDo0(s, &mergeFn{Path: joinPath(dir, name)}, beam.GroupByKey(s, all))
}

// partOfFn keys a line by its part; the key rides in front of the line,
// before a tab (keys hold none).
type partOfFn struct{}

func (*partOfFn) ProcessElement(key, line string, emit func(int, string)) {
	key = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, key)
	h := fnv.New32a()
	h.Write([]byte(key))
	emit(int(h.Sum32()%outputBuckets), key+"\t"+line)
}

// writePartFn sorts one part and writes it; it returns the part's file.
type writePartFn struct {
	Dir, Name string
}

func (f *writePartFn) ProcessElement(ctx context.Context, part int, lines func(*string) bool) (string, error) {
	var all []string
	var l string
	for lines(&l) {
		all = append(all, l)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	path := joinPath(f.Dir, fmt.Sprintf("%s.%03d", f.Name, part))
	err := writeFile(ctx, path, func(w io.Writer) error {
		for _, l := range all {
			if _, err := io.WriteString(w, l+"\n"); err != nil {
				return err
			}
		}
		return nil
	})
	return path, err
}

// mergeFn merges the sorted parts into the output and removes them.
type mergeFn struct {
	Path string
}

func (f *mergeFn) ProcessElement(ctx context.Context, _ int, files func(*string) bool) error {
	var parts []string
	var p string
	for files(&p) {
		if p != "" {
			parts = append(parts, p)
		}
	}
	slices.Sort(parts)
	fsys, err := filesystem.New(ctx, f.Path)
	if err != nil {
		return err
	}
	defer fsys.Close()
	var readers mergeHeap
	defer func() {
		for _, r := range readers {
			r.Close()
		}
	}()
	for _, p := range parts {
		rc, err := fsys.OpenRead(ctx, p)
		if err != nil {
			return err
		}
		r := &partReader{ReadCloser: rc, r: bufio.NewReaderSize(rc, 64<<10), name: p}
		if err := r.next(); err != nil {
			rc.Close()
			if errors.Is(err, io.EOF) {
				continue
			}
			return err
		}
		readers = append(readers, r)
	}
	heap.Init(&readers)
	err = writeFile(ctx, f.Path, func(w io.Writer) error {
		for readers.Len() > 0 {
			r := readers[0]
			_, line, _ := bytes.Cut(r.line, []byte{'\t'})
			if _, err := w.Write(line); err != nil {
				return err
			}
			switch err := r.next(); {
			case errors.Is(err, io.EOF):
				r.Close()
				heap.Pop(&readers)
			case err != nil:
				return err
			default:
				heap.Fix(&readers, 0)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if rm, ok := fsys.(filesystem.Remover); ok {
		for _, p := range parts {
			if err := rm.Remove(ctx, p); err != nil {
				return err
			}
		}
		// The directory, where there are directories and it is now empty.
		rm.Remove(ctx, strings.TrimSuffix(joinPath(pathDir(f.Path), partsDir), "/"))
	}
	return nil
}

// partReader reads the lines of one sorted part.
type partReader struct {
	io.ReadCloser
	r    *bufio.Reader
	name string
	line []byte // the current line, with its newline
}

func (p *partReader) next() error {
	var buf []byte
	for {
		chunk, err := p.r.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > maxOutputLineBytes {
			return fmt.Errorf("%s: a line is over %d bytes", p.name, maxOutputLineBytes)
		}
		switch {
		case err == nil:
			p.line = buf
			return nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(buf) > 0:
			return fmt.Errorf("%s: the last line has no newline", p.name)
		default:
			return err
		}
	}
}

// mergeHeap orders part readers by their current line.
type mergeHeap []*partReader

func (h mergeHeap) Len() int           { return len(h) }
func (h mergeHeap) Less(i, j int) bool { return bytes.Compare(h[i].line, h[j].line) < 0 }
func (h mergeHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *mergeHeap) Push(x any)        { *h = append(*h, x.(*partReader)) }
func (h *mergeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// writeFileFn writes one string to a file.
type writeFileFn struct {
	Path string
}

func (f *writeFileFn) ProcessElement(ctx context.Context, content string) error {
	return writeFile(ctx, f.Path, func(w io.Writer) error {
		_, err := io.WriteString(w, content)
		return err
	})
}

// writeFile writes path (local, or any file system Beam knows: gs://…)
// through a buffer filled by write.
func writeFile(ctx context.Context, path string, write func(io.Writer) error) error {
	fsys, err := filesystem.New(ctx, path)
	if err != nil {
		return err
	}
	defer fsys.Close()
	wc, err := fsys.OpenWrite(ctx, path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(wc, 256<<10)
	if err := write(bw); err != nil {
		wc.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		wc.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := wc.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// joinPath joins a directory (a local path or a URL such as gs://b/d) and
// a name.
func joinPath(dir, name string) string { return strings.TrimRight(dir, "/") + "/" + name }

// pathDir is the directory of a path joined by joinPath.
func pathDir(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return "."
}
