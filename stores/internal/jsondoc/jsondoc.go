// Package jsondoc decodes the JSON documents of model stores (Ollama
// manifests, OCI indexes and manifests) within the caps every untrusted
// document gets, and flattens their config blobs into fields, for the
// store readers.
package jsondoc

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/jsonscan"
	"github.com/modelvet/modelvet/internal/limits"
)

// Decode decodes a document of at most limits.MaxJSONBytes, nested at most
// limits.MaxJSONDepth deep, into v. Faults are *formats.Error values of the
// given format, with the byte offset of a syntax error; what names the
// document in them ("manifest").
func Decode(data []byte, format, what string, v any) error {
	if len(data) > limits.MaxJSONBytes {
		return &formats.Error{Format: format, Offset: -1, Msg: fmt.Sprintf("%s is %d bytes, over the %d-byte limit", what, len(data), limits.MaxJSONBytes)}
	}
	if err := jsonscan.CheckDepth(data); err != nil {
		var de *jsonscan.DepthError
		errors.As(err, &de)
		return &formats.Error{Format: format, Offset: int64(de.Offset), Msg: "is not a valid " + what + ": " + err.Error(), Err: err}
	}
	if err := json.Unmarshal(data, v); err != nil {
		fe := &formats.Error{Format: format, Offset: -1, Msg: "is not a valid " + what, Err: err}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			fe.Offset = se.Offset
		}
		return fe
	}
	return nil
}
