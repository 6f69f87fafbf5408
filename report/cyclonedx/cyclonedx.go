// Package cyclonedx encodes a modelvet report as a CycloneDX 1.6 ML-BOM
// (https://cyclonedx.org/docs/1.6/json/), written with the CycloneDX Go
// library, for software-supply-chain and AI-inventory tooling.
//
// # Mapping
//
//   - The BOM's serial number is a name-based UUID derived from a SHA-256 of
//     the report's JSON, and its timestamp is the report's audited_at, so
//     the same report always gives the same BOM.
//   - The audited model is one component of type machine-learning-model
//     (bom-ref "model"): its name, revision (version), a purl for Hugging
//     Face models, the licences (SPDX id when the licence is on the SPDX
//     list, else its name and a URL; acknowledgement "declared"), a model
//     card (modelParameters: the architecture family from the weight
//     metadata, the model architecture from the config, the task, and the
//     datasets the card declares; considerations: acceptable-use terms of
//     the licences), and the release's files as sub-components of type
//     file with their SHA-256 when known.
//   - The lineage is the component's pedigree: every ancestor is an entry
//     of pedigree.ancestors (type machine-learning-model) with its
//     developer as supplier (country in the address) and its relation,
//     parent, depth and confidence as properties.
//   - The verdict and a summary of findings are BOM properties in the
//     "modelvet:" namespace: modelvet:verdict, modelvet:policy,
//     modelvet:knowledge-base, modelvet:findings:<severity>, and one
//     modelvet:finding per unwaived finding ("severity code subject"). The
//     encoder never changes the verdict.
//
// # Limitations
//
// CycloneDX has no field for a verdict or for licence terms; those travel
// as properties. Quantitative analysis and training approach are not
// known to modelvet and are left out.
package cyclonedx

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/github/go-spdx/v2/spdxexp/spdxlicenses"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/internal/textsafe"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/report"
)

// SpecVersion is the CycloneDX version written.
const SpecVersion = cdx.SpecVersion1_6

// ModelRef is the bom-ref of the audited model's component.
const ModelRef = "model"

// Property names.
const (
	PropVerdict       = "modelvet:verdict"
	PropPolicy        = "modelvet:policy"
	PropKnowledgeBase = "modelvet:knowledge-base"
	PropSchema        = "modelvet:report-schema"
	PropFinding       = "modelvet:finding"
	PropFindings      = "modelvet:findings:" // + severity
)

// Write encodes r as an indented CycloneDX 1.6 JSON BOM.
func Write(w io.Writer, r *report.Report) error {
	bom, err := Build(r)
	if err != nil {
		return err
	}
	return cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false).EncodeVersion(bom, SpecVersion)
}

// Build converts r into a CycloneDX BOM.
func Build(r *report.Report) (*cdx.BOM, error) {
	serial, err := serialNumber(r)
	if err != nil {
		return nil, err
	}
	bom := cdx.NewBOM()
	bom.SpecVersion = SpecVersion
	bom.SerialNumber = serial
	bom.Version = 1
	bom.Metadata = &cdx.Metadata{
		Timestamp: r.AuditedAt.UTC().Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type:    cdx.ComponentTypeApplication,
			Name:    r.Tool.Name,
			Version: r.Tool.Version,
		}}},
		Lifecycles: &[]cdx.Lifecycle{{Phase: cdx.LifecyclePhaseOperations}},
	}
	model := modelComponent(r)
	bom.Components = &[]cdx.Component{model}
	bom.Properties = properties(r)
	return bom, nil
}

// serialNumber derives a urn:uuid from a SHA-256 of the report's JSON.
func serialNumber(r *report.Report) (string, error) {
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, r); err != nil {
		return "", err
	}
	sum := sha256.Sum256(buf.Bytes())
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x80 // version 8: custom, name-based
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	h := hex.EncodeToString(b)
	return "urn:uuid:" + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

func clean[T ~string](s T) string { return textsafe.Line(string(s)) }

func modelComponent(r *report.Report) cdx.Component {
	c := cdx.Component{
		BOMRef:  ModelRef,
		Type:    cdx.ComponentTypeMachineLearningModel,
		Name:    clean(r.Subject.Name),
		Version: clean(r.Subject.Revision),
	}
	if purl := packageURL(r); purl != "" {
		c.PackageURL = purl
	}
	if lic := licenses(r); len(lic) > 0 {
		c.Licenses = &lic
	}
	c.ModelCard = modelCard(r)
	if files := fileComponents(r); len(files) > 0 {
		c.Components = &files
	}
	if ped := pedigree(r); ped != nil {
		c.Pedigree = ped
	}
	props := []cdx.Property{
		{Name: "modelvet:source", Value: clean(r.Subject.Source)},
		{Name: "modelvet:kind", Value: string(r.Subject.Kind)},
	}
	for _, f := range r.Subject.Formats {
		props = append(props, cdx.Property{Name: "modelvet:format", Value: string(f)})
	}
	c.Properties = &props
	return c
}

// packageURL returns a purl for a Hugging Face model ("pkg:huggingface/
// org/name@rev"), or "".
func packageURL(r *report.Report) string {
	if r.Subject.Kind != "hf-cache" && r.Subject.Kind != "hf-hub" {
		return ""
	}
	ns, name, ok := strings.Cut(r.Subject.Name, "/")
	if !ok || ns == "" || name == "" || strings.Contains(name, "/") {
		return ""
	}
	p := "pkg:huggingface/" + purlEscape(ns) + "/" + purlEscape(name)
	if r.Subject.Revision != "" {
		p += "@" + purlEscape(r.Subject.Revision)
	}
	return p
}

func purlEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// licenses maps the report's licences to CycloneDX licence choices.
func licenses(r *report.Report) cdx.Licenses {
	var out cdx.Licenses
	for _, l := range r.Licenses {
		cl := &cdx.License{Acknowledgement: cdx.LicenseAcknowledgementDeclared}
		if id, ok := spdxID(l.SPDX); ok {
			cl.ID = id
		} else if id, ok := spdxID(l.ID); ok {
			cl.ID = id
		} else {
			cl.Name = clean(l.Name)
			if cl.Name == "" {
				cl.Name = clean(l.ID)
			}
			for _, ref := range l.References {
				if strings.HasPrefix(ref, "https://") || strings.HasPrefix(ref, "http://") {
					cl.URL = ref
					break
				}
			}
		}
		props := []cdx.Property{
			{Name: "modelvet:license-id", Value: clean(l.ID)},
			{Name: "modelvet:category", Value: clean(l.Category)},
		}
		for _, t := range terms(l) {
			props = append(props, cdx.Property{Name: "modelvet:term:" + t[0], Value: t[1]})
		}
		cl.Properties = &props
		out = append(out, cdx.LicenseChoice{License: cl})
	}
	return out
}

// spdxID returns the SPDX list's spelling of id when id is a licence on it.
func spdxID(id string) (string, bool) {
	if id == "" || strings.HasPrefix(id, "LicenseRef-") {
		return "", false
	}
	if ok, canon := spdxlicenses.IsActiveLicense(id); ok {
		return canon, true
	}
	if ok, canon := spdxlicenses.IsDeprecatedLicense(id); ok {
		return canon, true
	}
	return "", false
}

// terms lists a licence's stated terms as (name, value) pairs: the term's
// short value and its summary.
func terms(l report.License) [][2]string {
	var out [][2]string
	t := l.Terms
	for _, e := range []struct {
		name string
		term *kb.Term
	}{
		{"commercial-use", t.CommercialUse}, {"user-threshold", t.UserThreshold},
		{"revenue-threshold", t.RevenueThreshold}, {"use-restrictions", t.UseRestrictions},
		{"output-restriction", t.OutputRestriction}, {"naming", t.Naming},
		{"attribution", t.Attribution}, {"territory", t.Territory},
		{"derivative-license", t.DerivativeLicense}, {"copyleft", t.Copyleft},
	} {
		if e.term == nil {
			continue
		}
		v := string(e.term.Value)
		if e.term.Summary != "" {
			if v != "" {
				v += " — "
			}
			v += e.term.Summary
		}
		if v = clean(v); v != "" {
			out = append(out, [2]string{e.name, v})
		}
	}
	return out
}

func modelCard(r *report.Report) *cdx.MLModelCard {
	params := &cdx.MLModelParameters{Task: clean(r.Subject.Task)}
	for _, f := range r.Files {
		if a, ok := f.Metadata["architecture"].(string); ok && a != "" {
			params.ArchitectureFamily = clean(a)
			break
		}
	}
	if len(r.Subject.Architectures) > 0 {
		params.ModelArchitecture = clean(strings.Join(r.Subject.Architectures, ", "))
	}
	if len(r.Subject.Datasets) > 0 {
		var ds []cdx.MLDatasetChoice
		for _, d := range r.Subject.Datasets {
			ds = append(ds, cdx.MLDatasetChoice{ComponentData: &cdx.ComponentData{
				Type: cdx.ComponentDataTypeDataset,
				Name: clean(d),
			}})
		}
		params.Datasets = &ds
	}
	card := &cdx.MLModelCard{}
	if *params != (cdx.MLModelParameters{}) {
		card.ModelParameters = params
	}
	var ethical []cdx.MLModelCardEthicalConsideration
	for _, l := range r.Licenses {
		if u := l.Terms.UseRestrictions; u != nil && u.Summary != "" {
			ethical = append(ethical, cdx.MLModelCardEthicalConsideration{
				Name:               clean(l.ID + ": " + u.Summary),
				MitigationStrategy: report.Advice[finding.LicenseUseRestrictions],
			})
		}
	}
	if len(ethical) > 0 {
		card.Considerations = &cdx.MLModelCardConsiderations{EthicalConsiderations: &ethical}
	}
	if card.ModelParameters == nil && card.Considerations == nil {
		return nil
	}
	return card
}

func fileComponents(r *report.Report) []cdx.Component {
	var out []cdx.Component
	for _, f := range r.Files {
		c := cdx.Component{
			BOMRef: "file:" + clean(f.Path),
			Type:   cdx.ComponentTypeFile,
			Name:   clean(f.Path),
			Properties: &[]cdx.Property{
				{Name: "modelvet:format", Value: string(f.Format)},
				{Name: "modelvet:size", Value: strconv.FormatInt(f.Size, 10)},
				{Name: "modelvet:verified", Value: strconv.FormatBool(f.Verified)},
			},
		}
		if alg, hexDigest, ok := strings.Cut(f.Digest, ":"); ok && alg == "sha256" && isHex(hexDigest, 64) {
			c.Hashes = &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: hexDigest}}
		}
		out = append(out, c)
	}
	return out
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func pedigree(r *report.Report) *cdx.Pedigree {
	var anc []cdx.Component
	seen := map[string]bool{}
	for _, n := range r.Lineage {
		if n.Depth == 0 {
			continue
		}
		ref := "lineage:" + clean(n.Model)
		if seen[ref] {
			ref = fmt.Sprintf("lineage:%s#%d", clean(n.Model), len(anc))
		}
		seen[ref] = true
		c := cdx.Component{
			BOMRef: ref,
			Type:   cdx.ComponentTypeMachineLearningModel,
			Name:   clean(n.Model),
		}
		if n.Developer != "" {
			c.Supplier = &cdx.OrganizationalEntity{Name: clean(n.Developer)}
			if n.Country != "" {
				c.Supplier.Address = &cdx.PostalAddress{Country: clean(n.Country)}
			}
		}
		if n.License != "" {
			lc := &cdx.License{Acknowledgement: cdx.LicenseAcknowledgementDeclared}
			if id, ok := spdxID(n.License); ok {
				lc.ID = id
			} else {
				lc.Name = clean(n.License)
			}
			c.Licenses = &cdx.Licenses{{License: lc}}
		}
		props := []cdx.Property{
			{Name: "modelvet:relation", Value: clean(n.Relation)},
			{Name: "modelvet:parent", Value: clean(n.Parent)},
			{Name: "modelvet:depth", Value: strconv.Itoa(n.Depth)},
			{Name: "modelvet:confidence", Value: string(n.Confidence)},
		}
		if n.Country != "" {
			props = append(props, cdx.Property{Name: "modelvet:country", Value: clean(n.Country)})
		}
		for _, e := range n.Evidence {
			if e.Path == "" && e.Field == finding.FieldFingerprint {
				props = append(props, cdx.Property{Name: "modelvet:fingerprint", Value: clean(e.Value)})
			}
		}
		c.Properties = &props
		anc = append(anc, c)
	}
	if len(anc) == 0 {
		return nil
	}
	return &cdx.Pedigree{Ancestors: &anc}
}

func properties(r *report.Report) *[]cdx.Property {
	props := []cdx.Property{
		{Name: PropVerdict, Value: string(r.Verdict)},
		{Name: PropPolicy, Value: clean(r.Policy.Name)},
		{Name: PropKnowledgeBase, Value: r.KnowledgeBase.Version + " (as of " + r.KnowledgeBase.AsOf + ")"},
		{Name: PropSchema, Value: r.Schema},
	}
	for _, j := range r.Policy.Jurisdictions {
		props = append(props, cdx.Property{Name: "modelvet:jurisdiction", Value: clean(j)})
	}
	for _, u := range r.Policy.Unsafe {
		props = append(props, cdx.Property{Name: "modelvet:unsafe", Value: clean(u)})
	}
	counts := r.Counts()
	for _, s := range []finding.Severity{finding.Critical, finding.High, finding.Medium, finding.Low, finding.Info} {
		props = append(props, cdx.Property{Name: PropFindings + string(s), Value: strconv.Itoa(counts[s])})
	}
	for _, f := range r.Findings {
		if f.Waived != "" {
			continue
		}
		v := string(f.Severity) + " " + string(f.Code)
		if f.Subject != "" {
			v += " " + clean(f.Subject)
		}
		props = append(props, cdx.Property{Name: PropFinding, Value: v})
	}
	waived := slices.IndexFunc(r.Findings, func(f finding.Finding) bool { return f.Waived != "" })
	if waived >= 0 {
		for _, f := range r.Findings {
			if f.Waived != "" {
				props = append(props, cdx.Property{Name: "modelvet:waived", Value: string(f.Code) + " " + clean(f.Subject) + ": " + clean(f.Waived)})
			}
		}
	}
	return &props
}
