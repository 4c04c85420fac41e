package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// CrawlPage is what is remembered of a crawled page between crawls.
type CrawlPage struct {
	ID           int64
	URL          string
	ETag         string
	LastModified string
	ContentHash  string
	BlockKeys    []int64 // hashes of the page's blocks when last stored (html.RepeatFilter)
}

const selectCrawlPages = `SELECT id, url, etag, last_modified, content_hash, block_keys FROM crawl_pages WHERE item_id = $1`

// CrawlPages lists an item's crawled pages by URL key.
func (s *Knowledge) CrawlPages(ctx context.Context, itemID string) (map[string]CrawlPage, error) {
	rows, err := s.pool.Query(ctx, selectCrawlPages, itemID)
	if err != nil {
		return nil, Translate(err)
	}
	pages, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CrawlPage, error) {
		var p CrawlPage
		err := r.Scan(&p.ID, &p.URL, &p.ETag, &p.LastModified, &p.ContentHash, &p.BlockKeys)
		return p, err
	})
	if err != nil {
		return nil, Translate(err)
	}
	out := make(map[string]CrawlPage, len(pages))
	for _, p := range pages {
		out[p.URL] = p
	}
	return out, nil
}

const upsertCrawlPage = `INSERT INTO crawl_pages (item_id, url, title, etag, last_modified, content_hash, block_keys, fetched_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, now())
ON CONFLICT (item_id, url) DO UPDATE SET title = excluded.title, etag = excluded.etag,
    last_modified = excluded.last_modified, content_hash = excluded.content_hash,
    block_keys = excluded.block_keys, fetched_at = now()
RETURNING id`

// UpsertCrawlPage records a fetched page in tx and returns its id.
func (s *Knowledge) UpsertCrawlPage(ctx context.Context, tx pgx.Tx, itemID, url, title, etag, lastModified, hash string, blockKeys []int64) (int64, error) {
	if blockKeys == nil {
		blockKeys = []int64{}
	}
	var id int64
	err := tx.QueryRow(ctx, upsertCrawlPage, itemID, url, title, etag, lastModified, hash, blockKeys).Scan(&id)
	return id, Translate(err)
}

const touchCrawlPage = `UPDATE crawl_pages SET etag = $3, last_modified = $4, fetched_at = now() WHERE item_id = $1 AND url = $2`

// TouchCrawlPage records that an unchanged page was seen again, with its new validators.
func (s *Knowledge) TouchCrawlPage(ctx context.Context, itemID, url, etag, lastModified string) error {
	_, err := s.pool.Exec(ctx, touchCrawlPage, itemID, url, etag, lastModified)
	return Translate(err)
}

const deleteCrawlPages = `DELETE FROM crawl_pages WHERE item_id = $1 AND url = ANY($2)`

// DeleteCrawlPages removes pages (and, by cascade, their chunks) that vanished from the site.
func (s *Knowledge) DeleteCrawlPages(ctx context.Context, itemID string, urls []string) (int64, error) {
	if len(urls) == 0 {
		return 0, nil
	}
	tag, err := s.pool.Exec(ctx, deleteCrawlPages, itemID, urls)
	return tag.RowsAffected(), Translate(err)
}
