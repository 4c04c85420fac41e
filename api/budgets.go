package api

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/lorebase/lorebase"
)

// Two budgets that never share a counter. Key-pair calls count against the organization's
// hourly limit (1,000 by default), exactly as before. Widget calls are anonymous (a widget
// token needs only the public client_id and an Origin any script can set), so they count
// against their own budgets: per visitor, per IP and per API client, and opening sessions is
// capped per visitor. However much anonymous traffic arrives, the organization's own key pair
// keeps its full hourly budget.

// WidgetLimits bounds anonymous widget traffic; zero fields take the defaults.
type WidgetLimits struct {
	PerVisitorPerHour         int // requests of one visitor (a token and its renewals); default 600
	PerIPPerHour              int // widget requests from one IP to one client; default 2,000
	PerClientPerHour          int // all widget requests to one API client; default 20,000
	SessionsPerVisitorPerHour int // sessions one visitor may open; default 20
	SessionsPerIPPerHour      int // sessions opened from one IP for one client; default 200
	TokensPerIPPerMinute      int // widget-token requests from one IP, refused ones included; default 30
	TokensPerClientPerMinute  int // tokens issued for one client (only issued ones count); default 3,000
}

func (l WidgetLimits) withDefaults() WidgetLimits {
	return WidgetLimits{
		PerVisitorPerHour:         cmp.Or(l.PerVisitorPerHour, 600),
		PerIPPerHour:              cmp.Or(l.PerIPPerHour, 2000),
		PerClientPerHour:          cmp.Or(l.PerClientPerHour, 20000),
		SessionsPerVisitorPerHour: cmp.Or(l.SessionsPerVisitorPerHour, 20),
		SessionsPerIPPerHour:      cmp.Or(l.SessionsPerIPPerHour, 200),
		TokensPerIPPerMinute:      cmp.Or(l.TokensPerIPPerMinute, 30),
		TokensPerClientPerMinute:  cmp.Or(l.TokensPerClientPerMinute, 3000),
	}
}

// Rate-limit headers. X-RateLimit-Limit, -Remaining and -Reset describe the budget this
// request counted against that is closest to running out, and X-RateLimit-Policy names it
// (key-pair, widget-visitor, widget-ip or widget-client). X-RateLimit-Widget-Limit, -Remaining
// and -Reset describe the API client's widget budget: key-pair callers see it beside their own
// budget, widget callers see the pool they share with every visitor of the client.
const (
	headerRateLimitPolicy          = "X-RateLimit-Policy"
	headerRateLimitWidgetLimit     = "X-RateLimit-Widget-Limit"
	headerRateLimitWidgetRemaining = "X-RateLimit-Widget-Remaining"
	headerRateLimitWidgetReset     = "X-RateLimit-Widget-Reset"
)

// bucketKey names a rate-limit bucket: the kind, then a hash of the parts, so that
// client-controlled values (client ids, IPs, visitor ids) never reach the table as they are
// and every key has the same short length.
func bucketKey(kind string, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return kind + ":" + hex.EncodeToString(h.Sum(nil)[:16])
}

// budget is one limit a request counts against.
type budget struct {
	policy string
	bucket string
	limit  int
}

// validClientID is the shape of the client ids lorebase issues ("lbc_" and URL-safe base64).
// Anything else is refused before it reaches a lookup or a rate-limit bucket.
var validClientID = regexp.MustCompile(`^lbc_[A-Za-z0-9_-]{4,60}$`)

// countRequest counts an authenticated request against the caller's budgets and sets the
// rate-limit headers.
func (s *Server) countRequest(w http.ResponseWriter, r *http.Request, p *principal) error {
	if p.widget {
		return s.countWidgetRequest(w, r, p)
	}
	u, err := s.limiter.Hit(r.Context(), bucketKey("org", p.orgID), time.Hour)
	if err != nil {
		return err
	}
	h := w.Header()
	setRateLimitHeaders(h, p.rateLimit, p.rateLimit-u.Hits, u.ResetAt)
	h.Set(headerRateLimitPolicy, "key-pair")
	limits := s.cfg.Widget
	if wu, err := s.limiter.Peek(r.Context(), bucketKey("widget-client", p.clientID), time.Hour); err == nil {
		setWidgetHeaders(h, limits.PerClientPerHour, wu.Hits, wu.ResetAt)
	}
	if u.Hits > p.rateLimit {
		return rateLimited(w, p.rateLimit, u.ResetAt)
	}
	return nil
}

// countWidgetRequest counts a widget request against the visitor's and the IP's budgets, and
// only when both allow it against the client's: a refused request never spends the budget
// the client's other visitors share.
func (s *Server) countWidgetRequest(w http.ResponseWriter, r *http.Request, p *principal) error {
	limits := s.cfg.Widget
	own := []budget{
		{"widget-visitor", bucketKey("widget-visitor", p.clientID, p.subject), limits.PerVisitorPerHour},
		{"widget-ip", bucketKey("widget-ip", p.clientID, s.clientIP(r)), limits.PerIPPerHour},
	}
	shared := budget{"widget-client", bucketKey("widget-client", p.clientID), limits.PerClientPerHour}
	return s.spend(w, r, time.Hour, own, shared)
}

// spentBudget is a budget and its usage after a request.
type spentBudget struct {
	budget
	lorebase.RateUsage
}

func (b spentBudget) remaining() int { return b.limit - b.Hits }

// hitAll counts one request against every budget's bucket in one round trip.
func (s *Server) hitAll(r *http.Request, period time.Duration, budgets []budget) (map[string]lorebase.RateUsage, error) {
	keys := make([]string, len(budgets))
	for i, b := range budgets {
		keys[i] = b.bucket
	}
	return s.limiter.HitMany(r.Context(), keys, period)
}

// spend counts a request against the caller's own budgets (one round trip) and, only if none
// is exhausted, against the shared one. It sets the headers of the exhausted budget, or else
// of the one closest to running out, and answers 429 when one is exhausted.
func (s *Server) spend(w http.ResponseWriter, r *http.Request, period time.Duration, own []budget, shared budget) error {
	usage, err := s.hitAll(r, period, own)
	if err != nil {
		return err
	}
	spent := make([]spentBudget, 0, len(own)+1)
	refused := -1
	for _, b := range own {
		spent = append(spent, spentBudget{b, usage[b.bucket]})
		if refused < 0 && spent[len(spent)-1].remaining() < 0 {
			refused = len(spent) - 1
		}
	}
	var su lorebase.RateUsage
	if refused < 0 {
		su, err = s.limiter.Hit(r.Context(), shared.bucket, period)
	} else {
		su, err = s.limiter.Peek(r.Context(), shared.bucket, period)
	}
	if err != nil {
		return err
	}
	spent = append(spent, spentBudget{shared, su})
	if refused < 0 && su.Hits > shared.limit {
		refused = len(spent) - 1
	}
	show := refused
	if show < 0 {
		show = 0
		for i, b := range spent {
			if b.remaining() < spent[show].remaining() {
				show = i
			}
		}
	}
	h := w.Header()
	setWidgetHeaders(h, shared.limit, su.Hits, su.ResetAt)
	setRateLimitHeaders(h, spent[show].limit, spent[show].remaining(), spent[show].ResetAt)
	h.Set(headerRateLimitPolicy, spent[show].policy)
	if refused >= 0 {
		return rateLimited(w, spent[refused].limit, spent[refused].ResetAt)
	}
	return nil
}

func setWidgetHeaders(h http.Header, limit, hits int, reset time.Time) {
	h.Set(headerRateLimitWidgetLimit, strconv.Itoa(limit))
	h.Set(headerRateLimitWidgetRemaining, strconv.Itoa(max(0, limit-hits)))
	h.Set(headerRateLimitWidgetReset, strconv.FormatInt(reset.Unix(), 10))
}

// limitSessions caps the sessions a widget visitor (and an IP) opens in an hour, so a script
// cannot fill an organization's session list; key-pair callers are not capped here.
func (s *Server) limitSessions(w http.ResponseWriter, r *http.Request, p *principal) error {
	if !p.widget {
		return nil
	}
	limits := s.cfg.Widget
	return s.spendQuietly(w, r, time.Hour, []budget{
		{"widget-sessions-visitor", bucketKey("widget-sessions-visitor", p.clientID, p.subject), limits.SessionsPerVisitorPerHour},
		{"widget-sessions-ip", bucketKey("widget-sessions-ip", p.clientID, s.clientIP(r)), limits.SessionsPerIPPerHour},
	})
}

// spendQuietly counts against budgets without touching the headers of the request's main
// budget, answering 429 when one is exhausted.
func (s *Server) spendQuietly(w http.ResponseWriter, r *http.Request, period time.Duration, budgets []budget) error {
	usage, err := s.hitAll(r, period, budgets)
	if err != nil {
		return err
	}
	for _, b := range budgets {
		if u := usage[b.bucket]; u.Hits > b.limit {
			return rateLimited(w, b.limit, u.ResetAt)
		}
	}
	return nil
}

// checkClientID validates a client id's shape before any lookup or bucket sees it.
func checkClientID(field, id string) error {
	ve := &lorebase.ValidationError{}
	switch {
	case id == "":
		ve.Add(field, "is required")
	case len(id) > 64 || !validClientID.MatchString(id):
		ve.Add(field, "is not a client id (lbc_ followed by letters, digits, - or _; at most 64 characters)")
	}
	return ve.Err()
}
