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

// hitBuckets is hitBucket for several buckets of one period in one statement; the buckets are
// sorted so that concurrent statements lock their rows in the same order.
const hitBuckets = `INSERT INTO rate_limit_windows AS w (bucket, window_start, hits)
SELECT b, now(), 1 FROM (SELECT DISTINCT unnest($1::text[]) AS b) s ORDER BY b
ON CONFLICT (bucket) DO UPDATE SET
    hits = CASE WHEN w.window_start + $2::interval <= now() THEN 1 ELSE w.hits + 1 END,
    window_start = CASE WHEN w.window_start + $2::interval <= now() THEN now() ELSE w.window_start END
RETURNING bucket, hits, window_start + $2::interval`

// HitMany counts one request against each bucket (one round trip) and returns their usage by
// bucket.
func (l *RateLimiter) HitMany(ctx context.Context, buckets []string, period time.Duration) (map[string]lorebase.RateUsage, error) {
	rows, err := l.pool.Query(ctx, hitBuckets, buckets, period)
	if err != nil {
		return nil, Translate(err)
	}
	defer rows.Close()
	out := make(map[string]lorebase.RateUsage, len(buckets))
	for rows.Next() {
		var b string
		var u lorebase.RateUsage
		if err := rows.Scan(&b, &u.Hits, &u.ResetAt); err != nil {
			return nil, Translate(err)
		}
		out[b] = u
	}
	return out, Translate(rows.Err())
}

const peekBucket = `SELECT hits, reset_at FROM (
    SELECT 0 AS rank, CASE WHEN window_start + $2::interval <= now() THEN 0 ELSE hits END AS hits,
        CASE WHEN window_start + $2::interval <= now() THEN now() + $2::interval ELSE window_start + $2::interval END AS reset_at
    FROM rate_limit_windows WHERE bucket = $1
    UNION ALL SELECT 1, 0, now() + $2::interval
) u ORDER BY rank LIMIT 1`

// Peek reports a bucket's usage without counting a request.
func (l *RateLimiter) Peek(ctx context.Context, bucket string, period time.Duration) (lorebase.RateUsage, error) {
	var u lorebase.RateUsage
	err := l.pool.QueryRow(ctx, peekBucket, bucket, period).Scan(&u.Hits, &u.ResetAt)
	return u, Translate(err)
}
