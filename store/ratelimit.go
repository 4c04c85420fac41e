package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lorebase/lorebase"
)

// RateLimiter counts requests per bucket in PostgreSQL, so every API replica shares one count.
// A window opens at a bucket's first request and lasts the period; the count is exact because
// each hit is one atomic upsert.
type RateLimiter struct{ pool *pgxpool.Pool }

// NewRateLimiter returns the limiter.
func NewRateLimiter(pool *pgxpool.Pool) *RateLimiter { return &RateLimiter{pool: pool} }

const hitBucket = `INSERT INTO rate_limit_windows AS w (bucket, window_start, hits) VALUES ($1, now(), 1)
ON CONFLICT (bucket) DO UPDATE SET
    hits = CASE WHEN w.window_start + $2::interval <= now() THEN 1 ELSE w.hits + 1 END,
    window_start = CASE WHEN w.window_start + $2::interval <= now() THEN now() ELSE w.window_start END
RETURNING hits, window_start + $2::interval`

// Hit counts one request against bucket and returns the count in the current window.
func (l *RateLimiter) Hit(ctx context.Context, bucket string, period time.Duration) (lorebase.RateUsage, error) {
	var u lorebase.RateUsage
	err := l.pool.QueryRow(ctx, hitBucket, bucket, period).Scan(&u.Hits, &u.ResetAt)
	return u, Translate(err)
}
