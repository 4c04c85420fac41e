package worker

import (
	"errors"
	"log/slog"

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
	Client   crawl.ClientConfig
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
	river.AddWorker(w, &IngestFileWorker{in: in})
	river.AddWorker(w, &IngestQAWorker{in: in})
	river.AddWorker(w, &CrawlSiteWorker{in: in})
	river.AddWorker(w, &RecrawlDueWorker{pool: deps.Pool, items: in})
	return w
}

func isJobNotFound(err error) bool { return errors.Is(err, rivertype.ErrNotFound) }
