package answermetric

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"The Denver Broncos!":       "denver broncos",
		"  An   Apple, (the) pie's": "apple pies",
		"theory of a thing":         "theory of thing",
		"Äpfel, Birnen – und $5":    "äpfel birnen und 5",
		"":                          "",
		"东京塔，高333米。":                "东 京 塔 高 333 米",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
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
		// Chinese counts characters: 京 塔 of 东 京 塔 gives P 1, R 2/3, F1 0.8; 它 是 东 京 塔
		// holds all three of five: P 3/5, R 1, F1 0.75.
		{"京塔", []string{"东京塔"}, 0, 0.8, 0},
		{"它是东京塔。", []string{"东京塔"}, 0, 0.75, 1},
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
