package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lorebase/lorebase"
)

// Threads stores sessions, conversations and their messages.
type Threads struct{ pool *pgxpool.Pool }

// NewThreads returns the thread store.
func NewThreads(pool *pgxpool.Pool) *Threads { return &Threads{pool: pool} }

const threadColumns = `id, organization_id, kind, assistant_id, visitor_id, customer_id, title, locale, user_context_ref,
    metadata, widget_client_id, widget_subject, expires_at, message_count, created_at, updated_at`

func scanThread(r pgx.Row, extra ...any) (lorebase.Thread, error) {
	var t lorebase.Thread
	var meta []byte
	err := r.Scan(append([]any{&t.ID, &t.OrganizationID, &t.Kind, &t.AssistantID, &t.VisitorID, &t.CustomerID, &t.Title, &t.Locale,
		&t.UserContextRef, &meta, &t.WidgetClientID, &t.WidgetSubject, &t.ExpiresAt, &t.MessageCount, &t.CreatedAt, &t.UpdatedAt}, extra...)...)
	t.Metadata = meta
	return t, Translate(err)
}

const insertThread = `INSERT INTO threads (id, organization_id, kind, assistant_id, visitor_id, customer_id, title, locale,
    user_context_ref, metadata, widget_client_id, widget_subject, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING ` + threadColumns

// Create stores a new thread.
func (s *Threads) Create(ctx context.Context, t lorebase.Thread) (lorebase.Thread, error) {
	meta := t.Metadata
	if len(meta) == 0 {
		meta = json.RawMessage("{}")
	}
	return scanThread(s.pool.QueryRow(ctx, insertThread, uuid.NewString(), t.OrganizationID, t.Kind, t.AssistantID, t.VisitorID,
		t.CustomerID, t.Title, t.Locale, t.UserContextRef, []byte(meta), t.WidgetClientID, t.WidgetSubject, t.ExpiresAt))
}

const selectThread = `SELECT ` + threadColumns + ` FROM threads WHERE organization_id = $1 AND id = $2 AND kind = $3`

// Get finds a thread of the organization and kind.
func (s *Threads) Get(ctx context.Context, orgID string, kind lorebase.ThreadKind, id string) (lorebase.Thread, error) {
	if !IsUUID(id) {
		return lorebase.Thread{}, lorebase.ErrNotFound
	}
	return scanThread(s.pool.QueryRow(ctx, selectThread, orgID, id, kind))
}

const listThreads = `SELECT ` + threadColumns + `, count(*) OVER () FROM threads
WHERE organization_id = $1 AND kind = $2 AND ($3 = '' OR customer_id = $3) AND ($4 = '' OR assistant_id::text = $4)
ORDER BY created_at DESC, id LIMIT $5 OFFSET $6`

// List returns one page of threads, newest first, optionally for one customer or assistant.
func (s *Threads) List(ctx context.Context, orgID string, kind lorebase.ThreadKind, customerID, assistantID string, page lorebase.Page) ([]lorebase.Thread, int, error) {
	rows, err := s.pool.Query(ctx, listThreads, orgID, kind, customerID, assistantID, page.PageSize, page.Offset())
	if err != nil {
		return nil, 0, Translate(err)
	}
	total := 0
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (lorebase.Thread, error) { return scanThread(r, &total) })
	return items, total, err
}

const insertMessage = `WITH m AS (
    INSERT INTO messages (id, organization_id, thread_id, sender, content, sources, metadata)
    VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, content, sender, created_at, sources, metadata
), t AS (
    UPDATE threads SET message_count = message_count + 1, updated_at = now(),
        expires_at = CASE WHEN $8::interval IS NULL THEN expires_at ELSE now() + $8::interval END
    WHERE id = $3 RETURNING expires_at
)
SELECT m.id, m.content, m.sender, m.created_at, m.sources, m.metadata, t.expires_at FROM m, t`

// AddMessage appends a message; extend, when positive, moves the thread's expiry to now+extend
// (sessions live on while visitors talk).
func (s *Threads) AddMessage(ctx context.Context, t lorebase.Thread, m lorebase.Message, extend time.Duration) (lorebase.Message, *time.Time, error) {
	sources, _ := json.Marshal(nonNilSources(m.Sources))
	meta := m.Metadata
	if len(meta) == 0 {
		meta = json.RawMessage("{}")
	}
	var ext any
	if extend > 0 {
		ext = extend
	}
	var out lorebase.Message
	var src, md []byte
	var expires *time.Time
	err := s.pool.QueryRow(ctx, insertMessage, uuid.NewString(), t.OrganizationID, t.ID, m.Sender, m.Content, sources, []byte(meta), ext).
		Scan(&out.ID, &out.Content, &out.Sender, &out.CreatedAt, &src, &md, &expires)
	if err != nil {
		return out, nil, Translate(err)
	}
	_ = json.Unmarshal(src, &out.Sources)
	out.Metadata = md
	out.ThreadID = t.ID
	return out, expires, nil
}

func nonNilSources(s []lorebase.Source) []lorebase.Source {
	if s == nil {
		return []lorebase.Source{}
	}
	return s
}

const listMessages = `SELECT id, content, sender, created_at, sources, metadata, count(*) OVER () FROM messages
WHERE thread_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3`

// Messages returns one page of a thread's messages, oldest first.
func (s *Threads) Messages(ctx context.Context, threadID string, page lorebase.Page) ([]lorebase.Message, int, error) {
	rows, err := s.pool.Query(ctx, listMessages, threadID, page.PageSize, page.Offset())
	if err != nil {
		return nil, 0, Translate(err)
	}
	total := 0
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (lorebase.Message, error) {
		var m lorebase.Message
		var src, md []byte
		err := r.Scan(&m.ID, &m.Content, &m.Sender, &m.CreatedAt, &src, &md, &total)
		_ = json.Unmarshal(src, &m.Sources)
		m.Sources = nonNilSources(m.Sources)
		m.Metadata = md
		return m, err
	})
	if err == nil && len(items) == 0 && page.Offset() > 0 {
		err = s.pool.QueryRow(ctx, `SELECT count(*) FROM messages WHERE thread_id = $1`, threadID).Scan(&total)
	}
	return items, total, Translate(err)
}

const recentMessages = `SELECT sender, content FROM (
    SELECT sender, content, created_at, id FROM messages WHERE thread_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2
) m ORDER BY created_at, id`

// Recent returns the last n messages, oldest first, for the prompt's history.
func (s *Threads) Recent(ctx context.Context, threadID string, n int) ([]lorebase.Message, error) {
	rows, err := s.pool.Query(ctx, recentMessages, threadID, n)
	if err != nil {
		return nil, Translate(err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (lorebase.Message, error) {
		var m lorebase.Message
		err := r.Scan(&m.Sender, &m.Content)
		return m, err
	})
}
