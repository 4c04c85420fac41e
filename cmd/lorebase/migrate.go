package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/lorebase/lorebase/store"
)

func newMigrateCommand(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations (lorebase's and River's) and exit",
		Long: `Apply the SQL migrations embedded in the binary, then River's, under an advisory lock so that
several replicas may run it at once. serve, worker and dev run it at start unless --no-migrate.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := opts.logger(os.Stderr)
			if err != nil {
				return err
			}
			db, err := opts.openDatabase(cmd.Context(), logger, false)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := store.Migrate(cmd.Context(), db.Pool, logger); err != nil {
				return err
			}
			pending, err := store.PendingMigrations(cmd.Context(), db.Pool)
			if err != nil {
				return err
			}
			if len(pending) > 0 {
				return fmt.Errorf("migrations still pending: %v", pending)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "migrations are current")
			return nil
		},
	}
}
