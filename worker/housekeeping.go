package worker

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
)

// HousekeepingArgs asks for expired rate-limit windows and idempotency records to be removed.
type HousekeepingArgs struct{}

// Kind names the job.
func (HousekeepingArgs) Kind() string { return "housekeeping" }

// HousekeepingWorker deletes rows that no longer mean anything.
type HousekeepingWorker struct {
	river.WorkerDefaults[HousekeepingArgs]
	pool *pgxpool.Pool
}

const (
	deleteOldWindows        = `DELETE FROM rate_limit_windows WHERE window_start < now() - interval '2 hours'`
	deleteOldIdempotencyKey = `DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours'`
	// The lexical index's change feed: replicas read it within a second and prune it
	// themselves; this bounds it when no replica runs one (--lexical-index=false, workers only).
	// A replica that could not read it for 30 minutes rebuilds from the postings instead.
	deleteOldChunkChanges = `DELETE FROM chunk_changes WHERE at < now() - interval '24 hours'
		AND xid < pg_snapshot_xmin(pg_current_snapshot())`
)

// Work runs the deletions.
func (w *HousekeepingWorker) Work(ctx context.Context, job *river.Job[HousekeepingArgs]) error {
	for _, q := range []string{deleteOldWindows, deleteOldIdempotencyKey, deleteOldChunkChanges} {
		if _, err := w.pool.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// Timeout bounds the job.
func (w *HousekeepingWorker) Timeout(*river.Job[HousekeepingArgs]) time.Duration { return time.Minute }

// periodicJobs run on the elected leader only; ByPeriod keeps two leaders in a hand-over from
// enqueuing the same run twice.
func periodicJobs(deps *Deps) []*river.PeriodicJob {
	jobs := []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(15*time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return HousekeepingArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
			func() (river.JobArgs, *river.InsertOpts) {
				return RecrawlDueArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
			},
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
			func() (river.JobArgs, *river.InsertOpts) {
				return ReanalyzeChunksArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
			},
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
	if deps != nil && deps.Embedder != nil {
		args := ReembedStaleArgs{Model: deps.Embedder.Model(), Dims: deps.Embedder.Dimensions()}
		jobs = append(jobs, river.NewPeriodicJob(river.PeriodicInterval(10*time.Minute),
			func() (river.JobArgs, *river.InsertOpts) {
				return args, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: 10 * time.Minute}}
			},
			&river.PeriodicJobOpts{RunOnStart: true}))
	}
	return jobs
}
