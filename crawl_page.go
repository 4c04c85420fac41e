package lorebase

import "time"

// CrawledPage is one page of a crawled site as it stands in the knowledge base: what was fetched
// and how many passages it gave. Pages that failed are named in the item's warnings.
type CrawledPage struct {
	URL       string    `json:"url"`
	Title     string    `json:"title"`
	Chunks    int       `json:"chunks" doc:"passages stored from the page; 0: the page had no indexable text"`
	FetchedAt time.Time `json:"fetched_at"`
}
