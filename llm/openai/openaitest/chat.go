package openaitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

var completionIDs atomic.Int64

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

func (s *Server) reply(req Request, step Step) (text string, chunks []string, u usage) {
	text = step.Reply
	if text == "" {
		text = s.opts.Reply(req)
	}
	chunks = SplitTokens(text)
	u = usage{PromptTokens: EstimateTokens(req.Prompt()), CompletionTokens: len(chunks)}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	return text, chunks, u
}

func (s *Server) chat(w http.ResponseWriter, req Request, step Step) {
	text, _, u := s.reply(req, step)
	writeJSON(w, http.StatusOK, map[string]any{
		"id":      fmt.Sprintf("chatcmpl-%d", completionIDs.Add(1)),
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   req.Model,
		"choices": []map[string]any{{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": text},
			"finish_reason": "stop",
		}},
		"usage": u,
	})
}

// streamChat writes the answer as server-sent events the way OpenAI does: a role chunk, one
// chunk per token, a chunk with the finish reason, a usage-only chunk when asked, then [DONE].
func (s *Server) streamChat(w http.ResponseWriter, r *http.Request, req Request, step Step) {
	flusher, _ := w.(http.Flusher)
	_, chunks, u := s.reply(req, step)
	id := fmt.Sprintf("chatcmpl-%d", completionIDs.Add(1))
	created := time.Now().Unix()

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	send := func(choices []map[string]any, withUsage bool) {
		ev := map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": req.Model, "choices": choices}
		if withUsage {
			ev["usage"] = u
		} else if req.IncludeUsage {
			ev["usage"] = nil
		}
		b, _ := json.Marshal(ev)
		fmt.Fprintf(w, "data: %s\n\n", b)
		if flusher != nil {
			flusher.Flush()
		}
	}
	delta := func(d map[string]any, finish any) []map[string]any {
		return []map[string]any{{"index": 0, "delta": d, "logprobs": nil, "finish_reason": finish}}
	}

	for range step.KeepAlives {
		fmt.Fprint(w, ": keep-alive\n\n")
	}
	send(delta(map[string]any{"role": "assistant", "content": ""}, nil), false)
	for i, c := range chunks {
		if (step.Stall || step.Drop) && i == step.After {
			break
		}
		if s.opts.BeforeChunk != nil {
			s.opts.BeforeChunk(i, len(chunks))
		}
		send(delta(map[string]any{"content": c}, nil), false)
	}
	switch {
	case step.Stall:
		s.stall(r)
		return
	case step.Drop && step.DropCleanly:
		return
	case step.Drop:
		panic(http.ErrAbortHandler) // closes the connection without ending the chunked body
	}
	send(delta(map[string]any{}, "stop"), false)
	if req.IncludeUsage {
		send([]map[string]any{}, true)
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	if flusher != nil {
		flusher.Flush()
	}
}

// SplitTokens splits text into the pieces the server streams: words with their trailing space.
// Joining them gives text back.
func SplitTokens(text string) []string {
	if text == "" {
		return nil
	}
	return strings.SplitAfter(text, " ")
}

// EstimateTokens is the server's token count for usage: about four bytes a token.
func EstimateTokens(text string) int { return (len(text) + 3) / 4 }
