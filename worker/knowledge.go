package worker

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/store"
)

// Knowledge changes knowledge items and enqueues their jobs in the same transaction, so a row
// never exists without its job, nor a job without its row. The API uses it.
type Knowledge struct {
	pool  *pgxpool.Pool
	store *store.Knowledge
	river *river.Client[pgx.Tx]
}

// NewKnowledge returns the service; client may be insert-only.
func NewKnowledge(pool *pgxpool.Pool, client *river.Client[pgx.Tx]) *Knowledge {
	return &Knowledge{pool: pool, store: store.NewKnowledge(pool), river: client}
}

// Create stores a new item (with the uploaded bytes of a file) and queues its processing.
func (k *Knowledge) Create(ctx context.Context, it lorebase.KnowledgeItem, sha string, data []byte) (lorebase.KnowledgeItem, error) {
	var created lorebase.KnowledgeItem
	err := pgx.BeginFunc(ctx, k.pool, func(tx pgx.Tx) error {
		var err error
		if created, err = k.store.InsertItem(ctx, tx, it, sha, data); err != nil {
			return err
		}
		return k.enqueue(ctx, tx, created, false)
	})
	return created, err
}

// Reindex starts the item over: a new generation, status pending, a new job. A URL item is
// re-crawled incrementally: unchanged pages keep their chunks, changed ones are re-embedded,
// vanished ones removed.
func (k *Knowledge) Reindex(ctx context.Context, orgID, id string) (lorebase.KnowledgeItem, error) {
	var it lorebase.KnowledgeItem
	err := pgx.BeginFunc(ctx, k.pool, func(tx pgx.Tx) error {
		var err error
		if it, err = k.store.Restart(ctx, tx, orgID, id); err != nil {
			return err
		}
		return k.enqueue(ctx, tx, it, true)
	})
	return it, err
}

// restart is Reindex with the choice of an incremental crawl; a model change needs a full one.
func (k *Knowledge) restart(ctx context.Context, orgID, id string, incremental bool) error {
	return pgx.BeginFunc(ctx, k.pool, func(tx pgx.Tx) error {
		it, err := k.store.Restart(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		return k.enqueue(ctx, tx, it, incremental)
	})
}

// Update applies a patch; a change to what gets indexed (a Q&A's text, a crawl's settings, the
// language) also reindexes.
func (k *Knowledge) Update(ctx context.Context, orgID, id string, p lorebase.KnowledgePatch) (lorebase.KnowledgeItem, error) {
	var it lorebase.KnowledgeItem
	err := pgx.BeginFunc(ctx, k.pool, func(tx pgx.Tx) error {
		var err error
		if it, err = k.store.Update(ctx, tx, orgID, id, p); err != nil {
			return err
		}
		if p.Question == nil && p.Answer == nil && p.Crawl == nil && p.Language == nil && p.Title == nil {
			return nil
		}
		if it, err = k.store.Restart(ctx, tx, orgID, id); err != nil {
			return err
		}
		return k.enqueue(ctx, tx, it, p.Crawl != nil && p.Language == nil)
	})
	return it, err
}

// Delete removes the item and its chunks in one transaction and cancels its job; a running job
// sees its context cancelled and, should it still try to commit, finds the item gone.
func (k *Knowledge) Delete(ctx context.Context, orgID, id string) error {
	return pgx.BeginFunc(ctx, k.pool, func(tx pgx.Tx) error {
		jobID, err := k.store.Delete(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if jobID != 0 {
			if _, err := k.river.JobCancelTx(ctx, tx, jobID); err != nil && !isJobNotFound(err) {
				return fmt.Errorf("cancel job %d: %w", jobID, err)
			}
		}
		return nil
	})
}

// unfinishedJobs are the jobs of an organization's items that River has not finalised.
const unfinishedJobs = `SELECT j.id FROM river_job j JOIN knowledge_items k ON k.job_id = j.id
WHERE k.organization_id = $1 AND j.state NOT IN ('completed', 'cancelled', 'discarded')`

// CancelJobs cancels every job of an organization's items that River has not finished, whatever
// the items' statuses say, so that deleting the organization (which cascades to its items but
// not to River's jobs) leaves no job behind. An item's status and its job's state change in
// different transactions, so the status alone cannot tell which jobs are still waiting.
func (k *Knowledge) CancelJobs(ctx context.Context, orgID string) error {
	return pgx.BeginFunc(ctx, k.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, unfinishedJobs, orgID)
		if err != nil {
			return store.Translate(err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return store.Translate(err)
		}
		for _, id := range ids {
			if _, err := k.river.JobCancelTx(ctx, tx, id); err != nil && !isJobNotFound(err) {
				return fmt.Errorf("cancel job %d: %w", id, err)
			}
		}
		return nil
	})
}

// enqueue queues the job for the item's current generation; incremental applies to crawls
// (send validators, skip unchanged pages) and is ignored for other types.
func (k *Knowledge) enqueue(ctx context.Context, tx pgx.Tx, it lorebase.KnowledgeItem, incremental bool) error {
	job := ItemJob{ItemID: it.ID, Generation: it.Generation}
	var args river.JobArgs
	var opts *river.InsertOpts
	switch it.Type {
	case lorebase.KnowledgeFile:
		args, opts = IngestFileArgs{job}, insertOpts(fileAttempts)
	case lorebase.KnowledgeQA:
		args, opts = IngestQAArgs{job}, insertOpts(qaAttempts)
		opts.Queue = QueueQA
	case lorebase.KnowledgeURL:
		args, opts = CrawlSiteArgs{ItemJob: job, Recrawl: incremental}, insertOpts(crawlAttemps)
	default:
		return fmt.Errorf("unknown knowledge type %q", it.Type)
	}
	res, err := k.river.InsertTx(ctx, tx, args, opts)
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return k.store.SetJob(ctx, tx, it.ID, res.Job.ID)
}
