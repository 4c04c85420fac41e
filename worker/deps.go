package worker

import (
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/lorebase/lorebase/ingest/chunk"
	"github.com/lorebase/lorebase/ingest/crawl"
	"github.com/lorebase/lorebase/ingest/pipeline"
	"github.com/lorebase/lorebase/retrieval"
	"github.com/lorebase/lorebase/store"
)

// Deps are what the workers need. A nil *Deps registers the workers without dependencies, for
// insert-only clients that never run them.
type Deps struct {
	Pool     *pgxpool.Pool
	Logger   *slog.Logger
	Embedder pipeline.Embedder
	Chunker  *chunk.Chunker
	Extract  pipeline.ExtractConfig
	Crawl    crawl.Config
	// FileTimeout and CrawlTimeout bound one attempt of a file ingestion and of a crawl. River
	// rescues a job whose worker died only after its timeout, so they also bound how long a
	// killed worker's job waits before another worker takes it over.
	FileTimeout  time.Duration
	CrawlTimeout time.Duration

	// orgConcurrency is Config.OrganizationConcurrency, set by Run; 0 means no limit.
	orgConcurrency int
}

func (d *Deps) fileTimeout() time.Duration {
	if d == nil || d.FileTimeout <= 0 {
		return fileTimeout
	}
	return d.FileTimeout
}

func (d *Deps) crawlTimeout() time.Duration {
	if d == nil || d.CrawlTimeout <= 0 {
		return crawlTimeout
	}
	return d.CrawlTimeout
}

func newWorkers(deps *Deps) *river.Workers {
	var in *ingestor
	if deps != nil {
		in = &ingestor{deps: deps, items: store.NewKnowledge(deps.Pool), index: retrieval.NewIndexer(), logger: deps.Logger}
	} else {
		deps = &Deps{}
	}
	w := river.NewWorkers()
	river.AddWorker(w, &HousekeepingWorker{pool: deps.Pool})
	river.AddWorker(w, &IngestFileWorker{in: in, timeout: deps.fileTimeout()})
	river.AddWorker(w, &IngestQAWorker{in: in})
	river.AddWorker(w, &CrawlSiteWorker{in: in, timeout: deps.crawlTimeout()})
	river.AddWorker(w, &RecrawlDueWorker{pool: deps.Pool, items: in})
	river.AddWorker(w, &ReembedStaleWorker{pool: deps.Pool, logger: deps.Logger})
	river.AddWorker(w, &ReanalyzeChunksWorker{pool: deps.Pool, logger: deps.Logger})
	return w
}

func isJobNotFound(err error) bool { return errors.Is(err, rivertype.ErrNotFound) }
