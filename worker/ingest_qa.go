package worker

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/lorebase/lorebase"
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
		text := it.Question + "\n" + it.Answer
		vecs, err := w.in.deps.Embedder.Embed(ctx, []string{it.Question})
		if err != nil {
			return err
		}
		c := lorebase.Chunk{Content: text, TokenCount: w.in.deps.Chunker.CountTokens(text), Embedding: vecs[0], EmbeddingModel: w.in.deps.Embedder.Model()}
		lang := languageOf(it, it.Question+" "+it.Answer)
		p := lorebase.Progress{ChunksEmbedded: 1, ChunksTotal: 1}
		return w.in.replaceItemChunks(ctx, it, ofItem(it, []lorebase.Chunk{c}, lorebase.ChunkQA, lang, nil), nil, p, 0, lang, nil)
	})
}

// sampleText is the first few chunks' text, enough to guess a language.
func sampleText(chunks []lorebase.Chunk) string {
	s := ""
	for _, c := range chunks {
		if len(s) > 2000 {
			break
		}
		s += c.Content + " "
	}
	return s
}
