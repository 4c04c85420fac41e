-- Change feed of the lexical index. Each API replica keeps an in-process block-max BM25 index
-- (retrieval.Index), built at start from chunk_terms and chunk_stats and kept current from this
-- table: triggers on chunks write one row per inserted, deleted or re-indexed chunk in the same
-- transaction, and NOTIFY lorebase_chunk_changes so replicas read it at once (they also poll).
--
-- Rows are read by transaction id, not by seq: sequence values are taken in one order and
-- committed in another, so a reader that remembered "the last seq I read" would skip a row of a
-- long transaction that took a smaller seq and committed later. A reader instead keeps the xmin
-- of its last snapshot (every transaction below it had ended) and reads the rows with
-- xid >= that horizon, skipping the seqs it already applied.
CREATE TABLE chunk_changes (
    seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xid             xid8        NOT NULL DEFAULT pg_current_xact_id(),
    organization_id uuid        NOT NULL,
    chunk_id        bigint      NOT NULL,
    -- i: inserted, d: deleted, u: indexed columns or filters changed (reload the chunk)
    op              "char"      NOT NULL CHECK (op IN ('i', 'd', 'u')),
    at              timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX chunk_changes_xid_idx ON chunk_changes (xid);
-- A search reads its organization's latest seq with the query, to fall back to SQL BM25 when
-- this replica has not applied it yet (read-your-writes right after an ingestion commits).
CREATE INDEX chunk_changes_organization_idx ON chunk_changes (organization_id, seq);

CREATE FUNCTION chunk_changes_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO chunk_changes (organization_id, chunk_id, op)
    SELECT n.organization_id, n.id, 'i' FROM new_chunks n;
    PERFORM pg_notify('lorebase_chunk_changes', '');
    RETURN NULL;
END
$$;

CREATE FUNCTION chunk_changes_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO chunk_changes (organization_id, chunk_id, op)
    SELECT o.organization_id, o.id, 'd' FROM old_chunks o;
    PERFORM pg_notify('lorebase_chunk_changes', '');
    RETURN NULL;
END
$$;

-- A row trigger: transition tables cannot be combined with a column list, and updates of these
-- columns are rare (assistant restrictions of an item, re-chunking deletes and inserts instead).
CREATE FUNCTION chunk_changes_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.organization_id IS DISTINCT FROM NEW.organization_id THEN
        INSERT INTO chunk_changes (organization_id, chunk_id, op) VALUES (OLD.organization_id, OLD.id, 'd');
        INSERT INTO chunk_changes (organization_id, chunk_id, op) VALUES (NEW.organization_id, NEW.id, 'i');
    ELSE
        INSERT INTO chunk_changes (organization_id, chunk_id, op) VALUES (NEW.organization_id, NEW.id, 'u');
    END IF;
    PERFORM pg_notify('lorebase_chunk_changes', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER chunks_changes_insert AFTER INSERT ON chunks
    REFERENCING NEW TABLE AS new_chunks FOR EACH STATEMENT EXECUTE FUNCTION chunk_changes_insert();
CREATE TRIGGER chunks_changes_delete AFTER DELETE ON chunks
    REFERENCING OLD TABLE AS old_chunks FOR EACH STATEMENT EXECUTE FUNCTION chunk_changes_delete();
CREATE TRIGGER chunks_changes_update AFTER UPDATE OF search_text, text_config, organization_id, kind, assistant_ids ON chunks
    FOR EACH ROW
    WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text
          OR OLD.text_config IS DISTINCT FROM NEW.text_config
          OR OLD.organization_id IS DISTINCT FROM NEW.organization_id
          OR OLD.kind IS DISTINCT FROM NEW.kind
          OR OLD.assistant_ids IS DISTINCT FROM NEW.assistant_ids)
    EXECUTE FUNCTION chunk_changes_update();
