package lorebase

import "time"

// CrawledPage is one page of a crawled site as it stands in the knowledge base: what was fetched
// and how many passages it gave, or why the last crawl could not index it.
type CrawledPage struct {
	URL    string          `json:"url"`
	Title  string          `json:"title"`
	Status KnowledgeStatus `json:"status" doc:"ready: indexed by the last crawl that reached it; failed: the last crawl could not index it (see error)"`
	// Error is the reason a failed page was not indexed: "HTTP 500 Internal Server Error",
	// "not an HTML page", "timed out"; null for a ready page.
	Error     *string   `json:"error" doc:"why the page was not indexed; null when ready"`
	Chunks    int       `json:"chunks" doc:"passages stored from the page; 0: the page had no indexable text. A failed page keeps the passages of an earlier successful crawl"`
	FetchedAt time.Time `json:"fetched_at" doc:"when the page was last requested (for a failed page: the failed attempt)"`
}
