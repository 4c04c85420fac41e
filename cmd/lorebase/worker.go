package main

import (
	"context"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/lorebase/lorebase/worker"
)

// workerOptions configure the background workers.
type workerOptions struct {
	concurrency int
}

func (o *workerOptions) register(cmd *cobra.Command) {
	cmd.Flags().IntVar(&o.concurrency, "concurrency", 4, "jobs processed at once by this process")
}

func newWorkerCommand(opts *globalOptions) *cobra.Command {
	wo := &workerOptions{}
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run the background workers (ingestion, crawling, embedding, housekeeping)",
		Long: `Run River workers that process the jobs API servers enqueue. Run as many worker processes on as
many machines as you like against the same database; they share the queue.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runProcess(cmd.Context(), opts, nil, wo)
		},
	}
	wo.register(cmd)
	return cmd
}

func newDevCommand(opts *globalOptions) *cobra.Command {
	so, wo := &serveOptions{}, &workerOptions{}
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run the API server and the workers in one process (single machine)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runProcess(cmd.Context(), opts, so, wo)
		},
	}
	so.register(cmd)
	wo.register(cmd)
	return cmd
}

func runWorkers(ctx context.Context, db *database, wo *workerOptions, logger *slog.Logger) error {
	return worker.Run(ctx, db.Pool, &worker.Deps{Pool: db.Pool}, worker.Config{Concurrency: wo.concurrency}, logger)
}
