package main

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lorebase/lorebase/answer"
	"github.com/lorebase/lorebase/api"
	"github.com/lorebase/lorebase/llm"
	"github.com/lorebase/lorebase/retrieval"
	"github.com/lorebase/lorebase/store"
	"github.com/lorebase/lorebase/worker"
)

// serveOptions configure the API server.
type serveOptions struct {
	listen          string
	jwtKey          string
	corsOrigins     string
	widgetHosts     string
	noOwnWidgetHost bool
	trustProxy      bool
	proxyHops       int
	widget          api.WidgetLimits
	uploadLimitMB   int
	sessionLifetime time.Duration
	shutdownGrace   time.Duration
	lexicalIndex    bool
	feedback        int
}

func (o *serveOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", envOr("LOREBASE_LISTEN", ":8080"), "address to listen on ($LOREBASE_LISTEN)")
	f.StringVar(&o.jwtKey, "jwt-key", os.Getenv("LOREBASE_JWT_KEY"),
		"widget-token signing key, at least 32 bytes, raw or hex or base64 ($LOREBASE_JWT_KEY); empty: a key generated once and kept in the database")
	f.StringVar(&o.corsOrigins, "cors-origins", os.Getenv("LOREBASE_CORS_ORIGINS"),
		"extra comma-separated CORS origins besides every client's allowed origins ($LOREBASE_CORS_ORIGINS)")
	f.StringVar(&o.widgetHosts, "widget-hosts", os.Getenv("LOREBASE_WIDGET_HOSTS"),
		"comma-separated origins that serve chat-widget iframes, e.g. https://widget.example; their requests get CORS and name the embedding page in X-Embed-Origin ($LOREBASE_WIDGET_HOSTS)")
	f.BoolVar(&o.noOwnWidgetHost, "no-own-widget-host", envBool("LOREBASE_NO_OWN_WIDGET_HOST"),
		"do not count this server's own origin as a widget host; its built-in chat panel (/widget.js) then stops working ($LOREBASE_NO_OWN_WIDGET_HOST)")
	f.BoolVar(&o.trustProxy, "trust-proxy", envBool("LOREBASE_TRUST_PROXY"), "take client IPs from X-Forwarded-For ($LOREBASE_TRUST_PROXY)")
	f.IntVar(&o.widget.PerVisitorPerHour, "widget-visitor-per-hour", 0, "widget requests one visitor may make an hour (0: 600)")
	f.IntVar(&o.widget.PerIPPerHour, "widget-ip-per-hour", 0, "widget requests one IP may make to one client an hour (0: 2,000)")
	f.IntVar(&o.widget.PerClientPerHour, "widget-client-per-hour", 0,
		"widget requests all visitors together may make to one client an hour; key-pair calls never count here (0: 20,000)")
	f.IntVar(&o.widget.SessionsPerVisitorPerHour, "widget-sessions-per-visitor", 0, "sessions one widget visitor may open an hour (0: 20)")
	f.IntVar(&o.proxyHops, "trust-proxy-hops", envInt("LOREBASE_TRUST_PROXY_HOPS", 1),
		"with --trust-proxy: how many proxies append to X-Forwarded-For; the client IP is the entry the outermost one added ($LOREBASE_TRUST_PROXY_HOPS)")
	f.IntVar(&o.uploadLimitMB, "upload-limit-mb", 50, "largest knowledge file upload, in MiB")
	f.DurationVar(&o.sessionLifetime, "session-lifetime", 30*time.Minute, "how long an idle visitor session lives; each message extends it")
	f.DurationVar(&o.shutdownGrace, "shutdown-grace", 20*time.Second, "how long in-flight requests may finish after SIGTERM")
	f.BoolVar(&o.lexicalIndex, "lexical-index", envOr("LOREBASE_LEXICAL_INDEX", "true") != "false",
		"keep an in-process BM25 index, built at start and kept current from the chunk change feed; false: BM25 in SQL ($LOREBASE_LEXICAL_INDEX)")
	registerFeedback(cmd, &o.feedback)
}

func newServeCommand(opts *globalOptions) *cobra.Command {
	so, mo := &serveOptions{}, &modelOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP API server",
		Long: `Run the HTTP API server. It migrates the database at start (unless --no-migrate) and enqueues
background work for the workers (lorebase worker, or lorebase dev for both in one process).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runProcess(cmd, opts, mo, so, nil)
		},
	}
	so.register(cmd)
	mo.register(cmd)
	return cmd
}

// runProcess runs the API (when so is set) and the workers (when wo is set) on one database
// until the command's context ends.
func runProcess(cmd *cobra.Command, opts *globalOptions, mo *modelOptions, so *serveOptions, wo *workerOptions) error {
	ctx := cmd.Context()
	logger, err := opts.logger(os.Stderr)
	if err != nil {
		return err
	}
	embedder, err := mo.newEmbedder(cmd)
	if err != nil {
		return err
	}
	db, err := opts.openDatabase(ctx, logger, true)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := store.EnsureVectorIndex(ctx, db.Pool, embedder.Dimensions()); err != nil {
		return err
	}
	logger.Info("embedding model", slog.String("model", embedder.Model()), slog.Int("dimensions", embedder.Dimensions()))
	if so == nil {
		return runWorkers(ctx, db, wo, embedder, logger)
	}
	var index *retrieval.Index
	if so.lexicalIndex {
		var stop func()
		if index, stop, err = startLexicalIndex(ctx, db, logger); err != nil {
			return err
		}
		defer stop()
	}
	srv, err := buildAPI(ctx, db, so, mo, embedder, index, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", so.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", so.listen, err)
	}
	logger.Info("lorebase API listening", slog.String("address", ln.Addr().String()))
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ctx, ln, so.shutdownGrace) }()
	if wo != nil {
		go func() { errc <- runWorkers(ctx, db, wo, embedder, logger) }()
	}
	err = <-errc
	if wo != nil && err == nil {
		err = <-errc
	}
	return err
}

// startLexicalIndex builds the replica's in-process BM25 index in the background and follows
// the chunk change feed until stop is called (searches use SQL BM25 until it is built). stop
// waits for the index's goroutines and its LISTEN connection to end.
func startLexicalIndex(ctx context.Context, db *database, logger *slog.Logger) (*retrieval.Index, func(), error) {
	// $LOREBASE_INDEX_VECTOR_MB bounds the vectors held for the in-process vector leg (default
	// 2048; 0: none, pgvector answers every vector search).
	vecMB := int64(envInt("LOREBASE_INDEX_VECTOR_MB", retrieval.MaxVectorBytesDefault>>20))
	maxVec := vecMB << 20
	if vecMB <= 0 {
		maxVec = -1
	}
	index, err := retrieval.NewIndex(db.Pool, retrieval.IndexConfig{Logger: logger, MaxVectorBytes: maxVec})
	if err != nil {
		return nil, nil, err
	}
	ictx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := index.Run(ictx); err != nil {
			logger.Error("lexical index", slog.String("error", err.Error()))
		}
	}()
	return index, func() { cancel(); <-done }, nil
}

// buildAPI assembles the API server; index may be nil (BM25 in SQL).
func buildAPI(ctx context.Context, db *database, so *serveOptions, mo *modelOptions, embedder llm.Embedder, index *retrieval.Index, logger *slog.Logger) (*api.Server, error) {
	key, err := signingKey(ctx, db, so.jwtKey)
	if err != nil {
		return nil, err
	}
	inserter, err := worker.NewInsertClient(db.Pool, logger)
	if err != nil {
		return nil, err
	}
	chat, err := mo.newChatModel()
	if err != nil {
		return nil, err
	}
	logger.Info("chat model", slog.String("model", chat.Name()))
	acfg, err := mo.answerConfig(logger, chat)
	if err != nil {
		return nil, err
	}
	searcher, err := retrieval.New(db.Pool, retrieval.Config{Index: index, FeedbackDocs: so.feedback, Thesaurus: acfg.Thesaurus})
	if err != nil {
		return nil, err
	}
	origins := commaList(so.corsOrigins)
	widgetHosts, err := widgetHostList(so.widgetHosts)
	if err != nil {
		return nil, err
	}
	srv, err := api.New(api.Deps{
		Database:        store.NewDatabase(db.Pool),
		Orgs:            store.NewOrganizations(db.Pool),
		Limiter:         store.NewRateLimiter(db.Pool),
		Assistants:      store.NewAssistants(db.Pool),
		Knowledge:       worker.NewKnowledge(db.Pool, inserter),
		KnowledgeReader: store.NewKnowledge(db.Pool),
		Threads:         store.NewThreads(db.Pool),
		Contexts:        store.NewContexts(db.Pool),
		Idempotency:     store.NewIdempotency(db.Pool),
		Gaps:            store.NewGaps(db.Pool),
		ConsoleSessions: store.NewConsoleSessions(db.Pool),
		WidgetConfigs:   store.NewWidgetConfigs(db.Pool),
		Feedback:        store.NewFeedback(db.Pool),
		Answerer:        answer.New(searcher, embedder, chat, acfg),
	}, api.Config{
		JWTKey: key, CORSOrigins: origins, WidgetHosts: widgetHosts, NoOwnWidgetHost: so.noOwnWidgetHost, TrustProxy: so.trustProxy, TrustedProxyHops: so.proxyHops, Widget: so.widget,
		UploadLimit: int64(so.uploadLimitMB) << 20, SessionLifetime: so.sessionLifetime,
	}, logger)
	if err != nil {
		return nil, err
	}
	if index != nil {
		if err := srv.Registry().Register(index); err != nil {
			return nil, fmt.Errorf("register the index's metrics: %w", err)
		}
	}
	return srv, nil
}

// signingKey decodes a configured key (hex, base64 or raw) or uses the database's shared one.
func signingKey(ctx context.Context, db *database, configured string) ([]byte, error) {
	if configured == "" {
		return store.SigningKey(ctx, db.Pool)
	}
	if b, err := hex.DecodeString(configured); err == nil && len(b) >= 32 {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(configured); err == nil && len(b) >= 32 {
		return b, nil
	}
	if len(configured) < 32 {
		return nil, fmt.Errorf("--jwt-key must be at least 32 bytes")
	}
	return []byte(configured), nil
}

// commaList splits a comma-separated flag value, dropping empty entries.
func commaList(s string) []string {
	var out []string
	for _, o := range strings.Split(s, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// widgetHostList reads --widget-hosts: each entry must be an origin (scheme://host[:port],
// no path), because browsers send exactly that in Origin.
func widgetHostList(s string) ([]string, error) {
	hosts := commaList(s)
	for i, h := range hosts {
		u, err := url.Parse(h)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.TrimSuffix(u.Path, "/") != "" || u.RawQuery != "" {
			return nil, fmt.Errorf("--widget-hosts: %q is not an origin such as https://widget.example", h)
		}
		hosts[i] = store.NormalizeOrigin(h)
	}
	return hosts, nil
}

// registerFeedback adds --feedback-docs, shared by serve and eval so that eval measures what
// the API answers with.
func registerFeedback(cmd *cobra.Command, v *int) {
	cmd.Flags().IntVar(v, "feedback-docs", envInt("LOREBASE_FEEDBACK_DOCS", 0),
		"pseudo-relevance feedback (RM3) on the lexical leg from this many first-pass chunks, when those score alike; 0: the engine's default (off), -1: off, 10: the measured setting ($LOREBASE_FEEDBACK_DOCS)")
}
