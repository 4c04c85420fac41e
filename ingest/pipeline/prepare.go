package pipeline

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/ingest"
	"github.com/lorebase/lorebase/ingest/chunk"
)

// Embedder is what the pipeline needs to embed chunks.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	Model() string
	Dimensions() int
}

// EmbeddingText is what gets embedded for a chunk: its heading path gives the vector the
// context a reader has (the section a sentence sits in).
func EmbeddingText(title string, c lorebase.Chunk) string {
	var b strings.Builder
	path := c.HeadingPath
	if title != "" && (len(path) == 0 || path[0] != title) {
		path = append([]string{title}, path...)
	}
	if len(path) > 0 {
		b.WriteString(strings.Join(path, " > "))
		b.WriteString("\n\n")
	}
	b.WriteString(c.Content)
	return b.String()
}

// EmbedBatchDefault is how many chunks go to the embedder at once.
const EmbedBatchDefault = 64

// Embed embeds chunks in batches, calling progress after each batch with the number done. It
// returns copies of the chunks with Embedding and EmbeddingModel set.
func Embed(ctx context.Context, e Embedder, title string, chunks []lorebase.Chunk, batch int, progress func(done int) error) ([]lorebase.Chunk, error) {
	if batch <= 0 {
		batch = EmbedBatchDefault
	}
	out := make([]lorebase.Chunk, 0, len(chunks))
	for start := 0; start < len(chunks); start += batch {
		end := min(start+batch, len(chunks))
		texts := make([]string, 0, end-start)
		for _, c := range chunks[start:end] {
			texts = append(texts, EmbeddingText(title, c))
		}
		vecs, err := e.Embed(ctx, texts)
		if err != nil {
			return nil, fmt.Errorf("embed chunks %d-%d: %w", start, end, err)
		}
		if len(vecs) != len(texts) {
			return nil, fmt.Errorf("embed chunks %d-%d: got %d vectors for %d texts", start, end, len(vecs), len(texts))
		}
		for i, c := range chunks[start:end] {
			if len(vecs[i]) != e.Dimensions() {
				return nil, fmt.Errorf("embedding dimension %d, configured %d", len(vecs[i]), e.Dimensions())
			}
			c.Embedding, c.EmbeddingModel = vecs[i], e.Model()
			out = append(out, c)
		}
		if progress != nil {
			if err := progress(end); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Chunk splits a document with the given chunker, setting the URL on chunks of web pages. A
// chunk inside an anchored section gets the section's URL (page.html#_options), so a source
// cited from it opens where the answer is.
func Chunk(c *chunk.Chunker, doc *ingest.Document) []lorebase.Chunk {
	chunks := c.Chunk(doc)
	for i := range chunks {
		if chunks[i].URL == "" {
			chunks[i].URL = doc.URL
		}
		chunks[i].URL = SectionURL(chunks[i].URL, chunks[i].Anchor)
	}
	return chunks
}

// SectionURL appends a section anchor to a page URL, replacing any fragment it had. An empty
// page URL (an uploaded file) or anchor leaves the URL as it is.
func SectionURL(page, anchor string) string {
	if page == "" || anchor == "" {
		return page
	}
	if i := strings.IndexByte(page, '#'); i >= 0 {
		page = page[:i]
	}
	return page + "#" + url.PathEscape(anchor)
}
