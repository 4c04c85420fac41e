package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lorebase/lorebase"
)

// WidgetConfigs stores embedded-widget configurations; every call is scoped to one organization.
type WidgetConfigs struct{ pool *pgxpool.Pool }

// NewWidgetConfigs returns the store.
func NewWidgetConfigs(pool *pgxpool.Pool) *WidgetConfigs { return &WidgetConfigs{pool: pool} }

const widgetConfigColumns = `id, organization_id, assistant_id, name, settings, created_at, updated_at`

// scanWidgetConfig reads a row; settings start from the defaults, so a field added later reads
// as its default in rows stored before it existed.
func scanWidgetConfig(r pgx.Row, extra ...any) (lorebase.WidgetConfig, error) {
	c := lorebase.NewWidgetConfig()
	var id, org, assistant, name string
	var settings []byte
	if err := r.Scan(append([]any{&id, &org, &assistant, &name, &settings, &c.CreatedAt, &c.UpdatedAt}, extra...)...); err != nil {
		return c, Translate(err)
	}
	// Unmarshal merges into maps: start the text maps empty so stored ones replace the defaults.
	def := c
	c.Title, c.Subtitle, c.Placeholder, c.GreetingMessage.Text = nil, nil, nil, nil
	if err := json.Unmarshal(settings, &c); err != nil {
		return c, fmt.Errorf("widget config %s settings: %w", id, err)
	}
	for _, m := range []struct {
		dst *map[string]string
		def map[string]string
	}{
		{&c.Title, def.Title}, {&c.Subtitle, def.Subtitle}, {&c.Placeholder, def.Placeholder}, {&c.GreetingMessage.Text, def.GreetingMessage.Text},
	} {
		if *m.dst == nil {
			*m.dst = m.def
		}
	}
	c.ID, c.OrganizationID, c.AssistantID, c.Name = id, org, assistant, name
	return c, nil
}

// settingsOf is the JSON document of a configuration's look and texts: everything but its
// identity, owner, assistant, name and timestamps, which are columns.
func settingsOf(c lorebase.WidgetConfig) ([]byte, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for _, k := range []string{"id", "organization_id", "assistant_id", "name", "created_at", "updated_at"} {
		delete(m, k)
	}
	return json.Marshal(m)
}

// The assistant must be the organization's: the insert selects it, so another organization's
// assistant id inserts nothing.
const insertWidgetConfig = `INSERT INTO widget_configs (id, organization_id, assistant_id, name, settings)
SELECT $1, $2, a.id, $4, $5 FROM assistants a WHERE a.organization_id = $2 AND a.id = $3
RETURNING ` + widgetConfigColumns

// errUnknownAssistant is returned when a configuration names an assistant the organization does not have.
func errUnknownAssistant() error {
	ve := &lorebase.ValidationError{}
	ve.Add("assistant_id", "does not name an assistant of this organization")
	return ve
}

// Create stores a new configuration (already validated).
func (s *WidgetConfigs) Create(ctx context.Context, c lorebase.WidgetConfig) (lorebase.WidgetConfig, error) {
	if !IsUUID(c.AssistantID) {
		return c, errUnknownAssistant()
	}
	settings, err := settingsOf(c)
	if err != nil {
		return c, err
	}
	out, err := scanWidgetConfig(s.pool.QueryRow(ctx, insertWidgetConfig, uuid.NewString(), c.OrganizationID, c.AssistantID, c.Name, settings))
	if errors.Is(err, lorebase.ErrNotFound) {
		return c, errUnknownAssistant()
	}
	return out, err
}

const selectWidgetConfig = `SELECT ` + widgetConfigColumns + ` FROM widget_configs WHERE organization_id = $1 AND id = $2`

// Get finds a configuration of the organization; another organization's id is not found.
func (s *WidgetConfigs) Get(ctx context.Context, orgID, id string) (lorebase.WidgetConfig, error) {
	if !IsUUID(id) {
		return lorebase.WidgetConfig{}, lorebase.ErrNotFound
	}
	return scanWidgetConfig(s.pool.QueryRow(ctx, selectWidgetConfig, orgID, id))
}

const listWidgetConfigs = `SELECT ` + widgetConfigColumns + `, count(*) OVER () FROM widget_configs
WHERE organization_id = $1 AND ($2 = '' OR assistant_id::text = $2)
ORDER BY created_at DESC, id LIMIT $3 OFFSET $4`

// List returns one page of the organization's configurations, newest first, optionally of one assistant.
func (s *WidgetConfigs) List(ctx context.Context, orgID, assistantID string, page lorebase.Page) ([]lorebase.WidgetConfig, int, error) {
	rows, err := s.pool.Query(ctx, listWidgetConfigs, orgID, assistantID, page.PageSize, page.Offset())
	if err != nil {
		return nil, 0, Translate(err)
	}
	total := 0
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (lorebase.WidgetConfig, error) { return scanWidgetConfig(r, &total) })
	return items, total, err
}

// Update applies a patch under a row lock, so two concurrent PATCHes never lose each other's fields.
func (s *WidgetConfigs) Update(ctx context.Context, orgID, id string, p lorebase.WidgetConfigPatch) (lorebase.WidgetConfig, error) {
	if !IsUUID(id) {
		return lorebase.WidgetConfig{}, lorebase.ErrNotFound
	}
	var out lorebase.WidgetConfig
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		c, err := scanWidgetConfig(tx.QueryRow(ctx, selectWidgetConfig+` FOR UPDATE`, orgID, id))
		if err != nil {
			return err
		}
		if err := p.Apply(&c); err != nil {
			return err
		}
		if !IsUUID(c.AssistantID) {
			return errUnknownAssistant()
		}
		settings, err := settingsOf(c)
		if err != nil {
			return err
		}
		out, err = scanWidgetConfig(tx.QueryRow(ctx, `UPDATE widget_configs w SET assistant_id = a.id, name = $4, settings = $5, updated_at = now()
FROM assistants a WHERE w.organization_id = $1 AND w.id = $2 AND a.organization_id = $1 AND a.id = $3
RETURNING w.id, w.organization_id, w.assistant_id, w.name, w.settings, w.created_at, w.updated_at`, orgID, id, c.AssistantID, c.Name, settings))
		if errors.Is(err, lorebase.ErrNotFound) {
			return errUnknownAssistant()
		}
		return err
	})
	return out, err
}

// Delete removes a configuration.
func (s *WidgetConfigs) Delete(ctx context.Context, orgID, id string) error {
	if !IsUUID(id) {
		return lorebase.ErrNotFound
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM widget_configs WHERE organization_id = $1 AND id = $2`, orgID, id)
	if err != nil {
		return Translate(err)
	}
	if tag.RowsAffected() == 0 {
		return lorebase.ErrNotFound
	}
	return nil
}
