package store

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lorebase/lorebase"
)

// Assistants stores assistants; every call is scoped to one organization.
type Assistants struct{ pool *pgxpool.Pool }

// NewAssistants returns the assistant store.
func NewAssistants(pool *pgxpool.Pool) *Assistants { return &Assistants{pool: pool} }

const assistantColumns = `id, organization_id, name, description, tone, language, default_tasks, is_active, created_at, updated_at`

func scanAssistant(r pgx.Row) (lorebase.Assistant, error) {
	var a lorebase.Assistant
	err := r.Scan(&a.ID, &a.OrganizationID, &a.Name, &a.Description, &a.Tone, &a.Language, &a.DefaultTasks, &a.IsActive, &a.CreatedAt, &a.UpdatedAt)
	return a, Translate(err)
}

const insertAssistant = `INSERT INTO assistants (id, organization_id, name, description, tone, language, default_tasks, is_active)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ` + assistantColumns

// Create stores a new assistant.
func (s *Assistants) Create(ctx context.Context, a lorebase.Assistant) (lorebase.Assistant, error) {
	if err := a.Validate(); err != nil {
		return lorebase.Assistant{}, err
	}
	if a.DefaultTasks == nil {
		a.DefaultTasks = []string{}
	}
	return scanAssistant(s.pool.QueryRow(ctx, insertAssistant, uuid.NewString(), a.OrganizationID, a.Name, a.Description, a.Tone, a.Language, a.DefaultTasks, a.IsActive))
}

const selectAssistant = `SELECT ` + assistantColumns + ` FROM assistants WHERE organization_id = $1 AND id = $2`

// Get finds an assistant of the organization; another organization's id is not found.
func (s *Assistants) Get(ctx context.Context, orgID, id string) (lorebase.Assistant, error) {
	if !IsUUID(id) {
		return lorebase.Assistant{}, lorebase.ErrNotFound
	}
	return scanAssistant(s.pool.QueryRow(ctx, selectAssistant, orgID, id))
}

const listAssistants = `SELECT ` + assistantColumns + `, count(*) OVER () FROM assistants WHERE organization_id = $1
ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`

// List returns one page of the organization's assistants, newest first, and the total.
func (s *Assistants) List(ctx context.Context, orgID string, page lorebase.Page) ([]lorebase.Assistant, int, error) {
	rows, err := s.pool.Query(ctx, listAssistants, orgID, page.PageSize, page.Offset())
	if err != nil {
		return nil, 0, Translate(err)
	}
	total := 0
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (lorebase.Assistant, error) {
		var a lorebase.Assistant
		err := r.Scan(&a.ID, &a.OrganizationID, &a.Name, &a.Description, &a.Tone, &a.Language, &a.DefaultTasks, &a.IsActive, &a.CreatedAt, &a.UpdatedAt, &total)
		return a, err
	})
	if err != nil {
		return nil, 0, Translate(err)
	}
	if len(items) == 0 && page.Offset() > 0 {
		total, err = s.count(ctx, orgID)
	}
	return items, total, err
}

func (s *Assistants) count(ctx context.Context, orgID string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM assistants WHERE organization_id = $1`, orgID).Scan(&n)
	return n, Translate(err)
}

const updateAssistant = `UPDATE assistants SET
    name = coalesce($3, name),
    description = coalesce($4, description),
    tone = coalesce($5, tone),
    language = coalesce($6, language),
    default_tasks = coalesce($7, default_tasks),
    is_active = coalesce($8, is_active),
    updated_at = now()
WHERE organization_id = $1 AND id = $2
RETURNING ` + assistantColumns

// Update applies a patch.
func (s *Assistants) Update(ctx context.Context, orgID, id string, p lorebase.AssistantPatch) (lorebase.Assistant, error) {
	if !IsUUID(id) {
		return lorebase.Assistant{}, lorebase.ErrNotFound
	}
	var tasks any
	if p.DefaultTasks != nil {
		tasks = *p.DefaultTasks
	}
	return scanAssistant(s.pool.QueryRow(ctx, updateAssistant, orgID, id, p.Name, p.Description, p.Tone, p.Language, tasks, p.IsActive))
}

const deleteAssistant = `DELETE FROM assistants WHERE organization_id = $1 AND id = $2`

// Delete removes an assistant and its sessions and conversations.
func (s *Assistants) Delete(ctx context.Context, orgID, id string) error {
	if !IsUUID(id) {
		return lorebase.ErrNotFound
	}
	tag, err := s.pool.Exec(ctx, deleteAssistant, orgID, id)
	if err != nil {
		return Translate(err)
	}
	if tag.RowsAffected() == 0 {
		return lorebase.ErrNotFound
	}
	return nil
}

// IsUUID reports whether s is a UUID; ids that are not cannot exist, so callers answer 404
// without a query.
func IsUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}
