package retrieval

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lorebase/lorebase"
)

// pruningCorpus loads TestBM25PruningIsExact's corpus into a new organization: 400 chunks of 30
// words, a third of them one of three common words, every fifth chunk a Q&A pair. The tables
// are then analyzed, as autovacuum does to a production database soon after a load: the
// planner's choices change with statistics, and a statement that is only right under some
// plans must fail here (the full path's LIMIT over a join that lost its order did, until every
// LIMIT had its ORDER BY; before the ANALYZE the test passed by luck of the plan and failed
// when autovacuum's analyze came first).
func pruningCorpus(t *testing.T, e *env, rng *rand.Rand) uuid.UUID {
	t.Helper()
	o := e.org(t)
	item := e.item(t, o, "file", "x")
	common := []string{"alpha", "bravo", "charlie"}
	var rows []lorebase.Chunk
	for i := 0; i < 400; i++ {
		var words []string
		for j := 0; j < 30; j++ {
			if rng.Intn(3) == 0 {
				words = append(words, common[rng.Intn(len(common))])
			} else {
				words = append(words, fmt.Sprintf("w%d", rng.Intn(300)))
			}
		}
		kind := lorebase.ChunkText
		if i%5 == 0 {
			kind = lorebase.ChunkQA
		}
		rows = append(rows, lorebase.Chunk{OrganizationID: o.String(), ItemID: item.String(), Position: i, Content: strings.Join(words, " "), Language: "en", Kind: kind})
	}
	e.add(t, rows...)
	if _, err := e.db.Pool.Exec(context.Background(), `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	return o
}

// TestBM25PruningIsExact compares the pruned lexical list (a tiny essential budget, so common
// terms are scored on candidates only, and the fallback when pruning cannot prove the list)
// with scoring every posting (a budget larger than any postings list), on a corpus where a few
// words are in most chunks, with and without filters, without and with pseudo-relevance
// feedback (whose second pass is a weighted query of up to 25 terms, most of them common).
func TestBM25PruningIsExact(t *testing.T) {
	t.Parallel()
	e := setup(t)
	rng := rand.New(rand.NewSource(7))
	org := pruningCorpus(t, e, rng)
	before := bm25FullScans.Load()
	searches := 0
	for _, fb := range []int{-1, FeedbackDocsOn} {
		full, err := New(e.db.Pool, Config{Candidates: 20, FeedbackDocs: fb})
		if err != nil {
			t.Fatal(err)
		}
		full.budget = 1 << 30
		pruned, err := New(e.db.Pool, Config{Candidates: 20, FeedbackDocs: fb})
		if err != nil {
			t.Fatal(err)
		}
		pruned.budget = 40
		for i := 0; i < 60; i++ {
			text := fmt.Sprintf("w%d w%d alpha bravo charlie", rng.Intn(300), rng.Intn(300))
			if i%10 == 0 {
				text = "alpha bravo" // only common terms
			}
			q := Query{OrganizationID: org, Text: text, Language: "en", Mode: ModeLexical, K: 20}
			if i%3 == 0 {
				q.Kinds = []lorebase.ChunkKind{lorebase.ChunkQA}
			}
			// Same scores rank by rank and the same chunks above the last score; chunks whose
			// scores are equal up to float summation order may come in either order.
			sameRanking(t, fmt.Sprintf("%q feedback %d (pruned vs full)", text, fb), e.searchWith(t, full, q), e.searchWith(t, pruned, q))
			searches += 2
		}
	}
	t.Logf("%d of %d searches scored every posting", bm25FullScans.Load()-before, searches)
}

// TestBM25WeightedPruningIsExact checks both pruned scorers with weighted terms, as pseudo-
// relevance feedback sends them: weights above and below 1, a term listed twice (it counts once,
// with its larger weight), terms no chunk holds, zero weights (ignored). The SQL statement with
// a tiny essential budget, the in-process block-max index and SQL scoring every posting must
// return the same list.
func TestBM25WeightedPruningIsExact(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	rng := rand.New(rand.NewSource(11))
	org := pruningCorpus(t, e, rng)
	ix, err := NewIndex(e.db.Pool, IndexConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Build(ctx); err != nil {
		t.Fatal(err)
	}
	oi := ix.org(org)
	full, err := New(e.db.Pool, Config{})
	if err != nil {
		t.Fatal(err)
	}
	full.budget = 1 << 30
	pruned, err := New(e.db.Pool, Config{})
	if err != nil {
		t.Fatal(err)
	}
	pruned.budget = 40
	sqlList := func(s *Searcher, q Query, wt weightedTerms, limit int) []scored {
		t.Helper()
		st, err := s.stats.get(ctx, s.db, org)
		if err != nil {
			t.Fatal(err)
		}
		b := &pgx.Batch{}
		s.queueLexical(b, q, st, limit, wt)
		br := s.db.SendBatch(ctx, b)
		defer br.Close()
		list, _, err := readLexical(br, st)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	asResults := func(l []scored) []Result {
		out := make([]Result, len(l))
		for i, c := range l {
			out[i].ID, out[i].LexicalScore = c.chunkID, c.score
		}
		return out
	}
	vocab := []string{"alpha", "bravo", "charli", "absent"}
	for i := 0; i < 300; i += 7 {
		vocab = append(vocab, fmt.Sprintf("w%d", i))
	}
	for i := 0; i < 80; i++ {
		var wt weightedTerms
		for n := 2 + rng.Intn(24); n > 0; n-- {
			w := []float64{0, 0.01, 0.07, 0.3, 0.5, 1, 1, 1.6, 2.9}[rng.Intn(9)]
			wt.terms = append(wt.terms, vocab[rng.Intn(len(vocab))])
			wt.weights = append(wt.weights, w)
		}
		q := Query{OrganizationID: org, Language: "en", Mode: ModeLexical}
		if i%3 == 0 {
			q.Kinds = []lorebase.ChunkKind{lorebase.ChunkQA}
		}
		limit := []int{1, 10, 20, 50}[i%4]
		label := fmt.Sprintf("%v %v limit %d kinds %v", wt.terms, wt.weights, limit, q.Kinds)
		want := sqlList(full, q, wt, limit)
		sameRanking(t, label+" (pruned SQL vs full)", asResults(want), asResults(sqlList(pruned, q, wt, limit)))
		oi.mu.RLock()
		got := oi.search(wt.terms, wt.weights, newLexFilter(q), limit, full.cfg.K1, full.cfg.B, nil)
		oi.mu.RUnlock()
		sameRanking(t, label+" (index vs full SQL)", asResults(want), asResults(got))
	}
}
