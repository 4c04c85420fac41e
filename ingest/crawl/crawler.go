package crawl

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/lorebase/lorebase/ingest/html"
)

// Config configures a Crawler.
type Config struct {
	Client ClientConfig
	// MaxBodyBytes caps one page; MaxBodyBytesDefault when 0.
	MaxBodyBytes int64
	// MinDelay is the least time between two requests to one host; MinDelayDefault when 0.
	// A larger robots.txt Crawl-delay wins, up to MaxCrawlDelay.
	MinDelay time.Duration
	// MaxCrawlDelay caps a robots.txt Crawl-delay; MaxCrawlDelayDefault when 0.
	MaxCrawlDelay time.Duration
	// RobotsTTL is how long a robots.txt is cached; RobotsTTLDefault when 0.
	RobotsTTL time.Duration
	// NoSitemaps turns off sitemap discovery: only links from Start (and known pages) are
	// followed.
	NoSitemaps bool
}

// Crawler crawls one site breadth-first. One Crawler may run several crawls, one after another
// or at once; its robots.txt cache and per-host delays are shared between them.
type Crawler struct {
	logger  *slog.Logger
	cfg     Config
	client  *http.Client
	fetcher *Fetcher
	robots  *Robots
	limiter *HostLimiter
}

// New returns a Crawler. A nil logger discards logs.
func New(logger *slog.Logger, cfg Config) (*Crawler, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg.MinDelay = cmp.Or(cfg.MinDelay, MinDelayDefault)
	cfg.MaxCrawlDelay = cmp.Or(cfg.MaxCrawlDelay, MaxCrawlDelayDefault)
	if cfg.MinDelay < 0 || cfg.MaxCrawlDelay < 0 {
		return nil, errors.New("crawl: config: negative delay")
	}
	client, err := NewClient(cfg.Client)
	if err != nil {
		return nil, err
	}
	fetcher, err := NewFetcher(client, FetcherConfig{MaxBodyBytes: cfg.MaxBodyBytes})
	if err != nil {
		return nil, err
	}
	robots, err := NewRobots(client, RobotsConfig{UserAgent: cfg.Client.UserAgent, TTL: cfg.RobotsTTL})
	if err != nil {
		return nil, err
	}
	return &Crawler{logger: logger, cfg: cfg, client: client, fetcher: fetcher, robots: robots, limiter: NewHostLimiter()}, nil
}

// wait applies per-host politeness before a request to u.
func (c *Crawler) wait(ctx context.Context, u *url.URL) error {
	delay := c.cfg.MinDelay
	if d, err := c.robots.CrawlDelay(ctx, u); err == nil {
		delay = max(delay, min(d, c.cfg.MaxCrawlDelay))
	}
	return c.limiter.Wait(ctx, u.Host, delay)
}

// Run crawls breadth-first from scope.Start and calls visit for every page to index.
//
// Seeds are Start (depth 0), then the site's sitemap URLs and the keys of known (depth 1: they
// are a step away from Start as far as depth limits go). known holds the validators stored
// from a previous crawl, keyed by Result.Key; its pages are requested conditionally and come
// back NotModified when unchanged, and seeding them means a page is re-checked even when every
// page linking to it answered 304 (a 304 has no body, so no links).
//
// A URL is fetched at most once, after normalisation (see Normalize); a page is visited at
// most once, however many URLs lead to it: redirects, link[rel=canonical] and identical
// content (ContentHash) all count. robots.txt, Scope, MaxDepth, MaxPages, meta robots noindex
// and nofollow are honoured. visit receives NotModified results too (Page is nil); an error
// from visit stops the crawl and is returned. Run returns the Stats so far with ctx's error
// when ctx ends.
func (c *Crawler) Run(ctx context.Context, scope Scope, known map[string]Validators, visit func(context.Context, *Result) error) (Stats, error) {
	if scope.Start == nil || !webScheme(scope.Start.Scheme) || scope.Start.Host == "" {
		return Stats{}, fmt.Errorf("crawl: scope needs an absolute http(s) Start URL, got %v", scope.Start)
	}
	if visit == nil {
		return Stats{}, errors.New("crawl: Run needs a visit function")
	}
	r := &crawlRun{
		Crawler: c,
		scope:   scope,
		known:   known,
		visit:   visit,
		seen:    map[string]bool{},
		fetched: map[string]bool{},
		visited: map[string]bool{},
		hashes:  map[string]string{},
	}
	maxPages := cmp.Or(scope.MaxPages, MaxPagesDefault)

	r.enqueue(scope.Start, 0)
	if !c.cfg.NoSitemaps {
		for _, u := range c.sitemapURLs(ctx, scope.Start, maxPages) {
			r.enqueue(u, 1)
		}
	}
	// Sorted so a crawl's order, and so what MaxPages cuts, does not depend on map order.
	for _, k := range slices.Sorted(maps.Keys(known)) {
		if u, err := url.Parse(k); err == nil {
			r.enqueue(u, 1)
		}
	}

	fetches := 0
	for len(r.queue) > 0 && fetches < maxPages {
		if err := ctx.Err(); err != nil {
			return r.stats, err
		}
		it := r.queue[0]
		r.queue = r.queue[1:]
		fetched, err := r.process(ctx, it)
		if fetched {
			fetches++
		}
		if err != nil {
			return r.stats, err
		}
	}
	r.stats.Complete = len(r.queue) == 0
	return r.stats, ctx.Err()
}

// crawlRun is the state of one Run.
type crawlRun struct {
	*Crawler
	scope Scope
	known map[string]Validators
	visit func(context.Context, *Result) error

	queue   []queued
	seen    map[string]bool   // keys enqueued or fetched
	fetched map[string]bool   // keys requested, and where their redirects ended
	visited map[string]bool   // page keys handed to visit
	hashes  map[string]string // content hash → page key
	stats   Stats
}

type queued struct {
	u     *url.URL
	key   string
	depth int
}

func (r *crawlRun) enqueue(u *url.URL, depth int) {
	if r.scope.MaxDepth > 0 && depth > r.scope.MaxDepth {
		return
	}
	n := Normalize(u)
	key := n.String()
	if r.seen[key] {
		return
	}
	r.seen[key] = true
	if depth > 0 && !r.scope.Allows(n) {
		r.skip(key, SkipScope, "")
		return
	}
	r.queue = append(r.queue, queued{u: n, key: key, depth: depth})
}

// problem records a URL the crawl tried and could not index, with its user-facing reason.
func (r *crawlRun) problem(key, reason string) {
	r.stats.Problems = append(r.stats.Problems, Problem{URL: key, Reason: reason, At: time.Now()})
}

func (r *crawlRun) skip(key string, reason SkipReason, of string) {
	r.logger.Debug("crawl skip", "url", key, "reason", string(reason), "duplicate_of", of)
	r.stats.Skipped = append(r.stats.Skipped, Skip{URL: key, Reason: reason, Of: of})
}

// process handles one queued URL; fetched reports whether a page request was made (for
// MaxPages). Only cancellation and visit errors are returned: everything else is recorded.
func (r *crawlRun) process(ctx context.Context, it queued) (fetched bool, err error) {
	if r.visited[it.key] {
		// Reached earlier through a redirect from another URL.
		r.skip(it.key, SkipDuplicate, it.key)
		return false, nil
	}
	allowed, err := r.robots.Allowed(ctx, it.u)
	switch {
	case ctx.Err() != nil:
		return false, ctx.Err()
	case err != nil:
		r.logger.WarnContext(ctx, "robots.txt unavailable", "url", it.key, "error", err)
		r.skip(it.key, SkipRobotsUnavailable, "")
		r.stats.Skipped[len(r.stats.Skipped)-1].Err = err
		r.problem(it.key, "robots.txt unavailable: "+Reason(err))
		return false, nil
	case !allowed:
		r.skip(it.key, SkipRobots, "")
		return false, nil
	}
	if err := r.wait(ctx, it.u); err != nil {
		return false, err
	}

	res, err := r.fetcher.Fetch(ctx, it.u, r.known[it.key])
	r.fetched[it.key] = true
	if res != nil {
		r.fetched[Key(res.FinalURL)] = true
	}
	switch {
	case ctx.Err() != nil:
		return true, ctx.Err()
	case errors.Is(err, ErrGone):
		r.stats.Gone = append(r.stats.Gone, it.key)
		r.problem(it.key, Reason(err))
		return true, nil
	case errors.Is(err, html.ErrNotHTML):
		r.skip(it.key, SkipNotHTML, "")
		reason := Reason(err)
		if res != nil {
			if mt, _, perr := mime.ParseMediaType(res.ContentType); perr == nil && len(mt) <= 100 {
				reason += " (" + mt + ")"
			} else if res.ContentType == "" {
				reason += " (no content type)"
			}
		}
		r.problem(it.key, reason)
		return true, nil
	case err != nil:
		r.logger.InfoContext(ctx, "crawl fetch failed", "url", it.key, "error", err)
		r.stats.Failed = append(r.stats.Failed, Failure{URL: it.key, Err: err})
		r.problem(it.key, Reason(err))
		return true, nil
	}

	// A redirect lands on another URL: dedup and scope apply to where we ended up.
	finalKey := Key(res.FinalURL)
	if finalKey != it.key {
		if r.visited[finalKey] {
			r.skip(it.key, SkipDuplicate, finalKey)
			return true, nil
		}
		r.seen[finalKey] = true
		if !r.scope.Allows(res.FinalURL) {
			r.skip(it.key, SkipScope, "")
			return true, nil
		}
	}
	if res.NotModified {
		res.Key = finalKey
		r.stats.NotModified = append(r.stats.NotModified, finalKey)
		return true, r.accept(ctx, res)
	}

	if res.Key != finalKey {
		switch {
		case !r.scope.Allows(res.Page.Canonical):
			res.Key = finalKey // an out-of-scope canonical cannot name a page of this crawl
		case r.visited[res.Key]:
			r.skip(it.key, SkipDuplicate, res.Key)
			return true, nil
		case !r.fetched[res.Key]:
			// Let the canonical URL speak for itself: its content is what the site wants
			// indexed, and its own validators are what make the next crawl's 304s work.
			r.enqueue(res.Page.Canonical, it.depth)
			r.skip(it.key, SkipDuplicate, res.Key)
			return true, nil
		default:
			// The canonical URL was tried and not indexed (robots, error, a canonical loop):
			// this URL is the best copy there is.
			res.Key = finalKey
		}
	}
	if r.visited[res.Key] {
		r.skip(it.key, SkipDuplicate, res.Key)
		return true, nil
	}
	if first, ok := r.hashes[res.ContentHash]; ok {
		r.skip(res.Key, SkipDuplicate, first)
		return true, nil
	}
	r.hashes[res.ContentHash] = res.Key

	if !res.Page.NoFollow {
		for _, l := range res.Page.Links {
			r.enqueue(l, it.depth+1)
		}
	}
	if res.Page.NoIndex {
		r.skip(res.Key, SkipNoIndex, "")
		return true, nil
	}
	return true, r.accept(ctx, res)
}

func (r *crawlRun) accept(ctx context.Context, res *Result) error {
	r.visited[res.Key] = true
	r.stats.Visited = append(r.stats.Visited, res.Key)
	res.Queued = len(r.queue)
	if err := r.visit(ctx, res); err != nil {
		return fmt.Errorf("crawl: visit %s: %w", res.Key, err)
	}
	return nil
}
