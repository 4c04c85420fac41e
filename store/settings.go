package store

import (
	"context"
	"crypto/rand"

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
	err := pool.QueryRow(ctx, ensureSetting, "widget_jwt_key", fresh).Scan(&key)
	return key, err
}
