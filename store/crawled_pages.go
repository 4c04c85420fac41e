package store

import (
	"context"

	"github.com/lorebase/lorebase"
)

const listCrawledPages = `SELECT p.url, p.title, p.fetched_at, count(c.id), count(*) OVER ()
FROM crawl_pages p
JOIN knowledge_items i ON i.id = p.item_id AND i.organization_id = $1
LEFT JOIN chunks c ON c.page_id = p.id
WHERE p.item_id = $2
GROUP BY p.id
ORDER BY p.url
LIMIT $3 OFFSET $4`

// CrawledPages lists one page of a URL item's crawled pages, by URL, with their passage counts.
func (s *Knowledge) CrawledPages(ctx context.Context, orgID, itemID string, page lorebase.Page) ([]lorebase.CrawledPage, int, error) {
	rows, err := s.pool.Query(ctx, listCrawledPages, orgID, itemID, page.PageSize, page.Offset())
	if err != nil {
		return nil, 0, Translate(err)
	}
	defer rows.Close()
	var out []lorebase.CrawledPage
	total := 0
	for rows.Next() {
		var p lorebase.CrawledPage
		if err := rows.Scan(&p.URL, &p.Title, &p.FetchedAt, &p.Chunks, &total); err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, total, Translate(rows.Err())
}
