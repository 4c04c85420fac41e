package retrieval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"math/rand"
	"net/url"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pgvector/pgvector-go"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/llm/offline"
	"github.com/lorebase/lorebase/store"
	"github.com/lorebase/lorebase/store/storetest"
)

// benchChunksEnv overrides the corpus size of BenchmarkSearch100k for quick runs.
const benchChunksEnv = "LOREBASE_BENCH_CHUNKS"

// benchCorpusVersion names what loadBenchCorpus writes; bump it when the generator changes, so
// that a cached corpus of the previous generator is not reused.
const benchCorpusVersion = "3"

// benchK is the result count of both sides of the comparison: the raw kNN baseline returns 10
// rows, so hybrid search returns 10 too (the chat path asks 8).
const benchK = 10

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

// benchCell is one measured configuration: QPS over the wall time and per-search latencies.
type benchCell struct {
	qps           float64
	p50, p95, p99 time.Duration
	n             int
}

// benchShares are the organizations' shares of BenchmarkSearch100k's corpus.
var benchShares = []float64{0.5, 0.25, 0.15, 0.10}

// BenchmarkSearch100k measures, in one run over the same synthetic chunks (Zipf-distributed
// topical vocabulary, four organizations of unequal size, offline embeddings), hybrid search
// (what the chat path runs, with the in-process lexical index) against raw pgvector kNN with the
// same tenant filter, at 1, 8 and 32 concurrent clients, the recall@10 of the vector list against
// exact search, the trade-off of hnsw.ef_search (recall against vector-leg latency and hybrid
// QPS), and the SQL BM25 path the index replaces. It ends with a table (benchmark logs are
// always printed).
//
// The loaded corpus is kept as a template database keyed by the corpus size, the generator
// version, the migrations and the vector index definition, so only the first run pays for the
// load (a few minutes at 100k); later runs clone it in seconds.
//
//	go test ./retrieval/ -run '^$' -bench Search100k -benchtime 4s -timeout 30m
//	LOREBASE_BENCH_CHUNKS=20000 go test ./retrieval/ -run '^$' -bench Search100k
func BenchmarkSearch100k(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv(benchChunksEnv)); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	const clientsMax = 32
	pool, queries := benchDatabase(b, n, benchShares, clientsMax+4)
	ix, build, heap := benchIndex(b, pool)

	s, err := New(pool, Config{Index: ix})
	if err != nil {
		b.Fatal(err)
	}
	sqlOnly, err := New(pool, Config{})
	if err != nil {
		b.Fatal(err)
	}
	withFeedback, err := New(pool, Config{Index: ix, FeedbackDocs: FeedbackDocsOn})
	if err != nil {
		b.Fatal(err)
	}
	hybrid := benchSearch(s, ModeHybrid)
	knn := func(q benchQuery) error {
		_, err := rawKNN(ctx, pool, q)
		return err
	}
	// Warm the caches (shared buffers, OS page cache, prepared statements on every connection).
	runClients(clientsMax, 2*len(queries), queries, hybrid)
	runClients(clientsMax, 2*len(queries), queries, knn)

	levels := []int{1, 8, clientsMax}
	hyb, raw := map[int]benchCell{}, map[int]benchCell{}
	for _, c := range levels {
		hyb[c] = benchMeasure(b, fmt.Sprintf("hybrid/clients=%d", c), c, queries, hybrid)
		raw[c] = benchMeasure(b, fmt.Sprintf("pgvector_knn/clients=%d", c), c, queries, knn)
	}
	lex := benchMeasure(b, "lexical/clients=1", 1, queries, benchSearch(s, ModeLexical))
	vec := benchMeasure(b, "vector/clients=1", 1, queries, benchSearch(s, ModeVector))
	lexSQL := benchMeasure(b, "lexical_sql/clients=1", 1, queries, benchSearch(sqlOnly, ModeLexical))
	hybSQL := benchMeasure(b, "hybrid_sql/clients=1", 1, queries, benchSearch(sqlOnly, ModeHybrid))
	lexFB := benchMeasure(b, "lexical_feedback/clients=1", 1, queries, benchSearch(withFeedback, ModeLexical))
	hybFB := map[int]benchCell{}
	for _, c := range []int{1, clientsMax} {
		hybFB[c] = benchMeasure(b, fmt.Sprintf("hybrid_feedback/clients=%d", c), c, queries, benchSearch(withFeedback, ModeHybrid))
	}

	recallSet := queries[:min(100, len(queries))]
	rawRecall, ourRecall := benchRecall(b, pool, s, recallSet)
	_, hnswRecall := benchRecall(b, pool, sqlOnly, recallSet)
	curve := benchShortlistCurve(b, pool, ix, queries, recallSet)

	var t strings.Builder
	fmt.Fprintf(&t, "hybrid search vs raw pgvector kNN, %d chunks in 4 organizations, %d dims, K %d, same run\n", n, storetest.VectorDims, benchK)
	fmt.Fprintf(&t, "%-8s | %-33s | %-33s | %s\n", "clients", "hybrid  QPS   p50   p95   p99 ms", "raw kNN  QPS   p50   p95   p99 ms", "ratio")
	for _, c := range levels {
		h, r := hyb[c], raw[c]
		fmt.Fprintf(&t, "%-8d | %6.0f %7.2f %5.2f %5.2f       | %6.0f %7.2f %5.2f %5.2f        | %.2f\n",
			c, h.qps, ms(h.p50), ms(h.p95), ms(h.p99), r.qps, ms(r.p50), ms(r.p95), ms(r.p99), h.qps/r.qps)
	}
	fmt.Fprintf(&t, "hybrid p99 at %d clients / p50 at 1 client: %.2f\n", clientsMax, float64(hyb[clientsMax].p99)/float64(hyb[1].p50))
	fmt.Fprintf(&t, "1 client, one retriever: lexical (index) %.0f QPS (p50 %.2f ms), vector %.0f QPS (p50 %.2f ms)\n",
		lex.qps, ms(lex.p50), vec.qps, ms(vec.p50))
	fmt.Fprintf(&t, "1 client, SQL BM25 (no index): lexical %.0f QPS (p50 %.2f ms), hybrid %.0f QPS (p50 %.2f ms)\n",
		lexSQL.qps, ms(lexSQL.p50), hybSQL.qps, ms(hybSQL.p50))
	fmt.Fprintf(&t, "with --feedback-docs 10: lexical %.0f QPS (p50 %.2f ms) at 1 client; hybrid %.0f QPS (p50 %.2f ms) at 1 client, %.0f QPS (p99 %.2f ms) at %d, ratio to raw kNN %.2f / %.2f\n",
		lexFB.qps, ms(lexFB.p50), hybFB[1].qps, ms(hybFB[1].p50), hybFB[clientsMax].qps, ms(hybFB[clientsMax].p99), clientsMax,
		hybFB[1].qps/raw[1].qps, hybFB[clientsMax].qps/raw[clientsMax].qps)
	fmt.Fprintf(&t, "vector list recall@10 vs exact search: hybrid's (in-process index) %.3f; pgvector HNSW path without the index (ef_search %d) %.3f; raw kNN baseline (ef_search 40) %.3f\n",
		ourRecall, max(EFSearchDefault, CandidatesFor(benchK)), hnswRecall, rawRecall)
	st := ix.Stats()
	fmt.Fprintf(&t, "index: built in %v, %d chunks, %d postings (%.0f MiB est.), %d vectors (%.0f MiB, %.0f B/vector), %.0f MiB heap growth\n",
		build.Round(time.Millisecond), st.Chunks, st.Postings, float64(st.Bytes)/(1<<20), st.Vectors,
		float64(st.VectorBytes)/(1<<20), float64(st.VectorBytes)/float64(max(st.Vectors, 1)), float64(heap)/(1<<20))
	t.WriteString(curve)
	// Printed rather than logged: a parent benchmark's log is dropped unless -v.
	fmt.Print("\n" + t.String() + "\n")
}

// benchSearch returns one search of the given mode as the benchmark clients run it.
func benchSearch(s *Searcher, mode string) func(q benchQuery) error {
	return func(q benchQuery) error {
		_, err := s.Search(context.Background(), Query{OrganizationID: q.org, Text: q.text, Language: "en", Embedding: q.vec,
			EmbeddingModel: offline.ModelName, Mode: mode, K: benchK})
		return err
	}
}

func benchMeasure(b *testing.B, name string, clients int, queries []benchQuery, do func(q benchQuery) error) benchCell {
	var cell benchCell
	b.Run(name, func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		cell = runClients(clients, b.N, queries, do)
		b.ReportMetric(cell.qps, "qps")
		b.ReportMetric(ms(cell.p50), "p50-ms")
		b.ReportMetric(ms(cell.p95), "p95-ms")
		b.ReportMetric(ms(cell.p99), "p99-ms")
	})
	return cell
}

// benchIndex builds the lexical index over pool and follows the feed until the benchmark ends;
// it returns the build time and the heap the index added.
func benchIndex(b *testing.B, pool *pgxpool.Pool) (*Index, time.Duration, uint64) {
	ctx, cancel := context.WithCancel(context.Background())
	ix, err := NewIndex(pool, IndexConfig{})
	if err != nil {
		b.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	if err := ix.Build(ctx); err != nil {
		b.Fatal(err)
	}
	build := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	done := make(chan struct{})
	go func() { defer close(done); _ = ix.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	for !ix.Ready() {
		time.Sleep(10 * time.Millisecond)
	}
	var heap uint64
	if after.HeapAlloc > before.HeapAlloc {
		heap = after.HeapAlloc - before.HeapAlloc
	}
	return ix, build, heap
}

// benchShortlistCurve measures, for several shortlists of the in-process vector leg's first
// (sign-bit) pass (0 is the default, VectorShortlistFor), the vector list's recall@10 against
// exact search, the vector leg's p50 at one client and hybrid QPS at 8 clients: the trade-off
// the default is chosen on.
func benchShortlistCurve(b *testing.B, pool *pgxpool.Pool, ix *Index, queries, recallSet []benchQuery) string {
	var t strings.Builder
	t.WriteString("shortlist | vector recall@10 | vector p50 ms (1 client) | hybrid QPS (8 clients)\n")
	for _, sl := range []int{500, 1000, 2000, 4000, 0, 12000} {
		s, err := New(pool, Config{VectorShortlist: sl, Index: ix})
		if err != nil {
			b.Fatal(err)
		}
		_, recall := benchRecall(b, pool, s, recallSet)
		vec := runClients(1, len(queries), queries, benchSearch(s, ModeVector))
		hyb := runClients(8, 2*len(queries), queries, benchSearch(s, ModeHybrid))
		label := strconv.Itoa(sl)
		if sl == 0 {
			label = "default"
		}
		fmt.Fprintf(&t, "%9s | %16.3f | %24.2f | %22.0f\n", label, recall, ms(vec.p50), hyb.qps)
	}
	return t.String()
}

// benchLoadOnlyEnv, when set, makes BenchmarkSearchOneOrg load and cache its corpora and
// measure nothing: the 1M corpus can be loaded (about an hour) ahead of the measuring run.
const benchLoadOnlyEnv = "LOREBASE_BENCH_LOAD_ONLY"

// benchSizesEnv lists the corpus sizes of BenchmarkSearchOneOrg (comma-separated).
const benchSizesEnv = "LOREBASE_BENCH_SIZES"

// BenchmarkSearchOneOrg measures the cost of one organization's corpus as it grows: for each
// size (10k and 100k by default; LOREBASE_BENCH_SIZES=1000000 for the manual 1M run) the
// lexical index's build time and memory, how long a committed batch of 1,000 chunks takes to
// become searchable through the change feed (catch-up), hybrid QPS and p50/p99 at 1 and 32
// clients (and at 1 client with the legs run one after the other, the path below
// vectorConcurrentMin), raw kNN at the same levels, each leg alone at 1 client, and the vector
// list's recall@10.
//
// The 1M corpus is loaded once (38 minutes on 2 cores: COPY through the postings triggers
// 18 min, HNSW build 19 min) into one database of about 20 GB that later runs use directly
// (benchDirectMin); LOREBASE_BENCH_LOAD_ONLY=1 loads it without measuring.
//
//	go test ./retrieval/ -run '^$' -bench SearchOneOrg -benchtime 400x -timeout 60m
//	LOREBASE_BENCH_SIZES=1000000 LOREBASE_BENCH_LOAD_ONLY=1 go test ./retrieval/ -run '^$' -bench SearchOneOrg -benchtime 1x -timeout 180m
//	LOREBASE_BENCH_SIZES=1000000 go test ./retrieval/ -run '^$' -bench SearchOneOrg -benchtime 300x -timeout 180m
func BenchmarkSearchOneOrg(b *testing.B) {
	sizes := []int{10_000, 100_000}
	if v := os.Getenv(benchSizesEnv); v != "" {
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n <= 0 {
				b.Fatalf("%s: bad size %q", benchSizesEnv, f)
			}
			sizes = append(sizes, n)
		}
	}
	var t strings.Builder
	t.WriteString("one organization | index build | lexical MiB / vectors MiB / heap growth | catch-up 1k chunks | hybrid QPS p50 p99 (1 client) | hybrid QPS p50 p99 (32 clients) | kNN QPS (1 / 32) | recall@10 (hybrid's vector list / raw kNN)\n")
	for _, n := range sizes {
		b.Run(fmt.Sprintf("chunks=%d", n), func(b *testing.B) {
			ctx := context.Background()
			pool, queries := benchDatabase(b, n, []float64{1}, 36)
			if os.Getenv(benchLoadOnlyEnv) != "" {
				return
			}
			ix, build, heap := benchIndex(b, pool)
			s, err := New(pool, Config{Index: ix})
			if err != nil {
				b.Fatal(err)
			}
			hybrid := benchSearch(s, ModeHybrid)
			knn := func(q benchQuery) error {
				_, err := rawKNN(ctx, pool, q)
				return err
			}
			runClients(32, len(queries), queries, hybrid)
			h1 := benchMeasure(b, "hybrid/clients=1", 1, queries, hybrid)
			// The same with the legs one after the other, as below vectorConcurrentMin.
			inSequence, err := New(pool, Config{Index: ix, concurrentLegsMin: math.MaxInt})
			if err != nil {
				b.Fatal(err)
			}
			h1seq := benchMeasure(b, "hybrid_legs_in_sequence/clients=1", 1, queries, benchSearch(inSequence, ModeHybrid))
			h32 := benchMeasure(b, "hybrid/clients=32", 32, queries, hybrid)
			k1 := benchMeasure(b, "pgvector_knn/clients=1", 1, queries, knn)
			k32 := benchMeasure(b, "pgvector_knn/clients=32", 32, queries, knn)
			lex := benchMeasure(b, "lexical/clients=1", 1, queries, benchSearch(s, ModeLexical))
			vec := benchMeasure(b, "vector/clients=1", 1, queries, benchSearch(s, ModeVector))
			rawRecall, recall := benchRecall(b, pool, s, queries[:min(100, len(queries))])
			catchUp := benchCatchUp(b, pool, s, queries[0].org)
			st := ix.Stats()
			fmt.Printf("one organization, %d chunks: index build %v, %d postings, %.0f MiB estimated, %d vectors %.0f MiB, %.0f MiB heap growth, catch-up of 1,000 chunks %v; one leg alone at 1 client: lexical p50 %.2f ms, vector p50 %.2f ms; hybrid at 1 client with the legs in sequence %.0f QPS, p50 %.2f ms, p99 %.2f ms\n",
				n, build.Round(time.Millisecond), st.Postings, float64(st.Bytes)/(1<<20), st.Vectors, float64(st.VectorBytes)/(1<<20), float64(heap)/(1<<20), catchUp.Round(time.Millisecond),
				ms(lex.p50), ms(vec.p50), h1seq.qps, ms(h1seq.p50), ms(h1seq.p99))
			fmt.Fprintf(&t, "%16d | %11v | %7.0f / %7.0f / %7.0f | %18v | %6.0f %6.2f %6.2f          | %6.0f %6.2f %6.2f            | %5.0f / %5.0f    | %.3f / %.3f\n",
				n, build.Round(time.Millisecond), float64(st.Bytes)/(1<<20), float64(st.VectorBytes)/(1<<20), float64(heap)/(1<<20), catchUp.Round(time.Millisecond),
				h1.qps, ms(h1.p50), ms(h1.p99), h32.qps, ms(h32.p50), ms(h32.p99), k1.qps, k32.qps, recall, rawRecall)
		})
	}
	fmt.Print("\n" + t.String() + "\n")
}

// benchCatchUpDeleteSQL removes what benchCatchUp added (the chunks go with the item).
const benchCatchUpDeleteSQL = `DELETE FROM knowledge_items WHERE type = 'file' AND title = 'catch-up'`

// benchCatchUp commits 1,000 new chunks in one transaction, as an ingestion worker does, and
// returns how long until the last of them is found by a lexical search through the index.
func benchCatchUp(b *testing.B, pool *pgxpool.Pool, s *Searcher, org uuid.UUID) time.Duration {
	ctx := context.Background()
	item := uuid.New()
	if _, err := pool.Exec(ctx, `INSERT INTO knowledge_items (id, organization_id, type, title) VALUES ($1, $2, 'file', 'catch-up')`, item, org); err != nil {
		b.Fatal(err)
	}
	// Removed again (its chunks with it) so that a corpus used directly stays the same across
	// runs (benchDatabase); pool.Close was registered earlier and so runs after this.
	b.Cleanup(func() {
		if _, err := pool.Exec(context.Background(), benchCatchUpDeleteSQL); err != nil {
			b.Error(err)
		}
	})
	emb := offline.NewEmbedder(storetest.VectorDims)
	rows := make([]lorebase.Chunk, 1000)
	texts := make([]string, len(rows))
	for i := range rows {
		texts[i] = fmt.Sprintf("catchupword%d appended chunk number %d", i, i)
	}
	vecs, err := emb.Embed(ctx, texts)
	if err != nil {
		b.Fatal(err)
	}
	for i := range rows {
		rows[i] = lorebase.Chunk{OrganizationID: org.String(), ItemID: item.String(), Position: i, Content: texts[i], Language: "en",
			Embedding: vecs[i], EmbeddingModel: emb.Model()}
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if err := NewIndexer().Insert(ctx, tx, rows); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for {
		before := indexedSearches.Load()
		res, err := s.Search(ctx, Query{OrganizationID: org, Text: "catchupword999", Language: "en", Mode: ModeLexical, K: 1})
		if err != nil {
			b.Fatal(err)
		}
		if len(res) > 0 && indexedSearches.Load() > before {
			return time.Since(start)
		}
		if time.Since(start) > time.Minute {
			b.Fatal("the committed chunks did not reach the index within a minute")
		}
		time.Sleep(time.Millisecond)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// runClients runs total searches over clients goroutines (each takes one pool connection per
// search, so the pool must hold at least clients connections) and returns QPS over the wall time
// and latency percentiles.
func runClients(clients, total int, queries []benchQuery, do func(q benchQuery) error) benchCell {
	var (
		next int64 = -1
		wg   sync.WaitGroup
		mu   sync.Mutex
		lat  = make([]time.Duration, 0, total)
		fail atomic.Value
	)
	start := time.Now()
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, total/clients+1)
			for {
				i := atomic.AddInt64(&next, 1)
				if i >= int64(total) {
					break
				}
				t0 := time.Now()
				if err := do(queries[int(i)%len(queries)]); err != nil {
					fail.Store(err)
					break
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	if err, _ := fail.Load().(error); err != nil {
		panic(err)
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	return benchCell{qps: float64(len(lat)) / wall.Seconds(), p50: pct(0.50), p95: pct(0.95), p99: pct(0.99), n: len(lat)}
}

// rawKNN is the baseline at its cheapest: one round trip (a pipelined batch runs in one implicit
// transaction, so the local setting holds for the query), iterative scan as the tenant filter
// needs, pgvector's default ef_search.
func rawKNN(ctx context.Context, pool *pgxpool.Pool, q benchQuery) ([]int64, error) {
	batch := &pgx.Batch{}
	batch.Queue(`SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)`)
	batch.Queue(rawKNNSQL, pgvector.NewVector(q.vec), q.org)
	br := pool.SendBatch(ctx, batch)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

func exactKNN(ctx context.Context, pool *pgxpool.Pool, q benchQuery) ([]int64, error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	if _, err = tx.Exec(ctx, `SET LOCAL enable_indexscan = off`); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, exactKNNSQL, pgvector.NewVector(q.vec), q.org)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// exactCache keeps exact kNN answers per query vector: they are the ground truth of every
// recall figure of a run and cost a sequential scan each.
var exactCache sync.Map // pool pointer + query index → []int64

// benchRecall is recall@10 against exact search of raw kNN (ef_search 40) and of the retriever's
// vector list (its top 10 in vector mode, through the same candidate count and ef_search as the
// hybrid search).
func benchRecall(b *testing.B, pool *pgxpool.Pool, s *Searcher, queries []benchQuery) (raw, ours float64) {
	ctx := context.Background()
	var rawHits, ourHits, total float64
	for i, q := range queries {
		key := fmt.Sprintf("%p/%d", pool, i)
		var exact []int64
		if v, ok := exactCache.Load(key); ok {
			exact = v.([]int64)
		} else {
			var err error
			if exact, err = exactKNN(ctx, pool, q); err != nil {
				b.Fatal(err)
			}
			exactCache.Store(key, exact)
		}
		rawIDs, err := rawKNN(ctx, pool, q)
		if err != nil {
			b.Fatal(err)
		}
		res, err := s.Search(ctx, Query{OrganizationID: q.org, Embedding: q.vec, EmbeddingModel: offline.ModelName, Mode: ModeVector, K: benchK})
		if err != nil {
			b.Fatal(err)
		}
		truth := map[int64]bool{}
		for _, id := range exact {
			truth[id] = true
		}
		for _, id := range rawIDs {
			if truth[id] {
				rawHits++
			}
		}
		for _, r := range res {
			if truth[r.ID] {
				ourHits++
			}
		}
		total += float64(len(exact))
	}
	return rawHits / total, ourHits / total
}

// benchDirectMin is the corpus size from which benchDatabase keeps the loaded database itself
// instead of a template and clones: a 1M-chunk corpus takes about 18 GB on disk (chunks, 75M
// postings, the HNSW graph), and the scratch copy, the template and a clone would need about
// 55 GB at once.
const benchDirectMin = 500_000

// benchDatabase returns a pool (of maxConns connections) on the loaded corpus of n chunks, and
// its queries. The corpus is loaded once per key (lorebase_bench_<n>_<hash>); the hash covers
// the generator version and the definition of the vector index that store.EnsureVectorIndex
// creates today, so a change to either loads afresh (and drops the stale copy of the same size).
// Below benchDirectMin chunks the loaded corpus is kept as a template database and each run
// gets a private clone; from benchDirectMin on the loaded database itself is renamed to the
// cache name and every run uses it directly (one copy on disk): the benchmarks' only write, the
// catch-up batch of benchCatchUp, is deleted again when the benchmark ends, so the corpus stays
// the same from run to run; two such runs must not overlap. Either way the database is migrated
// forward with store.Migrate, as a production database is, so a new migration does not cost a
// reload.
func benchDatabase(b *testing.B, n int, shares []float64, maxConns int32) (*pgxpool.Pool, []benchQuery) {
	ctx := context.Background()
	corpus := generateBenchCorpus(n, shares)
	scratch := storetest.New(b)

	// The index definition as EnsureVectorIndex writes it now (the test template may predate it).
	if _, err := scratch.Pool.Exec(ctx, `DROP INDEX chunks_embedding_hnsw_384`); err != nil {
		b.Fatal(err)
	}
	if err := store.EnsureVectorIndex(ctx, scratch.Pool, storetest.VectorDims); err != nil {
		b.Fatal(err)
	}
	var indexDef string
	if err := scratch.Pool.QueryRow(ctx, `SELECT pg_get_indexdef('chunks_embedding_hnsw_384'::regclass)`).Scan(&indexDef); err != nil {
		b.Fatal(err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%s\x00%v\x00", benchCorpusVersion, n, indexDef, shares)
	prefix := fmt.Sprintf("lorebase_bench_%d_", n)
	if len(shares) == 1 {
		prefix = fmt.Sprintf("lorebase_bench1_%d_", n)
	}
	cached := prefix + hex.EncodeToString(h.Sum(nil))[:12]

	admin, err := pgx.Connect(ctx, storetest.AdminURL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close(ctx)
	// Serialise loads of the same corpus by concurrent runs (another corpus's load, which can
	// take an hour, does not block this one).
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock(7217, hashtext($1))`, cached); err != nil {
		b.Fatal(err)
	}
	defer admin.Exec(ctx, `SELECT pg_advisory_unlock(7217, hashtext($1))`, cached) //nolint:errcheck
	direct := n >= benchDirectMin
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND (datistemplate OR $2))`, cached, direct).Scan(&exists); err != nil {
		b.Fatal(err)
	}
	if !exists {
		loadBenchCorpus(b, scratch, corpus)
		scratch.Pool.Close()
		stale, err := admin.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE $1 || '%'`, prefix)
		if err != nil {
			b.Fatal(err)
		}
		names, err := pgx.CollectRows(stale, pgx.RowTo[string])
		if err != nil {
			b.Fatal(err)
		}
		for _, name := range names {
			_, _ = admin.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %s WITH is_template false`, name))
			_, _ = admin.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
		}
		start := time.Now()
		stmts := []string{
			fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s STRATEGY FILE_COPY`, cached, scratch.Name),
			fmt.Sprintf(`ALTER DATABASE %s WITH is_template true`, cached),
		}
		if direct {
			// The scratch database becomes the cache (storetest's cleanup then finds no database
			// of the old name to drop).
			stmts = []string{fmt.Sprintf(`ALTER DATABASE %s RENAME TO %s`, scratch.Name, cached)}
		}
		for _, stmt := range stmts {
			if _, err := admin.Exec(ctx, stmt); err != nil {
				b.Fatal(err)
			}
		}
		fmt.Printf("cached the corpus as %s (direct use %v) in %v\n", cached, direct, time.Since(start).Round(time.Millisecond))
	}
	start := time.Now()
	name := cached
	if !direct {
		name = "b_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
		if _, err := admin.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s STRATEGY FILE_COPY`, name, cached)); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() {
			c, err := pgx.Connect(context.Background(), storetest.AdminURL(b))
			if err == nil {
				_, _ = c.Exec(context.Background(), fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
				c.Close(context.Background())
			}
		})
	}
	u, err := url.Parse(storetest.AdminURL(b))
	if err != nil {
		b.Fatal(err)
	}
	u.Path = "/" + name
	pool, err := store.Open(ctx, u.String(), store.PoolConfig{MaxConns: maxConns})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	if err := store.Migrate(ctx, pool, slog.New(slog.DiscardHandler)); err != nil {
		b.Fatal(err)
	}
	if direct {
		// A run killed before its cleanup leaves its catch-up batch behind.
		if _, err := pool.Exec(ctx, benchCatchUpDeleteSQL); err != nil {
			b.Fatal(err)
		}
	}
	fmt.Printf("corpus %s (%d chunks) opened as %s in %v\n", cached, n, name, time.Since(start).Round(time.Millisecond))

	emb := offline.NewEmbedder(storetest.VectorDims)
	qv := embedParallel(b, emb, corpus.queryTexts)
	queries := make([]benchQuery, len(corpus.queryTexts))
	for i := range queries {
		queries[i] = benchQuery{org: corpus.queryOrgs[i], text: corpus.queryTexts[i], vec: qv[i]}
	}
	return pool, queries
}

// benchCorpus is the deterministic synthetic corpus (seed 42) and its queries.
type benchCorpus struct {
	orgs, items []uuid.UUID
	texts       []string
	owner       []int // index into orgs
	queryTexts  []string
	queryOrgs   []uuid.UUID
}

// generateBenchCorpus draws n chunks and 200 queries. Chunks are about something: each draws
// 60% of its words from one of 300 topics (a Zipf over the topic's own 400 words) and the rest
// from the global Zipf, which gives the vectors the cluster structure of real text instead of
// uniform noise. The organizations hold the given shares of the chunks (four of 50%, 25%, 15%
// and 10% in BenchmarkSearch100k, one in BenchmarkSearchOneOrg). A query is a
// handful of words from one chunk (what a user remembers) plus a few others, the way a question
// shares some words with its answer.
func generateBenchCorpus(n int, shares []float64) benchCorpus {
	rng := rand.New(rand.NewSource(42))
	vocab := syntheticVocabulary(rng, 30000)
	zipf := rand.NewZipf(rng, 1.1, 3, uint64(len(vocab)-1))
	var c benchCorpus
	for range shares {
		org, _ := uuid.NewRandomFromReader(rng)
		item, _ := uuid.NewRandomFromReader(rng)
		c.orgs, c.items = append(c.orgs, org), append(c.items, item)
	}
	const topics, topicWords = 300, 400
	topicVocab := make([][]string, topics)
	for t := range topicVocab {
		for _, k := range rng.Perm(len(vocab))[:topicWords] {
			topicVocab[t] = append(topicVocab[t], vocab[k])
		}
	}
	topicZipf := rand.NewZipf(rng, 1.1, 3, topicWords-1)
	c.texts = make([]string, n)
	c.owner = make([]int, n)
	for i := range c.texts {
		topic := topicVocab[rng.Intn(topics)]
		words := make([]string, 60+rng.Intn(80))
		for j := range words {
			if rng.Float64() < 0.6 {
				words[j] = topic[topicZipf.Uint64()]
			} else {
				words[j] = vocab[zipf.Uint64()]
			}
		}
		c.texts[i] = strings.Join(words, " ") + "."
		r, o := rng.Float64(), 0
		for acc := shares[0]; r > acc && o < len(shares)-1; o++ {
			acc += shares[o+1]
		}
		c.owner[i] = o
	}
	for range 200 {
		ci := rng.Intn(n)
		words := strings.Fields(strings.TrimSuffix(c.texts[ci], "."))
		var q []string
		for j := 0; j < 4; j++ {
			q = append(q, words[rng.Intn(len(words))])
		}
		for j := 0; j < 3; j++ {
			q = append(q, vocab[zipf.Uint64()])
		}
		c.queryTexts = append(c.queryTexts, strings.Join(q, " "))
		c.queryOrgs = append(c.queryOrgs, c.orgs[c.owner[ci]])
	}
	return c
}

// loadBenchCorpus writes the corpus into db with COPY. The HNSW index is dropped during the load
// and rebuilt once afterwards (with store.EnsureVectorIndex, so it is the production
// definition), which is several times faster than inserting into it row by row.
func loadBenchCorpus(b *testing.B, db *storetest.DB, c benchCorpus) {
	ctx := context.Background()
	start := time.Now()
	n := len(c.texts)
	for i := range c.orgs {
		if _, err := db.Pool.Exec(ctx, `INSERT INTO organizations (id, name) VALUES ($1, 'bench')`, c.orgs[i]); err != nil {
			b.Fatal(err)
		}
		if _, err := db.Pool.Exec(ctx, `INSERT INTO knowledge_items (id, organization_id, type, title) VALUES ($1, $2, 'file', 'bench')`, c.items[i], c.orgs[i]); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.Pool.Exec(ctx, `DROP INDEX chunks_embedding_hnsw_384`); err != nil {
		b.Fatal(err)
	}
	emb := offline.NewEmbedder(storetest.VectorDims)
	vecs := embedParallel(b, emb, c.texts)
	embedded := time.Since(start)

	// Two loaders: most of the time goes to the postings triggers, which take no lock another
	// batch waits on, so a second session uses the second core (chunk ids then interleave).
	ix := NewIndexer()
	const batch, loaders = 5000, 2
	var next atomic.Int64
	var wg sync.WaitGroup
	for range loaders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(batch)) - batch
				if lo >= n || b.Failed() {
					return
				}
				hi := min(lo+batch, n)
				rows := make([]lorebase.Chunk, 0, hi-lo)
				for i := lo; i < hi; i++ {
					o := c.owner[i]
					rows = append(rows, lorebase.Chunk{OrganizationID: c.orgs[o].String(), ItemID: c.items[o].String(), Position: i,
						Content: c.texts[i], Language: "en", Embedding: vecs[i], EmbeddingModel: emb.Model(), TokenCount: 100})
				}
				err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error { return ix.Insert(ctx, tx, rows) })
				if err != nil {
					b.Error(err)
					return
				}
				if n >= benchDirectMin && hi%100_000 == 0 {
					fmt.Printf("loading: %d chunks after %v\n", hi, time.Since(start).Round(time.Second))
				}
			}
		}()
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	copied := time.Since(start)

	// Build the index with more memory on a separate pool (the setting applies to new sessions):
	// enough for the graph of n vectors (pgvector's build slows several-fold once it spills).
	mwm := max(1024, n*storetest.VectorDims*4*2>>20)
	if _, err := db.Pool.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %s SET maintenance_work_mem = '%dMB'`, db.Name, mwm)); err != nil {
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
	if _, err := db.Pool.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %s RESET maintenance_work_mem`, db.Name)); err != nil {
		b.Fatal(err)
	}
	indexed := time.Since(start)
	// Index-only scans of the postings need the visibility map set.
	if _, err := db.Pool.Exec(ctx, `VACUUM ANALYZE chunks, chunk_terms, chunk_stats`); err != nil {
		b.Fatal(err)
	}
	var postings int64
	_ = db.Pool.QueryRow(ctx, `SELECT count(*) FROM chunk_terms`).Scan(&postings)
	fmt.Printf("loaded %d chunks (%d postings) in %v: embed %v, COPY %v, HNSW build %v, vacuum %v\n",
		n, postings, time.Since(start).Round(time.Second), embedded.Round(time.Second), (copied - embedded).Round(time.Second),
		(indexed - copied).Round(time.Second), (time.Since(start) - indexed).Round(time.Second))
}

func embedParallel(b testing.TB, emb *offline.Embedder, texts []string) [][]float32 {
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

// benchHNSWEnv lists the HNSW builds BenchmarkHNSWParams compares, as m:ef_construction pairs.
const benchHNSWEnv = "LOREBASE_BENCH_HNSW"

// BenchmarkHNSWParams is the manual experiment behind the HNSW defaults: on a private copy of
// BenchmarkSearch100k's corpus it rebuilds the vector index with each m:ef_construction pair
// (LOREBASE_BENCH_HNSW, default "16:64,16:128,32:128") and reports the build time, then for each
// hnsw.ef_search the recall@10 of the vector list against exact search, the vector leg's p50 at
// one client and raw kNN (ef_search 40, LIMIT 10) on the same graph.
//
//	LOREBASE_BENCH_CHUNKS=20000 go test ./retrieval/ -run '^$' -bench HNSWParams -benchtime 1x -timeout 60m
func BenchmarkHNSWParams(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv(benchChunksEnv)); err == nil && v > 0 {
		n = v
	}
	pairs := "16:64,16:128,32:128"
	if v := os.Getenv(benchHNSWEnv); v != "" {
		pairs = v
	}
	ctx := context.Background()
	pool, queries := benchDatabase(b, n, benchShares, 12)
	ix, _, _ := benchIndex(b, pool)
	recallSet := queries[:min(100, len(queries))]
	var t strings.Builder
	fmt.Fprintf(&t, "HNSW parameters, %d chunks in 4 organizations (recall@10 of the vector list, K %d)\n", n, benchK)
	t.WriteString("m  | ef_constr | build  | ef_search | recall@10 | vector p50 ms | raw kNN recall | raw kNN p50 ms\n")
	for _, pair := range strings.Split(pairs, ",") {
		var m, efc int
		if _, err := fmt.Sscanf(pair, "%d:%d", &m, &efc); err != nil {
			b.Fatalf("%s: bad pair %q", benchHNSWEnv, pair)
		}
		start := time.Now()
		conn, err := pool.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for _, stmt := range []string{
			`SET maintenance_work_mem = '1GB'`,
			`DROP INDEX IF EXISTS chunks_embedding_hnsw_384`,
			fmt.Sprintf(`CREATE INDEX chunks_embedding_hnsw_384 ON chunks USING hnsw ((embedding::vector(384)) vector_cosine_ops) WITH (m = %d, ef_construction = %d) WHERE embedding_dims = 384`, m, efc),
			`RESET maintenance_work_mem`,
		} {
			if _, err := conn.Exec(ctx, stmt); err != nil {
				b.Fatal(err)
			}
		}
		conn.Release()
		build := time.Since(start)
		pool.Reset() // drop cached plans of the old index
		for _, ef := range []int{40, 100, 200, 400} {
			s, err := New(pool, Config{EFSearch: ef, Index: ix})
			if err != nil {
				b.Fatal(err)
			}
			raw, ours := benchRecall(b, pool, s, recallSet)
			vec := runClients(1, len(queries), queries, benchSearch(s, ModeVector))
			knn := runClients(1, len(queries), queries, func(q benchQuery) error { _, err := rawKNN(ctx, pool, q); return err })
			fmt.Fprintf(&t, "%-2d | %9d | %6v | %9d | %9.3f | %13.2f | %14.3f | %14.2f\n", m, efc, build.Round(time.Second), ef, ours, ms(vec.p50), raw, ms(knn.p50))
		}
	}
	fmt.Print("\n" + t.String() + "\n")
}
