package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lorebase/lorebase"
)

// Organizations stores tenants and their API clients.
type Organizations struct{ pool *pgxpool.Pool }

// NewOrganizations returns the organization store.
func NewOrganizations(pool *pgxpool.Pool) *Organizations { return &Organizations{pool: pool} }

// NewClientCredentials holds a freshly created client's secret, shown once.
type NewClientCredentials struct {
	Client       lorebase.APIClient
	ClientSecret string
}

// HashSecret is how client secrets are stored: SHA-256, hex. Secrets are 32 random bytes, so a
// fast hash is enough (no dictionary to attack).
func HashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

func newSecret(prefix string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

const insertOrganization = `INSERT INTO organizations (id, name, rate_limit_per_hour) VALUES ($1, $2, $3)
RETURNING id, name, rate_limit_per_hour, created_at`

// Create makes an organization with a first API client.
func (s *Organizations) Create(ctx context.Context, name string, rateLimit int, origins []string) (lorebase.Organization, NewClientCredentials, error) {
	var org lorebase.Organization
	var creds NewClientCredentials
	if rateLimit <= 0 {
		rateLimit = lorebase.RateLimitDefault
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		row := tx.QueryRow(ctx, insertOrganization, uuid.NewString(), name, rateLimit)
		if err := row.Scan(&org.ID, &org.Name, &org.RateLimitPerHour, &org.CreatedAt); err != nil {
			return Translate(err)
		}
		var err error
		creds, err = createClient(ctx, tx, org.ID, "default", origins)
		return err
	})
	return org, creds, err
}

const insertClient = `INSERT INTO api_clients (id, organization_id, client_id, secret_hash, name, allowed_origins)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id, organization_id, client_id, name, allowed_origins, is_active, created_at`

func createClient(ctx context.Context, q pgx.Tx, orgID, name string, origins []string) (NewClientCredentials, error) {
	if origins == nil {
		origins = []string{}
	}
	secret := newSecret("lbs_", 32)
	var c lorebase.APIClient
	err := q.QueryRow(ctx, insertClient, uuid.NewString(), orgID, newSecret("lbc_", 12), HashSecret(secret), name, origins).
		Scan(&c.ID, &c.OrganizationID, &c.ClientID, &c.Name, &c.AllowedOrigins, &c.IsActive, &c.CreatedAt)
	if err != nil {
		return NewClientCredentials{}, Translate(err)
	}
	return NewClientCredentials{Client: c, ClientSecret: secret}, nil
}

// CreateClient adds another API client to an organization.
func (s *Organizations) CreateClient(ctx context.Context, orgID, name string, origins []string) (NewClientCredentials, error) {
	var creds NewClientCredentials
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		creds, err = createClient(ctx, tx, orgID, name, origins)
		return err
	})
	return creds, err
}

const selectClient = `SELECT c.id, c.organization_id, c.client_id, c.secret_hash, c.name, c.allowed_origins, c.is_active, c.created_at,
    o.rate_limit_per_hour
FROM api_clients c JOIN organizations o ON o.id = c.organization_id WHERE c.client_id = $1`

// Client finds an API client by its public client id, with its organization's hourly limit:
// the two things every authenticated request needs, in one query.
func (s *Organizations) Client(ctx context.Context, clientID string) (lorebase.APIClient, int, error) {
	var c lorebase.APIClient
	var limit int
	err := s.pool.QueryRow(ctx, selectClient, clientID).
		Scan(&c.ID, &c.OrganizationID, &c.ClientID, &c.SecretHash, &c.Name, &c.AllowedOrigins, &c.IsActive, &c.CreatedAt, &limit)
	return c, limit, Translate(err)
}

const selectOrganization = `SELECT id, name, rate_limit_per_hour, created_at FROM organizations WHERE id = $1`

// Get finds an organization.
func (s *Organizations) Get(ctx context.Context, id string) (lorebase.Organization, error) {
	var o lorebase.Organization
	if _, err := uuid.Parse(id); err != nil {
		return o, lorebase.ErrNotFound
	}
	err := s.pool.QueryRow(ctx, selectOrganization, id).Scan(&o.ID, &o.Name, &o.RateLimitPerHour, &o.CreatedAt)
	return o, Translate(err)
}

const listOrganizations = `SELECT id, name, rate_limit_per_hour, created_at FROM organizations ORDER BY created_at, id`

// List returns every organization (for the operator CLI).
func (s *Organizations) List(ctx context.Context) ([]lorebase.Organization, error) {
	rows, err := s.pool.Query(ctx, listOrganizations)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (lorebase.Organization, error) {
		var o lorebase.Organization
		err := r.Scan(&o.ID, &o.Name, &o.RateLimitPerHour, &o.CreatedAt)
		return o, err
	})
}

const deleteOrganization = `DELETE FROM organizations WHERE id = $1`

// Delete removes an organization with everything it owns (clients, assistants, knowledge,
// chunks, threads), by cascade.
func (s *Organizations) Delete(ctx context.Context, orgID string) error {
	return s.execOne(ctx, deleteOrganization, orgID)
}

const updateRateLimit = `UPDATE organizations SET rate_limit_per_hour = $2 WHERE id = $1`

// SetRateLimit changes an organization's hourly request limit.
func (s *Organizations) SetRateLimit(ctx context.Context, orgID string, perHour int) error {
	if perHour <= 0 {
		return fmt.Errorf("%w: rate limit must be positive", lorebase.ErrInvalid)
	}
	tag, err := s.pool.Exec(ctx, updateRateLimit, orgID, perHour)
	if err != nil {
		return Translate(err)
	}
	if tag.RowsAffected() == 0 {
		return lorebase.ErrNotFound
	}
	return nil
}

const updateClientOrigins = `UPDATE api_clients SET allowed_origins = $2 WHERE client_id = $1`
const updateClientActive = `UPDATE api_clients SET is_active = $2 WHERE client_id = $1`

// SetClientOrigins replaces the origins a client's widget may be embedded on.
func (s *Organizations) SetClientOrigins(ctx context.Context, clientID string, origins []string) error {
	if origins == nil {
		origins = []string{}
	}
	return s.execOne(ctx, updateClientOrigins, clientID, origins)
}

// SetClientActive activates or deactivates a client; a deactivated client's keys and widget
// tokens stop working at once.
func (s *Organizations) SetClientActive(ctx context.Context, clientID string, active bool) error {
	return s.execOne(ctx, updateClientActive, clientID, active)
}

func (s *Organizations) execOne(ctx context.Context, sql string, args ...any) error {
	tag, err := s.pool.Exec(ctx, sql, args...)
	if err != nil {
		return Translate(err)
	}
	if tag.RowsAffected() == 0 {
		return lorebase.ErrNotFound
	}
	return nil
}

const listClients = `SELECT id, organization_id, client_id, name, allowed_origins, is_active, created_at
FROM api_clients WHERE organization_id = $1 ORDER BY created_at, id`

// Clients lists an organization's API clients (never their secrets).
func (s *Organizations) Clients(ctx context.Context, orgID string) ([]lorebase.APIClient, error) {
	rows, err := s.pool.Query(ctx, listClients, orgID)
	if err != nil {
		return nil, Translate(err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (lorebase.APIClient, error) {
		var c lorebase.APIClient
		err := r.Scan(&c.ID, &c.OrganizationID, &c.ClientID, &c.Name, &c.AllowedOrigins, &c.IsActive, &c.CreatedAt)
		return c, err
	})
}

const activeOrigins = `SELECT DISTINCT unnest(allowed_origins) FROM api_clients WHERE is_active`

// AllowedOrigins lists every origin some active client allows; CORS preflights, which carry no
// credentials, are answered for these.
func (s *Organizations) AllowedOrigins(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, activeOrigins)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// NormalizeOrigin lowercases scheme and host and drops a trailing slash, so that
// "https://Shop.example/" and "https://shop.example" compare equal.
func NormalizeOrigin(o string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(o)), "/")
}
