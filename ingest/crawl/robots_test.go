package crawl

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func privateClient(t *testing.T) *http.Client {
	t.Helper()
	c, err := NewClient(ClientConfig{AllowPrivate: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRobots(t *testing.T) {
	var body atomic.Value
	body.Store(`User-agent: *
Disallow: /

User-agent: lorebase-crawler
Disallow: /private/
Allow: /private/public
Crawl-delay: 2

Sitemap: https://example.com/sitemap_index.xml
`)
	srv, hits := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(body.Load().(string)))
	})
	now := time.Unix(1_700_000_000, 0)
	var clock sync.Mutex
	robots, err := NewRobots(privateClient(t), RobotsConfig{TTL: time.Hour, Now: func() time.Time {
		clock.Lock()
		defer clock.Unlock()
		return now
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for path, want := range map[string]bool{
		"/":                    true, // our group, not "*", applies
		"/docs/a":              true,
		"/private/x":           false,
		"/private/public/page": true,
	} {
		got, err := robots.Allowed(ctx, mustParse(t, srv.URL+path))
		if err != nil || got != want {
			t.Errorf("Allowed(%s) = %v, %v; want %v", path, got, err, want)
		}
	}
	if d, err := robots.CrawlDelay(ctx, mustParse(t, srv.URL+"/")); err != nil || d != 2*time.Second {
		t.Errorf("CrawlDelay = %v, %v", d, err)
	}
	if s, err := robots.Sitemaps(ctx, mustParse(t, srv.URL+"/")); err != nil || len(s) != 1 || s[0] != "https://example.com/sitemap_index.xml" {
		t.Errorf("Sitemaps = %v, %v", s, err)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("robots.txt fetched %d times, want 1 (cached)", n)
	}

	// After the TTL the file is fetched again and changes apply.
	body.Store("User-agent: *\nDisallow: /docs/\n")
	clock.Lock()
	now = now.Add(2 * time.Hour)
	clock.Unlock()
	if ok, _ := robots.Allowed(ctx, mustParse(t, srv.URL+"/docs/a")); ok {
		t.Error("expired robots.txt not refreshed")
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("robots.txt fetched %d times, want 2", n)
	}
}

func TestRobotsStatusAndSize(t *testing.T) {
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	})
	robots, err := NewRobots(privateClient(t), RobotsConfig{})
	if err != nil {
		t.Fatal(err)
	}
	// 5xx: the site may be overloaded, so nothing is crawled until it recovers.
	if ok, err := robots.Allowed(context.Background(), mustParse(t, srv.URL+"/a")); ok || err != nil {
		t.Errorf("5xx robots.txt: allowed %v err %v, want disallowed", ok, err)
	}

	missing, _ := countingServer(t, http.NotFound)
	if ok, err := robots.Allowed(context.Background(), mustParse(t, missing.URL+"/a")); !ok || err != nil {
		t.Errorf("404 robots.txt: allowed %v err %v, want allowed", ok, err)
	}

	// Only MaxBytes are read: a rule past the cap is not seen.
	huge, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("User-agent: *\n# " + strings.Repeat("x", 2000) + "\nDisallow: /late\n"))
	})
	small, err := NewRobots(privateClient(t), RobotsConfig{MaxBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := small.Allowed(context.Background(), mustParse(t, huge.URL+"/late")); !ok || err != nil {
		t.Errorf("rule beyond the size cap applied: allowed %v err %v", ok, err)
	}
}
