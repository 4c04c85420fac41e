package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/answer"
)

// benchOptions are the flags every benchmark shares.
type benchOptions struct {
	server, apiKey, apiSecret string
	selfContained             bool
	fakeLatency               time.Duration
	pids                      []int
}

func (o *benchOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.server, "server", os.Getenv("LOREBASE_SERVER"), "base URL of a running lorebase server ($LOREBASE_SERVER)")
	f.StringVar(&o.apiKey, "api-key", os.Getenv("LOREBASE_API_KEY"), "client_id of an organization's API client ($LOREBASE_API_KEY)")
	f.StringVar(&o.apiSecret, "api-secret", os.Getenv("LOREBASE_API_SECRET"), "its client_secret ($LOREBASE_API_SECRET)")
	f.BoolVar(&o.selfContained, "self-contained", false,
		"build everything in this process: database (DATABASE_URL or the embedded cluster), a fresh organization, workers and an API server on a free port")
	f.DurationVar(&o.fakeLatency, "fake-llm-latency", 0,
		"with --self-contained: answer with an in-process fake OpenAI-compatible model that takes this long per request (e.g. 500ms); 0 uses the configured model (offline by default)")
	f.IntSliceVar(&o.pids, "pid", nil, "also report the peak RSS of these processes (the server's and workers' PIDs on this machine)")
}

// target returns a client for the server under test, building it first with --self-contained.
func (o *benchOptions) target(cmd *cobra.Command, opts *globalOptions, mo *modelOptions, conns int) (*benchClient, *benchWorld, error) {
	if o.selfContained {
		if o.server != "" {
			return nil, nil, fmt.Errorf("use either --server or --self-contained")
		}
		w, err := startBenchWorld(cmd, opts, mo, o.fakeLatency)
		if err != nil {
			return nil, nil, err
		}
		return newBenchClient(w.base, w.key, w.secret, conns), w, nil
	}
	if o.fakeLatency > 0 {
		return nil, nil, fmt.Errorf("--fake-llm-latency needs --self-contained (the fake model runs in this process)")
	}
	if o.server == "" || o.apiKey == "" || o.apiSecret == "" {
		return nil, nil, fmt.Errorf("give --server, --api-key and --api-secret, or --self-contained")
	}
	return newBenchClient(o.server, o.apiKey, o.apiSecret, conns), nil, nil
}

func newBenchCommand(opts *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure throughput and latency of a lorebase server",
		Long: `Benchmarks drive the public API of a running server (--server, --api-key, --api-secret) or,
with --self-contained, of a world built in this process. Against a running server, raise the
organization's limit first (lorebase org rate-limit ORG --per-hour 100000000), or the limiter
answers 429 and the figures measure the limiter.`,
	}
	cmd.AddCommand(newBenchMessagesCommand(opts), newBenchIngestCommand(opts))
	return cmd
}

// Messages benchmark.

type messagesOptions struct {
	levels      []int
	duration    time.Duration
	maxRequests int
	stream      bool
	spread      time.Duration
}

func newBenchMessagesCommand(opts *globalOptions) *cobra.Command {
	bo, mo, mso := &benchOptions{}, &modelOptions{}, &messagesOptions{}
	cmd := &cobra.Command{
		Use:   "messages",
		Short: "POST /conversations/{id}/messages at rising concurrency; requests/s, latency percentiles, overhead, peak RSS",
		Long: `Uploads a small knowledge base (three Markdown documents and a Q&A pair), waits until it is ready,
creates an assistant, then for each concurrency level opens one conversation per client and sends
messages for --duration. Prints requests/s and latency p50/p95/p99 per level. With
--fake-llm-latency the model's time is known per message, and the server-side overhead (latency
minus the model's time) is reported too; with the offline answerer the overhead is the latency.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchMessages(cmd, opts, bo, mo, mso)
		},
	}
	bo.register(cmd)
	mo.register(cmd)
	f := cmd.Flags()
	f.IntSliceVar(&mso.levels, "clients", []int{1, 8, 32}, "concurrency levels (clients sending one message at a time each)")
	f.DurationVar(&mso.duration, "duration", 10*time.Second, "how long each level sends messages")
	f.IntVar(&mso.maxRequests, "max-requests", 50_000, "most messages per level")
	f.BoolVar(&mso.stream, "stream", false, "ask for server-sent events (Accept: text/event-stream)")
	f.DurationVar(&mso.spread, "spread", -1, "start the clients evenly over this long, so that a fixed model latency does not keep them in lockstep "+
		"(default: 2 x --fake-llm-latency, the model time of one message; 0 starts them together)")
	return cmd
}

// levelResult is what one concurrency level measured.
type levelResult struct {
	clients              int
	elapsed              time.Duration
	latencies, overheads []time.Duration
	ok, limited, failed  int // 2xx; 429; 5xx, other 4xx, transport errors and SSE error events
	firstErr             string
	modes                map[string]int // answer mode → messages
	modelCalls           int            // attributed to measured messages (fake model only)
	fakeCalls            int64          // counted by the fake model while the level was measured
}

func runBenchMessages(cmd *cobra.Command, opts *globalOptions, bo *benchOptions, mo *modelOptions, mso *messagesOptions) error {
	ctx := cmd.Context()
	out := cmd.OutOrStdout()
	if len(mso.levels) == 0 || slices.ContainsFunc(mso.levels, func(n int) bool { return n < 1 || n > 1024 }) {
		return fmt.Errorf("--clients: give levels from 1 to 1024")
	}
	c, world, err := bo.target(cmd, opts, mo, slices.Max(mso.levels))
	if err != nil {
		return err
	}
	if world != nil {
		defer world.stop()
	}
	start := time.Now()
	assistantID, err := benchKnowledgeBase(ctx, c)
	if err != nil {
		return err
	}
	model := "the server's configured model"
	if world != nil {
		model = "offline answerer"
		if world.model != nil {
			model = fmt.Sprintf("fake model, %s per request", world.model.latency)
		}
	}
	fmt.Fprintf(out, "knowledge base ready in %s; %s; %s per level; stream=%v\n", time.Since(start).Round(time.Millisecond), model, mso.duration, mso.stream)

	var results []levelResult
	for i, n := range mso.levels {
		res, err := benchMessagesLevel(ctx, c, world, assistantID, i, n, mso)
		if err != nil {
			return err
		}
		results = append(results, res)
	}
	printMessageResults(out, results, world)
	printPeakRSS(out, world != nil, bo.pids)
	return nil
}

// benchQuestions mix document questions (retrieval then the model), a curated Q&A pair (no
// model call for the answer) and one the knowledge base does not cover (abstention).
var benchQuestions = []string{
	"How long is the warranty on the espresso machine?",
	"How do I descale the machine?",
	"What does a blinking red light mean?",
	"How much does express delivery cost?",
	"Can I return a machine I bought last week?",
	"Do you ship to Canada?",
	"How long do refunds take?",
	"Which water filter should I use?",
	"Who won the football world cup in 1954?",
}

var benchDocs = []struct{ title, name, text string }{
	{"Espresso machine manual", "manual.md", `# Espresso machine manual

## Warranty

Every espresso machine has a three-year warranty covering the pump and the boiler. Descaling damage is not covered.

## Descaling

Descale the machine every two months: fill the tank with descaling solution, run the hot water program and rinse twice with fresh water.

## Lights

A blinking red light means the water tank is empty or the machine needs descaling. A steady green light means it is ready.

## Water filter

Use the AquaPure filter cartridge and replace it every eight weeks; hard water regions should replace it every six weeks.
`},
	{"Shipping and returns", "shipping.md", `# Shipping and returns

## Delivery

Standard delivery is free and takes three to five working days. Express delivery costs 9 euros and arrives the next working day.

## Returns

You may return any machine within 30 days of delivery if it is unused and in its original packaging. Used machines are repaired under warranty instead.

## Refunds

Refunds reach your card within five working days after the returned machine arrives at the warehouse.
`},
	{"Store information", "store.md", `# Store information

## Opening hours

The shop in Lisbon opens at nine and closes at six, Monday to Saturday.

## Contact

Write to help@example.com or call the support line between nine and five.
`},
}

// benchKnowledgeBase uploads the benchmark documents and Q&A pair, waits for them, and
// creates the assistant the conversations talk to.
func benchKnowledgeBase(ctx context.Context, c *benchClient) (string, error) {
	var ids []string
	for _, d := range benchDocs {
		r, err := c.upload(ctx, d.title, "markdown", d.name, []byte(d.text))
		if err != nil {
			return "", err
		}
		if r.Status != http.StatusAccepted {
			return "", fmt.Errorf("upload %s: %d %s", d.name, r.Status, r.detail())
		}
		var it itemStatus
		_ = json.Unmarshal(r.Envelope.Data, &it)
		ids = append(ids, it.ID)
	}
	var qa itemStatus
	if err := c.must(ctx, http.StatusAccepted, "POST", "/api/v1/knowledge/qa/",
		map[string]any{"question": "Do you ship to Canada?", "answer": "Yes, we ship to Canada in 7 to 10 business days.", "tags": []string{"shipping"}}, &qa); err != nil {
		return "", err
	}
	ids = append(ids, qa.ID)
	states, err := c.waitItems(ctx, ids, 2*time.Minute)
	if err != nil {
		return "", fmt.Errorf("knowledge base (are workers running?): %w", err)
	}
	for _, st := range states {
		if st.Status != lorebase.StatusReady {
			return "", fmt.Errorf("knowledge item %s ended %s", st.Title, st.Status)
		}
	}
	var a struct {
		ID string `json:"id"`
	}
	err = c.must(ctx, http.StatusCreated, "POST", "/api/v1/assistants/", map[string]any{"name": "Bench helper", "language": "en",
		"default_tasks": []string{"answer questions about the espresso machine"}}, &a)
	return a.ID, err
}

func benchMessagesLevel(ctx context.Context, c *benchClient, world *benchWorld, assistantID string, level, clients int, mso *messagesOptions) (levelResult, error) {
	res := levelResult{clients: clients, modes: map[string]int{}}
	convs := make([]string, clients)
	for i := range convs {
		var conv struct {
			ID string `json:"id"`
		}
		if err := c.must(ctx, http.StatusCreated, "POST", "/api/v1/conversations/",
			map[string]any{"assistant_id": assistantID, "customer_id": fmt.Sprintf("bench-%d-%d", level, i), "locale": "en"}, &conv); err != nil {
			return res, err
		}
		convs[i] = conv.ID
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var sent int
	ready := make(chan struct{})
	var begin time.Time
	deadline := time.Now().Add(mso.duration + time.Hour) // replaced once all clients are warmed up
	spread := mso.spread
	if spread < 0 {
		spread = 0
		if world != nil && world.model != nil {
			spread = 2 * world.model.latency
		}
	}
	var warm sync.WaitGroup
	warm.Add(clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// One unmeasured message per conversation: later ones carry history, as in real chats.
			_, _, _ = benchSendMessage(ctx, c, convs[i], i, 0, mso.stream)
			warm.Done()
			<-ready
			if spread > 0 {
				time.Sleep(spread * time.Duration(i) / time.Duration(clients))
			}
			for seq := 1; ; seq++ {
				mu.Lock()
				if time.Now().After(deadline) || sent >= mso.maxRequests || ctx.Err() != nil {
					mu.Unlock()
					return
				}
				sent++
				mu.Unlock()
				lat, mode, err := benchSendMessage(ctx, c, convs[i], i, seq, mso.stream)
				mu.Lock()
				var se *statusError
				switch {
				case err == nil:
					res.ok++
					res.modes[mode]++
					res.latencies = append(res.latencies, lat)
					switch {
					case world == nil: // the model and its latency are unknown
					case world.model == nil: // the offline answerer runs inside the server: all of it is overhead
						res.overheads = append(res.overheads, lat)
					default:
						calls := modelCalls(mode)
						res.modelCalls += calls
						res.overheads = append(res.overheads, lat-time.Duration(calls)*world.model.latency)
					}
				case errors.As(err, &se) && se.status == http.StatusTooManyRequests:
					res.limited++
				default:
					res.failed++
					if res.firstErr == "" {
						res.firstErr = err.Error()
					}
				}
				mu.Unlock()
			}
		}()
	}
	warm.Wait()
	var calls0 int64
	if world != nil && world.model != nil {
		calls0 = world.model.calls.Load()
	}
	mu.Lock()
	begin = time.Now()
	deadline = begin.Add(mso.duration)
	mu.Unlock()
	close(ready)
	wg.Wait()
	res.elapsed = time.Since(begin)
	if world != nil && world.model != nil {
		res.fakeCalls = world.model.calls.Load() - calls0
	}
	return res, ctx.Err()
}

type statusError struct {
	status int
	detail string
}

func (e *statusError) Error() string { return fmt.Sprintf("%d %s", e.status, e.detail) }

// benchSendMessage sends one message and returns its latency and the reply's answer mode.
func benchSendMessage(ctx context.Context, c *benchClient, convID string, client, seq int, stream bool) (time.Duration, string, error) {
	q := benchQuestions[(client+seq)%len(benchQuestions)]
	if seq == 0 {
		q = benchQuestions[0] // the unmeasured first message: a question the documents answer
	}
	hdr := map[string]string{}
	if stream {
		hdr["Accept"] = "text/event-stream"
	}
	start := time.Now()
	r, err := c.call(ctx, "POST", "/api/v1/conversations/"+convID+"/messages", map[string]any{"content": q}, hdr)
	lat := time.Since(start)
	if err != nil {
		return lat, "", err
	}
	if r.Status != http.StatusOK {
		return lat, "", &statusError{status: r.Status, detail: r.detail()}
	}
	data := r.Envelope.Data
	if stream {
		if data, err = sseOutcome(r.Body); err != nil {
			return lat, "", err
		}
	}
	var rep struct {
		AssistantMessage struct {
			Metadata struct {
				AnswerMode string `json:"answer_mode"`
			} `json:"metadata"`
		} `json:"assistant_message"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return lat, "", fmt.Errorf("reply: %w", err)
	}
	return lat, rep.AssistantMessage.Metadata.AnswerMode, nil
}

// modelCalls is how many chat requests the engine made for a measured message (one with
// history) answered in mode: the standalone rewrite, plus the answer itself when generated.
func modelCalls(mode string) int {
	if mode == answer.ModeGenerated {
		return 2
	}
	return 1
}

// sseOutcome reads a finished event stream and returns the done event's data.
func sseOutcome(body []byte) (json.RawMessage, error) {
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var ev struct {
			Type       string          `json:"type"`
			StatusCode int             `json:"status_code"`
			Detail     string          `json:"detail"`
			Data       json.RawMessage `json:"data"`
		}
		if json.Unmarshal([]byte(line), &ev) != nil {
			continue
		}
		switch ev.Type {
		case "done":
			return ev.Data, nil
		case "error":
			return nil, &statusError{status: max(ev.StatusCode, 500), detail: "SSE error event: " + ev.Detail}
		}
	}
	return nil, fmt.Errorf("event stream ended without a done event")
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
}

func printMessageResults(w io.Writer, results []levelResult, world *benchWorld) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "clients\tmessages\terrors\t429\treq/s\tp50 ms\tp95 ms\tp99 ms\toverhead p50 ms\toverhead p99 ms\t")
	for _, r := range results {
		slices.Sort(r.latencies)
		slices.Sort(r.overheads)
		rate := float64(r.ok) / r.elapsed.Seconds()
		op50, op99 := "-", "-"
		if len(r.overheads) > 0 {
			op50, op99 = ms(percentile(r.overheads, 50)), ms(percentile(r.overheads, 99))
		}
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%.1f\t%s\t%s\t%s\t%s\t%s\t\n", r.clients, r.ok, r.failed, r.limited, rate,
			ms(percentile(r.latencies, 50)), ms(percentile(r.latencies, 95)), ms(percentile(r.latencies, 99)), op50, op99)
	}
	_ = tw.Flush()
	for _, r := range results {
		var modes []string
		for _, m := range slices.Sorted(maps.Keys(r.modes)) {
			modes = append(modes, fmt.Sprintf("%s %d", m, r.modes[m]))
		}
		fmt.Fprintf(w, "%d clients: answers %s", r.clients, strings.Join(modes, ", "))
		if world != nil && world.model != nil {
			fmt.Fprintf(w, "; model calls attributed %d, counted by the fake %d", r.modelCalls, r.fakeCalls)
		}
		fmt.Fprintln(w)
		if r.firstErr != "" {
			fmt.Fprintf(w, "%d clients: first error: %s\n", r.clients, r.firstErr)
		}
	}
	if len(results) > 1 && results[0].ok > 0 {
		base := float64(results[0].ok) / results[0].elapsed.Seconds()
		var parts []string
		for _, r := range results[1:] {
			parts = append(parts, fmt.Sprintf("%d clients x%.1f", r.clients, float64(r.ok)/r.elapsed.Seconds()/base))
		}
		fmt.Fprintf(w, "throughput vs %d client(s): %s\n", results[0].clients, strings.Join(parts, ", "))
	}
	if world != nil {
		last := results[len(results)-1]
		if len(last.overheads) > 0 {
			p99 := percentile(last.overheads, 99)
			verdict := "met"
			if p99 > 50*time.Millisecond {
				verdict = "NOT met"
			}
			fmt.Fprintf(w, "goal overhead p99 <= 50 ms at %d clients: %s (%s ms)\n", last.clients, verdict, ms(p99))
		}
	}
}

// Peak memory.

// peakRSS reads VmHWM (the resident set's high-water mark) of a process, in KiB.
func peakRSS(pid string) (int64, error) {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%s/status", pid)
}

func printPeakRSS(w io.Writer, selfContained bool, pids []int) {
	if kb, err := peakRSS("self"); err == nil {
		what := "this benchmark process (clients only)"
		if selfContained {
			what = "this process (API server, workers, clients and any fake model together)"
		}
		fmt.Fprintf(w, "peak RSS of %s: %.1f MiB\n", what, float64(kb)/1024)
	}
	for _, pid := range pids {
		kb, err := peakRSS(strconv.Itoa(pid))
		if err != nil {
			fmt.Fprintf(w, "peak RSS of pid %d: %v\n", pid, err)
			continue
		}
		fmt.Fprintf(w, "peak RSS of pid %d: %.1f MiB\n", pid, float64(kb)/1024)
	}
}

// Ingest benchmark.

type ingestBenchOptions struct {
	docs, sections, clients int
	wait                    time.Duration
}

func newBenchIngestCommand(opts *globalOptions) *cobra.Command {
	bo, mo, ib := &benchOptions{}, &modelOptions{}, &ingestBenchOptions{}
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Upload generated Markdown documents and time them until every one is ready (documents/s, chunks/s)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchIngest(cmd, opts, bo, mo, ib)
		},
	}
	bo.register(cmd)
	mo.register(cmd)
	f := cmd.Flags()
	f.IntVar(&ib.docs, "docs", 20, "documents to upload")
	f.IntVar(&ib.sections, "sections", 40, "sections per document (each a few sentences)")
	f.IntVar(&ib.clients, "clients", 4, "concurrent uploads")
	f.DurationVar(&ib.wait, "wait", 5*time.Minute, "longest wait for the documents to be processed")
	return cmd
}

func runBenchIngest(cmd *cobra.Command, opts *globalOptions, bo *benchOptions, mo *modelOptions, ib *ingestBenchOptions) error {
	ctx := cmd.Context()
	out := cmd.OutOrStdout()
	if ib.docs < 1 || ib.docs > 10_000 || ib.sections < 1 || ib.sections > 10_000 || ib.clients < 1 {
		return fmt.Errorf("--docs and --sections from 1 to 10000, --clients at least 1")
	}
	c, world, err := bo.target(cmd, opts, mo, ib.clients)
	if err != nil {
		return err
	}
	if world != nil {
		defer world.stop()
	}
	run := time.Now().UnixNano()
	var (
		mu    sync.Mutex
		ids   []string
		total int
		first error
	)
	start := time.Now()
	next := make(chan int)
	var wg sync.WaitGroup
	for range ib.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range next {
				doc := benchDocument(run, n, ib.sections)
				r, err := c.upload(ctx, fmt.Sprintf("Bench manual %d", n), "markdown", fmt.Sprintf("manual-%d.md", n), doc)
				mu.Lock()
				if err == nil && r.Status != http.StatusAccepted {
					err = &statusError{status: r.Status, detail: r.detail()}
				}
				if err != nil {
					first = firstError(first, err)
				} else {
					var it itemStatus
					_ = json.Unmarshal(r.Envelope.Data, &it)
					ids = append(ids, it.ID)
					total += len(doc)
				}
				mu.Unlock()
			}
		}()
	}
	for n := range ib.docs {
		next <- n
	}
	close(next)
	wg.Wait()
	if first != nil {
		return fmt.Errorf("upload: %w", first)
	}
	uploaded := time.Since(start)
	states, err := c.waitItems(ctx, ids, ib.wait)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	chunks, failed := 0, 0
	for _, st := range states {
		chunks += st.Chunks
		if st.Status == lorebase.StatusFailed {
			failed++
		}
	}
	fmt.Fprintf(out, "%d documents (%.1f MiB) uploaded in %s, all processed in %s: %d ready, %d failed, %d chunks\n",
		len(ids), float64(total)/(1<<20), uploaded.Round(time.Millisecond), elapsed.Round(time.Millisecond), len(ids)-failed, failed, chunks)
	fmt.Fprintf(out, "%.1f documents/s, %.0f chunks/s, %.2f MiB/s (upload to ready, polled every 200 ms)\n",
		float64(len(ids))/elapsed.Seconds(), float64(chunks)/elapsed.Seconds(), float64(total)/(1<<20)/elapsed.Seconds())
	printPeakRSS(out, world != nil, bo.pids)
	return nil
}

func firstError(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// benchDocument is a Markdown manual whose sections differ, so chunks and terms differ too.
func benchDocument(run int64, n, sections int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Device manual %d (run %d)\n\n", n, run)
	for s := range sections {
		fmt.Fprintf(&b, "## Section %d.%d\n\nThe model %d-%d keeps its settings when the firmware %d is installed and the battery is at %d percent. ",
			n, s, n, s, (n*7+s)%23, (s*13)%100)
		b.WriteString("Hold the reset button for ten seconds to restore the factory settings; the light blinks twice when it is done. ")
		fmt.Fprintf(&b, "Replacement part %d-%d ships within %d working days.\n\n", n, s, 1+s%9)
	}
	return []byte(b.String())
}
