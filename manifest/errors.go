package manifest

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/jsonscan"
	"github.com/modelvet/modelvet/internal/limits"
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

// decodeJSON decodes a store's JSON document (at most limits.MaxJSONBytes
// and limits.MaxJSONDepth) into v; what names the document in errors ("manifest"). Syntax errors
// carry their offset.
func decodeJSON(data []byte, format Format, what string, v any) error {
	if len(data) > limits.MaxJSONBytes {
		return &formats.Error{Format: string(format), Offset: -1, Msg: fmt.Sprintf("%s is %d bytes, over the %d-byte limit", what, len(data), limits.MaxJSONBytes)}
	}
	if err := jsonscan.CheckDepth(data); err != nil {
		var de *jsonscan.DepthError
		errors.As(err, &de)
		return &formats.Error{Format: string(format), Offset: int64(de.Offset), Msg: "is not a valid " + what + ": " + err.Error(), Err: err}
	}
	if err := json.Unmarshal(data, v); err != nil {
		fe := &formats.Error{Format: string(format), Offset: -1, Msg: "is not a valid " + what, Err: err}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			fe.Offset = se.Offset
		}
		return fe
	}
	return nil
}
