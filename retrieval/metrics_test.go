package retrieval

import (
	"math"
	"testing"
)

// Ranking metrics with binary relevance, for the quality tests. ranked is best first.

// ndcgAt is DCG@k (gain 1/log2(rank+1) per relevant hit) over the ideal DCG@k.
func ndcgAt(ranked []int64, relevant map[int64]bool, k int) float64 {
	var dcg, ideal float64
	for i := 0; i < k && i < len(ranked); i++ {
		if relevant[ranked[i]] {
			dcg += 1 / math.Log2(float64(i)+2)
		}
	}
	for i := 0; i < k && i < len(relevant); i++ {
		ideal += 1 / math.Log2(float64(i)+2)
	}
	if ideal == 0 {
		return 0
	}
	return dcg / ideal
}

// recallAt is the share of relevant items found in the top k.
func recallAt(ranked []int64, relevant map[int64]bool, k int) float64 {
	if len(relevant) == 0 {
		return 0
	}
	hits := 0
	for i := 0; i < k && i < len(ranked); i++ {
		if relevant[ranked[i]] {
			hits++
		}
	}
	return float64(hits) / float64(len(relevant))
}

// mrrAt is 1/rank of the first relevant item in the top k, 0 when none is.
func mrrAt(ranked []int64, relevant map[int64]bool, k int) float64 {
	for i := 0; i < k && i < len(ranked); i++ {
		if relevant[ranked[i]] {
			return 1 / float64(i+1)
		}
	}
	return 0
}

func TestMetrics(t *testing.T) {
	rel := func(ids ...int64) map[int64]bool {
		m := map[int64]bool{}
		for _, id := range ids {
			m[id] = true
		}
		return m
	}
	for _, tc := range []struct {
		name              string
		ranked            []int64
		relevant          map[int64]bool
		k                 int
		ndcg, recall, mrr float64
	}{
		{"first", []int64{7, 1, 2}, rel(7), 10, 1, 1, 1},
		// one relevant at rank 3: DCG = 1/log2(4) = 0.5, ideal 1
		{"third", []int64{1, 2, 7}, rel(7), 10, 0.5, 1, 1.0 / 3},
		{"beyond k", []int64{1, 2, 7}, rel(7), 2, 0, 0, 0},
		{"absent", []int64{1, 2, 3}, rel(7), 10, 0, 0, 0},
		{"empty ranking", nil, rel(7), 10, 0, 0, 0},
		// relevant {1, 9} found at ranks 2 and 4: DCG = 1/log2(3) + 1/log2(5) = 0.63093 + 0.43068
		// = 1.06161; ideal = 1 + 0.63093 = 1.63093; nDCG = 0.65093
		{"two relevant", []int64{5, 1, 6, 9}, rel(1, 9), 10, 0.650929, 1, 0.5},
		// only one of two relevant in the top 3
		{"half recall", []int64{1, 5, 6, 9}, rel(1, 9), 3, 1 / 1.63093, 0.5, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			near := func(a, b float64) bool { return math.Abs(a-b) < 1e-4 }
			if got := ndcgAt(tc.ranked, tc.relevant, tc.k); !near(got, tc.ndcg) {
				t.Errorf("nDCG@%d = %.5f, want %.5f", tc.k, got, tc.ndcg)
			}
			if got := recallAt(tc.ranked, tc.relevant, tc.k); !near(got, tc.recall) {
				t.Errorf("recall@%d = %.5f, want %.5f", tc.k, got, tc.recall)
			}
			if got := mrrAt(tc.ranked, tc.relevant, tc.k); !near(got, tc.mrr) {
				t.Errorf("MRR@%d = %.5f, want %.5f", tc.k, got, tc.mrr)
			}
		})
	}
}
