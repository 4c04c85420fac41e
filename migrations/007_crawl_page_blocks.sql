-- What each crawled page's blocks were, as hashes: a re-crawl that finds most pages unchanged
-- (304) still knows which blocks repeat across the site and drops them from the pages that did
-- change (ingest/html RepeatFilter).
ALTER TABLE crawl_pages ADD COLUMN block_keys bigint[] NOT NULL DEFAULT '{}';
