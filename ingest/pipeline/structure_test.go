package pipeline

import (
	"os"
	"strings"
	"testing"

	"github.com/lorebase/lorebase/ingest"
	"github.com/lorebase/lorebase/ingest/chunk"
)

// Real manual pages with long tables and code: every chunk starts at the start of a table row,
// a code line, a list item or a sentence, never inside a row or line; a split table's header
// row is repeated; chunks inside a section point at its anchor.
func TestChunksKeepRowsLinesAndAnchors(t *testing.T) {
	pages := []string{
		"/usr/share/doc/postgresql-doc-15/html/errcodes-appendix.html", // a 250-row table
		"/usr/share/doc/python3.11/html/library/argparse.html",         // code blocks, dl API entries
	}
	c, err := chunk.New(chunk.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Skipf("manual not installed (%v): run scripts/setup.sh", err)
		}
		page, err := ExtractHTML(data)
		if err != nil {
			t.Fatal(err)
		}
		doc := page.Document
		doc.URL = "http://docs.test/page.html"
		var verbatim []string // table rows and code lines
		headers := map[string]bool{}
		for _, b := range doc.Blocks {
			if b.Kind == ingest.BlockTable || b.Kind == ingest.BlockCode {
				lines := strings.Split(b.Text, "\n")
				verbatim = append(verbatim, lines...)
				if b.Kind == ingest.BlockTable {
					headers[lines[0]] = true
				}
			}
		}
		if len(verbatim) < 20 {
			t.Fatalf("%s: only %d table rows and code lines extracted", p, len(verbatim))
		}
		whole := map[string]bool{}
		for _, l := range verbatim {
			whole[l] = true
		}
		chunks := Chunk(c, doc)
		splitTables, anchored := 0, 0
		for _, ch := range chunks {
			if strings.Contains(ch.URL, "#") {
				anchored++
			}
			first, _, _ := strings.Cut(ch.Content, "\n")
			if whole[first] {
				if headers[first] {
					splitTables++
				}
				continue
			}
			for _, l := range verbatim {
				if len(first) < len(l) && strings.Contains(l, first) && len(strings.TrimSpace(first)) > 0 {
					t.Errorf("%s: chunk %d starts inside %q:\n%.200s", p, ch.Position, l, ch.Content)
					break
				}
			}
		}
		if splitTables == 0 && strings.Contains(p, "errcodes") {
			t.Errorf("%s: no chunk starts with a repeated table header", p)
		}
		if anchored*10 < len(chunks)*9 {
			t.Errorf("%s: %d of %d chunks carry a section anchor", p, anchored, len(chunks))
		}
		t.Logf("%s: %d chunks, %d start with a table header, %d anchored", p, len(chunks), splitTables, anchored)
	}
}
