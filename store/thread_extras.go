package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/lorebase/lorebase"
)

// MergeMetadata merges patch into a session's metadata the way JSON merge patch does at the top
// level (a null removes a key), under a row lock so concurrent patches never lose keys. A
// result larger than maxBytes is refused with a validation error and nothing changes.
func (s *Threads) MergeMetadata(ctx context.Context, orgID string, kind lorebase.ThreadKind, id string, patch map[string]json.RawMessage, maxBytes int) (lorebase.Thread, error) {
	if !IsUUID(id) {
		return lorebase.Thread{}, lorebase.ErrNotFound
	}
	var out lorebase.Thread
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var raw []byte
		if err := tx.QueryRow(ctx, `SELECT metadata FROM threads WHERE organization_id = $1 AND id = $2 AND kind = $3 FOR UPDATE`,
			orgID, id, kind).Scan(&raw); err != nil {
			return Translate(err)
		}
		meta := map[string]json.RawMessage{}
		if err := json.Unmarshal(raw, &meta); err != nil {
			return fmt.Errorf("thread %s metadata: %w", id, err)
		}
		for k, v := range patch {
			if string(v) == "null" {
				delete(meta, k)
			} else {
				meta[k] = v
			}
		}
		merged, err := json.Marshal(meta)
		if err != nil {
			return err
		}
		if len(merged) > maxBytes {
			ve := &lorebase.ValidationError{}
			ve.Add("metadata", fmt.Sprintf("would grow to %d bytes; the merged metadata must be at most %d bytes", len(merged), maxBytes))
			return ve
		}
		out, err = scanThread(tx.QueryRow(ctx, `UPDATE threads SET metadata = $3, updated_at = now() WHERE organization_id = $1 AND id = $2
RETURNING `+threadColumns, orgID, id, merged))
		return err
	})
	return out, err
}

// MessageWithThread finds a message of the organization and the thread it belongs to.
func (s *Threads) MessageWithThread(ctx context.Context, orgID, id string) (lorebase.Message, lorebase.Thread, error) {
	var m lorebase.Message
	if !IsUUID(id) {
		return m, lorebase.Thread{}, lorebase.ErrNotFound
	}
	var src, md []byte
	var threadID string
	err := s.pool.QueryRow(ctx, `SELECT id, thread_id, content, sender, created_at, sources, metadata FROM messages
WHERE organization_id = $1 AND id = $2`, orgID, id).Scan(&m.ID, &threadID, &m.Content, &m.Sender, &m.CreatedAt, &src, &md)
	if err != nil {
		return m, lorebase.Thread{}, Translate(err)
	}
	_ = json.Unmarshal(src, &m.Sources)
	m.Sources = nonNilSources(m.Sources)
	m.Metadata, m.ThreadID = md, threadID
	t, err := scanThread(s.pool.QueryRow(ctx, `SELECT `+threadColumns+` FROM threads WHERE organization_id = $1 AND id = $2`, orgID, threadID))
	return m, t, err
}
