package retrieval

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/lorebase/lorebase"
)

// TestBM25PruningIsExact compares the pruned lexical list (a tiny essential budget, so common
// terms are scored on candidates only, and the fallback when pruning cannot prove the list)
// with scoring every posting (a budget larger than any postings list), on a corpus where a few
// words are in most chunks, with and without filters.
func TestBM25PruningIsExact(t *testing.T) {
	t.Parallel()
	e := setup(t)
	org := e.org(t)
	item := e.item(t, org, "file", "x")
	rng := rand.New(rand.NewSource(7))
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
		rows = append(rows, lorebase.Chunk{OrganizationID: org.String(), ItemID: item.String(), Position: i, Content: strings.Join(words, " "), Language: "en", Kind: kind})
	}
	e.add(t, rows...)
	full, err := New(e.db.Pool, Config{Candidates: 20})
	if err != nil {
		t.Fatal(err)
	}
	full.budget = 1 << 30
	pruned, err := New(e.db.Pool, Config{Candidates: 20})
	if err != nil {
		t.Fatal(err)
	}
	pruned.budget = 40
	before := bm25FullScans.Load()
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
		sameRanking(t, fmt.Sprintf("%q (pruned vs full)", text), e.searchWith(t, full, q), e.searchWith(t, pruned, q))
	}
	t.Logf("%d of 120 searches scored every posting", bm25FullScans.Load()-before)
}
