package openai

import (
	"context"
	"fmt"
	"sync/atomic"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/lorebase/lorebase/llm"
)

// maxBatchTokens stays under OpenAI's 300k-tokens-per-request limit. Tokens are estimated as
// bytes/4, which overestimates for English and keeps a margin for other scripts.
const maxBatchTokens = 280_000

// Embedder is an llm.Embedder backed by an OpenAI-compatible embeddings endpoint. It is safe for
// concurrent use.
type Embedder struct {
	cfg       Config
	client    *goopenai.Client
	rt        *retryTransport
	errs      errorMapper
	maxTokens int          // per request; a field so tests can exercise the token cap cheaply
	dims      atomic.Int64 // Config.Dimensions, or the length first seen when that is 0
}

var _ llm.Embedder = (*Embedder)(nil)

// NewEmbedder returns an Embedder for cfg.EmbeddingModel.
func NewEmbedder(cfg Config) (*Embedder, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	client, rt := newClient(cfg)
	e := &Embedder{
		cfg: cfg, client: client, rt: rt, maxTokens: maxBatchTokens,
		errs: errorMapper{apiKey: cfg.APIKey, timeout: cfg.Timeout},
	}
	e.dims.Store(int64(cfg.Dimensions))
	return e, nil
}

// Model returns the configured embedding model (or Azure deployment) name.
func (e *Embedder) Model() string { return e.cfg.EmbeddingModel }

// Dimensions returns Config.Dimensions; when that is 0, the length of the first vector the
// server returned, and 0 before the first successful Embed.
func (e *Embedder) Dimensions() int { return int(e.dims.Load()) }

// Embed returns one vector per text, in input order. Texts are sent in batches of at most
// BatchSize inputs and about 280k estimated tokens; each batch has its own Timeout and retries.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	batches := splitBatches(texts, e.cfg.BatchSize, e.maxTokens)
	for i, b := range batches {
		if err := e.embedBatch(ctx, texts[b.start:b.end], out[b.start:b.end]); err != nil {
			return nil, fmt.Errorf("embed batch %d/%d (inputs %d-%d): %w", i+1, len(batches), b.start, b.end-1, err)
		}
	}
	return out, nil
}

func (e *Embedder) embedBatch(ctx context.Context, texts []string, out [][]float32) error {
	callCtx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()

	resp, err := e.client.CreateEmbeddings(callCtx, goopenai.EmbeddingRequest{
		Input:          texts,
		Model:          goopenai.EmbeddingModel(e.cfg.EmbeddingModel),
		EncodingFormat: goopenai.EmbeddingEncodingFormatFloat,
		Dimensions:     e.cfg.Dimensions, // omitted when 0
	})
	if err != nil {
		return e.errs.mapErr(ctx, callCtx, "embed", err)
	}
	if len(resp.Data) != len(texts) {
		return upstreamf("embed", "sent %d inputs, got %d vectors", len(texts), len(resp.Data))
	}
	// Servers may answer out of order: .Index says which input a vector belongs to.
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= len(texts) || out[d.Index] != nil {
			return upstreamf("embed", "vector index %d is out of range or repeated", d.Index)
		}
		if err := e.checkDims(len(d.Embedding)); err != nil {
			return err
		}
		out[d.Index] = d.Embedding
	}
	return nil
}

// checkDims rejects a vector whose length differs from the configured or first-seen one; stored
// vectors of mixed lengths cannot be compared.
func (e *Embedder) checkDims(n int) error {
	if n == 0 {
		return upstreamf("embed", "empty vector")
	}
	if e.dims.CompareAndSwap(0, int64(n)) {
		return nil
	}
	if want := e.dims.Load(); int64(n) != want {
		return upstreamf("embed", "model %s returned a %d-dimension vector, want %d", e.cfg.EmbeddingModel, n, want)
	}
	return nil
}

type batch struct{ start, end int }

// splitBatches cuts texts into consecutive ranges of at most size inputs and maxTokens estimated
// tokens; a single text over the token cap goes alone and the server decides.
func splitBatches(texts []string, size, maxTokens int) []batch {
	var out []batch
	start, tokens := 0, 0
	for i, t := range texts {
		n := len(t)/4 + 1
		if i > start && (i-start >= size || tokens+n > maxTokens) {
			out = append(out, batch{start, i})
			start, tokens = i, 0
		}
		tokens += n
	}
	if start < len(texts) {
		out = append(out, batch{start, len(texts)})
	}
	return out
}
