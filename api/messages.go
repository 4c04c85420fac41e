package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/conversation"
)

type messageInput struct {
	Content  *string         `json:"content"`
	Metadata json.RawMessage `json:"metadata"`
}

// messageReply is the data of POST .../messages.
type messageReply struct {
	UserMessage      lorebase.Message `json:"user_message"`
	AssistantMessage lorebase.Message `json:"assistant_message"`
	SessionID        string           `json:"session_id,omitempty"`
	ConversationID   string           `json:"conversation_id,omitempty"`
	ExpiresAt        *time.Time       `json:"expires_at"`
}

// messageContentMax bounds a user message.
const messageContentMax = 8000

// historyTurns is how many earlier messages reach the answer engine.
const historyTurns = 12

func (s *Server) sendMessage(kind lorebase.ThreadKind) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		t, err := s.thread(r, kind)
		if err != nil {
			return err
		}
		var in messageInput
		if err := decodeJSON(w, r, &in); err != nil {
			return err
		}
		ve := &lorebase.ValidationError{}
		content := ""
		if in.Content == nil || strings.TrimSpace(*in.Content) == "" {
			ve.Add("content", "is required")
		} else if content = strings.TrimSpace(*in.Content); utf8.RuneCountInString(content) > messageContentMax {
			ve.Add("content", "is too long (at most "+itoa(messageContentMax)+" characters)")
		}
		meta := checkMetadata(ve, in.Metadata)
		if err := ve.Err(); err != nil {
			return err
		}
		stream := strings.Contains(r.Header.Get("Accept"), "text/event-stream")
		key := r.Header.Get("Idempotency-Key")
		if len(key) > idempotencyKeyMax {
			return lorebase.Errorf(lorebase.ErrMalformed, "Idempotency-Key is too long (at most %d characters)", idempotencyKeyMax)
		}
		return s.answerMessage(w, r, t, content, meta, key, stream)
	}
}

// idempotencyKeyMax bounds the Idempotency-Key header.
const idempotencyKeyMax = 200

// answerMessage runs the turn through the conversation service: the user's message is saved
// first and kept whatever happens to the answer, so a retry or a human can pick it up; a
// retry with the Idempotency-Key of an answered message gets the first reply again. A stream
// opens only once the message is saved, so earlier failures are plain error responses.
func (s *Server) answerMessage(w http.ResponseWriter, r *http.Request, t lorebase.Thread, content string, meta json.RawMessage, key string, stream bool) error {
	ctx := r.Context()
	turn, err := s.conversations.Begin(ctx, t, content, meta, key)
	if err != nil {
		return err
	}
	if turn.Replay != nil {
		return replay(w, replyOf(t, *turn.Replay), stream)
	}
	var sse *sseWriter
	var onToken func(string) error
	if stream {
		sse = newSSE(w)
		onToken = func(tok string) error { return sse.send(map[string]any{"type": "token", "text": tok}) }
	}
	ex, err := s.conversations.Finish(ctx, turn, onToken)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if sse != nil {
			status, detail := upstreamStatus(err)
			loggerFrom(ctx).Warn("answer failed", slog.String("error", err.Error()), slog.Int("status", status))
			_ = sse.send(map[string]any{"type": "error", "status_code": status, "detail": detail})
			return nil
		}
		return err
	}
	out := replyOf(t, ex)
	if sse != nil {
		_ = sse.send(map[string]any{"type": "done", "data": out})
		return nil
	}
	writeData(w, http.StatusOK, out)
	return nil
}

// replyOf is the reply to a message of thread t.
func replyOf(t lorebase.Thread, ex conversation.Exchange) *messageReply {
	userMsg, assistantMsg := ex.UserMessage, ex.AssistantMessage
	userMsg.Sources = []lorebase.Source{}
	if assistantMsg.Sources == nil {
		assistantMsg.Sources = []lorebase.Source{}
	}
	out := &messageReply{UserMessage: userMsg, AssistantMessage: assistantMsg, ExpiresAt: ex.ExpiresAt}
	if t.Kind == lorebase.ThreadSession {
		out.SessionID = t.ID
	} else {
		out.ConversationID = t.ID
		out.ExpiresAt = nil
	}
	return out
}

// upstreamStatus maps a model failure to the status and detail clients see.
func upstreamStatus(err error) (int, string) {
	for _, m := range statusOf {
		if errors.Is(err, m.kind) {
			return m.status, m.detail + " - your message was saved; please try again"
		}
	}
	return http.StatusInternalServerError, "Internal server error"
}

// replay answers a retried request with the first reply.
func replay(w http.ResponseWriter, data *messageReply, stream bool) error {
	w.Header().Set("Idempotent-Replayed", "true")
	if stream {
		sse := newSSE(w)
		_ = sse.send(map[string]any{"type": "token", "text": data.AssistantMessage.Content})
		return sse.send(map[string]any{"type": "done", "data": data})
	}
	writeData(w, http.StatusOK, data)
	return nil
}

// sseWriter writes server-sent events, flushing each.
type sseWriter struct {
	w http.ResponseWriter
	f http.Flusher
}

func newSSE(w http.ResponseWriter) *sseWriter {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	f, _ := w.(http.Flusher)
	s := &sseWriter{w: w, f: f}
	s.flush()
	return s
}

func (s *sseWriter) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(s.w, "data: %s\n\n", b); err != nil {
		return err
	}
	s.flush()
	return nil
}

func (s *sseWriter) flush() {
	if s.f != nil {
		s.f.Flush()
	}
}
