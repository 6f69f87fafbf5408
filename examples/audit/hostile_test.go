package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelvet/modelvet/internal/hubtest"
)

// The audit program against a hostile Hub: each case runs
// `audit -format json hf:acme/clean` (or -hub-digests) against a fake Hub
// misbehaving in one way, and asserts the exit status, the findings that
// say what was not read, the time taken (bounds generous for a loaded
// 2-core machine), what the report claims was read, and that the token
// went to the Hub only. The repository is clean: well served, the audit
// passes, so any other verdict is the misbehaviour's doing — and an audit
// that could not read something must never pass.

const hostileToken = "hf_hostile_secret"

// cleanRepos is acme/clean (an apache-2.0 fine-tune of acme/base, two
// safetensors shards, an index, a config) and its base.
func cleanRepos() []*hubtest.Repo {
	ts := []hubtest.Tensor{
		{Name: "model.embed_tokens.weight", DType: "F16", Shape: []int64{64, 16}},
		{Name: "model.norm.weight", DType: "F16", Shape: []int64{16}},
	}
	index := `{"metadata":{"total_size":2080},"weight_map":{"model.embed_tokens.weight":"model-00001-of-00002.safetensors","model.norm.weight":"model-00002-of-00002.safetensors"}}`
	return []*hubtest.Repo{
		{ID: "acme/clean", Files: []*hubtest.File{
			{Path: "README.md", Data: []byte("---\nlicense: apache-2.0\nbase_model: acme/base\n---\n# Clean\n")},
			{Path: "config.json", Data: []byte(`{"architectures":["LlamaForCausalLM"],"model_type":"llama"}`)},
			hubtest.NewFile("model-00001-of-00002.safetensors", hubtest.Safetensors(ts[:1], map[string]string{"format": "pt"})),
			hubtest.NewFile("model-00002-of-00002.safetensors", hubtest.Safetensors(ts[1:], map[string]string{"format": "pt"})),
			{Path: "model.safetensors.index.json", Data: []byte(index)},
		}},
		{ID: "acme/base", Files: []*hubtest.File{{Path: "README.md", Data: []byte("---\nlicense: apache-2.0\n---\n")}}},
	}
}

// hostileReport is what the cases read of the JSON report.
type hostileReport struct {
	Verdict  string
	Findings []struct{ Code, Severity, Confidence, Subject, Message string }
	Subject  struct {
		Hub *struct {
			Requests     int
			Bytes        int64
			HeadersRead  int `json:"headers_read"`
			HeadersTotal int `json:"headers_total"`
		}
	}
}

// has reports whether a finding of code (and severity, when not "") says
// every part.
func (r *hostileReport) has(code, severity string, parts ...string) bool {
	for _, f := range r.Findings {
		if f.Code != code || severity != "" && f.Severity != severity {
			continue
		}
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(f.Message, p)
		}
		if ok {
			return true
		}
	}
	return false
}

func TestHostileHubAudit(t *testing.T) {
	onAPI := func(id string) func(string, *http.Request) bool {
		return func(_ string, r *http.Request) bool {
			return r.URL.Path == "/api/models/"+id || strings.HasPrefix(r.URL.Path, "/api/models/"+id+"/revision/")
		}
	}
	onCDN := func(srv string, _ *http.Request) bool { return srv == "cdn" }
	deep := bytes.Repeat([]byte("["), 8<<20)
	tests := []struct {
		name  string
		args  []string
		setup func(s *hubtest.Server)
		slow  bool // run only without -short
		check func(t *testing.T, s *hubtest.Server, r result)
		// within bounds the run; 10 s when zero.
		within time.Duration
	}{
		{name: "a Hub that behaves", check: func(t *testing.T, _ *hubtest.Server, r result) {
			if r.status != exitPass || r.rep.Subject.Hub.HeadersRead != 2 || r.rep.Subject.Hub.HeadersTotal != 2 {
				t.Errorf("status %d, hub %+v, findings %+v", r.status, r.rep.Subject.Hub, r.rep.Findings)
			}
		}},
		{name: "a deep record", setup: func(s *hubtest.Server) {
			s.Misbehave(hubtest.Misbehaviour{Match: onAPI("acme/clean"), Record: func(string) []byte { return deep }})
		}, check: func(t *testing.T, _ *hubtest.Server, r result) {
			if r.status != exitError || !strings.Contains(r.stderr, "nested more than 512 levels deep") {
				t.Errorf("status %d, stderr %q", r.status, r.stderr)
			}
		}},
		{name: "a gzip bomb record", setup: func(s *hubtest.Server) {
			s.Misbehave(hubtest.Misbehaviour{Match: onAPI("acme/clean"), Record: func(string) []byte { return bytes.Repeat([]byte(" "), 64<<20) }, GzipRecord: true})
		}, check: func(t *testing.T, _ *hubtest.Server, r result) {
			if r.status != exitError || !strings.Contains(r.stderr, "over the 33554432-byte limit") {
				t.Errorf("status %d, stderr %q", r.status, r.stderr)
			}
		}, within: 30 * time.Second},
		{name: "an ancestor's deep record", setup: func(s *hubtest.Server) {
			s.Misbehave(hubtest.Misbehaviour{Match: onAPI("acme/base"), Record: func(string) []byte { return deep }})
		}, check: wantUnreadAncestor("acme/base", "levels deep")},
		{name: "an ancestor not found", setup: func(s *hubtest.Server) {
			s.Misbehave(hubtest.Misbehaviour{Match: onAPI("acme/base"), Status: 404, Headers: map[string]string{"X-Error-Code": "RepoNotFound"}})
		}, check: wantUnreadAncestor("acme/base", "not found")},
		{name: "an ancestor refused", setup: func(s *hubtest.Server) {
			s.Misbehave(hubtest.Misbehaviour{Match: onAPI("acme/base"), Status: 403})
		}, check: wantUnreadAncestor("acme/base", "HTTP 403")},
		{name: "an ancestor rate-limited for a minute", setup: func(s *hubtest.Server) {
			s.Misbehave(hubtest.Misbehaviour{Match: onAPI("acme/base"), Status: 429, Headers: map[string]string{"Retry-After": "60"}})
		}, check: wantUnreadAncestor("acme/base", "rate-limited")},
		{name: "an ancestor answering 500", args: []string{"-hub-deadline", "2s"}, setup: func(s *hubtest.Server) {
			s.Misbehave(hubtest.Misbehaviour{Match: onAPI("acme/base"), Status: 500})
		}, check: wantUnreadAncestor("acme/base", "unavailable")},
		{name: "600 ancestors answering 500", args: []string{"-hub-deadline", "5s"}, setup: func(s *hubtest.Server) {
			var bases []string
			for i := range 600 {
				bases = append(bases, "wide/b"+strconv.Itoa(i))
			}
			card := "---\nlicense: apache-2.0\nbase_model: [" + strings.Join(bases, ", ") + "]\n---\n"
			s.Add(&hubtest.Repo{ID: "acme/clean", Files: append(cleanRepos()[0].Files[1:], &hubtest.File{Path: "README.md", Data: []byte(card)})})
			s.Misbehave(hubtest.Misbehaviour{Match: func(_ string, r *http.Request) bool { return strings.Contains(r.URL.Path, "/wide/") }, Status: 500})
		}, check: func(t *testing.T, s *hubtest.Server, r result) {
			if r.status != exitReview || !r.rep.has("provenance.lineage-unknown", "medium", "the Hub records of 512 ancestors could not be read", "and 509 more") ||
				!r.rep.has("provenance.lineage-unknown", "", "name 88 more bases, which were not looked up") {
				t.Errorf("status %d, findings %+v", r.status, r.rep.Findings)
			}
		}, within: 20 * time.Second},
		// Nothing read: the licence is not known, and the report says why
		// rather than that there is no card.
		{name: "every file answering 500", args: []string{"-hub-deadline", "3s"}, setup: func(s *hubtest.Server) {
			s.Misbehave(hubtest.Misbehaviour{Match: func(_ string, r *http.Request) bool { return strings.Contains(r.URL.Path, "/resolve/") }, Status: 500})
		}, check: func(t *testing.T, _ *hubtest.Server, r result) {
			if r.status != exitFail || !r.rep.has("format.malformed", "medium", "5 files were not read", "README.md") || r.rep.Subject.Hub.HeadersRead != 0 ||
				!r.rep.has("license.missing", "high", "the audit did not read README.md") {
				t.Errorf("status %d, hub %+v, findings %+v", r.status, r.rep.Subject.Hub, r.rep.Findings)
			}
		}, within: 15 * time.Second},
		{name: "a CDN trickling its bodies", args: []string{"-hub-deadline", "2s"}, setup: func(s *hubtest.Server) {
			s.Misbehave(hubtest.Misbehaviour{Match: onCDN, TrickleBytes: 1, TrickleEvery: 200 * time.Millisecond})
		}, check: func(t *testing.T, _ *hubtest.Server, r result) {
			if r.status != exitReview || !r.rep.has("format.malformed", "medium", "2 files were not read", "the 2s allowed for the Hub requests of one audit ran out") || r.rep.Subject.Hub.HeadersRead != 0 {
				t.Errorf("status %d, hub %+v, findings %+v", r.status, r.rep.Subject.Hub, r.rep.Findings)
			}
		}},
		{name: "every range answered with the same wrong Content-Range", setup: func(s *hubtest.Server) {
			s.Misbehave(hubtest.Misbehaviour{Match: onCDN, RangeShift: 3})
		}, check: func(t *testing.T, _ *hubtest.Server, r result) {
			if r.status != exitReview || !r.rep.has("format.malformed", "", "Content-Range") || r.rep.Subject.Hub.HeadersRead != 0 || r.rep.Subject.Hub.HeadersTotal != 2 {
				t.Errorf("status %d, hub %+v, findings %+v", r.status, r.rep.Subject.Hub, r.rep.Findings)
			}
		}},
		{name: "credentials in a redirect", setup: func(s *hubtest.Server) {
			s.Misbehave(hubtest.Misbehaviour{Match: func(_ string, r *http.Request) bool { return strings.HasSuffix(r.URL.Path, ".safetensors") },
				Redirect: func(r *http.Request) string {
					cdn, _ := url.Parse(s.CDN.URL)
					return "http://acme:" + hostileToken + "@" + cdn.Host + "/repos/acme%2Fclean/x?X-Amz-Signature=s&path=" + url.QueryEscape(r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:])
				}})
		}, check: func(t *testing.T, _ *hubtest.Server, r result) {
			if r.status != exitPass {
				t.Errorf("status %d, findings %+v", r.status, r.rep.Findings)
			}
		}},
		{name: "100,000 weight files", slow: true, setup: func(s *hubtest.Server) {
			repo := cleanRepos()[0]
			for i := range 100_000 {
				repo.Files = append(repo.Files, &hubtest.File{Path: fmt.Sprintf("w/%06d.safetensors", i), Data: repo.Files[2].Data, LFS: true, SHA256: strings.Repeat("0", 64)})
			}
			s.Add(repo)
		}, check: func(t *testing.T, _ *hubtest.Server, r result) {
			h := r.rep.Subject.Hub
			if r.status != exitReview || h.HeadersTotal != 100_002 || h.HeadersRead >= 2048 || h.Requests > 2048 || !r.rep.has("format.malformed", "medium", "files were not read", "the cap of 2048 Hub requests") {
				t.Errorf("status %d, hub %+v", r.status, h)
			}
		}, within: 60 * time.Second},
		{name: "-hub-digests with a deep listing", setup: func(s *hubtest.Server) {
			s.Misbehave(hubtest.Misbehaviour{Record: func(string) []byte { return deep }})
		}, args: []string{"-hub-digests", "acme/clean"}, check: func(t *testing.T, _ *hubtest.Server, r result) {
			if r.status != exitError || !strings.Contains(r.stderr, "levels deep") {
				t.Errorf("status %d, stderr %q", r.status, r.stderr)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.slow && testing.Short() {
				t.Skip("a repository of 100,000 files")
			}
			srv := hubtest.New(t, cleanRepos()...)
			srv.Token = hostileToken
			if tc.setup != nil {
				tc.setup(srv)
			}
			t.Setenv("HF_ENDPOINT", srv.URL())
			t.Setenv("HF_TOKEN", hostileToken)
			t.Setenv("HF_HUB_OFFLINE", "")
			target := "hf:acme/clean"
			if len(tc.args) > 0 && tc.args[0] == "-hub-digests" {
				target = hubtest.WriteDir(t, cleanRepos()[0])
			}
			var out, errb bytes.Buffer
			start := time.Now()
			status := run(append(append([]string{"-format", "json"}, tc.args...), target), &out, &errb)
			took := time.Since(start)
			r := result{status: status, rep: &hostileReport{}, stderr: errb.String()}
			if out.Len() > 0 {
				if err := json.Unmarshal(out.Bytes(), r.rep); err != nil {
					t.Fatal(err)
				}
			}
			if r.status != exitError && r.rep.Subject.Hub == nil {
				t.Fatalf("status %d, stderr %q: no hub facts", r.status, r.stderr)
			}
			tc.check(t, srv, r)
			if within := max(tc.within, 10*time.Second); took > within {
				t.Errorf("took %v, want under %v", took, within)
			}
			for _, req := range srv.Log() {
				if req.Server != "hub" && req.Authorization != "" || strings.Contains(req.Path, hostileToken) {
					t.Errorf("credentials sent to the %s: %q %s", req.Server, req.Authorization, req.Path)
				}
			}
		})
	}
}

// result is what one run of the program gave.
type result struct {
	status int
	rep    *hostileReport
	stderr string
}

// wantUnreadAncestor checks an audit whose base's record could not be
// read: a review, for a verified provenance.lineage-unknown naming it.
func wantUnreadAncestor(id, why string) func(*testing.T, *hubtest.Server, result) {
	return func(t *testing.T, _ *hubtest.Server, r result) {
		t.Helper()
		if r.status != exitReview || !r.rep.has("provenance.lineage-unknown", "medium", "the Hub record of 1 ancestor could not be read", id, why) {
			t.Errorf("status %d, findings %+v", r.status, r.rep.Findings)
		}
	}
}

// TestHostileHubOffline: with HF_HUB_OFFLINE set, nothing is requested and
// the audit of an hf: target could not be made.
func TestHostileHubOffline(t *testing.T) {
	srv := hubtest.New(t, cleanRepos()...)
	t.Setenv("HF_ENDPOINT", srv.URL())
	t.Setenv("HF_HUB_OFFLINE", "1")
	var out, errb bytes.Buffer
	if status := run([]string{"hf:acme/clean"}, &out, &errb); status != exitError || !strings.Contains(errb.String(), "HF_HUB_OFFLINE") || srv.RequestCount() != 0 {
		t.Errorf("status %d, stderr %q, %d requests", status, errb.String(), srv.RequestCount())
	}
}
