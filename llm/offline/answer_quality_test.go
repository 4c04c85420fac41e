package offline

import (
	"strings"
	"testing"

	"github.com/lorebase/lorebase/eval/answermetric"
	"github.com/lorebase/lorebase/internal/xquad"
	"github.com/lorebase/lorebase/llm"
)

type answerScores struct{ f1, hit, answered, falseAnswered float64 }

func evalAnswers(a *Answerer, set xquad.Set) answerScores {
	var s answerScores
	for _, q := range set.Questions {
		gold := []llm.Passage{{N: 1, Text: set.Paragraphs[q.Paragraph]}}
		ext := a.Extract(q.Text, gold)
		var texts []string
		for _, st := range ext.Sentences {
			texts = append(texts, st.Text)
		}
		pred := strings.Join(texts, " ")
		if pred != "" {
			s.answered++
		}
		// SQuAD token F1 (Chinese per character, as MLQA) and whether an answer is quoted.
		s.f1 += answermetric.F1(pred, q.Answers)
		s.hit += answermetric.Contains(pred, q.Answers)
		// An unrelated paragraph (another article, far away in the file) should mostly be refused.
		other := set.Paragraphs[(q.Paragraph+len(set.Paragraphs)/2)%len(set.Paragraphs)]
		if a.Extract(q.Text, []llm.Passage{{N: 1, Text: other}}).Text != "" {
			s.falseAnswered++
		}
	}
	n := float64(len(set.Questions))
	return answerScores{s.f1 / n, s.hit / n, s.answered / n, s.falseAnswered / n}
}

// TestAnswererXQuAD gives the answerer the gold paragraph as the only passage. Token F1 is low
// by construction (a sentence against a span of a few words); the answer-in-quote rate and the
// refusal rate on an unrelated paragraph say more. Floors sit a few points under measurements.
func TestAnswererXQuAD(t *testing.T) {
	t.Parallel()
	floors := map[string]answerScores{
		"en": {f1: 0.13, hit: 0.835, answered: 0.90}, // measured 0.144, 0.843, 0.944 (hit 0.831 before answer-type preferences)
		"de": {f1: 0.12, hit: 0.77, answered: 0.86},  // measured 0.138, 0.777, 0.909 (hit 0.768 before)
		"es": {f1: 0.13, hit: 0.82, answered: 0.89},  // measured 0.147, 0.825, 0.935 (hit 0.816 before)
		"ru": {f1: 0.12, hit: 0.75, answered: 0.87},  // measured 0.148, 0.794, 0.909
		"zh": {f1: 0.13, hit: 0.76, answered: 0.84},  // measured 0.154, 0.804, 0.886
	}
	a := NewAnswerer(AnswererConfig{})
	for _, lang := range []string{"en", "de", "es", "ru", "zh"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			if lang != "en" && lang != "de" && testing.Short() {
				t.Skip("more languages; skipped in -short")
			}
			set := xquad.Load(t, lang)
			got := evalAnswers(a, set)
			t.Logf("%s: token F1 %.3f, answer inside quote %.3f, answered %.3f, answered from unrelated paragraph %.3f",
				lang, got.f1, got.hit, got.answered, got.falseAnswered)
			if floor := floors[lang]; got.f1 < floor.f1 || got.hit < floor.hit || got.answered < floor.answered || got.falseAnswered > 0.06 {
				t.Errorf("answers below floor: got %+v, want at least %+v", got, floor)
			}
		})
	}
}
