package api

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/lorebase/lorebase"
)

// The knowledge manager console (/console/) signs in once with an API key pair. The secret
// goes to the server in one request and is never kept by the page: the server answers with a
// random session token in an HttpOnly, SameSite=Strict cookie, stores only its SHA-256
// (table console_sessions) with a CSRF token, and from then on the console calls the ordinary
// /api/v1 endpoints with that cookie. Every change (any method but GET/HEAD) must echo the CSRF
// token in X-CSRF-Token; a request whose Origin is another site is refused as well. Logout
// deletes the row; a session ends ConsoleSessionTTL after sign-in, or at once when its API
// client is deactivated.

// ConsoleSessionTTL is how long a console sign-in lasts.
const ConsoleSessionTTL = 8 * time.Hour

const (
	consoleCookie     = "lorebase_console"
	consoleCSRFHeader = "X-CSRF-Token"
	// consoleLoginsPerIPPerMinute bounds guessing of key pairs through the sign-in form.
	consoleLoginsPerIPPerMinute = 20
)

type consoleLoginInput struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// consoleSessionView is what the console page learns about its sign-in: never the secret,
// never the cookie's token.
type consoleSessionView struct {
	OrganizationID string    `json:"organization_id"`
	ClientID       string    `json:"client_id"`
	CSRFToken      string    `json:"csrf_token"`
	ExpiresAt      time.Time `json:"expires_at"`
}

// ConsoleSessions stores console sign-ins by the SHA-256 of their cookie token.
type ConsoleSessions interface {
	Create(ctx context.Context, tokenHash []byte, cs lorebase.ConsoleSession) error
	// Get returns a live session; an unknown or expired one is lorebase.ErrNotFound.
	Get(ctx context.Context, tokenHash []byte) (lorebase.ConsoleSession, error)
	Delete(ctx context.Context, tokenHash []byte) error
}

// errConsoleOff answers the console's sign-in on a server wired without console sessions.
var errConsoleOff = fmt.Errorf("%w: the console is not enabled on this server", lorebase.ErrNotFound)

// consoleLogin exchanges a key pair for a console session cookie.
func (s *Server) consoleLogin(w http.ResponseWriter, r *http.Request) error {
	if err := s.checkSameSite(r); err != nil {
		return err
	}
	if s.deps.ConsoleSessions == nil {
		return errConsoleOff
	}
	u, err := s.limiter.Hit(r.Context(), "console-login:"+s.clientIP(r), time.Minute)
	if err != nil {
		return err
	}
	if u.Hits > consoleLoginsPerIPPerMinute {
		return rateLimited(w, consoleLoginsPerIPPerMinute, u.ResetAt)
	}
	var in consoleLoginInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ve := &lorebase.ValidationError{}
	if strings.TrimSpace(in.ClientID) == "" {
		ve.Add("client_id", "is required")
	}
	if in.ClientSecret == "" {
		ve.Add("client_secret", "is required")
	}
	if err := ve.Err(); err != nil {
		return err
	}
	p, err := s.authenticateKey(r.Context(), strings.TrimSpace(in.ClientID), in.ClientSecret)
	if err != nil {
		return err
	}
	infoFrom(r.Context()).organizationID = p.orgID
	token, csrf := randomToken(), randomToken()
	cs := lorebase.ConsoleSession{OrganizationID: p.orgID, ClientID: p.clientID, CSRFToken: csrf,
		ExpiresAt: time.Now().Add(ConsoleSessionTTL).UTC().Truncate(time.Second)}
	if err := s.deps.ConsoleSessions.Create(r.Context(), hashSecret(token), cs); err != nil {
		return err
	}
	http.SetCookie(w, s.consoleCookie(r, token, cs.ExpiresAt))
	writeData(w, http.StatusCreated, consoleSessionView{OrganizationID: cs.OrganizationID, ClientID: cs.ClientID,
		CSRFToken: csrf, ExpiresAt: cs.ExpiresAt})
	return nil
}

// consoleSession tells the page whether it is signed in, and gives it the CSRF token.
func (s *Server) consoleSession(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.consoleSessionOf(r)
	if err != nil {
		return err
	}
	infoFrom(r.Context()).organizationID = cs.OrganizationID
	writeData(w, http.StatusOK, consoleSessionView{OrganizationID: cs.OrganizationID, ClientID: cs.ClientID,
		CSRFToken: cs.CSRFToken, ExpiresAt: cs.ExpiresAt})
	return nil
}

// consoleLogout ends the session and clears the cookie.
func (s *Server) consoleLogout(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.consoleSessionOf(r)
	if err != nil {
		return err
	}
	if err := s.checkCSRF(r, cs); err != nil {
		return err
	}
	c, _ := r.Cookie(consoleCookie)
	if err := s.deps.ConsoleSessions.Delete(r.Context(), hashSecret(c.Value)); err != nil {
		return err
	}
	expired := s.consoleCookie(r, "", time.Unix(0, 0))
	expired.MaxAge = -1
	http.SetCookie(w, expired)
	writeData(w, http.StatusOK, map[string]bool{"signed_out": true})
	return nil
}

func (s *Server) consoleCookie(r *http.Request, value string, expires time.Time) *http.Cookie {
	secure := r.TLS != nil || (s.cfg.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https")
	return &http.Cookie{Name: consoleCookie, Value: value, Path: "/", Expires: expires, HttpOnly: true,
		Secure: secure, SameSite: http.SameSiteStrictMode}
}

func hasConsoleCookie(r *http.Request) bool {
	c, err := r.Cookie(consoleCookie)
	return err == nil && c.Value != ""
}

// consoleSessionOf loads the live session named by the request's cookie.
func (s *Server) consoleSessionOf(r *http.Request) (lorebase.ConsoleSession, error) {
	c, err := r.Cookie(consoleCookie)
	if s.deps.ConsoleSessions == nil {
		return lorebase.ConsoleSession{}, errConsoleOff
	}
	if err != nil || c.Value == "" {
		return lorebase.ConsoleSession{}, unauthenticated("sign in to the console")
	}
	cs, err := s.deps.ConsoleSessions.Get(r.Context(), hashSecret(c.Value))
	if errors.Is(err, lorebase.ErrNotFound) {
		return cs, unauthenticated("the console session has ended - sign in again")
	}
	if err != nil {
		return cs, err
	}
	if err := s.checkSameSite(r); err != nil {
		return cs, err
	}
	return cs, nil
}

// authenticateConsole turns a console cookie into the principal of its API client: the same
// rights as the key pair, checked again on every request so a deactivated client signs out.
func (s *Server) authenticateConsole(r *http.Request) (*principal, error) {
	cs, err := s.consoleSessionOf(r)
	if err != nil {
		return nil, err
	}
	if err := s.checkCSRF(r, cs); err != nil {
		return nil, err
	}
	c, limit, err := s.orgs.Client(r.Context(), cs.ClientID)
	if errors.Is(err, lorebase.ErrNotFound) || (err == nil && (!c.IsActive || c.OrganizationID != cs.OrganizationID)) {
		return nil, unauthenticated("the console's API client is deactivated")
	}
	if err != nil {
		return nil, err
	}
	return &principal{orgID: cs.OrganizationID, clientID: cs.ClientID, rateLimit: limit}, nil
}

// checkCSRF requires the session's CSRF token on every request that may change something.
func (s *Server) checkCSRF(r *http.Request, cs lorebase.ConsoleSession) error {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return nil
	}
	got := r.Header.Get(consoleCSRFHeader)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(cs.CSRFToken)) != 1 {
		return fmt.Errorf("%w - a console change needs the session's %s header; reload the console", lorebase.ErrForbidden, consoleCSRFHeader)
	}
	return nil
}

// checkSameSite refuses cookie requests that a browser marks as coming from another origin.
// SameSite=Strict already keeps the cookie off cross-site requests; this also covers sibling
// origins of the same site (another port or subdomain).
func (s *Server) checkSameSite(r *http.Request) error {
	if o := r.Header.Get("Origin"); o != "" && !s.isOwnOrigin(r, o) {
		return fmt.Errorf("%w - the console accepts requests from its own pages only (%s is not %s; behind a reverse proxy, start the server with --trust-proxy)",
			lorebase.ErrForbidden, normalizeOrigin(o), s.ownOrigin(r))
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return fmt.Errorf("%w - the console accepts requests from its own pages only", lorebase.ErrForbidden)
	}
	return nil
}

// isOwnOrigin tells whether origin is this server's own origin as the request reached it: its
// pages (the console and the widget frame) call the API from there.
func (s *Server) isOwnOrigin(r *http.Request, origin string) bool {
	return normalizeOrigin(origin) == normalizeOrigin(s.ownOrigin(r))
}

// ownOrigin is scheme://host of this server as the request reached it.
func (s *Server) ownOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || (s.cfg.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https") {
		scheme = "https"
	}
	host := r.Host
	if s.cfg.TrustProxy {
		if fh := r.Header.Get("X-Forwarded-Host"); fh != "" {
			host = strings.TrimSpace(strings.Split(fh, ",")[0])
		}
	}
	return scheme + "://" + host
}

// ownWidgetHost returns this server's own origin when the request comes from the chat panel it
// serves at /widget/ (lorebase is its own default widget host), else "". Browsers send no Origin
// on a same-origin GET, so such a request counts when it says Sec-Fetch-Site: same-origin and
// carries X-Embed-Origin.
func (s *Server) ownWidgetHost(r *http.Request, origin string) string {
	if s.cfg.NoOwnWidgetHost {
		return ""
	}
	switch {
	case origin != "" && s.isOwnOrigin(r, origin):
		return origin
	case origin == "" && r.Header.Get("Sec-Fetch-Site") == "same-origin" && r.Header.Get("X-Embed-Origin") != "":
		return normalizeOrigin(s.ownOrigin(r))
	}
	return ""
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
