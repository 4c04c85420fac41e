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

func TestNormalizeAnswer(t *testing.T) {
	for in, want := range map[string]string{
		"The Denver Broncos!":       "denver broncos",
		"  An   Apple, (the) pie's": "apple pies",
		"theory of a thing":         "theory of thing",
		"Äpfel, Birnen – und $5":    "äpfel birnen und 5",
		"":                          "",
	} {
		if got := NormalizeAnswer(in); got != want {
			t.Errorf("NormalizeAnswer(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAnswerMetrics(t *testing.T) {
	for _, tc := range []struct {
		pred             string
		golds            []string
		em, f1, contains float64
	}{
		{"The Denver Broncos!", []string{"Denver Broncos"}, 1, 1, 1},
		// pred tokens broncos, of, denver, won; gold denver, broncos: common 2, P 2/4, R 2/2,
		// F1 = 2·0.5·1/1.5.
		{"the Broncos of Denver won", []string{"Denver Broncos"}, 0, 2.0 / 3, 0},
		// Multisets: x x y against x y y share one x and one y: P = R = 2/3.
		{"x x y", []string{"x y y"}, 0, 2.0 / 3, 0},
		// The best gold answer counts: "gravity" gives P 1/3, R 1, F1 0.5; the long one none.
		{"gravity of Moon", []string{"tides and currents", "gravity"}, 0, 0.5, 1},
		// 7 tokens (they won in 2016 at levis stadium), both gold tokens among them: P 2/7, R 1,
		// F1 = (4/7)/(9/7) = 4/9.
		{"They won in 2016 at Levi's Stadium.", []string{"Levi's Stadium"}, 0, 4.0 / 9, 1},
		{"no overlap", []string{"something else"}, 0, 0, 0},
		{"", []string{"answer"}, 0, 0, 0},
	} {
		if got := ExactMatch(tc.pred, tc.golds); got != tc.em {
			t.Errorf("ExactMatch(%q) = %v, want %v", tc.pred, got, tc.em)
		}
		if got := F1(tc.pred, tc.golds); !near(got, tc.f1) {
			t.Errorf("F1(%q) = %.4f, want %.4f", tc.pred, got, tc.f1)
		}
		if got := Contains(tc.pred, tc.golds); got != tc.contains {
			t.Errorf("Contains(%q) = %v, want %v", tc.pred, got, tc.contains)
		}
	}
}

func TestPercentile(t *testing.T) {
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
