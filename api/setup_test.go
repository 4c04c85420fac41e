package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lorebase/lorebase/answer"
	"github.com/lorebase/lorebase/api"
	"github.com/lorebase/lorebase/ingest/chunk"
	"github.com/lorebase/lorebase/ingest/crawl"
	"github.com/lorebase/lorebase/llm"
	"github.com/lorebase/lorebase/llm/offline"
	"github.com/lorebase/lorebase/retrieval"
	"github.com/lorebase/lorebase/store"
	"github.com/lorebase/lorebase/store/storetest"
	"github.com/lorebase/lorebase/worker"
)

var testKey = []byte("0123456789abcdef0123456789abcdef-test-key")

// testUploadLimit keeps the oversize-upload test small.
const testUploadLimit = 2 << 20

// startWorker runs River workers on the test's database until the test ends, with the offline
// embedder and a crawler allowed to reach the loopback test sites.
func (e *env) startWorker() { e.startWorkerWith(true) }

// startWorkerWith runs the workers; allowPrivate is the crawler's test switch.
func (e *env) startWorkerWith(allowPrivate bool) {
	e.t.Helper()
	chunker, err := chunk.New(chunk.Config{})
	if err != nil {
		e.t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	deps := &worker.Deps{Pool: e.db.Pool, Logger: logger, Embedder: offline.NewEmbedder(storetest.VectorDims), Chunker: chunker,
		Crawl: crawl.Config{Client: crawl.ClientConfig{AllowPrivate: allowPrivate}, MinDelay: time.Millisecond}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := worker.Run(ctx, e.db.Pool, deps, worker.Config{Concurrency: 2}, logger); err != nil {
			e.t.Errorf("worker: %v", err)
		}
	}()
	e.t.Cleanup(func() { cancel(); <-done })
}

// env is one test's world: a database, a running server and an organization's credentials.
type env struct {
	// chatModel, when set before the server starts, replaces the offline answerer.
	chatModel       llm.ChatModel
	sessionLifetime time.Duration
	// widgetHosts, when set before the server starts, are its widget host origins.
	widgetHosts []string
	// cfg, when set before the server starts, supplies the abuse-related settings (trusted
	// proxies, widget budgets, body read timeout).
	cfg  api.Config
	t    *testing.T
	db   *storetest.DB
	srv  *httptest.Server
	api  *api.Server
	orgs *store.Organizations
	org  tenant
}

type tenant struct {
	ID, ClientID, Secret string
}

func setup(t *testing.T, opts ...func(*env)) *env {
	t.Helper()
	db := storetest.New(t)
	e := &env{t: t, db: db, orgs: store.NewOrganizations(db.Pool)}
	for _, o := range opts {
		o(e)
	}
	e.api, e.srv = e.newServer()
	e.org = e.newTenant("ACME", "https://shop.example")
	return e
}

func (e *env) newServer() (*api.Server, *httptest.Server) {
	e.t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	inserter, err := worker.NewInsertClient(e.db.Pool, logger)
	if err != nil {
		e.t.Fatal(err)
	}
	searcher, err := retrieval.New(e.db.Pool, retrieval.Config{})
	if err != nil {
		e.t.Fatal(err)
	}
	s, err := api.New(api.Deps{
		Database:        store.NewDatabase(e.db.Pool),
		Orgs:            e.orgs,
		Limiter:         store.NewRateLimiter(e.db.Pool),
		Assistants:      store.NewAssistants(e.db.Pool),
		Knowledge:       worker.NewKnowledge(e.db.Pool, inserter),
		KnowledgeReader: store.NewKnowledge(e.db.Pool),
		Threads:         store.NewThreads(e.db.Pool),
		Contexts:        store.NewContexts(e.db.Pool),
		Idempotency:     store.NewIdempotency(e.db.Pool),
		Gaps:            store.NewGaps(e.db.Pool),
		WidgetConfigs:   store.NewWidgetConfigs(e.db.Pool),
		Feedback:        store.NewFeedback(e.db.Pool),
		Answerer:        answer.New(searcher, offline.NewEmbedder(storetest.VectorDims), e.chat(), answer.Config{Extractive: isExtractive(e.chat())}),
	}, api.Config{JWTKey: testKey, UploadLimit: testUploadLimit, SessionLifetime: e.sessionLifetime,
		WidgetHosts: e.widgetHosts,
		TrustProxy:  e.cfg.TrustProxy, TrustedProxyHops: e.cfg.TrustedProxyHops, Widget: e.cfg.Widget, BodyReadTimeout: e.cfg.BodyReadTimeout}, logger)
	if err != nil {
		e.t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	e.t.Cleanup(ts.Close)
	return s, ts
}

func (e *env) chat() llm.ChatModel {
	if e.chatModel != nil {
		return e.chatModel
	}
	return offline.NewAnswerer(offline.AnswererConfig{})
}

// isExtractive reports the offline answerer, which the answer engine is told about (cmd does the same).
func isExtractive(chat llm.ChatModel) bool {
	_, ok := chat.(*offline.Answerer)
	return ok
}

func (e *env) newTenant(name string, origins ...string) tenant {
	e.t.Helper()
	org, creds, err := e.orgs.Create(context.Background(), name, 0, origins)
	if err != nil {
		e.t.Fatal(err)
	}
	return tenant{ID: org.ID, ClientID: creds.Client.ClientID, Secret: creds.ClientSecret}
}

// response is a decoded envelope plus the raw HTTP response.
type response struct {
	Status     string          `json:"status"`
	StatusCode int             `json:"status_code"`
	Detail     *string         `json:"detail"`
	Data       json.RawMessage `json:"data"`
	HTTP       *http.Response  `json:"-"`
	Body       []byte          `json:"-"`
}

func (r *response) data(v any) {
	if err := json.Unmarshal(r.Data, v); err != nil {
		panic(err)
	}
}

func (r *response) detail() string {
	if r.Detail == nil {
		return ""
	}
	return *r.Detail
}

type reqOpt func(*http.Request)

func withKey(tn tenant) reqOpt {
	return func(r *http.Request) {
		r.Header.Set("X-API-Key", tn.ClientID)
		r.Header.Set("X-API-Secret", tn.Secret)
	}
}

func withHeader(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }

func withBearer(token string) reqOpt {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

// do sends a request to base+path; body may be nil, a string (sent raw) or a value (JSON).
func (e *env) do(base, method, path string, body any, opts ...reqOpt) *response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, o := range opts {
		o(req)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	out := &response{HTTP: res}
	out.Body, _ = io.ReadAll(res.Body)
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(out.Body, out); err != nil {
			e.t.Fatalf("%s %s: body is not JSON: %v: %s", method, path, err, out.Body)
		}
	}
	return out
}

func (e *env) call(method, path string, body any, opts ...reqOpt) *response {
	e.t.Helper()
	return e.do(e.srv.URL, method, path, body, opts...)
}

// expect fails the test unless the response has the status and is a well-formed envelope.
func expect(t *testing.T, r *response, status int) {
	t.Helper()
	if r.HTTP.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d: %s", r.HTTP.Request.Method, r.HTTP.Request.URL.Path, r.HTTP.StatusCode, status, r.Body)
	}
	if r.StatusCode != status {
		t.Fatalf("envelope status_code %d, want %d: %s", r.StatusCode, status, r.Body)
	}
	want := "success"
	if status >= 400 {
		want = "error"
		if r.detail() == "" {
			t.Fatalf("error envelope without detail: %s", r.Body)
		}
	}
	if r.Status != want {
		t.Fatalf("envelope status %q, want %q: %s", r.Status, want, r.Body)
	}
}
