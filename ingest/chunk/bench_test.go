package chunk

import (
	"testing"
)

// BenchmarkChunk chunks a generated ~300-page manual with the default config.
func BenchmarkChunk(b *testing.B) {
	c := newTestChunker(b, Config{})
	doc := manual(300)
	size := 0
	for _, bl := range doc.Blocks {
		size += len(bl.Text)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	chunks := 0
	for b.Loop() {
		chunks += len(c.Chunk(doc))
	}
	b.ReportMetric(float64(chunks)/b.Elapsed().Seconds(), "chunks/s")
	b.ReportMetric(float64(chunks)/float64(b.N), "chunks/doc")
}
