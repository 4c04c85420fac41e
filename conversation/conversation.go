// Package conversation runs one turn of a conversation below any door (HTTP, CLI, eval,
// tests): read the recent history, save the user's message, answer it with the thread's
// assistant and the customer's traits, save the reply, and record a knowledge gap when the
// answer abstained. The user's message is saved before the answer is attempted, so a failed
// answer loses nothing and a retry or a human can pick it up.
//
// A turn has two steps, Begin and Finish, so that a streaming caller can open its stream
// between them: failures before the answer (an expired session, a missing assistant) are
// still plain errors.
//
// A message sent with an idempotency key is answered once: a retry of the same message with
// the same key gets the first exchange back (Turn.Replay) instead of a second answer, a retry
// while the first is still being answered is a conflict, and a key reused for another message
// is refused. A turn that fails forgets its key, so the retry runs again.
package conversation

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/answer"
)

// Threads stores threads' messages.
type Threads interface {
	Recent(ctx context.Context, threadID string, n int) ([]lorebase.Message, error)
	AddMessage(ctx context.Context, t lorebase.Thread, m lorebase.Message, extend time.Duration) (lorebase.Message, *time.Time, error)
}

// Assistants reads assistants.
type Assistants interface {
	Get(ctx context.Context, orgID, id string) (lorebase.Assistant, error)
}

// Contexts reads user contexts, whose traits personalise answers.
type Contexts interface {
	Get(ctx context.Context, orgID, idOrRef string) (lorebase.UserContext, error)
}

// Answerer answers a question in its conversation (answer.Engine).
type Answerer interface {
	Answer(ctx context.Context, req answer.Request, onToken func(string) error) (answer.Reply, error)
}

// Gaps records questions the knowledge did not cover.
type Gaps interface {
	Record(ctx context.Context, orgID string, g lorebase.KnowledgeGap) error
}

// Idempotency remembers the exchange of a message sent with an idempotency key
// (store.Idempotency). Claim returns the status and body stored by Complete (status 0: first
// use, go ahead), an error of kind ErrConflict while the first request still runs, or of kind
// ErrInvalid when the key came with another request.
type Idempotency interface {
	Claim(ctx context.Context, orgID, key, requestHash string) (int, json.RawMessage, error)
	Complete(ctx context.Context, orgID, key string, status int, response any) error
	Release(ctx context.Context, orgID, key string) error
}

// completed is the status an answered key is stored with: HTTP's 200, which is what the
// records written before this service held.
const completed = 200

// HistoryTurnsDefault is how many earlier messages reach the answer engine.
const HistoryTurnsDefault = 12

// Config tunes the service; zero values take the defaults.
type Config struct {
	HistoryTurns    int           // earlier messages given to the answer engine; default HistoryTurnsDefault
	SessionLifetime time.Duration // how far a message extends a widget session; 0: the store's default
}

// Service runs conversation turns.
type Service struct {
	threads    Threads
	assistants Assistants
	contexts   Contexts
	answerer   Answerer
	gaps       Gaps
	keys       Idempotency
	logger     *slog.Logger
	cfg        Config
}

// New wires the service.
func New(threads Threads, assistants Assistants, contexts Contexts, answerer Answerer, gaps Gaps, keys Idempotency, cfg Config, logger *slog.Logger) *Service {
	cfg.HistoryTurns = cmp.Or(cfg.HistoryTurns, HistoryTurnsDefault)
	return &Service{threads: threads, assistants: assistants, contexts: contexts, answerer: answerer, gaps: gaps, keys: keys, cfg: cfg, logger: logger}
}

// Turn is a user's message saved and ready to be answered, or, when Replay is set, a message
// answered before under the same idempotency key: the caller returns Replay and does not call
// Finish.
type Turn struct {
	Thread      lorebase.Thread
	UserMessage lorebase.Message
	ExpiresAt   *time.Time // the session's new expiry, if the message extended it
	Replay      *Exchange
	request     answer.Request
	extend      time.Duration
	key         string // the idempotency key as stored; empty: none
}

// Exchange is a finished turn: both messages and the answer that produced the reply. A
// replayed exchange has no Reply. The JSON form is what an idempotency key remembers.
type Exchange struct {
	UserMessage      lorebase.Message `json:"user_message"`
	AssistantMessage lorebase.Message `json:"assistant_message"`
	ExpiresAt        *time.Time       `json:"expires_at"`
	Reply            answer.Reply     `json:"-"`
}

// Begin reads the history (before this message), saves the user's message and prepares the
// answer request. With an idempotency key (empty: none) it first claims the key, or returns
// the exchange the key already answered as the turn's Replay.
func (s *Service) Begin(ctx context.Context, t lorebase.Thread, content string, meta json.RawMessage, key string) (turn *Turn, err error) {
	msg := lorebase.Message{Sender: lorebase.SenderUser, Content: content, Metadata: meta}
	if err := msg.Validate(); err != nil {
		return nil, err
	}
	if key != "" {
		key = scoped(t, key)
		replay, cerr := s.claim(ctx, t, key, content, meta)
		if cerr != nil {
			return nil, cerr
		}
		if replay != nil {
			return &Turn{Thread: t, Replay: replay}, nil
		}
		defer func() {
			if err != nil {
				s.release(ctx, t, key)
			}
		}()
	}
	history, err := s.threads.Recent(ctx, t.ID, s.cfg.HistoryTurns)
	if err != nil {
		return nil, err
	}
	extend := time.Duration(0)
	if t.Kind == lorebase.ThreadSession {
		extend = s.cfg.SessionLifetime
	}
	userMsg, expires, err := s.threads.AddMessage(ctx, t, msg, extend)
	if err != nil {
		return nil, err
	}
	assistant, err := s.assistants.Get(ctx, t.OrganizationID, t.AssistantID)
	if err != nil {
		return nil, err
	}
	req := answer.Request{OrganizationID: t.OrganizationID, Assistant: assistant, Traits: s.traitsFor(ctx, t), History: history,
		Question: content, Locale: t.Locale}
	return &Turn{Thread: t, UserMessage: userMsg, ExpiresAt: expires, request: req, extend: extend, key: key}, nil
}

// scoped is the key as stored: scoped to the session or conversation it was sent in, so one
// visitor's key can never block, or replay to, another visitor of the same organization (only
// the thread's own callers can send to it).
func scoped(t lorebase.Thread, key string) string {
	return string(t.Kind) + ":" + t.ID + ":" + key
}

// claim records the key for this message, or returns the exchange it answered before.
func (s *Service) claim(ctx context.Context, t lorebase.Thread, key, content string, meta json.RawMessage) (*Exchange, error) {
	sum := sha256.Sum256([]byte(string(t.Kind) + "\x00" + t.ID + "\x00" + content + "\x00" + string(meta)))
	status, stored, err := s.keys.Claim(ctx, t.OrganizationID, key, hex.EncodeToString(sum[:]))
	switch {
	case errors.Is(err, lorebase.ErrConflict):
		return nil, lorebase.Errorf(lorebase.ErrConflict, "A request with this Idempotency-Key is still being answered - retry in a moment")
	case errors.Is(err, lorebase.ErrInvalid):
		return nil, lorebase.Errorf(lorebase.ErrInvalid, "This Idempotency-Key was used for a different request")
	case err != nil:
		return nil, err
	case status == 0:
		return nil, nil
	}
	var ex Exchange
	if err := json.Unmarshal(stored, &ex); err != nil {
		return nil, fmt.Errorf("stored idempotent reply: %w", err)
	}
	return &ex, nil
}

// release forgets the key of a turn that failed, so that a retry runs again.
func (s *Service) release(ctx context.Context, t lorebase.Thread, key string) {
	if err := s.keys.Release(context.WithoutCancel(ctx), t.OrganizationID, key); err != nil {
		s.logger.WarnContext(ctx, "idempotency key not released", slog.String("thread_id", t.ID), slog.String("error", err.Error()))
	}
}

// Finish answers the turn (onToken, when set, receives the answer as it is produced), saves
// the reply even if ctx ends after the answer, records a knowledge gap when the answer
// abstained, and remembers the exchange under the turn's idempotency key. An error means the
// question was not answered; the user's message stays saved and the key is forgotten.
func (s *Service) Finish(ctx context.Context, turn *Turn, onToken func(string) error) (Exchange, error) {
	ex, err := s.finish(ctx, turn, onToken)
	if turn.key == "" {
		return ex, err
	}
	if err != nil {
		s.release(ctx, turn.Thread, turn.key)
	} else if cerr := s.keys.Complete(context.WithoutCancel(ctx), turn.Thread.OrganizationID, turn.key, completed, ex); cerr != nil {
		s.logger.WarnContext(ctx, "idempotency record not saved", slog.String("thread_id", turn.Thread.ID), slog.String("error", cerr.Error()))
	}
	return ex, err
}

func (s *Service) finish(ctx context.Context, turn *Turn, onToken func(string) error) (Exchange, error) {
	rep, err := s.answerer.Answer(ctx, turn.request, onToken)
	if err != nil {
		return Exchange{}, err
	}
	meta := rep.Metadata()
	// Widgets flag answers the assistant is not sure of (API.md, "Reply metadata").
	meta["assistant_unsure"] = !rep.Grounded
	metaOut, _ := json.Marshal(meta)
	t := turn.Thread
	bg := context.WithoutCancel(ctx)
	assistantMsg, expires, err := s.threads.AddMessage(bg, t, lorebase.Message{Sender: lorebase.SenderAssistant, Content: rep.Content,
		Sources: rep.Sources, Metadata: metaOut}, turn.extend)
	if err != nil {
		return Exchange{}, err
	}
	if expires == nil {
		expires = turn.ExpiresAt
	}
	if rep.AnswerMode == answer.ModeAbstain {
		tid, aid := t.ID, t.AssistantID
		if gerr := s.gaps.Record(bg, t.OrganizationID, lorebase.KnowledgeGap{AssistantID: &aid, ThreadID: &tid, Question: rep.Query,
			Language: rep.Language, BestScore: rep.Confidence}); gerr != nil {
			s.logger.WarnContext(ctx, "knowledge gap not recorded", slog.String("thread_id", t.ID), slog.String("error", gerr.Error()))
		}
	}
	return Exchange{UserMessage: turn.UserMessage, AssistantMessage: assistantMsg, ExpiresAt: expires, Reply: rep}, nil
}

// traitsFor finds the user context whose traits personalise a thread's answers: named by
// user_context_id (id or reference) or by the customer id; for sessions opened with an API
// key, by metadata.user_reference or the visitor id. Widget sessions never get traits: a
// visitor could otherwise claim someone else's reference.
func (s *Service) traitsFor(ctx context.Context, t lorebase.Thread) json.RawMessage {
	var refs []string
	if t.Kind == lorebase.ThreadConversation {
		refs = append(refs, t.UserContextRef, t.CustomerID)
	} else if t.WidgetClientID == "" {
		var meta struct {
			UserReference string `json:"user_reference"`
		}
		_ = json.Unmarshal(t.Metadata, &meta)
		refs = append(refs, meta.UserReference, t.VisitorID)
	}
	for _, ref := range refs {
		if ref == "" {
			continue
		}
		if c, err := s.contexts.Get(ctx, t.OrganizationID, ref); err == nil {
			return c.Traits
		}
	}
	return nil
}
