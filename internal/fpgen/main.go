// Command fpgen writes the knowledge base's fingerprint records of
// published figures (architectures-published.yaml,
// tokenizers-published.yaml, and models-published.yaml for the models they
// name) from a research table of models' published configuration values
// and tokenizer facts. It runs at generation time only; the binary never
// reads the table.
//
//	go run ./internal/fpgen -tsv ../notes/fp-published.tsv \
//	    -corpus ../shared/corpus/fingerprints -kb kb/data
//
// The table has one row per model and source, tab-separated, with the
// columns named in its header: model_id, developer, family, model_type,
// architectures, layers, hidden, heads, kv_heads, head_dim, intermediate,
// moe_intermediate, experts, shared_experts, experts_per_tok, q_lora_rank,
// kv_lora_rank, vocab, rope_theta, rope_scaling ("type:factor"), max_pos,
// tie_emb, bos_id, eos_id (ids separated by commas), bos_token, eos_token,
// special_tokens ("string=id | string=id …"), chat_markers (" | "
// separated), ggml_pre, source_url (" + " separated; corpus paths are
// resolved to their upstream address through the corpus's SOURCES.tsv),
// source_date, source_title, source_kind (exact-config, vendored-config,
// model-card, other) and notes ("TOKENIZER ROW" first for rows of
// tokenizer facts only; "real tokenizer size N"; "LOW CONFIDENCE").
// Parenthesised remarks inside cells are dropped.
//
// A row with layers and hidden size makes an architecture record; a row
// with tokens, markers or a pre-tokenizer name makes a tokenizer record.
// Rows for a model that a hand-kept record (architectures.yaml,
// tokenizers.yaml) already lists are skipped, as are rows with no source
// address; further rows for the same model add their citations when they
// agree with the first, by source kind (exact-config first), and the
// values the first lacks. Skipped rows
// are listed on standard error. Record ids are the model's name in lower
// case. Models the records name that models.yaml lacks get a record with
// the licence "unknown".
package main

import (
	"cmp"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/manifest"
)

func main() {
	tsv := flag.String("tsv", "", "research table of published fingerprint figures (`FILE`)")
	corpus := flag.String("corpus", "", "fingerprint corpus `DIR` (with configs/, tokenizers/, llamacpp/ and their SOURCES.tsv)")
	kbDir := flag.String("kb", "", "knowledge-base data `DIR` (kb/data): read, and written to")
	flag.Parse()
	if *tsv == "" || *corpus == "" || *kbDir == "" {
		flag.Usage()
		os.Exit(2)
	}
	out, skipped, err := run(*tsv, *corpus, *kbDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fpgen:", err)
		os.Exit(1)
	}
	for _, s := range skipped {
		fmt.Fprintln(os.Stderr, "skipped:", s)
	}
	for name, data := range out {
		if err := os.WriteFile(filepath.Join(*kbDir, name), data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "fpgen:", err)
			os.Exit(1)
		}
	}
}

// run reads the table and the hand-kept files and returns the generated
// files by name, and why rows were skipped.
func run(tsvPath, corpusDir, kbDir string) (map[string][]byte, []string, error) {
	hand, err := readHand(kbDir)
	if err != nil {
		return nil, nil, err
	}
	sources, err := corpusSources(corpusDir)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.Open(tsvPath)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	rows, err := readRows(f)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", tsvPath, err)
	}
	// The best-sourced row of a model is taken first.
	slices.SortStableFunc(rows, func(a, b map[string]string) int {
		return cmp.Compare(kindRank(a["source_kind"]), kindRank(b["source_kind"]))
	})
	g := &gen{hand: hand, sources: sources}
	for _, r := range rows {
		g.add(r)
	}
	out, err := g.render()
	return out, g.skipped, err
}

// handKept holds the hand-kept records the generated ones must not repeat.
type handKept struct {
	Models        []*kb.Model        `yaml:"models"`
	Organizations []*kb.Organization `yaml:"organizations"`
	Architectures []*kb.Architecture `yaml:"architectures"`
	Tokenizers    []*kb.Tokenizer    `yaml:"tokenizers"`
}

func readHand(dir string) (*handKept, error) {
	h := &handKept{}
	for _, name := range []string{"models.yaml", "organizations.yaml", "architectures.yaml", "tokenizers.yaml"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if err := yaml.Unmarshal(data, h); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return h, nil
}

// organization finds an organisation id by id or alias; developer cells may
// add a parenthesised remark ("THUDM (zai-org)").
func (h *handKept) organization(name string) string {
	name, _, _ = strings.Cut(stripRemarks(name), " ")
	n := kb.Normalize(name)
	for _, o := range h.Organizations {
		if kb.Normalize(o.ID) == n || slices.ContainsFunc(o.Aliases, func(a string) bool { return kb.Normalize(a) == n }) {
			return o.ID
		}
	}
	return ""
}

// model finds a hand-kept model record by id or alias.
func (h *handKept) model(id string) *kb.Model {
	n := kb.Normalize(id)
	i := slices.IndexFunc(h.Models, func(m *kb.Model) bool {
		return kb.Normalize(m.ID) == n || slices.ContainsFunc(m.Aliases, func(a string) bool { return kb.Normalize(a) == n })
	})
	if i < 0 {
		return nil
	}
	return h.Models[i]
}

// corpusSources maps corpus paths ("tokenizers/x.json") to the upstream
// address their SOURCES.tsv gives.
func corpusSources(dir string) (map[string]string, error) {
	out := map[string]string{}
	for _, folder := range []string{"configs", "tokenizers", "llamacpp"} {
		f, err := os.Open(filepath.Join(dir, folder, "SOURCES.tsv"))
		if err != nil {
			return nil, err
		}
		rows, err := readTable(f)
		f.Close()
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			repo, _, _ := strings.Cut(r["github_repo"], " ")
			out[folder+"/"+r["file"]] = "https://github.com/" + repo + "/blob/" + r["commit"] + "/" + r["path"]
		}
	}
	return out, nil
}

// readTable reads a tab-separated table with a header line into maps.
func readTable(r io.Reader) ([]map[string]string, error) {
	cr := csv.NewReader(r)
	cr.Comma, cr.LazyQuotes, cr.FieldsPerRecord = '\t', true, -1
	head, err := cr.Read()
	if err != nil {
		return nil, err
	}
	var out []map[string]string
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		row := map[string]string{}
		for i, h := range head {
			if i < len(rec) {
				row[h] = strings.TrimSpace(rec[i])
			}
		}
		out = append(out, row)
	}
}

var requiredColumns = []string{"model_id", "developer", "family", "layers", "hidden", "vocab", "source_url", "source_kind", "notes"}

func readRows(r io.Reader) ([]map[string]string, error) {
	rows, err := readTable(r)
	if err != nil {
		return nil, err
	}
	for _, c := range requiredColumns {
		if len(rows) > 0 {
			if _, ok := rows[0][c]; !ok {
				return nil, fmt.Errorf("no %s column", c)
			}
		}
	}
	return rows, nil
}

// remarkRE matches parenthesised remarks inside a cell.
var remarkRE = regexp.MustCompile(`\s*\([^()]*\)`)

func stripRemarks(s string) string {
	for {
		t := remarkRE.ReplaceAllString(s, "")
		if t == s {
			return strings.TrimSpace(t)
		}
		s = t
	}
}

type gen struct {
	hand    *handKept
	sources map[string]string
	archs   []*kb.Architecture
	toks    []*kb.Tokenizer
	models  []*kb.Model
	skipped []string
}

// kindRank orders source kinds, best first; unknown kinds last.
func kindRank(kind string) int {
	i := slices.Index([]string{"exact-config", "vendored-config", "model-card", "other"}, kind)
	if i < 0 {
		return 4
	}
	return i
}

func (g *gen) skip(r map[string]string, why string) {
	g.skipped = append(g.skipped, r["model_id"]+" ("+r["source_kind"]+"): "+why)
}

func (g *gen) add(r map[string]string) {
	model := r["model_id"]
	dev := g.hand.organization(r["developer"])
	cites := g.citations(r)
	switch {
	case model == "":
		return
	case dev == "":
		g.skip(r, "developer "+r["developer"]+" has no organisation record")
		return
	case len(cites) == 0:
		g.skip(r, "no source address")
		return
	}
	if a := g.architecture(r, dev, cites); a != nil {
		g.addArchitecture(r, a)
	}
	if t := g.tokenizer(r, dev, cites); t != nil {
		g.addTokenizer(r, t)
	}
}

// citations resolves the row's sources to addresses: URLs as given, corpus
// paths through SOURCES.tsv; other references (search-index ids) cite
// nothing.
func (g *gen) citations(r map[string]string) []kb.Citation {
	var out []kb.Citation
	for _, part := range strings.Split(r["source_url"], " + ") {
		ref, _, _ := strings.Cut(strings.TrimSpace(part), " ")
		url := ref
		if rel, ok := strings.CutPrefix(ref, "../shared/corpus/fingerprints/"); ok {
			url = g.sources[rel]
		}
		if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
			continue
		}
		out = append(out, kb.Citation{URL: url, Date: r["source_date"], Title: r["source_title"]})
	}
	return out
}

func confidence(r map[string]string) string {
	switch {
	case strings.Contains(strings.ToUpper(r["notes"]), "LOW CONFIDENCE"):
		return kb.ConfidenceLow
	case r["source_kind"] == "exact-config":
		return kb.ConfidenceHigh
	case r["source_kind"] == "vendored-config" || r["source_kind"] == "model-card":
		return kb.ConfidenceMediumHigh
	}
	return kb.ConfidenceMedium
}

// recordID is the model's name in lower case.
func recordID(model string) string {
	_, name, ok := strings.Cut(model, "/")
	if !ok {
		name = model
	}
	return strings.ToLower(name)
}

func intCell(s string) *int64 {
	n, err := strconv.ParseInt(strings.ReplaceAll(stripRemarks(s), ",", ""), 10, 64)
	if err != nil || n <= 0 {
		return nil
	}
	return &n
}

// idCell reads a token id (zero included).
func idCell(s string) *int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return nil
	}
	return &n
}

func floatCell(s string) *float64 {
	f, err := strconv.ParseFloat(stripRemarks(s), 64)
	if err != nil || !(f > 0) {
		return nil
	}
	return &f
}

func (g *gen) architecture(r map[string]string, dev string, cites []kb.Citation) *kb.Architecture {
	a := &kb.Architecture{
		ID: recordID(r["model_id"]), Models: []string{r["model_id"]}, Family: r["family"], Developer: dev,
		ModelType: stripRemarks(r["model_type"]),
		Layers:    intCell(r["layers"]), HiddenSize: intCell(r["hidden"]), Heads: intCell(r["heads"]),
		KVHeads: intCell(r["kv_heads"]), HeadDim: intCell(r["head_dim"]), FFNSize: intCell(r["intermediate"]),
		MoEFFNSize: intCell(r["moe_intermediate"]), Experts: intCell(r["experts"]), SharedExperts: intCell(r["shared_experts"]),
		ExpertsPerToken: intCell(r["experts_per_tok"]), QLoRARank: intCell(r["q_lora_rank"]), KVLoRARank: intCell(r["kv_lora_rank"]),
		VocabSize: intCell(r["vocab"]), RopeTheta: floatCell(r["rope_theta"]), ContextLength: intCell(r["max_pos"]),
		Note: r["notes"], Confidence: confidence(r), Sources: cites,
	}
	if a.Layers == nil || a.HiddenSize == nil {
		return nil
	}
	a.Classes = strings.FieldsFunc(stripRemarks(r["architectures"]), func(c rune) bool { return c == ',' || c == '|' || c == ' ' })
	if typ, factor, _ := strings.Cut(stripRemarks(r["rope_scaling"]), ":"); typ != "" && typ != "null" {
		if slices.Contains(kb.RopeScalingTypes(), typ) {
			a.RopeScaling = typ
		}
		a.RopeFactor = floatCell(factor)
	}
	switch stripRemarks(r["tie_emb"]) {
	case "true":
		a.TiedEmbeddings = ptr(true)
	case "false":
		a.TiedEmbeddings = ptr(false)
	}
	return a
}

func ptr[T any](v T) *T { return &v }

func (g *gen) addArchitecture(r map[string]string, a *kb.Architecture) {
	if covered := slices.IndexFunc(g.hand.Architectures, func(h *kb.Architecture) bool { return listsModel(h.Models, r["model_id"]) }); covered >= 0 {
		g.skip(r, "architecture listed by architectures.yaml record "+g.hand.Architectures[covered].ID)
		return
	}
	// A fine-tune has its base's shape: one of another developer's base
	// (a distill onto Llama) would name the wrong developer; one of the
	// same developer's base names the base too, unless a hand-kept record
	// does.
	if m := g.hand.model(r["model_id"]); m != nil {
		for _, b := range m.Bases {
			if b.Relation != "finetune" {
				continue
			}
			base := g.hand.model(b.Model)
			if base == nil || g.hand.organization(base.Developer) != a.Developer {
				g.skip(r, "architecture is its base "+b.Model+"'s")
				return
			}
			if !slices.ContainsFunc(g.hand.Architectures, func(h *kb.Architecture) bool { return listsModel(h.Models, b.Model) }) {
				a.Models = append([]string{base.ID}, a.Models...)
			}
		}
	}
	if i := slices.IndexFunc(g.archs, func(o *kb.Architecture) bool { return o.ID == a.ID }); i >= 0 {
		if o := g.archs[i]; sameShape(o, a) {
			fillArchitecture(o, a)
			o.Sources = appendCitations(o.Sources, a.Sources)
		} else {
			g.skip(r, "architecture disagrees with the row already taken for "+o.ID)
		}
		return
	}
	if slices.ContainsFunc(g.hand.Architectures, func(h *kb.Architecture) bool { return h.ID == a.ID }) {
		a.ID += "-published"
	}
	g.archs = append(g.archs, a)
}

func listsModel(models []string, id string) bool {
	return slices.ContainsFunc(models, func(m string) bool { return kb.Normalize(m) == kb.Normalize(id) })
}

// sameShape reports whether two records agree on every size both state.
func sameShape(a, b *kb.Architecture) bool {
	for _, p := range [][2]*int64{
		{a.Layers, b.Layers}, {a.HiddenSize, b.HiddenSize}, {a.Heads, b.Heads}, {a.KVHeads, b.KVHeads},
		{a.HeadDim, b.HeadDim}, {a.FFNSize, b.FFNSize}, {a.MoEFFNSize, b.MoEFFNSize}, {a.Experts, b.Experts},
		{a.SharedExperts, b.SharedExperts}, {a.ExpertsPerToken, b.ExpertsPerToken}, {a.QLoRARank, b.QLoRARank},
		{a.KVLoRARank, b.KVLoRARank}, {a.VocabSize, b.VocabSize},
	} {
		if p[0] != nil && p[1] != nil && *p[0] != *p[1] {
			return false
		}
	}
	return true
}

// fillArchitecture completes dst with the values only src states.
func fillArchitecture(dst, src *kb.Architecture) {
	for _, p := range []struct{ d, s **int64 }{
		{&dst.Heads, &src.Heads}, {&dst.KVHeads, &src.KVHeads}, {&dst.HeadDim, &src.HeadDim}, {&dst.FFNSize, &src.FFNSize},
		{&dst.MoEFFNSize, &src.MoEFFNSize}, {&dst.Experts, &src.Experts}, {&dst.SharedExperts, &src.SharedExperts},
		{&dst.ExpertsPerToken, &src.ExpertsPerToken}, {&dst.QLoRARank, &src.QLoRARank}, {&dst.KVLoRARank, &src.KVLoRARank},
		{&dst.VocabSize, &src.VocabSize}, {&dst.ContextLength, &src.ContextLength},
	} {
		if *p.d == nil {
			*p.d = *p.s
		}
	}
	dst.ModelType = cmp.Or(dst.ModelType, src.ModelType)
	dst.RopeScaling = cmp.Or(dst.RopeScaling, src.RopeScaling)
	if len(dst.Classes) == 0 {
		dst.Classes = src.Classes
	}
	if dst.RopeTheta == nil {
		dst.RopeTheta = src.RopeTheta
	}
	if dst.RopeFactor == nil {
		dst.RopeFactor = src.RopeFactor
	}
	if dst.TiedEmbeddings == nil {
		dst.TiedEmbeddings = src.TiedEmbeddings
	}
}

func appendCitations(dst, src []kb.Citation) []kb.Citation {
	for _, c := range src {
		if !slices.Contains(dst, c) {
			dst = append(dst, c)
		}
	}
	return dst
}

var (
	tokenWithID = regexp.MustCompile(`^(\S+)=(\d+)$`)
	tokenAlone  = regexp.MustCompile(`^[<\[]\S*[>\]]$`)
	realSizeRE  = regexp.MustCompile(`real tokenizer size (\d[\d,]*)`)
)

// sentencePiecePres are llama.cpp pre-tokenizer names that its converter's
// hash path never writes (SentencePiece and Unigram tokenizers get
// "default"): a row naming one records a list name, not a GGUF value.
var sentencePiecePres = []string{"llama-spm", "phi-3", "gemma", "gemma-2", "t5"}

func (g *gen) tokenizer(r map[string]string, dev string, cites []kb.Citation) *kb.Tokenizer {
	t := &kb.Tokenizer{ID: recordID(r["model_id"]), Family: r["family"], Developer: dev, Models: []string{r["model_id"]},
		Note: r["notes"], Confidence: confidence(r), Sources: cites}
	if pre := stripRemarks(r["ggml_pre"]); pre != "" && !slices.Contains(sentencePiecePres, pre) {
		t.GGMLPre = pre
	}
	for _, entry := range strings.Split(r["special_tokens"], " | ") {
		entry = stripRemarks(entry)
		if m := tokenWithID.FindStringSubmatch(entry); m != nil {
			t.Tokens = addToken(t.Tokens, m[1], idCell(m[2]), "")
		} else if tokenAlone.MatchString(entry) {
			t.Tokens = addToken(t.Tokens, entry, nil, "")
		}
	}
	// A bos or eos string is paired with the row's id, unless several
	// eos ids leave it unclear which is the string's.
	eosIDs := strings.Split(stripRemarks(r["eos_id"]), ",")
	for _, role := range []struct{ name, token, id string }{{"bos", r["bos_token"], r["bos_id"]}, {"eos", r["eos_token"], eosIDs[0]}} {
		token := stripRemarks(role.token)
		if token == "" {
			continue
		}
		var id *int64
		if role.name != "eos" || len(eosIDs) == 1 {
			id = idCell(role.id)
		}
		t.Tokens = addToken(t.Tokens, token, id, role.name)
	}
	t.ChatMarkers = manifest.ChatTemplateMarkers(stripRemarks(r["chat_markers"]))
	if m := realSizeRE.FindStringSubmatch(r["notes"]); m != nil {
		t.VocabSize = intCell(m[1])
	}
	if len(t.Tokens) == 0 && t.GGMLPre == "" {
		return nil
	}
	return t
}

// addToken adds a token, or the id and role to the same token listed
// already.
func addToken(tokens []kb.TokenizerToken, content string, id *int64, role string) []kb.TokenizerToken {
	i := slices.IndexFunc(tokens, func(t kb.TokenizerToken) bool { return t.Content == content })
	if i < 0 {
		tokens = append(tokens, kb.TokenizerToken{Content: content})
		i = len(tokens) - 1
	}
	if id != nil && tokens[i].ID == nil {
		tokens[i].ID = id
	}
	if role != "" && !slices.Contains(tokens[i].Roles, role) {
		tokens[i].Roles = append(tokens[i].Roles, role)
	}
	return tokens
}

func (g *gen) addTokenizer(r map[string]string, t *kb.Tokenizer) {
	if covered := slices.IndexFunc(g.hand.Tokenizers, func(h *kb.Tokenizer) bool { return listsModel(h.Models, r["model_id"]) }); covered >= 0 {
		g.skip(r, "tokenizer listed by tokenizers.yaml record "+g.hand.Tokenizers[covered].ID)
		return
	}
	if i := slices.IndexFunc(g.toks, func(o *kb.Tokenizer) bool { return o.ID == t.ID }); i >= 0 {
		o := g.toks[i]
		for _, tok := range t.Tokens {
			if j := slices.IndexFunc(o.Tokens, func(x kb.TokenizerToken) bool { return x.Content == tok.Content }); j >= 0 && tok.ID != nil && o.Tokens[j].ID != nil && *tok.ID != *o.Tokens[j].ID {
				g.skip(r, "tokenizer disagrees with the row already taken for "+o.ID+" on "+tok.Content)
				return
			}
		}
		for _, tok := range t.Tokens {
			o.Tokens = addToken(o.Tokens, tok.Content, tok.ID, "")
			for _, role := range tok.Roles {
				o.Tokens = addToken(o.Tokens, tok.Content, nil, role)
			}
		}
		o.ChatMarkers = slices.Compact(slices.Sorted(slices.Values(append(o.ChatMarkers, t.ChatMarkers...))))
		o.GGMLPre = cmp.Or(o.GGMLPre, t.GGMLPre)
		if o.VocabSize == nil {
			o.VocabSize = t.VocabSize
		}
		o.Sources = appendCitations(o.Sources, t.Sources)
		return
	}
	if slices.ContainsFunc(g.hand.Tokenizers, func(h *kb.Tokenizer) bool { return h.ID == t.ID }) {
		t.ID += "-published"
	}
	g.toks = append(g.toks, t)
}

// render writes the three files, records in the order their first rows
// were taken.
func (g *gen) render() (map[string][]byte, error) {
	for _, a := range g.archs {
		g.modelStub(a.Models, a.Developer, a.Sources[0])
	}
	for _, t := range g.toks {
		g.modelStub(t.Models, t.Developer, t.Sources[0])
	}
	out := map[string][]byte{}
	for _, f := range []struct {
		name, key, what string
		records         any
	}{
		{"architectures-published.yaml", "architectures", "Architectures", g.archs},
		{"tokenizers-published.yaml", "tokenizers", "Tokenizers", g.toks},
		{"models-published.yaml", "models", "Models named by the published fingerprint records that models.yaml lacks", g.models},
	} {
		body, err := yaml.MarshalWithOptions(map[string]any{f.key: f.records}, yaml.IndentSequence(true), yaml.UseLiteralStyleIfMultiline(false))
		if err != nil {
			return nil, err
		}
		head := "# " + f.what + " from published figures, generated by internal/fpgen (do not edit:\n" +
			"# change the research table or the hand-kept files and run it again).\n" +
			"# Schema: docs/KNOWLEDGE-BASE.md.\n"
		out[f.name] = append([]byte(head), body...)
	}
	return out, nil
}

// modelStub records a model the records name that models.yaml lacks.
func (g *gen) modelStub(models []string, dev string, cite kb.Citation) {
	for _, id := range models {
		if g.hand.model(id) != nil || slices.ContainsFunc(g.models, func(m *kb.Model) bool { return kb.Normalize(m.ID) == kb.Normalize(id) }) {
			continue
		}
		g.models = append(g.models, &kb.Model{ID: id, Developer: dev, License: "unknown", Confidence: kb.ConfidenceMedium,
			ConfidenceNote: "named by a published fingerprint source; licence not read", Sources: []kb.Citation{cite}})
	}
}
