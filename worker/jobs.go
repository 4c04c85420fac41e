package worker

import (
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// ItemJob is what every ingestion job carries: the item and the generation it was queued for.
// A reindex bumps the generation, so an older job that is still queued or running sees it is
// stale and stops without writing.
type ItemJob struct {
	ItemID     string `json:"item_id"`
	Generation int    `json:"generation"`
}

// IngestFileArgs extracts, chunks and embeds an uploaded file.
type IngestFileArgs struct{ ItemJob }

// Kind names the job.
func (IngestFileArgs) Kind() string { return "ingest_file" }

// IngestQAArgs indexes a curated question and answer.
type IngestQAArgs struct{ ItemJob }

// Kind names the job.
func (IngestQAArgs) Kind() string { return "ingest_qa" }

// CrawlSiteArgs crawls a URL item (first crawl and every re-crawl).
type CrawlSiteArgs struct {
	ItemJob
	Recrawl bool `json:"recrawl"`
}

// Kind names the job.
func (CrawlSiteArgs) Kind() string { return "crawl_site" }

// uniqueWhileActive makes a duplicate insert of the same job a no-op while the first is still
// queued or running, but allows a re-run once it finished: River's default also counts
// completed jobs, which would silently skip a reindex for a day.
var uniqueWhileActive = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}}

// Per-kind limits: a 300-page manual or a 500-page crawl takes minutes, a Q&A pair seconds.
const (
	fileTimeout  = 20 * time.Minute
	qaTimeout    = time.Minute
	crawlTimeout = 60 * time.Minute
	fileAttempts = 4
	qaAttempts   = 5
	crawlAttemps = 3
)

func insertOpts(maxAttempts int) *river.InsertOpts {
	return &river.InsertOpts{MaxAttempts: maxAttempts, UniqueOpts: uniqueWhileActive}
}

// retryBackoff spaces retries: 10 s, 40 s, 90 s, ... capped at 10 minutes.
func retryBackoff(attempt int) time.Time {
	d := time.Duration(attempt*attempt) * 10 * time.Second
	return time.Now().Add(min(d, 10*time.Minute))
}
