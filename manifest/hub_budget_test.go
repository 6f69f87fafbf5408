package manifest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/hub"
	"github.com/modelvet/modelvet/internal/hubtest"
	"github.com/modelvet/modelvet/internal/limits"
)

func TestSpreadOrder(t *testing.T) {
	for n := range 70 {
		order := spreadOrder(n)
		if len(order) != n {
			t.Fatalf("n=%d: %d indexes", n, len(order))
		}
		if !slices.Equal(slices.Sorted(slices.Values(order)), func() []int {
			out := make([]int, n)
			for i := range out {
				out[i] = i
			}
			return out
		}()) {
			t.Fatalf("n=%d: %v is not a permutation", n, order)
		}
		if n >= 2 && (order[0] != 0 || order[1] != n-1) {
			t.Fatalf("n=%d: starts %v, want the first and the last", n, order[:2])
		}
		// Any prefix leaves no gap much wider than an even spread would.
		for k := 2; k <= n; k++ {
			picked := slices.Sorted(slices.Values(order[:k]))
			gap := 0
			for i := 1; i < len(picked); i++ {
				gap = max(gap, picked[i]-picked[i-1])
			}
			if even := (n - 1 + k - 2) / (k - 1); gap > 2*even+1 {
				t.Fatalf("n=%d, first %d: widest gap %d, an even spread has %d", n, k, gap, even)
			}
		}
	}
	if got := spreadOrder(9); !slices.Equal(got, []int{0, 8, 4, 2, 6, 1, 3, 5, 7}) {
		t.Errorf("spreadOrder(9) = %v", got)
	}
}

// budgetRepo is a repository of shards whose headers have the given JSON
// sizes, roughly.
func budgetRepo(sizes ...int) *hubtest.Repo {
	repo := &hubtest.Repo{ID: "acme/budget"}
	for i, sz := range sizes {
		var ts []hubtest.Tensor
		for j := 0; j*64 < sz; j++ {
			ts = append(ts, hubtest.Tensor{Name: fmt.Sprintf("layer.%d.%06d.weight", i, j), DType: "F16", Shape: []int64{4}})
		}
		h, size := hubtest.SafetensorsHeader(ts, nil)
		repo.Files = append(repo.Files, &hubtest.File{Path: fmt.Sprintf("model-%02d.safetensors", i), Data: h, Size: size, LFS: true})
	}
	return repo
}

// TestHubHeaderBudget checks which headers a budget reads: all when they
// fit; else in spread order while each fits, skipping one too large for
// what is left; none when the budget is smaller than every header; all
// when there is no budget.
func TestHubHeaderBudget(t *testing.T) {
	repo := budgetRepo(1000, 1000, 1000, 1000, 1000, 5000, 1000, 1000, 1000)
	srv := hubtest.New(t, repo)
	lens := map[string]int64{}
	var total int64
	for _, f := range repo.Files {
		lens[f.Path] = int64(len(f.Data))
		total += int64(len(f.Data))
	}
	unread := func(budget int64) ([]string, *HubHeaders) {
		t.Helper()
		rel, err := openHub(t, srv, "acme/budget", HubOptions{HeaderBudget: budget})
		if err != nil {
			t.Fatal(err)
		}
		h := rel.Hub.Headers
		var read int64
		for _, f := range rel.Files {
			if f.Safetensors != nil {
				read += lens[f.Path]
			}
		}
		if h.Files != 9 || h.BytesTotal != total || h.BytesRead != read || h.Read+len(h.Unread) != 9 || (budget > 0 && read > budget) {
			t.Errorf("budget %d: %+v (read %d bytes)", budget, h, read)
		}
		return h.Unread, h
	}
	if u, _ := unread(total); len(u) != 0 {
		t.Errorf("a budget of every header left %v unread", u)
	}
	if u, _ := unread(-1); len(u) != 0 {
		t.Errorf("no budget left %v unread", u)
	}
	// Room for four small headers: the spread order takes files 0, 8, 4
	// and 2, and nothing more fits.
	small := lens["model-00.safetensors"]
	want := []string{"model-01.safetensors", "model-03.safetensors", "model-05.safetensors", "model-06.safetensors", "model-07.safetensors"}
	if u, _ := unread(4 * small); !slices.Equal(u, want) {
		t.Errorf("budget of four small headers: unread %v, want %v", u, want)
	}
	// A large header is skipped when it does not fit what is left, and
	// smaller ones later in the order are still taken: file 5 (large) comes
	// after 0, 8, 4, 2, 6, 1, 3, when only one small header fits.
	want = []string{"model-05.safetensors"}
	if u, _ := unread(8 * small); !slices.Equal(u, want) {
		t.Errorf("budget of eight small headers: unread %v, want %v", u, want)
	}
	if u, _ := unread(small - 1); len(u) != 9 {
		t.Errorf("a budget below every header read %d headers", 9-len(u))
	}
	if u, h := unread(2 * small); len(u) != 7 || h.Read != 2 {
		t.Errorf("budget of two small headers: unread %v, headers %+v", u, h)
	}
}

// ggufRepo is a repository of n quantisations of one model, each GGUF file
// with the same vocabulary of the given number of tokens, and a card.
func ggufRepo(n, tokens int) *hubtest.Repo {
	repo := &hubtest.Repo{ID: "acme/chat-gguf", Files: []*hubtest.File{{Path: "README.md", Data: []byte("---\nlicense: mit\n---\n")}}}
	vocab := make([]string, tokens)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("token-%06d", i)
	}
	for i := range n {
		h, size := hubtest.GGUFHeader([]hubtest.KV{
			{Key: "general.architecture", Value: "llama"},
			{Key: "general.license", Value: "mit"},
			{Key: "general.file_type", Value: uint32(i)},
			{Key: "tokenizer.ggml.tokens", Value: vocab},
		}, []hubtest.Tensor{{Name: "token_embd.weight", DType: "F16", Shape: []int64{int64(tokens), 4096}}})
		repo.Files = append(repo.Files, &hubtest.File{Path: fmt.Sprintf("chat-Q%d.gguf", i), Data: h, Size: size, LFS: true})
	}
	return repo
}

// TestHubGGUFBudget checks that GGUF metadata, which has no length field,
// is read for the first file and for as many others as the header budget
// allows at the first one's cost, that the others are read only in their
// first block, and that the audit says which.
func TestHubGGUFBudget(t *testing.T) {
	repo := ggufRepo(6, 20000) // about 330 KB of metadata each
	srv := hubtest.New(t, repo)
	open := func(budget int64) *Release {
		t.Helper()
		srv.Reset()
		rel, err := openHub(t, srv, "acme/chat-gguf", HubOptions{HeaderBudget: budget})
		if err != nil {
			t.Fatal(err)
		}
		return rel
	}
	read := func(rel *Release) []string {
		var out []string
		for _, f := range rel.Files {
			if f.GGUF != nil && f.GGUF.Parameters > 0 {
				out = append(out, f.Path)
			}
		}
		return out
	}

	all := open(-1)
	if got := read(all); len(got) != 6 || all.Hub.GGUF.Read != 6 || len(all.Hub.GGUF.Partial) != 0 {
		t.Fatalf("no budget: read %v, %+v", got, all.Hub.GGUF)
	}
	full := srv.BytesServed()

	// A budget below the first file's cost still reads the first, whose
	// metadata the release then carries.
	rel := open(1)
	if got := read(rel); !slices.Equal(got, []string{"chat-Q0.gguf"}) || rel.File("chat-Q0.gguf").GGUF.Architecture != "llama" {
		t.Errorf("tiny budget read %v", got)
	}
	cost := rel.Hub.GGUF.FirstBytes

	// Room for the first and two more: spread order takes files 0, 5, 2.
	rel = open(3*cost + cost/2)
	g := rel.Hub.GGUF
	if got := read(rel); !slices.Equal(got, []string{"chat-Q0.gguf", "chat-Q2.gguf", "chat-Q5.gguf"}) {
		t.Errorf("1 MiB budget read %v (first file cost %d)", got, g.FirstBytes)
	}
	if g.Files != 6 || g.Read != 3 || !slices.Equal(g.Partial, []string{"chat-Q1.gguf", "chat-Q3.gguf", "chat-Q4.gguf"}) || g.FirstBytes != cost {
		t.Errorf("GGUF record %+v", g)
	}
	// The others are read as far as their first block: the general.* keys,
	// which come first, are known; the vocabulary and tensors are not.
	for _, p := range g.Partial {
		gi := rel.File(p).GGUF
		if gi == nil || gi.PrefixBytes != 64<<10 || gi.Architecture != "llama" || gi.Parameters != 0 {
			t.Errorf("%s: %+v", p, gi)
			continue
		}
		if v, ok := gi.Get("general.license"); !ok || v.Value != "mit" {
			t.Errorf("%s: general.license = %+v", p, v)
		}
	}
	// Unread files cost their first block only.
	if served := srv.BytesServed(); served > full*3/6+3*(64<<10)+(64<<10) {
		t.Errorf("served %d bytes with half the files unread, %d with all read", served, full)
	}
}

// TestHubIndexPrefix checks the reading of an index too large to read
// whole: metadata first (the usual layout), after the weight_map, cut by
// the bytes read, malformed.
func TestHubIndexPrefix(t *testing.T) {
	big := strings.Repeat(`"t.`+strings.Repeat("x", 90)+`":"model-00001-of-00002.safetensors",`, 1000)
	wm := `"weight_map": {` + big + `"last":"model-00002-of-00002.safetensors"}`
	for _, tc := range []struct {
		name, index string
		total       int64
		line        int
		problem     string
	}{
		{"metadata first", "{\n  \"metadata\": {\n    \"total_size\": 1234\n  },\n  " + wm + "\n}", 1234, 3, ""},
		{"metadata with more keys", `{"metadata":{"format":"pt","total_size":99.0},` + wm + `}`, 99, 1, ""},
		{"metadata after", `{` + wm + `,"metadata":{"total_size":1}}`, -1, 0, ""},
		{"metadata cut", `{"metadata":{"x":"` + strings.Repeat("y", 70<<10) + `","total_size":5},` + wm + `}`, -1, 0, ""},
		{"no total", `{"metadata":{},` + wm + `}`, -1, 0, ""},
		{"bad total", `{"metadata":{"total_size":"many"},` + wm + `}`, -1, 0, "not a non-negative whole number"},
		{"other key first", `{"format":[1,2,{"a":null}],"metadata":{"total_size":7},` + wm + `}`, 7, 1, ""},
		{"not an object", `[` + wm + `]`, -1, 0, "not a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo := &hubtest.Repo{ID: "acme/idx", Files: []*hubtest.File{{Path: "model.safetensors.index.json", Data: []byte(tc.index)}}}
			srv := hubtest.New(t, repo)
			rel, err := openHub(t, srv, "acme/idx", HubOptions{IndexBytes: 1000})
			if err != nil {
				t.Fatal(err)
			}
			x := rel.Hub.Index
			if x == nil || x.TotalSize != tc.total || x.TotalSizeLine != tc.line || x.BytesRead != int64(min(len(tc.index), limits.MaxHubIndexPrefix)) || rel.SafetensorsIndex != nil {
				t.Fatalf("index %+v, SafetensorsIndex %v", x, rel.SafetensorsIndex)
			}
			ps := strings.Join(problemsText(rel), "\n")
			if tc.problem == "" && ps != "" || !strings.Contains(ps, tc.problem) {
				t.Errorf("problems %q, want %q", ps, tc.problem)
			}
			if srv.BytesServed() > int64(limits.MaxHubIndexPrefix)+8<<10 {
				t.Errorf("served %d bytes", srv.BytesServed())
			}
			// An index within IndexBytes is read whole.
			whole, err := openHub(t, srv, "acme/idx", HubOptions{IndexBytes: -1})
			if err != nil {
				t.Fatal(err)
			}
			if whole.Hub.Index != nil {
				t.Errorf("IndexBytes -1 read a prefix")
			}
		})
	}
}

// FuzzHubIndexPrefix feeds the first bytes of an index to the reader of
// large indexes: it never panics, and a total size it reports is one the
// bytes hold.
func FuzzHubIndexPrefix(f *testing.F) {
	f.Add([]byte("{\n  \"metadata\": {\n    \"total_size\": 1234\n  },\n  \"weight_map\": {\"a\": \"b"), int64(1<<20))
	f.Add([]byte(`{"metadata":{"total_size":1.6e10,"format":"pt"},"weight_map":{}}`), int64(62))
	f.Add([]byte(`{"weight_map":{"a":"b"},"metadata":{"total_size":1}}`), int64(51))
	f.Add([]byte("{\"metadata\":{\"x\":\"\xe2\x82"), int64(100))
	f.Add([]byte(`{"metadata":{"total_size":12`), int64(100))
	f.Add([]byte(`{"metadata":[[[[[[[[`), int64(20))
	f.Fuzz(func(t *testing.T, data []byte, size int64) {
		if len(data) > limits.MaxHubIndexPrefix {
			return
		}
		size = max(size, int64(len(data)))
		rel := &Release{Name: "a/b", Hub: &HubInfo{ModelInfo: hub.ModelInfo{ID: "a/b"}}}
		f := &File{Path: "model.safetensors.index.json", Size: size}
		indexPrefix(rel, f, data)
		x := rel.Hub.Index
		if x == nil || x.BytesRead != int64(len(data)) {
			t.Fatalf("index %+v", x)
		}
		if x.TotalSize >= 0 && !strings.Contains(string(data), "total_size") {
			t.Fatalf("total size %d from %q", x.TotalSize, data)
		}
	})
}
