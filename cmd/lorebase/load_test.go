package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/store"
	"github.com/lorebase/lorebase/store/storetest"
)

// lbProcess is a lorebase process a test started, with its combined output.
type lbProcess struct {
	cmd  *exec.Cmd
	logs *syncBuffer
	base string // http://addr for serve and dev
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startLorebase runs `lorebase args...` with the offline models (whatever the environment says)
// and stops it with SIGTERM when the test ends, printing the end of its log if the test failed.
func startLorebase(t *testing.T, bin, name string, args ...string) *lbProcess {
	t.Helper()
	// Defaults first: a flag given later on the command line wins.
	full := append([]string{args[0], "--log-format", "text", "--log-level", "warn", "--embedder", "offline", "--llm", "offline"}, args[1:]...)
	p := &lbProcess{cmd: exec.Command(bin, full...), logs: &syncBuffer{}}
	for i, a := range args {
		if a == "--listen" && i+1 < len(args) {
			p.base = "http://" + args[i+1]
		}
	}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.stop(t)
		if t.Failed() {
			logs := p.logs.String()
			if len(logs) > 6000 {
				logs = "..." + logs[len(logs)-6000:]
			}
			t.Logf("%s log:\n%s", name, logs)
		}
	})
	return p
}

// stop sends SIGTERM and waits up to 40 s (then kills); it is safe to call twice.
func (p *lbProcess) stop(t *testing.T) {
	if p.cmd.ProcessState != nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(40 * time.Second):
		t.Errorf("pid %d did not stop within 40s of SIGTERM", p.cmd.Process.Pid)
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// peakRSSMiB is the process's resident-set high-water mark while it still runs.
func (p *lbProcess) peakRSSMiB() float64 {
	kb, err := peakRSS(strconv.Itoa(p.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	return float64(kb) / 1024
}

// waitReady polls /readyz until it answers 200.
func waitReady(t *testing.T, base string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after %s", base, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// loadSite is a small local web site of linked pages for the crawler.
func loadSite(t *testing.T) *httptest.Server {
	pages := map[string]string{
		"/":         `<h1>Garden centre</h1><p>Welcome to the garden centre. We sell plants, seeds and tools.</p><a href="/roses">Roses</a> <a href="/tools">Tools</a> <a href="/hours">Hours</a>`,
		"/roses":    `<h1>Roses</h1><p>Climbing roses need a sunny wall and should be pruned in late winter.</p><a href="/">Home</a> <a href="/tomatoes">Tomatoes</a>`,
		"/tools":    `<h1>Tools</h1><p>Our pruning shears come with a five-year guarantee and free sharpening.</p><a href="/">Home</a>`,
		"/hours":    `<h1>Opening hours</h1><p>The garden centre opens at eight and closes at seven, every day except Christmas.</p><a href="/">Home</a>`,
		"/tomatoes": `<h1>Tomatoes</h1><p>Plant tomatoes after the last frost, about sixty centimetres apart, and water them every morning.</p><a href="/roses">Roses</a>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, "User-agent: *\nAllow: /\n")
			return
		}
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><html><head><title>%s</title></head><body><main>%s</main></body></html>", strings.TrimPrefix(r.URL.Path, "/"), body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// loadCounts tallies what the mixed traffic got back.
type loadCounts struct {
	mu        sync.Mutex
	byStatus  map[int]int
	transport int
	fiveXX    []string
}

func (c *loadCounts) add(what string, r benchResult, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.transport++
		c.fiveXX = append(c.fiveXX, what+": "+err.Error())
		return
	}
	c.byStatus[r.Status]++
	if r.Status >= 500 && len(c.fiveXX) < 20 {
		c.fiveXX = append(c.fiveXX, fmt.Sprintf("%s: %d %s", what, r.Status, r.detail()))
	}
}

// Two API processes and two worker processes on one database under mixed traffic: no 5xx,
// every knowledge item ends ready or failed, and an organization's rate limit is exact across
// both API processes.
func TestLoadTwoServersTwoWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs four lorebase processes under load for about 20s")
	}
	t.Parallel()
	ctx := context.Background()
	db := storetest.New(t)
	bin := buildBinary(t)
	site := loadSite(t)

	orgs := store.NewOrganizations(db.Pool)
	org, creds, err := orgs.Create(ctx, "Load", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := orgs.SetRateLimit(ctx, org.ID, 10_000_000); err != nil {
		t.Fatal(err)
	}
	const limit = 300
	_, limitedCreds, err := orgs.Create(ctx, "Limited", limit, nil)
	if err != nil {
		t.Fatal(err)
	}

	var servers []*lbProcess
	for range 2 {
		servers = append(servers, startLorebase(t, bin, "serve", "serve", "--database-url", db.URL, "--listen", freePort(t)))
	}
	var workers []*lbProcess
	for range 2 {
		workers = append(workers, startLorebase(t, bin, "worker", "worker", "--database-url", db.URL, "--concurrency", "4",
			"--crawl-allow-private", "--crawl-delay", "5ms"))
	}
	for _, s := range servers {
		waitReady(t, s.base, 60*time.Second)
	}
	clients := []*benchClient{
		newBenchClient(servers[0].base, creds.Client.ClientID, creds.ClientSecret, 16),
		newBenchClient(servers[1].base, creds.Client.ClientID, creds.ClientSecret, 16),
	}

	var a struct {
		ID string `json:"id"`
	}
	if err := clients[0].must(ctx, http.StatusCreated, "POST", "/api/v1/assistants/", map[string]any{"name": "Load helper"}, &a); err != nil {
		t.Fatal(err)
	}
	counts := &loadCounts{byStatus: map[int]int{}}
	var itemsMu sync.Mutex
	var items []string
	created := func(what string, r benchResult, err error) {
		counts.add(what, r, err)
		if err == nil && r.Status == http.StatusAccepted {
			var it itemStatus
			if json.Unmarshal(r.Envelope.Data, &it) == nil && it.ID != "" {
				itemsMu.Lock()
				items = append(items, it.ID)
				itemsMu.Unlock()
			}
		}
	}

	// The rate-limited organization, hammered through both servers while the mixed traffic runs.
	type rlResult struct{ ok, limited, other int }
	rl := make(chan rlResult, 1)
	go func() {
		var res rlResult
		var mu sync.Mutex
		var wg sync.WaitGroup
		const total = limit + 100
		var next atomic.Int64
		for g := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := newBenchClient(servers[g%2].base, limitedCreds.Client.ClientID, limitedCreds.ClientSecret, 1)
				for next.Add(1) <= total {
					r, err := c.call(ctx, "GET", "/api/v1/assistants/", nil, nil)
					mu.Lock()
					switch {
					case err == nil && r.Status == http.StatusOK:
						res.ok++
					case err == nil && r.Status == http.StatusTooManyRequests && r.Header.Get("Retry-After") != "":
						res.limited++
					default:
						res.other++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		rl <- res
	}()

	// Mixed traffic for a bounded time and count.
	const duration, maxOps = 20 * time.Second, 3000
	start := time.Now()
	deadline := start.Add(duration)
	var ops atomic.Int64
	var crawls atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := clients[g%2]
			var conv struct {
				ID string `json:"id"`
			}
			r, err := c.call(ctx, "POST", "/api/v1/conversations/", map[string]any{"assistant_id": a.ID, "customer_id": fmt.Sprintf("load-%d", g)}, nil)
			counts.add("create conversation", r, err)
			if err != nil || r.Status != http.StatusCreated {
				return
			}
			_ = json.Unmarshal(r.Envelope.Data, &conv)
			for i := 0; time.Now().Before(deadline) && ops.Add(1) <= maxOps; i++ {
				n := g*100_000 + i
				switch i % 8 {
				case 0:
					r, err := c.upload(ctx, fmt.Sprintf("Note %d", n), "text", fmt.Sprintf("note-%d.txt", n),
						[]byte(fmt.Sprintf("Note %d\n\nThe greenhouse %d keeps tomatoes at %d degrees during the night.\n", n, n, 10+n%15)))
					created("upload text", r, err)
				case 1:
					r, err := c.upload(ctx, fmt.Sprintf("Guide %d", n), "markdown", fmt.Sprintf("guide-%d.md", n),
						[]byte(fmt.Sprintf("# Guide %d\n\n## Watering\n\nWater bed %d twice a week in summer.\n\n## Feeding\n\nFeed bed %d with compost every spring.\n", n, n, n)))
					created("upload markdown", r, err)
				case 2:
					r, err := c.upload(ctx, fmt.Sprintf("Prices %d", n), "csv", fmt.Sprintf("prices-%d.csv", n),
						[]byte(fmt.Sprintf("item,price\nseed pack %d,2.50\nwatering can %d,12.00\n", n, n)))
					created("upload csv", r, err)
				case 3:
					r, err := c.call(ctx, "POST", "/api/v1/knowledge/qa/", map[string]any{"question": fmt.Sprintf("Is plant %d frost hardy?", n),
						"answer": fmt.Sprintf("Plant %d survives down to minus ten degrees.", n), "tags": []string{"plants"}}, nil)
					created("create qa", r, err)
				case 4:
					if crawls.Add(1) > 6 {
						continue
					}
					r, err := c.call(ctx, "POST", "/api/v1/knowledge/urls/", map[string]any{"url": fmt.Sprintf("%s/?v=%d", site.URL, n),
						"title": "Garden centre", "max_pages": 10, "max_depth": 2}, nil)
					created("add url", r, err)
				case 5:
					r, err := c.call(ctx, "GET", "/api/v1/knowledge/?page_size=20", nil, nil)
					counts.add("list knowledge", r, err)
				default:
					q := []string{"When does the garden centre open?", "How should I prune climbing roses?", "How far apart should tomatoes be planted?"}[i%3]
					r, err := c.call(ctx, "POST", "/api/v1/conversations/"+conv.ID+"/messages", map[string]any{"content": q}, nil)
					counts.add("message", r, err)
				}
			}
		}()
	}
	wg.Wait()
	res := <-rl
	trafficTime := time.Since(start)

	// Everything that was accepted ends ready or failed.
	states, err := clients[1].waitItems(ctx, items, 120*time.Second)
	if err != nil {
		t.Fatalf("knowledge after the traffic: %v", err)
	}
	final := map[lorebase.KnowledgeStatus]int{}
	for _, st := range states {
		final[st.Status]++
		if st.Status == "failed" {
			t.Errorf("item %s failed: %v", st.Title, deref(st.Error))
		}
	}
	var stuck int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM knowledge_items WHERE status NOT IN ('ready', 'failed')`).Scan(&stuck); err != nil {
		t.Fatal(err)
	}

	counts.mu.Lock()
	defer counts.mu.Unlock()
	t.Logf("mixed traffic: %d operations in %s, then %s until every item was done; statuses %v; items %v",
		min(ops.Load(), maxOps), trafficTime.Round(time.Millisecond), (time.Since(start) - trafficTime).Round(time.Millisecond), counts.byStatus, final)
	t.Logf("rate-limited organization (limit %d): %d ok, %d 429, %d other", limit, res.ok, res.limited, res.other)
	for _, p := range append(servers, workers...) {
		t.Logf("peak RSS of %s (pid %d): %.1f MiB", p.cmd.Args[1], p.cmd.Process.Pid, p.peakRSSMiB())
	}
	if counts.transport > 0 || len(counts.fiveXX) > 0 {
		t.Errorf("%d transport errors and 5xx answers: %s", counts.transport, strings.Join(counts.fiveXX, "\n"))
	}
	for status, n := range counts.byStatus {
		if status >= 400 {
			t.Errorf("%d answers with status %d", n, status)
		}
	}
	if stuck != 0 {
		t.Errorf("%d knowledge items neither ready nor failed", stuck)
	}
	if len(items) == 0 || final["ready"] == 0 || counts.byStatus[http.StatusOK] == 0 {
		t.Errorf("the traffic did nothing: items %v, statuses %v", final, counts.byStatus)
	}
	if res.ok != limit || res.limited != 100 || res.other != 0 {
		t.Errorf("rate limit across two servers: %d ok, %d limited, %d other; want exactly %d ok and 100 limited", res.ok, res.limited, res.other, limit)
	}
	// Once the limit is reached, both servers keep refusing.
	for _, s := range servers {
		c := newBenchClient(s.base, limitedCreds.Client.ClientID, limitedCreds.ClientSecret, 1)
		r, err := c.call(ctx, "GET", "/api/v1/assistants/", nil, nil)
		if err != nil || r.Status != http.StatusTooManyRequests || r.Header.Get("X-RateLimit-Remaining") != "0" {
			t.Errorf("%s after the limit: %v %d remaining %q", s.base, err, r.Status, r.Header.Get("X-RateLimit-Remaining"))
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
