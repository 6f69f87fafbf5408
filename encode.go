package modelvet

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/modelvet/modelvet/report"
	"github.com/modelvet/modelvet/report/cyclonedx"
	"github.com/modelvet/modelvet/report/sarif"
)

// Output formats. Each is an encoder over the one report; none changes the
// verdict. docs/OUTPUTS.md describes each.
const (
	FormatText      = "text"      // for a person at a terminal: verdict first, then what to do
	FormatJSON      = "json"      // the contract, schema modelvet.report/v1
	FormatMarkdown  = "markdown"  // for a ticket or a pull request
	FormatSARIF     = "sarif"     // SARIF 2.1.0, for code-scanning dashboards
	FormatCycloneDX = "cyclonedx" // CycloneDX 1.6 ML-BOM
)

// ErrUnknownFormat reports an output format modelvet does not write.
var ErrUnknownFormat = errors.New("unknown output format")

// EncodeFunc writes a report in one format.
type EncodeFunc func(w io.Writer, r *Report) error

var encoders = []struct {
	name string
	enc  EncodeFunc
}{
	{FormatText, func(w io.Writer, r *Report) error { return report.WriteText(w, r, report.TextOptions{}) }},
	{FormatJSON, report.WriteJSON},
	{FormatMarkdown, report.WriteMarkdown},
	{FormatSARIF, sarif.Write},
	{FormatCycloneDX, cyclonedx.Write},
}

// Formats lists the output formats, in a stable order.
func Formats() []string {
	out := make([]string, len(encoders))
	for i, e := range encoders {
		out[i] = e.name
	}
	return out
}

// Encoder returns the encoder of format (case-insensitive; "md" is
// accepted for markdown), or an error wrapping ErrUnknownFormat.
func Encoder(format string) (EncodeFunc, error) {
	f := strings.ToLower(strings.TrimSpace(format))
	if f == "md" {
		f = FormatMarkdown
	}
	for _, e := range encoders {
		if e.name == f {
			return e.enc, nil
		}
	}
	return nil, fmt.Errorf("%w %q (want one of %s)", ErrUnknownFormat, format, strings.Join(Formats(), ", "))
}

// Encode writes r to w in format.
func Encode(w io.Writer, format string, r *Report) error {
	enc, err := Encoder(format)
	if err != nil {
		return err
	}
	return enc(w, r)
}
