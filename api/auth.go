package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/lorebase/lorebase"
)

// access says who may call a route.
type access int

const (
	accessPublic access = iota // no credentials (health, widget token)
	accessKey                  // API key pair only
	accessWidget               // API key pair or a widget token (the handler narrows further)
)

// principal is the authenticated caller.
type principal struct {
	orgID     string
	clientID  string
	widget    bool
	origin    string // widget tokens: the page origin the token was issued for
	host      string // widget tokens issued through a widget host: that host's origin
	subject   string // widget tokens: the visitor the token (and its renewals) belong to
	rateLimit int
}

func principalFrom(ctx context.Context) *principal {
	p, _ := ctx.Value(ctxPrincipal).(*principal)
	return p
}

// widgetTokenTTL is the lifetime of a widget token.
const widgetTokenTTL = time.Hour

type widgetClaims struct {
	Org    string `json:"org"`
	Client string `json:"cid"`
	Origin string `json:"origin"`
	// Host is the widget host the token was issued through, empty for a page's own request.
	Host  string `json:"wh,omitempty"`
	Scope string `json:"scope"`
	jwt.RegisteredClaims
}

func unauthenticated(detail string) error {
	return lorebase.Errorf(lorebase.ErrUnauthenticated, "Authentication required - %s", detail)
}

// authenticate checks the credentials of a request for a route and counts it against the
// organization's rate limit. It returns the request with the principal in its context.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, need access) (*http.Request, error) {
	if need == accessPublic {
		return r, nil
	}
	var p *principal
	var err error
	switch {
	case r.Header.Get("X-API-Key") != "" || r.Header.Get("X-API-Secret") != "":
		p, err = s.authenticateKey(r.Context(), r.Header.Get("X-API-Key"), r.Header.Get("X-API-Secret"))
	case strings.HasPrefix(r.Header.Get("Authorization"), "Bearer "):
		p, err = s.authenticateWidget(r.Context(), strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		if err == nil {
			// A valid token used from another origin is refused, but the log still names its organization.
			infoFrom(r.Context()).organizationID = p.orgID
			if page, host := s.pageOrigin(r); page == "" || page != p.origin || host != p.host {
				err = lorebase.Errorf(lorebase.ErrForbidden, "Forbidden - the request's origin does not match the widget token's origin")
			}
		}
	default:
		err = unauthenticated("send X-API-Key and X-API-Secret, or Authorization: Bearer <widget token>")
	}
	if err != nil {
		return r, err
	}
	infoFrom(r.Context()).organizationID = p.orgID
	r = r.WithContext(context.WithValue(r.Context(), ctxPrincipal, p))
	if err := s.countRequest(w, r, p); err != nil {
		return r, err
	}
	if p.widget && need != accessWidget {
		return r, lorebase.Errorf(lorebase.ErrForbidden, "Forbidden - a widget token may only open sessions, send and read their messages, update their metadata, leave feedback in them, and read assistants and widget configurations")
	}
	return r, nil
}

func (s *Server) authenticateKey(ctx context.Context, clientID, secret string) (*principal, error) {
	if clientID == "" || secret == "" {
		return nil, unauthenticated("both X-API-Key and X-API-Secret are needed")
	}
	if checkClientID("X-API-Key", clientID) != nil {
		return nil, unauthenticated("invalid API credentials")
	}
	c, limit, err := s.orgs.Client(ctx, clientID)
	if errors.Is(err, lorebase.ErrNotFound) {
		// Hash anyway so that unknown and known ids take the same time.
		_ = subtle.ConstantTimeCompare(hashSecret(secret), hashSecret(clientID))
		return nil, unauthenticated("invalid API credentials")
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(hashSecret(secret), c.SecretHash) != 1 {
		return nil, unauthenticated("invalid API credentials")
	}
	if !c.IsActive {
		return nil, unauthenticated("this API client is deactivated")
	}
	return &principal{orgID: c.OrganizationID, clientID: c.ClientID, rateLimit: limit}, nil
}

func hashSecret(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

func (s *Server) authenticateWidget(ctx context.Context, token string) (*principal, error) {
	claims, err := s.parseWidgetToken(token)
	if err != nil {
		return nil, err
	}
	c, limit, err := s.orgs.Client(ctx, claims.Client)
	if errors.Is(err, lorebase.ErrNotFound) || (err == nil && (!c.IsActive || c.OrganizationID != claims.Org)) {
		return nil, unauthenticated("the widget token's client is unknown or deactivated")
	}
	if err != nil {
		return nil, err
	}
	// The client's origins are read with the client on every request anyway: a token whose
	// origin was removed from the client stops working at once, not when it expires.
	if !originListed(c.AllowedOrigins, claims.Origin) {
		return nil, unauthenticated("the widget token's origin is no longer allowed for this client")
	}
	return &principal{orgID: claims.Org, clientID: claims.Client, widget: true, origin: claims.Origin, host: claims.Host,
		subject: claims.Subject, rateLimit: limit}, nil
}

func (s *Server) parseWidgetToken(token string) (*widgetClaims, error) {
	claims := &widgetClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return s.cfg.JWTKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(jwtIssuer),
		jwt.WithLeeway(5*time.Second))
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, unauthenticated("the widget token has expired")
	case err != nil:
		return nil, unauthenticated("invalid widget token")
	case claims.Scope != "widget" || claims.Org == "" || claims.Client == "":
		return nil, unauthenticated("invalid widget token")
	}
	return claims, nil
}

const jwtIssuer = "lorebase"

// pageOrigin is the normalized origin of the page the caller runs in (API.md, "Authentication"
// 2): the request's Origin, except for a widget served in an iframe from a configured widget
// host, whose requests carry Origin: <widget host> and X-Embed-Origin: <embedding page>; host is
// then that widget host. X-Embed-Origin from any other origin (or with no Origin) is ignored, so
// no page can claim another page's origin. A widget host's request without X-Embed-Origin has
// no page origin.
func (s *Server) pageOrigin(r *http.Request) (page, host string) {
	origin := normalizeOrigin(r.Header.Get("Origin"))
	if origin == "" || !s.widgetHosts[origin] {
		return origin, ""
	}
	return normalizeOrigin(r.Header.Get("X-Embed-Origin")), origin
}

func rateLimited(w http.ResponseWriter, limit int, reset time.Time) error {
	retry := int(time.Until(reset).Seconds()) + 1
	if retry < 1 {
		retry = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(retry))
	return &lorebase.Error{Kind: lorebase.ErrRateLimited, Message: "Rate limit exceeded - try again in " + strconv.Itoa(retry) + " seconds",
		Data: map[string]any{"limit": limit, "remaining": 0, "reset_at": reset.UTC().Format(time.RFC3339)}}
}

type widgetTokenRequest struct {
	ClientID string `json:"client_id"`
}

type widgetTokenResponse struct {
	Token     string `json:"token"`
	ExpiresIn int    `json:"expires_in"`
	TokenType string `json:"token_type"`
}

// issueWidgetToken answers POST /auth/widget-token. The response is the one body outside the
// envelope, as the seed shows it. A still-valid token of the same client and origin sent along
// renews it for the same visitor, so the visitor keeps access to its sessions.
func (s *Server) issueWidgetToken(w http.ResponseWriter, r *http.Request) error {
	var req widgetTokenRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := checkClientID("client_id", req.ClientID); err != nil {
		return err
	}
	// Every attempt counts against the caller's IP; only issued tokens count against the
	// client, so a few IPs sending refused requests cannot spend what real visitors need.
	limits := s.cfg.Widget
	if err := s.spendQuietly(w, r, time.Minute, []budget{
		{"widget-token-ip", bucketKey("widget-token-ip", s.clientIP(r)), limits.TokensPerIPPerMinute}}); err != nil {
		return err
	}
	origin, host := s.pageOrigin(r)
	if origin == "" {
		return &lorebase.Error{Kind: lorebase.ErrMalformed, Message: "Missing Origin or X-Embed-Origin header", Data: map[string]string{"code": "missing_origin_header"}}
	}
	c, _, err := s.orgs.Client(r.Context(), req.ClientID)
	if errors.Is(err, lorebase.ErrNotFound) || (err == nil && !c.IsActive) {
		return unauthenticated("unknown or inactive client")
	}
	if err != nil {
		return err
	}
	if !originListed(c.AllowedOrigins, origin) {
		return &lorebase.Error{Kind: lorebase.ErrMalformed, Message: "Origin not allowed for this client", Data: map[string]string{"code": "origin_not_allowed"}}
	}
	if err := s.spendQuietly(w, r, time.Minute, []budget{
		{"widget-token-client", bucketKey("widget-token-client", c.ClientID), limits.TokensPerClientPerMinute}}); err != nil {
		return err
	}
	subject := newVisitorSubject()
	if prev, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		if old, err := s.parseWidgetToken(prev); err == nil && old.Client == c.ClientID && old.Origin == origin && old.Host == host && old.Subject != "" {
			subject = old.Subject
		}
	}
	now := time.Now()
	claims := widgetClaims{Org: c.OrganizationID, Client: c.ClientID, Origin: origin, Host: host, Scope: "widget",
		RegisteredClaims: jwt.RegisteredClaims{Issuer: jwtIssuer, Subject: subject, IssuedAt: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(widgetTokenTTL))}}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.cfg.JWTKey)
	if err != nil {
		return err
	}
	infoFrom(r.Context()).organizationID = c.OrganizationID
	writeJSON(w, http.StatusOK, widgetTokenResponse{Token: signed, ExpiresIn: int(widgetTokenTTL.Seconds()), TokenType: "Bearer"})
	return nil
}

// originListed reports whether a normalised origin is one of a client's allowed origins.
func originListed(allowed []string, origin string) bool {
	return slices.ContainsFunc(allowed, func(o string) bool { return normalizeOrigin(o) == origin })
}

func newVisitorSubject() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "v_" + hex.EncodeToString(b)
}
