package chunk

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/ingest"
	"github.com/lorebase/lorebase/ingest/formats"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// TestGolden runs real files through their extractor and the chunker with small sizes, so
// splits, overlap and header repetition all show up in a reviewable file.
func TestGolden(t *testing.T) {
	tests := []struct {
		file    string
		extract func([]byte) (*ingest.Document, error)
	}{
		{"manual.md", formats.Markdown},
		{"cjk.txt", formats.Text},
	}
	c := newTestChunker(t, Config{TargetTokens: 60, MaxTokens: 80, OverlapTokens: 15})
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := tc.extract(data)
			if err != nil {
				t.Fatal(err)
			}
			got := renderChunks(c.Chunk(doc))
			golden := filepath.Join("testdata", tc.file+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if got != string(want) {
				t.Errorf("chunks differ from %s (run with -update after review):\n%s", golden, got)
			}
		})
	}
}

func renderChunks(chunks []lorebase.Chunk) string {
	var b strings.Builder
	for _, ch := range chunks {
		fmt.Fprintf(&b, "=== chunk %d | page %d | %d tokens | %s\n%s\n", ch.Position, ch.Page, ch.TokenCount, strings.Join(ch.HeadingPath, " > "), ch.Content)
	}
	return b.String()
}
