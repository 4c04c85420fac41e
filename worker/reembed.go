package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
)

// ReembedStaleArgs looks for items whose chunks were embedded by another model (or dimension)
// than the configured one and reindexes them. Retrieval only compares vectors of the configured
// model, so until an item is re-embedded it is found lexically only: vectors are never mixed.
type ReembedStaleArgs struct {
	Model string `json:"model"`
	Dims  int    `json:"dims"`
}

// Kind names the job.
func (ReembedStaleArgs) Kind() string { return "reembed_stale" }

// ReembedStaleWorker queues the reindexing.
type ReembedStaleWorker struct {
	river.WorkerDefaults[ReembedStaleArgs]
	pool   *pgxpool.Pool
	logger *slog.Logger
}

// Timeout bounds one run.
func (w *ReembedStaleWorker) Timeout(*river.Job[ReembedStaleArgs]) time.Duration {
	return 5 * time.Minute
}

const staleItems = `SELECT DISTINCT c.organization_id::text, c.item_id::text FROM chunks c
JOIN knowledge_items k ON k.id = c.item_id
WHERE (c.embedding_model <> $1 OR c.embedding_dims <> $2) AND k.status IN ('ready', 'failed')
LIMIT 500`

// Work reindexes up to 500 stale items per run; the next run takes the rest.
func (w *ReembedStaleWorker) Work(ctx context.Context, job *river.Job[ReembedStaleArgs]) error {
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return err
	}
	rows, err := w.pool.Query(ctx, staleItems, job.Args.Model, job.Args.Dims)
	if err != nil {
		return err
	}
	type stale struct{ org, item string }
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (stale, error) {
		var s stale
		err := r.Scan(&s.org, &s.item)
		return s, err
	})
	if err != nil {
		return err
	}
	k := NewKnowledge(w.pool, client)
	for _, s := range items {
		if err := k.restart(ctx, s.org, s.item, false); err != nil {
			return err
		}
	}
	if len(items) > 0 {
		w.logger.Info("re-embedding items of another embedding model", slog.Int("items", len(items)), slog.String("model", job.Args.Model))
	}
	return nil
}
