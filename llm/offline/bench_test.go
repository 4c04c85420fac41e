package offline

import (
	"context"
	"strings"
	"testing"

	"github.com/lorebase/lorebase/internal/xquad"
	"github.com/lorebase/lorebase/llm"
)

// benchChunks returns ~350-token chunks: XQuAD paragraphs joined when available, else a
// synthetic support text, so the benchmark runs anywhere.
func benchChunks(b *testing.B) []string {
	var words []string
	if set, err := xquad.Read("en"); err == nil {
		words = strings.Fields(strings.Join(set.Paragraphs, " "))
	} else {
		words = strings.Fields(strings.Repeat("The Pro plan costs $20 per user per month and includes single sign-on, audit logs and priority support. ", 400))
	}
	const chunkWords = 270 // ≈ 350 tokens at 1.3 tokens per word
	var chunks []string
	for i := 0; i+chunkWords <= len(words) && len(chunks) < 64; i += chunkWords {
		chunks = append(chunks, strings.Join(words[i:i+chunkWords], " "))
	}
	return chunks
}

func BenchmarkEmbed(b *testing.B) {
	chunks := benchChunks(b)
	var size int
	for _, c := range chunks {
		size += len(c)
	}
	e := NewEmbedder(0)
	ctx := context.Background()
	b.SetBytes(int64(size / len(chunks)))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := e.Embed(ctx, chunks[i%len(chunks):i%len(chunks)+1]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "texts/s")
}

func BenchmarkAnswer(b *testing.B) {
	chunks := benchChunks(b)
	passages := make([]llm.Passage, 5)
	for i := range passages {
		passages[i] = llm.Passage{N: i + 1, Text: chunks[i%len(chunks)]}
	}
	a := NewAnswerer(AnswererConfig{})
	req := llm.ChatRequest{Passages: passages, Question: "How many points did the Panthers defense give up?"}
	ctx := context.Background()
	for b.Loop() {
		if _, err := a.Chat(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEmbedBatch embeds 64 chunks per call, as ingestion does, using every CPU.
func BenchmarkEmbedBatch(b *testing.B) {
	chunks := benchChunks(b)
	var size int
	for _, c := range chunks {
		size += len(c)
	}
	e := NewEmbedder(0)
	b.SetBytes(int64(size))
	for b.Loop() {
		if _, err := e.Embed(context.Background(), chunks); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(chunks))/b.Elapsed().Seconds(), "texts/s")
}
