// Package answermetric scores an answer against gold answers the way SQuAD v1.1 does (exact
// match, token F1 over a multiset), plus "contains", which suits quoting answerers. It is
// shared by the evaluation command and the answer-quality tests of the offline answerer.
package answermetric

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/lorebase/lorebase/textkit"
)

var articles = regexp.MustCompile(`\b(a|an|the)\b`)

// Normalize is the SQuAD v1.1 normalisation: lower case, drop punctuation, drop the English
// articles a, an and the, collapse white space. Punctuation is every Unicode punctuation rune
// (the official script strips ASCII punctuation only; XQuAD's other languages need the wider
// class, and on ASCII text the two agree). Chinese, Japanese and Korean characters become
// tokens of their own, as MLQA scores them, since those scripts do not separate words.
func Normalize(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.IsPunct(r) || (r < 128 && unicode.IsSymbol(r)):
		case textkit.IsCJK(r):
			b.WriteByte(' ')
			b.WriteRune(r)
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	s = articles.ReplaceAllString(b.String(), " ")
	return strings.Join(strings.Fields(s), " ")
}

// ExactMatch is 1 when the normalised prediction equals a normalised gold answer.
func ExactMatch(prediction string, golds []string) float64 {
	p := Normalize(prediction)
	for _, g := range golds {
		if p == Normalize(g) {
			return 1
		}
	}
	return 0
}

// F1 is the best token F1 of the prediction against the gold answers, on normalised tokens
// counted as a multiset.
func F1(prediction string, golds []string) float64 {
	best := 0.0
	pred := strings.Fields(Normalize(prediction))
	for _, g := range golds {
		best = max(best, tokenF1(pred, strings.Fields(Normalize(g))))
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
	p := " " + Normalize(prediction) + " "
	for _, g := range golds {
		if n := Normalize(g); n != "" && strings.Contains(p, " "+n+" ") {
			return 1
		}
	}
	return 0
}
