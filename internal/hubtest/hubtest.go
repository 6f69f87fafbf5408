// Package hubtest is a fake Hugging Face Hub for tests: an httptest server
// that answers the model API (GET /api/models/{id}[/revision/{rev}]
// [?blobs=true]) in the Hub's JSON shapes and serves files at
// /{id}/resolve/{rev}/{path} with Range support, redirecting LFS files to a
// second "CDN" server as the Hub does. Repositories may be private or
// gated; faults (rate limits, errors, truncated or wrong ranges, servers
// ignoring Range, lying sizes) are injected with hooks. Every request is
// logged and every body byte counted, so tests can assert what was sent and
// how much was read. Nothing here touches the network.
package hubtest

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/modelvet/modelvet/internal/testmodel"
)

// File is one file of a fake repository.
type File struct {
	Path string
	// Data holds the file's first bytes. Bytes past len(Data) up to Size
	// read as zeros, so a weight file can be served with a real header and
	// no tensor data behind it.
	Data []byte
	// Size is the size the listing declares; 0 means len(Data).
	Size int64
	// Actual is the size the file server claims and serves when it differs
	// from the listing (a server lying about sizes); 0 means Size.
	Actual int64
	// LFS stores the file in LFS (listed with lfs{sha256,size}, redirected
	// to the CDN). NewFile sets it for weight files.
	LFS bool
	// SHA256 overrides the LFS digest; by default it is the sha256 of the
	// content when Data is whole, else of Data (a stand-in).
	SHA256 string
}

// NewFile returns a file stored in LFS when its name says weights.
func NewFile(p string, data []byte) *File {
	f := &File{Path: p, Data: data}
	switch path.Ext(strings.ToLower(p)) {
	case ".safetensors", ".gguf", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".onnx", ".msgpack", ".pkl":
		f.LFS = true
	}
	return f
}

func (f *File) size() int64 {
	if f.Size > 0 {
		return f.Size
	}
	return int64(len(f.Data))
}

func (f *File) served() int64 {
	if f.Actual > 0 {
		return f.Actual
	}
	return f.size()
}

func (f *File) sha256() string {
	if f.SHA256 != "" {
		return f.SHA256
	}
	return testmodel.SHA256(f.Data)
}

func (f *File) pointer() []byte {
	return fmt.Appendf(nil, "version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n", f.sha256(), f.size())
}

// reader returns the served content from off: Data, then zeros.
func (f *File) reader(off, n int64) io.Reader {
	var rs []io.Reader
	if off < int64(len(f.Data)) {
		end := min(int64(len(f.Data)), off+n)
		rs = append(rs, bytes.NewReader(f.Data[off:end]))
		n -= end - off
		off = end
	}
	if n > 0 {
		rs = append(rs, io.LimitReader(zeros{}, n))
	}
	return io.MultiReader(rs...)
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// Repo is a fake model repository.
type Repo struct {
	ID string
	// SHA is the commit "main" resolves to; derived from the content when
	// empty.
	SHA     string
	Author  string
	Private bool
	// Gated is "", "auto" or "manual". A gated repository serves its files
	// only with the server's token, except those in Open (by default
	// README.md and .gitattributes).
	Gated    string
	Open     []string
	Disabled bool
	// CardData is the Hub's parse of the README front matter; when nil it
	// is parsed from README.md.
	CardData    map[string]any
	Tags        []string
	LibraryName string
	PipelineTag string
	Downloads   int
	// Revisions maps other revision names (tags, branches) to commits.
	Revisions map[string]string
	// Parameters is the API's safetensors summary (parameters by dtype);
	// when nil it is counted from the headers of the repository's
	// safetensors files, as the Hub does. An empty map leaves the summary
	// out of the record.
	Parameters map[string]int64
	Files      []*File
}

func (r *Repo) sha() string {
	if r.SHA != "" {
		return r.SHA
	}
	h := sha1.New()
	io.WriteString(h, r.ID)
	for _, f := range r.Files {
		fmt.Fprintf(h, "%s %s %d\n", f.Path, f.sha256(), f.size())
	}
	r.SHA = hex.EncodeToString(h.Sum(nil))
	return r.SHA
}

func (r *Repo) file(p string) *File {
	for _, f := range r.Files {
		if f.Path == p {
			return f
		}
	}
	return nil
}

// Request is one request the servers received.
type Request struct {
	Server        string // "hub" or "cdn"
	Path          string // escaped path and query
	Range         string
	Authorization string
	UserAgent     string
}

// Server is a fake Hub and its CDN.
type Server struct {
	Hub, CDN *httptest.Server
	// Token grants access to private and gated repositories.
	Token string

	mu     sync.Mutex
	repos  map[string]*Repo
	log    []Request
	params map[*Repo]map[string]int64 // counted safetensors summaries

	bytes      atomic.Int64
	requests   atomic.Int64
	signatures atomic.Int64

	fault func(server string, w http.ResponseWriter, r *http.Request) bool
	// IgnoreRange makes the file servers answer Range requests with the
	// whole file and status 200.
	IgnoreRange bool
	// Truncate, when positive, cuts every range body after that many bytes
	// while announcing the full length.
	Truncate int64
	// NoBlobs makes the API ignore blobs=true (a mirror without file
	// metadata).
	NoBlobs bool
}

// New starts a fake Hub serving repos; it stops when the test ends.
func New(t testing.TB, repos ...*Repo) *Server {
	s := Start(nil, repos...)
	t.Cleanup(s.Close)
	return s
}

// Start starts a fake Hub serving repos, on hub (a listener for the
// Hub's address) when not nil, else on a free loopback port. Close stops
// it.
func Start(hub net.Listener, repos ...*Repo) *Server {
	s := &Server{repos: map[string]*Repo{}}
	for _, r := range repos {
		s.repos[strings.ToLower(r.ID)] = r
	}
	if hub == nil {
		s.Hub = httptest.NewServer(http.HandlerFunc(s.serveHub))
	} else {
		s.Hub = &httptest.Server{Listener: hub, Config: &http.Server{Handler: http.HandlerFunc(s.serveHub)}}
		s.Hub.Start()
	}
	s.CDN = httptest.NewServer(http.HandlerFunc(s.serveCDN))
	return s
}

// Close stops the servers.
func (s *Server) Close() {
	s.Hub.Close()
	s.CDN.Close()
}

// SetFault installs fn to see every request first (server is "hub" or
// "cdn"); it may answer a request itself by returning true. nil removes it.
func (s *Server) SetFault(fn func(server string, w http.ResponseWriter, r *http.Request) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = fn
}

// Hang makes server ("hub" or "cdn") answer no request: each waits until
// the client gives up on it.
func (s *Server) Hang(server string) {
	s.SetFault(func(srv string, w http.ResponseWriter, r *http.Request) bool {
		if srv != server {
			return false
		}
		<-r.Context().Done()
		return true
	})
}

func (s *Server) faulted(server string, w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	fn := s.fault
	s.mu.Unlock()
	return fn != nil && fn(server, w, r)
}

// URL is the endpoint to use as HF_ENDPOINT.
func (s *Server) URL() string { return s.Hub.URL }

// Add adds or replaces a repository.
func (s *Server) Add(r *Repo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repos[strings.ToLower(r.ID)] = r
}

// BytesServed counts the body bytes both servers wrote.
func (s *Server) BytesServed() int64 { return s.bytes.Load() }

// RequestCount counts the requests both servers received.
func (s *Server) RequestCount() int { return int(s.requests.Load()) }

// Log returns the requests received so far.
func (s *Server) Log() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// Reset clears the counters and the log.
func (s *Server) Reset() {
	s.mu.Lock()
	s.log = nil
	s.mu.Unlock()
	s.bytes.Store(0)
	s.requests.Store(0)
}

func (s *Server) record(server string, r *http.Request) {
	s.requests.Add(1)
	s.mu.Lock()
	s.log = append(s.log, Request{Server: server, Path: r.URL.RequestURI(), Range: r.Header.Get("Range"), Authorization: r.Header.Get("Authorization"), UserAgent: r.Header.Get("User-Agent")})
	s.mu.Unlock()
}

// countingWriter counts body bytes.
type countingWriter struct {
	http.ResponseWriter
	s *Server
}

func (w countingWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.s.bytes.Add(int64(n))
	return n, err
}

func hubError(w http.ResponseWriter, status int, code, msg string) {
	if code != "" {
		w.Header().Set("X-Error-Code", code)
	}
	if msg != "" {
		w.Header().Set("X-Error-Message", msg)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, "{\"error\":%q}", msg)
}

// auth says whether the request may read the repository, answering it
// with the Hub's error when not. file is "" for the API.
func (s *Server) auth(w http.ResponseWriter, r *http.Request, repo *Repo, file string) bool {
	tok, hasTok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	valid := hasTok && s.Token != "" && tok == s.Token
	if hasTok && !valid && (repo == nil || repo.Private) {
		hubError(w, http.StatusUnauthorized, "", "Invalid credentials in Authorization header")
		return false
	}
	if repo == nil || (repo.Private && !valid) {
		hubError(w, http.StatusUnauthorized, "RepoNotFound", "Repository not found")
		return false
	}
	if repo.Disabled && file != "" {
		hubError(w, http.StatusForbidden, "", "Access to this resource is disabled.")
		return false
	}
	if repo.Gated != "" && file != "" && !valid {
		open := repo.Open
		if open == nil {
			open = []string{"README.md", ".gitattributes"}
		}
		if !slices.Contains(open, file) {
			status := http.StatusUnauthorized
			if hasTok {
				status = http.StatusForbidden
			}
			hubError(w, status, "GatedRepo", "Access to model "+repo.ID+" is restricted. You must have access to it and be authenticated to access it. Please log in.")
			return false
		}
	}
	return true
}

func (s *Server) repo(id string) *Repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.repos[strings.ToLower(id)]
}

// resolveRev returns the commit of rev, or "".
func (r *Repo) resolveRev(rev string) string {
	switch {
	case rev == "" || rev == "main":
		return r.sha()
	case rev == r.sha():
		return rev
	case r.Revisions[rev] != "":
		return r.Revisions[rev]
	}
	return ""
}

func (s *Server) serveHub(w http.ResponseWriter, r *http.Request) {
	s.record("hub", r)
	if s.faulted("hub", w, r) {
		return
	}
	w = countingWriter{w, s}
	p := r.URL.EscapedPath()
	if rest, ok := strings.CutPrefix(p, "/api/models/"); ok {
		s.serveAPI(w, r, rest)
		return
	}
	// /{id}/resolve/{rev}/{path}
	i := strings.Index(p, "/resolve/")
	if i < 0 {
		http.NotFound(w, r)
		return
	}
	id, _ := url.PathUnescape(strings.TrimPrefix(p[:i], "/"))
	revFile := p[i+len("/resolve/"):]
	revEsc, fileEsc, _ := strings.Cut(revFile, "/")
	rev, _ := url.PathUnescape(revEsc)
	file, _ := url.PathUnescape(fileEsc)
	repo := s.repo(id)
	if !s.auth(w, r, repo, file) {
		return
	}
	sha := repo.resolveRev(rev)
	if sha == "" {
		hubError(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
		return
	}
	f := repo.file(file)
	if f == nil {
		hubError(w, http.StatusNotFound, "EntryNotFound", "Entry not found")
		return
	}
	w.Header().Set("X-Repo-Commit", sha)
	if f.LFS {
		w.Header().Set("X-Linked-Size", strconv.FormatInt(f.size(), 10))
		w.Header().Set("X-Linked-Etag", `"`+f.sha256()+`"`)
		sig := s.signatures.Add(1)
		loc := s.CDN.URL + "/repos/" + url.PathEscape(repo.ID) + "/" + f.sha256() + "?X-Amz-Signature=" + fmt.Sprintf("sig%08d", sig) + "&path=" + url.QueryEscape(f.Path)
		http.Redirect(w, r, loc, http.StatusFound)
		return
	}
	w.Header().Set("ETag", `"`+testmodel.GitBlobSHA1(f.Data)+`"`)
	s.serveContent(w, r, f)
}

func (s *Server) serveCDN(w http.ResponseWriter, r *http.Request) {
	s.record("cdn", r)
	if s.faulted("cdn", w, r) {
		return
	}
	w = countingWriter{w, s}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/repos/")
	if !ok || r.URL.Query().Get("X-Amz-Signature") == "" {
		http.Error(w, "AccessDenied", http.StatusForbidden)
		return
	}
	idEsc, _, _ := strings.Cut(rest, "/")
	id, _ := url.PathUnescape(idEsc)
	repo := s.repo(id)
	if repo == nil {
		http.NotFound(w, r)
		return
	}
	f := repo.file(r.URL.Query().Get("path"))
	if f == nil {
		http.NotFound(w, r)
		return
	}
	s.serveContent(w, r, f)
}

// serveContent answers a GET with the file, honouring a single Range.
func (s *Server) serveContent(w http.ResponseWriter, r *http.Request, f *File) {
	size := f.served()
	rng := r.Header.Get("Range")
	w.Header().Set("Accept-Ranges", "bytes")
	w.Header().Set("Content-Type", "application/octet-stream")
	if rng == "" || s.IgnoreRange {
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		w.WriteHeader(http.StatusOK)
		io.Copy(w, f.reader(0, size))
		return
	}
	spec, ok := strings.CutPrefix(rng, "bytes=")
	as, bs, ok2 := strings.Cut(spec, "-")
	a, err1 := strconv.ParseInt(as, 10, 64)
	b, err2 := strconv.ParseInt(bs, 10, 64)
	if !ok || !ok2 || err1 != nil || (bs != "" && err2 != nil) {
		http.Error(w, "bad range", http.StatusBadRequest)
		return
	}
	if bs == "" || b >= size {
		b = size - 1
	}
	if a >= size || b < a {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", size))
		w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
		return
	}
	n := b - a + 1
	w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", a, b, size))
	w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	w.WriteHeader(http.StatusPartialContent)
	if s.Truncate > 0 && s.Truncate < n {
		io.Copy(w, f.reader(a, s.Truncate))
		return
	}
	io.Copy(w, f.reader(a, n))
}

// serveAPI answers /api/models/{id}[/revision/{rev}][?blobs=true].
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, rest string) {
	idEsc, revEsc, hasRev := strings.Cut(rest, "/revision/")
	id, _ := url.PathUnescape(idEsc)
	rev, _ := url.PathUnescape(revEsc)
	repo := s.repo(id)
	if !s.auth(w, r, repo, "") {
		return
	}
	sha := repo.resolveRev(rev)
	if hasRev && sha == "" {
		hubError(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
		return
	}
	blobs := r.URL.Query().Get("blobs") == "true" && !s.NoBlobs
	m := ModelInfoJSON(repo, sha, blobs)
	if p := s.parameters(repo); len(p) > 0 {
		var total int64
		for _, n := range p {
			total += n
		}
		m["safetensors"] = map[string]any{"parameters": p, "total": total}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(m)
}

// parameters returns the safetensors summary of repo, counted once from
// the headers of its safetensors files unless the repository sets it.
func (s *Server) parameters(repo *Repo) map[string]int64 {
	if repo.Parameters != nil {
		return repo.Parameters
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.params[repo]; ok {
		return p
	}
	p := map[string]int64{}
	for _, f := range repo.Files {
		if path.Ext(f.Path) == ".safetensors" {
			countParameters(f.Data, p)
		}
	}
	if s.params == nil {
		s.params = map[*Repo]map[string]int64{}
	}
	s.params[repo] = p
	return p
}

// countParameters adds the elements of every tensor a safetensors header
// declares to by (by dtype); a header it cannot read adds nothing.
func countParameters(data []byte, by map[string]int64) {
	if len(data) < 8 {
		return
	}
	n := binary.LittleEndian.Uint64(data)
	if n > uint64(len(data)-8) {
		return
	}
	var header map[string]json.RawMessage
	if json.Unmarshal(data[8:8+n], &header) != nil {
		return
	}
	for name, raw := range header {
		var t struct {
			DType string  `json:"dtype"`
			Shape []int64 `json:"shape"`
		}
		if name == "__metadata__" || json.Unmarshal(raw, &t) != nil {
			continue
		}
		by[t.DType] += Tensor{DType: t.DType, Shape: t.Shape}.elems()
	}
}

// ModelInfoJSON returns the API record of repo at commit sha in the Hub's
// shape, with file metadata when blobs is set.
func ModelInfoJSON(repo *Repo, sha string, blobs bool) map[string]any {
	author := repo.Author
	if author == "" {
		author, _, _ = strings.Cut(repo.ID, "/")
	}
	var gated any = false
	if repo.Gated != "" {
		gated = repo.Gated
	}
	siblings := []map[string]any{}
	for _, f := range repo.Files {
		sib := map[string]any{"rfilename": f.Path}
		if blobs {
			sib["size"] = f.size()
			if f.LFS {
				ptr := f.pointer()
				sib["blobId"] = testmodel.GitBlobSHA1(ptr)
				sib["lfs"] = map[string]any{"sha256": f.sha256(), "size": f.size(), "pointerSize": len(ptr)}
			} else {
				sib["blobId"] = testmodel.GitBlobSHA1(f.Data)
			}
		}
		siblings = append(siblings, sib)
	}
	card := repo.CardData
	if card == nil {
		card = frontMatter(repo.file("README.md"))
	}
	tags := repo.Tags
	if tags == nil {
		tags = []string{}
	}
	m := map[string]any{
		"_id":          fmt.Sprintf("%024x", sha1.Sum([]byte(repo.ID)))[:24],
		"id":           repo.ID,
		"modelId":      repo.ID,
		"author":       author,
		"sha":          sha,
		"lastModified": "2025-01-20T10:52:59.000Z",
		"createdAt":    "2025-01-20T09:19:00.000Z",
		"private":      repo.Private,
		"disabled":     repo.Disabled,
		"gated":        gated,
		"downloads":    repo.Downloads,
		"likes":        0,
		"tags":         tags,
		"siblings":     siblings,
		"spaces":       []string{},
	}
	if repo.LibraryName != "" {
		m["library_name"] = repo.LibraryName
	}
	if repo.PipelineTag != "" {
		m["pipeline_tag"] = repo.PipelineTag
	}
	if card != nil {
		m["cardData"] = card
	}
	return m
}

// frontMatter parses the YAML front matter of a README, as the Hub does
// for cardData.
func frontMatter(f *File) map[string]any {
	if f == nil {
		return nil
	}
	text := strings.ReplaceAll(string(f.Data), "\r\n", "\n")
	rest, ok := strings.CutPrefix(text, "---\n")
	if !ok {
		return nil
	}
	front, _, ok := strings.Cut(rest, "\n---")
	if !ok {
		return nil
	}
	var m map[string]any
	if yaml.Unmarshal([]byte(front), &m) != nil {
		return nil
	}
	return m
}
