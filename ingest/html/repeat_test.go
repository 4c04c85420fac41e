package html

import (
	"testing"

	"github.com/lorebase/lorebase/ingest"
)

func page(blocks ...ingest.Block) *ingest.Document { return &ingest.Document{Blocks: blocks} }

func p(text string) ingest.Block { return ingest.Block{Kind: ingest.BlockParagraph, Text: text} }

func TestRepeatFilter(t *testing.T) {
	banner := p("Subscribe to our newsletter.")
	head := ingest.Block{Kind: ingest.BlockHeading, Level: 2, Text: "Parameters"}
	code := ingest.Block{Kind: ingest.BlockCode, Text: "make install"}
	docs := []*ingest.Document{
		page(head, p("Alpha text."), code, banner),
		page(head, p("Beta text."), code, banner),
		page(head, p("Gamma text."), code, ingest.Block{Kind: ingest.BlockParagraph, Text: "subscribe  to our NEWSLETTER."}),
		page(head, p("Delta text."), code),
	}

	f := NewRepeatFilter(RepeatFilterConfig{})
	for _, d := range docs[:3] {
		f.Observe(d)
	}
	if n := f.Filter(docs[0]); n != 0 {
		t.Fatalf("filtered %d blocks with 3 pages observed, below MinPages", n)
	}
	f.Observe(docs[3])
	// The banner is on 3 of 4 pages (case and spacing do not matter); headings and code repeat
	// on all four but structure and content the pages.
	if n := f.Filter(docs[1]); n != 1 || len(docs[1].Blocks) != 3 || docs[1].Blocks[1].Text != "Beta text." {
		t.Fatalf("filtered %d, left %+v", n, docs[1].Blocks)
	}

	// A page made only of repeated blocks is left whole.
	only := page(banner)
	if n := f.Filter(only); n != 0 || len(only.Blocks) != 1 {
		t.Fatalf("a page of repeated blocks lost %d blocks", n)
	}

	// Remembered keys count like observed pages; forgetting a changed page takes it back.
	g := NewRepeatFilter(RepeatFilterConfig{})
	for _, d := range docs {
		g.ObserveKeys(BlockKeys(d))
	}
	if !g.Repeated(banner) {
		t.Fatal("banner not repeated from remembered keys")
	}
	for _, d := range docs[:2] {
		g.ForgetKeys(BlockKeys(d))
		g.ObserveKeys(BlockKeys(page(p("Changed " + d.Blocks[1].Text))))
	}
	if g.Repeated(banner) {
		t.Fatal("banner still repeated after the pages carrying it changed")
	}
}
