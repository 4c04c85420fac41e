package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/ingest/pipeline"
	"github.com/lorebase/lorebase/retrieval"
	"github.com/lorebase/lorebase/store"
	"github.com/lorebase/lorebase/textkit"
)

// ingestor holds what every ingestion job shares: loading the item, reporting progress,
// embedding, and storing chunks in the transaction that marks the item ready.
type ingestor struct {
	deps   *Deps
	items  *store.Knowledge
	index  *retrieval.Indexer
	logger *slog.Logger
}

// permanentError marks failures a retry cannot fix (a corrupt file, an unsupported format):
// the item fails at once with the reason.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return &permanentError{err: err} }

// run wraps a job body with the lifecycle every ingestion job follows: stale jobs stop quietly;
// the item moves to processing; a permanent error or the last failed attempt marks it failed
// with a readable reason; other errors go back to River for a retry with backoff.
func (in *ingestor) run(ctx context.Context, job *attempts, args ItemJob, body func(ctx context.Context, it lorebase.KnowledgeItem) error) error {
	it, err := in.items.Load(ctx, args.ItemID, args.Generation)
	if errors.Is(err, store.ErrStale) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := in.waitTurn(ctx, job, it.OrganizationID); err != nil {
		return err
	}
	if err := in.items.SetStatus(ctx, in.deps.Pool, it.ID, it.Generation, lorebase.StatusProcessing, nil); err != nil {
		if errors.Is(err, store.ErrStale) {
			return nil
		}
		return err
	}
	err = body(ctx, it)
	switch {
	case err == nil || errors.Is(err, store.ErrStale):
		return nil
	case ctx.Err() != nil:
		// Cancelled or timed out. The chunks' commit may still have landed: a cancellation that
		// arrives while COMMIT is in flight makes pgx report an error for a transaction the
		// server committed. Then the work is done and the job must complete; retrying it would
		// redo the item, and a job left to retry outlives a cleanup that trusts the status.
		if in.committed(ctx, it) {
			return nil
		}
		return err // River retries (or the item was deleted)
	}
	var perm *permanentError
	if errors.As(err, &perm) || job.attempt >= job.maxAttempts {
		msg := err.Error()
		in.logger.Warn("knowledge item failed", slog.String("knowledge_id", it.ID), slog.String("error", msg))
		if serr := in.items.SetStatus(context.WithoutCancel(ctx), in.deps.Pool, it.ID, it.Generation, lorebase.StatusFailed, &msg); serr != nil && !errors.Is(serr, store.ErrStale) {
			return serr
		}
		if errors.As(err, &perm) {
			return river.JobCancel(err)
		}
	}
	return err
}

// committed reports whether the item is ready at the job's generation, checked outside the
// job's (cancelled) context.
func (in *ingestor) committed(ctx context.Context, it lorebase.KnowledgeItem) bool {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	cur, err := in.items.Load(cctx, it.ID, it.Generation)
	return err == nil && cur.Status == lorebase.StatusReady
}

// attempts carries what run needs from River's job: its id, whether its kind is limited per
// organization, and the attempt counters.
type attempts struct {
	id                   int64
	heavy                bool
	attempt, maxAttempts int
	client               string // the River client (worker process) running this attempt
}

func attemptOf[T river.JobArgs](job *river.Job[T]) *attempts {
	a := &attempts{id: job.ID, heavy: slices.Contains(heavyKinds, job.Kind), attempt: job.Attempt, maxAttempts: job.MaxAttempts}
	if n := len(job.AttemptedBy); n > 0 {
		a.client = job.AttemptedBy[n-1]
	}
	return a
}

// embed embeds chunks, reporting progress after every batch.
func (in *ingestor) embed(ctx context.Context, it lorebase.KnowledgeItem, title string, chunks []lorebase.Chunk, p lorebase.Progress) ([]lorebase.Chunk, lorebase.Progress, error) {
	p.Stage, p.ChunksTotal = "embedding", len(chunks)
	last := time.Now()
	prepared, err := pipeline.Embed(ctx, in.deps.Embedder, title, chunks, 0, func(done int) error {
		p.ChunksEmbedded = done
		if time.Since(last) < 500*time.Millisecond && done < len(chunks) {
			return nil
		}
		last = time.Now()
		return in.items.SetProgress(ctx, it.ID, it.Generation, p)
	})
	return prepared, p, err
}

// ofItem marks embedded chunks as the item's: its organization, its assistant restriction,
// the chunks' kind and language, and the crawled page they come from (nil for other items).
func ofItem(it lorebase.KnowledgeItem, chunks []lorebase.Chunk, kind lorebase.ChunkKind, lang string, pageID *int64) []lorebase.Chunk {
	for i := range chunks {
		c := &chunks[i]
		c.OrganizationID, c.ItemID, c.PageID, c.Kind, c.AssistantIDs, c.Language = it.OrganizationID, it.ID, pageID, kind, it.AssistantIDs, lang
	}
	return chunks
}

// replaceItemChunks swaps all of an item's chunks and marks it ready, atomically, only if the
// job is still the item's current one: a retried or duplicated job never duplicates chunks.
func (in *ingestor) replaceItemChunks(ctx context.Context, it lorebase.KnowledgeItem, chunks []lorebase.Chunk, warnings []string, p lorebase.Progress, pages int, lang string, next *time.Time) error {
	return pgx.BeginFunc(ctx, in.deps.Pool, func(tx pgx.Tx) error {
		if err := in.items.LockCurrent(ctx, tx, it.ID, it.Generation); err != nil {
			return err
		}
		id, _ := uuid.Parse(it.ID)
		if err := in.index.DeleteItemChunks(ctx, tx, id); err != nil {
			return fmt.Errorf("delete old chunks: %w", err)
		}
		title := ""
		if len(chunks) > 0 {
			title = retrieval.ChunkTitle(chunks[0].Kind, it.Title, "")
		}
		if err := in.index.InsertTitled(ctx, tx, title, chunks); err != nil {
			return fmt.Errorf("store chunks: %w", err)
		}
		p.Stage = ""
		return in.items.Finish(ctx, tx, it.ID, it.Generation, warnings, p, pages, lang, next)
	})
}

// languageOf is the item's language, or a guess from a sample of its text.
func languageOf(it lorebase.KnowledgeItem, sample string) string {
	if it.Language != "" {
		return it.Language
	}
	return textkit.DetectLanguage(sample)
}
