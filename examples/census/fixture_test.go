package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/modelvet/modelvet/internal/hubtest"
)

// A census fixture: a fake Hub holding families of derivatives of four
// well-known models (DeepSeek, Qwen, Llama, Mistral) across depths, plain
// releases, gated repositories and broken ones, with the Hub's paginated
// model listing. Its structure is known, so the test can say what the
// census must find without reading the census's output.

// fixtureRepo is one repository of the fixture and what is known of it.
type fixtureRepo struct {
	ID       string
	License  string // as the card declares it ("" none)
	Base     string // the card's base_model ("" none)
	Relation string
	Gated    string
	// Rich gives the repository the example release's files (two
	// safetensors shards and their index, a GGUF and an ONNX file, a
	// licence, a signature, code) instead of one weight file.
	Rich bool
	// Broken says how a repository that cannot be audited is broken:
	// "deleted" (listed, then gone), "empty" (no files), "corrupt" (an API
	// record that is not JSON).
	Broken string
}

// fixtureRoot is a well-known model at the top of a family.
type fixtureRoot struct {
	ID, License, Gated string
}

var fixtureRoots = []fixtureRoot{
	{ID: "deepseek-ai/DeepSeek-R1", License: "mit"},
	{ID: "Qwen/Qwen2.5-7B", License: "apache-2.0"},
	{ID: "meta-llama/Llama-3.1-8B", License: "llama3.1", Gated: "manual"},
	{ID: "mistralai/Mistral-7B-v0.1", License: "apache-2.0"},
}

// fixtureSize says how many repositories of each kind a fixture has.
type fixtureSize struct {
	// PerFamily[d] is the number of derivatives at depth d+1 of each root.
	PerFamily []int
	Plain     int
	Broken    int // of each kind of breakage
	Rich      bool
}

// fullFixture has 1,009 repositories: 4 roots, 760 derivatives, 200 plain
// releases (some gated) and 45 broken ones.
var fullFixture = fixtureSize{PerFamily: []int{100, 60, 30}, Plain: 200, Broken: 15}

// shortFixture is the -short variant: 61 repositories.
var shortFixture = fixtureSize{PerFamily: []int{6, 3, 2}, Plain: 10, Broken: 2}

// newFixture lays out the repositories, in listing order.
func newFixture(size fixtureSize) []fixtureRepo {
	var repos []fixtureRepo
	for _, r := range fixtureRoots {
		repos = append(repos, fixtureRepo{ID: r.ID, License: r.License, Gated: r.Gated})
	}
	relations := []string{"finetune", "quantized", "adapter"}
	for fi, root := range fixtureRoots {
		family := strings.SplitN(root.ID, "/", 2)[1]
		prev := []string{root.ID}
		for depth, n := range size.PerFamily {
			var level []string
			for i := range n {
				id := fmt.Sprintf("lab%02d/%s-d%d-%03d", (i*7+fi)%40, family, depth+1, i)
				r := fixtureRepo{ID: id, Base: prev[i%len(prev)], Relation: relations[depth%len(relations)], License: root.License}
				switch {
				case i%5 == 1:
					r.License = "apache-2.0" // a derivative relicensing its base
				case i%5 == 2:
					r.License = ""
				}
				if i%9 == 4 {
					r.Gated = "auto"
				}
				repos = append(repos, r)
				level = append(level, id)
			}
			prev = level
		}
	}
	licenses := []string{"mit", "apache-2.0", "cc-by-nc-4.0", "", "openrail"}
	for i := range size.Plain {
		r := fixtureRepo{ID: fmt.Sprintf("indie%02d/model-%03d", i%25, i), License: licenses[i%len(licenses)]}
		if i%11 == 3 {
			r.Gated = "manual"
		}
		repos = append(repos, r)
	}
	for _, kind := range []string{"deleted", "empty", "corrupt"} {
		for i := range size.Broken {
			repos = append(repos, fixtureRepo{ID: fmt.Sprintf("broken/%s-%02d", kind, i), Broken: kind})
		}
	}
	for i := range repos {
		repos[i].Rich = size.Rich
	}
	return repos
}

// hubRepo is the fake Hub's repository for r, or nil for one deleted.
func (r fixtureRepo) hubRepo() *hubtest.Repo {
	repo := &hubtest.Repo{ID: r.ID, Gated: r.Gated, LibraryName: "transformers", PipelineTag: "text-generation"}
	switch r.Broken {
	case "deleted":
		return nil
	case "empty":
		return repo
	}
	var card strings.Builder
	card.WriteString("---\n")
	if r.License != "" {
		fmt.Fprintf(&card, "license: %s\n", r.License)
	}
	if r.Base != "" {
		fmt.Fprintf(&card, "base_model: %s\nbase_model_relation: %s\n", r.Base, r.Relation)
	}
	fmt.Fprintf(&card, "---\n# %s\n", r.ID)
	weights := hubtest.Safetensors([]hubtest.Tensor{
		{Name: "model.embed_tokens.weight", DType: "F16", Shape: []int64{32, 16}},
		{Name: "model.norm.weight", DType: "F16", Shape: []int64{16}},
	}, map[string]string{"format": "pt"})
	readme := &hubtest.File{Path: "README.md", Data: []byte(card.String())}
	if r.Rich {
		repo.Files = []*hubtest.File{readme}
		for _, f := range hubtest.ExampleFiles() {
			if f.Path != "README.md" {
				repo.Files = append(repo.Files, f)
			}
		}
		return repo
	}
	repo.Files = []*hubtest.File{
		readme,
		{Path: "config.json", Data: []byte(`{"architectures":["LlamaForCausalLM"],"model_type":"llama"}`)},
		hubtest.NewFile("model.safetensors", weights),
	}
	return repo
}

// fakeHub serves a fixture: the repositories, the paginated listing at
// /api/models (pageSize entries a page, the cursor in the Link header) and
// the corrupt records.
type fakeHub struct {
	*hubtest.Server
	repos    []fixtureRepo
	pageSize int
	// listings counts listing requests; throttle, when positive, answers
	// that many of them with 429 first.
	listings, throttle atomic.Int64
	// latency delays every answer, as a Hub across a network does.
	latency atomic.Int64 // nanoseconds
}

func startFakeHub(t interface {
	Cleanup(func())
	Helper()
}, repos []fixtureRepo, pageSize int) *fakeHub {
	t.Helper()
	var served []*hubtest.Repo
	for _, r := range repos {
		if hr := r.hubRepo(); hr != nil {
			served = append(served, hr)
		}
	}
	h := &fakeHub{Server: hubtest.Start(nil, served...), repos: repos, pageSize: pageSize}
	t.Cleanup(h.Close)
	corrupt := map[string]bool{}
	for _, r := range repos {
		if r.Broken == "corrupt" {
			corrupt["/api/models/"+r.ID+"/revision/main"] = true
		}
	}
	h.SetFault(func(server string, w http.ResponseWriter, r *http.Request) bool {
		time.Sleep(time.Duration(h.latency.Load()))
		switch {
		case server != "hub":
			return false
		case r.URL.Path == "/api/models":
			h.serveListing(w, r)
			return true
		case corrupt[r.URL.Path]:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"id": "broken`)
			return true
		}
		return false
	})
	return h
}

// serveListing answers GET /api/models?author=…&search=…&limit=…&cursor=…
// as the Hub does, filtering by author and by text in the id.
func (h *fakeHub) serveListing(w http.ResponseWriter, r *http.Request) {
	h.listings.Add(1)
	if h.throttle.Load() > 0 && h.throttle.Add(-1) >= 0 {
		w.Header().Set("Retry-After", "0")
		http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
		return
	}
	q := r.URL.Query()
	author, search := strings.ToLower(q.Get("author")), strings.ToLower(q.Get("search"))
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = h.pageSize
	}
	limit = min(limit, h.pageSize)
	offset := 0
	if c := q.Get("cursor"); c != "" {
		b, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil {
			http.Error(w, "bad cursor", http.StatusBadRequest)
			return
		}
		offset, _ = strconv.Atoi(string(b))
	}
	var match []fixtureRepo
	for _, repo := range h.repos {
		org, _, _ := strings.Cut(strings.ToLower(repo.ID), "/")
		if (author == "" || org == author) && strings.Contains(strings.ToLower(repo.ID), search) {
			match = append(match, repo)
		}
	}
	page := []map[string]any{}
	for _, repo := range match[min(offset, len(match)):min(offset+limit, len(match))] {
		page = append(page, map[string]any{"_id": "x", "id": repo.ID, "modelId": repo.ID, "likes": 0, "downloads": 1, "private": false, "tags": []string{"safetensors"}})
	}
	if offset+limit < len(match) {
		next := *r.URL
		nq := next.Query()
		nq.Set("cursor", base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(offset+limit))))
		next.RawQuery = nq.Encode()
		w.Header().Set("Link", fmt.Sprintf("<%s%s>; rel=\"next\"", h.URL(), (&url.URL{Path: next.Path, RawQuery: next.RawQuery}).RequestURI()))
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(page)
}
