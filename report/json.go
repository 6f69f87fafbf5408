package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/jsonscan"
)

// WriteJSON writes r as the JSON contract, indented, with a final newline.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// ErrInvalid is what every error of ReadJSON about the content of a
// report wraps: a JSON document that is not a modelvet report, or one of
// a schema this version does not read.
var ErrInvalid = errors.New("not a valid modelvet report")

// InvalidError is a JSON report whose content breaks the contract: a
// schema id other than Schema, a verdict, severity or confidence outside
// its values, a finding without a code. It wraps ErrInvalid.
type InvalidError struct {
	// Field is the JSON path of the value at fault ("findings[3].severity").
	Field string
	// Value is the value found, Allowed the values the field accepts.
	Value   string
	Allowed []string
}

func (e *InvalidError) Error() string {
	msg := fmt.Sprintf("%s: %s %q", ErrInvalid, e.Field, e.Value)
	if len(e.Allowed) > 0 {
		msg += fmt.Sprintf(" (want %s)", quoteList(e.Allowed))
	}
	return msg
}

func (e *InvalidError) Unwrap() error { return ErrInvalid }

func quoteList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}

// ReadJSON reads a report written by WriteJSON: one JSON document (a
// stream of several is read one call at a time). It checks what tooling
// relies on — the schema id, the verdict, and the code, severity and
// confidence of every finding — and returns an *InvalidError for the
// first value that breaks the contract; a syntax error is returned as the
// JSON decoder reports it. Fields it does not know are ignored, as the
// contract asks of every reader.
func ReadJSON(rd io.Reader) (*Report, error) {
	var raw json.RawMessage
	if err := json.NewDecoder(rd).Decode(&raw); err != nil {
		return nil, err
	}
	// Reports may come from anyone: nesting is bounded before decoding.
	if err := jsonscan.CheckDepth(raw); err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, err
	}
	if err := r.check(); err != nil {
		return nil, err
	}
	return &r, nil
}

// check validates what ReadJSON promises.
func (r *Report) check() error {
	if r.Schema != Schema {
		return &InvalidError{Field: "schema", Value: r.Schema, Allowed: []string{Schema}}
	}
	if !r.Verdict.Valid() {
		return &InvalidError{Field: "verdict", Value: string(r.Verdict), Allowed: names([]Verdict{Pass, Review, Fail})}
	}
	for i, f := range r.Findings {
		at := "findings[" + strconv.Itoa(i) + "]."
		switch {
		case f.Code == "":
			return &InvalidError{Field: at + "code", Allowed: []string{"a finding code"}}
		case !f.Severity.Valid():
			return &InvalidError{Field: at + "severity", Value: string(f.Severity), Allowed: severityNames()}
		case !f.Confidence.Valid():
			return &InvalidError{Field: at + "confidence", Value: string(f.Confidence), Allowed: confidenceNames()}
		}
	}
	for i, n := range r.Lineage {
		if !n.Confidence.Valid() {
			return &InvalidError{Field: "lineage[" + strconv.Itoa(i) + "].confidence", Value: string(n.Confidence), Allowed: confidenceNames()}
		}
	}
	return nil
}

func severityNames() []string { return names(finding.Severities()) }

func confidenceNames() []string { return names(finding.Confidences()) }

func names[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
