package eval

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
)

var (
	articles = regexp.MustCompile(`\b(a|an|the)\b`)
)

// NormalizeAnswer is the SQuAD v1.1 normalisation: lower case, drop punctuation, drop the
// English articles a, an and the, collapse white space. Punctuation is every Unicode
// punctuation rune (the official script strips ASCII punctuation only; XQuAD's other
// languages need the wider class, and on ASCII text the two agree).
func NormalizeAnswer(s string) string {
	s = strings.ToLower(s)
	s = strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || (r < 128 && unicode.IsSymbol(r)) {
			return -1
		}
		return r
	}, s)
	s = articles.ReplaceAllString(s, " ")
	return strings.Join(strings.Fields(s), " ")
}

// ExactMatch is 1 when the normalised prediction equals a normalised gold answer.
func ExactMatch(prediction string, golds []string) float64 {
	p := NormalizeAnswer(prediction)
	for _, g := range golds {
		if p == NormalizeAnswer(g) {
			return 1
		}
	}
	return 0
}

// F1 is the best token F1 of the prediction against the gold answers, on normalised tokens
// counted as a multiset (SQuAD v1.1).
func F1(prediction string, golds []string) float64 {
	best := 0.0
	pred := strings.Fields(NormalizeAnswer(prediction))
	for _, g := range golds {
		best = max(best, tokenF1(pred, strings.Fields(NormalizeAnswer(g))))
	}
	return best
}

func tokenF1(pred, gold []string) float64 {
	if len(pred) == 0 || len(gold) == 0 {
		if len(pred) == len(gold) {
			return 1
		}
		return 0
	}
	counts := make(map[string]int, len(gold))
	for _, t := range gold {
		counts[t]++
	}
	common := 0
	for _, t := range pred {
		if counts[t] > 0 {
			counts[t]--
			common++
		}
	}
	if common == 0 {
		return 0
	}
	precision := float64(common) / float64(len(pred))
	recall := float64(common) / float64(len(gold))
	return 2 * precision * recall / (precision + recall)
}

// Contains is 1 when a normalised gold answer occurs in the normalised prediction, on token
// boundaries: extractive replies quote a sentence, so exact match undersells them.
func Contains(prediction string, golds []string) float64 {
	p := " " + NormalizeAnswer(prediction) + " "
	for _, g := range golds {
		if n := NormalizeAnswer(g); n != "" && strings.Contains(p, " "+n+" ") {
			return 1
		}
	}
	return 0
}

// Percentile is the nearest-rank percentile (p in 0..100) of the durations, 0 when empty.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}
