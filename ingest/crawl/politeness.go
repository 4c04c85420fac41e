package crawl

import (
	"context"
	"sync"
	"time"
)

// Politeness defaults.
const (
	MinDelayDefault = 500 * time.Millisecond
	// MaxCrawlDelayDefault caps a robots.txt Crawl-delay: a site asking for a minute between
	// requests would make a 1,000-page crawl take 17 hours, so such sites are crawled at this
	// pace instead (still far below what any server notices).
	MaxCrawlDelayDefault = 10 * time.Second
)

// HostLimiter spaces requests to the same host. It is safe for concurrent use: concurrent
// callers for one host get consecutive slots instead of firing together.
type HostLimiter struct {
	mu   sync.Mutex
	next map[string]time.Time
}

// NewHostLimiter returns an empty limiter.
func NewHostLimiter() *HostLimiter {
	return &HostLimiter{next: map[string]time.Time{}}
}

// Wait blocks until a request to host may start, at least delay after the previous slot handed
// out for host, and reserves the next slot. It returns early with ctx's error when ctx ends.
func (l *HostLimiter) Wait(ctx context.Context, host string, delay time.Duration) error {
	l.mu.Lock()
	now := time.Now()
	at := l.next[host]
	if at.Before(now) {
		at = now
	}
	l.next[host] = at.Add(delay)
	l.mu.Unlock()

	wait := time.Until(at)
	if wait <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
