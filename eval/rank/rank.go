// Package rank holds ranking metrics with binary relevance, shared by the evaluation command
// and the retrieval package's quality tests. It imports only the standard library.
package rank

import "math"

// Ranking metrics with binary relevance. ranked holds document ids, best first, without
// duplicates; relevant is the set of relevant ids.

// NDCG is DCG@k (gain 1/log2(rank+1) per relevant hit) over the ideal DCG@k.
func NDCG[T comparable](ranked []T, relevant map[T]bool, k int) float64 {
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

// Recall is the share of the relevant ids found in the top k.
func Recall[T comparable](ranked []T, relevant map[T]bool, k int) float64 {
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

// MRR is 1/rank of the first relevant id in the top k, 0 when there is none.
func MRR[T comparable](ranked []T, relevant map[T]bool, k int) float64 {
	for i := 0; i < k && i < len(ranked); i++ {
		if relevant[ranked[i]] {
			return 1 / float64(i+1)
		}
	}
	return 0
}

// Hit is 1 when any relevant id is in the top k.
func Hit[T comparable](ranked []T, relevant map[T]bool, k int) float64 {
	if MRR(ranked, relevant, k) > 0 {
		return 1
	}
	return 0
}
