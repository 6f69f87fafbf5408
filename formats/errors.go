package formats

import (
	"errors"
	"fmt"
)

// ErrTruncated reports a file that ends before the data its header
// declares: an interrupted download, or a header-only capture. A reader
// returns the header facts together with an *Error wrapping it.
var ErrTruncated = errors.New("file is truncated")

// ErrTrailingData reports bytes after the data a safetensors header
// indexes. The format forbids them, so that a file cannot also be read as
// another format (a polyglot).
var ErrTrailingData = errors.New("unindexed bytes after the tensor data")

// ErrPartial reports a fault after a part of the file that was read
// whole: the reader returns what that part declares (the metadata of a
// GGUF file whose tensor infos fail validation) together with the error.
var ErrPartial = errors.New("the facts read before the fault are kept")

// ErrUnsupported reports a file, or a release, in a shape modelvet does
// not read (GGUF v1, big-endian GGUF).
var ErrUnsupported = errors.New("unsupported")

// Error reports malformed or hostile content at a place in a file: a byte
// offset for binary formats, a line for text formats. Readers leave Path
// empty, since they read bytes, not files; the caller that knows the file
// fills it in.
type Error struct {
	Format string // "safetensors", "gguf", "pickle", …
	Path   string // slash-separated path within the release
	Offset int64  // byte offset, or -1 when not applicable
	Line   int    // 1-based line, or 0 when not applicable
	Msg    string
	Err    error // underlying cause, if any
}

func (e *Error) Error() string {
	where := e.Path
	switch {
	case e.Line > 0 && e.Path != "":
		where = fmt.Sprintf("%s:%d", e.Path, e.Line)
	case e.Line > 0:
		where = fmt.Sprintf("line %d", e.Line)
	case e.Offset >= 0 && e.Path != "":
		where = fmt.Sprintf("%s: offset %d", e.Path, e.Offset)
	case e.Offset >= 0:
		where = fmt.Sprintf("offset %d", e.Offset)
	}
	if where == "" {
		where = e.Format
	}
	msg := e.Msg
	if e.Err != nil {
		if msg == "" {
			msg = e.Err.Error()
		} else {
			msg += ": " + e.Err.Error()
		}
	}
	return fmt.Sprintf("%s: %s %s", where, e.Format, msg)
}

func (e *Error) Unwrap() error { return e.Err }
