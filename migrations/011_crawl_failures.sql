-- Pages a crawl could not index, with the reason a knowledge manager may read (never the raw
-- fetch error, which can name resolvers and private addresses). Each finished crawl replaces its
-- item's rows, bounded by the item's max_pages, so a page that now succeeds is no longer listed.
-- A failed page keeps any passages stored for it by an earlier crawl (crawl_pages).
CREATE TABLE crawl_failures (
    item_id   uuid NOT NULL REFERENCES knowledge_items (id) ON DELETE CASCADE,
    url       text NOT NULL,
    reason    text NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, url)
);
