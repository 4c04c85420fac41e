// Package worker runs lorebase's background jobs on River: ingestion of files, crawls, pages
// and Q&A pairs, re-embedding, deletion, and housekeeping. API processes use an insert-only
// River client to enqueue jobs in the same transaction as the rows they concern; worker
// processes (any number, on any machine) run full clients that share the queue.
package worker

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// Config tunes the worker process.
type Config struct {
	Concurrency int // jobs at once per process; default 4
	// RescueAfter is how long a job may stay running before River assumes its worker died
	// (killed, machine lost) and runs it again; River waits at least the job kind's own timeout
	// too, so a live job is not run twice. Jobs are idempotent either way. Default 5 minutes.
	RescueAfter time.Duration
	// OrganizationConcurrency is how many file and crawl jobs of one organization may run at
	// once across all worker processes (see fairness.go); default half of Concurrency, at
	// least 1.
	OrganizationConcurrency int
	// QAConcurrency is how many Q&A pair jobs run at once on their own queue; default 2.
	QAConcurrency int
}

// NewInsertClient returns a client that only enqueues: what API processes need.
func NewInsertClient(pool *pgxpool.Pool, logger *slog.Logger) (*river.Client[pgx.Tx], error) {
	return river.NewClient(riverpgxv5.New(pool), &river.Config{Logger: logger, Workers: newWorkers(nil)})
}

// Run starts a full River client with every worker and blocks until ctx ends, then stops it,
// letting running jobs finish for a while.
func Run(ctx context.Context, pool *pgxpool.Pool, deps *Deps, cfg Config, logger *slog.Logger) error {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.RescueAfter <= 0 {
		cfg.RescueAfter = 5 * time.Minute
	}
	if cfg.OrganizationConcurrency <= 0 {
		cfg.OrganizationConcurrency = max(1, cfg.Concurrency/2)
	}
	if cfg.QAConcurrency <= 0 {
		cfg.QAConcurrency = qaWorkersDefault
	}
	d := *deps
	d.orgConcurrency = cfg.OrganizationConcurrency
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Logger:  logger,
		Workers: newWorkers(&d),
		Queues: map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: cfg.Concurrency},
			QueueQA:            {MaxWorkers: cfg.QAConcurrency},
		},
		PeriodicJobs:         periodicJobs(deps),
		JobTimeout:           min(5*time.Minute, cfg.RescueAfter),
		RescueStuckJobsAfter: cfg.RescueAfter,
	})
	if err != nil {
		return fmt.Errorf("river client: %w", err)
	}
	if err := client.Start(ctx); err != nil {
		return fmt.Errorf("start workers: %w", err)
	}
	logger.Info("workers started", slog.Int("concurrency", cfg.Concurrency),
		slog.Int("organization_concurrency", cfg.OrganizationConcurrency), slog.Int("qa_concurrency", cfg.QAConcurrency))
	<-ctx.Done()
	stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := client.Stop(stopCtx); err != nil {
		// Jobs still running are cancelled; River's rescuer retries them later.
		_ = client.StopAndCancel(context.Background())
	}
	logger.Info("workers stopped")
	return nil
}
