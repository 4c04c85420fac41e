-- The change feed (005) also carries embeddings now: each API replica holds its organizations'
-- vectors in process (retrieval.Index) for the vector leg, so an update that changes a chunk's
-- embedding, model or dimension in place must reach the replicas like a change of its text.
-- (Re-embedding today deletes and re-inserts the chunks, which the feed already carries; this
-- keeps an in-place UPDATE from leaving a replica with a stale vector.)
DROP TRIGGER chunks_changes_update ON chunks;
CREATE TRIGGER chunks_changes_update AFTER UPDATE OF search_text, text_config, organization_id, kind, assistant_ids,
        embedding, embedding_model, embedding_dims ON chunks
    FOR EACH ROW
    WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text
          OR OLD.text_config IS DISTINCT FROM NEW.text_config
          OR OLD.organization_id IS DISTINCT FROM NEW.organization_id
          OR OLD.kind IS DISTINCT FROM NEW.kind
          OR OLD.assistant_ids IS DISTINCT FROM NEW.assistant_ids
          OR OLD.embedding IS DISTINCT FROM NEW.embedding
          OR OLD.embedding_model IS DISTINCT FROM NEW.embedding_model
          OR OLD.embedding_dims IS DISTINCT FROM NEW.embedding_dims)
    EXECUTE FUNCTION chunk_changes_update();
