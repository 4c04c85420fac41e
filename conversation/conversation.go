// Package conversation runs one turn of a conversation below any door (HTTP, CLI, eval,
// tests): read the recent history, save the user's message, answer it with the thread's
// assistant and the customer's traits, save the reply, and record a knowledge gap when the
// answer abstained. The user's message is saved before the answer is attempted, so a failed
// answer loses nothing and a retry or a human can pick it up.
//
// A turn has two steps, Begin and Finish, so that a streaming caller can open its stream
// between them: failures before the answer (an expired session, a missing assistant) are
// still plain errors.
package conversation

import (
	"cmp"
	"context"
	"encoding/json"
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
	logger     *slog.Logger
	cfg        Config
}

// New wires the service.
func New(threads Threads, assistants Assistants, contexts Contexts, answerer Answerer, gaps Gaps, cfg Config, logger *slog.Logger) *Service {
	cfg.HistoryTurns = cmp.Or(cfg.HistoryTurns, HistoryTurnsDefault)
	return &Service{threads: threads, assistants: assistants, contexts: contexts, answerer: answerer, gaps: gaps, cfg: cfg, logger: logger}
}

// Turn is a user's message saved and ready to be answered.
type Turn struct {
	Thread      lorebase.Thread
	UserMessage lorebase.Message
	ExpiresAt   *time.Time // the session's new expiry, if the message extended it
	request     answer.Request
	extend      time.Duration
}

// Exchange is a finished turn: both messages and the answer that produced the reply.
type Exchange struct {
	UserMessage      lorebase.Message
	AssistantMessage lorebase.Message
	ExpiresAt        *time.Time
	Reply            answer.Reply
}

// Begin reads the history (before this message), saves the user's message and prepares the
// answer request.
func (s *Service) Begin(ctx context.Context, t lorebase.Thread, content string, meta json.RawMessage) (*Turn, error) {
	msg := lorebase.Message{Sender: lorebase.SenderUser, Content: content, Metadata: meta}
	if err := msg.Validate(); err != nil {
		return nil, err
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
	return &Turn{Thread: t, UserMessage: userMsg, ExpiresAt: expires, request: req, extend: extend}, nil
}

// Finish answers the turn (onToken, when set, receives the answer as it is produced), saves
// the reply even if ctx ends after the answer, and records a knowledge gap when the answer
// abstained. An error means the question was not answered; the user's message stays saved.
func (s *Service) Finish(ctx context.Context, turn *Turn, onToken func(string) error) (Exchange, error) {
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
