package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/lorebase/lorebase/llm"

	"github.com/spf13/cobra"

	"github.com/lorebase/lorebase/worker"
)

// workerOptions configure the background workers.
type workerOptions struct {
	concurrency  int
	orgConc      int
	qaConc       int
	rescueAfter  time.Duration
	fileTimeout  time.Duration
	crawlTimeout time.Duration
	ingest       ingestOptions
}

func (o *workerOptions) register(cmd *cobra.Command) {
	cmd.Flags().IntVar(&o.concurrency, "concurrency", 4, "jobs processed at once by this process")
	cmd.Flags().IntVar(&o.orgConc, "org-concurrency", 0,
		"file and crawl jobs of one organization running at once across all workers (0: half of --concurrency, at least 1)")
	cmd.Flags().IntVar(&o.qaConc, "qa-concurrency", 0, "Q&A pair jobs processed at once on their own queue (0: 2)")
	cmd.Flags().DurationVar(&o.rescueAfter, "rescue-after", 5*time.Minute,
		"run a job again when it has been running this long and past its own timeout (its worker is presumed dead)")
	cmd.Flags().DurationVar(&o.fileTimeout, "file-timeout", 20*time.Minute, "longest processing of one uploaded file (also how long a dead worker's file job waits to be taken over)")
	cmd.Flags().DurationVar(&o.crawlTimeout, "crawl-timeout", time.Hour, "longest crawl of one site")
	o.ingest.register(cmd)
}

func newWorkerCommand(opts *globalOptions) *cobra.Command {
	wo, mo := &workerOptions{}, &modelOptions{}
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run the background workers (ingestion, crawling, embedding, housekeeping)",
		Long: `Run River workers that process the jobs API servers enqueue. Run as many worker processes on as
many machines as you like against the same database; they share the queue.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runProcess(cmd, opts, mo, nil, wo)
		},
	}
	wo.register(cmd)
	mo.register(cmd)
	return cmd
}

func newDevCommand(opts *globalOptions) *cobra.Command {
	so, wo, mo := &serveOptions{}, &workerOptions{}, &modelOptions{}
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run the API server and the workers in one process (single machine)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runProcess(cmd, opts, mo, so, wo)
		},
	}
	so.register(cmd)
	wo.register(cmd)
	mo.register(cmd)
	return cmd
}

func runWorkers(ctx context.Context, db *database, wo *workerOptions, embedder llm.Embedder, logger *slog.Logger) error {
	chunker, err := wo.ingest.chunker()
	if err != nil {
		return err
	}
	deps := &worker.Deps{Pool: db.Pool, Logger: logger, Embedder: embedder, Chunker: chunker,
		Extract: wo.ingest.extractConfig(), Crawl: wo.ingest.crawlConfig(), FileTimeout: wo.fileTimeout, CrawlTimeout: wo.crawlTimeout}
	return worker.Run(ctx, db.Pool, deps, worker.Config{Concurrency: wo.concurrency, RescueAfter: wo.rescueAfter,
		OrganizationConcurrency: wo.orgConc, QAConcurrency: wo.qaConc}, logger)
}
