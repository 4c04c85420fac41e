package worker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/ingest/pipeline"
)

// IngestFileWorker turns an uploaded file into chunks: extract → chunk → embed → store.
type IngestFileWorker struct {
	river.WorkerDefaults[IngestFileArgs]
	in      *ingestor
	timeout time.Duration
}

// Timeout bounds one attempt.
func (w *IngestFileWorker) Timeout(*river.Job[IngestFileArgs]) time.Duration { return w.timeout }

// NextRetry spaces retries.
func (w *IngestFileWorker) NextRetry(job *river.Job[IngestFileArgs]) time.Time {
	return retryBackoff(job.Attempt)
}

// Work processes the file.
func (w *IngestFileWorker) Work(ctx context.Context, job *river.Job[IngestFileArgs]) error {
	return w.in.run(ctx, attemptOf(job), job.Args.ItemJob, func(ctx context.Context, it lorebase.KnowledgeItem) error {
		p := lorebase.Progress{Stage: "extracting"}
		if err := w.in.items.SetProgress(ctx, it.ID, it.Generation, p); err != nil {
			return err
		}
		data, err := w.in.items.FileData(ctx, it.ID)
		if err != nil {
			return err
		}
		doc, err := pipeline.Extract(ctx, it.FileType, data, w.in.deps.Extract)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			return permanent(fmt.Errorf("could not extract text from the %s file: %w", it.FileType, err))
		}
		if doc.Pages > 0 {
			p.Unit, p.Done, p.Total = "pages", doc.Pages, doc.Pages
		}
		p.Stage = "chunking"
		chunks := pipeline.Chunk(w.in.deps.Chunker, doc)
		if len(chunks) == 0 {
			reason := "the file contains no text"
			if len(doc.Warnings) > 0 {
				reason += " (" + strings.Join(doc.Warnings, "; ") + ")"
			}
			return permanent(errors.New(reason))
		}
		title := it.Title
		if title == "" {
			title = doc.Title
		}
		prepared, p, err := w.in.embed(ctx, it, title, chunks, p)
		if err != nil {
			return err
		}
		lang := languageOf(it, sampleText(chunks))
		return w.in.replaceItemChunks(ctx, it, ofItem(it, prepared, lorebase.ChunkText, lang, nil), doc.Warnings, p, doc.Pages, lang, nil)
	})
}
