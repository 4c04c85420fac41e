package store_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/lorebase/lorebase/store"
	"github.com/lorebase/lorebase/store/storetest"
)

func TestMigrateIsIdempotentAndSerialised(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The template is already migrated; several replicas migrating at once must all succeed
	// and apply nothing twice.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = store.Migrate(ctx, db.Pool, logger) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("migrate: %v", err)
		}
	}
	pending, err := store.PendingMigrations(ctx, db.Pool)
	if err != nil || len(pending) != 0 {
		t.Fatalf("pending = %v, err = %v", pending, err)
	}
	all, _ := store.Migrations()
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(all) {
		t.Fatalf("schema_migrations rows = %d (want %d), err %v", n, len(all), err)
	}
	var riverTable bool
	if err := db.Pool.QueryRow(ctx, `SELECT to_regclass('river_job') IS NOT NULL`).Scan(&riverTable); err != nil || !riverTable {
		t.Fatalf("river_job table missing: %v", err)
	}
}

func TestFreshDatabaseMigratesConcurrently(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	// Start from nothing: drop everything the template brought.
	if _, err := db.Pool.Exec(ctx, `DROP SCHEMA public CASCADE; CREATE SCHEMA public; CREATE EXTENSION vector`); err != nil {
		t.Fatal(err)
	}
	db.Pool.Reset()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = store.Migrate(ctx, db.Pool, logger) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent migrate from empty: %v", err)
		}
	}
	if pending, err := store.PendingMigrations(ctx, db.Pool); err != nil || len(pending) != 0 {
		t.Fatalf("pending = %v, err = %v", pending, err)
	}
}
