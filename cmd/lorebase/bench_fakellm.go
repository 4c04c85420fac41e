package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// fakeModel is an OpenAI-compatible chat completions server that takes a fixed time to answer
// every request, for benchmarks: it isolates the engine's own overhead from the model's. It
// speaks the real wire format (JSON, and text/event-stream ending in "data: [DONE]") and counts
// the requests it answered, so a benchmark can check how many model calls it attributed.
type fakeModel struct {
	latency time.Duration
	calls   atomic.Int64
}

func newFakeModel(latency time.Duration) *fakeModel { return &fakeModel{latency: latency} }

// start serves the fake on a free loopback port until stop is called; it returns the base URL
// (with /v1) to configure as the OpenAI base URL.
func (f *fakeModel) start() (baseURL string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String() + "/v1", func() { _ = srv.Close() }, nil
}

type fakeChatRequest struct {
	Model    string `json:"model"`
	Stream   bool   `json:"stream"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

func (f *fakeModel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/chat/completions") {
		writeFakeError(w, http.StatusNotFound, "this fake model only serves chat completions")
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	var req fakeChatRequest
	if err := json.Unmarshal(body, &req); err != nil || len(req.Messages) == 0 {
		writeFakeError(w, http.StatusBadRequest, "malformed chat completion request")
		return
	}
	f.calls.Add(1)
	var prompt strings.Builder
	for _, m := range req.Messages {
		prompt.WriteString(m.Content)
		prompt.WriteByte('\n')
	}
	text := fakeAnswer(prompt.String())
	select {
	case <-time.After(f.latency):
	case <-r.Context().Done():
		return
	}
	usage := map[string]int{"prompt_tokens": prompt.Len() / 4, "completion_tokens": len(strings.Fields(text)),
		"total_tokens": prompt.Len()/4 + len(strings.Fields(text))}
	id := fmt.Sprintf("chatcmpl-bench-%d", f.calls.Load())
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": id, "object": "chat.completion", "created": time.Now().Unix(), "model": req.Model,
			"choices": []map[string]any{{"index": 0, "message": map[string]any{"role": "assistant", "content": text}, "finish_reason": "stop"}},
			"usage":   usage,
		})
		return
	}
	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	send := func(v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", b)
		if flusher != nil {
			flusher.Flush()
		}
	}
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{"id": id, "object": "chat.completion.chunk", "created": time.Now().Unix(), "model": req.Model,
			"choices": []map[string]any{{"index": 0, "delta": delta, "finish_reason": finish}}}
	}
	send(chunk(map[string]any{"role": "assistant", "content": ""}, nil))
	for _, piece := range strings.SplitAfter(text, " ") {
		send(chunk(map[string]any{"content": piece}, nil))
	}
	send(chunk(map[string]any{}, "stop"))
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
		send(map[string]any{"id": id, "object": "chat.completion.chunk", "created": time.Now().Unix(), "model": req.Model,
			"choices": []any{}, "usage": usage})
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	if flusher != nil {
		flusher.Flush()
	}
}

// fakeAnswer answers a rewrite request with the last message itself, and an answer request
// with a sentence citing the first passage, so the engine keeps a grounded reply with a source.
func fakeAnswer(prompt string) string {
	if strings.Contains(prompt, "standalone question") {
		if _, last, ok := strings.Cut(prompt, "Last message: "); ok {
			return strings.TrimSpace(last)
		}
	}
	return "The knowledge base covers this: see the first passage for the details [1]."
}

func writeFakeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error"}})
}
