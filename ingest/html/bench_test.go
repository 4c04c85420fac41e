package html

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkExtractManualPages extracts the pinned real pages (testdata/manuals), one
// iteration per page set; bytes/s is the extraction throughput.
func BenchmarkExtractManualPages(b *testing.B) {
	files, err := filepath.Glob(filepath.Join("testdata", "manuals", "*", "*.html"))
	if err != nil || len(files) == 0 {
		b.Fatalf("no pinned pages: %v", err)
	}
	var pages [][]byte
	size := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, data)
		size += len(data)
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for range b.N {
		for _, data := range pages {
			if _, err := Extract(bytes.NewReader(data), "text/html", nil); err != nil {
				b.Fatal(err)
			}
		}
	}
}
