// Package store owns the PostgreSQL connection: opening a pool with pgvector types registered,
// applying the embedded migrations (ours and River's) under an advisory lock, starting the
// embedded-default cluster, and translating database errors into domain error kinds.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"

	"github.com/lorebase/lorebase"
)

// PoolConfig tunes the connection pool.
type PoolConfig struct {
	MaxConns int32 // default 20
}

// Open ensures the vector extension exists (on a plain connection, because registering the
// vector types fails without it) and returns a pool whose connections know the vector type.
func Open(ctx context.Context, databaseURL string, cfg PoolConfig) (*pgxpool.Pool, error) {
	if err := EnsureExtension(ctx, databaseURL); err != nil {
		return nil, err
	}
	pcfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if cfg.MaxConns > 0 {
		pcfg.MaxConns = cfg.MaxConns
	} else if pcfg.MaxConns < 20 {
		pcfg.MaxConns = 20
	}
	pcfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		return pgxvec.RegisterTypes(ctx, conn)
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return pool, nil
}

// ErrNoPgvector says the server lacks the pgvector extension, and how to fix it.
var ErrNoPgvector = errors.New("the PostgreSQL server has no pgvector extension: " +
	"on Debian 12 run scripts/setup.sh (it builds pgvector from Debian's source package); " +
	"elsewhere install pgvector 0.7+ (package postgresql-NN-pgvector, or the pgvector/pgvector container image)")

// EnsureExtension creates the vector extension if it is missing.
func EnsureExtension(ctx context.Context, databaseURL string) error {
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return fmt.Errorf("connect to database: %w", err)
	}
	defer conn.Close(context.Background())
	var installed bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')`).Scan(&installed); err != nil {
		return fmt.Errorf("check vector extension: %w", err)
	}
	if installed {
		return nil
	}
	if _, err := conn.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS vector`); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && (pgErr.Code == "58P01" || strings.Contains(pgErr.Message, "not available")) {
			return ErrNoPgvector
		}
		return fmt.Errorf("create extension vector: %w", err)
	}
	return nil
}

// Translate maps database errors to domain kinds: no rows → not found, a database that cannot
// be reached → unavailable, unique violation → conflict, foreign-key, check and data errors →
// invalid. Other errors pass through.
func Translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w", lorebase.ErrNotFound)
	}
	if IsUnavailable(err) {
		return fmt.Errorf("%w: %w", lorebase.ErrUnavailable, err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505":
			return fmt.Errorf("%w: %w", lorebase.ErrConflict, &queryError{pgErr})
		case pgErr.Code == "23503", pgErr.Code == "23514", strings.HasPrefix(pgErr.Code, "22"):
			return fmt.Errorf("%w: %w", lorebase.ErrInvalid, &queryError{pgErr})
		}
	}
	return err
}

// queryError is an error the database raised for a query. Its text names encodings,
// constraints and columns: for logs, never for clients, which InternalDetail tells the API.
type queryError struct{ err *pgconn.PgError }

func (e *queryError) Error() string { return e.err.Message + " (SQLSTATE " + e.err.Code + ")" }
func (e *queryError) Unwrap() error { return e.err }

// InternalDetail marks the error's text as not for clients.
func (e *queryError) InternalDetail() bool { return true }

// IsUnavailable reports whether err means the database cannot be reached right now (down,
// restarting, refusing connections), as opposed to a failed query.
func IsUnavailable(err error) bool {
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// 08: connection exception; 57: operator intervention (shutting down, starting up).
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57")
	}
	return errors.As(err, &connectErr) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) || (errors.As(err, &netErr) && !netErr.Timeout()) || pgconn.SafeToRetry(err)
}
