package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lorebase/lorebase"
)

// A URL's row in crawl_failures marks it failed; its crawl_pages row, if any, still holds the
// passages of an earlier successful crawl.
const listCrawledPages = `WITH pages AS (
    SELECT coalesce(p.url, f.url) AS url, coalesce(p.title, '') AS title,
           greatest(p.fetched_at, f.failed_at) AS fetched_at, p.id AS page_id, f.reason
    FROM (SELECT id, url, title, fetched_at FROM crawl_pages WHERE item_id = $2) p
    FULL JOIN (SELECT url, reason, failed_at FROM crawl_failures WHERE item_id = $2) f ON f.url = p.url
    WHERE EXISTS (SELECT 1 FROM knowledge_items i WHERE i.id = $2 AND i.organization_id = $1)
)
SELECT url, title, fetched_at, (SELECT count(*) FROM chunks c WHERE c.page_id = pages.page_id),
       reason, count(*) OVER ()
FROM pages
WHERE $3 = '' OR ($3 = 'failed') = (reason IS NOT NULL)
ORDER BY url
LIMIT $4 OFFSET $5`

// CrawledPages lists one page of a URL item's crawled pages, by URL, with their passage counts
// and, for pages the last crawl could not index, the reason. status "" lists every page,
// otherwise only lorebase.StatusReady or lorebase.StatusFailed ones.
func (s *Knowledge) CrawledPages(ctx context.Context, orgID, itemID string, status lorebase.KnowledgeStatus, page lorebase.Page) ([]lorebase.CrawledPage, int, error) {
	rows, err := s.pool.Query(ctx, listCrawledPages, orgID, itemID, status, page.PageSize, page.Offset())
	if err != nil {
		return nil, 0, Translate(err)
	}
	defer rows.Close()
	var out []lorebase.CrawledPage
	total := 0
	for rows.Next() {
		var p lorebase.CrawledPage
		if err := rows.Scan(&p.URL, &p.Title, &p.FetchedAt, &p.Chunks, &p.Error, &total); err != nil {
			return nil, 0, err
		}
		p.Status = lorebase.StatusReady
		if p.Error != nil {
			p.Status = lorebase.StatusFailed
		}
		out = append(out, p)
	}
	return out, total, Translate(rows.Err())
}

// CrawlFailure is one page a crawl could not index, with its user-facing reason.
type CrawlFailure struct {
	URL    string
	Reason string
	At     time.Time
}

// ReplaceCrawlFailures records in tx the pages the item's latest crawl could not index,
// replacing those of the crawl before; at most limit rows are kept.
func (s *Knowledge) ReplaceCrawlFailures(ctx context.Context, tx pgx.Tx, itemID string, failures []CrawlFailure, limit int) error {
	if _, err := tx.Exec(ctx, `DELETE FROM crawl_failures WHERE item_id = $1`, itemID); err != nil {
		return Translate(err)
	}
	if len(failures) > limit {
		failures = failures[:limit]
	}
	if len(failures) == 0 {
		return nil
	}
	urls := make([]string, len(failures))
	reasons := make([]string, len(failures))
	at := make([]time.Time, len(failures))
	for i, f := range failures {
		urls[i], reasons[i], at[i] = f.URL, f.Reason, f.At
	}
	_, err := tx.Exec(ctx, `INSERT INTO crawl_failures (item_id, url, reason, failed_at)
SELECT $1, u, r, a FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS t(u, r, a)
ON CONFLICT (item_id, url) DO UPDATE SET reason = excluded.reason, failed_at = excluded.failed_at`, itemID, urls, reasons, at)
	return Translate(err)
}
