// Package ingest turns uploaded files and crawled pages into chunks ready to embed and store:
// extract → structured Document → chunk. Subpackages hold one extractor or stage each.
package ingest

// BlockKind says what structural role a block of text plays; the chunker keeps headings as
// context and tries not to split lists and tables.
type BlockKind string

const (
	BlockHeading   BlockKind = "heading"
	BlockParagraph BlockKind = "paragraph"
	BlockList      BlockKind = "list"  // a whole list; items separated by "\n"
	BlockTable     BlockKind = "table" // a whole table; rows separated by "\n", cells by " | "
	BlockCode      BlockKind = "code"
)

// Block is one structural unit of extracted text.
type Block struct {
	Kind  BlockKind
	Text  string
	Level int // heading level 1..6 for BlockHeading; 0 otherwise
	Page  int // 1-based PDF page the block starts on; 0 when the source has no pages
	// Anchor is, on a heading, the fragment that links to its section (an HTML id such as
	// "_options"), so a chunk can cite page.html#_options; empty when the source has none.
	Anchor string `json:",omitempty"`
}

// Document is the extractor's output, the chunker's input.
type Document struct {
	Title    string
	URL      string // the canonical URL for crawled pages; empty for files
	Language string // ISO 639-1 code when known (HTML lang attribute), else empty
	Blocks   []Block
	Pages    int // number of pages for PDFs; 0 otherwise
	// Warnings are non-fatal problems a knowledge manager should see (e.g. "page 3 has no text
	// layer (scanned?)").
	Warnings []string
}
