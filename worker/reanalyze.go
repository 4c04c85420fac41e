package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/lorebase/lorebase/retrieval"
)

// ReanalyzeChunksArgs rewrites the lexical text of chunks stored by an older analyzer
// (retrieval.AnalyzerVersion): after an upgrade that changes what BM25 indexes, existing
// knowledge gets the new postings without being re-extracted or re-embedded. Until then those
// chunks are searched as they were indexed.
type ReanalyzeChunksArgs struct{}

// Kind names the job.
func (ReanalyzeChunksArgs) Kind() string { return "reanalyze_chunks" }

// ReanalyzeChunksWorker runs the rewrite in batches.
type ReanalyzeChunksWorker struct {
	river.WorkerDefaults[ReanalyzeChunksArgs]
	pool   *pgxpool.Pool
	logger *slog.Logger
}

// Reanalysis batches: each is one short transaction, so ingestion and searches are never held
// up for long; one run stops after reanalyzeRunBudget and the next (a minute later) goes on.
const (
	reanalyzeBatch     = 500
	reanalyzeRunBudget = 4 * time.Minute
)

// Timeout bounds one run.
func (w *ReanalyzeChunksWorker) Timeout(*river.Job[ReanalyzeChunksArgs]) time.Duration {
	return reanalyzeRunBudget + time.Minute
}

// Work rewrites batches until none is left or the run's budget is spent.
func (w *ReanalyzeChunksWorker) Work(ctx context.Context, _ *river.Job[ReanalyzeChunksArgs]) error {
	ix := retrieval.NewIndexer()
	start := time.Now()
	total := 0
	for time.Since(start) < reanalyzeRunBudget {
		n, err := ix.Reanalyze(ctx, w.pool, reanalyzeBatch)
		if err != nil {
			return err
		}
		total += n
		if n < reanalyzeBatch {
			break
		}
	}
	if total > 0 && w.logger != nil {
		w.logger.Info("reanalyzed chunks of an older lexical analyzer", slog.Int("chunks", total),
			slog.Int("analyzer", retrieval.AnalyzerVersion), slog.Duration("took", time.Since(start)))
	}
	return nil
}
