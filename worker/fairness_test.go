package worker

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/ingest/chunk"
	"github.com/lorebase/lorebase/ingest/pipeline"
	"github.com/lorebase/lorebase/llm/offline"
	"github.com/lorebase/lorebase/store"
	"github.com/lorebase/lorebase/store/storetest"
)

// slowEmbedder stands in for a document that takes minutes to process (a huge manual on a
// slow model server): embedding any text with the marker blocks until released or cancelled.
// Every other text is embedded at once by the offline embedder.
type slowEmbedder struct {
	pipeline.Embedder
	marker  string
	release chan struct{}

	mu            sync.Mutex
	held, maxHeld int
	entered       chan struct{}
	enteredOnce   sync.Once
}

func (e *slowEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) > 0 && strings.Contains(texts[0], e.marker) {
		e.mu.Lock()
		e.held++
		e.maxHeld = max(e.maxHeld, e.held)
		e.mu.Unlock()
		e.enteredOnce.Do(func() { close(e.entered) })
		defer func() { e.mu.Lock(); e.held--; e.mu.Unlock() }()
		select {
		case <-e.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return e.Embedder.Embed(ctx, texts)
}

// TestFairIngestionAcrossTenants: a hostile tenant's slow uploads must not hold every worker.
// With two workers (a 2-core CI machine), the hostile tenant uploads four documents that each
// take "forever"; another tenant's Q&A pair and small file must still be ready within a few
// seconds, while the hostile documents are still being processed. Before the fix both workers
// sat on hostile documents and the other tenant waited for them to finish.
func TestFairIngestionAcrossTenants(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	chunker, err := chunk.New(chunk.Config{})
	if err != nil {
		t.Fatal(err)
	}
	emb := &slowEmbedder{Embedder: offline.NewEmbedder(storetest.VectorDims), marker: "HOSTILE-SLOW-DOCUMENT",
		release: make(chan struct{}), entered: make(chan struct{})}
	deps := &Deps{Pool: db.Pool, Logger: logger, Embedder: emb, Chunker: chunker}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- Run(runCtx, db.Pool, deps, Config{Concurrency: 2}, logger) }()
	released := false
	release := func() {
		if !released {
			released = true
			close(emb.release)
		}
	}
	t.Cleanup(func() {
		release()
		stop()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	})

	inserter, err := NewInsertClient(db.Pool, logger)
	if err != nil {
		t.Fatal(err)
	}
	knowledge := NewKnowledge(db.Pool, inserter)
	orgs := store.NewOrganizations(db.Pool)
	hostile, _, err := orgs.Create(ctx, "hostile", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	victim, _, err := orgs.Create(ctx, "victim", 0, nil)
	if err != nil {
		t.Fatal(err)
	}

	var hostileIDs []string
	for i := range 4 {
		doc := fmt.Sprintf("# HOSTILE-SLOW-DOCUMENT %d\n\nHOSTILE-SLOW-DOCUMENT page after page of text number %d.\n", i, i)
		it, err := knowledge.Create(ctx, lorebase.KnowledgeItem{OrganizationID: hostile.ID, Type: lorebase.KnowledgeFile,
			Title: "HOSTILE-SLOW-DOCUMENT", FileType: "markdown", FileName: fmt.Sprintf("slow-%d.md", i)}, fmt.Sprintf("sha-%d", i), []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		hostileIDs = append(hostileIDs, it.ID)
	}
	select {
	case <-emb.entered:
	case <-time.After(60 * time.Second):
		t.Fatal("no hostile document started processing")
	}
	// Let the workers settle on the hostile backlog, as they would in production.
	time.Sleep(2 * time.Second)

	start := time.Now()
	qa, err := knowledge.Create(ctx, lorebase.KnowledgeItem{OrganizationID: victim.ID, Type: lorebase.KnowledgeQA,
		Title: "Do you ship to Canada?", Question: "Do you ship to Canada?", Answer: "Yes, in 7 to 10 business days."}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	file, err := knowledge.Create(ctx, lorebase.KnowledgeItem{OrganizationID: victim.ID, Type: lorebase.KnowledgeFile,
		Title: "Returns", FileType: "markdown", FileName: "returns.md"}, "sha-victim", []byte("# Returns\n\nItems can be returned within 30 days."))
	if err != nil {
		t.Fatal(err)
	}

	// The product's promise: another tenant's work waits at most a few seconds. The bound is
	// generous for a loaded 2-core machine; without fairness the wait is unbounded (the
	// hostile documents never finish while the test holds them).
	const bound = 10 * time.Second
	items := store.NewKnowledge(db.Pool)
	waits := map[string]time.Duration{}
	for len(waits) < 2 && time.Since(start) < bound {
		for name, id := range map[string]string{"qa": qa.ID, "file": file.ID} {
			if _, ok := waits[name]; ok {
				continue
			}
			it, err := items.Get(ctx, victim.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			switch it.Status {
			case lorebase.StatusReady:
				waits[name] = time.Since(start)
			case lorebase.StatusFailed:
				t.Fatalf("victim %s failed: %s", name, deref(it.Error))
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("victim waits: %v (bound %v)", waits, bound)
	for _, name := range []string{"qa", "file"} {
		if _, ok := waits[name]; !ok {
			t.Errorf("the victim's %s was not ready within %v while a hostile tenant's uploads were processing", name, bound)
		}
	}
	emb.mu.Lock()
	held, maxHeld := emb.held, emb.maxHeld
	emb.mu.Unlock()
	if held == 0 {
		t.Fatal("the hostile documents were no longer processing: the test proved nothing")
	}
	if maxHeld > 1 {
		t.Errorf("%d hostile documents processed at once with 2 workers; want at most 1 (half the workers)", maxHeld)
	}

	// Released, the hostile tenant's documents all finish too: waiting is not failing.
	release()
	deadline := time.Now().Add(90 * time.Second)
	for _, id := range hostileIDs {
		for {
			it, err := items.Get(ctx, hostile.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			if it.Status == lorebase.StatusReady {
				break
			}
			if it.Status == lorebase.StatusFailed || time.Now().After(deadline) {
				t.Fatalf("hostile document %s: status %s, error %s", id, it.Status, deref(it.Error))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
