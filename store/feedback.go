package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lorebase/lorebase"
)

// Feedback stores session ratings and message thumbs. A negative thumb on an answer that was
// not grounded also becomes a knowledge gap, in the same transaction, so the knowledge manager
// sees it where unanswered questions are listed.
type Feedback struct{ pool *pgxpool.Pool }

// NewFeedback returns the store.
func NewFeedback(pool *pgxpool.Pool) *Feedback { return &Feedback{pool: pool} }

const feedbackColumns = `f.id, f.kind, f.rating, f.feedback_type, f.comment, f.assistant_id, f.thread_id, t.kind, f.message_id,
    f.author_kind, f.author_client_id, f.author_visitor, f.created_at, f.updated_at`

func feedbackTargets(f *lorebase.Feedback) []any {
	return []any{&f.ID, &f.Type, &f.Rating, &f.FeedbackType, &f.Comment, &f.AssistantID, &f.ThreadID, &f.ThreadKind, &f.MessageID,
		&f.AuthorKind, &f.AuthorClientID, &f.AuthorVisitor, &f.CreatedAt, &f.UpdatedAt}
}

// The upserts replace an earlier feedback on the same session or message; xmax = 0 tells a
// fresh row from a replaced one.
const upsertSessionFeedback = `WITH f AS (
    INSERT INTO feedback AS f (id, organization_id, kind, thread_id, assistant_id, rating, comment, author_kind, author_client_id, author_visitor)
    VALUES ($1, $2, 'session', $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (thread_id) WHERE kind = 'session' DO UPDATE SET rating = EXCLUDED.rating, comment = EXCLUDED.comment,
        author_kind = EXCLUDED.author_kind, author_client_id = EXCLUDED.author_client_id, author_visitor = EXCLUDED.author_visitor,
        updated_at = now()
    RETURNING f.*, (xmax = 0) AS inserted
)
SELECT ` + feedbackColumns + `, f.inserted FROM f JOIN threads t ON t.id = f.thread_id`

const upsertMessageFeedback = `WITH f AS (
    INSERT INTO feedback AS f (id, organization_id, kind, thread_id, message_id, assistant_id, feedback_type, comment, author_kind, author_client_id, author_visitor)
    VALUES ($1, $2, 'message', $3, $4, $5, $6, $7, $8, $9, $10)
    ON CONFLICT (message_id) WHERE kind = 'message' DO UPDATE SET feedback_type = EXCLUDED.feedback_type, comment = EXCLUDED.comment,
        author_kind = EXCLUDED.author_kind, author_client_id = EXCLUDED.author_client_id, author_visitor = EXCLUDED.author_visitor,
        updated_at = now()
    RETURNING f.*, (xmax = 0) AS inserted
)
SELECT ` + feedbackColumns + `, f.inserted FROM f JOIN threads t ON t.id = f.thread_id`

// RateSession stores (or replaces) a session's rating. It reports whether the feedback is new.
func (s *Feedback) RateSession(ctx context.Context, fb lorebase.Feedback) (lorebase.Feedback, bool, error) {
	var out lorebase.Feedback
	var inserted bool
	err := s.pool.QueryRow(ctx, upsertSessionFeedback, uuid.NewString(), fb.OrganizationID, fb.ThreadID, fb.AssistantID, fb.Rating,
		fb.Comment, fb.AuthorKind, fb.AuthorClientID, fb.AuthorVisitor).Scan(append(feedbackTargets(&out), &inserted)...)
	return out, inserted, Translate(err)
}

// A negative thumb on an ungrounded answer is a gap: the question is the engine's standalone
// question when it recorded one, else the visitor's message before the answer.
const upsertFeedbackGap = `INSERT INTO knowledge_gaps (id, organization_id, assistant_id, thread_id, question, language, best_score, reason, message_id, comment)
SELECT gen_random_uuid(), m.organization_id, t.assistant_id, t.id,
    COALESCE(NULLIF(m.metadata->>'query', ''), (SELECT u.content FROM messages u WHERE u.thread_id = m.thread_id AND u.sender = 'user'
        AND u.created_at < m.created_at ORDER BY u.created_at DESC, u.id DESC LIMIT 1), ''),
    COALESCE(m.metadata->>'language', ''),
    CASE WHEN jsonb_typeof(m.metadata->'confidence') = 'number' THEN (m.metadata->>'confidence')::double precision ELSE 0 END,
    'negative_feedback', m.id, $3
FROM messages m JOIN threads t ON t.id = m.thread_id
WHERE m.organization_id = $1 AND m.id = $2
    AND CASE WHEN jsonb_typeof(m.metadata->'grounded') = 'boolean' THEN NOT (m.metadata->'grounded')::boolean ELSE true END
ON CONFLICT (message_id) WHERE reason = 'negative_feedback' DO UPDATE SET comment = EXCLUDED.comment, created_at = now()`

// RateMessage stores (or replaces) the thumb on an assistant message and keeps the knowledge
// gap it raises in step: a negative thumb on an ungrounded answer adds one, a positive removes it.
func (s *Feedback) RateMessage(ctx context.Context, fb lorebase.Feedback) (lorebase.Feedback, bool, error) {
	var out lorebase.Feedback
	var inserted bool
	if fb.MessageID == nil || fb.FeedbackType == nil {
		return out, false, errors.New("message feedback needs a message and a feedback type")
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, upsertMessageFeedback, uuid.NewString(), fb.OrganizationID, fb.ThreadID, *fb.MessageID, fb.AssistantID,
			*fb.FeedbackType, fb.Comment, fb.AuthorKind, fb.AuthorClientID, fb.AuthorVisitor).Scan(append(feedbackTargets(&out), &inserted)...)
		if err != nil {
			return Translate(err)
		}
		if *fb.FeedbackType == lorebase.FeedbackNegative {
			_, err = tx.Exec(ctx, upsertFeedbackGap, fb.OrganizationID, *fb.MessageID, fb.Comment)
		} else {
			_, err = tx.Exec(ctx, `DELETE FROM knowledge_gaps WHERE organization_id = $1 AND message_id = $2 AND reason = 'negative_feedback'`,
				fb.OrganizationID, *fb.MessageID)
		}
		return Translate(err)
	})
	return out, inserted, err
}

// SessionFeedback returns a thread's session rating; not found when none was given.
func (s *Feedback) SessionFeedback(ctx context.Context, orgID, threadID string) (lorebase.Feedback, error) {
	var out lorebase.Feedback
	err := s.pool.QueryRow(ctx, `SELECT `+feedbackColumns+` FROM feedback f JOIN threads t ON t.id = f.thread_id
WHERE f.organization_id = $1 AND f.thread_id = $2 AND f.kind = 'session'`, orgID, threadID).Scan(feedbackTargets(&out)...)
	return out, Translate(err)
}

// listFeedback joins each thumb to its answer (content, sources, grounding) and to the
// visitor's question just before it.
const listFeedback = `SELECT ` + feedbackColumns + `, m.content, m.sources, (m.metadata->'grounded'), q.content, count(*) OVER ()
FROM feedback f
JOIN threads t ON t.id = f.thread_id
LEFT JOIN messages m ON m.id = f.message_id
LEFT JOIN LATERAL (
    SELECT u.content FROM messages u WHERE u.thread_id = m.thread_id AND u.sender = 'user' AND u.created_at < m.created_at
    ORDER BY u.created_at DESC, u.id DESC LIMIT 1
) q ON true
WHERE f.organization_id = $1 AND ($2 = '' OR f.assistant_id::text = $2) AND ($3 = '' OR f.kind = $3)
    AND ($4 = '' OR f.feedback_type = $4) AND ($5::timestamptz IS NULL OR f.updated_at >= $5)
    AND ($6::timestamptz IS NULL OR f.updated_at < $6)
ORDER BY f.updated_at DESC, f.id LIMIT $7 OFFSET $8`

// List returns one page of the organization's feedback, newest first.
func (s *Feedback) List(ctx context.Context, orgID string, filter lorebase.FeedbackFilter, page lorebase.Page) ([]lorebase.Feedback, int, error) {
	var from, to *time.Time = filter.From, filter.To
	rows, err := s.pool.Query(ctx, listFeedback, orgID, filter.AssistantID, filter.Type, filter.FeedbackType, from, to, page.PageSize, page.Offset())
	if err != nil {
		return nil, 0, Translate(err)
	}
	total := 0
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (lorebase.Feedback, error) {
		var f lorebase.Feedback
		var sources, grounded []byte
		err := r.Scan(append(feedbackTargets(&f), &f.Answer, &sources, &grounded, &f.Question, &total)...)
		f.Sources = []lorebase.Source{}
		if len(sources) > 0 {
			_ = json.Unmarshal(sources, &f.Sources)
		}
		var g bool
		if json.Unmarshal(grounded, &g) == nil && len(grounded) > 0 {
			f.Grounded = &g
		}
		return f, err
	})
	if err == nil && len(items) == 0 && page.Offset() > 0 {
		err = s.pool.QueryRow(ctx, `SELECT count(*) FROM feedback f WHERE f.organization_id = $1 AND ($2 = '' OR f.assistant_id::text = $2)
    AND ($3 = '' OR f.kind = $3) AND ($4 = '' OR f.feedback_type = $4) AND ($5::timestamptz IS NULL OR f.updated_at >= $5)
    AND ($6::timestamptz IS NULL OR f.updated_at < $6)`, orgID, filter.AssistantID, filter.Type, filter.FeedbackType, from, to).Scan(&total)
	}
	return items, total, Translate(err)
}
