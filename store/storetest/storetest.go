// Package storetest gives tests a real PostgreSQL database with pgvector, migrated, private to
// the test and dropped afterwards. It uses LOREBASE_TEST_DATABASE_URL when set (any server the
// test may create databases on), else an embedded cluster under the temp directory, started
// once and shared by every test binary (a file lock keeps parallel packages from racing).
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lorebase/lorebase/store"
)

// VectorDims is the embedding dimension the template database indexes (the offline default).
const VectorDims = 384

var (
	once        sync.Once
	adminURL    string
	templateDB  string
	setupErr    error
	discardLogs = slog.New(slog.NewTextHandler(io.Discard, nil))
)

// DB is one test's database.
type DB struct {
	Pool *pgxpool.Pool
	URL  string
	Name string
}

// New creates a fresh migrated database for the test and drops it when the test ends.
func New(t testing.TB) *DB {
	t.Helper()
	once.Do(func() { setupErr = setup() })
	if setupErr != nil {
		t.Fatalf("test database: %v", setupErr)
	}
	ctx := context.Background()
	name := "t_" + randomHex(8)
	if err := adminExec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, templateDB)); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	dbURL := withDatabase(adminURL, name)
	pool, err := store.Open(ctx, dbURL, store.PoolConfig{MaxConns: 10})
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		_ = adminExec(context.Background(), fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
	})
	return &DB{Pool: pool, URL: dbURL, Name: name}
}

// AdminURL returns the URL of the maintenance database of the test server, starting it if
// needed; tests that need to run servers against their own database use New instead.
func AdminURL(t testing.TB) string {
	once.Do(func() { setupErr = setup() })
	if setupErr != nil {
		t.Fatalf("test database: %v", setupErr)
	}
	return adminURL
}

func setup() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	adminURL = os.Getenv("LOREBASE_TEST_DATABASE_URL")
	if adminURL == "" {
		u, err := startEmbedded(ctx)
		if err != nil {
			return err
		}
		adminURL = u
	}
	all, err := store.Migrations()
	if err != nil {
		return err
	}
	h := sha256.New()
	for _, m := range all {
		h.Write([]byte(m.Version))
		h.Write([]byte(m.SQL))
	}
	templateDB = "lorebase_tpl_" + hex.EncodeToString(h.Sum(nil))[:12]
	return ensureTemplate(ctx)
}

// ensureTemplate builds the migrated template once per schema version, under an advisory lock
// so that parallel test binaries build it only once.
func ensureTemplate(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect to test server: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(7216)`); err != nil {
		return err
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock(7216)`) //nolint:errcheck
	var ready bool
	err = conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)`, templateDB).Scan(&ready)
	if err != nil || ready {
		return err
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s`, templateDB)); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s`, templateDB)); err != nil {
		return err
	}
	pool, err := store.Open(ctx, withDatabase(adminURL, templateDB), store.PoolConfig{MaxConns: 2})
	if err != nil {
		return err
	}
	err = store.Migrate(ctx, pool, discardLogs)
	if err == nil {
		err = store.EnsureVectorIndex(ctx, pool, VectorDims)
	}
	pool.Close()
	if err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	_, err = conn.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %s WITH is_template true`, templateDB))
	return err
}

func startEmbedded(ctx context.Context) (string, error) {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("lorebase-test-%d", os.Geteuid()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck
	c, err := store.NewCluster(store.ClusterConfig{Dir: filepath.Join(dir, "pg")}, discardLogs)
	if err != nil {
		return "", err
	}
	if err := c.Start(ctx); err != nil {
		return "", err
	}
	// Left running on purpose: later test binaries reuse it; scripts/test.sh stops it.
	return withDatabase(c.URL(), "postgres"), nil
}

func adminExec(ctx context.Context, sql string) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		var conn *pgx.Conn
		conn, err = pgx.Connect(ctx, adminURL)
		if err != nil {
			return err
		}
		_, err = conn.Exec(ctx, sql)
		conn.Close(context.Background())
		// Concurrent CREATE DATABASE from one template can collide; a retry succeeds.
		if err == nil || !strings.Contains(err.Error(), "being accessed by other users") {
			return err
		}
		time.Sleep(time.Duration(100*(attempt+1)) * time.Millisecond)
	}
	return err
}

func withDatabase(raw, db string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + db
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
