package manifest

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/hub"
	"github.com/modelvet/modelvet/internal/hubtest"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/testmodel"
)

func testRepo() *hubtest.Repo { return hubtest.ExampleRepo() }

// openHub opens hf:ref against srv with opts (endpoint filled in).
func openHub(t testing.TB, srv *hubtest.Server, ref string, opts HubOptions) (*Release, error) {
	t.Helper()
	if opts.Endpoint == "" {
		opts.Endpoint = srv.URL()
	}
	if opts.Token == "" {
		opts.NoToken = true
	}
	src, err := Hub(ref, opts)
	if err != nil {
		t.Fatal(err)
	}
	return src.Open(context.Background())
}

func TestHubOpen(t *testing.T) {
	repo := testRepo()
	srv := hubtest.New(t, repo)
	rel, err := openHub(t, srv, "acme/chat-7b", HubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rel.Name != "acme/chat-7b" || rel.Repo != "acme/chat-7b" || rel.Kind != KindHub || rel.Source != "hf:acme/chat-7b" || rel.Root != "" {
		t.Errorf("release = %q %q %q %q", rel.Name, rel.Repo, rel.Kind, rel.Source)
	}
	if rel.Revision != repo.SHA || rel.Hub.SHA != repo.SHA || rel.Hub.Revision != "main" || len(repo.SHA) != 40 {
		t.Errorf("revision = %q, hub sha = %q, want %q", rel.Revision, rel.Hub.SHA, repo.SHA)
	}
	if h := rel.Hub; h.Endpoint != srv.URL() || h.Author != "acme" || h.LibraryName != "transformers" || h.Downloads != 42 || h.Requests == 0 || h.Bytes == 0 {
		t.Errorf("hub info = %+v", h)
	}
	if len(rel.Problems) != 0 {
		t.Errorf("problems: %v", problemsText(rel))
	}
	if rel.Card == nil || len(rel.Card.License) != 1 || rel.Card.License[0].Value != "apache-2.0" || rel.Card.License[0].Line != 2 {
		t.Errorf("card = %+v", rel.Card)
	}
	if rel.Config == nil || rel.Config.ModelType != "llama" || rel.GenerationConfig == nil {
		t.Errorf("config = %+v, generation config = %+v", rel.Config, rel.GenerationConfig)
	}
	if len(rel.LicenseTexts) != 1 || !strings.HasPrefix(rel.LicenseTexts[0].Text, "Apache License") {
		t.Errorf("licence texts = %+v", rel.LicenseTexts)
	}
	if rel.Signature == nil || rel.Signature.Path != "model.sig" {
		t.Errorf("signature = %+v", rel.Signature)
	}
	formats := map[string]Format{}
	for _, f := range rel.Files {
		formats[f.Path] = f.Format
	}
	want := map[string]Format{
		"README.md": FormatCard, "config.json": FormatConfig, "LICENSE": FormatLicense,
		"model-00001-of-00002.safetensors": FormatSafetensors, "model.safetensors.index.json": FormatSafetensorsIndex,
		"gguf/acme-chat-7b.Q4_K_M.gguf": FormatGGUF, "tokenizer.json": FormatJSON, "modeling_acme.py": FormatText,
		"model.sig": FormatSignature, "onnx/model.onnx": FormatONNX, ".gitattributes": FormatOther,
	}
	for p, f := range want {
		if formats[p] != f {
			t.Errorf("%s: format %q, want %q", p, formats[p], f)
		}
	}
	// Digests: LFS files carry the sha256, the others their git blob id.
	st := rel.File("model-00001-of-00002.safetensors")
	if len(st.Expected) != 1 || st.Expected[0].Algorithm != "sha256" || st.Expected[0].Source != "hf-hub" || st.Expected[0].Size != st.Size || !isHubHex(st.Expected[0].Digest, 64) {
		t.Errorf("safetensors expectations = %+v", st.Expected)
	}
	cfg := rel.File("config.json")
	if len(cfg.Expected) != 1 || cfg.Expected[0].Algorithm != "git-sha1" || !isHubHex(cfg.Expected[0].Digest, 40) {
		t.Errorf("config expectations = %+v", cfg.Expected)
	}
	// Every file read is read at the pinned commit. (The repository holds
	// a signature, so its small files outside LFS are read too, to check
	// them against it: TestHubSignedSmallFiles.)
	for _, r := range srv.Log() {
		if r.Server == "hub" && strings.Contains(r.Path, "/resolve/") && !strings.Contains(r.Path, "/resolve/"+repo.SHA+"/") {
			t.Errorf("request not pinned to the commit: %s", r.Path)
		}
		if !strings.HasPrefix(r.UserAgent, "modelvet/") {
			t.Errorf("user agent %q", r.UserAgent)
		}
	}
	if rel.Hub.ListedOnly != 0 {
		t.Errorf("listed only = %d, want 0", rel.Hub.ListedOnly)
	}
}

func problemsText(rel *Release) []string {
	var out []string
	for _, p := range rel.Problems {
		out = append(out, p.Path+": "+p.Message)
	}
	return out
}

// TestHubSafetensorsNeverReadsTensors: a safetensors file is read in one
// range from offset 0, whose block may hold tensor bytes past the header;
// those bytes never reach a reader: a read running past the header gets
// zeros for them, and a read wholly in tensor data fails.
func TestHubSafetensorsNeverReadsTensors(t *testing.T) {
	var ts []hubtest.Tensor
	for i := range 300 {
		ts = append(ts, hubtest.Tensor{Name: fmt.Sprintf("model.layers.%d.mlp.experts.%d.down_proj.weight", i/10, i), DType: "BF16", Shape: []int64{1024, 1024}})
	}
	header, size := hubtest.SafetensorsHeader(ts, map[string]string{"format": "pt"})
	hl := int64(len(header))
	// The server holds tensor bytes that are not zeros.
	data := append(slices.Clone(header), bytes.Repeat([]byte{0xAB}, probeBlock)...)
	wm := map[string]string{}
	for _, t := range ts {
		wm[t.Name] = "model-00001-of-00001.safetensors"
	}
	index := fmt.Sprintf(`{"metadata":{"total_size":%d},"weight_map":%s}`, size-hl, mustJSON(wm))
	for _, withIndex := range []bool{false, true} {
		t.Run(fmt.Sprint("index=", withIndex), func(t *testing.T) {
			files := []*hubtest.File{{Path: "model-00001-of-00001.safetensors", Data: data, Size: size, LFS: true}}
			if withIndex {
				files = append(files, &hubtest.File{Path: "model.safetensors.index.json", Data: []byte(index)})
			}
			srv := hubtest.New(t, &hubtest.Repo{ID: "acme/moe", Files: files})
			rel, err := openHub(t, srv, "acme/moe", HubOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(rel.Problems) != 0 || rel.File("model-00001-of-00001.safetensors").Safetensors == nil {
				t.Errorf("problems: %v", problemsText(rel))
			}
			if r := cdnRanges(srv, "model-00001-of-00001.safetensors"); !slices.Equal(r, []string{fmt.Sprintf("bytes=0-%d", probeBlock-1)}) {
				t.Errorf("ranges %v: want one block from offset 0", r)
			}
		})
	}
	// What a reader of the remote file sees past the header.
	srv := hubtest.New(t, &hubtest.Repo{ID: "acme/moe", Files: []*hubtest.File{{Path: "m.safetensors", Data: data, Size: size, LFS: true}}})
	src, err := Hub("acme/moe", HubOptions{Options: hub.Options{Endpoint: srv.URL(), NoToken: true}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rel, err := src.listed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	set := src.plan(rel)
	src.readHeaders(ctx, rel, set)
	h, _, err := set.open(ctx, rel.File("m.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	if n, err := h.ReadAt(buf, hl-100); err != nil || n != len(buf) || !bytes.Equal(buf[:100], header[hl-100:]) || slices.ContainsFunc(buf[100:], func(b byte) bool { return b != 0 }) {
		t.Errorf("a read across the end of the header: %d bytes, %v; want the header, then zeros", n, err)
	}
	if _, err := h.ReadAt(buf, hl); !errors.Is(err, ErrHubTensorData) {
		t.Errorf("a read of tensor data: %v", err)
	}
}

func mustJSON(v map[string]string) string {
	var b strings.Builder
	b.WriteByte('{')
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%q", k, v[k])
	}
	b.WriteByte('}')
	return b.String()
}

// TestRemoteFileReads drives the remote reads of a safetensors file
// directly: its header is cached, reads past it are refused, and a fixed
// first block gets zeros for the tensor bytes, which are never fetched.
func TestRemoteFileReads(t *testing.T) {
	ts := []hubtest.Tensor{{Name: "w", DType: "F32", Shape: []int64{1 << 20}}}
	header, size := hubtest.SafetensorsHeader(ts, nil)
	srv := hubtest.New(t, &hubtest.Repo{ID: "acme/m", Files: []*hubtest.File{
		{Path: "model.safetensors", Data: header, Size: size, LFS: true},
	}})
	src, err := Hub("acme/m", HubOptions{Options: hub.Options{Endpoint: srv.URL(), NoToken: true}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	info, err := src.c.Listing(ctx, src.ref)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := src.release(info)
	if err != nil {
		t.Fatal(err)
	}
	set := src.plan(rel)
	if err := src.prefetch(ctx, set); err != nil {
		t.Fatal(err)
	}
	src.readHeaders(ctx, rel, set)

	// The header is cached; one byte more is refused.
	st := set.files["model.safetensors"].r.ReaderAt(ctx)
	before := srv.RequestCount()
	got, err := readSafetensorsHeader(st)
	if err != nil || len(got) != len(header)-8 {
		t.Fatalf("header read: %d bytes, %v", len(got), err)
	}
	if srv.RequestCount() != before {
		t.Errorf("the prefetched header was fetched again")
	}
	buf := make([]byte, 16)
	if _, err := st.ReadAt(buf, int64(len(header))); !errors.Is(err, ErrHubTensorData) {
		t.Errorf("read past the header: %v, want ErrHubTensorData", err)
	}
	// A reader reading a fixed first block gets the header and zeros for
	// the tensor bytes, which are not fetched.
	block := make([]byte, 64<<10)
	for i := range block {
		block[i] = 0xff
	}
	if n, err := st.ReadAt(block, 0); n != len(block) || err != nil {
		t.Errorf("first block: %d bytes, %v", n, err)
	}
	if string(block[:len(header)]) != string(header) || slices.ContainsFunc(block[len(header):], func(b byte) bool { return b != 0 }) {
		t.Error("first block is not the header followed by zeros")
	}
	if srv.RequestCount() != before {
		t.Errorf("reading the first block fetched tensor data")
	}
}

// readSafetensorsHeader is a minimal safetensors header reader: the length,
// then the header.
func readSafetensorsHeader(r io.ReaderAt) ([]byte, error) {
	var n [8]byte
	if _, err := r.ReadAt(n[:], 0); err != nil {
		return nil, err
	}
	h := make([]byte, binary.LittleEndian.Uint64(n[:]))
	_, err := r.ReadAt(h, 8)
	return h, err
}

// TestHubSameFindingsAsDisk audits one release on disk and served by the
// fake Hub, and compares what each describes.
func TestHubSameFindingsAsDisk(t *testing.T) {
	repo := testRepo()
	dir := writeRepo(t, repo)
	local, err := Dir(dir).Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	srv := hubtest.New(t, repo)
	remote, err := openHub(t, srv, "acme/chat-7b", HubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := compareReleases(local, remote); diff != "" {
		t.Error(diff)
	}
}

func writeRepo(t testing.TB, repo *hubtest.Repo) string { return hubtest.WriteDir(t, repo) }

// compareReleases lists the differences between a release read from disk
// and the same release read from the Hub, in what the audit uses.
func compareReleases(local, remote *Release) string {
	var d []string
	lf, rf := findingKeys(local.Findings()), findingKeys(remote.Findings())
	if !slices.Equal(lf, rf) {
		d = append(d, fmt.Sprintf("findings differ:\n  disk: %q\n  hub:  %q", lf, rf))
	}
	if !reflect.DeepEqual(local.Fingerprint, remote.Fingerprint) {
		d = append(d, fmt.Sprintf("fingerprints differ:\n  disk: %+v\n  hub:  %+v", local.Fingerprint, remote.Fingerprint))
	}
	if len(local.Files) != len(remote.Files) {
		d = append(d, fmt.Sprintf("%d files on disk, %d on the Hub", len(local.Files), len(remote.Files)))
	}
	for _, f := range local.Files {
		g := remote.File(f.Path)
		if g == nil {
			d = append(d, f.Path+" missing from the Hub release")
			continue
		}
		if f.Size != g.Size || f.Format != g.Format {
			d = append(d, fmt.Sprintf("%s: disk %d bytes %s, hub %d bytes %s", f.Path, f.Size, f.Format, g.Size, g.Format))
		}
		if !reflect.DeepEqual(f.Safetensors, g.Safetensors) || !reflect.DeepEqual(f.GGUF, g.GGUF) || !reflect.DeepEqual(f.Pickle, g.Pickle) {
			d = append(d, f.Path+": weight headers differ")
		}
	}
	if fmt.Sprint(local.Card) != fmt.Sprint(remote.Card) || fmt.Sprint(local.Config) != fmt.Sprint(remote.Config) ||
		fmt.Sprint(local.GenerationConfig) != fmt.Sprint(remote.GenerationConfig) || fmt.Sprint(local.SafetensorsIndex) != fmt.Sprint(remote.SafetensorsIndex) ||
		fmt.Sprint(local.AdapterConfig) != fmt.Sprint(remote.AdapterConfig) {
		d = append(d, "card, configs or index differ")
	}
	if len(local.LicenseTexts) != len(remote.LicenseTexts) {
		d = append(d, "licence texts differ")
	} else {
		for i := range local.LicenseTexts {
			if *local.LicenseTexts[i] != *remote.LicenseTexts[i] {
				d = append(d, "licence text "+local.LicenseTexts[i].Path+" differs")
			}
		}
	}
	if (local.Signature == nil) != (remote.Signature == nil) || local.Signature != nil && local.Signature.Path != remote.Signature.Path {
		d = append(d, "signature differs")
	}
	if !slices.Equal(local.Formats(), remote.Formats()) {
		d = append(d, fmt.Sprintf("formats %v vs %v", local.Formats(), remote.Formats()))
	}
	return strings.Join(d, "\n")
}

func findingKeys(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s|%s|%s", f.Code, f.Subject, f.Message))
	}
	return out
}

// TestHubParse checks that Parse reads "hf:" targets with the Hub's
// environment: HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE.
func TestHubParse(t *testing.T) {
	repo := testRepo()
	srv := hubtest.New(t, repo)
	t.Setenv("HF_ENDPOINT", srv.URL()+"/")
	t.Setenv("HF_TOKEN", "hf_env")
	t.Setenv("HF_HUB_OFFLINE", "")
	src, err := Parse("hf:acme/chat-7b@main")
	if err != nil {
		t.Fatal(err)
	}
	rel, err := src.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rel.Hub.Endpoint != srv.URL() || src.String() != "hf:acme/chat-7b@main" {
		t.Errorf("endpoint %q, source %q", rel.Hub.Endpoint, src)
	}
	if l := srv.Log(); l[0].Authorization != "Bearer hf_env" || !strings.Contains(l[0].Path, "/api/models/acme/chat-7b/revision/main?blobs=true") {
		t.Errorf("first request %+v", l[0])
	}

	t.Setenv("HF_HUB_OFFLINE", "1")
	src, err = Parse("hf:acme/chat-7b")
	if err != nil {
		t.Fatal(err)
	}
	n := srv.RequestCount()
	if _, err := src.Open(context.Background()); !errors.Is(err, hub.ErrOffline) || !strings.HasPrefix(err.Error(), "hf:acme/chat-7b: offline mode: ") {
		t.Errorf("offline open: %v", err)
	}
	if srv.RequestCount() != n {
		t.Error("offline mode made a request")
	}
	t.Setenv("HF_HUB_OFFLINE", "")

	t.Setenv("HF_ENDPOINT", "ftp://example.com")
	if _, err := Parse("hf:acme/chat-7b"); err == nil || err.Error() != `hf:acme/chat-7b: HF_ENDPOINT "ftp://example.com": not an http or https URL` {
		t.Errorf("bad endpoint: %v", err)
	}
	if _, err := Parse("hf:acme/chat-7b@a..b"); err == nil || !strings.Contains(err.Error(), "not a valid git ref") {
		t.Errorf("bad revision: %v", err)
	}
}

// TestHubProblems checks what a Hub audit makes of the client's failures:
// an error from Open when the repository cannot be read, a problem on each
// file that cannot, and the rest of the release read.
func TestHubProblems(t *testing.T) {
	wantErr := func(kind error, text string) func(*testing.T, *Release, error) {
		return func(t *testing.T, rel *Release, err error) {
			if !errors.Is(err, kind) || !strings.Contains(err.Error(), text) {
				t.Errorf("error %v, want %v containing %q", err, kind, text)
			}
		}
	}
	wantProblem := func(path string, kind error, text string) func(*testing.T, *Release, error) {
		return func(t *testing.T, rel *Release, err error) {
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range rel.Problems {
				if p.Path == path && errors.Is(p.Err, kind) && strings.Contains(p.Message, text) {
					return
				}
			}
			t.Errorf("no problem on %s matching %v %q in %q", path, kind, text, problemsText(rel))
		}
	}
	tests := []struct {
		name  string
		ref   string
		setup func(*hubtest.Server)
		repo  func(*hubtest.Repo)
		check func(*testing.T, *Release, error)
	}{
		{name: "not found", ref: "acme/nope", check: wantErr(ErrNotFound, "hf:acme/nope: repository acme/nope not found")},
		{name: "API not JSON", ref: "acme/chat-7b", setup: func(s *hubtest.Server) {
			s.SetFault(func(srv string, w http.ResponseWriter, r *http.Request) bool {
				if strings.HasPrefix(r.URL.Path, "/api/") {
					io.WriteString(w, "<html>mirror error</html>")
					return true
				}
				return false
			})
		}, check: wantErr(hub.ErrResponse, "hf:acme/chat-7b: the model record cannot be read")},
		{name: "gated without token", ref: "acme/chat-7b", repo: func(r *hubtest.Repo) { r.Gated = "manual" },
			check: func(t *testing.T, rel *Release, err error) {
				wantProblem("config.json", hub.ErrGated, "cannot be read: acme/chat-7b is gated (HTTP 401 GatedRepo); accept its terms at")(t, rel, err)
				wantProblem("model-00001-of-00002.safetensors", hub.ErrAccess, "set HF_TOKEN")(t, rel, err)
				if rel.Card == nil || rel.Hub.Gated != "manual" {
					t.Errorf("card %v, gated %q: the card of a gated repository is public", rel.Card, rel.Hub.Gated)
				}
			}},
		{name: "CDN error", ref: "acme/chat-7b", setup: func(s *hubtest.Server) {
			s.SetFault(func(srv string, w http.ResponseWriter, r *http.Request) bool {
				if srv == "cdn" {
					w.WriteHeader(http.StatusInternalServerError)
				}
				return srv == "cdn"
			})
		}, check: wantProblem("model-00001-of-00002.safetensors", hub.ErrUnavailable, "unavailable")},
		{name: "ignores range", ref: "acme/chat-7b", setup: func(s *hubtest.Server) { s.IgnoreRange = true },
			check: func(t *testing.T, rel *Release, err error) {
				if err != nil || len(rel.Problems) != 0 {
					t.Errorf("err %v, problems %q", err, problemsText(rel))
				}
				if rel.Card == nil || rel.Config == nil {
					t.Error("card or config not read from a server ignoring Range")
				}
			}},
		{name: "no file metadata", ref: "acme/chat-7b", setup: func(s *hubtest.Server) { s.NoBlobs = true },
			check: wantProblem("", nil, "gives no size for 13 files")},
		{name: "redirect to another scheme", ref: "acme/chat-7b", setup: func(s *hubtest.Server) {
			s.SetFault(func(srv string, w http.ResponseWriter, r *http.Request) bool {
				if srv == "hub" && strings.Contains(r.URL.Path, "/resolve/") && strings.HasSuffix(r.URL.Path, ".safetensors") {
					http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
					return true
				}
				return false
			})
		}, check: wantProblem("model-00001-of-00002.safetensors", hub.ErrResponse, "refusing a redirect")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			repo := testRepo()
			if tc.repo != nil {
				tc.repo(repo)
			}
			srv := hubtest.New(t, repo)
			if tc.setup != nil {
				tc.setup(srv)
			}
			rel, err := openHub(t, srv, tc.ref, HubOptions{Options: hub.Options{Retries: -1}})
			tc.check(t, rel, err)
		})
	}
}

func TestHubCaps(t *testing.T) {
	repo := testRepo()
	srv := hubtest.New(t, repo)
	rel, err := openHub(t, srv, "acme/chat-7b", HubOptions{Options: hub.Options{MaxRequests: 4}, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	var capped []*Problem
	for _, p := range rel.Problems {
		if errors.Is(p.Err, hub.ErrBudget) {
			capped = append(capped, p)
		}
	}
	if len(capped) != 1 || capped[0].Path != "acme/chat-7b" || !strings.Contains(capped[0].Message, "files were not read: the cap of 4 Hub requests") || srv.RequestCount() > 4 {
		t.Errorf("cap problems %q, %d requests", problemsText(rel), srv.RequestCount())
	}
	// Room for the API record and a little more.
	probe, _ := hub.NewClient(hub.Options{Endpoint: srv.URL(), NoToken: true})
	if _, err := probe.Listing(context.Background(), hub.Ref{ID: "acme/chat-7b"}); err != nil {
		t.Fatal(err)
	}
	_, apiBytes := probe.Usage()
	limit := apiBytes + 700
	rel, err = openHub(t, srv, "acme/chat-7b", HubOptions{Options: hub.Options{MaxBytes: limit}})
	if err != nil {
		t.Fatal(err)
	}
	if rel.Hub.Bytes > limit {
		t.Errorf("read %d bytes over a cap of %d", rel.Hub.Bytes, limit)
	}
	if !slices.ContainsFunc(rel.Problems, func(p *Problem) bool { return errors.Is(p.Err, hub.ErrBudget) }) {
		t.Errorf("no cap problem: %q", problemsText(rel))
	}
	// The API record alone over the cap fails the audit.
	srv.Reset()
	if _, err := openHub(t, srv, "acme/chat-7b", HubOptions{Options: hub.Options{MaxBytes: 100}}); !errors.Is(err, hub.ErrBudget) {
		t.Errorf("tiny byte cap: %v", err)
	}
}

// TestHubCancelAndTimeout checks that cancelling Open returns the
// context's error, and that files whose reads time out are problems.
func TestHubCancelAndTimeout(t *testing.T) {
	repo := testRepo()
	srv := hubtest.New(t, repo)
	srv.Hang("hub")
	src, err := Hub("acme/chat-7b", HubOptions{Options: hub.Options{Endpoint: srv.URL(), NoToken: true}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := src.Open(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled open: %v", err)
	}

	// A CDN that hangs mid-audit: each file fails on its own timeout.
	srv.Hang("cdn")
	rel, err := openHub(t, srv, "acme/chat-7b", HubOptions{Options: hub.Options{Timeout: 50 * time.Millisecond, Retries: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(rel.Problems, func(p *Problem) bool { return errors.Is(p.Err, hub.ErrUnavailable) }) {
		t.Errorf("problems %q", problemsText(rel))
	}
}

// TestHubAncestorsOnOpen checks that opening a Hub repository follows
// the bases its card names on the Hub, with the source's client, as deep
// as HubOptions.LineageDepth allows.
func TestHubAncestorsOnOpen(t *testing.T) {
	srv := hubtest.New(t,
		&hubtest.Repo{ID: "acme/chat", CardData: map[string]any{"license": "apache-2.0", "base_model": []string{"acme/base", "acme/gone"}}, Files: []*hubtest.File{{Path: "README.md", Data: []byte("x")}}},
		&hubtest.Repo{ID: "acme/base", CardData: map[string]any{"license": "other", "license_name": "acme-license", "base_model": "meta/llama", "base_model_relation": "merge"}},
		&hubtest.Repo{ID: "meta/llama", Author: "meta", Gated: "manual", CardData: map[string]any{"license": "llama3.1", "base_model": "acme/chat"}},
	)
	ctx := context.Background()
	open := func(depth int) *Release {
		t.Helper()
		src, err := Hub("acme/chat", HubOptions{Options: hub.Options{Endpoint: srv.URL(), NoToken: true}, LineageDepth: depth})
		if err != nil {
			t.Fatal(err)
		}
		rel, err := src.Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if r, _ := src.Client().Usage(); rel.Hub.Requests != r {
			t.Errorf("%d requests recorded, %d made", rel.Hub.Requests, r)
		}
		return rel
	}
	ancestors := func(rel *Release) []string {
		var out []string
		for _, a := range rel.Hub.Ancestors {
			s := fmt.Sprintf("%s<%s@%d %v %s", a.ID, a.Parent, a.Depth, a.License, a.Relation)
			if a.Err != nil {
				s += "!" + a.Error
			}
			out = append(out, s)
		}
		return out
	}
	got := ancestors(open(0))
	if len(got) != 3 || got[0] != "acme/base<acme/chat@1 [other] " || !strings.HasPrefix(got[1], "acme/gone<acme/chat@1 [] !repository acme/gone not found") || got[2] != "meta/llama<acme/base@2 [llama3.1] merge" {
		t.Errorf("ancestors on open = %q", got)
	}
	if got := ancestors(open(1)); len(got) != 2 {
		t.Errorf("depth 1: %q", got)
	}
	// LineageDepth < 0 does not follow bases.
	if rel := open(-1); rel.Hub.Ancestors != nil {
		t.Errorf("lineage off: %+v", rel.Hub.Ancestors)
	}
}

func TestWithHubDigests(t *testing.T) {
	repo := testRepo()
	dir := writeRepo(t, repo)
	os.Remove(filepath.Join(dir, "tokenizer.json"))
	srv := hubtest.New(t, repo)
	rel, err := WithHubDigests(Dir(dir), "acme/chat-7b@main", HubOptions{Options: hub.Options{Endpoint: srv.URL(), NoToken: true}}).Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st := rel.File("model-00001-of-00002.safetensors")
	if len(st.Expected) != 1 || st.Expected[0].Source != "hf-hub" || st.Expected[0].Algorithm != "sha256" {
		t.Errorf("expectations = %+v", st.Expected)
	}
	if rel.Hub == nil || rel.Hub.SHA != repo.SHA || !slices.Equal(rel.Hub.Unmatched, []string{"tokenizer.json"}) || rel.Repo != "acme/chat-7b" {
		t.Errorf("hub = %+v", rel.Hub)
	}
	if srv.RequestCount() != 1 {
		t.Errorf("%d requests, want the listing only", srv.RequestCount())
	}
}

// TestHubPickleSameAsDisk reads PyTorch checkpoints remotely: a zip
// checkpoint by its central directory and data.pkl, a legacy one by its
// pickles, a hostile bare pickle in full, with the findings of the disk
// audit and a small fraction of the bytes.
func TestHubPickleSameAsDisk(t *testing.T) {
	big := []testmodel.Tensor{{Name: "w", DType: "F32", Shape: []int64{2048, 2048}}, {Name: "b", DType: "F32", Shape: []int64{2048}}}
	repo := &hubtest.Repo{ID: "acme/pt", Files: []*hubtest.File{
		hubtest.NewFile("pytorch_model.bin", testmodel.TorchZip("archive", 2, big)),
		hubtest.NewFile("legacy.pt", testmodel.TorchLegacy(2, big)),
		{Path: "training_args.bin", Data: testmodel.MaliciousPickle(2, testmodel.ViaGlobal, "os", "system", "echo pwned"), LFS: true},
		{Path: "README.md", Data: []byte("---\nlicense: mit\n---\n")},
	}}
	local, err := Dir(writeRepo(t, repo)).Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	srv := hubtest.New(t, repo)
	remote, err := openHub(t, srv, "acme/pt", HubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d := compareReleases(local, remote); d != "" {
		t.Error(d)
	}
	if !slices.ContainsFunc(remote.Findings(), func(f finding.Finding) bool {
		return f.Code == finding.FormatCodeExecution && f.Subject == "training_args.bin"
	}) {
		t.Error("the hostile pickle was not found remotely")
	}
	if remote.Hub.Bytes > 512<<10 {
		t.Errorf("read %d bytes of %d-byte checkpoints", remote.Hub.Bytes, len(repo.Files[0].Data)+len(repo.Files[1].Data))
	}
}

// TestHubSignedSmallFiles checks that small files outside LFS, which the
// audit otherwise lists only, are downloaded when the repository holds a
// model signature to check them against, and only then.
func TestHubSignedSmallFiles(t *testing.T) {
	fetched := func(repo *hubtest.Repo) (map[string]bool, *Release) {
		t.Helper()
		srv := hubtest.New(t, repo)
		rel, err := openHub(t, srv, repo.ID, HubOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, r := range srv.Log() {
			if _, p, ok := strings.Cut(r.Path, "/resolve/"+repo.SHA+"/"); ok {
				out[p] = true
			}
		}
		if f := rel.File("tokenizer.json"); out["tokenizer.json"] != (f.Content != nil) {
			t.Errorf("tokenizer.json fetched %v, content kept %v", out["tokenizer.json"], f.Content != nil)
		}
		return out, rel
	}
	signed := hubtest.ExampleRepo()
	signed.Files = append(signed.Files, &hubtest.File{Path: "big.txt", Data: make([]byte, limits.MaxHubSignedFileBytes+1)})
	got, rel := fetched(signed)
	if !got["tokenizer.json"] || !got["modeling_acme.py"] || got["big.txt"] || rel.Hub.ListedOnly != 1 {
		t.Errorf("with a signature: fetched %v, %d listed only", got, rel.Hub.ListedOnly)
	}
	unsigned := hubtest.ExampleRepo()
	unsigned.Files = slices.DeleteFunc(unsigned.Files, func(f *hubtest.File) bool { return f.Path == "model.sig" })
	got, rel = fetched(unsigned)
	// The tokenizer files are read for their facts, signed or not.
	if !got["tokenizer.json"] || got["modeling_acme.py"] || got[".gitattributes"] || !got["README.md"] || rel.Hub.ListedOnly != 2 {
		t.Errorf("without a signature: fetched %v, %d listed only", got, rel.Hub.ListedOnly)
	}
}

// TestHubKeras reads a Keras v3 archive on the Hub by its zip directory and
// config.json, never its weights, and an HDF5 model by its first block, and
// finds their Lambda layers.
func TestHubKeras(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "model.weights.h5", Method: zip.Store})
	w.Write(make([]byte, 4<<20))
	w, _ = zw.Create("config.json")
	w.Write([]byte(`{"class_name": "Sequential", "config": {"layers": [{"class_name": "Lambda", "config": {"name": "scale", "function": {"class_name": "__lambda__", "config": {"code": "4wEA"}}}}]}}`))
	w, _ = zw.Create("metadata.json")
	w.Write([]byte(`{"keras_version": "3.6.0"}`))
	zw.Close()
	// A Keras 2 HDF5 model (made with h5py, formats/keras/testdata), served
	// as a 10 MiB file: its configuration lies in the first block.
	h5, err := os.ReadFile(filepath.Join("..", "formats", "keras", "testdata", "lambda.h5"))
	if err != nil {
		t.Fatal(err)
	}
	repo := &hubtest.Repo{ID: "acme/keras", Files: []*hubtest.File{
		{Path: "README.md", Data: []byte("---\nlicense: mit\n---\n")},
		hubtest.NewFile("model.keras", buf.Bytes()),
		{Path: "legacy/model.h5", Data: h5, Size: 10 << 20, LFS: true},
	}}
	srv := hubtest.New(t, repo)
	rel, err := openHub(t, srv, "acme/keras", HubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	k := rel.File("model.keras").Keras
	if k == nil || len(k.Lambdas) != 1 || k.Lambdas[0].Name != "scale" || !k.Lambdas[0].Bytecode {
		t.Fatalf("keras = %+v, problems %v", k, problemsText(rel))
	}
	if !slices.ContainsFunc(rel.Findings(), func(f finding.Finding) bool {
		return f.Code == finding.FormatCodeExecution && f.Subject == "model.keras"
	}) {
		t.Error("no code-execution finding")
	}
	h := rel.File("legacy/model.h5").Keras
	if h == nil || !h.Partial || len(h.Lambdas) != 2 || h.Lambdas[0].Name != "scale" {
		t.Errorf("HDF5 = %+v, problems %v", h, problemsText(rel))
	}
	if n := srv.BytesServed(); n > 256<<10 {
		t.Errorf("served %d bytes for a 4 MiB archive and a 10 MiB HDF5 file", n)
	}
}

// TestHubListingEntries: entries of a listing that cannot be trusted are
// dropped with a problem each; a file without a size is listed with its
// size unknown, never as 0 bytes known.
func TestHubListingEntries(t *testing.T) {
	sha := strings.Repeat("ab", 32)
	list := []hub.File{
		{Path: ".", Size: 1}, {Path: "..", Size: 1}, {Path: "/etc/passwd", Size: 1}, {Path: "a/../b", Size: 1},
		{Path: `a\b`, Size: 1}, {Path: "a\x00b", Size: 1}, {Path: "", Size: 1}, {Path: "./a", Size: 1},
		{Path: "ok.bin", Size: 5, LFS: &hub.LFS{SHA256: sha, Size: 5}}, {Path: "ok.bin", Size: 6},
		{Path: "nosize.safetensors", Size: -1},
	}
	files, problems := hubFiles(list)
	if len(files) != 2 || files[0].Path != "ok.bin" || files[0].Size != 5 || files[0].SizeUnknown {
		t.Fatalf("files %+v", files)
	}
	if f := files[1]; f.Path != "nosize.safetensors" || !f.SizeUnknown || f.Size != 0 || !f.unreadable {
		t.Errorf("file without a size: %+v", f)
	}
	if len(problems) != 10 {
		var msgs []string
		for _, p := range problems {
			msgs = append(msgs, p.Path+": "+p.Message)
		}
		t.Errorf("%d problems, want 10: %q", len(problems), msgs)
	}
}

// TestHubSafetensorsAbsurdLength: a header length past the file's end, or
// past what is read remotely, is reported as such, naming the header, and
// nothing past the first read is fetched.
func TestHubSafetensorsAbsurdLength(t *testing.T) {
	for _, tc := range []struct {
		name   string
		length uint64
		size   int64
		want   string
	}{
		{"past the file", 1 << 40, 1 << 20, "declares 1099511627776 bytes, more than the file's 1048576"},
		{"past the remote cap", limits.MaxHubHeaderBytes, 1 << 30, fmt.Sprintf("over the %d-byte limit of remote reads", limits.MaxHubHeaderBytes-8)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := binary.LittleEndian.AppendUint64(nil, tc.length)
			data = append(data, `{"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}`...)
			srv := hubtest.New(t, &hubtest.Repo{ID: "acme/odd", Files: []*hubtest.File{{Path: "model.safetensors", Data: data, Size: tc.size, LFS: true}}})
			rel, err := openHub(t, srv, "acme/odd", HubOptions{})
			if err != nil {
				t.Fatal(err)
			}
			msgs := problemsText(rel)
			if len(rel.Problems) != 1 || !strings.Contains(msgs[0], tc.want) || strings.Contains(msgs[0], "tensor data") {
				t.Errorf("problems %q, want one saying %q", msgs, tc.want)
			}
			if r := cdnRanges(srv, "model.safetensors"); len(r) != 1 {
				t.Errorf("ranges %v, want the first read only", r)
			}
			if h := rel.Hub.Headers; h.Files != 1 || h.Read != 0 {
				t.Errorf("headers %+v", h)
			}
		})
	}
}

// TestHubFingerprint reads the facts that identify the model remotely:
// each small config, tokenizer file and chat template costs one request; a
// tokenizer.json over limits.MaxHubTokenizerBytes is listed, not read, and
// the facts say so.
func TestHubFingerprint(t *testing.T) {
	base := hubtest.ExampleRepo()
	base.Files = slices.DeleteFunc(base.Files, func(f *hubtest.File) bool { return f.Path == "tokenizer.json" })
	with := hubtest.ExampleRepo()
	with.ID = "acme/chat-7b-tok"
	with.Files = append(slices.DeleteFunc(slices.Clone(with.Files), func(f *hubtest.File) bool { return f.Path == "tokenizer.json" }),
		&hubtest.File{Path: "tokenizer_config.json", Data: []byte(`{"eos_token":"<|im_end|>","chat_template":"<|im_start|>"}`)},
		&hubtest.File{Path: "special_tokens_map.json", Data: []byte(`{"bos_token":"<s>"}`)},
		&hubtest.File{Path: "chat_template.jinja", Data: []byte("{{'<|im_start|>'}}<think>")},
		&hubtest.File{Path: "tokenizer.json", Data: []byte(`{"model":{"vocab":{"a":0,"b":1}}}`)},
	)
	srv := hubtest.New(t, base, with)
	plain, err := openHub(t, srv, base.ID, HubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rel, err := openHub(t, srv, with.ID, HubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if added := rel.Hub.Requests - plain.Hub.Requests; added != 4 {
		t.Errorf("%d requests for four tokenizer files, want one each", added)
	}
	tk := rel.Fingerprint.Tokenizer
	if tk.EOS == nil || tk.EOS.Path != "tokenizer_config.json" || tk.BOS.Path != "special_tokens_map.json" ||
		tk.ChatTemplate.Path != "chat_template.jinja" || tk.Vocabulary == nil || tk.Vocabulary.Value.Tokens != 2 {
		t.Errorf("remote tokenizer facts %+v", tk)
	}
	big := hubtest.ExampleRepo()
	big.ID = "acme/chat-7b-big"
	for _, f := range big.Files {
		if f.Path == "tokenizer.json" {
			f.Data, f.LFS = make([]byte, limits.MaxHubTokenizerBytes+1), true
		}
	}
	srv.Add(big)
	rel, err = openHub(t, srv, big.ID, HubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fp := rel.Fingerprint
	if fp == nil || len(fp.Omitted) != 1 || fp.Omitted[0].Path != "tokenizer.json" || !strings.Contains(fp.Omitted[0].Reason, "not read") || rel.File("tokenizer.json").Content != nil {
		t.Errorf("large tokenizer.json: facts %+v", fp)
	}
	if rel.Hub.Requests != plain.Hub.Requests {
		t.Errorf("%d requests with a large tokenizer.json, %d without one", rel.Hub.Requests, plain.Hub.Requests)
	}
}
