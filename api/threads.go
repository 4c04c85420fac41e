package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/answer"
)

// Threads stores sessions, conversations and messages.
type Threads interface {
	Create(ctx context.Context, t lorebase.Thread) (lorebase.Thread, error)
	Get(ctx context.Context, orgID string, kind lorebase.ThreadKind, id string) (lorebase.Thread, error)
	List(ctx context.Context, orgID string, kind lorebase.ThreadKind, customerID, assistantID string, page lorebase.Page) ([]lorebase.Thread, int, error)
	AddMessage(ctx context.Context, t lorebase.Thread, m lorebase.Message, extend time.Duration) (lorebase.Message, *time.Time, error)
	Messages(ctx context.Context, threadID string, page lorebase.Page) ([]lorebase.Message, int, error)
	Recent(ctx context.Context, threadID string, n int) ([]lorebase.Message, error)
	MergeMetadata(ctx context.Context, orgID string, kind lorebase.ThreadKind, id string, patch map[string]json.RawMessage, maxBytes int) (lorebase.Thread, error)
	MessageWithThread(ctx context.Context, orgID, id string) (lorebase.Message, lorebase.Thread, error)
}

// Contexts stores user contexts.
type Contexts interface {
	Upsert(ctx context.Context, orgID, ref string, traits json.RawMessage) (lorebase.UserContext, bool, error)
	Get(ctx context.Context, orgID, idOrRef string) (lorebase.UserContext, error)
	Merge(ctx context.Context, orgID, idOrRef string, traits json.RawMessage) (lorebase.UserContext, error)
	Delete(ctx context.Context, orgID, idOrRef string) (string, error)
	List(ctx context.Context, orgID string, page lorebase.Page) ([]lorebase.UserContext, int, error)
}

// Answerer answers a message.
type Answerer interface {
	Answer(ctx context.Context, req answer.Request, onToken func(string) error) (answer.Reply, error)
}

// Gaps records and lists unanswered questions.
type Gaps interface {
	Record(ctx context.Context, orgID string, g lorebase.KnowledgeGap) error
	List(ctx context.Context, orgID string, page lorebase.Page) ([]lorebase.KnowledgeGap, int, error)
}

type sessionInput struct {
	AssistantID *string         `json:"assistant_id"`
	VisitorID   *string         `json:"visitor_id"`
	Locale      *string         `json:"locale"`
	Metadata    json.RawMessage `json:"metadata" doc:"free-form object; metadata.user_reference names a user context (API keys only)"`
}

type conversationInput struct {
	AssistantID   *string         `json:"assistant_id"`
	CustomerID    *string         `json:"customer_id"`
	Title         *string         `json:"title"`
	Locale        *string         `json:"locale"`
	UserContextID *string         `json:"user_context_id" doc:"a user context's id or its user_reference"`
	Metadata      json.RawMessage `json:"metadata"`
}

// sessionView and conversationView are the thread as each API shows it.
type sessionView struct {
	ID           string          `json:"id"`
	SessionID    string          `json:"session_id" doc:"the same as id, for widgets that read session_id"`
	AssistantID  string          `json:"assistant_id"`
	VisitorID    string          `json:"visitor_id"`
	Locale       string          `json:"locale"`
	Metadata     json.RawMessage `json:"metadata"`
	ExpiresAt    *time.Time      `json:"expires_at"`
	MessageCount int             `json:"message_count"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
}

type conversationView struct {
	ID            string          `json:"id"`
	AssistantID   string          `json:"assistant_id"`
	CustomerID    string          `json:"customer_id"`
	Title         string          `json:"title"`
	Locale        string          `json:"locale"`
	UserContextID string          `json:"user_context_id"`
	Metadata      json.RawMessage `json:"metadata"`
	MessageCount  int             `json:"message_count"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
}

func viewOf(t lorebase.Thread) any {
	if t.Kind == lorebase.ThreadSession {
		return sessionView{ID: t.ID, SessionID: t.ID, AssistantID: t.AssistantID, VisitorID: t.VisitorID, Locale: t.Locale, Metadata: t.Metadata,
			ExpiresAt: t.ExpiresAt, MessageCount: t.MessageCount, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	}
	return conversationView{ID: t.ID, AssistantID: t.AssistantID, CustomerID: t.CustomerID, Title: t.Title, Locale: t.Locale,
		UserContextID: t.UserContextRef, Metadata: t.Metadata, MessageCount: t.MessageCount, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

// checkMetadata accepts an absent or object metadata of bounded size.
func checkMetadata(ve *lorebase.ValidationError, raw json.RawMessage) json.RawMessage {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return json.RawMessage("{}")
	}
	if !strings.HasPrefix(s, "{") {
		ve.Add("metadata", "must be an object")
	} else if len(s) > 16<<10 {
		ve.Add("metadata", "must be at most 16 KiB")
	}
	return raw
}

func optionalText(ve *lorebase.ValidationError, field string, v *string, max int) string {
	if v == nil {
		return ""
	}
	s := strings.TrimSpace(*v)
	if utf8.RuneCountInString(s) > max {
		ve.Add(field, "is too long (at most "+itoa(max)+" characters)")
	}
	return s
}

// activeAssistant checks the assistant exists in the organization and is active.
func (s *Server) activeAssistant(ctx context.Context, orgID string, id *string, ve *lorebase.ValidationError) lorebase.Assistant {
	if id == nil || *id == "" {
		ve.Add("assistant_id", "is required")
		return lorebase.Assistant{}
	}
	a, err := s.deps.Assistants.Get(ctx, orgID, *id)
	switch {
	case err != nil:
		ve.Add("assistant_id", "does not name an assistant of this organization")
	case !a.IsActive:
		ve.Add("assistant_id", "names an inactive assistant")
	}
	return a
}

func (s *Server) createSession(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	var in sessionInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ve := &lorebase.ValidationError{}
	a := s.activeAssistant(r.Context(), p.orgID, in.AssistantID, ve)
	t := lorebase.Thread{OrganizationID: p.orgID, Kind: lorebase.ThreadSession, AssistantID: a.ID,
		VisitorID: optionalText(ve, "visitor_id", in.VisitorID, 200), Locale: optionalText(ve, "locale", in.Locale, 20),
		Metadata: checkMetadata(ve, in.Metadata)}
	if err := ve.Err(); err != nil {
		return err
	}
	if p.widget {
		t.WidgetClientID, t.WidgetSubject = p.clientID, p.subject
		if err := s.limitSessions(w, r, p); err != nil {
			return err
		}
	}
	exp := time.Now().Add(s.cfg.SessionLifetime)
	t.ExpiresAt = &exp
	created, err := s.deps.Threads.Create(r.Context(), t)
	if err != nil {
		return err
	}
	writeData(w, http.StatusCreated, viewOf(created))
	return nil
}

func (s *Server) createConversation(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	var in conversationInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ve := &lorebase.ValidationError{}
	a := s.activeAssistant(r.Context(), p.orgID, in.AssistantID, ve)
	t := lorebase.Thread{OrganizationID: p.orgID, Kind: lorebase.ThreadConversation, AssistantID: a.ID,
		CustomerID: optionalText(ve, "customer_id", in.CustomerID, 200), Title: optionalText(ve, "title", in.Title, 300),
		Locale: optionalText(ve, "locale", in.Locale, 20), UserContextRef: optionalText(ve, "user_context_id", in.UserContextID, 200),
		Metadata: checkMetadata(ve, in.Metadata)}
	if err := ve.Err(); err != nil {
		return err
	}
	created, err := s.deps.Threads.Create(r.Context(), t)
	if err != nil {
		return err
	}
	writeData(w, http.StatusCreated, viewOf(created))
	return nil
}

// thread loads a thread the caller may use: of its organization and kind; for a widget token,
// one it opened; for a session, not expired.
func (s *Server) thread(r *http.Request, kind lorebase.ThreadKind) (lorebase.Thread, error) {
	p := principalFrom(r.Context())
	t, err := s.deps.Threads.Get(r.Context(), p.orgID, kind, r.PathValue("id"))
	if err != nil {
		return t, err
	}
	if p.widget && (t.WidgetClientID != p.clientID || t.WidgetSubject != p.subject) {
		return t, lorebase.ErrNotFound // a widget token cannot even learn that another visitor's session exists
	}
	if t.ExpiresAt != nil && time.Now().After(*t.ExpiresAt) {
		return t, lorebase.Errorf(lorebase.ErrGone, "Session expired - open a new session")
	}
	return t, nil
}

func (s *Server) getThread(kind lorebase.ThreadKind) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		t, err := s.thread(r, kind)
		if err != nil {
			return err
		}
		writeData(w, http.StatusOK, viewOf(t))
		return nil
	}
}

func (s *Server) listConversations(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, total, err := s.deps.Threads.List(r.Context(), p.orgID, lorebase.ThreadConversation, r.URL.Query().Get("customer_id"), r.URL.Query().Get("assistant_id"), page)
	if err != nil {
		return err
	}
	views := make([]conversationView, 0, len(items))
	for _, t := range items {
		views = append(views, viewOf(t).(conversationView))
	}
	writeData(w, http.StatusOK, listData[conversationView]{Items: views, Total: total, Page: page.Page, PageSize: page.PageSize})
	return nil
}

func (s *Server) listMessages(kind lorebase.ThreadKind) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		t, err := s.thread(r, kind)
		if err != nil {
			return err
		}
		page, err := pageParams(r)
		if err != nil {
			return err
		}
		items, total, err := s.deps.Threads.Messages(r.Context(), t.ID, page)
		if err != nil {
			return err
		}
		items = nonNil(items)
		writeData(w, http.StatusOK, messagePage{listData: listData[lorebase.Message]{Items: items, Total: total, Page: page.Page, PageSize: page.PageSize},
			Messages: items})
		return nil
	}
}

// messagePage is a page of a thread's messages: the list shape, plus the same array as
// messages, which widgets read.
type messagePage struct {
	listData[lorebase.Message]
	Messages []lorebase.Message `json:"messages" doc:"the same messages as items"`
}
