package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

const (
	corsAllowHeaders  = "Authorization, Content-Type, X-API-Key, X-API-Secret, X-Embed-Origin, Idempotency-Key, X-Request-ID, Accept"
	corsExposeHeaders = "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, X-RateLimit-Policy, X-RateLimit-Widget-Limit, X-RateLimit-Widget-Remaining, X-RateLimit-Widget-Reset, Retry-After, X-Request-ID"
	corsAllowMethods  = "GET, POST, PATCH, PUT, DELETE, OPTIONS"
)

// originSet caches the origins allowed by any active client (plus configured ones), because
// preflight requests carry no credentials to look a client up by.
type originSet struct {
	load   func(ctx context.Context) ([]string, error)
	static []string
	ttl    time.Duration

	mu      sync.Mutex
	origins map[string]bool
	loaded  time.Time
}

func (o *originSet) allowed(ctx context.Context, origin string) bool {
	origin = normalizeOrigin(origin)
	if origin == "" {
		return false
	}
	if slices.Contains(o.static, "*") || slices.Contains(o.static, origin) {
		return true
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.origins == nil || time.Since(o.loaded) > o.ttl {
		list, err := o.load(ctx)
		if err == nil {
			o.origins = make(map[string]bool, len(list))
			for _, l := range list {
				o.origins[normalizeOrigin(l)] = true
			}
			o.loaded = time.Now()
		}
	}
	return o.origins[origin]
}

func normalizeOrigin(o string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(o)), "/")
}

// cors answers preflights and adds the CORS headers to responses for allowed origins. It
// reflects the origin (never "*") because credentials are allowed.
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		allowed := s.widgetHosts[normalizeOrigin(origin)] || s.origins.allowed(r.Context(), origin)
		if allowed {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			infoFrom(r.Context()).route = "preflight"
			if allowed {
				h.Set("Access-Control-Allow-Methods", corsAllowMethods)
				h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
				h.Set("Access-Control-Max-Age", "600")
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
