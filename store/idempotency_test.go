package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/store"
	"github.com/lorebase/lorebase/store/storetest"
)

func newOrg(t *testing.T, db *storetest.DB) string {
	t.Helper()
	org, _, err := store.NewOrganizations(db.Pool).Create(context.Background(), "store test", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	return org.ID
}

// A key's life: first use goes ahead; while running, the same request is a conflict and another
// request an invalid reuse; once completed the reply is replayed; a released key starts over.
func TestIdempotencyClaim(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	org := newOrg(t, db)
	keys := store.NewIdempotency(db.Pool)

	if status, body, err := keys.Claim(ctx, org, "k1", "hash-a"); err != nil || status != 0 || body != nil {
		t.Fatalf("first use: %d %s %v; want go ahead", status, body, err)
	}
	if _, _, err := keys.Claim(ctx, org, "k1", "hash-a"); !errors.Is(err, lorebase.ErrConflict) {
		t.Fatalf("same request while running: %v, want ErrConflict", err)
	}
	if _, _, err := keys.Claim(ctx, org, "k1", "hash-b"); !errors.Is(err, lorebase.ErrInvalid) {
		t.Fatalf("other request, same key: %v, want ErrInvalid", err)
	}
	if err := keys.Complete(ctx, org, "k1", 200, map[string]string{"answer": "yes"}); err != nil {
		t.Fatal(err)
	}
	status, body, err := keys.Claim(ctx, org, "k1", "hash-a")
	if err != nil || status != 200 || string(body) != `{"answer": "yes"}` {
		t.Fatalf("replay: %d %s %v", status, body, err)
	}
	// Keys belong to an organization.
	other := newOrg(t, db)
	if status, _, err := keys.Claim(ctx, other, "k1", "hash-a"); err != nil || status != 0 {
		t.Fatalf("same key in another organization: %d %v; want go ahead", status, err)
	}
	// A failed request releases its key, so a retry runs again; a completed one stays.
	if err := keys.Release(ctx, other, "k1"); err != nil {
		t.Fatal(err)
	}
	if status, _, err := keys.Claim(ctx, other, "k1", "hash-b"); err != nil || status != 0 {
		t.Fatalf("after release: %d %v; want go ahead", status, err)
	}
	if err := keys.Release(ctx, org, "k1"); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := keys.Claim(ctx, org, "k1", "hash-a"); status != 200 {
		t.Fatalf("a completed key was released: status %d", status)
	}
}

// The rate limiter counts hits per bucket in a window that resets after the period.
func TestRateLimiterWindow(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	rl := store.NewRateLimiter(db.Pool)
	for want := 1; want <= 3; want++ {
		u, err := rl.Hit(ctx, "bucket-a", time.Hour)
		if err != nil || u.Hits != want || time.Until(u.ResetAt) < 59*time.Minute {
			t.Fatalf("hit %d: %+v %v", want, u, err)
		}
	}
	if u, _ := rl.Hit(ctx, "bucket-b", time.Hour); u.Hits != 1 {
		t.Fatalf("another bucket shares the count: %+v", u)
	}
	if _, err := rl.Hit(ctx, "bucket-c", 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// The window is the database's clock: move the bucket's start back instead of sleeping.
	if _, err := db.Pool.Exec(ctx, `UPDATE rate_limit_windows SET window_start = window_start - interval '1 second' WHERE bucket = 'bucket-c'`); err != nil {
		t.Fatal(err)
	}
	if u, _ := rl.Hit(ctx, "bucket-c", 50*time.Millisecond); u.Hits != 1 {
		t.Fatalf("after the period: %+v, want a new window", u)
	}
}

// Translate maps database errors to the domain's kinds, an unreachable database included.
func TestTranslate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		kind error
	}{
		{"no rows", pgx.ErrNoRows, lorebase.ErrNotFound},
		{"unique violation", &pgconn.PgError{Code: "23505", ConstraintName: "x_key"}, lorebase.ErrConflict},
		{"foreign key", &pgconn.PgError{Code: "23503"}, lorebase.ErrInvalid},
		{"bad data", &pgconn.PgError{Code: "22P02"}, lorebase.ErrInvalid},
		{"shutting down", &pgconn.PgError{Code: "57P01"}, lorebase.ErrUnavailable},
		{"connection failure", &pgconn.PgError{Code: "08006"}, lorebase.ErrUnavailable},
	}
	for _, tc := range tests {
		if got := store.Translate(tc.err); !errors.Is(got, tc.kind) {
			t.Errorf("%s: Translate = %v, want %v", tc.name, got, tc.kind)
		}
	}
	other := &pgconn.PgError{Code: "42P01"} // undefined table: a bug, not a kind
	if got := store.Translate(other); got != other {
		t.Errorf("other errors pass through: %v", got)
	}
	if store.Translate(nil) != nil {
		t.Error("nil is nil")
	}
}

// A pool whose server is gone yields ErrUnavailable through Translate.
func TestTranslateUnreachable(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	cfg := db.Pool.Config().ConnConfig.Copy()
	cfg.Host, cfg.Port = "127.0.0.1", 1 // nothing listens there
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		conn.Close(ctx)
		t.Skip("something listens on port 1")
	}
	if got := store.Translate(err); !errors.Is(got, lorebase.ErrUnavailable) {
		t.Fatalf("Translate(%v) = %v, want ErrUnavailable", err, got)
	}
}

// Concurrent first uses of one key: exactly one goes ahead, the others hear it is running
// (not "not found", which the losers' snapshot alone would say).
func TestIdempotencyClaimConcurrent(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	org := newOrg(t, db)
	keys := store.NewIdempotency(db.Pool)
	for round := range 5 {
		key := fmt.Sprintf("race-%d", round)
		const n = 12
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				_, _, errs[i] = keys.Claim(context.Background(), org, key, "hash")
			})
		}
		close(start)
		wg.Wait()
		ahead := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ahead++
			case !errors.Is(err, lorebase.ErrConflict):
				t.Fatalf("round %d: %v, want nil or ErrConflict", round, err)
			}
		}
		if ahead != 1 {
			t.Fatalf("round %d: %d claims went ahead, want 1", round, ahead)
		}
	}
}
