package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lorebase/lorebase"
)

// ConsoleSessions stores console sign-ins by the SHA-256 of their cookie token.
type ConsoleSessions struct{ pool *pgxpool.Pool }

// NewConsoleSessions returns the store.
func NewConsoleSessions(pool *pgxpool.Pool) *ConsoleSessions { return &ConsoleSessions{pool: pool} }

// Create stores a session and sweeps expired ones.
func (s *ConsoleSessions) Create(ctx context.Context, tokenHash []byte, cs lorebase.ConsoleSession) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM console_sessions WHERE expires_at < now()`); err != nil {
		return Translate(err)
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO console_sessions (token_hash, organization_id, client_id, csrf_token, expires_at)
VALUES ($1, $2, $3, $4, $5)`, tokenHash, cs.OrganizationID, cs.ClientID, cs.CSRFToken, cs.ExpiresAt)
	return Translate(err)
}

// Get returns a live session; an unknown or expired one is lorebase.ErrNotFound.
func (s *ConsoleSessions) Get(ctx context.Context, tokenHash []byte) (lorebase.ConsoleSession, error) {
	var cs lorebase.ConsoleSession
	err := s.pool.QueryRow(ctx, `SELECT organization_id::text, client_id, csrf_token, expires_at FROM console_sessions
WHERE token_hash = $1 AND expires_at > now()`, tokenHash).Scan(&cs.OrganizationID, &cs.ClientID, &cs.CSRFToken, &cs.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return cs, lorebase.ErrNotFound
	}
	return cs, Translate(err)
}

// Delete ends a session (logout); deleting an unknown one is not an error.
func (s *ConsoleSessions) Delete(ctx context.Context, tokenHash []byte) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM console_sessions WHERE token_hash = $1`, tokenHash)
	return Translate(err)
}
