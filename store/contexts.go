package store

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lorebase/lorebase"
)

// Contexts stores user contexts: one per user reference per organization.
type Contexts struct{ pool *pgxpool.Pool }

// NewContexts returns the context store.
func NewContexts(pool *pgxpool.Pool) *Contexts { return &Contexts{pool: pool} }

const contextColumns = `id, user_reference, traits, created_at, updated_at`

func scanContext(r pgx.Row, extra ...any) (lorebase.UserContext, error) {
	var c lorebase.UserContext
	var traits []byte
	err := r.Scan(append([]any{&c.ID, &c.UserReference, &traits, &c.CreatedAt, &c.UpdatedAt}, extra...)...)
	c.Traits = traits
	return c, Translate(err)
}

const upsertContext = `INSERT INTO user_contexts (id, organization_id, user_reference, traits) VALUES ($1, $2, $3, $4)
ON CONFLICT (organization_id, user_reference) DO UPDATE SET traits = excluded.traits, updated_at = now()
RETURNING ` + contextColumns + `, (xmax = 0)`

// Upsert creates the context of a user reference or replaces its traits; created says which.
func (s *Contexts) Upsert(ctx context.Context, orgID, ref string, traits json.RawMessage) (lorebase.UserContext, bool, error) {
	var created bool
	c, err := scanContext(s.pool.QueryRow(ctx, upsertContext, uuid.NewString(), orgID, ref, []byte(traits)), &created)
	return c, created, err
}

const selectContext = `SELECT ` + contextColumns + ` FROM user_contexts
WHERE organization_id = $1 AND (user_reference = $2 OR ($3 AND id::text = $2))
ORDER BY (user_reference = $2) DESC LIMIT 1`

// Get finds a context by id or by user reference.
func (s *Contexts) Get(ctx context.Context, orgID, idOrRef string) (lorebase.UserContext, error) {
	if idOrRef == "" {
		return lorebase.UserContext{}, lorebase.ErrNotFound
	}
	return scanContext(s.pool.QueryRow(ctx, selectContext, orgID, idOrRef, IsUUID(idOrRef)))
}

const patchContext = `UPDATE user_contexts SET traits = traits || $3, updated_at = now()
WHERE organization_id = $1 AND id = $2 RETURNING ` + contextColumns

// Merge adds or replaces top-level traits, keeping the others.
func (s *Contexts) Merge(ctx context.Context, orgID, idOrRef string, traits json.RawMessage) (lorebase.UserContext, error) {
	c, err := s.Get(ctx, orgID, idOrRef)
	if err != nil {
		return c, err
	}
	return scanContext(s.pool.QueryRow(ctx, patchContext, orgID, c.ID, []byte(traits)))
}

// Delete removes a context by id or user reference.
func (s *Contexts) Delete(ctx context.Context, orgID, idOrRef string) (string, error) {
	c, err := s.Get(ctx, orgID, idOrRef)
	if err != nil {
		return "", err
	}
	_, err = s.pool.Exec(ctx, `DELETE FROM user_contexts WHERE organization_id = $1 AND id = $2`, orgID, c.ID)
	return c.ID, Translate(err)
}

const listContexts = `SELECT ` + contextColumns + `, count(*) OVER () FROM user_contexts WHERE organization_id = $1
ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`

// List returns one page of contexts, newest first.
func (s *Contexts) List(ctx context.Context, orgID string, page lorebase.Page) ([]lorebase.UserContext, int, error) {
	rows, err := s.pool.Query(ctx, listContexts, orgID, page.PageSize, page.Offset())
	if err != nil {
		return nil, 0, Translate(err)
	}
	total := 0
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (lorebase.UserContext, error) { return scanContext(r, &total) })
	return items, total, err
}
