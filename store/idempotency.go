package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lorebase/lorebase"
)

// Idempotency remembers the replies of POSTs sent with an Idempotency-Key for a day.
type Idempotency struct{ pool *pgxpool.Pool }

// NewIdempotency returns the store.
func NewIdempotency(pool *pgxpool.Pool) *Idempotency { return &Idempotency{pool: pool} }

const claimKey = `WITH ins AS (
    INSERT INTO idempotency_keys (organization_id, key, request_hash) VALUES ($1, $2, $3)
    ON CONFLICT DO NOTHING RETURNING 1
)
SELECT true, '', NULL::int, NULL::jsonb FROM ins
UNION ALL
SELECT false, request_hash, status_code, response FROM idempotency_keys WHERE organization_id = $1 AND key = $2
LIMIT 1`

// Claim records a key for a request, or reports what happened to it before: the status and
// body of the reply to replay (status 0 on first use: go ahead, then Complete), an error of kind
// lorebase.ErrConflict while the first request is still running, or of kind lorebase.ErrInvalid
// when the key was used for a different request.
func (s *Idempotency) Claim(ctx context.Context, orgID, key, requestHash string) (int, json.RawMessage, error) {
	var fresh bool
	var hash string
	var status *int
	var resp []byte
	err := insertOrSelect(func() error {
		return s.pool.QueryRow(ctx, claimKey, orgID, key, requestHash).Scan(&fresh, &hash, &status, &resp)
	})
	if err != nil {
		return 0, nil, Translate(err)
	}
	switch {
	case fresh:
		return 0, nil, nil
	case hash != requestHash:
		return 0, nil, fmt.Errorf("%w: idempotency key %q was used for a different request", lorebase.ErrInvalid, key)
	case status == nil:
		return 0, nil, fmt.Errorf("%w: the request with idempotency key %q is still running", lorebase.ErrConflict, key)
	}
	return *status, resp, nil
}

// Complete stores the reply for the key.
func (s *Idempotency) Complete(ctx context.Context, orgID, key string, status int, response any) error {
	b, err := json.Marshal(response)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `UPDATE idempotency_keys SET status_code = $3, response = $4 WHERE organization_id = $1 AND key = $2`, orgID, key, status, b)
	return Translate(err)
}

// Release forgets a key whose request failed, so that a retry runs again.
func (s *Idempotency) Release(ctx context.Context, orgID, key string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE organization_id = $1 AND key = $2 AND status_code IS NULL`, orgID, key)
	return Translate(err)
}
