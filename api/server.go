package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/conversation"
)

// Config holds the server's settings; zero values take the defaults.
type Config struct {
	JWTKey          []byte   // HMAC key for widget tokens (required, at least 32 bytes)
	CORSOrigins     []string // origins allowed besides every client's allowed origins ("*" for any)
	TrustProxy      bool     // take the client IP from X-Forwarded-For
	UploadLimit     int64    // bytes; default UploadLimitDefault
	SessionLifetime time.Duration
	// WidgetHosts are the origins that serve widget iframes: their requests get CORS, and their
	// page origin is the X-Embed-Origin header (API.md, "Browser widgets").
	WidgetHosts []string
	// NoOwnWidgetHost stops the server's own origin from counting as a widget host; by default
	// it does, so the chat panel lorebase serves at /widget/ works with no configuration.
	NoOwnWidgetHost bool

	// TrustedProxyHops is how many proxies in front of the server append to X-Forwarded-For
	// (default 1): the client IP is the entry the outermost trusted proxy added, never an
	// entry the client wrote itself.
	TrustedProxyHops int
	// Widget bounds anonymous widget traffic (budgets.go).
	Widget WidgetLimits
	// BodyReadTimeout bounds reading a JSON request body (default 30 s); uploads get at least
	// as long as their size limit takes at 64 KiB/s.
	BodyReadTimeout time.Duration
}

// UploadLimitDefault bounds a knowledge file upload.
const UploadLimitDefault = 50 << 20

// Organizations is what the API needs to authenticate clients.
type Organizations interface {
	Client(ctx context.Context, clientID string) (lorebase.APIClient, int, error)
	AllowedOrigins(ctx context.Context) ([]string, error)
}

// RateLimiter counts requests per bucket across replicas.
type RateLimiter interface {
	Hit(ctx context.Context, bucket string, period time.Duration) (lorebase.RateUsage, error)
	HitMany(ctx context.Context, buckets []string, period time.Duration) (map[string]lorebase.RateUsage, error)
	Peek(ctx context.Context, bucket string, period time.Duration) (lorebase.RateUsage, error)
}

// Assistants stores assistants.
type Assistants interface {
	Create(ctx context.Context, a lorebase.Assistant) (lorebase.Assistant, error)
	Get(ctx context.Context, orgID, id string) (lorebase.Assistant, error)
	List(ctx context.Context, orgID string, page lorebase.Page) ([]lorebase.Assistant, int, error)
	Update(ctx context.Context, orgID, id string, p lorebase.AssistantPatch) (lorebase.Assistant, error)
	Delete(ctx context.Context, orgID, id string) error
}

// Database is what readiness and metrics need from the database: that it answers, that its
// schema is current, and the connection pool's statistics (collected at scrape time).
type Database interface {
	Ping(ctx context.Context) error
	PendingMigrations(ctx context.Context) ([]string, error)
	prometheus.Collector
}

// Deps are the server's collaborators.
type Deps struct {
	Database   Database
	Orgs       Organizations
	Limiter    RateLimiter
	Assistants Assistants
	// Knowledge changes items and queues their jobs; KnowledgeReader reads them.
	Knowledge       KnowledgeWriter
	KnowledgeReader KnowledgeReader
	Threads         Threads
	Contexts        Contexts
	Answerer        Answerer
	HitTester       HitTester                // POST /api/v1/search; nil: the Answerer, when it is one
	Idempotency     conversation.Idempotency // remembers replies by Idempotency-Key
	Gaps            Gaps
	WidgetConfigs   WidgetConfigs
	// ConsoleSessions holds console sign-ins; nil turns the console's sign-in off.
	ConsoleSessions ConsoleSessions
	Feedback        FeedbackStore
}

// Server is the HTTP API.
type Server struct {
	cfg     Config
	logger  *slog.Logger
	deps    Deps
	orgs    Organizations
	limiter RateLimiter
	origins *originSet
	metrics *metrics
	mux     *http.ServeMux
	routes  []route
	handler http.Handler

	// conversations runs a message's turn (history, both messages, the gap) below HTTP.
	conversations *conversation.Service

	// widgetHosts holds the normalized widget host origins; widgetMetrics counts feedback and telemetry.
	widgetHosts   map[string]bool
	widgetMetrics *widgetMetrics
}

// New wires the server.
func New(deps Deps, cfg Config, logger *slog.Logger) (*Server, error) {
	if len(cfg.JWTKey) < 32 {
		return nil, errors.New("api: the widget-token signing key must be at least 32 bytes")
	}
	if deps.WidgetConfigs == nil || deps.Feedback == nil {
		return nil, errors.New("api: the widget-config and feedback stores are required")
	}
	if cfg.UploadLimit <= 0 {
		cfg.UploadLimit = UploadLimitDefault
	}
	if cfg.SessionLifetime <= 0 {
		cfg.SessionLifetime = 30 * time.Minute
	}
	cfg.TrustedProxyHops = max(cfg.TrustedProxyHops, 1)
	cfg.Widget = cfg.Widget.withDefaults()
	if cfg.BodyReadTimeout <= 0 {
		cfg.BodyReadTimeout = BodyReadTimeoutDefault
	}
	statics := make([]string, 0, len(cfg.CORSOrigins))
	for _, o := range cfg.CORSOrigins {
		statics = append(statics, normalizeOrigin(o))
	}
	s := &Server{
		conversations: conversation.New(deps.Threads, deps.Assistants, deps.Contexts, deps.Answerer, deps.Gaps, deps.Idempotency,
			conversation.Config{HistoryTurns: historyTurns, SessionLifetime: cfg.SessionLifetime}, logger),
		cfg: cfg, logger: logger, deps: deps, orgs: deps.Orgs, limiter: deps.Limiter,
		origins: &originSet{load: deps.Orgs.AllowedOrigins, static: statics, ttl: 10 * time.Second},
		metrics: newMetrics(deps.Database),
		mux:     http.NewServeMux(),
	}
	s.widgetHosts = make(map[string]bool, len(cfg.WidgetHosts))
	for _, h := range cfg.WidgetHosts {
		if h = normalizeOrigin(h); h != "" {
			s.widgetHosts[h] = true
		}
	}
	s.widgetMetrics = newWidgetMetrics(s.metrics.registry)
	s.routes = append(s.routeTable(), s.browserRoutes()...)
	for _, rt := range s.routes {
		for _, p := range rt.patterns() {
			s.mux.Handle(p, s.wrap(rt))
		}
	}
	s.handler = s.observe(s.cors(http.HandlerFunc(s.dispatch)))
	return s, nil
}

// Handler is the root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// route is one endpoint: the router, the access rules and the OpenAPI document all come from
// the same table, so they cannot drift apart.
type route struct {
	method     string
	path       string // without trailing slash; {name} for parameters
	collection bool   // also served with a trailing slash
	aliases    []string
	access     access
	handle     func(w http.ResponseWriter, r *http.Request) error
	doc        routeDoc
}

func (rt route) patterns() []string {
	var out []string
	for _, p := range append([]string{rt.path}, rt.aliases...) {
		out = append(out, rt.method+" "+p)
		out = append(out, rt.method+" "+p+"/{$}")
	}
	return out
}

func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		infoFrom(r.Context()).route = rt.method + " " + rt.path
		err := s.screenRequest(w, r, rt)
		if err == nil {
			r, err = s.authenticate(w, r, rt.access)
		}
		if err == nil {
			err = rt.handle(w, r)
		}
		if err != nil {
			if r.Context().Err() != nil && errors.Is(err, context.Canceled) {
				return // the client went away; nobody reads the answer
			}
			writeError(w, r, err)
		}
	})
}

// dispatch routes through the mux, but renders its own 404 and 405 answers in the envelope.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(w, r) // sets the path values that Handler does not
		return
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	switch rec.Code {
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", rec.Header().Get("Allow"))
		writeError(w, r, lorebase.Errorf(lorebase.ErrMethodNotAllowed, "Method %s not allowed on %s", r.Method, r.URL.Path))
	default:
		writeError(w, r, lorebase.Errorf(lorebase.ErrNotFound, "Not found - no route for %s", r.URL.Path))
	}
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return host
}

// clientIP is the caller's address. Behind trusted proxies it is the X-Forwarded-For entry the
// outermost trusted proxy appended (the hops-th from the right): entries to its left were
// written by the client and prove nothing.
func (s *Server) clientIP(r *http.Request) string {
	if !s.cfg.TrustProxy {
		return clientIP(r)
	}
	var entries []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		for _, e := range strings.Split(v, ",") {
			if e = strings.TrimSpace(e); e != "" {
				entries = append(entries, e)
			}
		}
	}
	if len(entries) == 0 {
		return clientIP(r)
	}
	return entries[max(0, len(entries)-s.cfg.TrustedProxyHops)]
}

// Serve runs the HTTP server on ln until ctx ends, then drains in-flight requests for up to
// grace before closing.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.logger.Info("shutting down: draining in-flight requests", slog.Duration("grace", grace))
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	return nil
}
