package manifest

import (
	"errors"

	"github.com/modelvet/modelvet/formats"
)

// ErrUnsupported reports a release or file in a shape modelvet does not
// read. It is formats.ErrUnsupported, so that one errors.Is test covers
// the releases manifest refuses and the files the format readers refuse.
var ErrUnsupported = formats.ErrUnsupported

// Problem is something about a release that could not be read or parsed.
// The audit of the affected file is inconclusive.
type Problem struct {
	Path   string `json:"path"`
	Line   int    `json:"line,omitempty"`
	Offset int64  `json:"offset,omitempty"`
	Field  string `json:"field,omitempty"`
	// Message says what went wrong, in words that make sense to a user.
	Message string `json:"message"`
	Err     error  `json:"-"`
}

// problemFrom turns an error about path into a Problem, keeping the place
// the error carries.
func problemFrom(path string, err error) *Problem {
	p := &Problem{Path: path, Message: err.Error(), Err: err}
	var fe *formats.Error
	if errors.As(err, &fe) {
		p.Line = fe.Line
		if fe.Offset > 0 {
			p.Offset = fe.Offset
		}
		if fe.Path != "" {
			p.Path = fe.Path
		}
	}
	return p
}
