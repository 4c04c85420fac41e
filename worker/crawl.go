package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/ingest/crawl"
	"github.com/lorebase/lorebase/ingest/html"
	"github.com/lorebase/lorebase/ingest/pipeline"
	"github.com/lorebase/lorebase/retrieval"
	"github.com/lorebase/lorebase/store"
)

// CrawlSiteWorker crawls a URL item within its settings and keeps one set of chunks per page.
// A re-crawl sends each page's validators (ETag, Last-Modified) and compares content hashes, so
// an unchanged page is never re-embedded, and it deletes the chunks of pages that vanished.
// Pages are fetched and embedded inside this one job, in crawl order, so that politeness delays
// and depth accounting live in one place.
type CrawlSiteWorker struct {
	river.WorkerDefaults[CrawlSiteArgs]
	in      *ingestor
	timeout time.Duration
}

// Timeout bounds one attempt.
func (w *CrawlSiteWorker) Timeout(*river.Job[CrawlSiteArgs]) time.Duration { return w.timeout }

// NextRetry spaces retries.
func (w *CrawlSiteWorker) NextRetry(job *river.Job[CrawlSiteArgs]) time.Time {
	return retryBackoff(job.Attempt)
}

// crawlReport counts what a crawl did, for progress and the item's warnings.
type crawlReport struct {
	visited, embedded, unchanged int
	repeated                     int // blocks dropped as repeated across the site
}

// repeatWarmupPages is how many changed pages a crawl reads before it stores any, so the
// repeated-block filter has a sample of the site; the rest are stored as they arrive.
const repeatWarmupPages = 8

// Work runs the crawl.
func (w *CrawlSiteWorker) Work(ctx context.Context, job *river.Job[CrawlSiteArgs]) error {
	return w.in.run(ctx, attemptOf(job), job.Args.ItemJob, func(ctx context.Context, it lorebase.KnowledgeItem) error {
		return w.in.crawl(ctx, it, job.Args.Recrawl)
	})
}

func (in *ingestor) crawl(ctx context.Context, it lorebase.KnowledgeItem, recrawl bool) error {
	settings := crawlDefaults(it.Crawl)
	start, err := url.Parse(it.URL)
	if err != nil {
		return permanent(fmt.Errorf("invalid URL %q: %w", it.URL, err))
	}
	crawler, err := crawl.New(in.logger, in.deps.Crawl)
	if err != nil {
		return err
	}
	stored, err := in.items.CrawlPages(ctx, it.ID)
	if err != nil {
		return err
	}
	known := map[string]crawl.Validators{}
	for k, p := range stored {
		if recrawl {
			known[k] = crawl.Validators{ETag: p.ETag, LastModified: p.LastModified}
		} else {
			known[k] = crawl.Validators{} // a reindex fetches and re-embeds everything
		}
	}
	scope := crawl.Scope{Start: start, Hosts: settings.AllowedHosts, MaxDepth: settings.MaxDepth, MaxPages: settings.MaxPages,
		Include: settings.Include, Exclude: settings.Exclude}
	rep := &crawlReport{}
	progress := lorebase.Progress{Stage: "crawling", Unit: "urls", Total: settings.MaxPages}
	lang := it.Language
	// Blocks that repeat on most pages of the site (a banner line, a footer paragraph) are
	// furniture the page markup did not label. The filter learns them from the site's pages:
	// a re-crawl starts from the block hashes remembered for every stored page (so pages
	// answering 304 still count); a first crawl holds its first pages back until it has seen
	// enough of the site to tell.
	repeats := html.NewRepeatFilter(html.RepeatFilterConfig{})
	for _, p := range stored {
		if len(p.BlockKeys) > 0 {
			repeats.ObserveKeys(p.BlockKeys)
		}
	}
	type pendingPage struct {
		res  *crawl.Result
		keys []int64
	}
	var pending []pendingPage
	storeOne := func(ctx context.Context, pg pendingPage) error {
		res := pg.res
		rep.repeated += repeats.Filter(res.Page.Document)
		if lang == "" {
			lang = res.Page.Document.Language
		}
		n, err := in.storePage(ctx, it, res, lang, pg.keys)
		if err != nil {
			return err
		}
		rep.embedded++
		progress.ChunksEmbedded += n
		progress.ChunksTotal = progress.ChunksEmbedded
		return nil
	}
	flush := func(ctx context.Context) error {
		for len(pending) > 0 {
			pg := pending[0]
			pending = pending[1:]
			if err := storeOne(ctx, pg); err != nil {
				return err
			}
		}
		return in.items.SetProgress(ctx, it.ID, it.Generation, progress)
	}
	stats, err := crawler.Run(ctx, scope, known, func(ctx context.Context, res *crawl.Result) error {
		rep.visited++
		progress.Done = rep.visited
		// The total is what the crawl knows of so far: pages visited plus URLs waiting.
		progress.Total = min(settings.MaxPages, rep.visited+res.Queued)
		prev, seen := stored[res.Key]
		if res.NotModified || (recrawl && seen && prev.ContentHash == res.ContentHash) {
			rep.unchanged++
			if err := in.items.SetProgress(ctx, it.ID, it.Generation, progress); err != nil {
				return err
			}
			return in.items.TouchCrawlPage(ctx, it.ID, res.Key, res.ETag, res.LastModified)
		}
		keys := html.BlockKeys(res.Page.Document)
		if seen && len(prev.BlockKeys) > 0 {
			repeats.ForgetKeys(prev.BlockKeys)
		}
		repeats.ObserveKeys(keys)
		pending = append(pending, pendingPage{res: res, keys: keys})
		if repeats.Pages() < repeatWarmupPages {
			return in.items.SetProgress(ctx, it.ID, it.Generation, progress)
		}
		return flush(ctx)
	})
	if err == nil {
		err = flush(ctx)
	}
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, store.ErrStale) {
			return err
		}
		in.logger.Warn("crawl failed", slog.String("knowledge_id", it.ID), slog.String("error", err.Error()))
		return fmt.Errorf("crawl %s: %w", it.URL, crawl.Explain(err))
	}
	vanished := append(stats.Vanished(known), stats.Gone...)
	removed, err := in.items.DeleteCrawlPages(ctx, it.ID, vanished)
	if err != nil {
		return err
	}
	failures := crawlFailures(stats)
	if rep.visited == 0 {
		// The item fails, but its per-page view still says why each page could not be read.
		err := pgx.BeginFunc(ctx, in.deps.Pool, func(tx pgx.Tx) error {
			if err := in.items.LockCurrent(ctx, tx, it.ID, it.Generation); err != nil {
				return err
			}
			return in.items.ReplaceCrawlFailures(ctx, tx, it.ID, failures, settings.MaxPages)
		})
		if err != nil {
			return err
		}
		return permanent(errors.New("no page could be crawled: " + crawlProblems(stats)))
	}
	in.logger.Info("crawl finished", slog.String("knowledge_id", it.ID), slog.Int("visited", rep.visited),
		slog.Int("embedded", rep.embedded), slog.Int("unchanged", rep.unchanged), slog.Int64("removed", removed),
		slog.Int("repeated_blocks", rep.repeated), slog.Int("chunks_embedded", progress.ChunksEmbedded))
	var next *time.Time
	if d, err := time.ParseDuration(settings.RecrawlInterval); err == nil && d > 0 {
		t := time.Now().Add(d)
		next = &t
	}
	var warnings []string
	if p := crawlProblems(stats); p != "" {
		warnings = append(warnings, p)
	}
	progress.Done, progress.Total, progress.Stage = rep.visited, rep.visited, ""
	return pgx.BeginFunc(ctx, in.deps.Pool, func(tx pgx.Tx) error {
		if err := in.items.LockCurrent(ctx, tx, it.ID, it.Generation); err != nil {
			return err
		}
		if err := in.items.ReplaceCrawlFailures(ctx, tx, it.ID, failures, settings.MaxPages); err != nil {
			return err
		}
		return in.items.Finish(ctx, tx, it.ID, it.Generation, warnings, progress, 0, lang, next)
	})
}

// crawlFailures lists the pages this crawl tried and could not index, with their user-facing
// reasons; a URL that was indexed after all (reached again through a redirect) is left out.
func crawlFailures(st crawl.Stats) []store.CrawlFailure {
	visited := make(map[string]bool, len(st.Visited))
	for _, u := range st.Visited {
		visited[u] = true
	}
	var out []store.CrawlFailure
	for _, p := range st.Problems {
		if !visited[p.URL] {
			visited[p.URL] = true
			out = append(out, store.CrawlFailure{URL: p.URL, Reason: p.Reason, At: p.At})
		}
	}
	return out
}

// storePage replaces one page's chunks, in a transaction that first checks the job is still
// the item's current one.
func (in *ingestor) storePage(ctx context.Context, it lorebase.KnowledgeItem, res *crawl.Result, lang string, blockKeys []int64) (int, error) {
	doc := res.Page.Document
	chunks := pipeline.Chunk(in.deps.Chunker, doc)
	title := doc.Title
	if title == "" {
		title = it.Title
	}
	prepared, err := pipeline.Embed(ctx, in.deps.Embedder, title, chunks, 0, nil)
	if err != nil {
		return 0, err
	}
	err = pgx.BeginFunc(ctx, in.deps.Pool, func(tx pgx.Tx) error {
		if err := in.items.LockCurrent(ctx, tx, it.ID, it.Generation); err != nil {
			return err
		}
		pageID, err := in.items.UpsertCrawlPage(ctx, tx, it.ID, res.Key, title, res.ETag, res.LastModified, res.ContentHash, blockKeys)
		if err != nil {
			return err
		}
		if err := in.index.DeletePageChunks(ctx, tx, pageID); err != nil {
			return err
		}
		chunks := ofItem(it, prepared, lorebase.ChunkText, lang, &pageID)
		for i := range chunks {
			if chunks[i].URL == "" {
				chunks[i].URL = res.Key
			}
		}
		return in.index.InsertTitled(ctx, tx, retrieval.ChunkTitle(lorebase.ChunkText, it.Title, title), chunks)
	})
	return len(prepared), err
}

func crawlDefaults(c *lorebase.CrawlSettings) lorebase.CrawlSettings {
	s := lorebase.CrawlSettings{}
	if c != nil {
		s = *c
	}
	if s.MaxDepth <= 0 {
		s.MaxDepth = lorebase.CrawlMaxDepthDefault
	}
	if s.MaxPages <= 0 {
		s.MaxPages = lorebase.CrawlMaxPagesDefault
	}
	return s
}

func crawlProblems(st crawl.Stats) string {
	var parts []string
	for i, f := range st.Failed {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more failures", len(st.Failed)-3))
			break
		}
		parts = append(parts, fmt.Sprintf("%s: %s", f.URL, crawl.Reason(f.Err)))
	}
	robots := 0
	for _, s := range st.Skipped {
		switch {
		case s.Reason == crawl.SkipRobots:
			robots++
		case s.Reason == crawl.SkipRobotsUnavailable && s.Err != nil && len(parts) < 3:
			parts = append(parts, fmt.Sprintf("%s: robots.txt unavailable: %s", s.URL, crawl.Reason(s.Err)))
		}
	}
	if robots > 0 {
		parts = append(parts, fmt.Sprintf("%d pages disallowed by robots.txt", robots))
	}
	return strings.Join(parts, "; ")
}

// RecrawlDueArgs asks for URL items whose re-crawl interval has passed to be re-crawled.
type RecrawlDueArgs struct{}

// Kind names the job.
func (RecrawlDueArgs) Kind() string { return "recrawl_due" }

// RecrawlDueWorker runs on the elected leader every minute and enqueues due re-crawls.
type RecrawlDueWorker struct {
	river.WorkerDefaults[RecrawlDueArgs]
	pool  *pgxpool.Pool
	items *ingestor
}

const claimDueCrawls = `UPDATE knowledge_items SET next_crawl_at = NULL
WHERE id IN (SELECT id FROM knowledge_items WHERE type = 'url' AND next_crawl_at <= now()
             AND status IN ('ready', 'failed') ORDER BY next_crawl_at LIMIT 100 FOR UPDATE SKIP LOCKED)
RETURNING id, generation`

// Work claims due items and enqueues their crawls in one transaction.
func (w *RecrawlDueWorker) Work(ctx context.Context, job *river.Job[RecrawlDueArgs]) error {
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, claimDueCrawls)
		if err != nil {
			return err
		}
		due, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ItemJob, error) {
			var j ItemJob
			err := r.Scan(&j.ItemID, &j.Generation)
			return j, err
		})
		if err != nil {
			return err
		}
		for _, j := range due {
			if _, err := client.InsertTx(ctx, tx, CrawlSiteArgs{ItemJob: j, Recrawl: true}, insertOpts(crawlAttemps)); err != nil {
				return err
			}
		}
		return nil
	})
}
