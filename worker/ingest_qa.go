package worker

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/ingest/chunk"
	"github.com/lorebase/lorebase/ingest/pipeline"
	"github.com/lorebase/lorebase/retrieval"
)

// IngestQAWorker indexes a curated Q&A pair as one chunk of kind "qa": both the question and
// the answer are searchable lexically, and the vector is the question's, so a visitor's
// paraphrase of the question lands on it.
type IngestQAWorker struct {
	river.WorkerDefaults[IngestQAArgs]
	in *ingestor
}

// Timeout bounds one attempt.
func (w *IngestQAWorker) Timeout(*river.Job[IngestQAArgs]) time.Duration { return qaTimeout }

// NextRetry spaces retries.
func (w *IngestQAWorker) NextRetry(job *river.Job[IngestQAArgs]) time.Time {
	return retryBackoff(job.Attempt)
}

// Work indexes the pair.
func (w *IngestQAWorker) Work(ctx context.Context, job *river.Job[IngestQAArgs]) error {
	return w.in.run(ctx, attemptOf(job), job.Args.ItemJob, func(ctx context.Context, it lorebase.KnowledgeItem) error {
		c := chunk.Chunk{Text: it.Question + "\n" + it.Answer, TokenCount: w.in.deps.Chunker.CountTokens(it.Question + "\n" + it.Answer)}
		vecs, err := w.in.deps.Embedder.Embed(ctx, []string{it.Question})
		if err != nil {
			return err
		}
		lang := languageOf(it, it.Question+" "+it.Answer)
		rows, err := w.in.rows(it, []pipeline.Prepared{{Chunk: c, Embedding: vecs[0]}}, retrieval.KindQA, lang,
			retrieval.ChunkTitle(retrieval.KindQA, it.Title, ""), nil)
		if err != nil {
			return err
		}
		p := lorebase.Progress{ChunksEmbedded: 1, ChunksTotal: 1}
		return w.in.replaceItemChunks(ctx, it, rows, nil, p, 0, lang, nil)
	})
}

// sampleText is the first few chunks' text, enough to guess a language.
func sampleText(chunks []chunk.Chunk) string {
	s := ""
	for _, c := range chunks {
		if len(s) > 2000 {
			break
		}
		s += c.Text + " "
	}
	return s
}
