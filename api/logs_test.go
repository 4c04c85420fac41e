package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/answer"
	"github.com/lorebase/lorebase/api"
	"github.com/lorebase/lorebase/ingest/chunk"
	"github.com/lorebase/lorebase/ingest/crawl"
	"github.com/lorebase/lorebase/llm"
	"github.com/lorebase/lorebase/llm/openai"
	"github.com/lorebase/lorebase/llm/openai/openaitest"
	"github.com/lorebase/lorebase/retrieval"
	"github.com/lorebase/lorebase/store"
	"github.com/lorebase/lorebase/store/storetest"
	"github.com/lorebase/lorebase/worker"
)

// logBuffer collects JSON log lines from the server and the workers, which log concurrently.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// loggedWorld is setup's world with a server and workers that log JSON (debug level) into
// logs, and a model server behind an API key for both chat and embeddings.
type loggedWorld struct {
	*env
	logs     *logBuffer
	model    *openaitest.Server
	modelKey string
}

const logsModelKey = "sk-live-model-key-5f2e9c1b7a0d4e63"

func setupLogged(t *testing.T) *loggedWorld {
	t.Helper()
	w := &loggedWorld{logs: &logBuffer{}, modelKey: logsModelKey}
	w.model = openaitest.NewServer(t, openaitest.Options{APIKey: w.modelKey, Dimensions: storetest.VectorDims,
		Reply: func(r openaitest.Request) string {
			// A careless model server echoes what it received, headers included.
			return "Echo: " + r.LastUserMessage() + " auth=" + r.Header.Get("Authorization") + " [1]"
		}})
	cfg := openai.Config{BaseURL: w.model.URL, APIKey: w.modelKey, ChatModel: "fake-gpt", EmbeddingModel: "fake-embed",
		Dimensions: storetest.VectorDims, MaxRetries: 1, RetryDelay: time.Millisecond, Timeout: 5 * time.Second}
	chat, err := openai.NewChat(cfg)
	if err != nil {
		t.Fatal(err)
	}
	embedder, err := openai.NewEmbedder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewJSONHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w.env = setup(t, func(e *env) { e.chatModel = chat })
	w.api, w.srv = w.newLoggedServer(logger, embedder, chat)
	w.startLoggedWorker(logger, embedder)
	return w
}

// newLoggedServer is newServer with the given logger, embedder and chat model.
func (w *loggedWorld) newLoggedServer(logger *slog.Logger, embedder llm.Embedder, chat llm.ChatModel) (*api.Server, *httptest.Server) {
	w.t.Helper()
	s := newServerWith(w.t, w.db, w.orgs, logger, embedder, chat)
	ts := httptest.NewServer(s.Handler())
	w.t.Cleanup(ts.Close)
	return s, ts
}

// newServerWith wires a server the way newServer does, for callers without an env (fuzz
// targets) or with their own logger and models.
func newServerWith(tb testing.TB, db *storetest.DB, orgs *store.Organizations, logger *slog.Logger, embedder llm.Embedder, chat llm.ChatModel) *api.Server {
	tb.Helper()
	pool := db.Pool
	inserter, err := worker.NewInsertClient(pool, logger)
	if err != nil {
		tb.Fatal(err)
	}
	searcher, err := retrieval.New(pool, retrieval.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	s, err := api.New(api.Deps{
		Database: store.NewDatabase(pool), Orgs: orgs, Limiter: store.NewRateLimiter(pool), Assistants: store.NewAssistants(pool),
		Knowledge: worker.NewKnowledge(pool, inserter), KnowledgeReader: store.NewKnowledge(pool),
		Threads: store.NewThreads(pool), Contexts: store.NewContexts(pool), Idempotency: store.NewIdempotency(pool),
		Gaps: store.NewGaps(pool), WidgetConfigs: store.NewWidgetConfigs(pool), Feedback: store.NewFeedback(pool),
		Answerer: answer.New(searcher, embedder, chat, answer.Config{Extractive: isExtractive(chat)}),
	}, api.Config{JWTKey: testKey, UploadLimit: testUploadLimit}, logger)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func (w *loggedWorld) startLoggedWorker(logger *slog.Logger, embedder llm.Embedder) {
	t := w.t
	chunker, err := chunk.New(chunk.Config{})
	if err != nil {
		t.Fatal(err)
	}
	deps := &worker.Deps{Pool: w.db.Pool, Logger: logger, Embedder: embedder, Chunker: chunker,
		Crawl: crawl.Config{Client: crawl.ClientConfig{AllowPrivate: true}, MinDelay: time.Millisecond}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := worker.Run(ctx, w.db.Pool, deps, worker.Config{Concurrency: 2}, logger); err != nil {
			t.Errorf("worker: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
}

// sent remembers which request ids were sent and which organization each should be logged with.
type sent struct {
	requests map[string]string // request id → organization id ("" when unauthenticated)
	n        int
}

func (s *sent) id(org string) reqOpt {
	s.n++
	rid := fmt.Sprintf("logs-test-%03d", s.n)
	s.requests[rid] = org
	return withHeader("X-Request-ID", rid)
}

// TestLogsNeverCarrySecrets drives every path that handles a secret (key pairs right and wrong,
// widget tokens issued, renewed, forged and used, uploads, a model server that fails and echoes
// its key) and then reads the whole log: no secret appears, and every request line has the
// fields operators search by.
func TestLogsNeverCarrySecrets(t *testing.T) {
	t.Parallel()
	w := setupLogged(t)
	e, org := w.env, w.org
	key := withKey(org)
	s := &sent{requests: map[string]string{}}
	const shop = "https://shop.example"
	origin := withHeader("Origin", shop)
	wrongSecret := "lbs_wrong-secret-9d8c7b6a5f4e3d2c"

	// Key pairs: valid, wrong secret, missing parts, unknown client, secret in the query string.
	expect(t, e.call("GET", "/api/v1/assistants", nil, key, s.id(org.ID)), http.StatusOK)
	r := e.call("POST", "/api/v1/assistants", `{"name":"Logger","default_tasks":["answer"]}`, key, s.id(org.ID))
	expect(t, r, http.StatusCreated)
	var a lorebase.Assistant
	r.data(&a)
	expect(t, e.call("GET", "/api/v1/assistants", nil, withHeader("X-API-Key", org.ClientID), withHeader("X-API-Secret", wrongSecret), s.id("")), http.StatusUnauthorized)
	expect(t, e.call("GET", "/api/v1/assistants", nil, withHeader("X-API-Secret", org.Secret), s.id("")), http.StatusUnauthorized)
	expect(t, e.call("GET", "/api/v1/assistants", nil, withHeader("X-API-Key", "lbc_unknown"), withHeader("X-API-Secret", org.Secret), s.id("")), http.StatusUnauthorized)
	expect(t, e.call("GET", "/api/v1/assistants?api_secret="+org.Secret, nil, key, s.id(org.ID)), http.StatusOK)

	// Widget tokens: issued, renewed, used, used from the wrong origin, tampered, and sent as
	// a key secret by mistake.
	r = e.call("POST", "/api/v1/auth/widget-token", map[string]string{"client_id": org.ClientID}, origin, s.id(org.ID))
	var tok struct{ Token string }
	_ = json.Unmarshal(r.Body, &tok)
	if tok.Token == "" {
		t.Fatalf("widget token: %s", r.Body)
	}
	token := tok.Token
	r = e.call("POST", "/api/v1/auth/widget-token", map[string]string{"client_id": org.ClientID}, origin, withBearer(token), s.id(org.ID))
	var renewed struct{ Token string }
	_ = json.Unmarshal(r.Body, &renewed)
	r = e.call("POST", "/api/v1/sessions", map[string]any{"assistant_id": a.ID}, withBearer(token), origin, s.id(org.ID))
	expect(t, r, http.StatusCreated)
	var session struct{ ID string }
	r.data(&session)
	expect(t, e.call("GET", "/api/v1/assistants/"+a.ID, nil, withBearer(renewed.Token), origin, s.id(org.ID)), http.StatusOK)
	expect(t, e.call("GET", "/api/v1/assistants/"+a.ID, nil, withBearer(token), withHeader("Origin", "https://evil.example"), s.id(org.ID)), http.StatusForbidden)
	expect(t, e.call("GET", "/api/v1/assistants", nil, withBearer(token), origin, s.id(org.ID)), http.StatusForbidden)
	expect(t, e.call("GET", "/api/v1/assistants/"+a.ID, nil, withBearer(token+"x"), origin, s.id("")), http.StatusUnauthorized)
	expect(t, e.call("GET", "/api/v1/assistants", nil, withHeader("X-API-Key", org.ClientID), withHeader("X-API-Secret", token), s.id("")), http.StatusUnauthorized)
	r = e.call("POST", "/api/v1/auth/widget-token", map[string]string{"client_id": org.ClientID}, withHeader("Origin", "https://evil.example"), s.id(""))
	expect(t, r, http.StatusBadRequest)

	// Uploads: a PDF and Markdown that become ready (embedded by the keyed model server), and a
	// broken PDF that fails in the worker.
	r = e.upload(org, "Store policy", "pdf", "policy.pdf", policyPDF())
	expect(t, r, http.StatusAccepted)
	var pdfItem lorebase.KnowledgeItem
	r.data(&pdfItem)
	r = e.upload(org, "Secrets manual", "markdown", "secrets.md", []byte("# Secrets\n\nRotate the keys every quarter.\n"))
	expect(t, r, http.StatusAccepted)
	var mdItem lorebase.KnowledgeItem
	r.data(&mdItem)
	r = e.upload(org, "Broken", "pdf", "broken.pdf", []byte("%PDF-1.4\n1 0 obj << /Type /Catalog"))
	expect(t, r, http.StatusAccepted)
	var broken lorebase.KnowledgeItem
	r.data(&broken)
	for _, id := range []string{pdfItem.ID, mdItem.ID} {
		if it := e.waitItem(org, id); it.Status != lorebase.StatusReady {
			t.Fatalf("item %s: %+v", id, it)
		}
	}
	if it := e.waitItem(org, broken.ID); it.Status != lorebase.StatusFailed {
		t.Fatalf("broken upload: %+v", it)
	}

	// The model server fails with 500 and 401, echoing the key and the prompt; then answers
	// normally (echoing the Authorization header it got into the reply).
	echo := "upstream exploded; request had Authorization: Bearer " + w.modelKey + " and key " + w.modelKey
	w.model.Enqueue(
		openaitest.Step{Path: "/chat/completions", Status: 500, Message: echo},
		openaitest.Step{Path: "/chat/completions", Status: 500, Message: echo},
		openaitest.Step{Path: "/chat/completions", Status: 401, Message: "Incorrect API key provided: " + w.modelKey},
	)
	r = e.call("POST", "/api/v1/conversations", map[string]any{"assistant_id": a.ID}, key, s.id(org.ID))
	expect(t, r, http.StatusCreated)
	var conv struct{ ID string }
	r.data(&conv)
	msgPath := "/api/v1/conversations/" + conv.ID + "/messages"
	r = e.call("POST", msgPath, `{"content":"How much does express delivery cost?"}`, key, s.id(org.ID))
	expect(t, r, http.StatusBadGateway)
	if bytes.Contains(r.Body, []byte(w.modelKey)) {
		t.Errorf("the 502 shows the model key: %s", r.Body)
	}
	r = e.call("POST", msgPath, `{"content":"How much does express delivery cost?"}`, key, s.id(org.ID))
	if r.HTTP.StatusCode != http.StatusBadGateway && r.HTTP.StatusCode != http.StatusOK {
		t.Errorf("after a 401 from the model: %d %s", r.HTTP.StatusCode, r.Body)
	}
	w.model.Enqueue(openaitest.Step{Path: "/chat/completions", Status: 500, Message: echo}, openaitest.Step{Path: "/chat/completions", Status: 500, Message: echo})
	r = e.call("POST", "/api/v1/sessions/"+session.ID+"/messages", `{"content":"How much does express delivery cost?"}`,
		withBearer(token), origin, withHeader("Accept", "text/event-stream"), s.id(org.ID))
	if r.HTTP.StatusCode >= 500 && r.HTTP.StatusCode != http.StatusBadGateway {
		t.Errorf("streamed failure: %d %s", r.HTTP.StatusCode, r.Body)
	}
	r = e.call("POST", msgPath, `{"content":"What does express delivery cost?"}`, key, s.id(org.ID))
	expect(t, r, http.StatusOK)

	// Let the workers finish writing.
	time.Sleep(200 * time.Millisecond)
	logs := w.logs.String()
	if !strings.Contains(logs, `"msg":"request"`) {
		t.Fatalf("no request logs captured:\n%s", logs)
	}

	sig := token[strings.LastIndexByte(token, '.')+1:]
	secrets := map[string]string{
		"client secret":                    org.Secret,
		"wrong client secret":              wrongSecret,
		"widget token":                     token,
		"renewed widget token":             renewed.Token,
		"widget token signature":           sig,
		"renewed widget token signature":   renewed.Token[strings.LastIndexByte(renewed.Token, '.')+1:],
		"JWT signing key":                  string(testKey),
		"JWT signing key (hex)":            hex.EncodeToString(testKey),
		"JWT signing key (base64)":         base64.StdEncoding.EncodeToString(testKey),
		"model API key":                    w.modelKey,
		"model API key (bearer header)":    "Bearer " + w.modelKey,
		"model API key (without prefix)":   strings.TrimPrefix(w.modelKey, "sk-"),
		"widget token payload and header":  token[:strings.LastIndexByte(token, '.')],
		"renewed token payload and header": renewed.Token[:strings.LastIndexByte(renewed.Token, '.')],
	}
	for name, secret := range secrets {
		if secret == "" {
			t.Errorf("%s is empty: the test did not get it", name)
			continue
		}
		if i := strings.Index(logs, secret); i >= 0 {
			line := logs[strings.LastIndexByte(logs[:i], '\n')+1:]
			if j := strings.IndexByte(line, '\n'); j >= 0 {
				line = line[:j]
			}
			t.Errorf("the log contains the %s:\n%s", name, line)
		}
	}

	// Every request line carries the fields operators search by; authenticated ones the
	// organization.
	seen := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	lines := 0
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Errorf("log line is not JSON: %v: %s", err, sc.Bytes())
			continue
		}
		if rec["msg"] != "request" {
			continue
		}
		lines++
		for _, f := range []string{"request_id", "method", "path", "status", "duration_ms"} {
			if _, ok := rec[f]; !ok {
				t.Errorf("request log line lacks %s: %s", f, sc.Bytes())
			}
		}
		if d, ok := rec["duration_ms"].(float64); !ok || d < 0 {
			t.Errorf("duration_ms = %v", rec["duration_ms"])
		}
		rid, _ := rec["request_id"].(string)
		wantOrg, ours := s.requests[rid]
		if !ours {
			continue // uploads and polling send no request id of ours; fields are checked above
		}
		seen[rid] = true
		got, _ := rec["organization_id"].(string)
		if got != wantOrg {
			t.Errorf("request %s (%s %s, status %v): organization_id %q, want %q", rid, rec["method"], rec["path"], rec["status"], got, wantOrg)
		}
	}
	for rid := range s.requests {
		if !seen[rid] {
			t.Errorf("no request log line for %s", rid)
		}
	}
	if lines < len(s.requests) {
		t.Errorf("%d request lines for %d requests", lines, len(s.requests))
	}
	if t.Failed() {
		t.Logf("log:\n%s", logs)
	}
}
