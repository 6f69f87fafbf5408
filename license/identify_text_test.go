package license

import (
	"io"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/kb"
)

// IdentifyText finds the licence of each text of the corpus with no
// release around it, with its knowledge-base record and the findings its
// terms give.
func TestIdentifyText(t *testing.T) {
	k := kb.Default()
	for key, text := range corpusTexts(t) {
		want := expectedID(t, k, key)
		r := IdentifyText("LICENSE", text)
		if len(r.Licenses) != 1 || r.Licenses[0].ID != want || r.Licenses[0].Sources[0].Evidence.Path != "LICENSE" {
			t.Errorf("%s: %+v, want %s", key, r.Licenses, want)
			continue
		}
		if l := r.Licenses[0]; l.License == nil || l.Category() != l.License.Category {
			t.Errorf("%s: no knowledge-base record", key)
		}
		for _, f := range r.Findings {
			if f.Code == finding.LicenseMissing || f.Code == finding.LicenseUnknown {
				t.Errorf("%s: %s %s", key, f.Code, f.Message)
			}
		}
	}
}

// A text that is no licence is license.unknown; IdentifyReader reads what
// IdentifyText is given, and no more than the cap.
func TestIdentifyTextUnknownAndReader(t *testing.T) {
	r := IdentifyText("", "Do whatever you like with these weights, except selling them to competitors.")
	if len(r.Licenses) != 0 || len(r.Findings) != 1 || r.Findings[0].Code != finding.LicenseUnknown || r.Findings[0].Subject != "LICENSE" {
		t.Errorf("unknown text: %+v, findings %+v", r.Licenses, r.Findings)
	}
	text := corpusTexts(t)["llama-3.2-license-2024"]
	got, err := IdentifyReader("LICENSE.txt", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if want := IdentifyText("LICENSE.txt", text); len(got.Licenses) != 1 || got.Licenses[0].ID != want.Licenses[0].ID || len(got.Findings) != len(want.Findings) {
		t.Errorf("IdentifyReader %v, IdentifyText %v", got.Licenses, want.Licenses)
	}
	cr := &countingReader{r: io.MultiReader(strings.NewReader(text), spaces{})}
	if _, err := IdentifyReader("LICENSE", cr); err != nil || cr.n > limits.MaxLicenseTextBytes+1 {
		t.Errorf("read %d bytes of an endless text (cap %d), err %v", cr.n, limits.MaxLicenseTextBytes, err)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// spaces is an endless text of spaces.
type spaces struct{}

func (spaces) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}
