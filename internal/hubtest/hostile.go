package hubtest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"time"
)

// Misbehaviour makes the fake Hub hostile: each field switches one
// misbehaviour on. Server.Misbehave installs it while the servers run; the
// zero value is a Hub that behaves.
type Misbehaviour struct {
	// Match selects the requests the misbehaviours below apply to (server
	// is "hub" or "cdn"); nil selects every request.
	Match func(server string, r *http.Request) bool

	// Status answers the selected requests with this status, the headers
	// of Headers and a short body, instead of serving them.
	Status  int
	Headers map[string]string

	// Redirect answers the selected file reads on the Hub (resolve URLs)
	// with a 302 to the location it returns ("" serves them).
	Redirect func(r *http.Request) string

	// Record answers the API request for a model id with the bytes it
	// returns (status 200, application/json), or serves the id's record
	// when it returns nil. GzipRecord sends them compressed with
	// Content-Encoding: gzip whether or not the client asked.
	Record     func(id string) []byte
	GzipRecord bool

	// TrickleBytes and TrickleEvery write the selected bodies a few bytes
	// at a time, flushing each piece: a slowloris server.
	TrickleBytes int
	TrickleEvery time.Duration

	// Overrun appends as many bytes past the range asked to a 206 body,
	// announced in Content-Length; RangeShift moves the range the
	// Content-Range header reports; GzipRanges compresses 206 bodies
	// with Content-Encoding: gzip though the client asked for identity.
	Overrun    int64
	RangeShift int64
	GzipRanges bool
}

// Misbehave installs m (the zero Misbehaviour removes it).
func (s *Server) Misbehave(m Misbehaviour) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.misbehaviour = m
}

// misbehaving returns the misbehaviour that applies to r, if any.
func (s *Server) misbehaving(server string, r *http.Request) (Misbehaviour, bool) {
	s.mu.Lock()
	m := s.misbehaviour
	s.mu.Unlock()
	if m.Match != nil && !m.Match(server, r) {
		return Misbehaviour{}, false
	}
	return m, true
}

// answerStatus answers r with m.Status; false when m has none.
func (m Misbehaviour) answerStatus(w http.ResponseWriter) bool {
	if m.Status == 0 {
		return false
	}
	for k, v := range m.Headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(m.Status)
	fmt.Fprintf(w, `{"error":"status %d"}`, m.Status)
	return true
}

// writer wraps w to trickle the body of r when m says so.
func (m Misbehaviour) writer(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	if m.TrickleBytes <= 0 {
		return w
	}
	return trickleWriter{ResponseWriter: w, n: m.TrickleBytes, every: m.TrickleEvery, done: r.Context().Done()}
}

// trickleWriter writes n bytes at a time, every interval, flushing each,
// until the client goes away.
type trickleWriter struct {
	http.ResponseWriter
	n     int
	every time.Duration
	done  <-chan struct{}
}

func (t trickleWriter) Write(p []byte) (int, error) {
	done := 0
	for done < len(p) {
		k, err := t.ResponseWriter.Write(p[done:min(len(p), done+t.n)])
		done += k
		if err != nil {
			return done, err
		}
		if f, ok := t.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
		select {
		case <-t.done:
			return done, http.ErrHandlerTimeout
		case <-time.After(t.every):
		}
	}
	return done, nil
}

// Flush keeps the writer a Flusher.
func (t trickleWriter) Flush() {
	if f, ok := t.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Gzip compresses data.
func Gzip(data []byte) []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}
