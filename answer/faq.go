package answer

import (
	"math"
	"sort"
	"sync"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/retrieval"
	"github.com/lorebase/lorebase/textkit"
	"github.com/lorebase/lorebase/wordnet"
)

// FAQ matching defaults, calibrated on the StackFAQ dev set (../shared/data/faq-dev: tuned on
// its first half of paraphrased queries plus testdata/eval/faq-unrelated.jsonl, checked on the
// second half) with the offline embedder; see the README's Evaluation section for the figures.
const (
	FAQCandidatesDefault = 20  // curated pairs the FAQ search returns
	SynonymWeightDefault = 0.5 // a WordNet synonym counts this much of an exact word
	// A candidate ranks by its normalised retrieval score plus FAQQuestionWeight times its
	// question similarity (P@1 0.789 → 0.800 on faq-dev over the retrieval score alone).
	FAQQuestionWeight = 1.0
	// The decision compares question similarity plus FAQVectorWeight times the cosine
	// similarity of the question embeddings with FAQThresholdDefault (and the pair must top the
	// answer's passages): precision 0.928, recall 0.498 on the tuning half, 0.944 and 0.652 on
	// the other, no unrelated question matched; testdata/eval/kb 0.9 and 1.0.
	FAQVectorWeight     = 0.5
	FAQThresholdDefault = 0.4
)

// FAQCandidate is one curated pair considered for a question, with why it ranks where it does.
type FAQCandidate struct {
	Result   retrieval.Result
	Question float64 // similarity of the asked question and the pair's question, 0..1
	Forward  float64 // share of the asked question the pair's question covers
	Backward float64 // share of the pair's question the asked question covers
	Exact    float64 // Question with words compared as written and by base form only, no synonyms
	Uniform  float64 // Question with every word weighted alike
	Answer   float64 // share of the asked question's weight the pair's answer covers, 0..1
	Score    float64 // the ranking score: retrieval score / best one + FAQQuestionWeight·Question
	Decision float64 // what the threshold is compared with: Question + FAQVectorWeight·vector similarity
}

// FAQDecision is whether a curated pair answers the question, and the candidates weighed.
type FAQDecision struct {
	Matched    bool
	Threshold  float64
	Candidates []FAQCandidate // best first
}

// Best is the top candidate, if any.
func (d FAQDecision) Best() (FAQCandidate, bool) {
	if len(d.Candidates) == 0 {
		return FAQCandidate{}, false
	}
	return d.Candidates[0], true
}

// faqMatcher ranks curated pairs by their retrieval score (which covers question and answer)
// and, above all, by how well the user's question matches each pair's question: words compared
// by stem and, in English with WordNet, by base form (children → child, went → go) and,
// weighted below exact words, by synonym (kid → child). The answer's coverage is reported.
type faqMatcher struct {
	thesaurus     *wordnet.Thesaurus
	synonymWeight float64
	threshold     float64
}

// analysed is a text's content words for matching.
type analysed struct {
	keys     map[string]bool // stems of the words and of their base forms
	synonyms map[string]bool // stems of the synonyms, minus keys
	words    []analysedWord  // the query's words, unique by stem
}

type analysedWord struct {
	keys     []string
	synonyms []string
}

func (m *faqMatcher) analyse(text, lang string, synonyms bool) analysed {
	a := analysed{keys: map[string]bool{}, synonyms: map[string]bool{}}
	words := textkit.Words(text, lang)
	content := words[:0:0]
	for _, w := range words {
		if !w.Stop && !textkit.IsGenericWord(textkit.Fold(w.Text), lang) {
			content = append(content, w)
		}
	}
	if len(content) == 0 {
		content = words
	}
	useWordNet := m.thesaurus != nil && (lang == "en" || lang == "")
	if !useWordNet {
		synonyms = false
	}
	seen := map[string]bool{}
	for _, w := range content {
		keys := []string{w.Stem}
		var syns []string
		if useWordNet {
			bases := m.thesaurus.Bases(w.Text)
			for _, b := range bases {
				keys = appendUnique(keys, enStem(b))
			}
			if len(bases) == 0 {
				bases = []string{w.Text}
			}
			for _, b := range bases {
				if !synonyms {
					break
				}
				for _, s := range m.thesaurus.Synonyms(b) {
					syns = appendUnique(syns, enStem(s))
				}
			}
		}
		for _, k := range keys {
			a.keys[k] = true
		}
		for _, s := range syns {
			a.synonyms[s] = true
		}
		if !seen[w.Stem] {
			seen[w.Stem] = true
			a.words = append(a.words, analysedWord{keys: keys, synonyms: syns})
		}
	}
	for k := range a.keys {
		delete(a.synonyms, k)
	}
	return a
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// idf weighs words by how few of the background texts use them: the candidates and the other
// retrieved passages, which is what the question is told apart from.
type idf struct {
	df map[string]int
	n  float64
}

func newIDF(docs []analysed) idf {
	f := idf{df: map[string]int{}, n: float64(len(docs))}
	for _, d := range docs {
		for k := range d.keys {
			f.df[k]++
		}
	}
	return f
}

// uniform weighs every word alike; Uniform is reported beside the IDF-weighted similarity,
// whose IDF comes from the few retrieved texts, for calibration runs.
var uniform = idf{}

func (f idf) weight(w analysedWord) float64 {
	if f.df == nil {
		return 1
	}
	df := 0
	for _, k := range w.keys {
		df = max(df, f.df[k])
	}
	return math.Log(1 + (f.n-float64(df)+0.5)/(float64(df)+0.5))
}

// cover is the share of from's word weight that to matches: 1 for a word found as is or by
// base form, synonymWeight for one found by synonym.
func (m *faqMatcher) cover(from, to analysed, w idf, synonymWeight float64) float64 {
	var got, total float64
	for _, word := range from.words {
		wt := w.weight(word)
		total += wt
		match := 0.0
		for _, k := range word.keys {
			if to.keys[k] {
				match = 1
				break
			}
		}
		if match == 0 {
			for _, s := range word.synonyms {
				if to.keys[s] {
					match = synonymWeight
					break
				}
			}
		}
		if match == 0 {
			for _, k := range word.keys {
				if to.synonyms[k] {
					match = synonymWeight
					break
				}
			}
		}
		got += wt * match
	}
	if total == 0 {
		return 0
	}
	return got / total
}

// decide ranks the curated pairs and says whether the best one answers the question. results
// are the answer's passages, best first; pairs the FAQ search's curated pairs. The best pair
// answers when its decision score reaches the threshold and it also tops results: a document
// passage that outranks it covers the question better (on the team's mixed knowledge base,
// testdata/eval/kb, curated answers that did not top the passages were wrong more often than
// right; on faq-dev the condition costs 2 points of recall).
func (m *faqMatcher) decide(query, lang string, results, pairs []retrieval.Result) FAQDecision {
	all := mergeResults(pairs, results) // a pair keeps the FAQ search's scores
	d := FAQDecision{Threshold: m.threshold}
	q := m.analyse(query, lang, true)
	type pair struct {
		r        retrieval.Result
		question analysed
		answer   analysed
	}
	var cands []pair
	var background []analysed
	hi := 0.0
	for _, r := range all {
		if r.Kind != lorebase.ChunkQA {
			background = append(background, m.analyse(r.Content, lang, false))
			continue
		}
		question, answer := splitQA(r.Content)
		p := pair{r: r, question: m.analyse(question, lang, true), answer: m.analyse(answer, lang, false)}
		cands = append(cands, p)
		both := analysed{keys: map[string]bool{}}
		for k := range p.question.keys {
			both.keys[k] = true
		}
		for k := range p.answer.keys {
			both.keys[k] = true
		}
		background = append(background, both)
		hi = max(hi, r.Score)
	}
	if len(cands) == 0 {
		return d
	}
	w := newIDF(background)
	for _, p := range cands {
		c := FAQCandidate{Result: p.r}
		c.Forward, c.Backward = m.cover(q, p.question, w, m.synonymWeight), m.cover(p.question, q, w, m.synonymWeight)
		c.Question = harmonic(c.Forward, c.Backward)
		c.Exact = harmonic(m.cover(q, p.question, w, 0), m.cover(p.question, q, w, 0))
		c.Uniform = harmonic(m.cover(q, p.question, uniform, m.synonymWeight), m.cover(p.question, q, uniform, m.synonymWeight))
		c.Answer = m.cover(q, p.answer, w, m.synonymWeight)
		retrieved := 0.0
		if hi > 0 {
			retrieved = p.r.Score / hi
		}
		c.Score = retrieved + FAQQuestionWeight*c.Question
		c.Decision = c.Question + FAQVectorWeight*max(p.r.VectorScore, 0)
		d.Candidates = append(d.Candidates, c)
	}
	sort.SliceStable(d.Candidates, func(i, j int) bool { return d.Candidates[i].Score > d.Candidates[j].Score })
	best := d.Candidates[0]
	d.Matched = best.Decision >= m.threshold && (len(results) == 0 || results[0].ID == best.Result.ID)
	return d
}

func harmonic(a, b float64) float64 {
	if a+b == 0 {
		return 0
	}
	return 2 * a * b / (a + b)
}

var enStemmer = textkit.Stemmer("en")

// stems memoises English stems of WordNet words: a question's synonyms run into the hundreds
// and stemming them was most of the FAQ decision's cost. WordNet's vocabulary bounds it.
var stems sync.Map

func enStem(w string) string {
	if s, ok := stems.Load(w); ok {
		return s.(string)
	}
	s := enStemmer(w)
	stems.Store(w, s)
	return s
}
