package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"

	"github.com/lorebase/lorebase/store"
)

// globalOptions are the flags every command shares. Each flag falls back to an environment
// variable, named in its help.
type globalOptions struct {
	databaseURL string
	dataDir     string
	logLevel    string
	logFormat   string
	noMigrate   bool
}

func (o *globalOptions) register(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&o.databaseURL, "database-url", os.Getenv("DATABASE_URL"),
		"PostgreSQL 14+ with pgvector 0.7+ ($DATABASE_URL); empty: start the embedded cluster")
	f.StringVar(&o.dataDir, "data-dir", envOr("LOREBASE_DATA_DIR", store.DefaultClusterDir()),
		"directory of the embedded PostgreSQL cluster ($LOREBASE_DATA_DIR)")
	f.StringVar(&o.logLevel, "log-level", envOr("LOREBASE_LOG_LEVEL", "info"), "debug, info, warn or error ($LOREBASE_LOG_LEVEL)")
	f.StringVar(&o.logFormat, "log-format", envOr("LOREBASE_LOG_FORMAT", "json"), "json or text ($LOREBASE_LOG_FORMAT)")
	f.BoolVar(&o.noMigrate, "no-migrate", envBool("LOREBASE_NO_MIGRATE"), "do not apply migrations at start ($LOREBASE_NO_MIGRATE)")
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envBool(name string) bool {
	switch strings.ToLower(os.Getenv(name)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

func (o *globalOptions) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", o.logLevel)
	}
	hopts := &slog.HandlerOptions{Level: level}
	switch o.logFormat {
	case "json":
		return slog.New(slog.NewJSONHandler(w, hopts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, hopts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: use json or text", o.logFormat)
}

// database is an open pool and whatever must be stopped with it.
type database struct {
	Pool    *pgxpool.Pool
	URL     string
	cluster *store.Cluster
}

// openDatabase connects to DATABASE_URL, or starts the embedded cluster when none is given,
// then migrates unless told not to.
func (o *globalOptions) openDatabase(ctx context.Context, logger *slog.Logger, migrate bool) (*database, error) {
	db := &database{URL: o.databaseURL}
	if db.URL == "" {
		c, err := store.NewCluster(store.ClusterConfig{Dir: o.dataDir}, logger)
		if err != nil {
			return nil, err
		}
		if err := c.Start(ctx); err != nil {
			return nil, err
		}
		db.cluster = c
		db.URL = c.URL()
	}
	pool, err := store.Open(ctx, db.URL, store.PoolConfig{})
	if err != nil {
		db.Close()
		return nil, err
	}
	db.Pool = pool
	if migrate && !o.noMigrate {
		if err := store.Migrate(ctx, pool, logger); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// Close closes the pool and stops the embedded cluster if this process started it.
func (d *database) Close() {
	if d.Pool != nil {
		d.Pool.Close()
	}
	if d.cluster != nil {
		if err := d.cluster.Stop(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, "lorebase:", err)
		}
	}
}
