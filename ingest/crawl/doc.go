// Package crawl fetches web pages for ingestion, safely and politely.
//
// The building blocks stand alone: NewClient is an HTTP client that refuses to reach internal
// addresses (checked on the resolved IP at dial time, so redirects and DNS rebinding are covered);
// Fetcher does conditional GETs and extracts pages; Robots caches robots.txt per host;
// ParseSitemap reads sitemaps; Scope and Normalize decide which URLs to crawl and when two URLs
// are the same page; HostLimiter spaces requests per host. Crawler.Run wires them into a
// breadth-first crawl of one site.
package crawl
