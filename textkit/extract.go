package textkit

import (
	"cmp"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Defaults for ExtractConfig, measured on XQuAD (llm/offline's answer_quality_test.go): at 0.15
// coverage the gold paragraph is answered for ~94% of English questions, an unrelated one for ~3%.
const (
	MaxSentencesDefault = 3
	MaxRunesDefault     = 600
	MinCoverageDefault  = 0.15
	CompanionDefault    = 0.6
	RankPenaltyDefault  = 0.05
)

// ExtractConfig tunes extraction; zero or negative values take the defaults.
type ExtractConfig struct {
	MaxSentences int     // sentences per answer, 1–3 is readable
	MaxRunes     int     // length cap of the quoted text
	MinCoverage  float64 // below this share of the question's weight, answer nothing
	Companion    float64 // a further sentence must score at least this share of the best one
	RankPenalty  float64 // per-rank discount of passages after the first
}

// WithDefaults fills zero or negative fields with the defaults.
func (cfg ExtractConfig) WithDefaults() ExtractConfig {
	pos := func(x float64) float64 { return max(x, 0) }
	cfg.MaxSentences = cmp.Or(max(cfg.MaxSentences, 0), MaxSentencesDefault)
	cfg.MaxRunes = max(cmp.Or(max(cfg.MaxRunes, 0), MaxRunesDefault), 20)
	cfg.MinCoverage = cmp.Or(pos(cfg.MinCoverage), MinCoverageDefault)
	cfg.Companion = cmp.Or(pos(cfg.Companion), CompanionDefault)
	cfg.RankPenalty = cmp.Or(pos(cfg.RankPenalty), RankPenaltyDefault)
	return cfg
}

// Passage is a numbered piece of evidence, cited as [N].
type Passage struct {
	N    int
	Text string
}

// Sentence is one sentence quoted in an answer.
type Sentence struct {
	Text     string
	PassageN int     // the passage's number, cited as [PassageN]
	Score    float64 // share of the question's IDF weight the sentence covers, in [0,1]
}

// Extraction is an extractive answer. Text is empty when no sentence overlaps the question
// enough; callers should then abstain rather than show weak evidence.
type Extraction struct {
	Text       string     // the sentences with [N] citations, ready to show
	Sentences  []Sentence // in the order they appear in Text
	Confidence float64    // share of the question's IDF weight the answer covers, in [0,1]
}

// candidate is a sentence being scored.
type candidate struct {
	Sentence
	rank     int // position of the passage in the request; earlier passages ranked higher
	pos      int // position of the sentence in its passage
	terms    map[string]bool
	coverage float64
}

// Coverage is the evidence the passages hold for question: the share of the question's IDF
// weight that the best sentences of the passages cover, in [0,1] (the Confidence of Extract with
// the default configuration).
func Coverage(question string, passages ...string) float64 {
	ps := make([]Passage, len(passages))
	for i, p := range passages {
		ps[i] = Passage{N: i + 1, Text: p}
	}
	return Extract(question, ps, ExtractConfig{}).Confidence
}

// Extract picks the sentences of passages that best answer question. A sentence scores the IDF
// weight of the question terms it contains, relative to all question terms; IDF is computed
// over the sentences of the passages, so it works even with a single passage, and words the
// passages never use count against every sentence (the passages may not answer the question).
func Extract(question string, passages []Passage, cfg ExtractConfig) Extraction {
	cfg = cfg.WithDefaults()
	lang := detectFor(question, passages)
	stem := Stemmer(lang)

	var qTerms []string
	seen := map[string]bool{}
	all := terms(question, lang, stem)
	for _, t := range all {
		if !t.stop && !seen[t.text] {
			seen[t.text] = true
			qTerms = append(qTerms, t.text)
		}
	}
	if len(qTerms) == 0 { // a question of stop words only ("who is he?") still has words
		for _, t := range all {
			if !seen[t.text] {
				seen[t.text] = true
				qTerms = append(qTerms, t.text)
			}
		}
	}
	if len(qTerms) == 0 {
		return Extraction{}
	}

	var cands []*candidate
	for rank, p := range passages {
		for pos, s := range SplitSentences(p.Text) {
			c := &candidate{Sentence: Sentence{Text: s, PassageN: p.N}, rank: rank, pos: pos, terms: map[string]bool{}}
			for _, t := range terms(s, lang, stem) {
				c.terms[t.text] = true
			}
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		return Extraction{}
	}

	idf := make(map[string]float64, len(qTerms))
	var total float64
	for _, t := range qTerms {
		df := 0
		for _, c := range cands {
			if c.terms[t] {
				df++
			}
		}
		n := float64(len(cands))
		idf[t] = math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
		total += idf[t]
	}
	coverage := func(terms map[string]bool) float64 {
		var s float64
		for _, t := range qTerms {
			if terms[t] {
				s += idf[t]
			}
		}
		return s / total
	}
	for _, c := range cands {
		c.coverage = coverage(c.terms)
		// Retrieval already ranked the passages: a small tie-breaking preference for the top one.
		c.Score = c.coverage / (1 + cfg.RankPenalty*float64(c.rank))
		if CountWords(c.Text) < 4 {
			c.Score *= 0.8 // headings and fragments make poor answers
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].Score > cands[j].Score })
	best := cands[0]
	if best.coverage < cfg.MinCoverage {
		return Extraction{}
	}

	// Add sentences that are nearly as good and cover question terms the chosen ones miss,
	// up to the sentence and length caps.
	chosen := []*candidate{best}
	covered := copySet(best.terms)
	length := utf8.RuneCountInString(best.Text)
	for _, c := range cands[1:] {
		if len(chosen) >= cfg.MaxSentences {
			break
		}
		if c.Score < cfg.Companion*best.Score || length+utf8.RuneCountInString(c.Text) > cfg.MaxRunes {
			continue
		}
		if coverage(union(covered, c.terms)) <= coverage(covered) {
			continue
		}
		chosen = append(chosen, c)
		covered = union(covered, c.terms)
		length += utf8.RuneCountInString(c.Text)
	}
	// Readable order: passages as ranked, sentences as written.
	sort.Slice(chosen, func(i, j int) bool {
		if chosen[i].rank != chosen[j].rank {
			return chosen[i].rank < chosen[j].rank
		}
		return chosen[i].pos < chosen[j].pos
	})

	ext := Extraction{Confidence: coverage(covered)}
	parts := make([]string, len(chosen))
	for i, c := range chosen {
		c.Text = truncateRunes(c.Text, cfg.MaxRunes)
		c.Score = c.coverage
		ext.Sentences = append(ext.Sentences, c.Sentence)
		parts[i] = cite(c.Text, c.PassageN)
	}
	ext.Text = strings.Join(parts, " ")
	return ext
}

// detectFor picks the stemming language from the passages, which are longer than the question,
// and falls back to the question.
func detectFor(question string, passages []Passage) string {
	var b strings.Builder
	for _, p := range passages {
		if b.Len() > 2000 {
			break
		}
		b.WriteString(p.Text)
		b.WriteByte(' ')
	}
	if lang := DetectLanguage(b.String()); lang != "" {
		return lang
	}
	return DetectLanguage(question)
}

func copySet(m map[string]bool) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func union(a, b map[string]bool) map[string]bool {
	out := copySet(a)
	for k := range b {
		out[k] = true
	}
	return out
}

// cite puts [n] before the sentence's final punctuation ("costs $10 [1].") or after it when
// the sentence ends otherwise.
func cite(s string, n int) string {
	ref := "[" + strconv.Itoa(n) + "]"
	last, size := utf8.DecodeLastRuneInString(s)
	switch last {
	case '.', '!', '?':
		return s[:len(s)-size] + " " + ref + string(last)
	case '。', '！', '？':
		return s[:len(s)-size] + ref + string(last)
	}
	return s + " " + ref
}

// truncateRunes shortens s to at most max runes at a word boundary, marking the cut with "…".
func truncateRunes(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)[:max-1]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return cut + "…"
}
