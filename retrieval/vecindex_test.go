package retrieval

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/llm/offline"
	"github.com/lorebase/lorebase/store/storetest"
)

// nfcorpusDir is BEIR NFCorpus in the shared data (3,633 medical abstracts, 3,237 queries).
const nfcorpusDir = "../../shared/data/beir-nfcorpus"

// loadNFCorpus returns up to n documents (title and text) and up to m query texts, or skips.
func loadNFCorpus(t *testing.T, n, m int) (docs, queries []string) {
	t.Helper()
	f, err := os.Open(filepath.Join(nfcorpusDir, "corpus.jsonl.gz"))
	if os.IsNotExist(err) {
		t.Skipf("%s absent: the shared data is not beside the project", nfcorpusDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() && len(docs) < n {
		var d struct{ Title, Text string }
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d.Title+"\n"+d.Text)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	qf, err := os.Open(filepath.Join(nfcorpusDir, "queries.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer qf.Close()
	sc = bufio.NewScanner(qf)
	for sc.Scan() && len(queries) < m {
		var q struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			t.Fatal(err)
		}
		queries = append(queries, q.Text)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return docs, queries
}

// exactVector is the ground truth: every chunk of the organization passing the filters,
// ordered by exact cosine distance (no index), ties by id.
func exactVector(t *testing.T, e *env, q Query, k int) []Result {
	t.Helper()
	ctx := context.Background()
	tx, err := e.db.Pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	if _, err := tx.Exec(ctx, `SET LOCAL enable_indexscan = off`); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query(ctx, `
SELECT id, 1 - ((embedding::vector(384)) <=> ($1::vector(384))) FROM chunks
WHERE organization_id = $2 AND embedding_dims = 384 AND embedding_model = $3
  AND ($4::uuid IS NULL OR assistant_ids = '{}' OR $4::uuid = ANY (assistant_ids))
  AND (cardinality($5::text[]) = 0 OR kind = ANY ($5::text[]))
ORDER BY (embedding::vector(384)) <=> ($1::vector(384)), id LIMIT $6`,
		pgvector.NewVector(q.Embedding), q.OrganizationID, q.EmbeddingModel, assistantParam(q.AssistantID), kindsParam(q.Kinds), k)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Result, error) {
		var res Result
		err := r.Scan(&res.ID, &res.VectorScore)
		return res, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameVectorRanking fails unless got has want's chunks and scores in order, chunks whose scores
// are equal within 1e-9 in either order.
func sameVectorRanking(t *testing.T, label string, want, got []Result) {
	t.Helper()
	sameRankingBy(t, label, want, got, func(r Result) float64 { return r.VectorScore })
}

// TestVectorIndexIsExact compares the in-process vector leg (default settings, answering from
// the Index and not from pgvector's HNSW) with exact search over every vector, on NFCorpus's
// medical abstracts and real queries, with and without the assistant and kind filters: same
// chunks, same cosine similarities, same order. It then deletes a third of the chunks and adds
// new ones through the change feed (the deletion compacts the vectors' slots) and compares
// again; deleted chunks must never come back and the new ones must be found.
func TestVectorIndexIsExact(t *testing.T) {
	t.Parallel()
	docs, queries := loadNFCorpus(t, 3633, 120)
	e := setup(t)
	ctx := context.Background()
	org := e.org(t)
	assistant := uuid.New()
	items := []uuid.UUID{e.item(t, org, "file", "open"), e.item(t, org, "file", "restricted", assistant), e.item(t, org, "file", "other", uuid.New())}
	rng := rand.New(rand.NewSource(11))
	var rows []lorebase.Chunk
	for i, d := range docs {
		kind := lorebase.ChunkText
		if i%5 == 0 {
			kind = lorebase.ChunkQA
		}
		rows = append(rows, lorebase.Chunk{OrganizationID: org.String(), ItemID: items[rng.Intn(3)].String(), Position: i, Content: d, Language: "en", Kind: kind})
	}
	e.add(t, rows...)
	ix := e.builtIndex(t, IndexConfig{})
	runIndex(t, ix) // Run keeps the index Ready (it trusts itself for IndexMaxLagDefault after a feed read)
	if st := ix.Stats(); st.Vectors != int64(len(docs)) || st.VectorOrgs != 1 {
		t.Fatalf("index holds %d vectors of %d organizations, want %d of 1", st.Vectors, st.VectorOrgs, len(docs))
	}
	s, err := New(e.db.Pool, Config{Index: ix, MaxPerItem: -1, FeedbackDocs: -1}) // the legs alone: no per-item cap, no feedback
	if err != nil {
		t.Fatal(err)
	}
	vecs, err := e.emb.Embed(ctx, queries)
	if err != nil {
		t.Fatal(err)
	}
	filters := []struct {
		name      string
		assistant uuid.UUID
		kinds     []lorebase.ChunkKind
	}{{"any", uuid.Nil, nil}, {"assistant", assistant, nil}, {"qa", uuid.Nil, []lorebase.ChunkKind{lorebase.ChunkQA}}, {"text+assistant", assistant, []lorebase.ChunkKind{lorebase.ChunkText}}}
	compare := func(stage string, deleted map[int64]bool) {
		t.Helper()
		for i, v := range vecs {
			f := filters[i%len(filters)]
			q := Query{OrganizationID: org, Embedding: v, EmbeddingModel: e.emb.Model(), Mode: ModeVector, K: 10,
				AssistantID: f.assistant, Kinds: f.kinds}
			local := vectorLocalSearches.Load()
			got, err := s.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if vectorLocalSearches.Load() == local {
				t.Fatalf("%s: query %d was not answered from the in-process vectors", stage, i)
			}
			for _, r := range got {
				if deleted[r.ID] {
					t.Fatalf("%s: query %d returned deleted chunk %d", stage, i, r.ID)
				}
			}
			sameVectorRanking(t, stage+" "+f.name+" "+queries[i], exactVector(t, e, q, 10), got)
		}
	}
	compare("built", nil)

	// Delete one item's chunks and add new ones; the feed brings both.
	var gone []int64
	r, err := e.db.Pool.Query(ctx, `SELECT id FROM chunks WHERE item_id = $1`, items[1])
	if err != nil {
		t.Fatal(err)
	}
	if gone, err = pgx.CollectRows(r, pgx.RowTo[int64]); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Pool.Exec(ctx, `DELETE FROM chunks WHERE item_id = $1`, items[1]); err != nil {
		t.Fatal(err)
	}
	fresh := e.item(t, org, "file", "fresh")
	var added []lorebase.Chunk
	for i, q := range queries[:20] {
		added = append(added, lorebase.Chunk{OrganizationID: org.String(), ItemID: fresh.String(), Position: i, Content: q, Language: "en"})
	}
	e.add(t, added...)
	if err := ix.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	deleted := map[int64]bool{}
	for _, id := range gone {
		deleted[id] = true
	}
	if st := ix.Stats(); st.Vectors != int64(len(docs)-len(gone)+len(added)) {
		t.Fatalf("after the feed the index holds %d vectors, want %d", st.Vectors, len(docs)-len(gone)+len(added))
	}
	compare("after the feed", deleted)
	// Deleting a third of the organization compacted its document slots, and BM25 from the
	// renumbered index is still SQL's.
	if st := ix.Stats(); st.Tombstones != 0 {
		t.Fatalf("%d tombstones left after deleting a third of the chunks", st.Tombstones)
	}
	sqlOnly, err := New(e.db.Pool, Config{MaxPerItem: -1, FeedbackDocs: -1})
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range queries[:40] {
		q := Query{OrganizationID: org, Text: text, Language: "en", Mode: ModeLexical, K: 10}
		indexed := indexedSearches.Load()
		got, err := s.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if indexedSearches.Load() == indexed {
			t.Fatalf("lexical query %d was not answered from the index", i)
		}
		want, err := sqlOnly.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		sameRanking(t, "lexical after compaction: "+text, want, got)
	}
	// The metrics report what Stats counts.
	reg := prometheus.NewRegistry()
	reg.MustRegister(ix)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			name := mf.GetName()
			for _, l := range m.GetLabel() {
				name += "/" + l.GetValue()
			}
			got[name] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	st := ix.Stats()
	for name, want := range map[string]float64{"lorebase_index_ready": 1, "lorebase_index_vectors": float64(st.Vectors),
		"lorebase_index_chunks": float64(st.Chunks), "lorebase_index_bytes/vectors": float64(st.VectorBytes),
		"lorebase_index_vector_organizations": 1} {
		if got[name] != want {
			t.Errorf("metric %s = %g, want %g", name, got[name], want)
		}
	}
	if got["lorebase_index_searches_total/vector/index"] < float64(2*len(vecs)) {
		t.Errorf("vector searches from the index: %g, want at least %d", got["lorebase_index_searches_total/vector/index"], 2*len(vecs))
	}
	// A chunk whose text is the query is its nearest neighbour.
	for i := range added {
		got, err := s.Search(ctx, Query{OrganizationID: org, Embedding: vecs[i], EmbeddingModel: e.emb.Model(), Mode: ModeVector, K: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ItemID != fresh.String() || got[0].VectorScore < 0.999 {
			t.Fatalf("query %d: %+v, want the added chunk with its own text", i, got)
		}
	}
}

// TestVectorSetCompaction checks the slots' bookkeeping: removing most vectors compacts the set
// and the survivors keep their documents and codes.
func TestVectorSetCompaction(t *testing.T) {
	o := newOrgIndex()
	o.vecsHeld = true
	key := vecKey{model: "m", dims: 70} // two words of sign bits, the second partial
	rng := rand.New(rand.NewSource(3))
	want := map[int64][]float32{}
	for i := 0; i < 1200; i++ {
		x := make([]float32, key.dims)
		for j := range x {
			x[j] = float32(rng.NormFloat64())
		}
		doc, ok := o.addDoc(docInfo{chunkID: int64(i + 1), config: "english"}, nil)
		if !ok {
			t.Fatal("addDoc refused a new chunk")
		}
		o.addVector(doc, key, x)
		want[int64(i+1)] = x
	}
	vs := o.vecs[key]
	for i := 0; i < 1200; i += 3 {
		o.removeChunk(int64(i + 1))
		o.removeChunk(int64(i + 2))
		delete(want, int64(i+1))
		delete(want, int64(i+2))
	}
	if vs.dead >= 800 || vs.len() >= 1200 {
		t.Fatalf("no compaction: %d slots, %d dead", vs.len(), vs.dead)
	}
	live := 0
	for s, doc := range vs.docs {
		if doc == deadSlot {
			continue
		}
		live++
		d := o.docs[doc]
		if d.vset != vs || int(d.vslot) != s {
			t.Fatalf("slot %d: document %d points at slot %d", s, doc, d.vslot)
		}
		x := want[d.chunkID]
		if x == nil {
			t.Fatalf("slot %d holds deleted chunk %d", s, d.chunkID)
		}
		for j, c := range x {
			got := float32(vs.codes[s*vs.dims+j]) * vs.scale[s]
			if math.Abs(float64(got-c)) > float64(vs.scale[s])/2+1e-6 {
				t.Fatalf("chunk %d component %d: %g, stored %g", d.chunkID, j, c, got)
			}
			if bit := vs.bits[s*vs.words+j/64]>>(j%64)&1 == 1; bit != (c > 0) {
				t.Fatalf("chunk %d component %d: sign bit %v for %g", d.chunkID, j, bit, c)
			}
		}
	}
	if live != len(want) {
		t.Fatalf("%d live slots, want %d", live, len(want))
	}
	// Every survivor is its own nearest neighbour.
	for id, x := range want {
		got := vs.search(o.docs, x, lexFilter{}, 0, 1)
		if len(got) != 1 || got[0] != id {
			t.Fatalf("chunk %d: nearest %v", id, got)
		}
	}
}

// TestDecodeVector checks the binary format reader against pgvector-go's encoder.
func TestDecodeVector(t *testing.T) {
	in := []float32{1.5, -2, 0, float32(math.Pi)}
	b, err := pgvector.NewVector(in).EncodeBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := decodeVector(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		if in[i] != out[i] {
			t.Fatalf("component %d: %g, want %g", i, out[i], in[i])
		}
	}
	if _, err := decodeVector(b[:len(b)-1], nil); err == nil {
		t.Fatal("a truncated value was accepted")
	}
}

// benchVectorEnv sets BenchmarkVectorScan's organization size (default 100000).
const benchVectorEnv = "LOREBASE_BENCH_VECTORS"

// embeddedCorpus is the benchmark corpus of n chunks embedded by the offline embedder (the
// chunks' vectors and the queries'), with an empty organization index that holds vectors of
// that embedder's key.
func embeddedCorpus(tb testing.TB, n int) (base, queries [][]float32, o *orgIndex, key vecKey) {
	c := generateBenchCorpus(n, []float64{1})
	emb := offline.NewEmbedder(storetest.VectorDims)
	o = newOrgIndex()
	o.vecsHeld = true
	return embedParallel(tb, emb, c.texts), embedParallel(tb, emb, c.queryTexts), o,
		vecKey{model: offline.ModelName, dims: storetest.VectorDims}
}

// BenchmarkVectorScan times the in-process vector leg alone (no database) on one organization:
// 20,000 offline-embedded chunks of the benchmark corpus, repeated with random sign flips of
// whole vectors' components up to the size asked (the copies keep the hashed vectors' sparsity
// and spread), and the benchmark's queries. It reports the Hamming pass and the rescoring
// together, as a search runs them (GOMAXPROCS goroutines from 32,768 vectors).
//
//	LOREBASE_BENCH_VECTORS=1000000 go test ./retrieval -run '^$' -bench VectorScan
func BenchmarkVectorScan(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv(benchVectorEnv)); err == nil && v > 0 {
		n = v
	}
	base, qv, o, key := embeddedCorpus(b, 20_000)
	rng := rand.New(rand.NewSource(5))
	x := make([]float32, key.dims)
	for i := 0; i < n; i++ {
		src := base[i%len(base)]
		copy(x, src)
		if i >= len(base) {
			for j := range x {
				if rng.Intn(2) == 0 {
					x[j] = -x[j]
				}
			}
		}
		doc, _ := o.addDoc(docInfo{chunkID: int64(i + 1), config: "english"}, nil)
		o.addVector(doc, key, x)
	}
	vs := o.vecs[key]
	vs.trim()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		vs.search(o.docs, qv[i%len(qv)], lexFilter{}, 0, vectorRescoreFor(CandidatesFor(benchK)))
	}
	b.ReportMetric(float64(vs.bytes())/float64(n), "bytes/vector")
}

// TestVectorIndexDisabled checks the bound's fallback: an Index that holds no vectors
// (MaxVectorBytes < 0) still answers BM25 in process, and vector searches go to pgvector's HNSW
// in the same pipeline with the same results as without an index.
func TestVectorIndexDisabled(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	org := e.org(t)
	item := e.item(t, org, "file", "x")
	var rows []lorebase.Chunk
	for i, text := range []string{"gas cells of a zeppelin", "checking the engines weekly", "mooring masts and ground crews", "hydrogen and helium lift"} {
		rows = append(rows, lorebase.Chunk{OrganizationID: org.String(), ItemID: item.String(), Position: i, Content: text, Language: "en"})
	}
	e.add(t, rows...)
	ix, err := NewIndex(e.db.Pool, IndexConfig{MaxVectorBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	runIndex(t, ix)
	waitFor(t, 30*time.Second, "index ready", ix.Ready)
	if st := ix.Stats(); st.Vectors != 0 || st.VectorOrgs != 0 || st.Chunks != 4 {
		t.Fatalf("stats %+v: want 4 chunks and no vectors", st)
	}
	s, err := New(e.db.Pool, Config{Index: ix})
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{ModeVector, ModeHybrid} {
		q := Query{OrganizationID: org, Text: "zeppelin lift", Language: "en", Mode: mode, K: 4}
		v, err := e.emb.Embed(ctx, []string{q.Text})
		if err != nil {
			t.Fatal(err)
		}
		q.Embedding, q.EmbeddingModel = v[0], e.emb.Model()
		fallback := vectorFallbackSearches.Load()
		got, err := s.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if vectorFallbackSearches.Load() == fallback {
			t.Fatalf("%s: the vector leg did not run through pgvector", mode)
		}
		want := e.search(t, q)
		if len(got) != len(want) {
			t.Fatalf("%s: %d results, want %d", mode, len(got), len(want))
		}
		for i := range want {
			if got[i].ID != want[i].ID || math.Abs(got[i].VectorScore-want[i].VectorScore) > 1e-9 {
				t.Fatalf("%s rank %d: chunk %d (%.9f), want %d (%.9f)", mode, i+1, got[i].ID, got[i].VectorScore, want[i].ID, want[i].VectorScore)
			}
		}
	}
}

// TestVectorSearchParallelIsSerial checks that spreading the vector leg over goroutines changes
// nothing: on an organization large enough for both passes to run in parallel (with deleted
// slots, documents the filters exclude, and duplicated vectors whose equal similarities only the
// chunk id orders across the ranges' heaps), every query returns the same chunks in the same
// order with 1 goroutine as with 2, 3 and 7, at the default shortlist and at one large enough
// for the parallel rescoring.
func TestVectorSearchParallelIsSerial(t *testing.T) {
	t.Parallel()
	base, qv, o, key := embeddedCorpus(t, 4000)
	rng := rand.New(rand.NewSource(9))
	assistant := uuid.New()
	const n = vectorParallelMin + 7001 // not a multiple of any goroutine count
	// The vectors on either side of each goroutine's range boundary are queries too: an
	// off-by-one at a boundary loses exactly the vector such a query must find.
	boundary := map[int][]float32{0: nil, n - 1: nil}
	for _, procs := range []int{2, 3, 7} {
		step := (n + procs - 1) / procs
		for p := 1; p < procs; p++ {
			boundary[p*step-1], boundary[p*step] = nil, nil
		}
	}
	for i := 0; i < n; i++ {
		x := make([]float32, key.dims)
		copy(x, base[i%len(base)])
		if i >= len(base) && i%3 != 0 { // every third copy stays an exact duplicate
			for j := range x {
				if rng.Intn(2) == 0 {
					x[j] = -x[j]
				}
			}
		}
		d := docInfo{chunkID: int64(i + 1), config: "english", qa: i%5 == 0}
		if i%11 == 0 {
			d.assistants = []uuid.UUID{uuid.New()}
		}
		doc, _ := o.addDoc(d, nil)
		o.addVector(doc, key, x)
		if _, ok := boundary[i]; ok {
			boundary[i] = x
		}
	}
	queries := qv[:40]
	for i := 0; i < n; i++ {
		if x := boundary[i]; x != nil {
			queries = append(queries, x)
		}
	}
	for i := 1; i < n; i += 13 {
		o.removeChunk(int64(i + 1))
	}
	vs := o.vecs[key]
	if vs.dead == 0 || vs.len() < vectorParallelMin {
		t.Fatalf("%d slots, %d dead: the set must be large and hold tombstones", vs.len(), vs.dead)
	}
	keep := vectorRescoreFor(CandidatesFor(benchK))
	filters := []lexFilter{{}, {assistant: assistant}, {qaOnly: true}, {textOnly: true}}
	compared := 0
	for _, shortlist := range []int{0, 2 * vectorParallelRescore} {
		for qi, q := range queries {
			f := filters[qi%len(filters)]
			// The parallel searches run first: the pooled first-pass buffer then holds another
			// query's distances, so a slot a range skips cannot pass with the right value.
			procs := []int{7, 3, 2}
			got := make([][]int64, len(procs))
			for i, p := range procs {
				got[i] = vs.searchOn(o.docs, q, f, shortlist, keep, p)
			}
			want := vs.searchOn(o.docs, q, f, shortlist, keep, 1)
			if len(want) != keep {
				t.Fatalf("query %d: %d results, want %d", qi, len(want), keep)
			}
			for i, p := range procs {
				if !slices.Equal(got[i], want) {
					t.Fatalf("shortlist %d, query %d, filter %+v, %d goroutines:\n got %v\nwant %v", shortlist, qi, f, p, got[i], want)
				}
				compared++
			}
		}
	}
	t.Logf("%d parallel searches equal to the serial one", compared)
}

// TestConcurrentLegsSameAnswers checks that running the lexical leg beside the vector leg (the
// path of organizations past vectorConcurrentMin vectors, taken here on a small one) returns
// exactly what the sequential path returns: same chunks, same order, same scores, in hybrid,
// lexical and vector mode, with and without filters, and that each path was the one taken.
func TestConcurrentLegsSameAnswers(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	org := e.org(t)
	assistant := uuid.New()
	items := []uuid.UUID{e.item(t, org, "file", "open"), e.item(t, org, "file", "restricted", assistant)}
	c := generateBenchCorpus(3000, []float64{1})
	var rows []lorebase.Chunk
	for i, text := range c.texts {
		kind := lorebase.ChunkText
		if i%5 == 0 {
			kind = lorebase.ChunkQA
		}
		rows = append(rows, lorebase.Chunk{OrganizationID: org.String(), ItemID: items[i%2].String(), Position: i, Content: text, Language: "en", Kind: kind})
	}
	e.add(t, rows...)
	ix := e.builtIndex(t, IndexConfig{})
	runIndex(t, ix)
	serial, err := New(e.db.Pool, Config{Index: ix})
	if err != nil {
		t.Fatal(err)
	}
	concurrent, err := New(e.db.Pool, Config{Index: ix, concurrentLegsMin: 1})
	if err != nil {
		t.Fatal(err)
	}
	vecs, err := e.emb.Embed(ctx, c.queryTexts)
	if err != nil {
		t.Fatal(err)
	}
	modes := []string{ModeHybrid, ModeHybrid, ModeLexical, ModeVector}
	for i, text := range c.queryTexts[:120] {
		q := Query{OrganizationID: org, Text: text, Language: "en", Embedding: vecs[i], EmbeddingModel: e.emb.Model(),
			Mode: modes[i%len(modes)], K: 10}
		if i%3 == 1 {
			q.AssistantID = assistant
		}
		if i%7 == 2 {
			q.Kinds = []lorebase.ChunkKind{lorebase.ChunkQA}
		}
		before := concurrentLegSearches.Load()
		want, err := serial.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if concurrentLegSearches.Load() != before {
			t.Fatalf("query %d: the default path ran the legs side by side on a %d-chunk organization", i, len(rows))
		}
		got, err := concurrent.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if side := concurrentLegSearches.Load() != before; side != (q.Mode == ModeHybrid) {
			t.Fatalf("query %d (%s): legs side by side %v", i, q.Mode, side)
		}
		if len(want) == 0 || len(got) != len(want) {
			t.Fatalf("query %d (%s): %d results side by side, %d in sequence", i, q.Mode, len(got), len(want))
		}
		for j := range want {
			w, g := want[j], got[j]
			if g.ID != w.ID || g.Score != w.Score || g.LexicalScore != w.LexicalScore || g.VectorScore != w.VectorScore {
				t.Fatalf("query %d (%s) rank %d: side by side %d (%g, lexical %g, vector %g), in sequence %d (%g, lexical %g, vector %g)",
					i, q.Mode, j, g.ID, g.Score, g.LexicalScore, g.VectorScore, w.ID, w.Score, w.LexicalScore, w.VectorScore)
			}
		}
	}
}

// builtIndex returns an index built from the test database's current contents.
func (e *env) builtIndex(t *testing.T, cfg IndexConfig) *Index {
	t.Helper()
	ix, err := NewIndex(e.db.Pool, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Build(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ix
}

// runIndex runs ix's feed loop until the test ends.
func runIndex(t *testing.T, ix *Index) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = ix.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}
