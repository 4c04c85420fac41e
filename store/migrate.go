package store

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/lorebase/lorebase/migrations"
)

// migrationLockKey is the advisory lock that serialises migrations when several replicas start
// at once ("lorebase" in ASCII, as a number).
const migrationLockKey int64 = 0x6c6f7265_62617365

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)`

// Migration is one embedded SQL file.
type Migration struct {
	Version string // file name without .sql, e.g. "001_core"
	SQL     string
}

// Migrations lists the embedded migrations in the order they apply.
func Migrations() ([]Migration, error) {
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]Migration, 0, len(names))
	for _, name := range names {
		b, err := fs.ReadFile(migrations.FS, name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: strings.TrimSuffix(name, ".sql"), SQL: string(b)})
	}
	return out, nil
}

// Migrate applies every pending migration, ours then River's, while holding an advisory lock:
// a replica that starts while another migrates waits, then finds nothing to do. Ours apply in
// one transaction; River's apply version by version (some of them cannot share a transaction).
func Migrate(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) error {
	all, err := Migrations()
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire connection: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLockKey); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, migrationLockKey) //nolint:errcheck

	if err := applyOwn(ctx, conn.Conn(), all, logger); err != nil {
		return err
	}
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: logger})
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	res, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	for _, v := range res.Versions {
		logger.Info("river migration applied", slog.Int("version", v.Version))
	}
	return nil
}

func applyOwn(ctx context.Context, conn *pgx.Conn, all []Migration, logger *slog.Logger) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin migration: %w", err)
	}
	defer tx.Rollback(context.Background()) //nolint:errcheck // no-op after commit
	if _, err := tx.Exec(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	applied, err := appliedVersions(ctx, tx)
	if err != nil {
		return err
	}
	for _, m := range all {
		if applied[m.Version] {
			continue
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("apply migration %s: %w", m.Version, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.Version); err != nil {
			return fmt.Errorf("record migration %s: %w", m.Version, err)
		}
		logger.Info("migration applied", slog.String("version", m.Version))
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit migrations: %w", err)
	}
	return nil
}

func appliedVersions(ctx context.Context, tx pgx.Tx) (map[string]bool, error) {
	rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	out := make(map[string]bool, len(versions))
	for _, v := range versions {
		out[v] = true
	}
	return out, nil
}

// PendingMigrations reports what Migrate would still apply; /readyz uses it.
func PendingMigrations(ctx context.Context, pool *pgxpool.Pool) ([]string, error) {
	all, err := Migrations()
	if err != nil {
		return nil, err
	}
	rows, err := pool.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, v := range versions {
		have[v] = true
	}
	var pending []string
	for _, m := range all {
		if !have[m.Version] {
			pending = append(pending, m.Version)
		}
	}
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return nil, err
	}
	res, err := migrator.Validate(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("validate river migrations: %w", err)
	}
	if !res.OK {
		pending = append(pending, res.Messages...)
	}
	return pending, nil
}

// HNSW build parameters of the vector index. m 16 is pgvector's default; ef_construction 128
// (default 64) builds a better graph for 1.5x the build time: on the offline embedder's vectors
// (20k chunks, 4 organizations) the vector list's recall@10 at ef_search 400 goes from 0.954
// to 0.976, at 200 from 0.867 to 0.911 (retrieval's BenchmarkHNSWParams; m 32 reaches 0.957 at
// 200 but doubles the work per hop and takes 2.3x as long to build).
const (
	HNSWM              = 16
	HNSWEfConstruction = 128
)

// EnsureVectorIndex creates the HNSW index for vectors of the given dimension. The column has
// no fixed dimension (the model is configurable), so the index is on a cast expression and
// partial on that dimension; retrieval queries use the same expression. An index that exists
// already is kept as it is, whatever it was built with (REINDEX it to apply new parameters).
func EnsureVectorIndex(ctx context.Context, pool *pgxpool.Pool, dims int) error {
	if dims <= 0 || dims > 2000 {
		return fmt.Errorf("embedding dimension %d: HNSW on vector supports 1..2000", dims)
	}
	// dims is an int from configuration, never request input.
	stmt := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS chunks_embedding_hnsw_%d ON chunks
		USING hnsw ((embedding::vector(%d)) vector_cosine_ops) WITH (m = %d, ef_construction = %d)
		WHERE embedding_dims = %d`, dims, dims, HNSWM, HNSWEfConstruction, dims)
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.Background()) //nolint:errcheck
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockKey); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("create vector index: %w", err)
	}
	return tx.Commit(ctx)
}
