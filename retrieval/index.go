package retrieval

import (
	"cmp"
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pgvector/pgvector-go"

	"github.com/lorebase/lorebase"
)

// copyColumns leaves out id and created_at (generated) and nothing else: COPY fires the
// statement trigger that writes the postings.
var copyColumns = []string{
	"organization_id", "item_id", "page_id", "position", "content", "heading_path", "page", "url",
	"token_count", "kind", "assistant_ids", "search_text", "text_config", "embedding",
	"embedding_model", "embedding_dims", "analyzer",
}

const (
	deleteItemChunksSQL = `DELETE FROM chunks WHERE item_id = $1`
	deletePageChunksSQL = `DELETE FROM chunks WHERE page_id = $1`
	// regconfig has no pgx codec; its binary form is the configuration's OID, which is assigned
	// at initdb for every configuration except 'simple', so it is looked up per transaction.
	configOIDsSQL = `SELECT c, c::regconfig::oid FROM unnest($1::text[]) AS c`
)

// Indexer writes chunks. It holds no state; the caller owns the transaction, so chunks commit
// together with the item's status and disappear with its deletion.
type Indexer struct{}

// NewIndexer returns an Indexer.
func NewIndexer() *Indexer { return &Indexer{} }

// Insert copies chunks into the chunks table with COPY, without a title field (InsertTitled).
func (ix *Indexer) Insert(ctx context.Context, tx pgx.Tx, chunks []lorebase.Chunk) error {
	return ix.InsertTitled(ctx, tx, "", chunks)
}

// InsertTitled copies chunks into the chunks table with COPY. Search text and text
// configuration come from the title field (title: ChunkTitle of their item or page),
// HeadingPath, Content and Language (FieldText); the database fills the id, created_at, and,
// by the table's trigger in the same statement, the postings and lengths.
func (ix *Indexer) InsertTitled(ctx context.Context, tx pgx.Tx, title string, chunks []lorebase.Chunk) error {
	if len(chunks) == 0 {
		return nil
	}
	configs := make(map[string]uint32)
	var names []string
	ids := make([]chunkIDs, len(chunks))
	for i, c := range chunks {
		if err := c.Validate(); err != nil {
			return fmt.Errorf("chunk %d: %w", i, err)
		}
		var err error
		if ids[i], err = parseChunkIDs(c); err != nil {
			return fmt.Errorf("chunk %d: %w", i, err)
		}
		cfg := TextConfig(c.Language)
		if _, ok := configs[cfg]; !ok {
			configs[cfg] = 0
			names = append(names, cfg)
		}
	}
	if err := lookupConfigOIDs(ctx, tx, names, configs); err != nil {
		return err
	}
	registerRegconfig(tx.Conn().TypeMap())
	src := pgx.CopyFromSlice(len(chunks), func(i int) ([]any, error) {
		r := chunks[i]
		kind := cmp.Or(r.Kind, lorebase.ChunkText)
		heading := r.HeadingPath
		if heading == nil {
			heading = []string{}
		}
		var emb any // NULL when the chunk has no vector yet
		if len(r.Embedding) > 0 {
			emb = pgvector.NewVector(r.Embedding)
		}
		return []any{
			ids[i].org, ids[i].item, r.PageID, r.Position, r.Content, heading, r.Page, r.URL,
			r.TokenCount, string(kind), ids[i].assistants, searchText(title, r), configs[TextConfig(r.Language)], emb,
			r.EmbeddingModel, len(r.Embedding), AnalyzerVersion,
		}, nil
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"chunks"}, copyColumns, src); err != nil {
		return fmt.Errorf("copy %d chunks: %w", len(chunks), err)
	}
	return nil
}

// chunkIDs are a chunk's ids as the chunks table's uuid columns take them.
type chunkIDs struct {
	org, item  uuid.UUID
	assistants []uuid.UUID
}

func parseChunkIDs(c lorebase.Chunk) (chunkIDs, error) {
	var out chunkIDs
	var err error
	if out.org, err = uuid.Parse(c.OrganizationID); err != nil {
		return out, fmt.Errorf("%w: organization id %q", lorebase.ErrInvalid, c.OrganizationID)
	}
	if out.item, err = uuid.Parse(c.ItemID); err != nil {
		return out, fmt.Errorf("%w: item id %q", lorebase.ErrInvalid, c.ItemID)
	}
	out.assistants = make([]uuid.UUID, len(c.AssistantIDs))
	for i, a := range c.AssistantIDs {
		if out.assistants[i], err = uuid.Parse(a); err != nil {
			return out, fmt.Errorf("%w: assistant id %q", lorebase.ErrInvalid, a)
		}
	}
	return out, nil
}

// searchText is what BM25 sees: the chunk's fields, see FieldText.
func searchText(title string, r lorebase.Chunk) string {
	return PrepareText(FieldText(title, r.HeadingPath, r.Content), r.Language)
}

// regconfigOID is the built-in type OID of regconfig (pg_type.dat), fixed across servers.
const regconfigOID = 3734

// registerRegconfig teaches the connection to send regconfig in binary, as COPY requires: it is
// an OID on the wire, like the oid type. Registering on a pooled connection is harmless and
// idempotent; store.Open does not know this package's types.
func registerRegconfig(m *pgtype.Map) {
	if _, ok := m.TypeForOID(regconfigOID); ok {
		return
	}
	m.RegisterType(&pgtype.Type{Name: "regconfig", OID: regconfigOID, Codec: pgtype.Uint32Codec{}})
}

func lookupConfigOIDs(ctx context.Context, tx pgx.Tx, names []string, into map[string]uint32) error {
	rows, err := tx.Query(ctx, configOIDsSQL, names)
	if err != nil {
		return fmt.Errorf("look up text search configurations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var oid uint32
		if err := rows.Scan(&name, &oid); err != nil {
			return fmt.Errorf("look up text search configurations: %w", err)
		}
		into[name] = oid
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("look up text search configurations: %w", err)
	}
	return nil
}

// DeleteItemChunks removes every chunk of an item (before re-indexing it). Deleting the item
// itself cascades to its chunks; either way the postings go in the same statement.
func (ix *Indexer) DeleteItemChunks(ctx context.Context, tx pgx.Tx, itemID uuid.UUID) error {
	if _, err := tx.Exec(ctx, deleteItemChunksSQL, itemID); err != nil {
		return fmt.Errorf("delete chunks of item %s: %w", itemID, err)
	}
	return nil
}

// DeletePageChunks removes the chunks of one crawled page (re-crawl of a changed page).
func (ix *Indexer) DeletePageChunks(ctx context.Context, tx pgx.Tx, pageID int64) error {
	if _, err := tx.Exec(ctx, deletePageChunksSQL, pageID); err != nil {
		return fmt.Errorf("delete chunks of page %d: %w", pageID, err)
	}
	return nil
}
