package worker

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/ingest/chunk"
	"github.com/lorebase/lorebase/ingest/pipeline"
	"github.com/lorebase/lorebase/llm/offline"
	"github.com/lorebase/lorebase/retrieval"
	"github.com/lorebase/lorebase/store"
	"github.com/lorebase/lorebase/store/storetest"
)

// world is a fresh database with one organization, the knowledge service and the ingestor the
// Q&A job runs on.
type world struct {
	db        *storetest.DB
	org       string
	knowledge *Knowledge
	in        *ingestor
}

func setup(t *testing.T, embedder pipeline.Embedder) *world {
	t.Helper()
	db := storetest.New(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	chunker, err := chunk.New(chunk.Config{})
	if err != nil {
		t.Fatal(err)
	}
	org, _, err := store.NewOrganizations(db.Pool).Create(context.Background(), "worker test", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	client, err := NewInsertClient(db.Pool, logger)
	if err != nil {
		t.Fatal(err)
	}
	deps := &Deps{Pool: db.Pool, Logger: logger, Embedder: embedder, Chunker: chunker}
	return &world{db: db, org: org.ID, knowledge: NewKnowledge(db.Pool, client),
		in: &ingestor{deps: deps, items: store.NewKnowledge(db.Pool), index: retrieval.NewIndexer(), logger: logger}}
}

func (w *world) pair(t *testing.T, question, answer string) lorebase.KnowledgeItem {
	t.Helper()
	it, err := w.knowledge.Create(context.Background(), lorebase.KnowledgeItem{OrganizationID: w.org, Type: lorebase.KnowledgeQA,
		Title: question, Question: question, Answer: answer}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

// work runs the Q&A job for a generation of the item, as River would.
func (w *world) work(it lorebase.KnowledgeItem, generation int) error {
	job := &river.Job[IngestQAArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: qaAttempts},
		Args: IngestQAArgs{ItemJob{ItemID: it.ID, Generation: generation}}}
	return (&IngestQAWorker{in: w.in}).Work(context.Background(), job)
}

func (w *world) chunks(t *testing.T, itemID string) int {
	t.Helper()
	var n int
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM chunks WHERE item_id = $1`, itemID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A job of a generation the item has moved past (a reindex or delete overtook it) ends quietly
// and writes nothing; the current generation's job indexes the item.
func TestStaleJobWritesNothing(t *testing.T) {
	t.Parallel()
	w := setup(t, offline.NewEmbedder(storetest.VectorDims))
	ctx := context.Background()
	it := w.pair(t, "When are you open?", "From 9 to 5.")
	q := "What are your opening hours?"
	re, err := w.knowledge.Update(ctx, w.org, it.ID, lorebase.KnowledgePatch{Question: &q})
	if err != nil || re.Generation == it.Generation {
		t.Fatalf("update: generation %d → %d, %v", it.Generation, re.Generation, err)
	}

	if err := w.work(it, it.Generation); err != nil {
		t.Fatalf("stale job: %v, want nil (nothing to retry)", err)
	}
	got, err := w.in.items.Get(ctx, w.org, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != lorebase.StatusPending || w.chunks(t, it.ID) != 0 {
		t.Fatalf("after the stale job: status %s, %d chunks; want pending and none", got.Status, w.chunks(t, it.ID))
	}

	if err := w.work(it, re.Generation); err != nil {
		t.Fatal(err)
	}
	if got, _ = w.in.items.Get(ctx, w.org, it.ID); got.Status != lorebase.StatusReady || w.chunks(t, it.ID) != 1 {
		t.Fatalf("after the current job: status %s, %d chunks; want ready and one", got.Status, w.chunks(t, it.ID))
	}

	// A deleted item's job finds nothing to do either.
	gone := w.pair(t, "Do you ship abroad?", "Yes.")
	if err := w.knowledge.Delete(ctx, w.org, gone.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.work(gone, gone.Generation); err != nil || w.chunks(t, gone.ID) != 0 {
		t.Fatalf("deleted item's job: %v, %d chunks", err, w.chunks(t, gone.ID))
	}
}

// reindexingEmbedder bumps the item's generation while the job embeds, as a user re-saving the
// item mid-ingestion would.
type reindexingEmbedder struct {
	*offline.Embedder
	reindex func()
}

func (e reindexingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	e.reindex()
	return e.Embedder.Embed(ctx, texts)
}

// A job overtaken while it works commits nothing: the chunks are written under a lock that
// checks the generation, so the older job cannot overwrite what the newer one will write.
func TestJobOvertakenMidwayCommitsNothing(t *testing.T) {
	t.Parallel()
	var w *world
	var it lorebase.KnowledgeItem
	bumped := 0
	w = setup(t, reindexingEmbedder{Embedder: offline.NewEmbedder(storetest.VectorDims), reindex: func() {
		a := "From 8 to 6."
		var err error
		if _, err = w.knowledge.Update(context.Background(), w.org, it.ID, lorebase.KnowledgePatch{Answer: &a}); err != nil {
			t.Error(err)
		}
		bumped++
	}})
	it = w.pair(t, "When are you open?", "From 9 to 5.")
	if err := w.work(it, it.Generation); err != nil {
		t.Fatalf("overtaken job: %v, want nil", err)
	}
	got, err := w.in.items.Get(context.Background(), w.org, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	if bumped != 1 || got.Generation == it.Generation || got.Status == lorebase.StatusReady || w.chunks(t, it.ID) != 0 {
		t.Fatalf("reindexed %d times; item generation %d status %s with %d chunks; want a newer generation, not ready, no chunks",
			bumped, got.Generation, got.Status, w.chunks(t, it.ID))
	}
}

// Load tells a job its generation is stale, for an older generation and for a deleted item;
// ErrStale is a conflict.
func TestLoadReportsStale(t *testing.T) {
	t.Parallel()
	w := setup(t, offline.NewEmbedder(storetest.VectorDims))
	ctx := context.Background()
	it := w.pair(t, "Q?", "A.")
	if _, err := w.in.items.Load(ctx, it.ID, it.Generation); err != nil {
		t.Fatalf("current generation: %v", err)
	}
	if _, err := w.in.items.Load(ctx, it.ID, it.Generation+1); !errors.Is(err, store.ErrStale) {
		t.Fatalf("other generation: %v, want ErrStale", err)
	}
	if err := w.knowledge.Delete(ctx, w.org, it.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.in.items.Load(ctx, it.ID, it.Generation); !errors.Is(err, store.ErrStale) || !errors.Is(err, lorebase.ErrConflict) {
		t.Fatalf("deleted item: %v, want ErrStale (a conflict)", err)
	}
}

// A cancellation that arrives after the chunks' commit landed (pgx then reports an error for a
// transaction the server committed) completes the job instead of leaving it to retry.
func TestCancelledAfterCommitCompletes(t *testing.T) {
	t.Parallel()
	w := setup(t, offline.NewEmbedder(storetest.VectorDims))
	it := w.pair(t, "When are you open?", "From 9 to 5.")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err := w.in.run(ctx, &attempts{attempt: 1, maxAttempts: qaAttempts}, ItemJob{ItemID: it.ID, Generation: it.Generation},
		func(ctx context.Context, it lorebase.KnowledgeItem) error {
			if err := w.work(it, it.Generation); err != nil { // the real job body, committed
				return err
			}
			cancel()
			return ctx.Err()
		})
	if err != nil {
		t.Fatalf("run = %v, want nil: the item is ready", err)
	}
	// Cancelled before anything was committed, the job goes back to River.
	other := w.pair(t, "Do you ship abroad?", "Yes.")
	ctx, cancel = context.WithCancel(context.Background())
	err = w.in.run(ctx, &attempts{attempt: 1, maxAttempts: qaAttempts}, ItemJob{ItemID: other.ID, Generation: other.Generation},
		func(ctx context.Context, it lorebase.KnowledgeItem) error {
			cancel()
			return ctx.Err()
		})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("run = %v, want context.Canceled for River to retry", err)
	}
}

// CancelJobs finalises every unfinished job of an organization's items, also the job of an item
// whose status already says ready, and no other organization's.
func TestCancelJobsIgnoresItemStatus(t *testing.T) {
	t.Parallel()
	w := setup(t, offline.NewEmbedder(storetest.VectorDims))
	ctx := context.Background()
	ready := w.pair(t, "When are you open?", "From 9 to 5.")
	if err := w.work(ready, ready.Generation); err != nil {
		t.Fatal(err)
	}
	waiting := w.pair(t, "Do you ship abroad?", "Yes.")
	// The ready item's job as an interrupted attempt leaves it: retryable.
	if _, err := w.db.Pool.Exec(ctx, `UPDATE river_job SET state = 'retryable', scheduled_at = now() + interval '1 hour'
		WHERE id = (SELECT job_id FROM knowledge_items WHERE id = $1)`, ready.ID); err != nil {
		t.Fatal(err)
	}
	other, _, err := store.NewOrganizations(w.db.Pool).Create(ctx, "other", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := w.knowledge.Create(ctx, lorebase.KnowledgeItem{OrganizationID: other.ID, Type: lorebase.KnowledgeQA, Title: "Q", Question: "Q?", Answer: "A."}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.knowledge.CancelJobs(ctx, w.org); err != nil {
		t.Fatal(err)
	}
	state := func(itemID string) string {
		var s string
		if err := w.db.Pool.QueryRow(ctx, `SELECT j.state FROM river_job j JOIN knowledge_items k ON k.job_id = j.id WHERE k.id = $1`, itemID).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := state(ready.ID); s != "cancelled" {
		t.Errorf("ready item's retryable job: %s, want cancelled", s)
	}
	if s := state(waiting.ID); s != "cancelled" {
		t.Errorf("waiting item's job: %s, want cancelled", s)
	}
	if s := state(foreign.ID); s != "available" {
		t.Errorf("other organization's job: %s, want available", s)
	}
}
