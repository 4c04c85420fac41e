-- Lexical retrieval: an inverted index for real BM25, maintained by triggers on chunks so that
-- every way rows arrive (COPY from the indexer, INSERT from anywhere) or leave (DELETE, cascades
-- from knowledge_items and crawl_pages) keeps it exact within the same transaction.
--
-- Why a postings table rather than a tsvector column with a GIN index: BM25 needs, per query
-- term, the document frequency in the organization and, per matching chunk, the term frequency
-- and the chunk length. GIN answers "which rows contain the term" but every count and every tf
-- then costs a heap visit of a wide chunk row (content + embedding). A B-tree on
-- (organization_id, term, chunk_id) INCLUDE (tf, doc_len) answers df counts and scores whole
-- postings lists with index-only scans, already restricted to one tenant.
--
-- Why no shared counters (a df table, an organization totals row): every ingesting transaction
-- of an organization would update the same rows and serialize on their locks until commit (and
-- deadlock when two touch terms in different orders). Counting the postings index at query time
-- needs no coordination and is exact under MVCC; retrieval caches the per-organization totals
-- (chunk count, average length) briefly in process.

-- One row per (chunk, distinct lexeme). tf is the number of positions the lexeme has in the
-- chunk (PostgreSQL keeps at most 256 per lexeme); doc_len, the chunk's token count, is repeated
-- on every posting so that scoring never leaves the index.
CREATE TABLE chunk_terms (
    organization_id uuid    NOT NULL,
    term            text    NOT NULL,
    chunk_id        bigint  NOT NULL,
    tf              integer NOT NULL,
    doc_len         integer NOT NULL,
    PRIMARY KEY (organization_id, term, chunk_id) INCLUDE (tf, doc_len)
);
-- Deletes find a chunk's postings by chunk id. No foreign key on purpose: a per-posting RI check
-- would cost a lookup per row of every COPY; the delete trigger below removes them instead.
CREATE INDEX chunk_terms_chunk_idx ON chunk_terms (chunk_id);

-- One row per chunk: its length in lexeme occurrences and its text search configuration, so the
-- organization's totals and the configurations present come from one index-only scan.
CREATE TABLE chunk_stats (
    chunk_id        bigint   PRIMARY KEY,
    organization_id uuid     NOT NULL,
    text_config     regconfig NOT NULL,
    doc_len         integer  NOT NULL
);
CREATE INDEX chunk_stats_organization_idx ON chunk_stats (organization_id, text_config) INCLUDE (doc_len);

-- Statement-level with transition tables: one COPY of thousands of chunks tokenizes each chunk
-- once and writes all postings in one INSERT ... SELECT instead of one trigger call per row.
CREATE FUNCTION chunk_terms_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH vec AS (
        SELECT n.id, n.organization_id, n.text_config, to_tsvector(n.text_config, n.search_text) AS tsv
        FROM new_chunks n
    ), post AS (
        SELECT v.id, v.organization_id, v.text_config, u.lexeme,
               cardinality(u.positions) AS tf,
               sum(cardinality(u.positions)) OVER (PARTITION BY v.id) AS doc_len
        FROM vec v, unnest(v.tsv) u
    ), stats AS (
        INSERT INTO chunk_stats (chunk_id, organization_id, text_config, doc_len)
        SELECT v.id, v.organization_id, v.text_config,
               coalesce((SELECT sum(cardinality(u.positions)) FROM unnest(v.tsv) u), 0)
        FROM vec v
    )
    INSERT INTO chunk_terms (organization_id, term, chunk_id, tf, doc_len)
    SELECT organization_id, lexeme, id, tf, doc_len FROM post;
    RETURN NULL;
END
$$;

CREATE FUNCTION chunk_terms_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM chunk_terms t USING old_chunks o WHERE t.chunk_id = o.id;
    DELETE FROM chunk_stats s USING old_chunks o WHERE s.chunk_id = o.id;
    RETURN NULL;
END
$$;

-- Updates that change what is indexed are rare (re-chunking deletes and inserts instead), so a
-- row trigger limited to the indexed columns is enough; updates of other columns (assistant
-- restrictions, embeddings) leave the postings alone.
CREATE FUNCTION chunk_terms_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tsv tsvector := to_tsvector(NEW.text_config, NEW.search_text);
    len integer;
BEGIN
    DELETE FROM chunk_terms WHERE chunk_id = OLD.id;
    DELETE FROM chunk_stats WHERE chunk_id = OLD.id;
    SELECT coalesce(sum(cardinality(u.positions)), 0) INTO len FROM unnest(tsv) u;
    INSERT INTO chunk_stats (chunk_id, organization_id, text_config, doc_len)
    VALUES (NEW.id, NEW.organization_id, NEW.text_config, len);
    INSERT INTO chunk_terms (organization_id, term, chunk_id, tf, doc_len)
    SELECT NEW.organization_id, u.lexeme, NEW.id, cardinality(u.positions), len FROM unnest(tsv) u;
    RETURN NULL;
END
$$;

CREATE TRIGGER chunks_terms_insert AFTER INSERT ON chunks
    REFERENCING NEW TABLE AS new_chunks FOR EACH STATEMENT EXECUTE FUNCTION chunk_terms_insert();
CREATE TRIGGER chunks_terms_delete AFTER DELETE ON chunks
    REFERENCING OLD TABLE AS old_chunks FOR EACH STATEMENT EXECUTE FUNCTION chunk_terms_delete();
CREATE TRIGGER chunks_terms_update AFTER UPDATE OF search_text, text_config, organization_id ON chunks
    FOR EACH ROW
    WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text
          OR OLD.text_config IS DISTINCT FROM NEW.text_config
          OR OLD.organization_id IS DISTINCT FROM NEW.organization_id)
    EXECUTE FUNCTION chunk_terms_update();

