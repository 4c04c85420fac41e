package retrieval

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pgvector/pgvector-go"

	"github.com/lorebase/lorebase/llm/offline"
	"github.com/lorebase/lorebase/store"
	"github.com/lorebase/lorebase/store/storetest"
)

// benchChunksEnv overrides the corpus size of BenchmarkSearch100k for quick runs.
const benchChunksEnv = "LOREBASE_BENCH_CHUNKS"

// rawKNNSQL is plain pgvector kNN with the same tenant filter, through the same index, as the
// baseline the hybrid search is compared with; exactKNNSQL is the same ordering without an
// index (the ground truth for recall).
const (
	rawKNNSQL = `SELECT id FROM chunks
WHERE embedding_dims = 384 AND organization_id = $2
ORDER BY (embedding::vector(384)) <=> ($1::vector(384)) LIMIT 10`
	exactKNNSQL = `SELECT id FROM chunks
WHERE embedding_dims = 384 AND organization_id = $2
ORDER BY (embedding::vector(384)) <=> ($1::vector(384)), id LIMIT 10`
)

type benchQuery struct {
	org  uuid.UUID
	text string
	vec  []float32
}

// BenchmarkSearch100k loads synthetic chunks (Zipf-distributed topical vocabulary, four organizations
// of unequal size, offline embeddings) with COPY, then measures hybrid search and raw pgvector
// kNN on the same vectors, and the recall of HNSW against exact search.
//
//	go test ./retrieval/ -run '^$' -bench Search100k -benchtime 200x
//	LOREBASE_BENCH_CHUNKS=20000 go test ./retrieval/ -run '^$' -bench Search100k
func BenchmarkSearch100k(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv(benchChunksEnv)); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	db := storetest.New(b)
	queries := loadBenchCorpus(b, db, n)

	s, err := New(db.Pool, Config{})
	if err != nil {
		b.Fatal(err)
	}
	model := offline.ModelName
	run := func(name string, do func(q benchQuery) error) time.Duration {
		var perOp time.Duration
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if err := do(queries[i%len(queries)]); err != nil {
					b.Fatal(err)
				}
			}
			perOp = time.Since(start) / time.Duration(b.N)
			b.ReportMetric(float64(time.Second)/float64(perOp), "qps")
		})
		return perOp
	}
	search := func(mode string) func(q benchQuery) error {
		return func(q benchQuery) error {
			_, err := s.Search(ctx, Query{OrganizationID: q.org, Text: q.text, Language: "en", Embedding: q.vec,
				EmbeddingModel: model, Mode: mode, K: 10})
			return err
		}
	}
	hybrid := run("hybrid", search(ModeHybrid))
	run("lexical", search(ModeLexical))
	run("vector", search(ModeVector))
	knn := run("pgvector_knn", func(q benchQuery) error {
		_, err := knnIDs(ctx, db.Pool, rawKNNSQL, q, true)
		return err
	})
	if knn > 0 {
		b.Logf("hybrid %v/op (%.0f qps), raw pgvector kNN %v/op (%.0f qps): hybrid costs %.1fx",
			hybrid, float64(time.Second)/float64(hybrid), knn, float64(time.Second)/float64(knn), float64(hybrid)/float64(knn))
	}

	// Recall@10 of the index against exact search, for raw kNN (ef_search 40) and for the
	// retriever's vector list (ef_search 100, iterative scan).
	var rawHits, ourHits, total float64
	for _, q := range queries[:min(50, len(queries))] {
		exact, err := knnIDs(ctx, db.Pool, exactKNNSQL, q, false)
		if err != nil {
			b.Fatal(err)
		}
		raw, err := knnIDs(ctx, db.Pool, rawKNNSQL, q, true)
		if err != nil {
			b.Fatal(err)
		}
		res, err := s.Search(ctx, Query{OrganizationID: q.org, Embedding: q.vec, EmbeddingModel: model, Mode: ModeVector, K: 10})
		if err != nil {
			b.Fatal(err)
		}
		truth := map[int64]bool{}
		for _, id := range exact {
			truth[id] = true
		}
		for _, id := range raw {
			if truth[id] {
				rawHits++
			}
		}
		for _, r := range res {
			if truth[r.ChunkID] {
				ourHits++
			}
		}
		total += float64(len(exact))
	}
	b.Logf("HNSW recall@10 vs exact: raw kNN (ef_search 40) %.3f, retriever vector list (ef_search %d) %.3f",
		rawHits/total, EFSearchDefault, ourHits/total)

	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	if _, err := tx.Exec(ctx, setVectorScanSQL, "100"); err != nil {
		b.Fatal(err)
	}
	q := queries[0]
	b.Logf("vector plan:\n%s", explain(b, tx, vectorSQL(384), q.vec, q.org, model, nil, []string{}, 100))
	st, err := loadOrgStats(ctx, tx, q.org)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("bm25 plan:\n%s", explain(b, tx, bm25SQL, q.org, []string{"english"}, q.text, float64(st.chunks), st.avgLen,
		BM25K1Default, BM25BDefault, nil, []string{}, 100))
}

func knnIDs(ctx context.Context, pool *pgxpool.Pool, query string, q benchQuery, index bool) ([]int64, error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	if index {
		_, err = tx.Exec(ctx, `SET LOCAL hnsw.iterative_scan = relaxed_order`)
	} else {
		_, err = tx.Exec(ctx, `SET LOCAL enable_indexscan = off`)
	}
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, query, pgvector.NewVector(q.vec), q.org)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// loadBenchCorpus writes n chunks and returns 200 queries. The HNSW index is dropped during the
// load and rebuilt once afterwards (with store.EnsureVectorIndex, so it is the production
// definition), which is several times faster than inserting into it row by row.
func loadBenchCorpus(b *testing.B, db *storetest.DB, n int) []benchQuery {
	ctx := context.Background()
	start := time.Now()
	rng := rand.New(rand.NewSource(42))
	vocab := syntheticVocabulary(rng, 30000)
	zipf := rand.NewZipf(rng, 1.1, 3, uint64(len(vocab)-1))

	// Four organizations holding 50%, 25%, 15% and 10% of the chunks.
	shares := []float64{0.5, 0.25, 0.15, 0.10}
	orgs := make([]uuid.UUID, len(shares))
	items := make([]uuid.UUID, len(shares))
	for i := range orgs {
		orgs[i], items[i] = uuid.New(), uuid.New()
		if _, err := db.Pool.Exec(ctx, `INSERT INTO organizations (id, name) VALUES ($1, 'bench')`, orgs[i]); err != nil {
			b.Fatal(err)
		}
		if _, err := db.Pool.Exec(ctx, `INSERT INTO knowledge_items (id, organization_id, type, title) VALUES ($1, $2, 'file', 'bench')`, items[i], orgs[i]); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.Pool.Exec(ctx, `DROP INDEX chunks_embedding_hnsw_384`); err != nil {
		b.Fatal(err)
	}

	// Chunks are about something: each draws 60% of its words from one of 300 topics (a Zipf
	// over the topic's own 400 words) and the rest from the global Zipf, which gives the
	// vectors the cluster structure of real text instead of uniform noise.
	const topics, topicWords = 300, 400
	topicVocab := make([][]string, topics)
	for t := range topicVocab {
		for _, k := range rng.Perm(len(vocab))[:topicWords] {
			topicVocab[t] = append(topicVocab[t], vocab[k])
		}
	}
	topicZipf := rand.NewZipf(rng, 1.1, 3, topicWords-1)
	texts := make([]string, n)
	owner := make([]int, n)
	for i := range texts {
		topic := topicVocab[rng.Intn(topics)]
		words := make([]string, 60+rng.Intn(80))
		for j := range words {
			if rng.Float64() < 0.6 {
				words[j] = topic[topicZipf.Uint64()]
			} else {
				words[j] = vocab[zipf.Uint64()]
			}
		}
		texts[i] = strings.Join(words, " ") + "."
		r, o := rng.Float64(), 0
		for acc := shares[0]; r > acc && o < len(shares)-1; o++ {
			acc += shares[o+1]
		}
		owner[i] = o
	}
	emb := offline.NewEmbedder(storetest.VectorDims)
	vecs := embedParallel(b, emb, texts)
	embedded := time.Since(start)

	ix := NewIndexer()
	const batch = 5000
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		rows := make([]ChunkRow, 0, hi-lo)
		for i := lo; i < hi; i++ {
			rows = append(rows, ChunkRow{OrganizationID: orgs[owner[i]], ItemID: items[owner[i]], Position: i,
				Content: texts[i], Language: "en", Embedding: vecs[i], EmbeddingModel: emb.Model(), TokenCount: 100})
		}
		tx, err := db.Pool.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if err := ix.Insert(ctx, tx, rows); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
	copied := time.Since(start)

	// Build the index with more memory on a separate pool (the setting applies to new sessions).
	if _, err := db.Pool.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %s SET maintenance_work_mem = '1GB'`, db.Name)); err != nil {
		b.Fatal(err)
	}
	pool, err := store.Open(ctx, db.URL, store.PoolConfig{MaxConns: 2})
	if err != nil {
		b.Fatal(err)
	}
	if err := store.EnsureVectorIndex(ctx, pool, storetest.VectorDims); err != nil {
		b.Fatal(err)
	}
	pool.Close()
	indexed := time.Since(start)
	// Index-only scans of the postings need the visibility map set.
	if _, err := db.Pool.Exec(ctx, `VACUUM ANALYZE chunks, chunk_terms, chunk_stats`); err != nil {
		b.Fatal(err)
	}
	var postings int64
	_ = db.Pool.QueryRow(ctx, `SELECT count(*) FROM chunk_terms`).Scan(&postings)
	b.Logf("loaded %d chunks (%d postings) in %v: embed %v, COPY %v, HNSW build %v, vacuum %v",
		n, postings, time.Since(start).Round(time.Second), embedded.Round(time.Second), (copied - embedded).Round(time.Second),
		(indexed - copied).Round(time.Second), (time.Since(start) - indexed).Round(time.Second))

	// Queries: a handful of words from one chunk (what a user remembers) plus a few others, the
	// way a question shares some words with its answer.
	queries := make([]benchQuery, 200)
	qtexts := make([]string, len(queries))
	for i := range queries {
		c := rng.Intn(n)
		words := strings.Fields(strings.TrimSuffix(texts[c], "."))
		var q []string
		for j := 0; j < 4; j++ {
			q = append(q, words[rng.Intn(len(words))])
		}
		for j := 0; j < 3; j++ {
			q = append(q, vocab[zipf.Uint64()])
		}
		qtexts[i] = strings.Join(q, " ")
		queries[i] = benchQuery{org: orgs[owner[c]], text: qtexts[i]}
	}
	qv := embedParallel(b, emb, qtexts)
	for i := range queries {
		queries[i].vec = qv[i]
	}
	return queries
}

func embedParallel(b *testing.B, emb *offline.Embedder, texts []string) [][]float32 {
	out := make([][]float32, len(texts))
	var wg sync.WaitGroup
	const workers = 2
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := w * 1000; lo < len(texts); lo += workers * 1000 {
				hi := min(lo+1000, len(texts))
				v, err := emb.Embed(context.Background(), texts[lo:hi])
				if err != nil {
					b.Error(err)
					return
				}
				copy(out[lo:hi], v)
			}
		}()
	}
	wg.Wait()
	return out
}

// syntheticVocabulary makes pronounceable pseudo-words, sorted by length so the Zipf head is
// short words, as in natural text.
func syntheticVocabulary(rng *rand.Rand, n int) []string {
	cons := []string{"b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "st", "tr", "pl"}
	vows := []string{"a", "e", "i", "o", "u", "ai", "ou"}
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		var sb strings.Builder
		for s := 0; s < 1+rng.Intn(4); s++ {
			sb.WriteString(cons[rng.Intn(len(cons))])
			sb.WriteString(vows[rng.Intn(len(vows))])
		}
		if rng.Intn(2) == 0 {
			sb.WriteString(cons[rng.Intn(len(cons))])
		}
		w := sb.String()
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) < len(out[j]) })
	return out
}
