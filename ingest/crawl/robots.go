package crawl

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
)

// Robots defaults. 500 KiB is the size Google reads; the rest of a larger file is ignored.
const (
	RobotsTTLDefault      = time.Hour
	RobotsMaxBytesDefault = 500 << 10
	// robotsErrorTTL is how long an unreachable robots.txt is remembered, so a down host is not
	// asked again for every queued URL but is retried soon.
	robotsErrorTTL = time.Minute
)

// RobotsConfig configures NewRobots.
type RobotsConfig struct {
	// UserAgent is the crawler's User-Agent; its product token (before "/") picks the group.
	UserAgent string
	TTL       time.Duration
	MaxBytes  int64
	// Now is the clock, replaceable in tests; time.Now when nil.
	Now func() time.Time
}

// Robots fetches robots.txt once per origin (scheme, host, port) and caches it for TTL.
type Robots struct {
	client   *http.Client
	agent    string
	ttl      time.Duration
	maxBytes int64
	now      func() time.Time

	mu      sync.Mutex
	entries map[string]*robotsEntry
}

type robotsEntry struct {
	ready   chan struct{} // closed once data or err is set
	data    *robotstxt.RobotsData
	err     error
	expires time.Time
}

// NewRobots returns a robots.txt cache fetching through client.
func NewRobots(client *http.Client, cfg RobotsConfig) (*Robots, error) {
	if client == nil {
		return nil, errors.New("crawl: robots needs an http client")
	}
	cfg.TTL = cmp.Or(cfg.TTL, RobotsTTLDefault)
	cfg.MaxBytes = cmp.Or(cfg.MaxBytes, RobotsMaxBytesDefault)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Robots{
		client:   client,
		agent:    productToken(cmp.Or(cfg.UserAgent, UserAgentDefault)),
		ttl:      cfg.TTL,
		maxBytes: cfg.MaxBytes,
		now:      cfg.Now,
		entries:  map[string]*robotsEntry{},
	}, nil
}

// productToken is "lorebase-crawler" for "lorebase-crawler/1.0 (+...)": robots.txt groups name
// crawlers by product token, not by full User-Agent string.
func productToken(ua string) string {
	ua = strings.TrimSpace(ua)
	if i := strings.IndexAny(ua, "/ "); i > 0 {
		ua = ua[:i]
	}
	return strings.ToLower(ua)
}

// Allowed reports whether robots.txt lets our crawler fetch u. An error means robots.txt could
// not be read (network failure, forbidden address); the polite reading is "not allowed now".
func (r *Robots) Allowed(ctx context.Context, u *url.URL) (bool, error) {
	data, err := r.get(ctx, u)
	if err != nil {
		return false, err
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	// TestAgent, not FindGroup(...).Test: only TestAgent honours the blanket allow/disallow
	// that robotstxt uses for 4xx and 5xx answers.
	return data.TestAgent(path, r.agent), nil
}

// CrawlDelay returns the Crawl-delay of our group for u's host, 0 when none is set.
func (r *Robots) CrawlDelay(ctx context.Context, u *url.URL) (time.Duration, error) {
	data, err := r.get(ctx, u)
	if err != nil {
		return 0, err
	}
	return data.FindGroup(r.agent).CrawlDelay, nil
}

// Sitemaps returns the Sitemap: URLs listed in u's robots.txt.
func (r *Robots) Sitemaps(ctx context.Context, u *url.URL) ([]string, error) {
	data, err := r.get(ctx, u)
	if err != nil {
		return nil, err
	}
	return data.Sitemaps, nil
}

// get returns the cached rules for u's origin, fetching them once when missing or expired;
// concurrent callers for the same origin wait for one fetch.
func (r *Robots) get(ctx context.Context, u *url.URL) (*robotstxt.RobotsData, error) {
	origin := strings.ToLower(u.Scheme + "://" + u.Host)
	r.mu.Lock()
	e, ok := r.entries[origin]
	if ok {
		select {
		case <-e.ready:
			if r.now().After(e.expires) {
				ok = false
			}
		default:
		}
	}
	if !ok {
		e = &robotsEntry{ready: make(chan struct{})}
		r.entries[origin] = e
		r.mu.Unlock()
		e.data, e.err = r.fetch(ctx, origin)
		ttl := r.ttl
		if e.err != nil {
			ttl = robotsErrorTTL
		}
		e.expires = r.now().Add(ttl)
		if e.err != nil && ctx.Err() != nil {
			// Our own cancellation says nothing about the host: do not cache it.
			r.mu.Lock()
			delete(r.entries, origin)
			r.mu.Unlock()
		}
		close(e.ready)
		return e.data, e.err
	}
	r.mu.Unlock()
	select {
	case <-e.ready:
		return e.data, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (r *Robots) fetch(ctx context.Context, origin string) (*robotstxt.RobotsData, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, origin+"/robots.txt", nil)
	if err != nil {
		return nil, fmt.Errorf("crawl: robots.txt request: %w", err)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("crawl: fetch robots.txt of %s: %w", origin, err)
	}
	defer resp.Body.Close()
	body, _, err := readCapped(resp.Body, r.maxBytes)
	if err != nil {
		return nil, fmt.Errorf("crawl: read robots.txt of %s: %w", origin, err)
	}
	status := resp.StatusCode
	if status == http.StatusTooManyRequests {
		// Rate limiting is the server asking us to back off, not "no robots.txt" (which is what
		// robotstxt makes of other 4xx): treat it like a server error, a full disallow for now.
		status = http.StatusServiceUnavailable
	}
	data, err := robotstxt.FromStatusAndBytes(status, body)
	if err != nil {
		return nil, fmt.Errorf("crawl: parse robots.txt of %s: %w", origin, err)
	}
	return data, nil
}
