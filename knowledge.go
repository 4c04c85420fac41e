package lorebase

import "time"

// KnowledgeType is what a knowledge item is.
type KnowledgeType string

// Knowledge item types.
const (
	KnowledgeFile KnowledgeType = "file" // an uploaded file
	KnowledgeQA   KnowledgeType = "qa"   // a curated Q&A pair
	KnowledgeURL  KnowledgeType = "url"  // a crawled web site
)

// KnowledgeStatus is how far a knowledge item's processing has come. A crawled page of a URL
// item is ready or failed too.
type KnowledgeStatus string

// Knowledge item statuses.
const (
	StatusPending    KnowledgeStatus = "pending"
	StatusProcessing KnowledgeStatus = "processing"
	StatusReady      KnowledgeStatus = "ready"
	StatusFailed     KnowledgeStatus = "failed"
)

// Final reports whether processing is over: the item is ready or failed.
func (s KnowledgeStatus) Final() bool { return s == StatusReady || s == StatusFailed }

// KnowledgeItem is an uploaded file, a crawled site or a curated Q&A pair. Type-specific fields
// are empty for the other types.
type KnowledgeItem struct {
	ID             string          `json:"id"`
	OrganizationID string          `json:"organization_id"`
	Type           KnowledgeType   `json:"type"`
	Title          string          `json:"title"`
	Status         KnowledgeStatus `json:"status"`
	Error          *string         `json:"error"`
	Warnings       []string        `json:"warnings"`
	Progress       Progress        `json:"progress"`
	AssistantIDs   []string        `json:"assistant_ids" doc:"empty: every assistant of the organization uses the item"`
	Language       string          `json:"language"`
	FileType       string          `json:"file_type,omitempty"`
	FileName       string          `json:"file_name,omitempty"`
	FileSize       int64           `json:"file_size,omitempty"`
	URL            string          `json:"url,omitempty"`
	Crawl          *CrawlSettings  `json:"crawl,omitempty"`
	NextCrawlAt    *time.Time      `json:"next_crawl_at,omitempty"`
	Question       string          `json:"question,omitempty"`
	Answer         string          `json:"answer,omitempty"`
	Tags           []string        `json:"tags,omitempty"`
	Source         string          `json:"source,omitempty"`
	ChunkCount     int             `json:"chunk_count"`
	PageCount      int             `json:"page_count"`
	Generation     int             `json:"-"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

// Progress tells how far processing has gone.
type Progress struct {
	Stage          string `json:"stage,omitempty" doc:"extracting, chunking, embedding, crawling, storing"`
	Unit           string `json:"unit,omitempty" doc:"pages or urls"`
	Done           int    `json:"done"`
	Total          int    `json:"total"`
	ChunksEmbedded int    `json:"chunks_embedded"`
	ChunksTotal    int    `json:"chunks_total"`
}

// CrawlSettings bound a crawl of a URL item.
type CrawlSettings struct {
	MaxDepth        int      `json:"max_depth"`
	MaxPages        int      `json:"max_pages"`
	Include         []string `json:"include,omitempty" doc:"URL glob patterns a page must match (any)"`
	Exclude         []string `json:"exclude,omitempty" doc:"URL glob patterns that exclude a page"`
	AllowedHosts    []string `json:"allowed_hosts,omitempty" doc:"hosts besides the start URL's host"`
	RecrawlInterval string   `json:"recrawl_interval,omitempty" doc:"Go duration such as 24h; empty: never re-crawl"`
}

// Crawl defaults.
const (
	CrawlMaxDepthDefault = 2
	CrawlMaxPagesDefault = 50
	CrawlMaxPagesLimit   = 5000
)

// KnowledgeFilter narrows a knowledge list.
type KnowledgeFilter struct {
	Type   KnowledgeType
	Status KnowledgeStatus
}

// KnowledgePatch holds what a PATCH may change; nil means unchanged.
type KnowledgePatch struct {
	Title        *string
	AssistantIDs *[]string
	Tags         *[]string
	Question     *string
	Answer       *string
	Source       *string
	Crawl        *CrawlSettings
	Language     *string
}

// KnowledgeGap is a question the knowledge base could not answer.
type KnowledgeGap struct {
	ID          string    `json:"id"`
	AssistantID *string   `json:"assistant_id"`
	ThreadID    *string   `json:"thread_id"`
	Question    string    `json:"question"`
	Language    string    `json:"language"`
	BestScore   float64   `json:"best_score"`
	Reason      string    `json:"reason" doc:"unanswered (the engine abstained) or negative_feedback (a visitor disliked an ungrounded answer)"`
	MessageID   *string   `json:"message_id" doc:"negative_feedback: the answer that was disliked"`
	Comment     string    `json:"comment" doc:"negative_feedback: the visitor's comment"`
	CreatedAt   time.Time `json:"created_at"`
}
