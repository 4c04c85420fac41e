// Package openaitest runs a fake OpenAI-compatible model server for tests. It speaks the real wire
// format of /v1/chat/completions (JSON and text/event-stream with a final usage-only chunk and
// "data: [DONE]") and /v1/embeddings, records every request it receives so tests can assert on the
// prompt that was sent, and can be scripted to fail, stall, throttle, or break a stream midway.
//
// Typical use in another package's test:
//
//	srv := openaitest.NewServer(t, openaitest.Options{
//		Reply: func(r openaitest.Request) string { return "Paris is the capital [1]." },
//	})
//	chat, _ := openai.NewChat(openai.Config{BaseURL: srv.URL})
//	// ... run the code under test ...
//	if p := srv.ChatRequests()[0].Prompt(); !strings.Contains(p, "capital") { ... }
//
// Failures are scripted per request, in order:
//
//	srv.Enqueue(openaitest.Step{Status: 429, RetryAfter: "1"}) // the next request is throttled
//
// The server is closed by t.Cleanup. It listens on 127.0.0.1 only.
package openaitest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options configures a Server. Every field is optional.
type Options struct {
	// APIKey, when set, makes the server answer 401 to requests that carry neither
	// "Authorization: Bearer <APIKey>" nor "api-key: <APIKey>" (Azure).
	APIKey string
	// Reply returns the assistant's answer to a chat request. Default: DefaultReply.
	Reply func(Request) string
	// Embed returns the vector for one input of the requested length. Default: HashEmbedding,
	// a deterministic bag of hashed words, so texts that share words have similar vectors.
	Embed func(input string, dims int) []float32
	// Dimensions is the embedding length when a request does not ask for one. Default 16.
	Dimensions int
	// BeforeChunk, when set, is called before the server writes and flushes streamed content
	// chunk i of n (0-based). Block in it to pace a stream or to synchronise with the client.
	BeforeChunk func(i, n int)
	// Script answers the first requests; see Step and Server.Enqueue.
	Script []Step
	// Latency delays every answer, as a slow model server would (a request whose client gives
	// up is dropped).
	Latency time.Duration
}

// DefaultReply is the chat answer when Options.Reply is nil.
const DefaultReply = "This is a fake answer from openaitest."

// Step scripts the answer to one request. Each request consumes the first queued Step whose
// Path matches; when none matches the server answers normally. Zero fields keep the normal
// behaviour, so Step{Reply: "x"} only changes the text.
type Step struct {
	// Path is a suffix the request path must end with ("/chat/completions", "/embeddings");
	// empty matches any request.
	Path string
	// Status, when not 2xx, answers with an OpenAI error document carrying Message.
	Status  int
	Message string
	// RetryAfter is sent as the Retry-After header (seconds or an HTTP date).
	RetryAfter string
	// Reply replaces the chat answer.
	Reply string
	// Stall holds the request without answering until the client gives up or the test ends.
	// When streaming, After content chunks are sent first.
	Stall bool
	// Drop breaks the connection of a streamed answer after After content chunks, without a
	// finish reason or [DONE]. With DropCleanly the HTTP response ends properly instead, the
	// way a crashing proxy or model server often ends it.
	Drop        bool
	DropCleanly bool
	After       int
	// KeepAlives is how many SSE comment lines (": keep-alive") and blank lines precede the
	// first streamed chunk.
	KeepAlives int
	// Dimensions overrides the embedding length for this answer.
	Dimensions int
	// Reverse lists embeddings in reverse index order, as servers are allowed to.
	Reverse bool
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the OpenAI-style base URL including "/v1", for openai.Config.BaseURL.
	URL string
	// RootURL has no path, for Azure configurations (requests then go to
	// /openai/deployments/NAME/...).
	RootURL string

	opts Options
	srv  *httptest.Server
	done chan struct{} // closed at cleanup to release stalled handlers

	mu       sync.Mutex
	requests []Request
	script   []Step
}

// NewServer starts a fake server that is closed when the test ends.
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Reply == nil {
		opts.Reply = func(Request) string { return DefaultReply }
	}
	if opts.Embed == nil {
		opts.Embed = HashEmbedding
	}
	if opts.Dimensions <= 0 {
		opts.Dimensions = 16
	}
	s := &Server{opts: opts, done: make(chan struct{}), script: append([]Step(nil), opts.Script...)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	s.RootURL = s.srv.URL
	s.URL = s.srv.URL + "/v1"
	t.Cleanup(func() {
		close(s.done)
		s.srv.Close()
	})
	return s
}

// Enqueue appends steps to the script.
func (s *Server) Enqueue(steps ...Step) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, steps...)
}

// Requests returns every request received so far, failed and retried ones included, in arrival
// order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ChatRequests returns the received chat completion requests.
func (s *Server) ChatRequests() []Request { return s.filter(Request.IsChat) }

// EmbeddingRequests returns the received embedding requests.
func (s *Server) EmbeddingRequests() []Request { return s.filter(Request.IsEmbedding) }

func (s *Server) filter(keep func(Request) bool) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	req := parseRequest(r, body)
	step := s.record(req)

	if s.opts.APIKey != "" && r.Header.Get("Authorization") != "Bearer "+s.opts.APIKey &&
		r.Header.Get("Api-Key") != s.opts.APIKey {
		writeError(w, http.StatusUnauthorized, "Incorrect API key provided.", "invalid_request_error")
		return
	}
	if step.RetryAfter != "" {
		w.Header().Set("Retry-After", step.RetryAfter)
	}
	if step.Status != 0 && (step.Status < 200 || step.Status > 299) {
		writeError(w, step.Status, step.Message, "server_error")
		return
	}
	if s.opts.Latency > 0 {
		select {
		case <-time.After(s.opts.Latency):
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		}
	}
	if step.Stall && !req.Stream {
		s.stall(r)
		return
	}

	switch {
	case req.IsChat():
		if req.Stream {
			s.streamChat(w, r, req, step)
		} else {
			s.chat(w, req, step)
		}
	case req.IsEmbedding():
		s.embeddings(w, req, step)
	default:
		writeError(w, http.StatusNotFound, "unknown endpoint "+r.URL.Path, "invalid_request_error")
	}
}

// record stores the request and takes its scripted step, if any.
func (s *Server) record(req Request) Step {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, req)
	for i, st := range s.script {
		if strings.HasSuffix(req.Path, st.Path) {
			s.script = append(s.script[:i:i], s.script[i+1:]...)
			return st
		}
	}
	return Step{}
}

func (s *Server) stall(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.done:
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, message, typ string) {
	if message == "" {
		message = http.StatusText(status)
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"message": message, "type": typ, "param": nil, "code": nil,
	}})
}
