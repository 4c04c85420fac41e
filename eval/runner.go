package eval

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/answer"
	"github.com/lorebase/lorebase/ingest/chunk"
	"github.com/lorebase/lorebase/ingest/pipeline"
	"github.com/lorebase/lorebase/llm"
	"github.com/lorebase/lorebase/retrieval"
	"github.com/lorebase/lorebase/store"
	"github.com/lorebase/lorebase/worker"
)

// Defaults.
const (
	DepthDefault       = 100 // results of the retrieval pass: recall@100 needs them
	ConcurrencyDefault = 4
	WorkersDefault     = 4
	PollDefault        = 200 * time.Millisecond
	CleanupTimeout     = 5 * time.Minute
)

// Deps are what a run uses: the same pieces the serve and worker commands wire.
type Deps struct {
	Pool     *pgxpool.Pool
	Embedder llm.Embedder
	Chat     llm.ChatModel
	Chunker  *chunk.Chunker
	Extract  pipeline.ExtractConfig
	Logger   *slog.Logger
	Progress Progress // nil: no progress display
	// Index is the process's in-process lexical index (retrieval.Index, running); nil: BM25
	// in SQL.
	Index *retrieval.Index
}

// Progress shows how far a stage has gone.
type Progress interface {
	Start(stage string, total int)
	Set(done int)
	Finish()
}

// Config tunes a run; zero values take the defaults.
type Config struct {
	Mode        string        // retrieval mode of the answer pass; default hybrid
	Modes       []string      // modes of the retrieval pass (ranking metrics); default {Mode}
	K           int           // passages the engine retrieves for an answer; default answer's
	Depth       int           // results of the retrieval pass; default DepthDefault
	Sample      int           // questions drawn at random; 0: all
	Seed        uint64        // of the sample
	Concurrency int           // questions asked at once; default ConcurrencyDefault
	Workers     int           // ingestion jobs at once; default WorkersDefault
	Language    string        // assistant language for questions without one; default en
	Answer      answer.Config // other engine settings; K and Mode above win
	Poll        time.Duration // status polling interval while ingesting; default PollDefault
	Keep        bool          // keep the organization afterwards, to inspect it

	// Feedback is retrieval.Config.FeedbackDocs: pseudo-relevance feedback from this many
	// first-pass chunks; 0: the engine's default, < 0: off.
	Feedback int
}

// Runner runs evaluations.
type Runner struct {
	deps   Deps
	cfg    Config
	search *retrieval.Searcher
}

// New checks the configuration and returns a Runner.
func New(deps Deps, cfg Config) (*Runner, error) {
	if deps.Pool == nil || deps.Embedder == nil || deps.Chat == nil || deps.Chunker == nil {
		return nil, fmt.Errorf("%w: eval needs a pool, an embedder, a chat model and a chunker", lorebase.ErrInvalid)
	}
	deps.Logger = cmp.Or(deps.Logger, slog.New(slog.DiscardHandler))
	if deps.Progress == nil {
		deps.Progress = noProgress{}
	}
	cfg.Mode = cmp.Or(cfg.Mode, retrieval.ModeHybrid)
	if len(cfg.Modes) == 0 {
		cfg.Modes = []string{cfg.Mode}
	}
	cfg.Depth = cmp.Or(cfg.Depth, DepthDefault)
	cfg.Concurrency = cmp.Or(cfg.Concurrency, ConcurrencyDefault)
	cfg.Workers = cmp.Or(cfg.Workers, WorkersDefault)
	cfg.Language = normalizeLanguage(cmp.Or(cfg.Language, "en"))
	cfg.Poll = cmp.Or(cfg.Poll, PollDefault)
	for _, m := range append([]string{cfg.Mode}, cfg.Modes...) {
		if m != retrieval.ModeHybrid && m != retrieval.ModeLexical && m != retrieval.ModeVector {
			return nil, fmt.Errorf("%w: retrieval mode %q (use lexical, vector or hybrid)", lorebase.ErrInvalid, m)
		}
	}
	switch {
	case cfg.K < 0 || cfg.K > retrieval.CandidatesDefault:
		return nil, fmt.Errorf("%w: k %d outside 1..%d", lorebase.ErrInvalid, cfg.K, retrieval.CandidatesDefault)
	case cfg.Depth < 1 || cfg.Depth > retrieval.CandidatesDefault:
		return nil, fmt.Errorf("%w: depth %d outside 1..%d", lorebase.ErrInvalid, cfg.Depth, retrieval.CandidatesDefault)
	case cfg.Concurrency < 1 || cfg.Workers < 1 || cfg.Sample < 0:
		return nil, fmt.Errorf("%w: concurrency, workers and sample must be positive", lorebase.ErrInvalid)
	}
	search, err := retrieval.New(deps.Pool, retrieval.Config{Index: deps.Index, FeedbackDocs: cfg.Feedback, Thesaurus: cfg.Answer.Thesaurus})
	if err != nil {
		return nil, err
	}
	return &Runner{deps: deps, cfg: cfg, search: search}, nil
}

// Run evaluates the data set end to end: read the questions, ingest the corpus into a fresh
// organization, ask every question, score. The organization is deleted when Run returns, also
// when ctx is cancelled, unless Config.Keep.
func (r *Runner) Run(ctx context.Context, ds Dataset) (report *Report, results []Result, err error) {
	started := time.Now()
	questions, err := Sample(ds.Questions(), r.cfg.Sample, r.cfg.Seed)
	if err != nil {
		return nil, nil, err
	}
	if len(questions) == 0 {
		return nil, nil, fmt.Errorf("%w: %s has no questions", lorebase.ErrInvalid, ds.Name())
	}
	if err := store.EnsureVectorIndex(ctx, r.deps.Pool, r.deps.Embedder.Dimensions()); err != nil {
		return nil, nil, err
	}
	org, _, err := store.NewOrganizations(r.deps.Pool).Create(ctx, truncateName("eval "+ds.Name()+" "+started.UTC().Format(time.RFC3339)), 0, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("create the run's organization: %w", err)
	}
	r.deps.Logger.Info("eval organization", slog.String("organization_id", org.ID))
	run := &run{Runner: r, org: org.ID, docs: map[string]string{}, items: map[string]string{},
		assistantRows: map[string]lorebase.Assistant{}}
	defer func() {
		if r.cfg.Keep {
			return
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), CleanupTimeout)
		defer cancel()
		if cerr := run.cleanup(cctx); cerr != nil {
			err = errors.Join(err, fmt.Errorf("delete the run's organization %s: %w", org.ID, cerr))
		}
	}()

	ing, err := run.ingest(ctx, ds)
	if err != nil {
		return nil, nil, err
	}
	askStart := time.Now()
	results, err = run.ask(ctx, questions)
	if err != nil {
		return nil, nil, err
	}
	report = r.report(ds, ing, results, time.Since(askStart))
	return report, results, nil
}

// run is the state of one Run.
type run struct {
	*Runner
	org string

	mu    sync.Mutex
	docs  map[string]string // item id → document id
	items map[string]string // document id → item id

	assistantRows map[string]lorebase.Assistant // by language
	stopOnce      func()                        // stops the in-process workers, if running
}

// cleanup stops the workers, cancels the jobs River has not finished (a job must not outlive
// its item, or River retries it for nothing) and deletes the organization, which cascades to
// its assistants, items and chunks.
func (r *run) cleanup(ctx context.Context) error {
	if r.stopOnce != nil {
		r.stopOnce()
	}
	inserter, err := worker.NewInsertClient(r.deps.Pool, r.deps.Logger)
	if err != nil {
		return err
	}
	if err := worker.NewKnowledge(r.deps.Pool, inserter).CancelJobs(ctx, r.org); err != nil {
		return err
	}
	return store.NewOrganizations(r.deps.Pool).Delete(ctx, r.org)
}

func truncateName(s string) string {
	if len(s) > 200 {
		return s[:200]
	}
	return s
}

// documentID maps a retrieved item back to its document.
func (r *run) documentID(itemID string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.docs[itemID]
}

// rankedDocuments turns chunk results into document ids, best first, each once.
func (r *run) rankedDocuments(results []retrieval.Result) ([]string, []float64) {
	var ids []string
	var scores []float64
	for _, res := range results {
		id := r.documentID(res.ItemID)
		if id == "" || slices.Contains(ids, id) {
			continue
		}
		ids = append(ids, id)
		scores = append(scores, res.Score)
	}
	return ids, scores
}

type noProgress struct{}

func (noProgress) Start(string, int) {}
func (noProgress) Set(int)           {}
func (noProgress) Finish()           {}
