package store

import (
	"context"
	"crypto/rand"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

const ensureSetting = `WITH ins AS (
    INSERT INTO server_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING value
)
SELECT value FROM ins UNION ALL SELECT value FROM server_settings WHERE name = $1 LIMIT 1`

// SigningKey returns the widget-token signing key stored in the database, generating it on
// first use. Every replica reads the same key, so a token issued by one verifies on all.
func SigningKey(ctx context.Context, pool *pgxpool.Pool) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	var key []byte
	err := insertOrSelect(func() error {
		return pool.QueryRow(ctx, ensureSetting, "widget_jwt_key", fresh).Scan(&key)
	})
	return key, Translate(err)
}

// insertOrSelect runs an "INSERT ... ON CONFLICT DO NOTHING RETURNING, else SELECT" query
// again when it found no row. That happens when another transaction inserted the same key
// concurrently: the INSERT waits for it and then does nothing, but the SELECT reads the
// statement's snapshot, taken before the other commit. A second run sees the committed row.
// (Two replicas starting on a fresh database race like this for the signing key.)
func insertOrSelect(query func() error) error {
	err := query()
	for range 2 {
		if !errors.Is(err, pgx.ErrNoRows) {
			break
		}
		err = query()
	}
	return err
}
