// Command lorebase is the retrieval-augmented knowledge engine: the API server, the background
// workers, migrations and the operator and knowledge-manager tools, in one binary.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCommand()
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "lorebase:", err)
		os.Exit(1)
	}
}

func newRootCommand() *cobra.Command {
	opts := &globalOptions{}
	root := &cobra.Command{
		Use:   "lorebase",
		Short: "Retrieval-augmented knowledge ingestion and answer engine",
		Long: `lorebase ingests PDFs, files, web sites and FAQ pairs into PostgreSQL + pgvector and answers
questions with sources, through an HTTP API for assistant platforms.

With no DATABASE_URL, commands that need a database start a private PostgreSQL cluster from the
system's PostgreSQL binaries (data in --data-dir) and stop it on exit.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	opts.register(root)
	root.AddCommand(
		newServeCommand(opts),
		newWorkerCommand(opts),
		newDevCommand(opts),
		newMigrateCommand(opts),
		newOrgCommand(opts),
		newWidgetCommand(opts),
		newIngestCommand(),
		newExtractCommand(),
		newEvalCommand(opts),
		newBenchCommand(opts),
	)
	return root
}
