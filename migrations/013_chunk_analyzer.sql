-- The version of the lexical analyzer that wrote a chunk's search_text (retrieval.AnalyzerVersion):
-- 1 is the heading path and the content as they were; 2 adds the title field (BM25F: the item's
-- or page's title, weighted) and writes identifiers out as a whole and as their parts. Chunks
-- stored before this migration keep version 1 and stay searchable as they are; the
-- reanalyze_chunks job rewrites their search_text in batches (the update trigger of
-- 002_retrieval.sql then rewrites their postings, and 005's feed tells every replica's
-- in-process index), with no re-extraction and no re-embedding.
ALTER TABLE chunks ADD COLUMN analyzer smallint NOT NULL DEFAULT 1;
-- Finds the chunks an older analyzer wrote without reading the table; only they are ever
-- looked up by this column.
CREATE INDEX chunks_analyzer_idx ON chunks (analyzer, id);
