package store

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lorebase/lorebase"
)

// Gaps stores questions the knowledge base could not answer.
type Gaps struct{ pool *pgxpool.Pool }

// NewGaps returns the store.
func NewGaps(pool *pgxpool.Pool) *Gaps { return &Gaps{pool: pool} }

// Record stores an unanswered question.
func (s *Gaps) Record(ctx context.Context, orgID string, g lorebase.KnowledgeGap) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO knowledge_gaps (id, organization_id, assistant_id, thread_id, question, language, best_score)
VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6)`, orgID, g.AssistantID, g.ThreadID, g.Question, g.Language, g.BestScore)
	return Translate(err)
}

// List returns one page of gaps, newest first.
func (s *Gaps) List(ctx context.Context, orgID string, page lorebase.Page) ([]lorebase.KnowledgeGap, int, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, assistant_id::text, thread_id::text, question, language, best_score, reason, message_id::text, comment, created_at, count(*) OVER ()
FROM knowledge_gaps WHERE organization_id = $1 ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`, orgID, page.PageSize, page.Offset())
	if err != nil {
		return nil, 0, Translate(err)
	}
	defer rows.Close()
	var out []lorebase.KnowledgeGap
	total := 0
	for rows.Next() {
		var g lorebase.KnowledgeGap
		if err := rows.Scan(&g.ID, &g.AssistantID, &g.ThreadID, &g.Question, &g.Language, &g.BestScore, &g.Reason, &g.MessageID, &g.Comment, &g.CreatedAt, &total); err != nil {
			return nil, 0, err
		}
		out = append(out, g)
	}
	return out, total, rows.Err()
}
