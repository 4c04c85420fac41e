package lorebase

import "time"

// RateLimitDefault is the number of requests an organization may make per hour.
const RateLimitDefault = 1000

// RateUsage is a rate-limit bucket's state after a hit: the requests counted in the current
// window and when the window resets.
type RateUsage struct {
	Hits    int
	ResetAt time.Time
}

// Organization is a tenant: every other resource belongs to exactly one.
type Organization struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	RateLimitPerHour int       `json:"rate_limit_per_hour"`
	CreatedAt        time.Time `json:"created_at"`
}

// APIClient is a key pair of an organization. SecretHash is never serialised.
type APIClient struct {
	ID             string    `json:"id"`
	OrganizationID string    `json:"organization_id"`
	ClientID       string    `json:"client_id"`
	SecretHash     []byte    `json:"-"`
	Name           string    `json:"name"`
	AllowedOrigins []string  `json:"allowed_origins"`
	IsActive       bool      `json:"is_active"`
	CreatedAt      time.Time `json:"created_at"`
}

// Page asks for one page of a list; Page is 1-based.
type Page struct {
	Page     int
	PageSize int
}

// Offset is the number of rows before the page.
func (p Page) Offset() int { return (p.Page - 1) * p.PageSize }
