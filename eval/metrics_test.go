package eval

import (
	"math"
	"testing"
	"time"

	"github.com/lorebase/lorebase/eval/rank"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-4 }

// The expected values are computed by hand in the comments.
func TestRankingMetrics(t *testing.T) {
	t.Parallel()
	rel := set([]string{"b", "d"})
	ranked := []string{"a", "b", "c", "d"}
	for _, tc := range []struct {
		name string
		got  float64
		want float64
	}{
		// DCG = 1/log2(3) + 1/log2(5) = 0.63093 + 0.43068 = 1.06161; ideal = 1 + 0.63093.
		{"ndcg@10", rank.NDCG(ranked, rel, 10), 1.06161 / 1.63093},
		// Only b in the top 2: 0.63093 / 1.63093.
		{"ndcg@2", rank.NDCG(ranked, rel, 2), 0.63093 / 1.63093},
		{"ndcg with nothing relevant", rank.NDCG(ranked, set(nil), 10), 0},
		{"ndcg perfect", rank.NDCG([]string{"d", "b", "a"}, rel, 10), 1},
		// One relevant document of one: the ideal list is only 1 long.
		{"ndcg single relevant at 3", rank.NDCG([]string{"x", "y", "b"}, set([]string{"b"}), 10), 0.5},
		{"mrr@10", rank.MRR(ranked, rel, 10), 0.5},
		{"mrr@1", rank.MRR(ranked, rel, 1), 0},
		{"recall@1", rank.Recall(ranked, rel, 1), 0},
		{"recall@2", rank.Recall(ranked, rel, 2), 0.5},
		{"recall@100", rank.Recall(ranked, rel, 100), 1},
		{"hit@1", rank.Hit(ranked, rel, 1), 0},
		{"hit@2", rank.Hit(ranked, rel, 2), 1},
	} {
		if !near(tc.got, tc.want) {
			t.Errorf("%s = %.5f, want %.5f", tc.name, tc.got, tc.want)
		}
	}
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	var ds []time.Duration
	for i := 10; i >= 1; i-- { // unsorted on purpose
		ds = append(ds, time.Duration(i)*10*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 95: 100 * time.Millisecond, 99: 100 * time.Millisecond, 10: 10 * time.Millisecond, 0: 10 * time.Millisecond} {
		if got := Percentile(ds, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("percentile of nothing should be 0")
	}
}
