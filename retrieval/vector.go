package retrieval

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
)

// EFSearchDefault is hnsw.ef_search for retrieval (at least the candidate count, because a
// scan returns at most ef_search rows per round). Higher values buy recall expensively on the
// offline embedder's hashed vectors: at 100k chunks in 4 organizations the vector list's
// recall@10 against exact search is 0.68 / 0.71 / 0.76 / 0.82 / 0.90 at ef_search 40 / 100 /
// 200 / 400 / 800 while the vector leg's latency grows about 4x from 40 to 800, and at 400 the
// planner already prefers an exact sequential scan for a 10k-chunk table (over 100 ms with the
// rows' TOASTed vectors). 100 keeps the vector leg near raw kNN's cost; raise it per Searcher
// (Config.EFSearch) with a real embedding model, whose vectors HNSW searches far better.
const EFSearchDefault = 100

// MaxDims is the largest dimension HNSW indexes on the vector type.
const MaxDims = 2000

// setVectorScanSQL sets, for this transaction only (set_config with is_local, which is SET
// LOCAL but takes parameters), iterative scans: tenant and assistant filters apply after the
// index scan, so without them a small organization in a large table would get a handful of
// rows or none. relaxed_order returns rows slightly out of order; vectorSQL sorts again.
const setVectorScanSQL = `SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)`

// vectorSQLTemplate is the kNN query; {D} becomes the dimension, an int from configuration.
// The cast and the embedding_dims predicate must be literally those of the partial expression
// index (store.EnsureVectorIndex), or the planner cannot use it. Cosine similarity is
// 1 - cosine distance.
//
//	$1 query vector, $2 organization, $3 model, $4 assistant (NULL = any),
//	$5 kinds (empty = any), $6 limit.
const vectorSQLTemplate = `
WITH nn AS MATERIALIZED (
    SELECT c.id, (c.embedding::vector({D})) <=> ($1::vector({D})) AS distance
    FROM chunks c
    WHERE c.embedding_dims = {D}
      AND c.organization_id = $2
      AND c.embedding_model = $3
      AND ($4::uuid IS NULL OR c.assistant_ids = '{}' OR $4::uuid = ANY (c.assistant_ids))
      AND (cardinality($5::text[]) = 0 OR c.kind = ANY ($5::text[]))
    ORDER BY (c.embedding::vector({D})) <=> ($1::vector({D}))
    LIMIT $6
)
SELECT id, 1 - distance FROM nn ORDER BY distance, id`

// rescoreSQLTemplate scores the in-process vector leg's candidates exactly: the cosine
// similarity pgvector computes from the stored vectors, as in vectorSQLTemplate, with the same
// filters (the index applied them already; these make the list consistent with the snapshot).
//
//	$1 query vector, $2 organization, $3 model, $4 assistant (NULL = any),
//	$5 kinds (empty = any), $6 candidate chunk ids.
const rescoreSQLTemplate = `
SELECT c.id, 1 - ((c.embedding::vector({D})) <=> ($1::vector({D})))
FROM chunks c
WHERE c.id = ANY ($6::bigint[])
  AND c.embedding_dims = {D}
  AND c.organization_id = $2
  AND c.embedding_model = $3
  AND ($4::uuid IS NULL OR c.assistant_ids = '{}' OR $4::uuid = ANY (c.assistant_ids))
  AND (cardinality($5::text[]) = 0 OR c.kind = ANY ($5::text[]))`

var vectorSQLs, rescoreSQLs sync.Map // dims → query text

// rescoreSQL returns the rescoring query for a dimension already validated to 1..MaxDims.
func rescoreSQL(dims int) string {
	if q, ok := rescoreSQLs.Load(dims); ok {
		return q.(string)
	}
	q := strings.ReplaceAll(rescoreSQLTemplate, "{D}", strconv.Itoa(dims))
	rescoreSQLs.Store(dims, q)
	return q
}

// vectorSQL returns the kNN query for a dimension already validated to 1..MaxDims.
func vectorSQL(dims int) string {
	if q, ok := vectorSQLs.Load(dims); ok {
		return q.(string)
	}
	q := strings.ReplaceAll(vectorSQLTemplate, "{D}", strconv.Itoa(dims))
	vectorSQLs.Store(dims, q)
	return q
}

// queueVectorSettings and queueVector add the scan settings and the kNN statement to the
// batch; readVectorSettings and readVector read their results. In a batch (one implicit transaction) the local settings hold for the statements
// after them and end with it.
func (s *Searcher) queueVectorSettings(b *pgx.Batch, limit int) {
	b.Queue(setVectorScanSQL, strconv.Itoa(max(s.cfg.EFSearch, limit)))
}

func (s *Searcher) queueVector(b *pgx.Batch, q Query, limit int) {
	b.Queue(vectorSQL(q.Dims), pgvector.NewVector(q.Embedding), q.OrganizationID,
		q.EmbeddingModel, assistantParam(q.AssistantID), kindsParam(q.Kinds), limit)
}

func readVectorSettings(br pgx.BatchResults) error {
	if _, err := br.Exec(); err != nil {
		return fmt.Errorf("configure vector scan: %w", err)
	}
	return nil
}

func readVector(br pgx.BatchResults) ([]scored, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("vector search: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (scored, error) {
		var c scored
		err := r.Scan(&c.chunkID, &c.score)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("vector search: %w", err)
	}
	return out, nil
}
