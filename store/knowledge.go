package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lorebase/lorebase"
)

// Querier is what both a pool and a transaction offer.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Knowledge stores knowledge items and their uploaded bytes.
type Knowledge struct{ pool *pgxpool.Pool }

// NewKnowledge returns the knowledge store.
func NewKnowledge(pool *pgxpool.Pool) *Knowledge { return &Knowledge{pool: pool} }

// Pool exposes the pool for callers that open transactions spanning stores.
func (s *Knowledge) Pool() *pgxpool.Pool { return s.pool }

const itemColumns = `id, organization_id, type, title, status, error, warnings, progress, assistant_ids::text[], language,
    file_type, file_name, file_size, url, crawl, next_crawl_at, question, answer, tags, source,
    chunk_count, page_count, generation, created_at, updated_at`

func scanItem(r pgx.Row, extra ...any) (lorebase.KnowledgeItem, error) {
	var it lorebase.KnowledgeItem
	var progress, crawl []byte
	dest := []any{&it.ID, &it.OrganizationID, &it.Type, &it.Title, &it.Status, &it.Error, &it.Warnings, &progress, &it.AssistantIDs, &it.Language,
		&it.FileType, &it.FileName, &it.FileSize, &it.URL, &crawl, &it.NextCrawlAt, &it.Question, &it.Answer, &it.Tags, &it.Source,
		&it.ChunkCount, &it.PageCount, &it.Generation, &it.CreatedAt, &it.UpdatedAt}
	if err := r.Scan(append(dest, extra...)...); err != nil {
		return it, Translate(err)
	}
	_ = json.Unmarshal(progress, &it.Progress)
	if it.Type == lorebase.KnowledgeURL {
		it.Crawl = &lorebase.CrawlSettings{}
		_ = json.Unmarshal(crawl, it.Crawl)
	}
	return it, nil
}

const insertItem = `INSERT INTO knowledge_items (id, organization_id, type, title, assistant_ids, language, file_type, file_name, file_size,
    content_sha256, url, crawl, question, answer, tags, source)
VALUES ($1, $2, $3, $4, $5::uuid[], $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
RETURNING ` + itemColumns

// InsertItem stores a new item (and the uploaded bytes of a file) in q, which should be the
// transaction that also enqueues its job.
func (s *Knowledge) InsertItem(ctx context.Context, q Querier, it lorebase.KnowledgeItem, sha string, data []byte) (lorebase.KnowledgeItem, error) {
	crawl := []byte("{}")
	if it.Crawl != nil {
		crawl, _ = json.Marshal(it.Crawl)
	}
	created, err := scanItem(q.QueryRow(ctx, insertItem, uuid.NewString(), it.OrganizationID, it.Type, it.Title, nonNilStrings(it.AssistantIDs),
		it.Language, it.FileType, it.FileName, it.FileSize, sha, it.URL, crawl, it.Question, it.Answer, nonNilStrings(it.Tags), it.Source))
	if err != nil {
		return created, err
	}
	if data != nil {
		if _, err := q.Exec(ctx, `INSERT INTO knowledge_files (item_id, data) VALUES ($1, $2)`, created.ID, data); err != nil {
			return created, Translate(err)
		}
	}
	return created, nil
}

// SetJob records the River job that processes the item's current generation.
func (s *Knowledge) SetJob(ctx context.Context, q Querier, itemID string, jobID int64) error {
	_, err := q.Exec(ctx, `UPDATE knowledge_items SET job_id = $2 WHERE id = $1`, itemID, jobID)
	return Translate(err)
}

const selectItem = `SELECT ` + itemColumns + ` FROM knowledge_items WHERE organization_id = $1 AND id = $2`

// Get finds an item of the organization.
func (s *Knowledge) Get(ctx context.Context, orgID, id string) (lorebase.KnowledgeItem, error) {
	if !IsUUID(id) {
		return lorebase.KnowledgeItem{}, lorebase.ErrNotFound
	}
	return scanItem(s.pool.QueryRow(ctx, selectItem, orgID, id))
}

const listItems = `SELECT ` + itemColumns + `, count(*) OVER () FROM knowledge_items
WHERE organization_id = $1 AND ($2 = '' OR type = $2) AND ($3 = '' OR status = $3)
ORDER BY created_at DESC, id LIMIT $4 OFFSET $5`

// List returns one page of the organization's items, newest first, and the total.
func (s *Knowledge) List(ctx context.Context, orgID string, f lorebase.KnowledgeFilter, page lorebase.Page) ([]lorebase.KnowledgeItem, int, error) {
	rows, err := s.pool.Query(ctx, listItems, orgID, f.Type, f.Status, page.PageSize, page.Offset())
	if err != nil {
		return nil, 0, Translate(err)
	}
	total := 0
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (lorebase.KnowledgeItem, error) {
		return scanItem(r, &total)
	})
	if err != nil {
		return nil, 0, err
	}
	if len(items) == 0 && page.Offset() > 0 {
		err = s.pool.QueryRow(ctx, `SELECT count(*) FROM knowledge_items WHERE organization_id = $1 AND ($2 = '' OR type = $2) AND ($3 = '' OR status = $3)`,
			orgID, f.Type, f.Status).Scan(&total)
	}
	return items, total, Translate(err)
}

const updateItem = `UPDATE knowledge_items SET
    title = coalesce($3, title),
    assistant_ids = coalesce($4::uuid[], assistant_ids),
    tags = coalesce($5, tags),
    question = coalesce($6, question),
    answer = coalesce($7, answer),
    source = coalesce($8, source),
    crawl = coalesce($9, crawl),
    language = coalesce($10, language),
    updated_at = now()
WHERE organization_id = $1 AND id = $2
RETURNING ` + itemColumns

// Update applies a patch in q. Chunks carry a copy of the assistant restriction, so it is
// updated on them too, at once.
func (s *Knowledge) Update(ctx context.Context, q Querier, orgID, id string, p lorebase.KnowledgePatch) (lorebase.KnowledgeItem, error) {
	if !IsUUID(id) {
		return lorebase.KnowledgeItem{}, lorebase.ErrNotFound
	}
	var crawl []byte
	if p.Crawl != nil {
		crawl, _ = json.Marshal(p.Crawl)
	}
	var assistants any
	if p.AssistantIDs != nil {
		assistants = nonNilStrings(*p.AssistantIDs)
	}
	var tags any
	if p.Tags != nil {
		tags = nonNilStrings(*p.Tags)
	}
	it, err := scanItem(q.QueryRow(ctx, updateItem, orgID, id, p.Title, assistants, tags, p.Question, p.Answer, p.Source, crawl, p.Language))
	if err != nil {
		return it, err
	}
	if p.AssistantIDs != nil {
		if _, err := q.Exec(ctx, `UPDATE chunks SET assistant_ids = $2::uuid[] WHERE item_id = $1`, id, assistants); err != nil {
			return it, Translate(err)
		}
	}
	return it, nil
}

const restartItem = `UPDATE knowledge_items SET generation = generation + 1, status = 'pending', error = NULL,
    progress = '{}', updated_at = now()
WHERE organization_id = $1 AND id = $2
RETURNING ` + itemColumns

// Restart starts a new generation of the item (reindex): jobs of older generations give up.
func (s *Knowledge) Restart(ctx context.Context, q Querier, orgID, id string) (lorebase.KnowledgeItem, error) {
	if !IsUUID(id) {
		return lorebase.KnowledgeItem{}, lorebase.ErrNotFound
	}
	return scanItem(q.QueryRow(ctx, restartItem, orgID, id))
}

const deleteItem = `DELETE FROM knowledge_items WHERE organization_id = $1 AND id = $2 RETURNING coalesce(job_id, 0)`

// Delete removes the item; its chunks go with it (cascade), so retrieval stops seeing them at
// commit. It returns the item's job id so the caller can cancel it.
func (s *Knowledge) Delete(ctx context.Context, q Querier, orgID, id string) (int64, error) {
	if !IsUUID(id) {
		return 0, lorebase.ErrNotFound
	}
	var jobID int64
	err := q.QueryRow(ctx, deleteItem, orgID, id).Scan(&jobID)
	return jobID, Translate(err)
}

// ---- used by workers ----

// ErrStale says a job's generation is no longer the item's: a reindex or a delete overtook it.
var ErrStale = fmt.Errorf("%w: the item was deleted or re-queued", lorebase.ErrConflict)

// Load reads an item for a job and checks the job's generation is still current.
func (s *Knowledge) Load(ctx context.Context, id string, generation int) (lorebase.KnowledgeItem, error) {
	it, err := scanItem(s.pool.QueryRow(ctx, `SELECT `+itemColumns+` FROM knowledge_items WHERE id = $1`, id))
	if err != nil {
		if errors.Is(err, lorebase.ErrNotFound) {
			return it, ErrStale
		}
		return it, err
	}
	if it.Generation != generation {
		return it, ErrStale
	}
	return it, nil
}

// FileData reads an uploaded file's bytes.
func (s *Knowledge) FileData(ctx context.Context, id string) ([]byte, error) {
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM knowledge_files WHERE item_id = $1`, id).Scan(&data)
	return data, Translate(err)
}

const setStatus = `UPDATE knowledge_items SET status = $3, error = $4, updated_at = now()
WHERE id = $1 AND generation = $2`

// SetStatus moves the item of the given generation to a status; error is nil unless failed.
func (s *Knowledge) SetStatus(ctx context.Context, q Querier, id string, generation int, status lorebase.KnowledgeStatus, errText *string) error {
	tag, err := q.Exec(ctx, setStatus, id, generation, status, errText)
	if err != nil {
		return Translate(err)
	}
	if tag.RowsAffected() == 0 {
		return ErrStale
	}
	return nil
}

const setProgress = `UPDATE knowledge_items SET progress = $3, updated_at = now() WHERE id = $1 AND generation = $2`

// SetProgress records how far a job has come; a stale generation changes nothing.
func (s *Knowledge) SetProgress(ctx context.Context, id string, generation int, p lorebase.Progress) error {
	b, _ := json.Marshal(p)
	tag, err := s.pool.Exec(ctx, setProgress, id, generation, b)
	if err != nil {
		return Translate(err)
	}
	if tag.RowsAffected() == 0 {
		return ErrStale
	}
	return nil
}

const lockItem = `SELECT generation FROM knowledge_items WHERE id = $1 FOR UPDATE`

// LockCurrent locks the item row in tx and checks the generation, so that a job commits its
// chunks only while it is still the item's current job.
func (s *Knowledge) LockCurrent(ctx context.Context, tx pgx.Tx, id string, generation int) error {
	var g int
	if err := tx.QueryRow(ctx, lockItem, id).Scan(&g); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrStale
		}
		return Translate(err)
	}
	if g != generation {
		return ErrStale
	}
	return nil
}

// finishItem stores the final progress with chunks_total set to the chunks the item really has
// (a crawl stores page by page and keeps unchanged pages' chunks, so only the table knows).
const finishItem = `UPDATE knowledge_items SET status = 'ready', error = NULL, warnings = $3,
    progress = jsonb_set($4::jsonb, '{chunks_total}', to_jsonb((SELECT count(*) FROM chunks WHERE item_id = $1))),
    chunk_count = (SELECT count(*) FROM chunks WHERE item_id = $1), page_count = $5, language = CASE WHEN language = '' THEN $6 ELSE language END,
    next_crawl_at = $7, updated_at = now()
WHERE id = $1 AND generation = $2`

// Finish marks the item ready with its final counts, in the transaction that stored its chunks.
func (s *Knowledge) Finish(ctx context.Context, tx pgx.Tx, id string, generation int, warnings []string, p lorebase.Progress, pages int, lang string, nextCrawl *time.Time) error {
	b, _ := json.Marshal(p)
	_, err := tx.Exec(ctx, finishItem, id, generation, nonNilStrings(warnings), b, pages, lang, nextCrawl)
	return Translate(err)
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
