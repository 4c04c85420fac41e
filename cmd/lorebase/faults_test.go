package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lorebase/lorebase/store"
	"github.com/lorebase/lorebase/store/storetest"
)

// privateCluster starts a PostgreSQL cluster of the test's own, which the test may stop and
// start; the shared test cluster is never touched.
func privateCluster(t *testing.T) *store.Cluster {
	t.Helper()
	// Not t.TempDir: as root the server runs as postgres, which must be able to enter the
	// directory; Start gives it to postgres and its parent (the temp dir) is world-searchable.
	dir, err := os.MkdirTemp("", "lorebase-faults-")
	if err != nil {
		t.Fatal(err)
	}
	c, err := store.NewCluster(store.ClusterConfig{Dir: dir}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Stop(context.Background())
		_ = os.RemoveAll(dir)
	})
	return c
}

func readyStatus(base string) int {
	c := &http.Client{Timeout: 10 * time.Second}
	res, err := c.Get(base + "/readyz")
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// The database goes away under traffic and comes back: while it is down /readyz answers 503
// and requests fail quickly with 5xx envelopes; once it is back the same process serves again.
func TestDatabaseRestartUnderTraffic(t *testing.T) {
	if testing.Short() {
		t.Skip("runs its own PostgreSQL cluster and a lorebase process")
	}
	t.Parallel()
	ctx := context.Background()
	cluster := privateCluster(t)
	bin := buildBinary(t)

	pool, err := store.Open(ctx, cluster.URL(), store.PoolConfig{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Migrate(ctx, pool, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	org, creds, err := store.NewOrganizations(pool).Create(ctx, "Restart", 0, nil)
	if err == nil {
		err = store.NewOrganizations(pool).SetRateLimit(ctx, org.ID, 10_000_000)
	}
	pool.Close()
	if err != nil {
		t.Fatal(err)
	}

	srv := startLorebase(t, bin, "serve", "serve", "--database-url", cluster.URL(), "--listen", freePort(t))
	waitReady(t, srv.base, 60*time.Second)
	pid := srv.cmd.Process.Pid
	c := newBenchClient(srv.base, creds.Client.ClientID, creds.ClientSecret, 4)
	c.http.Timeout = 15 * time.Second // a hung request shows up as a transport error
	var a, conv struct {
		ID string `json:"id"`
	}
	if err := c.must(ctx, http.StatusCreated, "POST", "/api/v1/assistants/", map[string]any{"name": "A"}, &a); err != nil {
		t.Fatal(err)
	}
	if err := c.must(ctx, http.StatusCreated, "POST", "/api/v1/conversations/", map[string]any{"assistant_id": a.ID}, &conv); err != nil {
		t.Fatal(err)
	}

	// The request loop: a read and a message, over and over, bounded in count and time.
	type outcome struct {
		at     time.Time
		status int
		took   time.Duration
		err    string
	}
	var mu sync.Mutex
	var log []outcome
	stopLoop := make(chan struct{})
	loopDone := make(chan struct{})
	go func() {
		defer close(loopDone)
		loopEnd := time.Now().Add(2 * time.Minute)
		for i := 0; i < 20_000 && time.Now().Before(loopEnd); i++ {
			select {
			case <-stopLoop:
				return
			default:
			}
			start := time.Now()
			var r benchResult
			var err error
			if i%2 == 0 {
				r, err = c.call(ctx, "GET", "/api/v1/assistants/", nil, nil)
			} else {
				r, err = c.call(ctx, "POST", "/api/v1/conversations/"+conv.ID+"/messages", map[string]any{"content": "Is anybody there?"}, nil)
			}
			o := outcome{at: start, status: r.Status, took: time.Since(start)}
			switch {
			case err != nil:
				o.err = "transport: " + err.Error()
			case r.Status >= 500 && (r.Envelope.Status != "error" || r.Envelope.StatusCode != r.Status || r.detail() == ""):
				o.err = fmt.Sprintf("%d without an error envelope: %s", r.Status, r.Body)
			case r.Status >= 400 && r.Status < 500:
				o.err = fmt.Sprintf("%d: %s", r.Status, r.detail())
			}
			mu.Lock()
			log = append(log, o)
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
	}()
	defer func() { close(stopLoop); <-loopDone }()

	time.Sleep(time.Second)
	stopped := time.Now()
	if err := cluster.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for readyStatus(srv.base) != http.StatusServiceUnavailable {
		if time.Now().After(deadline) {
			t.Fatal("/readyz did not answer 503 within 15s of the database stopping")
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(3 * time.Second) // traffic against a database that is down
	restarted := time.Now()
	if err := cluster.Start(ctx); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(30 * time.Second)
	for readyStatus(srv.base) != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("/readyz did not answer 200 within 30s of the database coming back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	ready := time.Now()
	// Requests succeed again: wait for 10 successes in a row, for at most 15 s.
	deadline = time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		streak := 0
		for i := len(log) - 1; i >= 0 && log[i].at.After(ready) && log[i].status < 300 && log[i].err == ""; i-- {
			streak++
		}
		mu.Unlock()
		if streak >= 10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("requests did not succeed again within 15s of /readyz answering 200")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if srv.cmd.ProcessState != nil || srv.cmd.Process.Pid != pid {
		t.Fatal("the lorebase process exited")
	}

	mu.Lock()
	defer mu.Unlock()
	var before, down, downFailed, after, afterFailed, afterReady, afterReadyFailed int
	var slowest time.Duration
	downStatuses := map[int]int{}
	for _, o := range log {
		if o.err != "" {
			t.Errorf("%s after the stop: %s", o.at.Sub(stopped).Round(time.Millisecond), o.err)
		}
		switch {
		case o.at.Add(o.took).Before(stopped):
			before++
			if o.status != http.StatusOK {
				t.Errorf("before the stop: status %d", o.status)
			}
		case o.at.Before(restarted):
			down++
			slowest = max(slowest, o.took)
			downStatuses[o.status]++
			if o.status >= 500 {
				downFailed++
			}
		default:
			after++
			if o.status >= 500 {
				afterFailed++
			}
			if o.at.After(ready) {
				afterReady++
				if o.status >= 500 {
					afterReadyFailed++
				}
			}
		}
	}
	if downFailed == 0 {
		t.Error("no request failed while the database was down")
	}
	t.Logf("requests: %d before the stop; %d while down (statuses %v, slowest %s); %d after the restart (%d 5xx); ready %s after the start; %d after ready (%d 5xx)",
		before, down, downStatuses, slowest.Round(time.Millisecond), after, afterFailed, ready.Sub(restarted).Round(time.Millisecond), afterReady, afterReadyFailed)
}

// faultyModel is a chat model server whose behaviour the test switches: it answers normally
// (through the benchmark's fake model, no latency), fails with 500, stalls after a few
// streamed tokens, or drops the stream midway.
type faultyModel struct {
	mode  atomic.Value // "ok", "error", "stall", "drop"
	ok    *fakeModel
	quit  chan struct{}
	calls atomic.Int64
}

func (m *faultyModel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.calls.Add(1)
	mode := m.mode.Load().(string)
	if mode == "ok" {
		m.ok.ServeHTTP(w, r)
		return
	}
	var req fakeChatRequest
	_ = json.NewDecoder(r.Body).Decode(&req)
	if mode == "error" {
		writeFakeError(w, http.StatusInternalServerError, "the model crashed")
		return
	}
	if !req.Stream {
		if mode == "stall" {
			select {
			case <-r.Context().Done():
			case <-m.quit:
			}
			return
		}
		panic(http.ErrAbortHandler) // drop: the connection closes without an answer
	}
	w.Header().Set("Content-Type", "text/event-stream")
	flusher := w.(http.Flusher)
	for i, piece := range []string{"", "The warranty ", "lasts "} {
		delta := map[string]any{"content": piece}
		if i == 0 {
			delta["role"] = "assistant"
		}
		b, _ := json.Marshal(map[string]any{"id": "chatcmpl-fault", "object": "chat.completion.chunk", "created": time.Now().Unix(), "model": req.Model,
			"choices": []map[string]any{{"index": 0, "delta": delta, "finish_reason": nil}}})
		fmt.Fprintf(w, "data: %s\n\n", b)
		flusher.Flush()
	}
	if mode == "stall" {
		select {
		case <-r.Context().Done():
		case <-m.quit:
		}
		return
	}
	panic(http.ErrAbortHandler) // drop: no finish reason, no [DONE], the chunked body never ends
}

// sseEvents reads a whole event stream into its decoded data events.
type sseEvent struct {
	Type       string          `json:"type"`
	Text       string          `json:"text"`
	StatusCode int             `json:"status_code"`
	Detail     string          `json:"detail"`
	Data       json.RawMessage `json:"data"`
}

func sseEvents(t *testing.T, r benchResult) []sseEvent {
	t.Helper()
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("not an event stream: %d %s: %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	var evs []sseEvent
	for _, line := range strings.Split(string(r.Body), "\n") {
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			var ev sseEvent
			if err := json.Unmarshal([]byte(data), &ev); err != nil {
				t.Fatalf("event %q: %v", line, err)
			}
			evs = append(evs, ev)
		}
	}
	return evs
}

// A model server that errors, stalls or drops the stream midway: the API answers 502/504 (an
// error event on SSE), keeps the user's message, and a retry with the same Idempotency-Key
// runs again after a failure and replays after a success. (Plain JSON with a 500 and a stall
// before any answer are covered by api.TestUpstreamFailureKeepsUserMessage.)
func TestModelServerFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it against a faulty model server")
	}
	t.Parallel()
	ctx := context.Background()
	db := storetest.New(t)
	bin := buildBinary(t)
	model := &faultyModel{ok: newFakeModel(0), quit: make(chan struct{})}
	model.mode.Store("ok")
	modelSrv := httptest.NewServer(model)
	t.Cleanup(func() { close(model.quit); modelSrv.Close() })

	_, creds, err := store.NewOrganizations(db.Pool).Create(ctx, "Faults", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := startLorebase(t, bin, "dev", "dev", "--database-url", db.URL, "--listen", freePort(t),
		"--llm", "openai", "--openai-base-url", modelSrv.URL+"/v1", "--chat-model", "faulty", "--llm-timeout", "3s")
	waitReady(t, srv.base, 60*time.Second)
	c := newBenchClient(srv.base, creds.Client.ClientID, creds.ClientSecret, 4)
	c.http.Timeout = 30 * time.Second // longer than any retry and timeout of the model call

	doc := benchDocs[0]
	r, err := c.upload(ctx, doc.title, "markdown", doc.name, []byte(doc.text))
	if err != nil || r.Status != http.StatusAccepted {
		t.Fatalf("upload: %v %d %s", err, r.Status, r.Body)
	}
	var it itemStatus
	_ = json.Unmarshal(r.Envelope.Data, &it)
	if st, err := c.waitItems(ctx, []string{it.ID}, 60*time.Second); err != nil || st[it.ID].Status != "ready" {
		t.Fatalf("knowledge: %v %+v", err, st)
	}
	var a struct {
		ID string `json:"id"`
	}
	if err := c.must(ctx, http.StatusCreated, "POST", "/api/v1/assistants/", map[string]any{"name": "A"}, &a); err != nil {
		t.Fatal(err)
	}
	const question = "How long is the warranty on the espresso machine?"
	sse := map[string]string{"Accept": "text/event-stream"}
	withKey := func(key string, h map[string]string) map[string]string {
		out := map[string]string{"Idempotency-Key": key}
		for k, v := range h {
			out[k] = v
		}
		return out
	}

	cases := []struct {
		name, mode string
		stream     bool
		want       int  // status (JSON) or error event status_code (SSE)
		tokens     bool // SSE: tokens arrive before the error
	}{
		{"stream stalls midway", "stall", true, http.StatusGatewayTimeout, true},
		{"stream dropped midway", "drop", true, http.StatusBadGateway, true},
		{"stream refused with 500", "error", true, http.StatusBadGateway, false},
		{"JSON answer dropped", "drop", false, http.StatusBadGateway, false},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var conv struct {
				ID string `json:"id"`
			}
			if err := c.must(ctx, http.StatusCreated, "POST", "/api/v1/conversations/", map[string]any{"assistant_id": a.ID}, &conv); err != nil {
				t.Fatal(err)
			}
			path := "/api/v1/conversations/" + conv.ID + "/messages"
			key := fmt.Sprintf("fault-%d", i)
			hdr := map[string]string{}
			if tc.stream {
				hdr = sse
			}

			model.mode.Store(tc.mode)
			start := time.Now()
			r, err := c.call(ctx, "POST", path, map[string]any{"content": question}, withKey(key, hdr))
			took := time.Since(start)
			if err != nil {
				t.Fatalf("no answer (after %s): %v", took, err)
			}
			if tc.stream {
				evs := sseEvents(t, r)
				last := evs[len(evs)-1]
				if last.Type != "error" || last.StatusCode != tc.want || !strings.Contains(last.Detail, "your message was saved") {
					t.Fatalf("last event %+v, want an error event with status %d", last, tc.want)
				}
				tokens := 0
				for _, ev := range evs {
					switch ev.Type {
					case "token":
						tokens++
					case "done":
						t.Fatalf("a done event after a failed model call: %+v", ev)
					}
				}
				if tc.tokens && tokens == 0 {
					t.Errorf("no token events before the failure")
				}
			} else if r.Status != tc.want || r.Envelope.Status != "error" || r.Envelope.StatusCode != tc.want {
				t.Fatalf("status %d, want %d in an error envelope: %s", r.Status, tc.want, r.Body)
			}

			// The user's message is kept, and nothing else was stored.
			var msgs struct {
				Items []struct {
					Sender  string `json:"sender"`
					Content string `json:"content"`
				} `json:"items"`
			}
			if err := c.must(ctx, http.StatusOK, "GET", path, nil, &msgs); err != nil {
				t.Fatal(err)
			}
			if len(msgs.Items) != 1 || msgs.Items[0].Sender != "user" || msgs.Items[0].Content != question {
				t.Fatalf("messages after the failure = %+v", msgs.Items)
			}

			// The model recovers: the same key runs again, then replays.
			model.mode.Store("ok")
			calls := model.calls.Load()
			r, err = c.call(ctx, "POST", path, map[string]any{"content": question}, withKey(key, hdr))
			if err != nil {
				t.Fatal(err)
			}
			first := doneReply(t, r, tc.stream)
			if model.calls.Load() == calls || r.Header.Get("Idempotent-Replayed") != "" {
				t.Fatalf("the retry after a failure did not run again (model calls %d → %d, replayed %q)", calls, model.calls.Load(), r.Header.Get("Idempotent-Replayed"))
			}
			calls = model.calls.Load()
			r, err = c.call(ctx, "POST", path, map[string]any{"content": question}, withKey(key, hdr))
			if err != nil {
				t.Fatal(err)
			}
			again := doneReply(t, r, tc.stream)
			if again != first || r.Header.Get("Idempotent-Replayed") != "true" || model.calls.Load() != calls {
				t.Fatalf("the retry after a success was not a replay: %s vs %s, header %q, model calls %d → %d",
					again, first, r.Header.Get("Idempotent-Replayed"), calls, model.calls.Load())
			}
			t.Logf("failed in %s; retried and replayed", took.Round(time.Millisecond))
		})
	}
}

// doneReply returns the assistant message id of a successful reply, JSON or SSE.
func doneReply(t *testing.T, r benchResult, stream bool) string {
	t.Helper()
	data := r.Envelope.Data
	if stream {
		evs := sseEvents(t, r)
		last := evs[len(evs)-1]
		if last.Type != "done" {
			t.Fatalf("stream ended with %+v", last)
		}
		data = last.Data
	} else if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var rep struct {
		AssistantMessage struct {
			ID string `json:"id"`
		} `json:"assistant_message"`
	}
	if err := json.Unmarshal(data, &rep); err != nil || rep.AssistantMessage.ID == "" {
		t.Fatalf("reply %s: %v", data, err)
	}
	return rep.AssistantMessage.ID
}
