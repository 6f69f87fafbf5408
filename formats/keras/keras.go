package keras

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/jsonscan"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/textsafe"
	"github.com/modelvet/modelvet/internal/zipcheck"
)

// Info is what a Keras model file declares about code it runs when
// loaded. A Lambda layer wraps a Python function, stored as marshalled
// bytecode (a lambda) or as a reference to a function by name; loading the
// model calls it unless Keras's safe_mode refuses (Keras 3 refuses
// bytecode by default; Keras 2 and tf.keras do not).
type Info struct {
	// Source is where the model configuration was read: "config.json"
	// (the member of a Keras v3 archive) or "model_config" (found by
	// scanning an HDF5 file's bytes for the attribute's JSON).
	Source string `json:"source"`
	// Objects counts the serialised objects seen ("class_name" entries:
	// the model, its layers, and what they hold).
	Objects int      `json:"objects"`
	Lambdas []Lambda `json:"lambdas,omitempty"`
	// Partial is set when an HDF5 file is larger than the scan covers.
	Partial bool `json:"partial,omitempty"`
}

// Lambda is one Lambda layer.
type Lambda struct {
	Name string `json:"name,omitempty"`
	// Bytecode is set when the function is serialised Python bytecode
	// rather than a reference to a function by name.
	Bytecode bool `json:"bytecode"`
	// Field is its place in config.json ("config.layers.2"); Offset its
	// byte offset in an HDF5 file.
	Field  string `json:"field,omitempty"`
	Offset int64  `json:"offset,omitempty"`
}

// Read reads the model configuration (config.json) of a Keras v3
// archive, a zip, and lists its Lambda layers.
func Read(r io.ReaderAt, size int64) (*Info, error) {
	fail := func(msg string, err error) (*Info, error) {
		return nil, &formats.Error{Format: "keras", Offset: -1, Msg: msg, Err: err}
	}
	n, err := zipcheck.EntryCount(r, size, "keras")
	if err != nil {
		return fail("not a readable zip archive", err)
	}
	if n > limits.MaxZipEntries {
		return fail(fmt.Sprintf("zip lists %d entries, over the %d-entry limit; not read", n, limits.MaxZipEntries), nil)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return fail("not a readable zip archive", err)
	}
	var cfg *zip.File
	for _, f := range zr.File {
		if f.Name == "config.json" {
			cfg = f
			break
		}
	}
	if cfg == nil {
		return fail("Keras archive holds no config.json", nil)
	}
	if cfg.UncompressedSize64 > limits.MaxKerasConfigBytes {
		return fail(fmt.Sprintf("config.json is %d bytes, over the %d-byte limit", cfg.UncompressedSize64, limits.MaxKerasConfigBytes), nil)
	}
	rc, err := cfg.Open()
	if err != nil {
		return fail("config.json cannot be opened", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limits.MaxKerasConfigBytes+1))
	if err != nil {
		return fail("config.json cannot be read", err)
	}
	if ok, off, msg := jsonscan.Valid(string(data)); !ok {
		return fail(fmt.Sprintf("config.json is not valid JSON at byte %d: %s", off, msg), nil)
	}
	info := &Info{Source: "config.json"}
	walkConfig(gjson.ParseBytes(data), "", info)
	return info, nil
}

// walkConfig counts the serialised objects under v (with a
// "class_name" and a "config") and records the Lambda layers among them.
// jsonscan.Valid has bounded the nesting.
func walkConfig(v gjson.Result, at string, info *Info) {
	if v.IsObject() && v.Get("class_name").Type == gjson.String && v.Get("config").IsObject() {
		info.Objects++
		if v.Get("class_name").String() == "Lambda" && len(info.Lambdas) < limits.MaxKerasLambdas {
			c := v.Get("config")
			fn := c.Get("function")
			info.Lambdas = append(info.Lambdas, Lambda{
				Name: textsafe.Truncate(c.Get("name").String(), 40),
				// Keras 3 writes {"class_name": "__lambda__", …}; Keras
				// 2 a list [bytecode, defaults, closure] with
				// function_type "lambda".
				Bytecode: fn.Get("class_name").String() == "__lambda__" || c.Get("function_type").String() == "lambda",
				Field:    at,
			})
		}
	}
	if !v.IsObject() && !v.IsArray() {
		return
	}
	v.ForEach(func(k, c gjson.Result) bool {
		if c.IsObject() || c.IsArray() {
			walkConfig(c, joinField(at, k.String()), info)
		}
		return true
	})
}

func joinField(at, k string) string {
	if at == "" {
		return k
	}
	return at + "." + k
}

// scanChunk is the read size of an HDF5 scan; each read runs
// scanOverlap bytes into the next chunk, so that a marker starting
// near a chunk's end is read with the value that follows it.
const (
	scanChunk   = 1 << 20
	scanOverlap = 64
	detailBytes = 4 << 10 // read after a Lambda marker for its name and function
)

var (
	classNameKey = []byte(`"class_name"`)
	lambdaValue  = []byte(`"Lambda"`)
)

// ScanHDF5 looks for a Keras model configuration in an HDF5 file: the
// JSON of its model_config attribute, stored as a string, appears in the
// file's bytes. HDF5 structure is not parsed; the whole file is
// scanned up to limits.MaxKerasScanBytes at each end. It returns nil when
// no serialised object is found (a file of weights only).
func ScanHDF5(r io.ReaderAt, size int64) (*Info, error) {
	if size > 2*limits.MaxKerasScanBytes {
		return scanHDF5(r, [][2]int64{{0, limits.MaxKerasScanBytes}, {size - limits.MaxKerasScanBytes, size}}, true)
	}
	return scanHDF5(r, [][2]int64{{0, size}}, false)
}

// ScanHDF5Prefix is ScanHDF5 over the file's first prefix bytes only (a
// remote file, of which only the first block is fetched): Keras writes the
// model_config attribute before the weights, so a small model's
// configuration lies there. Bytes past the prefix are never read.
func ScanHDF5Prefix(r io.ReaderAt, size, prefix int64) (*Info, error) {
	return scanHDF5(r, [][2]int64{{0, min(size, prefix)}}, prefix < size)
}

// scanHDF5 scans the regions [start, end) of a file, reading nothing
// outside them.
func scanHDF5(r io.ReaderAt, regions [][2]int64, partial bool) (*Info, error) {
	info := &Info{Source: "model_config", Partial: partial}
	buf := make([]byte, scanChunk+scanOverlap)
	next := int64(0) // markers before next were counted
	for _, rg := range regions {
		for off := rg[0]; off < rg[1]; off += scanChunk {
			n := min(int64(len(buf)), rg[1]-off)
			if _, err := r.ReadAt(buf[:n], off); err != nil && !errors.Is(err, io.EOF) {
				return nil, &formats.Error{Format: "hdf5", Offset: off, Msg: "cannot be read", Err: err}
			}
			chunk := buf[:n]
			last := off+n >= rg[1]
			for i := 0; ; {
				j := bytes.Index(chunk[i:], classNameKey)
				if j < 0 || i+j >= scanChunk && !last {
					break // a marker in the overlap is read whole with the next chunk
				}
				at := off + int64(i+j)
				i += j + len(classNameKey)
				if at < next {
					continue
				}
				next = at + 1
				info.Objects++
				if isLambdaValue(chunk[i:]) && len(info.Lambdas) < limits.MaxKerasLambdas {
					info.Lambdas = append(info.Lambdas, lambdaAt(r, rg[1], at))
				}
			}
		}
	}
	if info.Objects == 0 {
		return nil, nil
	}
	return info, nil
}

// isLambdaValue reports whether b, following a "class_name" key, is
// `: "Lambda"` (with any JSON whitespace).
func isLambdaValue(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 || b[0] != ':' {
		return false
	}
	return bytes.HasPrefix(bytes.TrimLeft(b[1:], " \t\r\n"), lambdaValue)
}

// lambdaAt reads the layer configuration following a Lambda marker at off,
// up to end, for its name and whether its function is bytecode.
func lambdaAt(r io.ReaderAt, end, off int64) Lambda {
	l := Lambda{Offset: off}
	b := make([]byte, min(detailBytes, end-off))
	n, _ := r.ReadAt(b, off)
	b = b[:n]
	// The layer's own configuration ends where the next layer begins.
	if k := bytes.Index(b[len(classNameKey):], classNameKey); k >= 0 {
		b = b[:len(classNameKey)+k]
	}
	s := string(b)
	if _, after, ok := strings.Cut(s, `"name"`); ok {
		after = strings.TrimLeft(after, " \t\r\n:")
		if strings.HasPrefix(after, `"`) {
			if end := strings.IndexByte(after[1:], '"'); end >= 0 {
				l.Name = textsafe.Truncate(after[1:1+end], 40)
			}
		}
	}
	l.Bytecode = strings.Contains(s, `"__lambda__"`) || strings.Contains(strings.ReplaceAll(s, " ", ""), `"function_type":"lambda"`)
	return l
}
