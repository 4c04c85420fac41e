package lorebase

// ChunkKind says what a chunk holds.
type ChunkKind string

// Chunk kinds.
const (
	ChunkText ChunkKind = "text" // a passage of a file or a web page
	ChunkQA   ChunkKind = "qa"   // a curated Q&A pair: "question\nanswer"
)

// Chunk is one passage of a knowledge item: what the chunker cuts, the embedder embeds, the
// index stores, retrieval returns and an answer cites. Each stage fills its part: the chunker
// the text and where it stands in the document, the pipeline the embedding, the worker the
// item it belongs to, the database the ID.
type Chunk struct {
	ID             int64 // assigned when stored; 0 before
	OrganizationID string
	ItemID         string
	PageID         *int64    // the crawled page of a URL item; nil otherwise
	Kind           ChunkKind // ChunkText when empty
	Position       int       // 0-based order in the item
	// Content carries no heading prefix: the heading path is a separate field so each reader
	// (the embedder, BM25, the prompt) decides how to present it.
	Content     string
	HeadingPath []string // enclosing headings, outermost first; nil before the first heading
	// Anchor is the fragment of the nearest enclosing heading that has one ("_options"), so a
	// citation can link to the section; empty when no enclosing heading has an anchor.
	Anchor         string
	Page           int // page the chunk's text starts on; 0 when the source has no pages
	URL            string
	TokenCount     int      // cl100k_base tokens of Content
	AssistantIDs   []string // the assistants the item is restricted to; empty: every assistant
	Language       string   // of the content (a language tag or a text-search configuration); selects stemming
	Embedding      []float32
	EmbeddingModel string
}

// Validate checks what a chunk must satisfy before it is stored: the organization and item it
// belongs to and a known kind. It returns a *ValidationError.
func (c Chunk) Validate() error {
	ve := &ValidationError{}
	if c.OrganizationID == "" {
		ve.Add("organization_id", "is required")
	}
	if c.ItemID == "" {
		ve.Add("item_id", "is required")
	}
	if c.Kind != "" && c.Kind != ChunkText && c.Kind != ChunkQA {
		ve.Add("kind", "must be text or qa")
	}
	return ve.Err()
}
