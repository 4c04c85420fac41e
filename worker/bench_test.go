package worker

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/ingest/chunk"
	"github.com/lorebase/lorebase/ingest/pipeline"
	"github.com/lorebase/lorebase/llm/offline"
	"github.com/lorebase/lorebase/llm/openai"
	"github.com/lorebase/lorebase/llm/openai/openaitest"
	"github.com/lorebase/lorebase/retrieval"
	"github.com/lorebase/lorebase/store"
	"github.com/lorebase/lorebase/store/storetest"
)

// manual writes a Markdown manual of about the given number of pages (~2.6 KB of text each).
func manual(pages int) []byte {
	var b strings.Builder
	b.WriteString("# Device manual\n\n")
	for p := 0; p < pages; p++ {
		fmt.Fprintf(&b, "## Chapter %d: operating mode %d\n\n", p, p)
		for i := 0; i < 4; i++ {
			fmt.Fprintf(&b, "In mode %d the device draws %d watts and keeps the temperature between %d and %d degrees. "+
				"Press the %s button twice to confirm the setting, then wait for the indicator to turn %s. "+
				"If the indicator blinks, the filter %d needs cleaning; see the maintenance chapter for the steps and the spare part numbers.\n\n",
				p, 10+p%90, 15+i, 25+i, []string{"left", "right", "middle"}[i%3], []string{"green", "blue", "white"}[p%3], p%7)
		}
		b.WriteString("- check the cable\n- check the fuse\n- restart the unit\n\n")
	}
	return []byte(b.String())
}

// BenchmarkIngestFile measures an uploaded Markdown manual going from bytes to committed chunk
// rows (extract, chunk, embed offline, COPY with postings) through the real job.
func BenchmarkIngestFile(b *testing.B) {
	benchIngest(b, offline.NewEmbedder(storetest.VectorDims))
}

func benchIngest(b *testing.B, embedder pipeline.Embedder) {
	db := storetest.New(b)
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	chunker, _ := chunk.New(chunk.Config{})
	deps := &Deps{Pool: db.Pool, Logger: logger, Embedder: embedder, Chunker: chunker}
	in := &ingestor{deps: deps, items: store.NewKnowledge(db.Pool), index: retrieval.NewIndexer(), logger: logger}
	w := &IngestFileWorker{in: in, timeout: fileTimeout}
	org, _, err := store.NewOrganizations(db.Pool).Create(ctx, "bench", 0, nil)
	if err != nil {
		b.Fatal(err)
	}
	data := manual(300)
	client, err := NewInsertClient(db.Pool, logger)
	if err != nil {
		b.Fatal(err)
	}
	it, err := NewKnowledge(db.Pool, client).Create(ctx, lorebase.KnowledgeItem{OrganizationID: org.ID, Type: lorebase.KnowledgeFile,
		Title: "Manual", FileType: "markdown", FileName: "manual.md"}, "", data)
	if err != nil {
		b.Fatal(err)
	}
	chunks := 0
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		job := &river.Job[IngestFileArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 4},
			Args: IngestFileArgs{ItemJob{ItemID: it.ID, Generation: it.Generation}}}
		if err := w.Work(ctx, job); err != nil {
			b.Fatal(err)
		}
		got, err := in.items.Get(ctx, org.ID, it.ID)
		if err != nil || got.Status != lorebase.StatusReady {
			b.Fatalf("item %+v: %v", got, err)
		}
		chunks = got.ChunkCount
	}
	b.StopTimer()
	b.ReportMetric(float64(chunks*b.N)/b.Elapsed().Seconds(), "chunks/s")
	b.ReportMetric(float64(chunks), "chunks/doc")
}

// BenchmarkIngestFileRemoteEmbedder is BenchmarkIngestFile with an OpenAI-compatible embedding
// server that takes 50 ms per request: batching (64 chunks a request) keeps the cost at a few
// round trips per document instead of one per chunk.
func BenchmarkIngestFileRemoteEmbedder(b *testing.B) {
	offlineVecs := offline.NewEmbedder(storetest.VectorDims)
	srv := openaitest.NewServer(b, openaitest.Options{Latency: 50 * time.Millisecond, Dimensions: storetest.VectorDims,
		Embed: func(input string, _ int) []float32 {
			v, _ := offlineVecs.Embed(context.Background(), []string{input})
			return v[0]
		}})
	remote, err := openai.NewEmbedder(openai.Config{BaseURL: srv.URL, EmbeddingModel: "fake", Dimensions: storetest.VectorDims, BatchSize: 64})
	if err != nil {
		b.Fatal(err)
	}
	benchIngest(b, remote)
	b.ReportMetric(float64(len(srv.EmbeddingRequests()))/float64(b.N), "embed-requests/doc")
}
