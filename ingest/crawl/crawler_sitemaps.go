package crawl

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
)

// Sitemap discovery bounds: an index may point to indexes (the protocol forbids it, sites do it
// anyway), so nesting and the number of files fetched are both capped.
const (
	maxSitemapDepth   = 3
	maxSitemapFetches = 50
)

// sitemapURLs discovers the start host's sitemaps (robots.txt Sitemap: lines, else
// /sitemap.xml) and returns up to limit page URLs from them, in file order. Sitemaps are a hint:
// failures are logged and skipped, never fatal.
func (c *Crawler) sitemapURLs(ctx context.Context, start *url.URL, limit int) []*url.URL {
	var queue []string
	if listed, err := c.robots.Sitemaps(ctx, start); err == nil {
		queue = append(queue, listed...)
	}
	if len(queue) == 0 {
		queue = append(queue, (&url.URL{Scheme: start.Scheme, Host: start.Host, Path: "/sitemap.xml"}).String())
	}
	type item struct {
		loc   string
		depth int
	}
	var todo []item
	for _, q := range queue {
		todo = append(todo, item{q, 0})
	}
	fetched := map[string]bool{}
	var out []*url.URL
	for len(todo) > 0 && len(fetched) < maxSitemapFetches && len(out) < limit && ctx.Err() == nil {
		it := todo[0]
		todo = todo[1:]
		u, err := url.Parse(it.loc)
		if err != nil || !webScheme(u.Scheme) || fetched[Key(u)] {
			continue
		}
		fetched[Key(u)] = true
		sm, err := c.fetchSitemap(ctx, u)
		if err != nil {
			c.logger.DebugContext(ctx, "sitemap skipped", "sitemap_url", u.String(), "error", err)
			continue
		}
		for _, loc := range sm.URLs {
			if p, err := url.Parse(loc); err == nil && webScheme(p.Scheme) && p.Host != "" && len(out) < limit {
				out = append(out, p)
			}
		}
		if it.depth+1 < maxSitemapDepth {
			for _, child := range sm.Sitemaps {
				todo = append(todo, item{child, it.depth + 1})
			}
		}
	}
	return slices.Clip(out)
}

// fetchSitemap GETs and parses one sitemap, honouring robots.txt and per-host politeness.
func (c *Crawler) fetchSitemap(ctx context.Context, u *url.URL) (*Sitemap, error) {
	if ok, err := c.robots.Allowed(ctx, u); err != nil || !ok {
		return nil, fmt.Errorf("robots.txt does not allow %s (err %v)", u, err)
	}
	if err := c.wait(ctx, u); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &StatusError{URL: u.String(), StatusCode: resp.StatusCode}
	}
	// The transport already undoes Content-Encoding: gzip; a .xml.gz file is gunzipped by
	// ParseSitemap, which also caps the uncompressed size.
	return ParseSitemap(resp.Body)
}
