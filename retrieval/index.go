package retrieval

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pgvector/pgvector-go"

	"github.com/lorebase/lorebase"
)

// ChunkRow is one chunk to index. Indexer fills search_text and text_config from Title,
// HeadingPath, Content and Language; the database fills id, created_at and the lexical index.
type ChunkRow struct {
	OrganizationID uuid.UUID
	ItemID         uuid.UUID
	PageID         *int64 // crawled page of a URL item, nil otherwise
	Position       int
	Content        string
	// Title is the lexical title field: the crawled page's title, else the item's title, none
	// for a Q&A pair (ChunkTitle). It is indexed, not stored with the chunk.
	Title          string
	HeadingPath    []string
	Page           int
	URL            string
	TokenCount     int
	Kind           string // "text" (default) or "qa"
	AssistantIDs   []uuid.UUID
	Language       string // ISO 639-1 of the content; selects stemming
	Embedding      []float32
	EmbeddingModel string
}

// Chunk kinds.
const (
	KindText = "text"
	KindQA   = "qa"
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

// Insert copies rows into chunks with COPY. Postings and lengths are written by the table's
// trigger in the same statement.
func (ix *Indexer) Insert(ctx context.Context, tx pgx.Tx, rows []ChunkRow) error {
	if len(rows) == 0 {
		return nil
	}
	configs := make(map[string]uint32)
	var names []string
	for i, r := range rows {
		if r.OrganizationID == uuid.Nil || r.ItemID == uuid.Nil {
			return fmt.Errorf("%w: chunk %d: organization and item ids are required", lorebase.ErrInvalid, i)
		}
		if r.Kind != "" && r.Kind != KindText && r.Kind != KindQA {
			return fmt.Errorf("%w: chunk %d: kind %q", lorebase.ErrInvalid, i, r.Kind)
		}
		c := TextConfig(r.Language)
		if _, ok := configs[c]; !ok {
			configs[c] = 0
			names = append(names, c)
		}
	}
	if err := lookupConfigOIDs(ctx, tx, names, configs); err != nil {
		return err
	}
	registerRegconfig(tx.Conn().TypeMap())
	src := pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
		r := rows[i]
		kind := r.Kind
		if kind == "" {
			kind = KindText
		}
		heading := r.HeadingPath
		if heading == nil {
			heading = []string{}
		}
		assistants := r.AssistantIDs
		if assistants == nil {
			assistants = []uuid.UUID{}
		}
		var emb any // NULL when the chunk has no vector yet
		if len(r.Embedding) > 0 {
			emb = pgvector.NewVector(r.Embedding)
		}
		return []any{
			r.OrganizationID, r.ItemID, r.PageID, r.Position, r.Content, heading, r.Page, r.URL,
			r.TokenCount, kind, assistants, searchText(r), configs[TextConfig(r.Language)], emb,
			r.EmbeddingModel, len(r.Embedding), AnalyzerVersion,
		}, nil
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"chunks"}, copyColumns, src); err != nil {
		return fmt.Errorf("copy %d chunks: %w", len(rows), err)
	}
	return nil
}

// searchText is what BM25 sees: the chunk's fields, see FieldText.
func searchText(r ChunkRow) string {
	return PrepareText(FieldText(r.Title, r.HeadingPath, r.Content), r.Language)
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
