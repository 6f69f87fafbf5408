package manifest

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/formats/archive"
	"github.com/modelvet/modelvet/formats/keras"
	"github.com/modelvet/modelvet/formats/modelcard"
	"github.com/modelvet/modelvet/formats/modelconfig"
	"github.com/modelvet/modelvet/formats/pickle"
	"github.com/modelvet/modelvet/formats/savedmodel"
	"github.com/modelvet/modelvet/formats/skops"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/textsafe"
)

// The format.* findings a release raises by itself are all made here: the
// readers of package formats return facts, and these functions say what
// the facts mean for an audit.

// Findings returns the format findings the release raises by itself:
// unparseable files, pickle-based weights, requests to execute code, and
// ONNX external data outside the release. Whether the bytes are complete
// and the ones published (missing files, what a remote audit left unread)
// is for package integrity.
func (r *Release) Findings() []finding.Finding {
	var out []finding.Finding
	for _, p := range r.Problems {
		out = append(out, p.finding())
	}
	out = append(out, r.codeFindings()...)
	slices.SortFunc(out, finding.Compare)
	return out
}

// finding turns a problem into a format.malformed finding.
func (p *Problem) finding() finding.Finding {
	msg := p.Message
	if p.Path != "" && !strings.HasPrefix(msg, p.Path) {
		// Messages made while listing leave the file to the reader.
		msg = p.Path + ": " + msg
	}
	return finding.Finding{
		Code:       finding.FormatMalformed,
		Message:    msg,
		Confidence: finding.Verified,
		Subject:    p.Path,
		Evidence:   []finding.Evidence{{Path: p.Path, Line: p.Line, Offset: p.Offset, Field: p.Field}},
	}
}

// codeFindings reports what loading the weights would do beyond reading
// tensors: configs that ask to run repository code, pickles and Keras
// Lambda layers that run code, ONNX external data a loader would look for
// outside the release.
func (r *Release) codeFindings() []finding.Finding {
	var out []finding.Finding
	for _, c := range []*modelconfig.Config{r.Config, r.GenerationConfig} {
		if c == nil || (len(c.AutoMap) == 0 && len(c.CustomPipelines) == 0) {
			continue
		}
		var ev []finding.Evidence
		keys := make([]string, 0, len(c.AutoMap))
		for k := range c.AutoMap {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			ev = append(ev, finding.Evidence{Path: c.Path, Field: "auto_map." + k, Value: c.AutoMap[k]})
		}
		for _, p := range c.CustomPipelines {
			ev = append(ev, finding.Evidence{Path: c.Path, Field: "custom_pipelines." + p})
		}
		out = append(out, finding.Finding{
			Code:       finding.FormatCodeExecution,
			Message:    fmt.Sprintf("%s asks to load Python code from the repository (auto_map); loading it with trust_remote_code runs that code", c.Path),
			Confidence: finding.Declared,
			Subject:    c.Path,
			Evidence:   ev,
		})
	}
	out = append(out, r.onnxFindings()...)
	for _, f := range r.Files {
		out = append(out, fileFindings(f)...)
	}
	for _, t := range r.TemplateChecks {
		out = append(out, chatTemplateFindings(t)...)
	}
	return out
}

// chatTemplateFindings reports a chat template that reaches Python
// internals or escapes a Jinja sandbox: an inference server that renders
// it runs code (format.code-execution).
func chatTemplateFindings(t *TemplateCheck) []finding.Finding {
	if len(t.Info.Issues) == 0 {
		return nil
	}
	what := t.Path
	if t.Field != "" {
		what += " " + t.Field
	}
	var ev []finding.Evidence
	for _, is := range t.Info.Issues {
		v := is.Construct
		if is.Gadget != "" {
			v += " (from " + is.Gadget + ")"
		}
		ev = append(ev, finding.Evidence{Path: t.Path, Offset: t.fileOffset(is.Offset), Field: cmp.Or(t.Field, "template") + ": " + is.Kind, Value: textsafe.Truncate(v, 80)})
	}
	return []finding.Finding{{
		Code: finding.FormatCodeExecution,
		Message: fmt.Sprintf("%s is a chat template that reaches Python internals or escapes the Jinja sandbox (%s); an inference server that renders it runs code (template injection, as in CVE-2024-34359)",
			what, textsafe.Truncate(t.Info.Summary(), 300)),
		Confidence: finding.Inferred,
		Subject:    t.Path,
		Evidence:   ev,
	}}
}

// fileFindings reports what loading a file (or an archive member, and its
// own members) would do: a name that hides the content, pickles and what
// they import, Keras Lambda layers, skops types, TensorFlow ops, archive
// members that would be extracted outside their folder.
func fileFindings(f *File) []finding.Finding {
	var out []finding.Finding
	if f.Mismatch != "" {
		out = append(out, finding.Finding{
			Code: finding.FormatMalformed,
			Message: fmt.Sprintf("%s is not what its name says: %s; loaders that pick the format by content load it as such, and tools that trust the name do not inspect it",
				f.Path, f.Mismatch),
			Confidence: finding.Verified,
			Subject:    f.Path,
			Evidence:   []finding.Evidence{{Path: f.Path, Field: "format", Value: string(f.Format)}},
		})
	}
	if f.Pickle != nil {
		out = append(out, pickleFindings(f.Path, f.Pickle, "")...)
	}
	if f.NumPy != nil && f.NumPy.Pickle != nil {
		out = append(out, pickleFindings(f.Path, f.NumPy.Pickle, fmt.Sprintf("%s is a NumPy array of Python objects, stored as a pickle that numpy.load(allow_pickle=True) unpickles", f.Path))...)
	}
	if f.Joblib != nil && f.Joblib.Pickle != nil {
		what := "an uncompressed"
		if f.Joblib.Compression != "" {
			what = "a " + f.Joblib.Compression + "-compressed"
		}
		out = append(out, pickleFindings(f.Path, f.Joblib.Pickle, fmt.Sprintf("%s is %s joblib file, a pickle that joblib.load unpickles", f.Path, what))...)
	}
	if f.Keras != nil {
		out = append(out, kerasFindings(f.Path, f.Keras)...)
	}
	if f.Skops != nil {
		out = append(out, skopsFindings(f.Path, f.Skops)...)
	}
	if f.SavedModel != nil {
		out = append(out, savedModelFindings(f.Path, f.SavedModel)...)
	}
	if f.Archive != nil {
		out = append(out, archiveFindings(f.Path, f.Archive)...)
	}
	for _, m := range f.Members {
		out = append(out, fileFindings(m)...)
	}
	return out
}

// pickleFindings reports a pickle-based file: that loading it can run
// code (format.pickle), and the globals it imports outside the allow-list
// (format.code-execution). what, when given, says what kind of pickle the
// file is.
func pickleFindings(path string, p *pickle.Info, what string) []finding.Finding {
	msg := fmt.Sprintf("%s holds weights in a pickle-based format, which can run code when loaded; prefer safetensors", path)
	switch {
	case what != "":
		msg = what + ", which can run code when loaded"
	case p.PersistentIDs == 0 && p.Container != pickle.Legacy:
		// No tensor storage: training arguments (training_args.bin), a
		// scikit-learn model, any other pickled object.
		msg = fmt.Sprintf("%s is a Python pickle with no PyTorch tensor storage in it (training arguments, a scikit-learn model or another pickled object), which can run code when loaded", path)
	}
	if p.Incomplete != "" {
		msg += " (the walk of its opcodes is incomplete: " + p.Incomplete + ")"
	}
	out := []finding.Finding{{
		Code:       finding.FormatPickle,
		Message:    msg,
		Confidence: finding.Verified,
		Subject:    path,
		Evidence:   []finding.Evidence{{Path: path, Field: "container", Value: p.Container}},
	}}
	var risky []finding.Evidence
	var unsafe, unknown []string
	for _, g := range p.Globals {
		if g.Class == pickle.Safe {
			continue
		}
		field := g.Class + " global"
		if g.Category != "" {
			field += " (" + g.Category + ")"
		}
		risky = append(risky, finding.Evidence{Path: path, Offset: g.Offset, Field: field, Value: g.String()})
		if g.Class == pickle.Unsafe {
			unsafe = append(unsafe, g.String()+" ("+categoryText[g.Category]+")")
		} else {
			unknown = append(unknown, g.String())
		}
	}
	if len(risky) > 0 {
		var parts []string
		if len(unsafe) > 0 {
			parts = append(parts, "known to run code: "+strings.Join(slices.Compact(unsafe), ", "))
		}
		if len(unknown) > 0 {
			parts = append(parts, "not on the safe list: "+strings.Join(slices.Compact(unknown), ", "))
		}
		out = append(out, finding.Finding{
			Code:       finding.FormatCodeExecution,
			Message:    fmt.Sprintf("%s imports callables outside the safe allow-list of tensor-rebuild globals (%s); loading it runs them", path, strings.Join(parts, "; ")),
			Confidence: finding.Verified,
			Subject:    path,
			Evidence:   risky,
		})
	}
	if e := p.Expansion; e != nil {
		where := path
		if e.Member != "" {
			where += " (member " + e.Member + ")"
		}
		out = append(out, finding.Finding{
			Code: finding.FormatMalformed,
			Message: fmt.Sprintf("%s is an expansion bomb: %d opcodes build an object that expands to %s objects through shared references; loading it and then copying, comparing, hashing or printing the result exhausts memory or time",
				where, e.Opcodes, expansionText(e.Objects)),
			Confidence: finding.Verified,
			Subject:    path,
			Evidence:   []finding.Evidence{{Path: path, Offset: e.Offset, Field: "expansion", Value: expansionText(e.Objects)}},
		})
	}
	return out
}

// skopsFindings reports the types a skops file loads that run code (on
// the deny-list) or that skops does not trust by default: loading it with
// those types trusted builds them.
func skopsFindings(path string, s *skops.Info) []finding.Finding {
	var ev []finding.Evidence
	var unsafe, untrusted []string
	for _, t := range s.Types {
		class, category := pickle.Lookup(t.Module, t.Name)
		root, _, _ := strings.Cut(t.Module, ".")
		switch {
		case class == pickle.Unsafe:
			unsafe = append(unsafe, t.String()+" ("+categoryText[category]+")")
			ev = append(ev, finding.Evidence{Path: path, Field: "schema.json " + t.Path, Value: t.String()})
		case class == pickle.Safe || skopsTrustedModules[root]:
		default:
			untrusted = append(untrusted, t.String())
			ev = append(ev, finding.Evidence{Path: path, Field: "schema.json " + t.Path, Value: t.String()})
		}
	}
	if len(ev) == 0 {
		return nil
	}
	var parts []string
	if len(unsafe) > 0 {
		parts = append(parts, "known to run code: "+strings.Join(unsafe, ", "))
	}
	if len(untrusted) > 0 {
		parts = append(parts, "outside scikit-learn, NumPy and SciPy: "+strings.Join(untrusted, ", "))
	}
	return []finding.Finding{{
		Code:       finding.FormatCodeExecution,
		Message:    fmt.Sprintf("%s is a skops file that loads types skops does not trust by default (%s); loading it with them trusted imports and calls them", path, strings.Join(parts, "; ")),
		Confidence: finding.Verified,
		Subject:    path,
		Evidence:   ev,
	}}
}

// skopsTrustedModules are the packages whose types a skops file of a
// scikit-learn model is made of.
var skopsTrustedModules = map[string]bool{"sklearn": true, "numpy": true, "scipy": true}

// savedModelFindings reports TensorFlow graph nodes that run Python or
// touch files when the graph runs.
func savedModelFindings(path string, g *savedmodel.Info) []finding.Finding {
	if len(g.Flagged) == 0 {
		return nil
	}
	var py, file []string
	var ev []finding.Evidence
	for _, n := range g.Flagged {
		where := n.Name
		if n.Function != "" {
			where = n.Function + "/" + n.Name
		}
		if slices.Contains(savedmodel.PythonOps, n.Op) {
			py = append(py, n.Op)
		} else {
			file = append(file, n.Op)
		}
		ev = append(ev, finding.Evidence{Path: path, Offset: n.Offset, Field: "node " + textsafe.Truncate(where, 80), Value: n.Op})
	}
	var parts []string
	if len(py) > 0 {
		slices.Sort(py)
		parts = append(parts, "run Python functions ("+strings.Join(slices.Compact(py), ", ")+")")
	}
	if len(file) > 0 {
		slices.Sort(file)
		parts = append(parts, "read or write files ("+strings.Join(slices.Compact(file), ", ")+")")
	}
	return []finding.Finding{{
		Code:       finding.FormatCodeExecution,
		Message:    fmt.Sprintf("%s is a TensorFlow graph whose operations %s when the model runs", path, strings.Join(parts, " and ")),
		Confidence: finding.Verified,
		Subject:    path,
		Evidence:   ev,
	}}
}

// archiveFindings reports archive members whose names would take an
// extractor outside its folder.
func archiveFindings(path string, a *archive.Info) []finding.Finding {
	var ev []finding.Evidence
	for _, e := range a.Entries {
		if e.Unsafe != "" {
			ev = append(ev, finding.Evidence{Path: path, Field: "member (" + e.Unsafe + ")", Value: textsafe.Truncate(e.Name, 80)})
		}
	}
	if len(ev) == 0 {
		return nil
	}
	return []finding.Finding{{
		Code: finding.FormatMalformed,
		Message: fmt.Sprintf("%s holds %d member(s) whose names leave the folder it is extracted to (%s: %q); extracting it writes outside that folder (a path traversal)",
			path, len(ev), ev[0].Field, ev[0].Value),
		Confidence: finding.Verified,
		Subject:    path,
		Evidence:   ev,
	}}
}

// categoryText says what an unsafe global of each category can do.
var categoryText = map[string]string{
	pickle.CategoryProcess:     "process: starts processes or runs shell commands",
	pickle.CategoryNetwork:     "network: opens network connections",
	pickle.CategoryFile:        "file: reads, writes or deletes files",
	pickle.CategoryCodeLoading: "code loading: compiles, imports or runs code, or loads another pickle",
	pickle.CategoryReflection:  "reflection: reaches arbitrary attributes and callables",
	pickle.CategoryInterpreter: "interpreter: reaches the interpreter's internals or native code",
	pickle.CategoryHidden:      "hidden: its operands are built at load time, out of a static walk's sight",
}

// expansionText writes an expanded size, saying when it saturated.
func expansionText(n uint64) string {
	if n >= limits.MaxPickleExpansionCount {
		return fmt.Sprintf("more than %d", uint64(limits.MaxPickleExpansionCount))
	}
	return fmt.Sprint(n)
}

// kerasFindings reports the Lambda layers of a Keras file, whose Python
// functions run when the model is loaded (format.code-execution).
func kerasFindings(path string, k *keras.Info) []finding.Finding {
	if len(k.Lambdas) == 0 {
		return nil
	}
	var names []string
	var ev []finding.Evidence
	bytecode := 0
	for _, l := range k.Lambdas {
		if l.Bytecode {
			bytecode++
		}
		names = append(names, cmp.Or(l.Name, "unnamed"))
		v := l.Name
		if l.Bytecode {
			v += " (bytecode)"
		}
		ev = append(ev, finding.Evidence{Path: path, Field: l.Field, Offset: l.Offset, Value: strings.TrimSpace(v)})
	}
	what := fmt.Sprintf("%d Lambda layers", len(k.Lambdas))
	if len(k.Lambdas) == 1 {
		what = "a Lambda layer"
	}
	list := strings.Join(names[:min(len(names), 5)], ", ")
	if len(names) > 5 {
		list += ", …"
	}
	msg := fmt.Sprintf("%s holds %s (%s) whose Python function runs when the model is loaded", path, what, list)
	if bytecode > 0 {
		carry := fmt.Sprintf("%d of them carry", bytecode)
		if len(k.Lambdas) == 1 {
			carry = "it carries"
		}
		msg += fmt.Sprintf("; %s serialised bytecode, which Keras 2 and tf.keras run without asking", carry)
	}
	conf := finding.Verified
	if k.Source == "model_config" {
		conf = finding.Inferred // found in the bytes, not parsed from HDF5 structure
	}
	return []finding.Finding{{Code: finding.FormatCodeExecution, Message: msg, Confidence: conf, Subject: path, Evidence: ev}}
}

// ExternalData is a place where an ONNX file of the release says a
// tensor's data is kept.
type ExternalData struct {
	Model    string // the ONNX file
	Tensor   string
	Location string // as the file writes it
	Offset   int64  // of the entry in the ONNX file
	// Target is the release path Location resolves to, empty when
	// Location is empty or Outside.
	Target string
	// Outside is set when Location leaves the release (an absolute path, a
	// drive letter, or one that climbs out): a loader would read a file
	// the release does not hold.
	Outside bool
}

// ExternalData lists the external tensor data of the release's ONNX files,
// each location once per file. Whether each Target is present is for
// integrity to say.
func (r *Release) ExternalData() []ExternalData {
	var out []ExternalData
	for _, f := range r.Files {
		if f.ONNX == nil {
			continue
		}
		seen := map[string]bool{}
		for _, x := range f.ONNX.ExternalData {
			if seen[x.Location] {
				continue
			}
			seen[x.Location] = true
			e := ExternalData{Model: f.Path, Tensor: x.Tensor, Location: x.Location, Offset: x.Offset}
			loc := strings.ReplaceAll(x.Location, "\\", "/")
			target := path.Join(path.Dir(f.Path), loc)
			switch {
			case loc == "":
			case path.IsAbs(loc) || hasDriveLetter(loc) || target == ".." || strings.HasPrefix(target, "../"):
				e.Outside = true
			default:
				e.Target = target
			}
			out = append(out, e)
		}
	}
	return out
}

// Evidence cites the entry in the ONNX file.
func (e ExternalData) Evidence() finding.Evidence {
	return finding.Evidence{Path: e.Model, Offset: e.Offset, Field: "external_data.location", Value: textsafe.Truncate(e.Location, 40)}
}

// onnxFindings reports external data that no file of the release can
// hold: an empty location, or one outside the release (a path traversal).
func (r *Release) onnxFindings() []finding.Finding {
	var out []finding.Finding
	for _, e := range r.ExternalData() {
		var msg string
		switch {
		case e.Location == "":
			msg = fmt.Sprintf("%s stores tensor %s externally but names no file for it", e.Model, textsafe.Truncate(e.Tensor, 40))
		case e.Outside:
			msg = fmt.Sprintf("%s refers to external tensor data at %q, outside the release: a loader would read that file (a path traversal)", e.Model, textsafe.Truncate(e.Location, 40))
		default:
			continue
		}
		out = append(out, finding.Finding{Code: finding.FormatMalformed, Confidence: finding.Verified, Subject: e.Model, Evidence: []finding.Evidence{e.Evidence()}, Message: msg})
	}
	return out
}

// hasDriveLetter reports whether p starts with a Windows drive ("C:").
func hasDriveLetter(p string) bool {
	return len(p) >= 2 && p[1] == ':' && ('a' <= p[0]|0x20 && p[0]|0x20 <= 'z')
}

// Unread reports whether the audit did not read the file's bytes: a
// remote file listed only, or a file that could not be read (a Problem of
// the release says why).
func (f *File) Unread() bool { return f.unreadable }

// GGUFEvidence cites a metadata key of the file's GGUF header: the file,
// the key's byte offset and its value, or only the file and the key when
// the header does not hold it.
func (f *File) GGUFEvidence(key string) finding.Evidence {
	if f.GGUF != nil {
		if v, ok := f.GGUF.Get(key); ok {
			return finding.Evidence{Path: f.Path, Offset: v.Offset, Field: key, Value: fmt.Sprint(v.Value)}
		}
	}
	return finding.Evidence{Path: f.Path, Field: key}
}

// CardEvidence cites a field of a model card: the card, the field's line,
// its key and its value.
func CardEvidence(c *modelcard.Card, key string, f modelcard.Field) finding.Evidence {
	return finding.Evidence{Path: c.Path, Line: f.Line, Field: key, Value: f.Value}
}
